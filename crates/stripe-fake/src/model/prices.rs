//! Prices: one-time or recurring (`recurring[interval]`), per unit; create (for a `product` or
//! a new one from `product_data`), retrieve, update, list by `active`, `currency`, `product` and
//! `type`. Stripe deletes no price (it deactivates them: `active=false`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Model;
use super::errors::ApiError;
use super::params::{Params, TextFields, merge_metadata};
use crate::registry::{Call, Resource, Route};

/// The registry entry of prices.
pub(crate) fn resource() -> Resource {
    Resource::new("price")
        .with_prefix("price_")
        .with_route(Route::new("POST /v1/prices", create).with_validator(validate_create))
        .with_route(Route::list("GET /v1/prices"))
        .with_route(Route::retrieve("GET /v1/prices/{price}"))
        .with_route(Route::new("POST /v1/prices/{price}", update).with_validator(validate_update))
        .with_expandable(&["currency_options", "product", "tiers"])
        .with_list_filters(&["active", "currency", "product", "type"])
        .with_events(&["price.created", "price.updated"])
}

const INTERVALS: [&str; 4] = ["day", "week", "month", "year"];
const USAGE_TYPES: [&str; 2] = ["licensed", "metered"];
const TAX_BEHAVIORS: [&str; 3] = ["exclusive", "inclusive", "unspecified"];

/// How often a recurring price bills.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Recurring {
    interval: String,
    interval_count: u64,
    usage_type: String,
}

/// What the price is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ProductRef {
    Existing(String),
    New(BTreeMap<String, String>),
}

/// Validated `POST /v1/prices` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CreatePrice {
    currency: String,
    product: ProductRef,
    unit_amount: u64,
    recurring: Option<Recurring>,
    fields: PriceFields,
}

/// The fields both create and update set.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PriceFields {
    active: Option<bool>,
    text: TextFields,
    tax_behavior: Option<String>,
    metadata: BTreeMap<String, String>,
    clear_metadata: bool,
}

/// A value of `name` that must be one of `allowed`.
fn one_of(name: &str, value: &str, allowed: &[&str]) -> Result<String, ApiError> {
    if allowed.contains(&value) {
        Ok(value.to_owned())
    } else {
        Err(ApiError::invalid_param(
            name,
            "parameter_invalid_string",
            format!("Invalid {name}: must be one of {}", allowed.join(", ")),
        ))
    }
}

fn integer(name: &str, raw: &str) -> Result<u64, ApiError> {
    raw.parse::<u64>().map_err(|_| {
        ApiError::invalid_param(
            name,
            "parameter_invalid_integer",
            format!("Invalid non-negative integer: {raw}"),
        )
    })
}

fn parse_fields(p: &Params) -> Result<PriceFields, ApiError> {
    Ok(PriceFields {
        active: p.opt_bool("active")?,
        text: TextFields::from_params(p, &["nickname", "lookup_key"]),
        tax_behavior: p
            .get("tax_behavior")
            .map(|v| one_of("tax_behavior", v, &TAX_BEHAVIORS))
            .transpose()?,
        metadata: p.map("metadata")?,
        clear_metadata: p.cleared("metadata"),
    })
}

fn parse_recurring(p: &Params) -> Result<Option<Recurring>, ApiError> {
    let raw = p.map("recurring")?;
    if raw.is_empty() {
        return Ok(None);
    }
    if let Some(unknown) = raw
        .keys()
        .find(|k| !["interval", "interval_count", "usage_type"].contains(&k.as_str()))
    {
        return Err(ApiError::unknown_parameter(&format!(
            "recurring[{unknown}]"
        )));
    }
    let interval = raw
        .get("interval")
        .ok_or_else(|| ApiError::missing("recurring[interval]"))?;
    let interval_count = match raw.get("interval_count") {
        None => 1,
        Some(n) => match integer("recurring[interval_count]", n)? {
            0 => {
                return Err(ApiError::invalid_param(
                    "recurring[interval_count]",
                    "parameter_invalid_integer",
                    "recurring[interval_count] must be at least 1.".to_owned(),
                ));
            }
            n => n,
        },
    };
    let usage_type = raw.get("usage_type").map_or("licensed", String::as_str);
    Ok(Some(Recurring {
        interval: one_of("recurring[interval]", interval, &INTERVALS)?,
        interval_count,
        usage_type: one_of("recurring[usage_type]", usage_type, &USAGE_TYPES)?,
    }))
}

fn parse_create(p: &Params) -> Result<CreatePrice, ApiError> {
    let product_data = p.map("product_data")?;
    let product = match (p.get("product"), product_data.is_empty()) {
        (Some(id), true) => ProductRef::Existing(id.to_owned()),
        (None, false) => ProductRef::New(product_data),
        (None, true) => {
            return Err(ApiError::invalid_request(
                "You must specify either `product` or `product_data` when creating a price."
                    .to_owned(),
            ));
        }
        (Some(_), false) => {
            return Err(ApiError::invalid_request(
                "You may only specify one of these parameters: product, product_data.".to_owned(),
            ));
        }
    };
    let unit_amount = p
        .get("unit_amount")
        .ok_or_else(|| ApiError::missing("unit_amount"))?;
    Ok(CreatePrice {
        currency: p.currency()?,
        product,
        unit_amount: integer("unit_amount", unit_amount)?,
        recurring: parse_recurring(p)?,
        fields: parse_fields(p)?,
    })
}

fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    check_create(call.params())
}

/// Validates the parameters of a new price (`POST /v1/prices`, or a line item's `price_data`).
pub(crate) fn check_create(p: &Params) -> Result<(), ApiError> {
    parse_create(p).map(drop)
}

fn validate_update(call: &Call<'_>) -> Result<(), ApiError> {
    parse_fields(call.params()).map(drop)
}

fn apply(price: &mut Value, fields: &PriceFields) {
    if let Some(active) = fields.active {
        price["active"] = json!(active);
    }
    fields.text.apply_to(price);
    if let Some(tax_behavior) = &fields.tax_behavior {
        price["tax_behavior"] = json!(tax_behavior);
    }
    merge_metadata(price, &fields.metadata, fields.clear_metadata);
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.create_price(call.params(), call.unix_time())
}

impl Model {
    /// Stores a new price (and its product, from `product_data`) and records `price.created`.
    pub(crate) fn create_price(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
        let create = parse_create(p)?;
        let product = match &create.product {
            ProductRef::Existing(id) => {
                self.collection("product")?.named(id, "product")?;
                id.clone()
            }
            ProductRef::New(data) => self.product_from_data(data, now)?,
        };
        let id = self.next_id("price_");
        let recurring = create.recurring.as_ref().map(|r| {
            json!({"aggregate_usage": null, "interval": r.interval,
                   "interval_count": r.interval_count, "usage_type": r.usage_type})
        });
        let mut price = json!({
            "id": id,
            "object": "price",
            "active": true,
            "billing_scheme": "per_unit",
            "created": now,
            "currency": create.currency,
            "custom_unit_amount": null,
            "livemode": false,
            "lookup_key": null,
            "metadata": {},
            "nickname": null,
            "product": product,
            "recurring": recurring,
            "tax_behavior": "unspecified",
            "tiers_mode": null,
            "transform_quantity": null,
            "type": if create.recurring.is_some() { "recurring" } else { "one_time" },
            "unit_amount": create.unit_amount,
            "unit_amount_decimal": create.unit_amount.to_string(),
        });
        apply(&mut price, &create.fields);
        let price = self.collection_mut("price")?.insert(price)?;
        self.record_event("price.created", &price, now);
        Ok(price)
    }
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let fields = parse_fields(call.params())?;
    let price = model.collection_mut("price")?.update(call.id(), |price| {
        if fields.tax_behavior.is_some() && price["tax_behavior"] != "unspecified" {
            return Err(ApiError::invalid_param(
                "tax_behavior",
                "parameter_invalid_string",
                "tax_behavior cannot be changed once it is set to exclusive or inclusive."
                    .to_owned(),
            ));
        }
        apply(price, &fields);
        Ok(())
    })?;
    model.record_event("price.updated", &price, call.unix_time());
    Ok(price)
}
