//! Payment intents: create (optionally confirming at once), retrieve, update, confirm,
//! capture (`capture_method=manual`), cancel, list.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Model;
use super::charges::{ChargeSpec, Payment, echoed};
use super::customers::merge_metadata;
use super::errors::ApiError;
use super::list::{self, ListParams};
use super::objects;
use super::params::Params;
use super::router::position;

/// Parameters Stripe echoes on a payment intent as given.
const ECHOED: [&str; 5] = [
    "receipt_email",
    "setup_future_usage",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "transfer_group",
];

const CAPTURE_METHODS: [&str; 3] = ["automatic", "automatic_async", "manual"];
const CANCELLATION_REASONS: [&str; 4] = [
    "abandoned",
    "duplicate",
    "fraudulent",
    "requested_by_customer",
];
/// Statuses from which a payment intent can be updated, confirmed or canceled.
const OPEN: [&str; 4] = [
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "requires_capture",
];

/// Validated `POST /v1/payment_intents` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CreateIntent {
    amount: u64,
    currency: String,
    customer: Option<String>,
    payment_method: Option<String>,
    confirm: bool,
    capture_method: String,
    description: Option<String>,
    metadata: BTreeMap<String, String>,
}

fn one_of(p: &Params, name: &str, allowed: &[&str]) -> Result<Option<String>, ApiError> {
    match p.get(name) {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v.to_owned())),
        Some(v) => Err(ApiError::invalid_param(
            name,
            "parameter_invalid_string",
            format!(
                "Invalid {name}: must be one of {} (got {v})",
                allowed.join(", ")
            ),
        )),
    }
}

/// Validates `POST /v1/payment_intents`.
pub(crate) fn parse_create(p: &Params) -> Result<CreateIntent, ApiError> {
    Ok(CreateIntent {
        amount: p.amount("amount")?,
        currency: p.currency()?,
        customer: p.get("customer").map(str::to_owned),
        payment_method: p.get("payment_method").map(str::to_owned),
        confirm: p.opt_bool("confirm")?.unwrap_or(false),
        capture_method: one_of(p, "capture_method", &CAPTURE_METHODS)?
            .unwrap_or_else(|| "automatic".to_owned()),
        description: p.get("description").map(str::to_owned),
        metadata: p.map("metadata")?,
    })
}

/// Validates `POST /v1/payment_intents/{id}`.
pub(crate) fn parse_update(p: &Params) -> Result<(), ApiError> {
    p.opt_amount("amount")?;
    if p.get("currency").is_some() {
        p.currency()?;
    }
    one_of(p, "capture_method", &CAPTURE_METHODS)?;
    p.map("metadata").map(drop)
}

/// Validates `POST /v1/payment_intents/{id}/confirm`: the payment method given, if any.
pub(crate) fn parse_confirm(p: &Params) -> Result<Option<String>, ApiError> {
    Ok(p.get("payment_method").map(str::to_owned))
}

/// Validates `POST /v1/payment_intents/{id}/cancel`: the reason given, if any.
pub(crate) fn parse_cancel(p: &Params) -> Result<Option<String>, ApiError> {
    one_of(p, "cancellation_reason", &CANCELLATION_REASONS)
}

fn unexpected_state(intent: &Value, action: &str, allowed: &str) -> ApiError {
    let status = intent["status"].as_str().unwrap_or_default();
    let mut err = ApiError::invalid_state(
        "payment_intent_unexpected_state",
        format!(
            "You cannot {action} this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be {action}ed: {allowed}."
        ),
    );
    err.extra.push(("payment_intent", intent.clone()));
    err
}

impl Model {
    fn intent_index(&self, id: &str) -> Result<usize, ApiError> {
        position(&self.payment_intents, id)
            .ok_or_else(|| ApiError::no_such("payment_intent", id, "id"))
    }

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
        let payment_method = match &create.payment_method {
            Some(pm) => Some(
                self.resolve_payment_method(pm, create.customer.as_deref(), now)?
                    .0,
            ),
            None => None,
        };
        let id = self.next_id("pi_");
        let secret = self.next_id("secret_");
        let status = if payment_method.is_some() {
            "requires_confirmation"
        } else {
            "requires_payment_method"
        };
        let mut intent = objects::payment_intent_defaults();
        objects::merge(
            &mut intent,
            json!({
                "id": id,
                "object": "payment_intent",
                "amount": create.amount,
                "amount_capturable": 0,
                "amount_received": 0,
                "capture_method": create.capture_method,
                "client_secret": format!("{id}_{secret}"),
                "confirmation_method": "automatic",
                "created": now,
                "currency": create.currency,
                "customer": create.customer,
                "description": create.description,
                "livemode": false,
                "metadata": objects::metadata(&create.metadata),
                "payment_method": payment_method,
                "status": status,
            }),
        );
        if p.get("automatic_payment_methods[enabled]") == Some("true") {
            intent["automatic_payment_methods"] =
                json!({"allow_redirects": "always", "enabled": true});
        }
        objects::merge(&mut intent, Value::Object(echoed(p, &ECHOED)));
        self.payment_intents.push(intent.clone());
        self.record_event("payment_intent.created", &intent, now);
        if create.confirm {
            return self.confirm(&id, None, now);
        }
        Ok(intent)
    }

    pub(crate) fn update_payment_intent(
        &mut self,
        id: &str,
        p: &Params,
    ) -> Result<Value, ApiError> {
        parse_update(p)?;
        let index = self.intent_index(id)?;
        let current = self.payment_intents.get(index).cloned().unwrap_or_default();
        if !OPEN.contains(&current["status"].as_str().unwrap_or_default()) {
            return Err(unexpected_state(&current, "update", &OPEN.join(", ")));
        }
        let payment_method = match p.get("payment_method") {
            Some(pm) => Some(self.resolve_payment_method(pm, None, 0)?.0),
            None => None,
        };
        if let Some(customer) = p.get("customer")
            && !self.customer_exists(customer)
        {
            return Err(ApiError::no_such("customer", customer, "customer"));
        }
        let updates = p.map("metadata")?;
        let Some(intent) = self.payment_intents.get_mut(index) else {
            return Err(ApiError::no_such("payment_intent", id, "id"));
        };
        if let Some(amount) = p.opt_amount("amount")? {
            intent["amount"] = json!(amount);
        }
        if p.get("currency").is_some() {
            intent["currency"] = json!(p.currency()?);
        }
        for name in ["customer", "description", "capture_method"] {
            if let Some(v) = p.get(name) {
                intent[name] = json!(v);
            }
        }
        if let Some(pm) = payment_method {
            intent["payment_method"] = json!(pm);
            if intent["status"] == "requires_payment_method" {
                intent["status"] = json!("requires_confirmation");
            }
        }
        objects::merge(intent, Value::Object(echoed(p, &ECHOED)));
        merge_metadata(intent, &updates, p.cleared("metadata"));
        Ok(intent.clone())
    }

    pub(crate) fn confirm_payment_intent(
        &mut self,
        id: &str,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let given = match parse_confirm(p)? {
            Some(pm) => Some(self.resolve_payment_method(&pm, None, now)?.0),
            None => None,
        };
        self.confirm(id, given, now)
    }

    fn confirm(&mut self, id: &str, given: Option<String>, now: i64) -> Result<Value, ApiError> {
        let index = self.intent_index(id)?;
        let intent = self.payment_intents.get(index).cloned().unwrap_or_default();
        let status = intent["status"].as_str().unwrap_or_default();
        if status != "requires_payment_method" && status != "requires_confirmation" {
            return Err(unexpected_state(
                &intent,
                "confirm",
                "requires_confirmation, requires_payment_method",
            ));
        }
        let Some(pm) = given.or_else(|| intent["payment_method"].as_str().map(str::to_owned))
        else {
            let mut err = ApiError::invalid_state(
                "payment_intent_unexpected_state",
                "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent, pass a `payment_method`.".to_owned(),
            );
            err.extra.push(("payment_intent", intent));
            return Err(err);
        };
        let (pm, card) = self.resolve_payment_method(&pm, None, now)?;
        let manual = intent["capture_method"] == "manual";
        let spec = ChargeSpec {
            amount: intent["amount"].as_u64().unwrap_or_default(),
            currency: intent["currency"].as_str().unwrap_or("usd").to_owned(),
            customer: intent["customer"].as_str().map(str::to_owned),
            payment: Payment {
                card,
                payment_method: pm.clone(),
                source: None,
            },
            description: intent["description"].as_str().map(str::to_owned),
            metadata: BTreeMap::new(),
            payment_intent: Some(id.to_owned()),
            capture: !manual,
            echoed: echoed_from(&intent),
        };
        let (charge, declined) = self.record_charge(spec, now);
        if declined.is_none()
            && !intent["setup_future_usage"].is_null()
            && let Some(customer) = intent["customer"].as_str()
        {
            self.attach(&pm, customer, now)?;
        }
        let Some(stored) = self.payment_intents.get_mut(index) else {
            return Err(ApiError::no_such("payment_intent", id, "id"));
        };
        stored["latest_charge"] = charge["id"].clone();
        match declined {
            None => {
                stored["payment_method"] = json!(pm);
                stored["last_payment_error"] = Value::Null;
                let kind = if manual {
                    stored["status"] = json!("requires_capture");
                    stored["amount_capturable"] = stored["amount"].clone();
                    "payment_intent.amount_capturable_updated"
                } else {
                    stored["status"] = json!("succeeded");
                    stored["amount_received"] = stored["amount"].clone();
                    "payment_intent.succeeded"
                };
                let intent = stored.clone();
                self.record_event(kind, &intent, now);
                Ok(intent)
            }
            Some(mut err) => {
                stored["status"] = json!("requires_payment_method");
                stored["payment_method"] = Value::Null;
                stored["last_payment_error"] = err.to_json()["error"].clone();
                let intent = stored.clone();
                self.record_event("payment_intent.payment_failed", &intent, now);
                err.extra.push(("payment_intent", intent));
                Err(err)
            }
        }
    }

    pub(crate) fn capture_payment_intent(
        &mut self,
        id: &str,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let index = self.intent_index(id)?;
        let intent = self.payment_intents.get(index).cloned().unwrap_or_default();
        if intent["status"] != "requires_capture" {
            return Err(unexpected_state(&intent, "capture", "requires_capture"));
        }
        let total = intent["amount"].as_u64().unwrap_or_default();
        let amount = p.opt_amount("amount_to_capture")?.unwrap_or(total);
        if amount > total {
            return Err(ApiError::invalid_param(
                "amount_to_capture",
                "amount_too_large",
                format!(
                    "The amount to capture ({amount}) is greater than the amount capturable ({total})."
                ),
            ));
        }
        let charge_id = intent["latest_charge"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let capture = Params::parse(format!("amount={amount}").as_bytes());
        self.capture_charge(&charge_id, &capture, now)?;
        let updates = p.map("metadata")?;
        let Some(stored) = self.payment_intents.get_mut(index) else {
            return Err(ApiError::no_such("payment_intent", id, "id"));
        };
        stored["status"] = json!("succeeded");
        stored["amount_received"] = json!(amount);
        stored["amount_capturable"] = json!(0);
        merge_metadata(stored, &updates, false);
        let intent = stored.clone();
        self.record_event("payment_intent.succeeded", &intent, now);
        Ok(intent)
    }

    pub(crate) fn cancel_payment_intent(
        &mut self,
        id: &str,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let reason = parse_cancel(p)?;
        let index = self.intent_index(id)?;
        let intent = self.payment_intents.get(index).cloned().unwrap_or_default();
        if !OPEN.contains(&intent["status"].as_str().unwrap_or_default()) {
            return Err(unexpected_state(&intent, "cancel", &OPEN.join(", ")));
        }
        if intent["status"] == "requires_capture"
            && let Some(charge_id) = intent["latest_charge"].as_str()
            && let Some(charge) = self.find_mut(charge_id)
        {
            // The authorization is released: Stripe shows the uncaptured charge refunded.
            charge["refunded"] = json!(true);
            charge["amount_refunded"] = charge["amount"].clone();
        }
        let Some(stored) = self.payment_intents.get_mut(index) else {
            return Err(ApiError::no_such("payment_intent", id, "id"));
        };
        stored["status"] = json!("canceled");
        stored["canceled_at"] = json!(now);
        stored["cancellation_reason"] = json!(reason);
        stored["amount_capturable"] = json!(0);
        let intent = stored.clone();
        self.record_event("payment_intent.canceled", &intent, now);
        Ok(intent)
    }

    pub(crate) fn list_payment_intents(&self, p: &Params) -> Result<Value, ApiError> {
        let lp = ListParams::parse(p)?;
        let selected = self
            .payment_intents
            .iter()
            .filter(|i| list::matches(i, p, "customer"));
        list::page(selected, &lp, "/v1/payment_intents", "payment_intent")
    }
}

/// The echoed members a payment intent passes on to its charges.
fn echoed_from(intent: &Value) -> serde_json::Map<String, Value> {
    [
        "receipt_email",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "transfer_group",
    ]
    .iter()
    .filter(|n| !intent[**n].is_null())
    .map(|n| ((*n).to_owned(), intent[*n].clone()))
    .collect()
}
