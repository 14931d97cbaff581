//! Products: create (with an id of the caller's choosing, or `prod_...`), retrieve, update,
//! delete (refused while prices use it, as Stripe refuses), list by `active`, `shippable` and
//! `url`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Model;
use super::errors::ApiError;
use super::params::{Params, TextFields, merge_metadata};
use crate::registry::handlers;
use crate::registry::{Call, Resource, Route};

/// The registry entry of products.
pub(crate) fn resource() -> Resource {
    Resource::new("product")
        .with_prefix("prod_")
        .with_route(Route::new("POST /v1/products", create).with_validator(validate))
        .with_route(Route::list("GET /v1/products"))
        .with_route(Route::retrieve_live("GET /v1/products/{id}"))
        .with_route(Route::new("POST /v1/products/{id}", update).with_validator(validate))
        .with_route(Route::new("DELETE /v1/products/{id}", delete))
        .with_expandable(&["default_price", "tax_code"])
        .with_list_filters(&["active", "shippable", "url"])
        .with_events(&["product.created", "product.updated", "product.deleted"])
}

/// The optional text fields of a product (an empty value unsets one on update).
const TEXT: [&str; 4] = ["description", "statement_descriptor", "unit_label", "url"];

/// Validated create or update parameters of a product.
#[derive(Debug, Clone, PartialEq)]
struct ProductFields {
    name: Option<String>,
    active: Option<bool>,
    shippable: Option<bool>,
    text: TextFields,
    default_price: Option<String>,
    metadata: BTreeMap<String, String>,
    clear_metadata: bool,
}

fn parse_fields(p: &Params) -> Result<ProductFields, ApiError> {
    Ok(ProductFields {
        name: p.get("name").map(str::to_owned),
        active: p.opt_bool("active")?,
        shippable: p.opt_bool("shippable")?,
        text: TextFields::from_params(p, &TEXT),
        default_price: p.get("default_price").map(str::to_owned),
        metadata: p.map("metadata")?,
        clear_metadata: p.cleared("metadata"),
    })
}

fn validate(call: &Call<'_>) -> Result<(), ApiError> {
    parse_fields(call.params()).map(drop)
}

/// A product as Stripe answers it, with nothing but its name set.
fn product(id: &str, name: &str, now: i64) -> Value {
    json!({
        "id": id,
        "object": "product",
        "active": true,
        "created": now,
        "default_price": null,
        "description": null,
        "features": [],
        "images": [],
        "livemode": false,
        "metadata": {},
        "name": name,
        "package_dimensions": null,
        "shippable": null,
        "statement_descriptor": null,
        "tax_code": null,
        "unit_label": null,
        "updated": now,
        "url": null,
    })
}

fn apply(product: &mut Value, fields: &ProductFields, now: i64) {
    if let Some(name) = &fields.name {
        product["name"] = json!(name);
    }
    if let Some(active) = fields.active {
        product["active"] = json!(active);
    }
    if let Some(shippable) = fields.shippable {
        product["shippable"] = json!(shippable);
    }
    fields.text.apply_to(product);
    merge_metadata(product, &fields.metadata, fields.clear_metadata);
    product["updated"] = json!(now);
}

/// The id a caller chose (`id=...`), refused when an object of `object` has it (live or
/// deleted, as Stripe never reuses one), or a new one with `prefix`.
pub(crate) fn chosen_or_new_id(
    model: &mut Model,
    p: &Params,
    object: &str,
    prefix: &str,
) -> Result<String, ApiError> {
    let Some(id) = p.get("id") else {
        return Ok(model.next_id(prefix));
    };
    if id.is_empty() {
        return Err(ApiError::invalid_param(
            "id",
            "parameter_invalid_empty",
            "You passed an empty string for 'id'. We assume empty values are an attempt to unset a parameter; however 'id' cannot be unset.".to_owned(),
        ));
    }
    let objects = model.collection(object)?;
    if objects.contains(id) || objects.is_deleted(id) {
        return Err(ApiError::invalid_param(
            "id",
            "resource_already_exists",
            format!("A {object} with id {id} already exists."),
        ));
    }
    Ok(id.to_owned())
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let fields = parse_fields(p)?;
    let name = fields
        .name
        .as_deref()
        .ok_or_else(|| ApiError::missing("name"))?;
    if fields.default_price.is_some() {
        return Err(ApiError::unknown_parameter("default_price"));
    }
    let id = chosen_or_new_id(model, p, "product", "prod_")?;
    model.create_product(&id, name, &fields, call.unix_time())
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let fields = parse_fields(call.params())?;
    let now = call.unix_time();
    let id = call.id();
    model.collection("product")?.get(id)?;
    if let Some(price) = fields.default_price.as_deref().filter(|p| !p.is_empty()) {
        let of_this_product =
            model.collection("price")?.named(price, "default_price")?["product"] == id;
        if !of_this_product {
            return Err(ApiError::invalid_param(
                "default_price",
                "parameter_invalid_string",
                format!("The price {price} does not belong to product {id}."),
            ));
        }
    }
    let product = model.collection_mut("product")?.update(id, |product| {
        apply(product, &fields, now);
        if let Some(price) = &fields.default_price {
            product["default_price"] = if price.is_empty() {
                Value::Null
            } else {
                json!(price)
            };
        }
        Ok(())
    })?;
    model.record_event("product.updated", &product, now);
    Ok(product)
}

/// Stripe refuses to delete a product that prices use; otherwise the generic delete.
fn delete(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let id = call.id();
    model.collection("product")?.get(id)?;
    if model
        .collection("price")?
        .as_slice()
        .iter()
        .any(|price| price["product"] == id)
    {
        return Err(ApiError::invalid_request(format!(
            "This product ({id}) cannot be deleted because it has one or more user-created prices."
        )));
    }
    handlers::delete(model, call)
}

impl Model {
    /// Stores a new product and records `product.created`.
    fn create_product(
        &mut self,
        id: &str,
        name: &str,
        fields: &ProductFields,
        now: i64,
    ) -> Result<Value, ApiError> {
        let mut new = product(id, name, now);
        apply(&mut new, fields, now);
        let new = self.collection_mut("product")?.insert(new)?;
        self.record_event("product.created", &new, now);
        Ok(new)
    }

    /// A product made from a price's `product_data[name]` (and `product_data[active]`).
    pub(crate) fn product_from_data(
        &mut self,
        data: &BTreeMap<String, String>,
        now: i64,
    ) -> Result<String, ApiError> {
        let name = data
            .get("name")
            .ok_or_else(|| ApiError::missing("product_data[name]"))?;
        let active = match data.get("active").map(String::as_str) {
            None | Some("true") => true,
            Some("false") => false,
            Some(_) => {
                return Err(ApiError::invalid_param(
                    "product_data[active]",
                    "parameter_invalid_boolean",
                    "Invalid boolean: product_data[active] must be `true` or `false`".to_owned(),
                ));
            }
        };
        let fields = ProductFields {
            name: None,
            active: Some(active),
            shippable: None,
            text: TextFields::default(),
            default_price: None,
            metadata: BTreeMap::new(),
            clear_metadata: false,
        };
        let id = self.next_id("prod_");
        self.create_product(&id, name, &fields, now)?;
        Ok(id)
    }
}
