//! What a test clock's advance does to subscriptions and invoices, through the pure model:
//! renewals (the draft, finalized and paid an hour later), the end of a trial with its notice
//! three days before, a failing renewal with its retries and the cancellation when they run
//! out, a retry that succeeds, an incomplete subscription's expiry, billing periods at the end
//! of months, and Stripe's limit on how far a clock moves at once.

mod common;

use common::{get, json, ok, post, t0};
use serde_json::Value;
use stripe_fake::Model;

const START: i64 = 1_700_000_000; // 2023-11-14 22:13:20 UTC
const DAY: i64 = 86_400;
const MONTH_LATER: i64 = START + 30 * DAY; // 2023-12-14
const TWO_MONTHS_LATER: i64 = START + 61 * DAY; // 2024-01-14

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

/// `(type, created, status of the object)` of the events recorded since `from`.
fn events(model: &Model, from: usize) -> Vec<(String, i64, String)> {
    model.events()[from..]
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default().to_owned(),
                e["created"].as_i64().unwrap_or_default(),
                e["data"]["object"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

fn kinds(model: &Model, from: usize) -> Vec<String> {
    events(model, from).into_iter().map(|(k, _, _)| k).collect()
}

/// A clock at `start`, a customer on it paying with `card` (`pm_card_...`) by default, and
/// a monthly subscription of 2000 (with `extra` parameters).
struct Setup {
    model: Model,
    clock: String,
    customer: String,
    sub: String,
}

fn setup(seed: u64, start: i64, card: &str, extra: &str) -> Setup {
    let mut model = Model::new(seed);
    let clock = id(&ok(
        &mut model,
        &post(
            "/v1/test_helpers/test_clocks",
            &format!("frozen_time={start}"),
        ),
    ));
    let product = id(&ok(&mut model, &post("/v1/products", "name=Pro")));
    let price = id(&ok(
        &mut model,
        &post(
            "/v1/prices",
            &format!("product={product}&currency=usd&unit_amount=2000&recurring[interval]=month"),
        ),
    ));
    let customer = id(&ok(
        &mut model,
        &post("/v1/customers", &format!("test_clock={clock}")),
    ));
    let pm = id(&ok(
        &mut model,
        &post(
            &format!("/v1/payment_methods/{card}/attach"),
            &format!("customer={customer}"),
        ),
    ));
    ok(
        &mut model,
        &post(
            &format!("/v1/customers/{customer}"),
            &format!("invoice_settings[default_payment_method]={pm}"),
        ),
    );
    let sub = id(&ok(
        &mut model,
        &post(
            "/v1/subscriptions",
            &format!("customer={customer}&items[0][price]={price}{extra}"),
        ),
    ));
    Setup {
        model,
        clock,
        customer,
        sub,
    }
}

impl Setup {
    fn advance(&mut self, to: i64) -> Value {
        ok(
            &mut self.model,
            &post(
                &format!("/v1/test_helpers/test_clocks/{}/advance", self.clock),
                &format!("frozen_time={to}"),
            ),
        )
    }

    fn subscription(&mut self) -> Value {
        ok(
            &mut self.model,
            &get(&format!(
                "/v1/subscriptions/{}?expand[]=latest_invoice",
                self.sub
            )),
        )
    }

    fn set_card(&mut self, card: &str) {
        let customer = self.customer.clone();
        let pm = id(&ok(
            &mut self.model,
            &post(
                &format!("/v1/payment_methods/{card}/attach"),
                &format!("customer={customer}"),
            ),
        ));
        ok(
            &mut self.model,
            &post(
                &format!("/v1/customers/{customer}"),
                &format!("invoice_settings[default_payment_method]={pm}"),
            ),
        );
    }
}

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
    let clock = id(&ok(
        &mut model,
        &post(
            "/v1/test_helpers/test_clocks",
            &format!("frozen_time={START}"),
        ),
    ));
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
