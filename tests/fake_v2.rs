//! API v2 end to end, on every adapter: the client's v2 requests (JSON, keys on POST and
//! DELETE, 5xx retried with the same key) against the fake Stripe's v2 endpoints and their v2
//! idempotency, over loopback HTTP.

#[macro_use]
mod support;

use std::time::Duration;

use serde_json::{Value, json};
use stripe_core::{Backoff, Request, RetryPolicy};
use stripe_fake::server::ServerHandle;
use stripe_fake::{Fault, Rule};
use support::fake::{fake, plan};
use support::{Adapter, Client};

fn client(adapter: Adapter, fake: &ServerHandle) -> Client {
    let policy = RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_millis(10)));
    adapter.with(&fake.base_url(), policy)
}

fn accounts(fake: &ServerHandle) -> Vec<Value> {
    fake.with_model(|m| m.objects("v2.core.account").to_vec())
}

/// A v2 POST whose work is done but whose answer is a 500 is retried by the client with the
/// same key; the fake completes it with the account made the first time: one account, one
/// `v2.core.account.created` event, two attempts.
fn a_v2_post_lost_to_a_500_completes_once(adapter: Adapter) {
    let fake = fake();
    fake.set_plan(plan(
        Rule::new(Fault::ErrorAfter { should_retry: None })
            .method(http::Method::POST)
            .path("/v2/core/accounts"),
    ));
    let client = client(adapter, &fake);
    let response = client
        .post("/v2/core/accounts", &json!({"display_name": "Shop"}))
        .expect("response");
    assert_eq!(response.status(), 200, "{:?}", response.bytes());
    assert_eq!(response.attempts(), 2);
    let account = response.json().expect("json").clone();
    assert_eq!(account["object"], "v2.core.account");
    assert_eq!(accounts(&fake), [account]);
    let log = fake.log();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].idempotency_key, log[1].idempotency_key);
    assert!(log[0].idempotency_key.is_some(), "a v2 POST carries a key");
    assert_eq!(fake.with_model(|m| m.v2_events().len()), 1);
}

/// A v2 error reaches the caller in v2's shape, with the client's typed status.
fn a_v2_error_is_answered_in_v2s_shape(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake);
    let response = client
        .get("/v2/core/accounts/acct_missing")
        .expect("response");
    assert_eq!(response.status(), 404);
    let error = &response.json().expect("json")["error"];
    assert_eq!(error["code"], "resource_missing");
    assert!(error.get("param").is_none(), "{error}");
}

/// The same meter event sent twice (same identifier, different keys) is one event.
fn meter_events_dedupe_by_identifier(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake);
    let event = json!({"event_name": "api_call", "identifier": "use-7",
                       "payload": {"stripe_customer_id": "cus_1", "value": "3"}});
    let first = client
        .post("/v2/billing/meter_events", &event)
        .expect("response");
    let second = client
        .post("/v2/billing/meter_events", &event)
        .expect("response");
    assert_eq!(first.status(), 200);
    assert_eq!(first.json(), second.json());
    assert_eq!(
        fake.with_model(|m| m.objects("v2.billing.meter_event").len()),
        1
    );
}

/// `list` walks v2 events by `next_page_url`, newest first, and one is fetched by id.
fn v2_events_are_walked_and_fetched(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake);
    for name in ["a", "b", "c"] {
        client
            .post("/v2/core/accounts", &json!({"display_name": name}))
            .expect("create");
    }
    let mut pages = client.list("/v2/core/events", &[("limit", "2")]);
    let events: Vec<Value> = pages.by_ref().map(|e| e.expect("event")).collect();
    assert_eq!(pages.pages(), 2);
    let names: Vec<Value> = events
        .iter()
        .map(|e| {
            let id = e["related_object"]["id"].as_str().expect("related id");
            fake.with_model(|m| m.find(id).expect("the account")["display_name"].clone())
        })
        .collect();
    assert_eq!(names, [json!("c"), json!("b"), json!("a")]);
    let id = events[0]["id"].as_str().expect("id");
    let fetched = client
        .send(Request::get(&format!("/v2/core/events/{id}")).expect("request"))
        .expect("response");
    assert_eq!(fetched.json(), Some(&events[0]));
}

run_on_adapters!(
    a_v2_post_lost_to_a_500_completes_once,
    a_v2_error_is_answered_in_v2s_shape,
    meter_events_dedupe_by_identifier,
    v2_events_are_walked_and_fetched,
);
