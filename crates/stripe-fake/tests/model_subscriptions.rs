//! Subscriptions through the pure model: the first invoice paid through a payment intent, a
//! trial's free invoice, a declined first payment, and Stripe's refusals, each with the events
//! Stripe records.

mod common;

use common::billing::{DAY, MONTH_LATER, START, fails, id, kinds, monthly};
use common::{get, ok, post};
use serde_json::Value;
use stripe_fake::Model;

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
