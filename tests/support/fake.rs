//! Helpers of the scenarios run on the in-process fake Stripe: starting it, fault rules, the
//! standard charge, reading ids, keys and the fake's log.

use serde_json::Value;
use stripe_core::{IdempotencyKey, Request, Response};
use stripe_fake::server::{self, ServerHandle};
use stripe_fake::{Fault, FaultPlan, LogEntry, Rule};

/// A fresh fake Stripe on loopback, its ids pinned to one seed (the default is random).
pub fn fake() -> ServerHandle {
    let options = server::ServerOptions {
        seed: 0x5EED,
        ..server::ServerOptions::default()
    };
    server::start_with(options).expect("the fake Stripe starts")
}

/// A fault on the next `POST /v1/charges`.
pub fn on_charges(fault: Fault) -> Rule {
    Rule::new(fault)
        .method(http::Method::POST)
        .path("/v1/charges")
}

/// A plan of one rule.
pub fn plan(rule: Rule) -> FaultPlan {
    FaultPlan::new().rule(rule)
}

/// The params of a charge that succeeds.
pub const CHARGE: [(&str, &str); 3] = [
    ("amount", "2000"),
    ("currency", "usd"),
    ("source", "tok_visa"),
];

/// `POST /v1/charges` with [`CHARGE`].
pub fn charge() -> Request {
    Request::post("/v1/charges", &CHARGE).expect("valid charge params")
}

/// [`charge`] under `key`.
pub fn charge_with_key(key: &IdempotencyKey) -> Request {
    charge()
        .with_idempotency_key(key.clone())
        .expect("POST takes a key")
}

/// The `id` of the response's object.
pub fn id(response: &Response) -> String {
    response
        .json()
        .and_then(|v| v.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no id in {} {:?}", response.status(), response.bytes()))
        .to_owned()
}

/// The key of a POST's response.
pub fn key_of(response: &Response) -> IdempotencyKey {
    response
        .idempotency_key()
        .cloned()
        .expect("a POST response carries its key")
}

/// The keys the fake saw, in order.
pub fn logged_keys(log: &[LogEntry]) -> Vec<Option<&str>> {
    log.iter().map(|e| e.idempotency_key.as_deref()).collect()
}

/// The statuses the fake answered, in order (`None`: no answer).
pub fn logged_statuses(log: &[LogEntry]) -> Vec<Option<u16>> {
    log.iter().map(|e| e.status).collect()
}
