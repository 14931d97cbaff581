//! Checkout through the loopback server: a session's `url` points at the fake and answers the
//! session; paying on it (`POST /_fake/checkout/sessions/{id}/complete`) completes it, and the
//! events reach the webhook endpoint signed, in Stripe's order, with the existing faults.

mod common;

use common::hooks::{SECRET, receiver, verified};
use serde_json::Value;
use stripe_fake::server::{self, ServerOptions, WebhookConfig};

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default())
        .collect()
}

fn call(base: &str, method: &str, path: &str, body: &str) -> common::RawResponse {
    common::call(base, method, path, &[], body).expect("an answer")
}

#[test]
fn a_session_url_points_at_the_fake_and_paying_on_it_delivers_the_events_in_order() {
    let (url, rx) = receiver();
    let config = format!(
        r#"{{"url": "{url}", "secret": "{SECRET}", "faults": [{{"type": "checkout.session.completed", "fault": "duplicate"}}]}}"#
    );
    let srv = server::start_with(ServerOptions {
        webhook: Some(WebhookConfig::from_json(&config).expect("config")),
        ..common::pinned()
    })
    .expect("server");
    let base = srv.base_url();
    let price = call(
        &base,
        "POST",
        "/v1/prices",
        "product_data[name]=Tee&currency=usd&unit_amount=1500",
    )
    .json();
    assert_eq!(
        types(&verified(&rx, 2)),
        ["product.created", "price.created"]
    );
    let body = format!(
        "mode=payment&success_url=https%3A%2F%2Fshop.example%2Fok&customer_creation=always\
         &line_items[0][price]={}&line_items[0][quantity]=2",
        price["id"].as_str().expect("price id")
    );
    let cs = call(&base, "POST", "/v1/checkout/sessions", &body).json();
    let id = cs["id"].as_str().expect("session id");

    // The url is the session's page on the fake.
    let page = cs["url"].as_str().expect("a url");
    let path = page.strip_prefix(base.as_str()).expect("on the fake");
    assert_eq!(path, format!("/_fake/checkout/sessions/{id}"));
    let shown = call(&base, "GET", path, "");
    assert_eq!(shown.status, 200, "{}", shown.body);
    let shown = shown.json();
    assert_eq!(shown["status"], "open");
    assert_eq!(shown["line_items"]["data"][0]["quantity"], 2);
    assert_eq!(shown["amount_total"], 3000);

    // Paying: a body that says nothing of the card, an unknown session, then the card.
    let pay = format!("{path}/complete");
    let bad = call(&base, "POST", &pay, r#"{"card": "4242"}"#);
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("payment_method"), "{}", bad.body);
    let missing = call(
        &base,
        "POST",
        "/_fake/checkout/sessions/cs_test_missing/complete",
        r#"{"payment_method": "tok_visa"}"#,
    );
    assert_eq!(missing.status, 404);
    let done = call(
        &base,
        "POST",
        &pay,
        r#"{"payment_method": "tok_visa", "email": "ada@example.com"}"#,
    );
    assert_eq!(done.status, 200, "{}", done.body);
    let done = done.json();
    assert_eq!(done["status"], "complete");
    assert_eq!(done["payment_status"], "paid");
    assert_eq!(done["customer_details"]["email"], "ada@example.com");

    // Stripe's order, the session's event last, twice (the duplicate fault).
    let events = verified(&rx, 6);
    assert_eq!(
        types(&events),
        [
            "customer.created",
            "payment_intent.created",
            "charge.succeeded",
            "payment_intent.succeeded",
            "checkout.session.completed",
            "checkout.session.completed",
        ]
    );
    assert_eq!(events[4]["id"], events[5]["id"], "the same event twice");
    assert_eq!(events[4]["data"]["object"]["id"], id);
    assert_eq!(
        events[4]["data"]["object"]["payment_intent"],
        done["payment_intent"]
    );

    // A page already paid is paid once.
    let again = call(&base, "POST", &pay, r#"{"payment_method": "tok_visa"}"#);
    assert_eq!(again.status, 400);

    // Expiring another delivers its event.
    let other = call(&base, "POST", "/v1/checkout/sessions", &body).json();
    let other = other["id"].as_str().expect("id");
    let expired = call(
        &base,
        "POST",
        &format!("/v1/checkout/sessions/{other}/expire"),
        "",
    );
    assert_eq!(expired.status, 200);
    let events = verified(&rx, 1);
    assert_eq!(types(&events), ["checkout.session.expired"]);
    assert_eq!(events[0]["data"]["object"]["id"], other);
}
