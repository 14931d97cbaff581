//! Customers: create, retrieve, update, delete, list.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::Model;
use super::errors::ApiError;
use super::list::{self, ListParams};
use super::params::Params;
use super::router::{position, retrieve};

const FIELDS: [&str; 4] = ["email", "name", "description", "phone"];

/// The writable fields of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CustomerFields {
    scalars: Vec<(&'static str, String)>,
    metadata: BTreeMap<String, String>,
    clear_metadata: bool,
}

/// Validates create/update parameters.
pub(crate) fn parse_fields(p: &Params) -> Result<CustomerFields, ApiError> {
    let mut allowed = FIELDS.to_vec();
    allowed.push("metadata");
    p.only(&allowed)?;
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
        let mut customer = json!({
            "id": id,
            "object": "customer",
            "balance": 0,
            "created": now,
            "currency": null,
            "delinquent": false,
            "description": null,
            "email": null,
            "livemode": false,
            "metadata": {},
            "name": null,
            "phone": null,
        });
        apply(&mut customer, &fields);
        self.customers.push(customer.clone());
        Ok(customer)
    }

    pub(crate) fn retrieve_customer(&self, id: &str) -> Result<Value, ApiError> {
        if self.deleted_customers.contains(id) {
            return Ok(deleted(id));
        }
        retrieve(&self.customers, "customer", id)
    }

    pub(crate) fn update_customer(&mut self, id: &str, p: &Params) -> Result<Value, ApiError> {
        let fields = parse_fields(p)?;
        let customer = position(&self.customers, id)
            .and_then(|i| self.customers.get_mut(i))
            .ok_or_else(|| ApiError::no_such("customer", id, "id"))?;
        apply(customer, &fields);
        Ok(customer.clone())
    }

    pub(crate) fn delete_customer(&mut self, id: &str) -> Result<Value, ApiError> {
        let index =
            position(&self.customers, id).ok_or_else(|| ApiError::no_such("customer", id, "id"))?;
        self.customers.remove(index);
        self.deleted_customers.insert(id.to_owned());
        Ok(deleted(id))
    }

    pub(crate) fn list_customers(&self, p: &Params) -> Result<Value, ApiError> {
        let lp = ListParams::parse(p, &["email"])?;
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
