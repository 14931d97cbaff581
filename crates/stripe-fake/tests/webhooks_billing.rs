//! A test clock's advance through the loopback server: every event of the renewals it runs is
//! delivered to the webhook endpoint, signed, in the order the fake recorded them (one delivery
//! at a time), with the clock's times in the events.

mod common;

use common::billing::{DAY, START, id};
use common::hooks::{SECRET, receiver, verified};
use serde_json::Value;
use stripe_fake::Kind;
use stripe_fake::server::{self, ServerOptions, WebhookConfig};

fn post(base: &str, path: &str, body: &str) -> Value {
    let answer = common::call(base, "POST", path, &[], body).expect("an answer");
    assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    answer.json()
}

#[test]
fn a_clocks_renewals_are_delivered_signed_in_the_order_recorded() {
    let (url, rx) = receiver();
    let srv = server::start_with(ServerOptions {
        webhook: Some(WebhookConfig::new(&url, SECRET)),
        ..common::pinned()
    })
    .expect("server");
    let base = srv.base_url();
    let clock = id(&post(
        &base,
        "/v1/test_helpers/test_clocks",
        &format!("frozen_time={START}"),
    ));
    let product = id(&post(&base, "/v1/products", "name=Weekly"));
    let price = id(&post(
        &base,
        "/v1/prices",
        &format!("product={product}&currency=usd&unit_amount=500&recurring[interval]=week"),
    ));
    for n in 0..3 {
        let source = if n == 1 {
            "tok_chargeCustomerFail"
        } else {
            "tok_visa"
        };
        let customer = id(&post(
            &base,
            "/v1/customers",
            &format!("test_clock={clock}&source={source}"),
        ));
        post(
            &base,
            "/v1/subscriptions",
            &format!("customer={customer}&items[0][price]={price}&trial_period_days=1"),
        );
    }
    post(
        &base,
        &format!("/v1/test_helpers/test_clocks/{clock}/advance"),
        &format!("frozen_time={}", START + 14 * DAY),
    );
    let recorded = srv.with_model(|m| m.events());
    assert_eq!(srv.count(Kind::Event), recorded.len());
    assert!(
        recorded.len() > 70,
        "three subscriptions, two weeks of renewals and retries: {}",
        recorded.len()
    );
    let delivered = verified(&rx, recorded.len());
    let ids = |events: &[Value]| events.iter().map(|e| e["id"].clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&delivered),
        ids(&recorded),
        "every event, once, in the order recorded"
    );
    assert_eq!(delivered, recorded, "as recorded, snapshots included");
    let failed = delivered
        .iter()
        .filter(|e| e["type"] == "invoice.payment_failed")
        .count();
    assert_eq!(
        failed, 5,
        "the declining card: the first renewal (day 1) and its retries on days 4 and 9, the second (day 8) and its retry on day 11"
    );
    let renewal = delivered
        .iter()
        .find(|e| e["type"] == "customer.subscription.updated")
        .expect("a renewal");
    assert_eq!(
        renewal["created"],
        START + DAY,
        "the clock's time: the trial's end"
    );
    assert_eq!(renewal["request"]["id"], Value::Null);
}
