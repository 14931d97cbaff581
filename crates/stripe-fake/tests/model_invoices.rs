//! One-off invoices and invoice items through the pure model: pending items taken by a new
//! invoice, items put on a draft, finalization (numbers, the payment intent), payment and its
//! decline, and credits carried on the customer's balance.

mod common;

use common::billing::{amounts, customer_and_fee, draft_with_item, fails, id, kinds};
use common::{get, ok, post};
use serde_json::Value;
use stripe_fake::Model;

#[test]
fn pending_items_make_an_invoice_that_is_finalized_numbered_and_paid() {
    let mut model = Model::new(51);
    let (customer, fee) = customer_and_fee(&mut model, "tok_visa");
    let before = model.events().len();
    let by_price = ok(
        &mut model,
        &post(
            "/v1/invoiceitems",
            &format!("customer={customer}&price={fee}&quantity=3"),
        ),
    );
    assert_eq!(
        (
            by_price["amount"].as_i64(),
            by_price["unit_amount"].as_i64()
        ),
        (Some(1500), Some(500))
    );
    let credit = ok(
        &mut model,
        &post(
            "/v1/invoiceitems",
            &format!("customer={customer}&amount=-200&currency=usd&description=Goodwill"),
        ),
    );
    assert_eq!(
        (credit["amount"].as_i64(), credit["invoice"].clone()),
        (Some(-200), Value::Null)
    );
    let empty = ok(
        &mut model,
        &post("/v1/invoices", &format!("customer={customer}")),
    );
    assert_eq!(
        amounts(&empty),
        Vec::<i64>::new(),
        "pending items stay out by default"
    );
    let draft = ok(
        &mut model,
        &post(
            "/v1/invoices",
            &format!("customer={customer}&pending_invoice_items_behavior=include"),
        ),
    );
    assert_eq!(amounts(&draft), [-200, 1500], "newest first");
    let on_draft = ok(
        &mut model,
        &post(
            "/v1/invoiceitems",
            &format!(
                "customer={customer}&invoice={}&unit_amount=250&quantity=2&currency=usd",
                id(&draft)
            ),
        ),
    );
    assert_eq!(on_draft["invoice"], draft["id"]);
    let draft_id = id(&draft);
    let draft = ok(&mut model, &get(&format!("/v1/invoices/{draft_id}")));
    assert_eq!(
        (amounts(&draft), draft["amount_due"].as_i64()),
        (vec![-200, 1500, 500], Some(1800))
    );
    let lines = ok(
        &mut model,
        &get(&format!("/v1/invoices/{draft_id}/lines?limit=2")),
    );
    assert_eq!(
        (
            lines["data"].as_array().map(Vec::len),
            lines["has_more"].as_bool()
        ),
        (Some(2), Some(true))
    );
    let open = ok(
        &mut model,
        &post(
            &format!("/v1/invoices/{draft_id}/finalize"),
            "expand[]=payment_intent",
        ),
    );
    assert_eq!(open["status"], "open");
    assert!(
        open["number"]
            .as_str()
            .is_some_and(|n| n.ends_with("-0001")),
        "{}",
        open["number"]
    );
    assert_eq!(
        (
            open["payment_intent"]["amount"].as_i64(),
            open["payment_intent"]["invoice"].as_str()
        ),
        (Some(1800), Some(draft_id.as_str()))
    );
    let paid = ok(
        &mut model,
        &post(&format!("/v1/invoices/{draft_id}/pay"), ""),
    );
    assert_eq!(
        (
            paid["status"].as_str(),
            paid["amount_paid"].as_i64(),
            paid["paid"].as_bool()
        ),
        (Some("paid"), Some(1800), Some(true))
    );
    let charge = ok(
        &mut model,
        &get(&format!(
            "/v1/charges/{}",
            paid["charge"].as_str().expect("a charge")
        )),
    );
    assert_eq!(
        (charge["amount"].as_i64(), charge["invoice"].as_str()),
        (Some(1800), Some(draft_id.as_str()))
    );
    assert_eq!(
        kinds(&model, before),
        [
            "invoiceitem.created",
            "invoiceitem.created",
            "invoice.created",
            "invoice.created",
            "invoiceitem.created",
            "payment_intent.created",
            "invoice.finalized",
            "charge.succeeded",
            "payment_intent.succeeded",
            "invoice.paid",
            "invoice.payment_succeeded",
        ]
    );
    // The next invoice of the customer takes the next number.
    let next = draft_with_item(&mut model, &customer, 100);
    let next = ok(
        &mut model,
        &post(&format!("/v1/invoices/{next}/finalize"), ""),
    );
    assert!(
        next["number"]
            .as_str()
            .is_some_and(|n| n.ends_with("-0002"))
    );
}

#[test]
fn a_declined_payment_is_a_402_and_leaves_the_invoice_open() {
    let mut model = Model::new(52);
    let (customer, _) = customer_and_fee(&mut model, "tok_chargeDeclinedInsufficientFunds");
    let invoice = draft_with_item(&mut model, &customer, 1200);
    let before = model.events().len();
    let (status, err) = fails(
        &mut model,
        &post(&format!("/v1/invoices/{invoice}/pay"), ""),
    );
    assert_eq!(
        (status, err["decline_code"].as_str()),
        (402, Some("insufficient_funds"))
    );
    let open = ok(&mut model, &get(&format!("/v1/invoices/{invoice}")));
    assert_eq!(
        (
            open["status"].as_str(),
            open["attempt_count"].as_i64(),
            open["attempted"].as_bool()
        ),
        (Some("open"), Some(1), Some(true))
    );
    assert!(kinds(&model, before).ends_with(&[
        "payment_intent.payment_failed".into(),
        "invoice.payment_failed".into()
    ]));
    let paid = ok(
        &mut model,
        &post(
            &format!("/v1/invoices/{invoice}/pay"),
            "paid_out_of_band=true",
        ),
    );
    assert_eq!(
        (paid["status"].as_str(), paid["paid_out_of_band"].as_bool()),
        (Some("paid"), Some(true))
    );
    let (status, err) = fails(
        &mut model,
        &post(&format!("/v1/invoices/{invoice}/pay"), ""),
    );
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("invoice_already_paid"))
    );
}

#[test]
fn a_credit_larger_than_the_invoice_goes_to_the_customers_balance_and_pays_the_next_one() {
    let mut model = Model::new(55);
    let (customer, _) = customer_and_fee(&mut model, "tok_visa");
    let credit = draft_with_item(&mut model, &customer, -700);
    let settled = ok(
        &mut model,
        &post(&format!("/v1/invoices/{credit}/finalize"), ""),
    );
    assert_eq!(
        (
            settled["status"].as_str(),
            settled["amount_due"].as_i64(),
            settled["ending_balance"].as_i64()
        ),
        (Some("paid"), Some(0), Some(-700))
    );
    assert_eq!(
        ok(&mut model, &get(&format!("/v1/customers/{customer}")))["balance"],
        -700
    );
    let next = draft_with_item(&mut model, &customer, 1000);
    let next = ok(
        &mut model,
        &post(
            &format!("/v1/invoices/{next}/finalize"),
            "expand[]=payment_intent",
        ),
    );
    assert_eq!(
        (
            next["starting_balance"].as_i64(),
            next["amount_due"].as_i64()
        ),
        (Some(-700), Some(300))
    );
    assert_eq!(next["payment_intent"]["amount"], 300);
    assert_eq!(
        ok(&mut model, &get(&format!("/v1/customers/{customer}")))["balance"],
        0
    );
}
