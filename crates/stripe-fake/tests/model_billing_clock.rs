//! What a test clock's advance does to subscriptions, through the pure model: renewals (the
//! draft, finalized and paid an hour later), the end of a trial with its notice three days
//! before, billing periods at the end of months, and Stripe's limit on how far a clock moves at
//! once.

mod common;

use common::billing::{DAY, MONTH_LATER, START, TWO_MONTHS_LATER, clock_at, events, kinds, setup};
use common::{get, json, ok, post, t0};
use serde_json::Value;
use stripe_fake::Model;

#[test]
fn a_renewal_drafts_its_invoice_at_the_period_end_and_pays_it_an_hour_later() {
    let mut s = setup(41, START, "pm_card_visa", "");
    let before = s.model.events().len();
    s.advance(MONTH_LATER);
    let sub = s.subscription();
    assert_eq!(
        (
            sub["current_period_start"].as_i64(),
            sub["current_period_end"].as_i64()
        ),
        (Some(MONTH_LATER), Some(TWO_MONTHS_LATER))
    );
    let draft = &sub["latest_invoice"];
    assert_eq!(
        (draft["status"].as_str(), draft["billing_reason"].as_str()),
        (Some("draft"), Some("subscription_cycle"))
    );
    assert_eq!(
        (draft["period_start"].as_i64(), draft["period_end"].as_i64()),
        (Some(START), Some(MONTH_LATER))
    );
    assert_eq!(draft["lines"]["data"][0]["period"]["start"], MONTH_LATER);
    let advanced = events(&s.model, before);
    assert_eq!(
        advanced,
        [
            (
                "test_helpers.test_clock.advancing".into(),
                1_700_000_000,
                "advancing".into()
            ),
            (
                "customer.subscription.updated".into(),
                MONTH_LATER,
                "active".into()
            ),
            ("invoice.created".into(), MONTH_LATER, "draft".into()),
            (
                "test_helpers.test_clock.ready".into(),
                1_700_000_000,
                "ready".into()
            ),
        ]
    );
    // Events of the clock's own doing name no request, as Stripe's.
    let renewal = &s.model.events()[before + 1];
    assert_eq!(renewal["request"]["id"], Value::Null);
    let before = s.model.events().len();
    s.advance(MONTH_LATER + 3600);
    let paid = s.subscription();
    assert_eq!(
        (
            paid["latest_invoice"]["status"].as_str(),
            paid["latest_invoice"]["amount_paid"].as_i64()
        ),
        (Some("paid"), Some(2000))
    );
    assert!(
        paid["latest_invoice"]["number"]
            .as_str()
            .is_some_and(|n| n.ends_with("-0002"))
    );
    assert_eq!(
        kinds(&s.model, before),
        [
            "test_helpers.test_clock.advancing",
            "payment_intent.created",
            "invoice.finalized",
            "charge.succeeded",
            "payment_intent.succeeded",
            "invoice.paid",
            "invoice.payment_succeeded",
            "test_helpers.test_clock.ready",
        ]
    );
    assert!(
        events(&s.model, before)[1..7]
            .iter()
            .all(|(_, at, _)| *at == MONTH_LATER + 3600)
    );
}

#[test]
fn a_trial_ends_with_its_notice_three_days_before_and_a_paid_first_period() {
    let mut s = setup(42, START, "pm_card_visa", "&trial_period_days=7");
    let trial_end = START + 7 * DAY;
    let before = s.model.events().len();
    s.advance(trial_end + 3600);
    let timeline: Vec<(String, i64)> = events(&s.model, before)
        .into_iter()
        .map(|(k, at, _)| (k, at))
        .collect();
    assert_eq!(
        timeline[1],
        (
            "customer.subscription.trial_will_end".into(),
            trial_end - 3 * DAY
        )
    );
    assert_eq!(
        timeline[2],
        ("customer.subscription.updated".into(), trial_end)
    );
    assert_eq!(timeline[3], ("invoice.created".into(), trial_end));
    assert_eq!(
        timeline[timeline.len() - 3],
        ("invoice.paid".into(), trial_end + 3600)
    );
    let sub = s.subscription();
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["current_period_start"], trial_end);
    assert_eq!(sub["latest_invoice"]["amount_paid"], 2000);
}

#[test]
fn periods_anchored_on_the_31st_end_on_the_last_day_of_shorter_months() {
    let jan31 = 1_706_659_200; // 2024-01-31 00:00 UTC
    let feb29 = 1_709_164_800;
    let mar31 = 1_711_843_200;
    let mut s = setup(46, jan31, "pm_card_visa", "");
    assert_eq!(s.subscription()["current_period_end"], feb29);
    s.advance(feb29 + 3600);
    assert_eq!(s.subscription()["current_period_end"], mar31);
    s.advance(mar31 + 3600);
    let sub = s.subscription();
    assert_eq!(
        (
            sub["current_period_start"].as_i64(),
            sub["current_period_end"].as_i64()
        ),
        (Some(mar31), Some(1_714_435_200))
    );
    assert_eq!(sub["latest_invoice"]["status"], "paid");
}

#[test]
fn a_clock_moves_at_most_two_intervals_of_its_shortest_subscription_at_once() {
    let mut s = setup(47, START, "pm_card_visa", "");
    let path = format!("/v1/test_helpers/test_clocks/{}/advance", s.clock);
    let too_far = s.model.handle(
        &post(&path, &format!("frozen_time={}", TWO_MONTHS_LATER + 1)),
        t0(),
    );
    let err = &json(&too_far)["error"];
    assert_eq!(
        (too_far.status().as_u16(), err["param"].as_str()),
        (400, Some("frozen_time"))
    );
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("two intervals")),
        "{err}"
    );
    assert_eq!(
        ok(
            &mut s.model,
            &get(&format!("/v1/test_helpers/test_clocks/{}", s.clock))
        )["status"],
        "ready"
    );
    s.advance(TWO_MONTHS_LATER);
    // Without subscriptions, two years (2024 is a leap year: 731 days).
    let mut model = Model::new(48);
    let clock = clock_at(&mut model, START);
    let path = format!("/v1/test_helpers/test_clocks/{clock}/advance");
    assert_eq!(
        model
            .handle(
                &post(&path, &format!("frozen_time={}", START + 732 * DAY)),
                t0()
            )
            .status(),
        400
    );
    ok(
        &mut model,
        &post(&path, &format!("frozen_time={}", START + 731 * DAY)),
    );
}
