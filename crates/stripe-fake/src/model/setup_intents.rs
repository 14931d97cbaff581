//! Setup intents: create (optionally confirming at once), retrieve, confirm, list. A
//! successful confirmation attaches the payment method to the intent's customer.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Model;
use super::authentication::{self, Attempt, Gate};
use super::errors::ApiError;
use super::objects;
use super::params::Params;
use crate::registry::{Call, Resource, Route};

const SETUPS: &str = "setup_intent";

/// The registry entry of setup intents.
pub(crate) fn resource() -> Resource {
    Resource::new(SETUPS)
        .with_prefix("seti_")
        .with_route(Route::new("POST /v1/setup_intents", create).with_validator(validate_create))
        .with_route(Route::list("GET /v1/setup_intents"))
        .with_route(Route::retrieve("GET /v1/setup_intents/{intent}"))
        .with_route(Route::new(
            "POST /v1/setup_intents/{intent}/confirm",
            confirm,
        ))
        .with_expandable(&[
            "application",
            "automatic_payment_methods",
            "customer",
            "last_setup_error",
            "latest_attempt",
            "mandate",
            "next_action",
            "on_behalf_of",
            "payment_method",
            "payment_method_options",
            "single_use_mandate",
        ])
        .with_list_filters(&["customer", "payment_method"])
        .with_events(&[
            "setup_intent.created",
            "setup_intent.requires_action",
            "setup_intent.succeeded",
            "setup_intent.setup_failed",
        ])
}

fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    parse_create(call.params()).map(drop)
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.create_setup_intent(call.params(), call.unix_time())
}

fn confirm(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let attempt = Attempt::parse(call.params())?;
    let given = match call.params().get("payment_method") {
        Some(pm) => Some(model.resolve_payment_method(pm, None, call.unix_time())?.0),
        None => None,
    };
    model.confirm_setup(call.id(), given, &attempt, call.unix_time())
}

/// Validated `POST /v1/setup_intents` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CreateSetup {
    customer: Option<String>,
    payment_method: Option<String>,
    confirm: bool,
    usage: String,
    description: Option<String>,
    metadata: BTreeMap<String, String>,
    attempt: Attempt,
}

/// Validates `POST /v1/setup_intents`.
pub(crate) fn parse_create(p: &Params) -> Result<CreateSetup, ApiError> {
    let usage = match p.get("usage") {
        None => "off_session".to_owned(),
        Some(u @ ("off_session" | "on_session")) => u.to_owned(),
        Some(other) => {
            return Err(ApiError::invalid_param(
                "usage",
                "parameter_invalid_string",
                format!("Invalid usage: must be one of off_session, on_session (got {other})"),
            ));
        }
    };
    Ok(CreateSetup {
        customer: p.get("customer").map(str::to_owned),
        payment_method: p.get("payment_method").map(str::to_owned),
        confirm: p.opt_bool("confirm")?.unwrap_or(false),
        usage,
        description: p.get("description").map(str::to_owned),
        metadata: p.map("metadata")?,
        attempt: Attempt::parse(p)?,
    })
}

impl Model {
    pub(crate) fn create_setup_intent(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
        let create = parse_create(p)?;
        if let Some(customer) = &create.customer {
            self.check_customer(customer, "customer")?;
        }
        let payment_method = match &create.payment_method {
            Some(pm) => Some(self.resolve_payment_method(pm, None, now)?.0),
            None => None,
        };
        let id = self.next_id("seti_");
        let secret = self.next_id("secret_");
        let status = if payment_method.is_some() {
            "requires_confirmation"
        } else {
            "requires_payment_method"
        };
        let intent = json!({
            "id": id,
            "object": "setup_intent",
            "application": null,
            "automatic_payment_methods": null,
            "cancellation_reason": null,
            "client_secret": format!("{id}_{secret}"),
            "created": now,
            "customer": create.customer,
            "description": create.description,
            "flow_directions": null,
            "last_setup_error": null,
            "latest_attempt": null,
            "livemode": false,
            "mandate": null,
            "metadata": objects::metadata(&create.metadata),
            "next_action": null,
            "on_behalf_of": null,
            "payment_method": payment_method,
            "payment_method_options": {"card": {"mandate_options": null, "network": null, "request_three_d_secure": "automatic"}},
            "payment_method_types": ["card"],
            "single_use_mandate": null,
            "status": status,
            "usage": create.usage,
        });
        let intent = self.collection_mut(SETUPS)?.insert(intent)?;
        self.record_event("setup_intent.created", &intent, now);
        if create.confirm {
            return self.confirm_setup(&id, None, &create.attempt, now);
        }
        Ok(intent)
    }

    pub(crate) fn confirm_setup(
        &mut self,
        id: &str,
        given: Option<String>,
        attempt: &Attempt,
        now: i64,
    ) -> Result<Value, ApiError> {
        let intent = self.collection(SETUPS)?.get(id)?.clone();
        let status = intent["status"].as_str().unwrap_or_default();
        if status != "requires_payment_method" && status != "requires_confirmation" {
            return Err(ApiError::invalid_state(
                "setup_intent_unexpected_state",
                format!("You cannot confirm this SetupIntent because it has a status of {status}."),
            )
            .with_member("setup_intent", intent));
        }
        let Some(pm) = given.or_else(|| intent["payment_method"].as_str().map(str::to_owned))
        else {
            return Err(ApiError::invalid_state(
                "setup_intent_unexpected_state",
                "You cannot confirm this SetupIntent because it's missing a payment method. To confirm the SetupIntent, pass a `payment_method`.".to_owned(),
            )
            .with_member("setup_intent", intent));
        };
        let (pm, card) = self.resolve_payment_method(&pm, None, now)?;
        if let Some(decline) = card.decline {
            let err = decline.error();
            let error = err.to_json()["error"].clone();
            let intent = self.collection_mut(SETUPS)?.update(id, |stored| {
                stored["status"] = json!("requires_payment_method");
                stored["last_setup_error"] = error;
                Ok(())
            })?;
            self.record_event("setup_intent.setup_failed", &intent, now);
            return Err(err.with_member("setup_intent", intent));
        }
        // A setup is made with the customer present: the issuer may challenge it.
        let on_session = Attempt {
            off_session: false,
            ..attempt.clone()
        };
        if self.gate(&pm, &card, &on_session) != Gate::Pass {
            let url = attempt.return_url.as_deref();
            return self.await_challenge(&authentication::SETUP, id, &pm, url, now);
        }
        self.finish_setup(id, &pm, now)
    }

    /// Saves payment method `pm` for the setup intent's customer (attaching it) and marks the
    /// setup `succeeded`.
    pub(crate) fn finish_setup(&mut self, id: &str, pm: &str, now: i64) -> Result<Value, ApiError> {
        let intent = self.collection(SETUPS)?.get(id)?.clone();
        if let Some(customer) = intent["customer"].as_str() {
            self.attach(pm, customer, now)?;
        }
        let intent = self.collection_mut(SETUPS)?.update(id, |stored| {
            stored["status"] = json!("succeeded");
            stored["payment_method"] = json!(pm);
            stored["last_setup_error"] = Value::Null;
            stored["next_action"] = Value::Null;
            Ok(())
        })?;
        self.record_event("setup_intent.succeeded", &intent, now);
        Ok(intent)
    }
}
