//! Setup intents: create (optionally confirming at once), retrieve, confirm, list. A
//! successful confirmation attaches the payment method to the intent's customer.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Model;
use super::errors::ApiError;
use super::list::{self, ListParams};
use super::objects;
use super::params::Params;
use super::router::position;

/// Validated `POST /v1/setup_intents` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CreateSetup {
    customer: Option<String>,
    payment_method: Option<String>,
    confirm: bool,
    usage: String,
    description: Option<String>,
    metadata: BTreeMap<String, String>,
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
    })
}

impl Model {
    pub(crate) fn create_setup_intent(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
        let create = parse_create(p)?;
        if let Some(customer) = &create.customer
            && !self.customer_exists(customer)
        {
            return Err(ApiError::no_such("customer", customer, "customer"));
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
        self.setup_intents.push(intent.clone());
        self.record_event("setup_intent.created", &intent, now);
        if create.confirm {
            return self.confirm_setup(&id, None, now);
        }
        Ok(intent)
    }

    pub(crate) fn confirm_setup_intent(
        &mut self,
        id: &str,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let given = match p.get("payment_method") {
            Some(pm) => Some(self.resolve_payment_method(pm, None, now)?.0),
            None => None,
        };
        self.confirm_setup(id, given, now)
    }

    fn confirm_setup(
        &mut self,
        id: &str,
        given: Option<String>,
        now: i64,
    ) -> Result<Value, ApiError> {
        let index = position(&self.setup_intents, id)
            .ok_or_else(|| ApiError::no_such("setup_intent", id, "id"))?;
        let intent = self.setup_intents.get(index).cloned().unwrap_or_default();
        let status = intent["status"].as_str().unwrap_or_default();
        if status != "requires_payment_method" && status != "requires_confirmation" {
            let mut err = ApiError::invalid_state(
                "setup_intent_unexpected_state",
                format!("You cannot confirm this SetupIntent because it has a status of {status}."),
            );
            err.extra.push(("setup_intent", intent));
            return Err(err);
        }
        let Some(pm) = given.or_else(|| intent["payment_method"].as_str().map(str::to_owned))
        else {
            let mut err = ApiError::invalid_state(
                "setup_intent_unexpected_state",
                "You cannot confirm this SetupIntent because it's missing a payment method. To confirm the SetupIntent, pass a `payment_method`.".to_owned(),
            );
            err.extra.push(("setup_intent", intent));
            return Err(err);
        };
        let (pm, card) = self.resolve_payment_method(&pm, None, now)?;
        if let Some(decline) = card.decline {
            let mut err = decline.error();
            let Some(stored) = self.setup_intents.get_mut(index) else {
                return Err(ApiError::no_such("setup_intent", id, "id"));
            };
            stored["status"] = json!("requires_payment_method");
            stored["last_setup_error"] = err.to_json()["error"].clone();
            let intent = stored.clone();
            self.record_event("setup_intent.setup_failed", &intent, now);
            err.extra.push(("setup_intent", intent));
            return Err(err);
        }
        if let Some(customer) = intent["customer"].as_str() {
            self.attach(&pm, customer, now)?;
        }
        let Some(stored) = self.setup_intents.get_mut(index) else {
            return Err(ApiError::no_such("setup_intent", id, "id"));
        };
        stored["status"] = json!("succeeded");
        stored["payment_method"] = json!(pm);
        stored["last_setup_error"] = Value::Null;
        let intent = stored.clone();
        self.record_event("setup_intent.succeeded", &intent, now);
        Ok(intent)
    }

    pub(crate) fn list_setup_intents(&self, p: &Params) -> Result<Value, ApiError> {
        let lp = ListParams::parse(p)?;
        let selected = self
            .setup_intents
            .iter()
            .filter(|s| list::matches(s, p, "customer") && list::matches(s, p, "payment_method"));
        list::page(selected, &lp, "/v1/setup_intents", "setup_intent")
    }
}
