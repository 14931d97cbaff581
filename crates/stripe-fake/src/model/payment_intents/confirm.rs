//! Confirmation: `POST /v1/payment_intents/{id}/confirm` (and `confirm=true` on create), the
//! 3D Secure gate, and the charge it makes moving the intent on (`succeeded`,
//! `requires_capture`, or back to `requires_payment_method` when declined).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::validate::parse_confirm;
use super::{INTENTS, unexpected_state};
use crate::model::Model;
use crate::model::authentication::{self, Attempt, Gate};
use crate::model::cards::Card;
use crate::model::charges::{ChargeSpec, Payment};
use crate::model::errors::ApiError;
use crate::model::params::Params;

impl Model {
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

    pub(super) fn confirm(
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
        let snapshot = crate::model::events::snapshot(stored);
        let kind = match (&declined, manual) {
            (None, true) => "payment_intent.amount_capturable_updated",
            (None, false) => "payment_intent.succeeded",
            (Some(_), _) => "payment_intent.payment_failed",
        };
        self.record_snapshot(kind, snapshot, now);
        Ok(declined)
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
