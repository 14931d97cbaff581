//! Subscriptions through the pure model: the first invoice paid through a payment intent, a
//! trial's free invoice, a declined first payment, prorations of a change (pending, previewed,
//! invoiced at once), cancellation now and at the period's end, lists, and Stripe's refusals,
//! each with the events Stripe records.

mod common;

use common::{delete, get, json, ok, post, t0};
use serde_json::Value;
use stripe_fake::Model;

const START: i64 = 1_700_000_000; // 2023-11-14 22:13:20 UTC
const DAY: i64 = 86_400;
/// 2023-12-14 22:13:20: a month after START (30 days).
const MONTH_LATER: i64 = START + 30 * DAY;

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

fn kinds(model: &Model, from: usize) -> Vec<String> {
    model.events()[from..]
        .iter()
        .filter_map(|e| e["type"].as_str().map(str::to_owned))
        .collect()
}

fn fails(model: &mut Model, req: &http::Request<bytes::Bytes>) -> (u16, Value) {
    let resp = model.handle(req, t0());
    (resp.status().as_u16(), json(&resp)["error"].clone())
}

/// A product named Gold and a monthly price of `cents` for it.
fn monthly(model: &mut Model, cents: u64) -> String {
    let product = id(&ok(model, &post("/v1/products", "name=Gold")));
    id(&ok(
        model,
        &post(
            "/v1/prices",
            &format!(
                "product={product}&currency=usd&unit_amount={cents}&recurring[interval]=month"
            ),
        ),
    ))
}

fn advance(model: &mut Model, clock: &str, to: i64) {
    ok(
        model,
        &post(
            &format!("/v1/test_helpers/test_clocks/{clock}/advance"),
            &format!("frozen_time={to}"),
        ),
    );
}

#[test]
fn a_subscription_pays_its_first_invoice_through_a_payment_intent_with_stripes_events() {
    let mut model = Model::new(31);
    let price = monthly(&mut model, 990);
    let customer = id(&ok(&mut model, &post("/v1/customers", "source=tok_visa")));
    let before = model.events().len();
    let sub = ok(
        &mut model,
        &post(
            "/v1/subscriptions",
            &format!(
                "customer={customer}&items[0][price]={price}&expand[]=latest_invoice.payment_intent"
            ),
        ),
    );
    assert_eq!(sub["status"], "active");
    assert_eq!(
        (
            sub["current_period_start"].as_i64(),
            sub["current_period_end"].as_i64()
        ),
        (Some(START), Some(MONTH_LATER))
    );
    assert_eq!(sub["items"]["data"][0]["price"]["id"], price.as_str());
    assert_eq!(sub["items"]["data"][0]["quantity"], 1);
    let invoice = &sub["latest_invoice"];
    assert_eq!(
        (
            invoice["status"].as_str(),
            invoice["amount_paid"].as_i64(),
            invoice["billing_reason"].as_str()
        ),
        (Some("paid"), Some(990), Some("subscription_create"))
    );
    assert!(
        invoice["number"]
            .as_str()
            .is_some_and(|n| n.ends_with("-0001")),
        "{}",
        invoice["number"]
    );
    let line = &invoice["lines"]["data"][0];
    assert_eq!(line["description"], "1 × Gold (at $9.90 / month)");
    assert_eq!(
        (
            line["period"]["start"].as_i64(),
            line["period"]["end"].as_i64()
        ),
        (Some(START), Some(MONTH_LATER))
    );
    let intent = &invoice["payment_intent"];
    assert_eq!(
        (intent["status"].as_str(), intent["amount"].as_i64()),
        (Some("succeeded"), Some(990))
    );
    assert_eq!(intent["invoice"], invoice["id"]);
    let charge = ok(
        &mut model,
        &get(&format!(
            "/v1/charges/{}",
            intent["latest_charge"].as_str().expect("a charge")
        )),
    );
    assert_eq!(charge["invoice"], invoice["id"]);
    assert_eq!(
        kinds(&model, before),
        [
            "customer.subscription.created",
            "invoice.created",
            "payment_intent.created",
            "invoice.finalized",
            "charge.succeeded",
            "payment_intent.succeeded",
            "invoice.paid",
            "invoice.payment_succeeded",
            "customer.subscription.updated",
        ]
    );
    let created = &model.events()[before]["data"]["object"];
    assert_eq!(
        created["status"], "incomplete",
        "created before its first payment"
    );
}

#[test]
fn a_trial_makes_a_free_paid_invoice_and_no_payment() {
    let mut model = Model::new(32);
    let price = monthly(&mut model, 1500);
    let customer = id(&ok(
        &mut model,
        &post("/v1/customers", "email=t@example.com"),
    ));
    let before = model.events().len();
    let sub = ok(
        &mut model,
        &post(
            "/v1/subscriptions",
            &format!(
                "customer={customer}&items[0][price]={price}&trial_period_days=14&expand[]=latest_invoice"
            ),
        ),
    );
    let trial_end = START + 14 * DAY;
    assert_eq!(sub["status"], "trialing");
    assert_eq!(
        (
            sub["trial_start"].as_i64(),
            sub["trial_end"].as_i64(),
            sub["current_period_end"].as_i64()
        ),
        (Some(START), Some(trial_end), Some(trial_end))
    );
    let invoice = &sub["latest_invoice"];
    assert_eq!(
        (invoice["status"].as_str(), invoice["amount_due"].as_i64()),
        (Some("paid"), Some(0))
    );
    assert_eq!(invoice["payment_intent"], Value::Null);
    assert_eq!(
        invoice["lines"]["data"][0]["description"],
        "Trial period for Gold"
    );
    assert_eq!(
        kinds(&model, before),
        [
            "customer.subscription.created",
            "invoice.created",
            "invoice.finalized",
            "invoice.paid",
            "invoice.payment_succeeded"
        ]
    );
}

#[test]
fn a_declined_first_payment_leaves_the_subscription_incomplete_until_its_invoice_is_paid() {
    let mut model = Model::new(33);
    let price = monthly(&mut model, 700);
    let customer = id(&ok(
        &mut model,
        &post("/v1/customers", "source=tok_chargeDeclined"),
    ));
    let before = model.events().len();
    let sub = ok(
        &mut model,
        &post(
            "/v1/subscriptions",
            &format!("customer={customer}&items[0][price]={price}"),
        ),
    );
    assert_eq!(sub["status"], "incomplete");
    let invoice_id = sub["latest_invoice"]
        .as_str()
        .expect("an invoice")
        .to_owned();
    let invoice = ok(
        &mut model,
        &get(&format!(
            "/v1/invoices/{invoice_id}?expand[]=payment_intent"
        )),
    );
    assert_eq!(
        (
            invoice["status"].as_str(),
            invoice["attempt_count"].as_i64(),
            invoice["next_payment_attempt"].as_i64()
        ),
        (Some("open"), Some(1), None)
    );
    assert_eq!(
        invoice["payment_intent"]["status"],
        "requires_payment_method"
    );
    assert_eq!(
        invoice["payment_intent"]["last_payment_error"]["decline_code"],
        "generic_decline"
    );
    let recorded = kinds(&model, before);
    assert!(
        recorded.ends_with(&[
            "charge.failed".into(),
            "payment_intent.payment_failed".into(),
            "invoice.payment_failed".into()
        ]),
        "{recorded:?}"
    );
    let (status, err) = fails(
        &mut model,
        &post(&format!("/v1/invoices/{invoice_id}/pay"), ""),
    );
    assert_eq!(
        (status, err["type"].as_str(), err["decline_code"].as_str()),
        (402, Some("card_error"), Some("generic_decline"))
    );
    let before = model.events().len();
    let paid = ok(
        &mut model,
        &post(
            &format!("/v1/invoices/{invoice_id}/pay"),
            "payment_method=pm_card_visa",
        ),
    );
    assert_eq!(
        (paid["status"].as_str(), paid["attempt_count"].as_i64()),
        (Some("paid"), Some(3))
    );
    assert_eq!(
        ok(&mut model, &get(&format!("/v1/subscriptions/{}", id(&sub))))["status"],
        "active"
    );
    assert_eq!(
        kinds(&model, before).last().map(String::as_str),
        Some("customer.subscription.updated")
    );
}

#[test]
fn a_change_mid_period_prorates_to_the_second_and_bills_with_the_next_invoice() {
    let mut model = Model::new(34);
    let basic = monthly(&mut model, 1000);
    let product = ok(&mut model, &get(&format!("/v1/prices/{basic}")))["product"].clone();
    let premium = id(&ok(
        &mut model,
        &post(
            "/v1/prices",
            &format!(
                "product={}&currency=usd&unit_amount=3000&recurring[interval]=month",
                product.as_str().expect("product")
            ),
        ),
    ));
    let clock = id(&ok(
        &mut model,
        &post(
            "/v1/test_helpers/test_clocks",
            &format!("frozen_time={START}"),
        ),
    ));
    let customer = id(&ok(
        &mut model,
        &post(
            "/v1/customers",
            &format!("test_clock={clock}&source=tok_visa"),
        ),
    ));
    let sub = ok(
        &mut model,
        &post(
            "/v1/subscriptions",
            &format!("customer={customer}&items[0][price]={basic}"),
        ),
    );
    let (sub_id, item) = (
        id(&sub),
        sub["items"]["data"][0]["id"]
            .as_str()
            .expect("item")
            .to_owned(),
    );
    advance(&mut model, &clock, START + 10 * DAY);
    // The preview of the change: two thirds of the period remain.
    let preview = ok(
        &mut model,
        &get(&format!(
            "/v1/invoices/upcoming?customer={customer}&subscription_items[0][id]={item}&subscription_items[0][price]={premium}"
        )),
    );
    let amounts: Vec<i64> = preview["lines"]["data"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["amount"].as_i64())
        .collect();
    assert_eq!(amounts, [-667, 2000, 3000]);
    let before = model.events().len();
    let changed = ok(
        &mut model,
        &post(
            &format!("/v1/subscriptions/{sub_id}"),
            &format!("items[0][id]={item}&items[0][price]={premium}"),
        ),
    );
    assert_eq!(changed["items"]["data"][0]["price"]["id"], premium.as_str());
    assert_eq!(
        changed["items"]["data"][0]["id"],
        item.as_str(),
        "the same item, repriced"
    );
    assert_eq!(
        kinds(&model, before),
        [
            "invoiceitem.created",
            "invoiceitem.created",
            "customer.subscription.updated"
        ]
    );
    let pending = ok(
        &mut model,
        &get(&format!(
            "/v1/invoiceitems?customer={customer}&pending=true"
        )),
    );
    let items: Vec<(i64, &str)> = pending["data"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["amount"].as_i64().unwrap_or_default(),
                i["description"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            (2000, "Remaining time on Gold after 24 Nov 2023"),
            (-667, "Unused time on Gold after 24 Nov 2023"),
        ]
    );
    assert!(
        pending["data"]
            .as_array()
            .expect("items")
            .iter()
            .all(|i| i["proration"] == true && i["subscription"] == sub_id.as_str())
    );
    let upcoming = ok(
        &mut model,
        &get(&format!("/v1/invoices/upcoming?customer={customer}")),
    );
    assert_eq!(upcoming["amount_due"], 2000 - 667 + 3000);
    assert_eq!(upcoming.get("id"), None, "a preview has no id");
    // The renewal's invoice takes them, an hour after the period ends.
    advance(&mut model, &clock, MONTH_LATER + 3600);
    let renewed = ok(
        &mut model,
        &get(&format!(
            "/v1/subscriptions/{sub_id}?expand[]=latest_invoice"
        )),
    );
    let invoice = &renewed["latest_invoice"];
    assert_eq!(
        (invoice["status"].as_str(), invoice["amount_paid"].as_i64()),
        (Some("paid"), Some(4333))
    );
    assert_eq!(invoice["billing_reason"], "subscription_cycle");
    assert_eq!(
        ok(
            &mut model,
            &get(&format!(
                "/v1/invoiceitems?customer={customer}&pending=true"
            ))
        )["data"],
        serde_json::json!([])
    );
}

#[test]
fn always_invoice_bills_a_change_at_once() {
    let mut model = Model::new(35);
    let basic = monthly(&mut model, 1000);
    let clock = id(&ok(
        &mut model,
        &post(
            "/v1/test_helpers/test_clocks",
            &format!("frozen_time={START}"),
        ),
    ));
    let customer = id(&ok(
        &mut model,
        &post(
            "/v1/customers",
            &format!("test_clock={clock}&source=tok_visa"),
        ),
    ));
    let sub = ok(
        &mut model,
        &post(
            "/v1/subscriptions",
            &format!("customer={customer}&items[0][price]={basic}"),
        ),
    );
    let item = sub["items"]["data"][0]["id"]
        .as_str()
        .expect("item")
        .to_owned();
    advance(&mut model, &clock, START + 20 * DAY);
    let changed = ok(
        &mut model,
        &post(
            &format!("/v1/subscriptions/{}", id(&sub)),
            &format!(
                "items[0][id]={item}&items[0][quantity]=4&proration_behavior=always_invoice&expand[]=latest_invoice"
            ),
        ),
    );
    let invoice = &changed["latest_invoice"];
    // A third of the period remains: -1000/3 for one seat, +4000/3 for four.
    assert_eq!(
        (
            invoice["billing_reason"].as_str(),
            invoice["status"].as_str()
        ),
        (Some("subscription_update"), Some("paid"))
    );
    assert_eq!(invoice["amount_paid"], 1333 - 333);
    assert_eq!(
        invoice["lines"]["data"][0]["description"],
        "Remaining time on 4 × Gold after 04 Dec 2023"
    );
}

#[test]
fn cancel_now_with_prorate_credits_the_customer_and_cancel_at_period_end_waits() {
    let mut model = Model::new(36);
    let price = monthly(&mut model, 3000);
    let clock = id(&ok(
        &mut model,
        &post(
            "/v1/test_helpers/test_clocks",
            &format!("frozen_time={START}"),
        ),
    ));
    let customer = id(&ok(
        &mut model,
        &post(
            "/v1/customers",
            &format!("test_clock={clock}&source=tok_visa"),
        ),
    ));
    let now = id(&ok(
        &mut model,
        &post(
            "/v1/subscriptions",
            &format!("customer={customer}&items[0][price]={price}"),
        ),
    ));
    let later = id(&ok(
        &mut model,
        &post(
            "/v1/subscriptions",
            &format!("customer={customer}&items[0][price]={price}"),
        ),
    ));
    advance(&mut model, &clock, START + 20 * DAY);
    let before = model.events().len();
    let canceled = ok(
        &mut model,
        &delete(&format!(
            "/v1/subscriptions/{now}?prorate=true&invoice_now=true"
        )),
    );
    assert_eq!(
        (canceled["status"].as_str(), canceled["ended_at"].as_i64()),
        (Some("canceled"), Some(START + 20 * DAY))
    );
    assert_eq!(
        canceled["cancellation_details"]["reason"],
        "cancellation_requested"
    );
    let recorded = kinds(&model, before);
    assert_eq!(
        recorded[..2],
        ["invoiceitem.created", "customer.subscription.deleted"]
    );
    // The credit for the unused third: an invoice of -1000, paid at once, the rest on balance.
    let credit = ok(&mut model, &get(&format!("/v1/customers/{customer}")));
    assert_eq!(credit["balance"], -1000);
    let marked = ok(
        &mut model,
        &post(
            &format!("/v1/subscriptions/{later}"),
            "cancel_at_period_end=true",
        ),
    );
    assert_eq!(
        (marked["cancel_at"].as_i64(), marked["canceled_at"].as_i64()),
        (Some(MONTH_LATER), Some(START + 20 * DAY))
    );
    assert_eq!(
        model
            .handle(
                &get(&format!(
                    "/v1/invoices/upcoming?customer={customer}&subscription={later}"
                )),
                t0()
            )
            .status(),
        404
    );
    let before = model.events().len();
    advance(&mut model, &clock, MONTH_LATER + 7200);
    let ended = ok(&mut model, &get(&format!("/v1/subscriptions/{later}")));
    assert_eq!(
        (ended["status"].as_str(), ended["ended_at"].as_i64()),
        (Some("canceled"), Some(MONTH_LATER))
    );
    assert!(
        kinds(&model, before)
            .iter()
            .all(|k| !k.starts_with("invoice.")),
        "no renewal"
    );
    // Lists leave ended subscriptions out unless asked.
    let live = ok(
        &mut model,
        &get(&format!("/v1/subscriptions?customer={customer}")),
    );
    assert_eq!(live["data"], serde_json::json!([]));
    let all = ok(
        &mut model,
        &get(&format!("/v1/subscriptions?customer={customer}&status=all")),
    );
    assert_eq!(all["data"].as_array().map(Vec::len), Some(2));
    let (status, _) = fails(
        &mut model,
        &post(
            &format!("/v1/subscriptions/{later}"),
            &format!("items[0][price]={price}"),
        ),
    );
    assert_eq!(status, 400, "a canceled subscription's items cannot change");
}

#[test]
fn stripes_refusals_are_typed_400s() {
    let mut model = Model::new(37);
    let price = monthly(&mut model, 500);
    let product = ok(&mut model, &get(&format!("/v1/prices/{price}")))["product"]
        .as_str()
        .expect("p")
        .to_owned();
    let one_time = id(&ok(
        &mut model,
        &post(
            "/v1/prices",
            &format!("product={product}&currency=usd&unit_amount=100"),
        ),
    ));
    let euro = id(&ok(
        &mut model,
        &post(
            "/v1/prices",
            &format!("product={product}&currency=eur&unit_amount=100&recurring[interval]=month"),
        ),
    ));
    let yearly = id(&ok(
        &mut model,
        &post(
            "/v1/prices",
            &format!("product={product}&currency=usd&unit_amount=100&recurring[interval]=year"),
        ),
    ));
    let customer = id(&ok(&mut model, &post("/v1/customers", "source=tok_visa")));
    let cases = [
        (
            format!("items[0][price]={price}"),
            "customer",
            "parameter_missing",
        ),
        (format!("customer={customer}"), "items", "parameter_missing"),
        (
            format!("customer=cus_nope&items[0][price]={price}"),
            "customer",
            "resource_missing",
        ),
        (
            format!("customer={customer}&items[0][price]={one_time}"),
            "items[0][price]",
            "parameter_invalid_string",
        ),
        (
            format!("customer={customer}&items[0][price]={price}&items[1][price]={euro}"),
            "items",
            "parameter_invalid_string",
        ),
        (
            format!("customer={customer}&items[0][price]={price}&items[1][price]={yearly}"),
            "items",
            "parameter_invalid_string",
        ),
        (
            format!("customer={customer}&items[0][price]={price}&items[0][colour]=red"),
            "items[0][colour]",
            "parameter_unknown",
        ),
        (
            format!("customer={customer}&items[0][price]={price}&coupon=HALF"),
            "coupon",
            "parameter_invalid_string",
        ),
        (
            format!(
                "customer={customer}&items[0][price]={price}&payment_behavior=error_if_incomplete"
            ),
            "payment_behavior",
            "parameter_invalid_string",
        ),
        (
            format!("customer={customer}&items[0][price]={price}&trial_end=1"),
            "trial_end",
            "parameter_invalid_integer",
        ),
    ];
    let events = model.events().len();
    for (body, param, code) in cases {
        let (status, err) = fails(&mut model, &post("/v1/subscriptions", &body));
        assert_eq!(
            (status, err["param"].as_str(), err["code"].as_str()),
            (400, Some(param), Some(code)),
            "{body}: {err}"
        );
    }
    assert_eq!(model.events().len(), events, "nothing was recorded");
    assert_eq!(
        ok(&mut model, &get("/v1/subscriptions?status=all"))["data"],
        serde_json::json!([])
    );
}
