//! Refunds: create (by `charge` or `payment_intent`), retrieve, update, cancel, list.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Model;
use super::errors::ApiError;
use super::objects;
use super::params::Params;
use crate::registry::{Call, Resource, Route};

/// The registry entry of refunds (Stripe has no refunds search).
pub(crate) fn resource() -> Resource {
    Resource::new("refund")
        .with_prefix("re_")
        .with_route(Route::new("POST /v1/refunds", create).with_validator(validate_create))
        .with_route(Route::list("GET /v1/refunds"))
        .with_route(Route::retrieve("GET /v1/refunds/{refund}"))
        .with_route(Route::new("POST /v1/refunds/{refund}", update).with_validator(validate_update))
        .with_route(Route::new("POST /v1/refunds/{refund}/cancel", cancel))
        .with_expandable(&[
            "balance_transaction",
            "charge",
            "failure_balance_transaction",
            "next_action",
            "payment_intent",
            "source_transfer_reversal",
            "transfer_reversal",
        ])
        .with_list_filters(&["charge", "payment_intent"])
        .with_events(&["refund.created"])
}

fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    parse_create(call.params()).map(drop)
}

fn validate_update(call: &Call<'_>) -> Result<(), ApiError> {
    call.params().map("metadata").map(drop)
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.create_refund(call.params(), call.unix_time())
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.collection_mut("refund")?.update(call.id(), |refund| {
        call.params().merge_metadata_into(refund)
    })
}

/// Card refunds succeed at once, so none can be canceled (Stripe only cancels refunds that
/// still require action).
fn cancel(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let id = call.id();
    let refund = model.collection("refund")?.get(id)?;
    let status = refund["status"].as_str().unwrap_or_default();
    Err(ApiError::invalid_state(
        "refund_not_cancelable",
        format!(
            "Refund {id} cannot be canceled because it has a status of {status}. Only a refund with a status of requires_action can be canceled."
        ),
    ))
}

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
    fn create_refund(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
        let create = parse_create(p)?;
        let charge_id = match &create.target {
            Target::Charge(id) => id.clone(),
            Target::PaymentIntent(id) => {
                let intent = self
                    .collection("payment_intent")?
                    .named(id, "payment_intent")?;
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
        let charge = self
            .collection("charge")?
            .named(&charge_id, "charge")?
            .clone();
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
        let now_refunded = refunded.saturating_add(amount);
        let charge = self
            .collection_mut("charge")?
            .update(&charge_id, |stored| {
                stored["amount_refunded"] = json!(now_refunded);
                stored["refunded"] = json!(now_refunded >= total);
                Ok(())
            })?;
        let refund = self.collection_mut("refund")?.insert(refund)?;
        self.record_event("charge.refunded", &charge, now);
        self.record_event("refund.created", &refund, now);
        Ok(refund)
    }
}
