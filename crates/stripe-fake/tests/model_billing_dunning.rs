//! Failed payments on a test clock, through the pure model: a failing renewal with its retries
//! and the cancellation when they run out, a retry that succeeds with a new card, and an
//! incomplete subscription's expiry.

mod common;

use common::billing::{DAY, MONTH_LATER, START, events, kinds, setup};
use common::{get, ok};

#[test]
fn a_failing_renewal_is_retried_on_stripes_schedule_then_the_subscription_is_canceled() {
    let mut s = setup(43, START, "pm_card_visa", "");
    s.set_card("pm_card_chargeCustomerFail");
    let before = s.model.events().len();
    s.advance(MONTH_LATER + 3600);
    assert_eq!(
        kinds(&s.model, before)[3..],
        [
            "payment_intent.created",
            "invoice.finalized",
            "charge.failed",
            "payment_intent.payment_failed",
            "invoice.payment_failed",
            "customer.subscription.updated",
            "test_helpers.test_clock.ready",
        ]
    );
    let sub = s.subscription();
    assert_eq!(sub["status"], "past_due");
    let invoice = &sub["latest_invoice"];
    let failed_at = MONTH_LATER + 3600;
    assert_eq!(
        (
            invoice["status"].as_str(),
            invoice["attempt_count"].as_i64(),
            invoice["next_payment_attempt"].as_i64()
        ),
        (Some("open"), Some(1), Some(failed_at + 3 * DAY))
    );
    // Retries 3, 5 and 7 days apart; the fourth failure ends the subscription.
    let before = s.model.events().len();
    s.advance(failed_at + 15 * DAY);
    let failures: Vec<i64> = events(&s.model, before)
        .iter()
        .filter(|(k, _, _)| k == "invoice.payment_failed")
        .map(|(_, at, _)| *at)
        .collect();
    assert_eq!(
        failures,
        [
            failed_at + 3 * DAY,
            failed_at + 8 * DAY,
            failed_at + 15 * DAY
        ]
    );
    let ended = s.subscription();
    assert_eq!(
        (
            ended["status"].as_str(),
            ended["cancellation_details"]["reason"].as_str()
        ),
        (Some("canceled"), Some("payment_failed"))
    );
    let invoice = &ended["latest_invoice"];
    assert_eq!(
        (
            invoice["status"].as_str(),
            invoice["attempt_count"].as_i64(),
            invoice["next_payment_attempt"].as_i64()
        ),
        (Some("open"), Some(4), None)
    );
    assert_eq!(
        kinds(&s.model, before)
            .iter()
            .filter(|k| *k == "customer.subscription.deleted")
            .count(),
        1
    );
}

#[test]
fn a_retry_with_a_new_card_pays_and_the_subscription_is_active_again() {
    let mut s = setup(
        44,
        START,
        "pm_card_chargeCustomerFail",
        "&trial_period_days=3",
    );
    s.advance(START + 3 * DAY + 3600);
    assert_eq!(s.subscription()["status"], "past_due");
    s.set_card("pm_card_mastercard");
    let before = s.model.events().len();
    s.advance(START + 6 * DAY + 3600);
    let sub = s.subscription();
    assert_eq!(
        (
            sub["status"].as_str(),
            sub["latest_invoice"]["status"].as_str()
        ),
        (Some("active"), Some("paid"))
    );
    assert_eq!(sub["latest_invoice"]["attempt_count"], 2);
    let recorded = kinds(&s.model, before);
    assert_eq!(
        recorded[recorded.len() - 4..],
        [
            "invoice.paid",
            "invoice.payment_succeeded",
            "customer.subscription.updated",
            "test_helpers.test_clock.ready"
        ]
    );
}

#[test]
fn an_incomplete_subscription_expires_after_23_hours_and_its_invoice_is_voided() {
    let mut s = setup(45, START, "pm_card_chargeDeclined", "");
    assert_eq!(s.subscription()["status"], "incomplete");
    s.advance(START + 22 * 3600);
    assert_eq!(s.subscription()["status"], "incomplete");
    let before = s.model.events().len();
    s.advance(START + 24 * 3600);
    let sub = s.subscription();
    assert_eq!(
        (sub["status"].as_str(), sub["ended_at"].as_i64()),
        (Some("incomplete_expired"), Some(START + 23 * 3600))
    );
    assert_eq!(sub["latest_invoice"]["status"], "void");
    let intent = ok(
        &mut s.model,
        &get(&format!(
            "/v1/payment_intents/{}",
            sub["latest_invoice"]["payment_intent"]
                .as_str()
                .expect("pi")
        )),
    );
    assert_eq!(
        (
            intent["status"].as_str(),
            intent["cancellation_reason"].as_str()
        ),
        (Some("canceled"), Some("void_invoice"))
    );
    assert_eq!(
        kinds(&s.model, before)[1..4],
        [
            "payment_intent.canceled",
            "invoice.voided",
            "customer.subscription.updated"
        ]
    );
}
