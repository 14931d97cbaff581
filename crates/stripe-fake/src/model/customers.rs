//! Customers: create, retrieve, update, delete, list; a card on file from `source=tok_...`
//! (the default source charges use) or `payment_method=pm_...` (attached).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::Model;
use super::errors::ApiError;
use super::list::{self, ListParams};
use super::objects;
use super::params::Params;
use super::router::{position, retrieve};

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
    scalars: Vec<(&'static str, String)>,
    metadata: BTreeMap<String, String>,
    clear_metadata: bool,
}

/// Validates create/update parameters.
pub(crate) fn parse_fields(p: &Params) -> Result<CustomerFields, ApiError> {
    let scalars = FIELDS
        .iter()
        .filter_map(|f| p.get(f).map(|v| (*f, v.to_owned())))
        .collect();
    Ok(CustomerFields {
        scalars,
        metadata: p.map("metadata")?,
        clear_metadata: p.cleared("metadata"),
    })
}

/// Applies `metadata[k]=v` updates: an empty value removes the key.
pub(crate) fn merge_metadata(target: &mut Value, updates: &BTreeMap<String, String>, clear: bool) {
    if clear || !target["metadata"].is_object() {
        target["metadata"] = Value::Object(Map::new());
    }
    if let Some(map) = target["metadata"].as_object_mut() {
        for (k, v) in updates {
            if v.is_empty() {
                map.remove(k);
            } else {
                map.insert(k.clone(), json!(v));
            }
        }
    }
}

impl Model {
    pub(crate) fn create_customer(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
        let fields = parse_fields(p)?;
        let id = self.next_id("cus_");
        let mut customer = objects::customer(&id, now);
        apply(&mut customer, &fields);
        self.customers.push(customer);
        if let Err(err) = self.set_payment_sources(&id, p, now) {
            // Nothing is created when the card on file is refused.
            self.customers.retain(|c| c["id"] != id.as_str());
            return Err(err);
        }
        let customer = retrieve(&self.customers, "customer", &id)?;
        self.record_event("customer.created", &customer, now);
        Ok(customer)
    }

    /// Applies `source`, `default_source`, `payment_method` and
    /// `invoice_settings[default_payment_method]` to a stored customer.
    fn set_payment_sources(&mut self, id: &str, p: &Params, now: i64) -> Result<(), ApiError> {
        if let Some(token) = p.get("source") {
            let (_, card) = self.card_from_token(token, Some(id), "source")?;
            if let Some(customer) = self.find_mut(id) {
                customer["default_source"] = card["id"].clone();
            }
        }
        if let Some(source) = p.get("default_source") {
            let owned = self
                .cards
                .iter()
                .any(|c| c["id"] == source && c["customer"] == id);
            if !owned {
                return Err(ApiError::no_such("source", source, "default_source"));
            }
            if let Some(customer) = self.find_mut(id) {
                customer["default_source"] = json!(source);
            }
        }
        if let Some(pm) = p.get("payment_method") {
            let (pm_id, _) = self.resolve_payment_method(pm, None, now)?;
            self.attach(&pm_id, id, now)?;
        }
        if let Some(pm) = p.get("invoice_settings[default_payment_method]") {
            let attached = self
                .payment_methods
                .iter()
                .any(|m| m["id"] == pm && m["customer"] == id);
            if !attached {
                return Err(ApiError::invalid_param(
                    "invoice_settings[default_payment_method]",
                    "resource_missing",
                    format!(
                        "No such PaymentMethod: '{pm}'; it must be attached to the customer first."
                    ),
                ));
            }
            if let Some(customer) = self.find_mut(id) {
                customer["invoice_settings"]["default_payment_method"] = json!(pm);
            }
        }
        Ok(())
    }

    pub(crate) fn retrieve_customer(&self, id: &str) -> Result<Value, ApiError> {
        if self.deleted_customers.contains(id) {
            return Ok(deleted(id));
        }
        retrieve(&self.customers, "customer", id)
    }

    pub(crate) fn update_customer(
        &mut self,
        id: &str,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let fields = parse_fields(p)?;
        let customer = position(&self.customers, id)
            .and_then(|i| self.customers.get_mut(i))
            .ok_or_else(|| ApiError::no_such("customer", id, "id"))?;
        apply(customer, &fields);
        self.set_payment_sources(id, p, now)?;
        let customer = retrieve(&self.customers, "customer", id)?;
        self.record_event("customer.updated", &customer, now);
        Ok(customer)
    }

    pub(crate) fn delete_customer(&mut self, id: &str, now: i64) -> Result<Value, ApiError> {
        let index =
            position(&self.customers, id).ok_or_else(|| ApiError::no_such("customer", id, "id"))?;
        let customer = self.customers.remove(index);
        self.deleted_customers.insert(id.to_owned());
        self.record_event("customer.deleted", &customer, now);
        Ok(deleted(id))
    }

    pub(crate) fn list_customers(&self, p: &Params) -> Result<Value, ApiError> {
        let lp = ListParams::parse(p)?;
        let selected = self
            .customers
            .iter()
            .filter(|c| list::matches(c, p, "email"));
        list::page(selected, &lp, "/v1/customers", "customer")
    }

    /// Whether a live customer with this id exists.
    pub(crate) fn customer_exists(&self, id: &str) -> bool {
        position(&self.customers, id).is_some()
    }
}

fn apply(customer: &mut Value, fields: &CustomerFields) {
    for (name, value) in &fields.scalars {
        customer[*name] = if value.is_empty() {
            Value::Null
        } else {
            json!(value)
        };
    }
    merge_metadata(customer, &fields.metadata, fields.clear_metadata);
}

fn deleted(id: &str) -> Value {
    json!({ "id": id, "object": "customer", "deleted": true })
}
