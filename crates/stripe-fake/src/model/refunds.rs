//! Refunds: create (by `charge` or `payment_intent`), retrieve, update, cancel, list.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Model;
use super::customers::merge_metadata;
use super::errors::ApiError;
use super::list::{self, ListParams};
use super::objects;
use super::params::Params;
use super::router::position;

const REASONS: [&str; 3] = ["duplicate", "fraudulent", "requested_by_customer"];

/// What to refund.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Charge(String),
    PaymentIntent(String),
}

/// Validated `POST /v1/refunds` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CreateRefund {
    target: Target,
    amount: Option<u64>,
    reason: Option<String>,
    metadata: BTreeMap<String, String>,
}

/// Validates `POST /v1/refunds`.
pub(crate) fn parse_create(p: &Params) -> Result<CreateRefund, ApiError> {
    let target = match (p.get("charge"), p.get("payment_intent")) {
        (Some(charge), None) => Target::Charge(charge.to_owned()),
        (None, Some(intent)) => Target::PaymentIntent(intent.to_owned()),
        (None, None) => {
            return Err(ApiError::invalid_param(
                "charge",
                "parameter_missing",
                "One of the following params should be provided for this request: payment_intent or charge.".to_owned(),
            ));
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_request(
                "You may only specify one of these parameters: charge, payment_intent.".to_owned(),
            ));
        }
    };
    let reason = p.get("reason").map(str::to_owned);
    if let Some(r) = &reason
        && !REASONS.contains(&r.as_str())
    {
        return Err(ApiError::invalid_param(
            "reason",
            "parameter_invalid_string",
            format!("Invalid reason: must be one of {}", REASONS.join(", ")),
        ));
    }
    Ok(CreateRefund {
        target,
        amount: p.opt_amount("amount")?,
        reason,
        metadata: p.map("metadata")?,
    })
}

impl Model {
    pub(crate) fn create_refund(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
        let create = parse_create(p)?;
        let charge_id = match &create.target {
            Target::Charge(id) => id.clone(),
            Target::PaymentIntent(id) => {
                let intent = self
                    .payment_intents
                    .iter()
                    .find(|i| i["id"] == id.as_str())
                    .ok_or_else(|| ApiError::no_such("payment_intent", id, "payment_intent"))?;
                if intent["status"] != "succeeded" {
                    return Err(ApiError::invalid_state(
                        "charge_not_refundable",
                        format!(
                            "This PaymentIntent ({id}) does not have a successful charge to refund."
                        ),
                    ));
                }
                intent["latest_charge"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            }
        };
        let index = position(&self.charges, &charge_id)
            .ok_or_else(|| ApiError::no_such("charge", &charge_id, "charge"))?;
        let charge = self.charges.get(index).cloned().unwrap_or_default();
        if charge["status"] != "succeeded" {
            return Err(ApiError::invalid_state(
                "charge_not_refundable",
                format!("Charge {charge_id} has not succeeded and cannot be refunded."),
            ));
        }
        let total = charge["amount"].as_u64().unwrap_or_default();
        let refunded = charge["amount_refunded"].as_u64().unwrap_or_default();
        let remaining = total.saturating_sub(refunded);
        if remaining == 0 {
            return Err(ApiError::invalid_state(
                "charge_already_refunded",
                format!("Charge {charge_id} has already been refunded."),
            ));
        }
        let amount = create.amount.unwrap_or(remaining);
        if amount > remaining {
            return Err(ApiError::invalid_param(
                "amount",
                "amount_too_large",
                format!(
                    "Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})"
                ),
            ));
        }
        let id = self.next_id("re_");
        let txn = self.next_id("txn_");
        let mut refund = objects::refund(&id, &charge, amount, now);
        refund["balance_transaction"] = json!(txn);
        refund["metadata"] = objects::metadata(&create.metadata);
        refund["reason"] = json!(create.reason);
        let Some(stored) = self.charges.get_mut(index) else {
            return Err(ApiError::no_such("charge", &charge_id, "charge"));
        };
        let now_refunded = refunded.saturating_add(amount);
        stored["amount_refunded"] = json!(now_refunded);
        stored["refunded"] = json!(now_refunded >= total);
        let charge = stored.clone();
        self.refunds.push(refund.clone());
        self.record_event("charge.refunded", &charge, now);
        self.record_event("refund.created", &refund, now);
        Ok(refund)
    }

    pub(crate) fn update_refund(&mut self, id: &str, p: &Params) -> Result<Value, ApiError> {
        let updates = p.map("metadata")?;
        let index =
            position(&self.refunds, id).ok_or_else(|| ApiError::no_such("refund", id, "id"))?;
        let Some(refund) = self.refunds.get_mut(index) else {
            return Err(ApiError::no_such("refund", id, "id"));
        };
        merge_metadata(refund, &updates, p.cleared("metadata"));
        Ok(refund.clone())
    }

    /// Card refunds succeed at once, so none can be canceled (Stripe only cancels refunds
    /// that still require action).
    pub(crate) fn cancel_refund(&mut self, id: &str) -> Result<Value, ApiError> {
        let refund = self
            .refunds
            .iter()
            .find(|r| r["id"] == id)
            .ok_or_else(|| ApiError::no_such("refund", id, "id"))?;
        let status = refund["status"].as_str().unwrap_or_default();
        Err(ApiError::invalid_state(
            "refund_not_cancelable",
            format!(
                "Refund {id} cannot be canceled because it has a status of {status}. Only a refund with a status of requires_action can be canceled."
            ),
        ))
    }

    pub(crate) fn list_refunds(&self, p: &Params) -> Result<Value, ApiError> {
        let lp = ListParams::parse(p)?;
        let selected = self
            .refunds
            .iter()
            .filter(|r| list::matches(r, p, "charge") && list::matches(r, p, "payment_intent"));
        list::page(selected, &lp, "/v1/refunds", "refund")
    }
}
