//! API v2 meter events: `POST /v2/billing/meter_events`, the high-volume usage endpoint.
//!
//! An `identifier` names an event: a second create with the same one is the same event (it is
//! answered, not recorded again), as Stripe enforces identifiers' uniqueness. Without one, the
//! fake generates it. The answer is the official SDKs' v2 `MeterEvent` (stripe-python's
//! `stripe/v2/billing/_meter_event.py`): `object`, `created`, `event_name`, `identifier`,
//! `livemode`, `payload`, `timestamp`; it has no `id`, so the collection keeps each event under
//! its identifier as `id` and answers it without.

use serde_json::{Value, json};

use super::Model;
use super::errors::ApiError;
use super::v2;
use crate::registry::{Call, Resource, Route};

/// The object name, and the collection's.
const OBJECT: &str = "v2.billing.meter_event";

/// The registry entry of meter events.
pub(crate) fn resource() -> Resource {
    Resource::new(OBJECT).with_route(
        Route::new("POST /v2/billing/meter_events", create)
            .with_params(&["event_name", "payload", "identifier", "timestamp"])
            .with_validator(validate),
    )
}

/// `event_name` is a string; `payload` an object of strings; `identifier` and `timestamp`
/// strings when given.
fn validate(call: &Call<'_>) -> Result<(), ApiError> {
    let p = call.params();
    v2::required_str(p, "event_name")?;
    let body = p.json().cloned().unwrap_or_default();
    let payload_ok = body
        .get("payload")
        .and_then(Value::as_object)
        .is_some_and(|m| m.values().all(Value::is_string));
    if !payload_ok {
        return Err(ApiError::invalid_param(
            "payload",
            "invalid_fields",
            "Invalid field: payload must be an object of string values (`stripe_customer_id`, `value`)."
                .to_owned(),
        ));
    }
    for name in ["identifier", "timestamp"] {
        if body.contains_key(name) {
            v2::required_str(p, name)?;
        }
    }
    Ok(())
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let body = p.json().cloned().unwrap_or_default();
    let identifier = match body.get("identifier").and_then(Value::as_str) {
        Some(given) => given.to_owned(),
        None => model.next_id("mev_"),
    };
    let events = model.collection_mut(OBJECT)?;
    if let Some(existing) = events.find(&identifier) {
        return Ok(answer(existing));
    }
    let created = v2::timestamp(call.unix_time());
    let event = json!({
        "id": identifier,
        "object": OBJECT,
        "created": created,
        "event_name": v2::required_str(p, "event_name")?,
        "identifier": identifier,
        "livemode": false,
        "payload": body.get("payload").cloned().unwrap_or_else(|| json!({})),
        "timestamp": body.get("timestamp").cloned().unwrap_or_else(|| json!(created)),
    });
    let stored = events.insert(event)?;
    Ok(answer(&stored))
}

/// A stored event as answered: without the collection's `id`.
fn answer(stored: &Value) -> Value {
    let mut out = stored.clone();
    if let Some(map) = out.as_object_mut() {
        map.remove("id");
    }
    out
}
