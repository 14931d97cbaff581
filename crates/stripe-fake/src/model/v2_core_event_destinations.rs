//! API v2 event destinations (`v2.core.event_destination`): create, retrieve, list, update,
//! enable, disable and delete under `/v2/core/event_destinations`. The first v2 resource with a
//! `DELETE`, which API v2 keys (a retried delete answers the deletion, never a 404).
//!
//! The shape is that of the official SDKs' v2 `EventDestination` type (stripe-python's
//! `stripe/v2/core/_event_destination.py`): `id`, `object`, `amazon_eventbridge`,
//! `azure_event_grid`, `created`, `description`, `enabled_events`, `event_payload`,
//! `events_from`, `livemode`, `metadata`, `name`, `snapshot_api_version`, `status`,
//! `status_details`, `type`, `updated`, `webhook_endpoint`; a deletion answers the SDKs'
//! `DeletedObject` (`id`, `object`). The signing secret and URL of a webhook endpoint are
//! redacted unless `include` names them, as the SDKs' create parameters describe.

use serde_json::{Map, Value, json};

use super::Model;
use super::errors::ApiError;
use super::v2;
use crate::registry::{Call, Resource, Route};

const OBJECT: &str = "v2.core.event_destination";

/// The members a create accepts.
const CREATE: &[&str] = &[
    "amazon_eventbridge",
    "azure_event_grid",
    "description",
    "enabled_events",
    "event_payload",
    "events_from",
    "include",
    "metadata",
    "name",
    "snapshot_api_version",
    "type",
    "webhook_endpoint",
];

/// The members an update accepts (the type and payload are chosen once).
const UPDATE: &[&str] = &[
    "description",
    "enabled_events",
    "include",
    "metadata",
    "name",
    "webhook_endpoint",
];

/// The registry entry of v2 event destinations.
pub(crate) fn resource() -> Resource {
    Resource::new(OBJECT)
        .with_prefix("ed_")
        .with_route(
            Route::new("POST /v2/core/event_destinations", create)
                .with_params(CREATE)
                .with_validator(validate_create),
        )
        .with_route(
            Route::new("GET /v2/core/event_destinations", list)
                .with_params(&["include", "limit", "page"]),
        )
        .with_route(
            Route::new("GET /v2/core/event_destinations/{id}", retrieve).with_params(&["include"]),
        )
        .with_route(
            Route::new("POST /v2/core/event_destinations/{id}", update)
                .with_params(UPDATE)
                .with_validator(validate_update),
        )
        .with_route(
            Route::new("POST /v2/core/event_destinations/{id}/enable", enable).with_params(&[]),
        )
        .with_route(
            Route::new("POST /v2/core/event_destinations/{id}/disable", disable).with_params(&[]),
        )
        .with_route(Route::new("DELETE /v2/core/event_destinations/{id}", delete).with_params(&[]))
}

fn invalid(name: &str, what: &str) -> ApiError {
    ApiError::invalid_param(
        name,
        "invalid_fields",
        format!("Invalid field: {name} must be {what}."),
    )
}

fn body<'a>(call: &'a Call<'_>) -> Option<&'a Map<String, Value>> {
    call.params().json()
}

/// `name`, `enabled_events`, `event_payload` and `type` are required; `type` is one the SDKs
/// know, with its own configuration (`webhook_endpoint.url` for a webhook endpoint); a thin
/// payload takes no `snapshot_api_version`.
fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    let empty = Map::new();
    let b = body(call).unwrap_or(&empty);
    for name in ["name", "event_payload", "type"] {
        if !b.get(name).is_some_and(Value::is_string) {
            return Err(invalid(name, "a string and is required"));
        }
    }
    if !b.get("enabled_events").is_some_and(Value::is_array) {
        return Err(invalid("enabled_events", "an array and is required"));
    }
    let payload = b["event_payload"].as_str().unwrap_or_default();
    if !matches!(payload, "snapshot" | "thin") {
        return Err(invalid("event_payload", "one of snapshot, thin"));
    }
    if payload == "thin" && b.contains_key("snapshot_api_version") {
        return Err(invalid("snapshot_api_version", "absent for thin events"));
    }
    let kind = b["type"].as_str().unwrap_or_default();
    if !matches!(
        kind,
        "amazon_eventbridge" | "azure_event_grid" | "webhook_endpoint"
    ) {
        return Err(invalid(
            "type",
            "one of amazon_eventbridge, azure_event_grid, webhook_endpoint",
        ));
    }
    if !b.get(kind).is_some_and(Value::is_object) {
        return Err(invalid(kind, "an object, required by this type"));
    }
    if kind == "webhook_endpoint" && !b[kind].get("url").is_some_and(Value::is_string) {
        return Err(invalid("webhook_endpoint.url", "a string"));
    }
    validate_common(b)
}

fn validate_update(call: &Call<'_>) -> Result<(), ApiError> {
    body(call).map_or(Ok(()), validate_common)
}

/// What create and update share: string metadata, string descriptions, event type lists.
fn validate_common(b: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(metadata) = b.get("metadata") {
        let ok = metadata
            .as_object()
            .is_some_and(|m| m.values().all(|v| v.is_string() || v.is_null()));
        if !ok {
            return Err(invalid("metadata", "an object of string values"));
        }
    }
    for name in ["description", "name"] {
        if b.get(name).is_some_and(|v| !v.is_string()) {
            return Err(invalid(name, "a string"));
        }
    }
    for name in ["enabled_events", "events_from", "include"] {
        let ok = b
            .get(name)
            .is_none_or(|v| v.as_array().is_some_and(|a| a.iter().all(Value::is_string)));
        if !ok {
            return Err(invalid(name, "an array of strings"));
        }
    }
    Ok(())
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let empty = Map::new();
    let b = body(call).unwrap_or(&empty);
    let id = model.next_id("ed_");
    let now = v2::timestamp(call.unix_time());
    let kind = b["type"].as_str().unwrap_or_default();
    let webhook = (kind == "webhook_endpoint").then(|| {
        json!({
            "signing_secret": format!("whsec_{}", id.trim_start_matches("ed_")),
            "url": b[kind]["url"],
        })
    });
    let mut destination = json!({
        "id": id,
        "object": OBJECT,
        "amazon_eventbridge": (kind == "amazon_eventbridge").then(|| json!({
            "aws_account_id": b[kind]["aws_account_id"],
            "aws_event_source_arn": null,
            "aws_event_source_status": "never_activated",
        })),
        "azure_event_grid": (kind == "azure_event_grid").then(|| b[kind].clone()),
        "created": now,
        "description": b.get("description").cloned().unwrap_or_else(|| json!("")),
        "enabled_events": b["enabled_events"],
        "event_payload": b["event_payload"],
        "events_from": b.get("events_from").cloned().unwrap_or(Value::Null),
        "livemode": false,
        "metadata": {},
        "name": b["name"],
        "snapshot_api_version": b.get("snapshot_api_version").cloned().unwrap_or(Value::Null),
        "status": "enabled",
        "status_details": null,
        "type": kind,
        "updated": now,
        "webhook_endpoint": webhook,
    });
    if let Some(metadata) = b.get("metadata") {
        v2::merge_metadata(&mut destination, metadata);
    }
    let stored = model.collection_mut(OBJECT)?.insert(destination)?;
    Ok(redacted(stored, call))
}

/// The destination as answered: a webhook endpoint's secret and URL only when `include`
/// (the body's on a POST, the query's on a GET) names them.
fn redacted(mut destination: Value, call: &Call<'_>) -> Value {
    let included = |field: &str| match body(call).and_then(|b| b.get("include")) {
        Some(list) => list
            .as_array()
            .is_some_and(|a| a.iter().any(|v| v == field)),
        None => call.params().list("include").contains(&field),
    };
    if let Some(webhook) = destination["webhook_endpoint"].as_object_mut() {
        for member in ["signing_secret", "url"] {
            if !included(&format!("webhook_endpoint.{member}")) {
                webhook.insert(member.to_owned(), Value::Null);
            }
        }
    }
    destination
}

fn retrieve(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let found = model.collection(OBJECT)?.get(call.id())?.clone();
    Ok(redacted(found, call))
}

fn list(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let all: Vec<Value> = model
        .collection(OBJECT)?
        .as_slice()
        .iter()
        .map(|d| redacted(d.clone(), call))
        .collect();
    v2::page(all.iter(), call, &["include"])
}

/// Applies `change` and stamps `updated`.
fn change(
    model: &mut Model,
    call: &Call<'_>,
    change: impl FnOnce(&mut Value),
) -> Result<Value, ApiError> {
    let now = v2::timestamp(call.unix_time());
    let changed = model.collection_mut(OBJECT)?.update(call.id(), |d| {
        change(d);
        d["updated"] = json!(now);
        Ok(())
    })?;
    Ok(redacted(changed, call))
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let b = body(call).cloned().unwrap_or_default();
    change(model, call, |d| {
        for name in ["description", "enabled_events", "name"] {
            if let Some(value) = b.get(name) {
                d[name] = value.clone();
            }
        }
        if let (Some(url), Some(webhook)) = (
            b.get("webhook_endpoint").and_then(|w| w.get("url")),
            d["webhook_endpoint"].as_object_mut(),
        ) {
            webhook.insert("url".to_owned(), url.clone());
        }
        if let Some(metadata) = b.get("metadata") {
            v2::merge_metadata(d, metadata);
        }
    })
}

fn enable(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    change(model, call, |d| d["status"] = json!("enabled"))
}

fn disable(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    change(model, call, |d| d["status"] = json!("disabled"))
}

/// Removes the destination and answers the SDKs' `DeletedObject`; a second delete (a new key)
/// finds nothing: 404, as for any missing object.
fn delete(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.collection_mut(OBJECT)?.remove(call.id())?;
    Ok(json!({"id": call.id(), "object": OBJECT}))
}
