//! Webhook delivery from the loopback server to a small loopback receiver: signed events, at
//! least once, and the `duplicate` / `late` faults.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use common::hooks::{SECRET, receiver, verified};
use serde_json::Value;
use stripe_fake::server::{self, ServerOptions, WebhookConfig};

fn post(base: &str, path: &str, body: &str) -> Value {
    common::call(base, "POST", path, &[], body)
        .expect("an answer")
        .json()
}

#[test]
fn events_are_signed_and_delivered_and_a_duplicate_fault_sends_one_twice() {
    let (url, rx) = receiver();
    let srv = server::start_with(ServerOptions {
        webhook: Some(WebhookConfig::from_json(&format!(
            r#"{{"url": "{url}", "secret": "{SECRET}", "faults": [{{"type": "charge.succeeded", "fault": "duplicate"}}]}}"#
        ))
        .expect("config")),
        ..common::pinned()
    })
    .expect("server");
    let charge = post(
        &srv.base_url(),
        "/v1/charges",
        "amount=100&currency=usd&source=tok_visa",
    );
    let events = verified(&rx, 2);
    assert!(events.iter().all(|e| e["type"] == "charge.succeeded"));
    assert_eq!(events[0]["id"], events[1]["id"], "the same event twice");
    assert_eq!(events[0]["data"]["object"]["id"], charge["id"]);
    // Nothing else was sent: the next delivery is the next event.
    let customer = post(&srv.base_url(), "/v1/customers", "email=a@b.c");
    let next = verified(&rx, 1);
    assert_eq!(next[0]["type"], "customer.created");
    assert_eq!(next[0]["data"]["object"]["id"], customer["id"]);
}

#[test]
fn a_late_event_is_overtaken_and_webhooks_can_be_configured_at_run_time() {
    let (url, rx) = receiver();
    let srv = common::start();
    let config = format!(
        r#"{{"url": "{url}", "secret": "{SECRET}", "faults": [{{"type": "customer.created", "fault": "late", "ms": 400}}]}}"#
    );
    let answer =
        common::call(&srv.base_url(), "POST", "/_fake/webhooks", &[], &config).expect("answer");
    assert_eq!(answer.status, 200, "{}", answer.body);
    let bad = common::call(
        &srv.base_url(),
        "POST",
        "/_fake/webhooks",
        &[],
        r#"{"url": "ftp://x"}"#,
    )
    .expect("answer");
    assert_eq!(bad.status, 400);
    post(&srv.base_url(), "/v1/customers", "email=late@b.c");
    post(
        &srv.base_url(),
        "/v1/charges",
        "amount=100&currency=usd&source=tok_visa",
    );
    let events = verified(&rx, 2);
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(kinds, ["charge.succeeded", "customer.created"]);
}

#[test]
fn a_refused_delivery_is_retried_until_it_succeeds() {
    // The first connection is closed without an answer; the retry gets through.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut first = true;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 8192];
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let n = stream.read(&mut buf).unwrap_or(0);
            if first {
                first = false;
                continue; // dropped: no answer
            }
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
            let _ = tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
            return;
        }
    });
    let srv = server::start_with(ServerOptions {
        webhook: Some(WebhookConfig::new(&url, SECRET)),
        ..common::pinned()
    })
    .expect("server");
    post(&srv.base_url(), "/v1/customers", "");
    let request = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a retried delivery");
    assert!(request.starts_with("POST /hook HTTP/1.1"), "{request}");
    assert!(
        request
            .to_ascii_lowercase()
            .contains("stripe-signature: t=")
    );
}

#[test]
fn billing_and_test_clock_events_are_delivered_signed_with_the_same_faults() {
    let (url, rx) = receiver();
    let srv = server::start_with(ServerOptions {
        webhook: Some(WebhookConfig::from_json(&format!(
            r#"{{"url": "{url}", "secret": "{SECRET}", "faults": [{{"type": "test_helpers.test_clock.ready", "fault": "duplicate"}}]}}"#
        ))
        .expect("config")),
        ..common::pinned()
    })
    .expect("server");
    let base = srv.base_url();
    let product = post(&base, "/v1/products", "name=Gold");
    let prod = product["id"].as_str().expect("id");
    post(&base, &format!("/v1/products/{prod}"), "description=Best");
    let price = post(
        &base,
        "/v1/prices",
        &format!("product={prod}&currency=usd&unit_amount=900&recurring[interval]=month"),
    );
    post(
        &base,
        &format!("/v1/prices/{}", price["id"].as_str().expect("id")),
        "nickname=monthly",
    );
    post(&base, "/v1/coupons", "id=HALF&percent_off=50");
    let deleted = common::call(&base, "DELETE", "/v1/coupons/HALF", &[], "").expect("answer");
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    let clock = post(
        &base,
        "/v1/test_helpers/test_clocks",
        "frozen_time=1700000000",
    );
    let clock = clock["id"].as_str().expect("id");
    post(
        &base,
        &format!("/v1/test_helpers/test_clocks/{clock}/advance"),
        "frozen_time=1760000000",
    );
    let deleted = common::call(
        &base,
        "DELETE",
        &format!("/v1/test_helpers/test_clocks/{clock}"),
        &[],
        "",
    )
    .expect("answer");
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    // 10 events, `ready` twice by the fault: 11 deliveries, each signed (`verified` checks).
    let mut kinds: Vec<String> = verified(&rx, 11)
        .iter()
        .filter_map(|e| e["type"].as_str().map(str::to_owned))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "coupon.created",
            "coupon.deleted",
            "price.created",
            "price.updated",
            "product.created",
            "product.updated",
            "test_helpers.test_clock.advancing",
            "test_helpers.test_clock.created",
            "test_helpers.test_clock.deleted",
            "test_helpers.test_clock.ready",
            "test_helpers.test_clock.ready",
        ]
    );
}

#[test]
fn a_3ds_challenge_completed_through_the_admin_endpoint_delivers_its_events() {
    let (url, rx) = receiver();
    let srv = server::start_with(ServerOptions {
        webhook: Some(
            WebhookConfig::from_json(&format!(r#"{{"url": "{url}", "secret": "{SECRET}"}}"#))
                .expect("config"),
        ),
        ..common::pinned()
    })
    .expect("server");
    let base = srv.base_url();
    let pi = post(
        &base,
        "/v1/payment_intents",
        "amount=900&currency=usd&confirm=true&payment_method=pm_card_threeDSecure2Required",
    );
    assert_eq!(pi["status"], "requires_action");
    let types = |events: Vec<Value>| -> Vec<String> {
        events
            .iter()
            .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        types(verified(&rx, 2)),
        ["payment_intent.created", "payment_intent.requires_action"]
    );
    let id = pi["id"].as_str().expect("id");
    let path = format!("/_fake/payment_intents/{id}/authenticate");
    let bad = common::call(&base, "POST", &path, &[], r#"{"outcome": "maybe"}"#).expect("answer");
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("outcome")
    );
    let done =
        common::call(&base, "POST", &path, &[], r#"{"outcome": "succeed"}"#).expect("answer");
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.json()["status"], "succeeded");
    assert_eq!(
        types(verified(&rx, 2)),
        ["charge.succeeded", "payment_intent.succeeded"]
    );
    // Done once; a setup path does not take a payment intent's id.
    let again = common::call(&base, "POST", &path, &[], r#"{"outcome": "fail"}"#).expect("answer");
    assert_eq!(again.status, 400);
    let wrong = format!("/_fake/setup_intents/{id}/authenticate");
    let wrong = common::call(&base, "POST", &wrong, &[], r#"{"outcome": "fail"}"#).expect("answer");
    assert_eq!(wrong.status, 404);
    // The dispute card's charge is followed by its dispute.
    let charge = post(
        &base,
        "/v1/charges",
        "amount=300&currency=usd&source=tok_createDispute",
    );
    let events = verified(&rx, 2);
    assert_eq!(
        types(events.clone()),
        ["charge.succeeded", "charge.dispute.created"]
    );
    assert_eq!(events[1]["data"]["object"]["charge"], charge["id"]);
}

/// With `"events": "thin"`, a v2 object's event arrives as a thin notification, signed like a
/// snapshot event, in the `Stripe-Context` of the request that made it; stripe-core's
/// `parse_event_notification` verifies and parses it, and the event and the object it names are
/// fetched from the fake (`GET /v2/core/events/{id}`). v1 events are not sent.
#[test]
fn thin_notifications_are_signed_parsed_and_fetched() {
    let (url, rx) = receiver();
    let srv = server::start_with(ServerOptions {
        webhook: Some(
            WebhookConfig::from_json(&format!(
                r#"{{"url": "{url}", "secret": "{SECRET}", "events": "thin"}}"#
            ))
            .expect("config"),
        ),
        ..common::pinned()
    })
    .expect("server");
    post(&srv.base_url(), "/v1/customers", "email=a@b.c");
    let account = common::call(
        &srv.base_url(),
        "POST",
        "/v2/core/accounts",
        &[
            ("content-type", "application/json"),
            ("stripe-context", "acct_parent"),
        ],
        r#"{"display_name": "Shop"}"#,
    )
    .expect("an answer")
    .json();
    let (signature, body) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a delivery within 10 s");
    let note = stripe_core::webhook::parse_event_notification(
        body.as_bytes(),
        &signature,
        SECRET,
        SystemTime::now(),
        Some(Duration::from_secs(300)),
    )
    .expect("a verified thin notification");
    assert_eq!(note.event_type().as_str(), "v2.core.account.created");
    let related = note.related_object().expect("a related object");
    assert_eq!(related.id(), account["id"].as_str().expect("id"));
    assert_eq!(related.object_type(), "v2.core.account");
    let raw: Value = serde_json::from_str(&body).expect("JSON");
    assert!(raw.get("data").is_none(), "thin: {raw}");

    // In the context of the request that made it, which the fetch carries along.
    assert_eq!(note.context(), Some("acct_parent"));
    let fetch = note.fetch_event();
    assert_eq!(fetch.context(), Some("acct_parent"));
    let event = common::call(&srv.base_url(), "GET", fetch.path(), &[], "")
        .expect("an answer")
        .json();
    assert_eq!(event["id"], note.id());
    assert_eq!(event["object"], "v2.core.event");
    let related_path = note
        .fetch_related_object()
        .expect("a fetch")
        .path()
        .to_owned();
    let fetched = common::call(&srv.base_url(), "GET", &related_path, &[], "")
        .expect("an answer")
        .json();
    assert_eq!(fetched, account);
    // The customer's snapshot event was not sent: nothing else arrives.
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
}
