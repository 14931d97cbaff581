//! Events: what the fake did, recorded as Stripe records it (`charge.succeeded`,
//! `payment_intent.created`, `customer.created`, ...), listed and retrieved, and handed to the
//! server's webhook delivery.

use serde_json::{Value, json};

use super::Model;
use super::errors::ApiError;
use super::list::{self, ListParams};
use crate::registry::handlers::validate_list;
use crate::registry::{Call, Resource, Route};

/// The registry entry of events.
pub(crate) fn resource() -> Resource {
    Resource::new("event")
        .with_prefix("evt_")
        .with_route(Route::new("GET /v1/events", list).with_validator(validate_list))
        .with_route(Route::retrieve("GET /v1/events/{id}"))
        .with_expandable(&["data", "request"])
}

/// `GET /v1/events`: by `type` (`charge.*` too), `types[]`, `livemode`.
fn list(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let lp = ListParams::parse(p)?;
    let types: Vec<&str> = p.list("types");
    let selected = model.events().iter().filter(|e| {
        let kind = e["type"].as_str().unwrap_or_default();
        let by_type = p.get("type").is_none_or(|want| type_matches(kind, want));
        let by_types = types.is_empty() || types.iter().any(|want| type_matches(kind, want));
        by_type && by_types && list::matches(e, p, "livemode")
    });
    list::page(selected, &lp, "/v1/events", "event")
}

/// The API version events are rendered with (that of the vendored spec).
pub(crate) const API_VERSION: &str = "2023-08-16";

impl Model {
    /// Records an event of type `kind` (`"charge.succeeded"`) about `object` (a snapshot is
    /// kept) at `now` (Unix seconds), naming the request being executed. The server delivers it
    /// to the webhook endpoint, if one is set.
    pub fn record_event(&mut self, kind: &str, object: &Value, now: i64) {
        self.record_snapshot(kind, object.clone(), now);
    }

    /// [`Model::record_event`] with the snapshot given (no copy is made of it).
    pub(crate) fn record_snapshot(&mut self, kind: &str, object: Value, now: i64) {
        let id = self.next_id("evt_");
        let request = match &self.current_request {
            Some((request_id, key)) => json!({"id": request_id, "idempotency_key": key}),
            None => json!({"id": null, "idempotency_key": null}),
        };
        let mut event = json!({
            "id": id,
            "object": "event",
            "api_version": API_VERSION,
            "created": now,
            "data": {"object": null},
            "livemode": false,
            "pending_webhooks": 0,
            "request": request,
            "type": kind,
        });
        // Set after: `json!` would serialize it.
        event["data"]["object"] = object;
        if let Ok(events) = self.collection_mut("event") {
            // A fresh id: the push cannot be refused.
            let _ = events.push(event);
        }
    }
}

/// `charge.succeeded` matches `charge.succeeded` and `charge.*`.
fn type_matches(kind: &str, want: &str) -> bool {
    match want.strip_suffix(".*") {
        Some(prefix) => kind
            .strip_prefix(prefix)
            .is_some_and(|r| r.starts_with('.')),
        None => kind == want,
    }
}
