//! Disputes: opened at once on a captured charge of Stripe's dispute test card
//! (`pm_card_createDispute`, `tok_createDispute`, `4000000000000259`), whose charge then shows
//! `disputed: true`; retrieve, list, update (evidence, submit) and close (accepting the loss).

use serde_json::{Map, Value, json};

use super::Model;
use super::cards;
use super::errors::ApiError;
use super::objects;
use super::params::Params;
use crate::registry::{Call, Resource, Route};

const DISPUTES: &str = "dispute";

/// Seconds a merchant has to answer a dispute (Stripe gives about three weeks).
const RESPONSE_WINDOW: i64 = 21 * 24 * 60 * 60;

/// The evidence fields Stripe accepts (`evidence[<field>]`), each a text or a file id.
const EVIDENCE: [&str; 27] = [
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
];

/// Statuses in which a dispute still waits for the merchant's answer.
const OPEN: [&str; 2] = ["needs_response", "warning_needs_response"];

/// The registry entry of disputes.
pub(crate) fn resource() -> Resource {
    Resource::new(DISPUTES)
        .with_prefix("dp_")
        .with_route(Route::list("GET /v1/disputes"))
        .with_route(Route::retrieve("GET /v1/disputes/{dispute}"))
        .with_route(
            Route::new("POST /v1/disputes/{dispute}", update).with_validator(validate_update),
        )
        .with_route(Route::new("POST /v1/disputes/{dispute}/close", close))
        .with_expandable(&["charge", "payment_intent"])
        .with_list_filters(&["charge", "payment_intent"])
        .with_events(&[
            "charge.dispute.created",
            "charge.dispute.updated",
            "charge.dispute.closed",
        ])
}

/// Validated `POST /v1/disputes/{id}` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UpdateDispute {
    evidence: Map<String, Value>,
    submit: bool,
}

fn parse_update(p: &Params) -> Result<UpdateDispute, ApiError> {
    let mut evidence = Map::new();
    for (field, value) in p.map("evidence")? {
        if !EVIDENCE.contains(&field.as_str()) {
            return Err(ApiError::unknown_parameter(&format!("evidence[{field}]")));
        }
        evidence.insert(field, json!(value));
    }
    p.map("metadata")?;
    Ok(UpdateDispute {
        evidence,
        submit: p.opt_bool("submit")?.unwrap_or(false),
    })
}

fn validate_update(call: &Call<'_>) -> Result<(), ApiError> {
    parse_update(call.params()).map(drop)
}

/// The dispute named by the path, if it still waits for an answer.
fn open_dispute(model: &Model, id: &str, action: &str) -> Result<(), ApiError> {
    let dispute = model.collection(DISPUTES)?.get(id)?;
    let status = dispute["status"].as_str().unwrap_or_default();
    if OPEN.contains(&status) {
        return Ok(());
    }
    Err(ApiError::invalid_state(
        "dispute_already_closed",
        format!("You cannot {action} dispute {id}: it has a status of {status}."),
    ))
}

/// `POST /v1/disputes/{id}`: adds evidence and metadata; `submit=true` sends the evidence to
/// the bank (`under_review`).
fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let update = parse_update(p)?;
    open_dispute(model, call.id(), "update")?;
    let dispute = model
        .collection_mut(DISPUTES)?
        .update(call.id(), |dispute| {
            objects::merge(&mut dispute["evidence"], Value::Object(update.evidence));
            let has_evidence = dispute["evidence"]
                .as_object()
                .is_some_and(|e| e.values().any(|v| !v.is_null()));
            dispute["evidence_details"]["has_evidence"] = json!(has_evidence);
            if update.submit {
                let count = dispute["evidence_details"]["submission_count"]
                    .as_u64()
                    .unwrap_or_default();
                dispute["evidence_details"]["submission_count"] = json!(count + 1);
                dispute["status"] = json!("under_review");
            }
            p.merge_metadata_into(dispute)
        })?;
    model.record_event("charge.dispute.updated", &dispute, call.unix_time());
    Ok(dispute)
}

/// `POST /v1/disputes/{id}/close`: the merchant accepts the loss (`lost`).
fn close(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    open_dispute(model, call.id(), "close")?;
    let dispute = model
        .collection_mut(DISPUTES)?
        .update(call.id(), |dispute| {
            dispute["status"] = json!("lost");
            dispute["is_charge_refundable"] = json!(false);
            Ok(())
        })?;
    model.record_event("charge.dispute.closed", &dispute, call.unix_time());
    Ok(dispute)
}

impl Model {
    /// Opens a dispute on `charge` if it is a captured charge of the dispute test card, and
    /// answers the charge as it then is (`disputed: true`).
    pub(crate) fn dispute_if_contested(
        &mut self,
        charge: Value,
        now: i64,
    ) -> Result<Value, ApiError> {
        let details = &charge["payment_method_details"]["card"];
        let contested = charge["captured"] == true
            && charge["disputed"] == false
            && cards::by_last4(details["last4"].as_str().unwrap_or_default())
                .is_some_and(|card| card.disputed);
        if !contested {
            return Ok(charge);
        }
        let id = self.next_id("dp_");
        let evidence: Map<String, Value> = EVIDENCE
            .iter()
            .map(|f| ((*f).to_owned(), Value::Null))
            .collect();
        let dispute = json!({
            "id": id,
            "object": "dispute",
            "amount": charge["amount"],
            "balance_transactions": [],
            "charge": charge["id"],
            "created": now,
            "currency": charge["currency"],
            "evidence": evidence,
            "evidence_details": {
                "due_by": now + RESPONSE_WINDOW,
                "has_evidence": false,
                "past_due": false,
                "submission_count": 0,
            },
            "is_charge_refundable": false,
            "livemode": false,
            "metadata": {},
            "payment_intent": charge["payment_intent"],
            "payment_method_details": {
                "card": {"brand": details["brand"], "network_reason_code": "10.4"},
                "type": "card",
            },
            "reason": "fraudulent",
            "status": "needs_response",
        });
        let dispute = self.collection_mut(DISPUTES)?.insert(dispute)?;
        let charge_id = charge["id"].as_str().unwrap_or_default().to_owned();
        let charge = self
            .collection_mut("charge")?
            .update(&charge_id, |stored| {
                stored["disputed"] = json!(true);
                Ok(())
            })?;
        self.record_event("charge.dispute.created", &dispute, now);
        Ok(charge)
    }
}
