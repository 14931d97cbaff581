//! A recorded charge changed: `POST /v1/charges/{id}` (description, metadata, echoed members)
//! and `POST /v1/charges/{id}/capture` (an uncaptured charge captured, in full or in part; payment
//! intents capture through it).

use serde_json::{Value, json};

use super::{ECHOED, echoed};
use crate::model::errors::ApiError;
use crate::model::params::Params;
use crate::model::{Model, objects};

impl Model {
    pub(super) fn update_charge(
        &mut self,
        id: &str,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let charge = self.collection_mut("charge")?.update(id, |charge| {
            if let Some(description) = p.get("description") {
                charge["description"] = json!(description);
            }
            objects::merge(
                charge,
                Value::Object(echoed(p, &["receipt_email", "transfer_group"])),
            );
            p.merge_metadata_into(charge)
        })?;
        self.record_event("charge.updated", &charge, now);
        Ok(charge)
    }

    pub(crate) fn capture_charge(
        &mut self,
        id: &str,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let amount = p.opt_amount("amount")?;
        let current = self.collection("charge")?.get(id)?;
        if current["captured"] == true {
            return Err(ApiError::invalid_state(
                "charge_already_captured",
                format!("Charge {id} has already been captured."),
            ));
        }
        if current["status"] != "succeeded" || current["refunded"] == true {
            return Err(ApiError::invalid_state(
                "charge_expired_for_capture",
                format!(
                    "Charge {id} cannot be captured: it has a status of {} or was released.",
                    current["status"]
                ),
            ));
        }
        let total = current["amount"].as_u64().unwrap_or_default();
        let amount = amount.unwrap_or(total);
        if amount > total {
            return Err(ApiError::invalid_param(
                "amount",
                "amount_too_large",
                format!(
                    "Amount to capture ({amount}) is greater than the charge's amount ({total})."
                ),
            ));
        }
        let txn = self.next_id("txn_");
        let charge = self.collection_mut("charge")?.update(id, |charge| {
            charge["captured"] = json!(true);
            charge["amount_captured"] = json!(amount);
            charge["amount_refunded"] = json!(total - amount);
            charge["balance_transaction"] = json!(txn);
            objects::merge(charge, Value::Object(echoed(p, &ECHOED)));
            Ok(())
        })?;
        self.record_event("charge.captured", &charge, now);
        self.dispute_if_contested(charge, now)
    }
}
