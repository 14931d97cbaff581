//! How an intent ends other than by its confirmation: `POST /v1/payment_intents/{id}/capture`
//! (a `capture_method=manual` authorization captured, in full or in part) and
//! `POST /v1/payment_intents/{id}/cancel` (an authorization released).

use serde_json::{Value, json};

use super::validate::parse_cancel;
use super::{INTENTS, OPEN, unexpected_state};
use crate::model::Model;
use crate::model::errors::ApiError;
use crate::model::params::{Params, merge_metadata};

impl Model {
    pub(super) fn capture_payment_intent(
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

    pub(super) fn cancel_payment_intent(
        &mut self,
        id: &str,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
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
