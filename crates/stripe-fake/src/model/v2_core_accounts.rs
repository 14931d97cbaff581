//! API v2 accounts (`v2.core.account`): `POST /v2/core/accounts`, `GET /v2/core/accounts`,
//! `GET /v2/core/accounts/{id}`, `POST /v2/core/accounts/{id}`, each recording its
//! `v2.core.account.*` event.
//!
//! The shape is that of the official SDKs' v2 `Account` type (stripe-python's
//! `stripe/v2/core/_account.py`, stripe-node's `resources/V2/Core/Accounts.d.ts`): `id`,
//! `object`, `applied_configurations`, `configuration`, `contact_email`, `created` (RFC 3339),
//! `dashboard`, `defaults`, `display_name`, `identity`, `livemode`, `metadata`,
//! `requirements`. The configurations are kept as sent, not modelled.

use serde_json::{Map, Value, json};

use super::Model;
use super::errors::ApiError;
use super::v2;
use crate::registry::{Call, Resource, Route};

/// The members a create or update accepts: those it sets, and `include` (which parts of the
/// account to answer; the fake answers all of them).
const ACCEPTED: &[&str] = &[
    "configuration",
    "contact_email",
    "dashboard",
    "defaults",
    "display_name",
    "identity",
    "metadata",
    "include",
];

/// The registry entry of v2 accounts.
pub(crate) fn resource() -> Resource {
    Resource::new("v2.core.account")
        .with_prefix("acct_")
        .with_route(
            Route::new("POST /v2/core/accounts", create)
                .with_params(ACCEPTED)
                .with_validator(validate),
        )
        .with_route(Route::new("GET /v2/core/accounts", list).with_params(&v2::LIST_PARAMS))
        .with_route(Route::retrieve("GET /v2/core/accounts/{id}").with_params(&["include"]))
        .with_route(
            Route::new("POST /v2/core/accounts/{id}", update)
                .with_params(ACCEPTED)
                .with_validator(validate),
        )
        .with_events(&["v2.core.account.created", "v2.core.account.updated"])
}

/// `metadata` must be an object of strings (a `null` value removes a key on update);
/// `contact_email` and `display_name` strings.
fn validate(call: &Call<'_>) -> Result<(), ApiError> {
    let Some(body) = call.params().json() else {
        return Ok(());
    };
    if let Some(metadata) = body.get("metadata") {
        let ok = metadata
            .as_object()
            .is_some_and(|m| m.values().all(|v| v.is_string() || v.is_null()));
        if !ok {
            return Err(invalid("metadata", "an object of string values"));
        }
    }
    for name in ["contact_email", "display_name"] {
        if body
            .get(name)
            .is_some_and(|v| !v.is_string() && !v.is_null())
        {
            return Err(invalid(name, "a string"));
        }
    }
    Ok(())
}

fn invalid(name: &str, what: &str) -> ApiError {
    ApiError::invalid_param(
        name,
        "invalid_fields",
        format!("Invalid field: {name} must be {what}."),
    )
}

/// The path of an account, as its events' `related_object.url` names it.
fn url(id: &str) -> String {
    format!("/v2/core/accounts/{id}")
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let id = model.next_id("acct_");
    let mut account = json!({
        "id": id,
        "object": "v2.core.account",
        "applied_configurations": [],
        "configuration": null,
        "contact_email": null,
        "created": v2::timestamp(call.unix_time()),
        "dashboard": null,
        "defaults": null,
        "display_name": null,
        "identity": null,
        "livemode": false,
        "metadata": {},
        "requirements": null,
    });
    apply(&mut account, call.params().json());
    let account = model.collection_mut("v2.core.account")?.insert(account)?;
    model.record_v2_event(
        "v2.core.account.created",
        &account,
        &url(&id),
        call.unix_time(),
    );
    Ok(account)
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let body = call.params().json();
    let account = model
        .collection_mut("v2.core.account")?
        .update(call.id(), |account| {
            apply(account, body);
            Ok(())
        })?;
    model.record_v2_event(
        "v2.core.account.updated",
        &account,
        &url(call.id()),
        call.unix_time(),
    );
    Ok(account)
}

fn list(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let accounts = model.collection("v2.core.account")?.as_slice();
    v2::page(accounts.iter(), call, &[])
}

/// Sets the writable members given; `metadata` is merged (a `null` value removes its key), and
/// `applied_configurations` names the configurations present.
fn apply(account: &mut Value, body: Option<&Map<String, Value>>) {
    let Some(body) = body else {
        return;
    };
    for name in ACCEPTED {
        let Some(value) = body.get(*name) else {
            continue;
        };
        match *name {
            "include" => {}
            "metadata" => v2::merge_metadata(account, value),
            _ => account[*name] = value.clone(),
        }
    }
    let applied: Vec<&String> = account["configuration"]
        .as_object()
        .map(|c| {
            c.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, _)| k)
                .collect()
        })
        .unwrap_or_default();
    account["applied_configurations"] = json!(applied);
}
