//! Events: what the fake did, recorded as Stripe records it (`charge.succeeded`,
//! `payment_intent.created`, `customer.created`, ...), listed and retrieved, and handed to the
//! server's webhook delivery.
//!
//! An event's snapshot of its object is kept as JSON text, and becomes an object again when the
//! event is read (listed, retrieved, delivered, [`Model::events`]): a test clock's advance may
//! record hundreds of thousands of events, and as `serde_json::Value` trees their snapshots took
//! ten times the memory of their text and a copy of every tree.

use std::cell::RefCell;
use std::sync::OnceLock;

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
        .with_route(Route::new("GET /v1/events/{id}", retrieve))
        .with_expandable(&["data", "request"])
}

/// `GET /v1/events`: by `type` (`charge.*` too), `types[]`, `livemode`.
fn list(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let lp = ListParams::parse(p)?;
    let types: Vec<&str> = p.list("types");
    let selected = model.objects("event").iter().filter(|e| {
        let kind = e["type"].as_str().unwrap_or_default();
        let by_type = p.get("type").is_none_or(|want| type_matches(kind, want));
        let by_types = types.is_empty() || types.iter().any(|want| type_matches(kind, want));
        by_type && by_types && list::matches(e, p, "livemode")
    });
    let mut page = list::page(selected, &lp, "/v1/events", "event")?;
    if let Some(events) = page["data"].as_array_mut() {
        for event in events {
            *event = inflate(event);
        }
    }
    Ok(page)
}

/// `GET /v1/events/{id}`.
fn retrieve(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.collection("event")?.get(call.id()).map(inflate)
}

/// The JSON text an event keeps of `object`, written into one buffer kept for the purpose and
/// copied out at its size: one allocation per snapshot, where a growing string reallocates
/// several times (and `Display` goes through a formatter).
pub(crate) fn snapshot(object: &Value) -> String {
    thread_local! {
        static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        buffer.clear();
        // Writing a `Value` to a `Vec` cannot fail, and its text is UTF-8.
        let _ = serde_json::to_writer(&mut *buffer, object);
        std::str::from_utf8(&buffer)
            .map(str::to_owned)
            .unwrap_or_default()
    })
}

/// A stored event as the API shows it: its snapshot an object again.
fn inflate(stored: &Value) -> Value {
    let mut event = stored.clone();
    if let Some(text) = stored["data"]["object"].as_str() {
        event["data"]["object"] = serde_json::from_str(text).unwrap_or(Value::Null);
    }
    event
}

/// The API version events are rendered with (that of the vendored spec).
pub(crate) const API_VERSION: &str = "2023-08-16";

impl Model {
    /// Records an event of type `kind` (`"charge.succeeded"`) about `object` (a snapshot is
    /// kept) at `now` (Unix seconds), naming the request being executed. The server delivers it
    /// to the webhook endpoint, if one is set.
    pub fn record_event(&mut self, kind: &str, object: &Value, now: i64) {
        self.record_snapshot(kind, snapshot(object), now);
    }

    /// [`Model::record_event`] with the object's snapshot given as its JSON text.
    pub(crate) fn record_snapshot(&mut self, kind: &str, object: String, now: i64) {
        let id = self.next_id("evt_");
        // A copy of one blank event: cloning a tree is cheaper than building it.
        static BLANK: OnceLock<Value> = OnceLock::new();
        let mut event = BLANK
            .get_or_init(|| {
                json!({
                    "id": "",
                    "object": "event",
                    "api_version": API_VERSION,
                    "created": 0,
                    "data": {"object": null},
                    "livemode": false,
                    "pending_webhooks": 0,
                    "request": {"id": null, "idempotency_key": null},
                    "type": "",
                })
            })
            .clone();
        event["id"] = Value::String(id);
        event["created"] = json!(now);
        event["data"]["object"] = Value::String(object);
        event["type"] = json!(kind);
        if let Some((request_id, key)) = &self.current_request {
            event["request"]["id"] = json!(request_id);
            event["request"]["idempotency_key"] = json!(key);
        }
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

impl Model {
    /// Events (`charge.succeeded`, `payment_intent.created`, ...), oldest first: what a webhook
    /// endpoint would be sent.
    pub fn events(&self) -> Vec<Value> {
        self.events_from(0)
    }

    /// The events from the `from`-th on (oldest first), as [`Model::events`] shows them.
    pub fn events_from(&self, from: usize) -> Vec<Value> {
        let stored = self.objects("event");
        stored
            .get(from..)
            .unwrap_or_default()
            .iter()
            .map(inflate)
            .collect()
    }
}
