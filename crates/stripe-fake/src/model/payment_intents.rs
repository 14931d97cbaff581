//! Payment intents: create (optionally confirming at once), retrieve, update, confirm,
//! capture (`capture_method=manual`), cancel, list.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Model;
use super::authentication::{self, Attempt, Gate};
use super::cards::Card;
use super::charges::{ChargeSpec, Payment, echoed};
use super::errors::ApiError;
use super::objects;
use super::params::{Params, merge_metadata};
use crate::registry::{Call, Resource, Route};

/// The registry entry of payment intents.
pub(crate) fn resource() -> Resource {
    Resource::new("payment_intent")
        .with_prefix("pi_")
        .with_route(Route::new("POST /v1/payment_intents", create).with_validator(validate_create))
        .with_route(Route::list("GET /v1/payment_intents"))
        .with_route(Route::search("GET /v1/payment_intents/search"))
        .with_route(Route::retrieve("GET /v1/payment_intents/{intent}"))
        .with_route(
            Route::new("POST /v1/payment_intents/{intent}", update).with_validator(validate_update),
        )
        .with_route(
            Route::new("POST /v1/payment_intents/{intent}/confirm", confirm)
                .with_validator(validate_confirm),
        )
        .with_route(
            Route::new("POST /v1/payment_intents/{intent}/capture", capture)
                .with_validator(validate_capture),
        )
        .with_route(
            Route::new("POST /v1/payment_intents/{intent}/cancel", cancel)
                .with_validator(validate_cancel),
        )
        .with_searchable(&["amount", "created", "currency", "customer", "status"])
        .with_expandable(&[
            "amount_details",
            "application",
            "automatic_payment_methods",
            "customer",
            "invoice",
            "last_payment_error",
            "latest_charge",
            "next_action",
            "on_behalf_of",
            "payment_method",
            "payment_method_options",
            "processing",
            "review",
            "shipping",
            "transfer_data",
        ])
        .with_list_filters(&["customer"])
        .with_events(&[
            "payment_intent.created",
            "payment_intent.requires_action",
            "payment_intent.succeeded",
            "payment_intent.payment_failed",
            "payment_intent.amount_capturable_updated",
            "payment_intent.canceled",
        ])
}

fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    parse_create(call.params()).map(drop)
}

fn validate_update(call: &Call<'_>) -> Result<(), ApiError> {
    parse_update(call.params())
}

fn validate_confirm(call: &Call<'_>) -> Result<(), ApiError> {
    parse_confirm(call.params()).map(drop)
}

fn validate_capture(call: &Call<'_>) -> Result<(), ApiError> {
    call.params().opt_amount("amount_to_capture").map(drop)
}

fn validate_cancel(call: &Call<'_>) -> Result<(), ApiError> {
    parse_cancel(call.params()).map(drop)
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.create_payment_intent(call.params(), call.unix_time())
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.update_payment_intent(call.id(), call.params())
}

fn confirm(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.confirm_payment_intent(call.id(), call.params(), call.unix_time())
}

fn capture(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.capture_payment_intent(call.id(), call.params(), call.unix_time())
}

fn cancel(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.cancel_payment_intent(call.id(), call.params(), call.unix_time())
}

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
    attempt: Attempt,
}

/// Validated `POST /v1/payment_intents/{id}/confirm` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfirmIntent {
    payment_method: Option<String>,
    attempt: Attempt,
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
        attempt: Attempt::parse(p)?,
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

/// Validates `POST /v1/payment_intents/{id}/confirm`: the payment method given, if any, and
/// how the confirmation is made.
pub(crate) fn parse_confirm(p: &Params) -> Result<ConfirmIntent, ApiError> {
    Ok(ConfirmIntent {
        payment_method: p.get("payment_method").map(str::to_owned),
        attempt: Attempt::parse(p)?,
    })
}

/// Validates `POST /v1/payment_intents/{id}/cancel`: the reason given, if any.
pub(crate) fn parse_cancel(p: &Params) -> Result<Option<String>, ApiError> {
    one_of(p, "cancellation_reason", &CANCELLATION_REASONS)
}

fn unexpected_state(intent: &Value, action: &str, allowed: &str) -> ApiError {
    let status = intent["status"].as_str().unwrap_or_default();
    ApiError::invalid_state(
        "payment_intent_unexpected_state",
        format!(
            "You cannot {action} this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be {action}ed: {allowed}."
        ),
    )
    .with_member("payment_intent", intent.clone())
}

const INTENTS: &str = "payment_intent";

impl Model {
    /// A copy of the payment intent named by the path, or 404.
    fn intent(&self, id: &str) -> Result<Value, ApiError> {
        self.collection(INTENTS)?.get(id).cloned()
    }

    pub(crate) fn create_payment_intent(
        &mut self,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let create = parse_create(p)?;
        let id = self.open_payment_intent(p, serde_json::Map::new(), now)?;
        if create.confirm {
            return self.confirm(&id, None, &create.attempt, now);
        }
        self.intent(&id)
    }

    /// Stores the payment intent `p` creates (not confirmed), carrying `extra` members as well
    /// (an invoice's intent names its `invoice`) in its object and its event; answers its id.
    pub(crate) fn open_payment_intent(
        &mut self,
        p: &Params,
        extra: serde_json::Map<String, Value>,
        now: i64,
    ) -> Result<String, ApiError> {
        let create = parse_create(p)?;
        if let Some(customer) = &create.customer {
            self.check_customer(customer, "customer")?;
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
        objects::merge(&mut intent, Value::Object(extra));
        let snapshot = super::events::snapshot(&intent);
        self.collection_mut(INTENTS)?.push(intent)?;
        self.record_snapshot("payment_intent.created", snapshot, now);
        Ok(id)
    }

    fn update_payment_intent(&mut self, id: &str, p: &Params) -> Result<Value, ApiError> {
        parse_update(p)?;
        let current = self.intent(id)?;
        if !OPEN.contains(&current["status"].as_str().unwrap_or_default()) {
            return Err(unexpected_state(&current, "update", &OPEN.join(", ")));
        }
        let payment_method = match p.get("payment_method") {
            Some(pm) => Some(self.resolve_payment_method(pm, None, 0)?.0),
            None => None,
        };
        if let Some(customer) = p.get("customer") {
            self.check_customer(customer, "customer")?;
        }
        self.collection_mut(INTENTS)?.update(id, |intent| {
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
            p.merge_metadata_into(intent)
        })
    }

    pub(crate) fn confirm_payment_intent(
        &mut self,
        id: &str,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let confirm = parse_confirm(p)?;
        let given = match confirm.payment_method {
            Some(pm) => Some(self.resolve_payment_method(&pm, None, now)?.0),
            None => None,
        };
        self.confirm(id, given, &confirm.attempt, now)
    }

    fn confirm(
        &mut self,
        id: &str,
        given: Option<String>,
        attempt: &Attempt,
        now: i64,
    ) -> Result<Value, ApiError> {
        let intent = self.intent(id)?;
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
            return Err(ApiError::invalid_state(
                "payment_intent_unexpected_state",
                "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent, pass a `payment_method`.".to_owned(),
            )
            .with_member("payment_intent", intent));
        };
        let (pm, mut card) = self.resolve_payment_method(&pm, None, now)?;
        match self.gate(&pm, &card, attempt) {
            Gate::Pass => {}
            Gate::Challenge => {
                let url = attempt.return_url.as_deref();
                return self.await_challenge(&authentication::PAYMENT, id, &pm, url, now);
            }
            Gate::Decline(decline) => card.decline = Some(decline),
        }
        self.charge_intent(id, &pm, card, now)
    }

    /// Charges `card` (payment method `pm`) for the payment intent and moves it on:
    /// `succeeded`, `requires_capture`, or back to `requires_payment_method` when declined
    /// (answered as the card error, naming the intent).
    pub(crate) fn charge_intent(
        &mut self,
        id: &str,
        pm: &str,
        card: Card,
        now: i64,
    ) -> Result<Value, ApiError> {
        match self.settle_intent(id, pm, card, now)? {
            None => self.intent(id),
            Some(err) => Err(err.with_member("payment_intent", self.intent(id)?)),
        }
    }

    /// [`Model::charge_intent`] without a copy of the intent: `Ok(None)` when paid, the decline
    /// otherwise (an invoice's renewals run this thousands of times per advance).
    pub(crate) fn settle_intent(
        &mut self,
        id: &str,
        pm: &str,
        card: Card,
        now: i64,
    ) -> Result<Option<ApiError>, ApiError> {
        let intent = self.collection(INTENTS)?.get(id)?;
        let pm = pm.to_owned();
        let manual = intent["capture_method"] == "manual";
        let saved_for = (!intent["setup_future_usage"].is_null())
            .then(|| intent["customer"].as_str().map(str::to_owned))
            .flatten();
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
            invoice: intent["invoice"].as_str().map(str::to_owned),
            capture: !manual,
            echoed: echoed_from(intent),
        };
        let (charge, declined) = self.record_charge(spec, now)?;
        if declined.is_none()
            && let Some(customer) = saved_for
        {
            self.attach(&pm, &customer, now)?;
        }
        let failure = declined.as_ref().map(|err| err.to_json()["error"].clone());
        let stored = self.collection_mut(INTENTS)?.get_mut(id)?;
        stored["latest_charge"] = charge["id"].clone();
        stored["next_action"] = Value::Null;
        match failure {
            None => {
                stored["payment_method"] = json!(pm);
                stored["last_payment_error"] = Value::Null;
                if manual {
                    stored["status"] = json!("requires_capture");
                    stored["amount_capturable"] = stored["amount"].clone();
                } else {
                    stored["status"] = json!("succeeded");
                    stored["amount_received"] = stored["amount"].clone();
                }
            }
            Some(error) => {
                stored["status"] = json!("requires_payment_method");
                stored["payment_method"] = Value::Null;
                stored["last_payment_error"] = error;
            }
        }
        let snapshot = super::events::snapshot(stored);
        let kind = match (&declined, manual) {
            (None, true) => "payment_intent.amount_capturable_updated",
            (None, false) => "payment_intent.succeeded",
            (Some(_), _) => "payment_intent.payment_failed",
        };
        self.record_snapshot(kind, snapshot, now);
        Ok(declined)
    }

    fn capture_payment_intent(
        &mut self,
        id: &str,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let intent = self.intent(id)?;
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
        let intent = self.collection_mut(INTENTS)?.update(id, |stored| {
            stored["status"] = json!("succeeded");
            stored["amount_received"] = json!(amount);
            stored["amount_capturable"] = json!(0);
            merge_metadata(stored, &updates, false);
            Ok(())
        })?;
        self.record_event("payment_intent.succeeded", &intent, now);
        Ok(intent)
    }

    fn cancel_payment_intent(&mut self, id: &str, p: &Params, now: i64) -> Result<Value, ApiError> {
        let reason = parse_cancel(p)?;
        let intent = self.intent(id)?;
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
        let intent = self.collection_mut(INTENTS)?.update(id, |stored| {
            stored["status"] = json!("canceled");
            stored["canceled_at"] = json!(now);
            stored["cancellation_reason"] = json!(reason);
            stored["amount_capturable"] = json!(0);
            Ok(())
        })?;
        self.record_event("payment_intent.canceled", &intent, now);
        Ok(intent)
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
