//! Customers: create (on a `test_clock` if given), retrieve, update, delete, list; a card on file from `source=tok_...`
//! (the default source charges use) or `payment_method=pm_...` (attached).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Model;
use super::errors::ApiError;
use super::objects;
use super::params::{Params, TextFields, merge_metadata};
use crate::registry::{Call, Resource, Route};

/// The registry entry of customers.
pub(crate) fn resource() -> Resource {
    Resource::new("customer")
        .with_prefix("cus_")
        .with_route(Route::new("POST /v1/customers", create).with_validator(validate))
        .with_route(Route::list("GET /v1/customers"))
        .with_route(Route::search("GET /v1/customers/search"))
        .with_route(Route::retrieve("GET /v1/customers/{customer}"))
        .with_route(Route::new("POST /v1/customers/{customer}", update).with_validator(validate))
        .with_route(Route::delete("DELETE /v1/customers/{customer}"))
        .with_searchable(&["created", "email", "name", "phone"])
        .with_expandable(&[
            "address",
            "cash_balance",
            "default_source",
            "discount",
            "invoice_settings",
            "shipping",
            "sources",
            "subscriptions",
            "tax",
            "tax_ids",
            "test_clock",
        ])
        .with_list_filters(&["email", "test_clock"])
        .with_events(&["customer.created", "customer.updated", "customer.deleted"])
}

fn validate(call: &Call<'_>) -> Result<(), ApiError> {
    parse_fields(call.params()).map(drop)
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.create_customer(call.params(), call.unix_time())
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.update_customer(call.id(), call.params(), call.unix_time())
}

const FIELDS: [&str; 6] = [
    "email",
    "name",
    "description",
    "phone",
    "tax_exempt",
    "invoice_prefix",
];

/// The writable fields of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CustomerFields {
    scalars: TextFields,
    metadata: BTreeMap<String, String>,
    clear_metadata: bool,
}

/// Validates create/update parameters.
pub(crate) fn parse_fields(p: &Params) -> Result<CustomerFields, ApiError> {
    let scalars = TextFields::from_params(p, &FIELDS);
    Ok(CustomerFields {
        scalars,
        metadata: p.map("metadata")?,
        clear_metadata: p.cleared("metadata"),
    })
}

impl Model {
    pub(crate) fn create_customer(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
        let fields = parse_fields(p)?;
        let test_clock = self.test_clock_param(p)?;
        let id = self.next_id("cus_");
        let mut customer = objects::customer(&id, now);
        apply(&mut customer, &fields);
        customer["test_clock"] = json!(test_clock);
        self.collection_mut("customer")?.insert(customer)?;
        if let Err(err) = self.set_payment_sources(&id, p, now) {
            // Nothing is created when the card on file is refused.
            self.collection_mut("customer")?.discard(&id)?;
            return Err(err);
        }
        let customer = self.collection("customer")?.get(&id)?.clone();
        self.record_event("customer.created", &customer, now);
        Ok(customer)
    }

    /// Applies `source`, `default_source`, `payment_method` and
    /// `invoice_settings[default_payment_method]` to a stored customer.
    fn set_payment_sources(&mut self, id: &str, p: &Params, now: i64) -> Result<(), ApiError> {
        if let Some(token) = p.get("source") {
            let (_, card) = self.card_from_token(token, Some(id), "source")?;
            self.collection_mut("customer")?.update(id, |c| {
                c["default_source"] = card["id"].clone();
                Ok(())
            })?;
        }
        if let Some(source) = p.get("default_source") {
            let owned = self
                .collection("card")?
                .find(source)
                .is_some_and(|c| c["customer"] == id);
            if !owned {
                return Err(ApiError::no_such("source", source, "default_source"));
            }
            self.collection_mut("customer")?.update(id, |c| {
                c["default_source"] = json!(source);
                Ok(())
            })?;
        }
        if let Some(pm) = p.get("payment_method") {
            let (pm_id, _) = self.resolve_payment_method(pm, None, now)?;
            self.attach(&pm_id, id, now)?;
        }
        if let Some(pm) = p.get("invoice_settings[default_payment_method]") {
            let attached = self
                .collection("payment_method")?
                .find(pm)
                .is_some_and(|m| m["customer"] == id);
            if !attached {
                return Err(ApiError::invalid_param(
                    "invoice_settings[default_payment_method]",
                    "resource_missing",
                    format!(
                        "No such PaymentMethod: '{pm}'; it must be attached to the customer first."
                    ),
                ));
            }
            self.collection_mut("customer")?.update(id, |c| {
                c["invoice_settings"]["default_payment_method"] = json!(pm);
                Ok(())
            })?;
        }
        Ok(())
    }

    fn update_customer(&mut self, id: &str, p: &Params, now: i64) -> Result<Value, ApiError> {
        let fields = parse_fields(p)?;
        self.collection_mut("customer")?.update(id, |c| {
            apply(c, &fields);
            Ok(())
        })?;
        self.set_payment_sources(id, p, now)?;
        let customer = self.collection("customer")?.get(id)?.clone();
        self.record_event("customer.updated", &customer, now);
        Ok(customer)
    }

    /// The live customer named by parameter `param`, or 400 `resource_missing`.
    pub(crate) fn check_customer(&self, id: &str, param: &str) -> Result<(), ApiError> {
        self.collection("customer")?.named(id, param).map(drop)
    }
}

fn apply(customer: &mut Value, fields: &CustomerFields) {
    fields.scalars.apply_to(customer);
    merge_metadata(customer, &fields.metadata, fields.clear_metadata);
}
