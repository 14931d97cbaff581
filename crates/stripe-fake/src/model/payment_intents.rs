//! Payment intents: create (optionally confirming at once), retrieve, confirm, list.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Model;
use super::cards::{self, Card};
use super::charges::ChargeSpec;
use super::errors::ApiError;
use super::list::{self, ListParams};
use super::params::Params;
use super::router::position;

/// Validated `POST /v1/payment_intents` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CreateIntent {
    amount: u64,
    currency: String,
    customer: Option<String>,
    payment_method: Option<(String, Card)>,
    confirm: bool,
    description: Option<String>,
    metadata: BTreeMap<String, String>,
}

fn opt_payment_method(p: &Params) -> Result<Option<(String, Card)>, ApiError> {
    p.get("payment_method")
        .map(|pm| cards::payment_method(pm).map(|card| (pm.to_owned(), card)))
        .transpose()
}

/// Validates `POST /v1/payment_intents`.
pub(crate) fn parse_create(p: &Params) -> Result<CreateIntent, ApiError> {
    p.only(&[
        "amount",
        "currency",
        "customer",
        "payment_method",
        "payment_method_types",
        "automatic_payment_methods",
        "confirm",
        "description",
        "metadata",
        "receipt_email",
        "return_url",
    ])?;
    Ok(CreateIntent {
        amount: p.amount("amount")?,
        currency: p.currency()?,
        customer: p.get("customer").map(str::to_owned),
        payment_method: opt_payment_method(p)?,
        confirm: p.opt_bool("confirm")?.unwrap_or(false),
        description: p.get("description").map(str::to_owned),
        metadata: p.map("metadata")?,
    })
}

/// Validates `POST /v1/payment_intents/{id}/confirm`.
pub(crate) fn parse_confirm(p: &Params) -> Result<Option<(String, Card)>, ApiError> {
    p.only(&["payment_method", "return_url", "receipt_email"])?;
    opt_payment_method(p)
}

impl Model {
    pub(crate) fn create_payment_intent(
        &mut self,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let create = parse_create(p)?;
        if let Some(customer) = &create.customer
            && !self.customer_exists(customer)
        {
            return Err(ApiError::no_such("customer", customer, "customer"));
        }
        let id = self.next_id("pi_");
        let secret = self.next_id("secret_");
        let metadata: serde_json::Map<String, Value> = create
            .metadata
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let status = if create.payment_method.is_some() {
            "requires_confirmation"
        } else {
            "requires_payment_method"
        };
        let intent = json!({
            "id": id,
            "object": "payment_intent",
            "amount": create.amount,
            "amount_received": 0,
            "capture_method": "automatic",
            "client_secret": format!("{id}_{secret}"),
            "confirmation_method": "automatic",
            "created": now,
            "currency": create.currency,
            "customer": create.customer,
            "description": create.description,
            "last_payment_error": null,
            "latest_charge": null,
            "livemode": false,
            "metadata": metadata,
            "payment_method": create.payment_method.as_ref().map(|(pm, _)| pm),
            "payment_method_types": ["card"],
            "status": status,
        });
        self.payment_intents.push(intent.clone());
        if create.confirm {
            return self.confirm(&id, create.payment_method, now);
        }
        Ok(intent)
    }

    pub(crate) fn confirm_payment_intent(
        &mut self,
        id: &str,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let payment_method = parse_confirm(p)?;
        self.confirm(id, payment_method, now)
    }

    fn confirm(
        &mut self,
        id: &str,
        given: Option<(String, Card)>,
        now: i64,
    ) -> Result<Value, ApiError> {
        let index = position(&self.payment_intents, id)
            .ok_or_else(|| ApiError::no_such("payment_intent", id, "id"))?;
        let intent = self.payment_intents.get(index).cloned().unwrap_or_default();
        let status = intent["status"].as_str().unwrap_or_default();
        if status != "requires_payment_method" && status != "requires_confirmation" {
            let mut err = ApiError::invalid_state(
                "payment_intent_unexpected_state",
                format!(
                    "You cannot confirm this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method."
                ),
            );
            err.extra.push(("payment_intent", intent));
            return Err(err);
        }
        let known = intent["payment_method"].as_str().and_then(|pm| {
            cards::payment_method(pm)
                .ok()
                .map(|card| (pm.to_owned(), card))
        });
        let Some((pm, card)) = given.or(known) else {
            let mut err = ApiError::invalid_state(
                "payment_intent_unexpected_state",
                "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent, pass a `payment_method`.".to_owned(),
            );
            err.extra.push(("payment_intent", intent));
            return Err(err);
        };
        let spec = ChargeSpec {
            amount: intent["amount"].as_u64().unwrap_or_default(),
            currency: intent["currency"].as_str().unwrap_or("usd").to_owned(),
            customer: intent["customer"].as_str().map(str::to_owned),
            card,
            payment_method: pm.clone(),
            description: intent["description"].as_str().map(str::to_owned),
            metadata: BTreeMap::new(),
            payment_intent: Some(id.to_owned()),
            capture: true,
        };
        let (charge, declined) = self.record_charge(spec, now);
        let Some(intent) = self.payment_intents.get_mut(index) else {
            return Err(ApiError::no_such("payment_intent", id, "id"));
        };
        intent["latest_charge"] = charge["id"].clone();
        match declined {
            None => {
                intent["status"] = json!("succeeded");
                intent["amount_received"] = intent["amount"].clone();
                intent["payment_method"] = json!(pm);
                intent["last_payment_error"] = Value::Null;
                Ok(intent.clone())
            }
            Some(mut err) => {
                intent["status"] = json!("requires_payment_method");
                intent["payment_method"] = Value::Null;
                intent["last_payment_error"] = err.to_json()["error"].clone();
                err.extra.push(("payment_intent", intent.clone()));
                Err(err)
            }
        }
    }

    pub(crate) fn list_payment_intents(&self, p: &Params) -> Result<Value, ApiError> {
        let lp = ListParams::parse(p, &["customer"])?;
        let selected = self
            .payment_intents
            .iter()
            .filter(|i| list::matches(i, p, "customer"));
        list::page(selected, &lp, "/v1/payment_intents", "payment_intent")
    }
}
