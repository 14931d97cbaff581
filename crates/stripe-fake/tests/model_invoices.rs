//! One-off invoices and invoice items through the pure model: pending items taken by a new
//! invoice, items put on a draft, finalization (numbers, the payment intent), payment and its
//! decline, `send_invoice`, void, uncollectible, deletion of a draft, credits carried on the
//! customer's balance, and what may change once an invoice is final.

mod common;

use common::{delete, get, json, ok, post, t0};
use serde_json::{Value, json};
use stripe_fake::Model;

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

fn fails(model: &mut Model, req: &http::Request<bytes::Bytes>) -> (u16, Value) {
    let resp = model.handle(req, t0());
    (resp.status().as_u16(), json(&resp)["error"].clone())
}

fn kinds(model: &Model, from: usize) -> Vec<String> {
    model.events()[from..]
        .iter()
        .filter_map(|e| e["type"].as_str().map(str::to_owned))
        .collect()
}

fn amounts(invoice: &Value) -> Vec<i64> {
    invoice["lines"]["data"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["amount"].as_i64())
        .collect()
}

/// A customer paying with `source`, and a one-time price of 500.
fn customer_and_fee(model: &mut Model, source: &str) -> (String, String) {
    let product = id(&ok(model, &post("/v1/products", "name=Setup")));
    let fee = id(&ok(
        model,
        &post(
            "/v1/prices",
            &format!("product={product}&currency=usd&unit_amount=500"),
        ),
    ));
    let customer = id(&ok(
        model,
        &post("/v1/customers", &format!("source={source}")),
    ));
    (customer, fee)
}

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
    let next = id(&ok(
        &mut model,
        &post("/v1/invoices", &format!("customer={customer}")),
    ));
    ok(
        &mut model,
        &post(
            "/v1/invoiceitems",
            &format!("customer={customer}&invoice={next}&amount=100&currency=usd"),
        ),
    );
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
    let invoice = id(&ok(
        &mut model,
        &post("/v1/invoices", &format!("customer={customer}")),
    ));
    ok(
        &mut model,
        &post(
            "/v1/invoiceitems",
            &format!("customer={customer}&invoice={invoice}&amount=1200&currency=usd"),
        ),
    );
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
fn send_invoice_void_and_uncollectible_end_invoices_as_stripe_does() {
    let mut model = Model::new(53);
    let (customer, _) = customer_and_fee(&mut model, "tok_visa");
    let sent = id(&ok(
        &mut model,
        &post(
            "/v1/invoices",
            &format!("customer={customer}&collection_method=send_invoice&days_until_due=14"),
        ),
    ));
    ok(
        &mut model,
        &post(
            "/v1/invoiceitems",
            &format!("customer={customer}&invoice={sent}&amount=800&currency=usd"),
        ),
    );
    let open = ok(
        &mut model,
        &post(&format!("/v1/invoices/{sent}/finalize"), ""),
    );
    assert_eq!(
        (open["status"].as_str(), open["payment_intent"].clone()),
        (Some("open"), Value::Null),
        "no automatic charge"
    );
    assert_eq!(open["due_date"], 1_700_000_000 + 14 * 86_400);
    let before = model.events().len();
    let void = ok(&mut model, &post(&format!("/v1/invoices/{sent}/void"), ""));
    assert_eq!(
        (
            void["status"].as_str(),
            void["status_transitions"]["voided_at"].as_i64()
        ),
        (Some("void"), Some(1_700_000_000))
    );
    assert_eq!(kinds(&model, before), ["invoice.voided"]);
    assert_eq!(
        fails(&mut model, &post(&format!("/v1/invoices/{sent}/pay"), "")).0,
        400
    );
    let auto = id(&ok(
        &mut model,
        &post("/v1/invoices", &format!("customer={customer}")),
    ));
    ok(
        &mut model,
        &post(
            "/v1/invoiceitems",
            &format!("customer={customer}&invoice={auto}&amount=300&currency=usd"),
        ),
    );
    let open = ok(
        &mut model,
        &post(&format!("/v1/invoices/{auto}/finalize"), ""),
    );
    let bad = ok(
        &mut model,
        &post(&format!("/v1/invoices/{auto}/mark_uncollectible"), ""),
    );
    assert_eq!(bad["status"], "uncollectible");
    let voided = ok(&mut model, &post(&format!("/v1/invoices/{auto}/void"), ""));
    assert_eq!(voided["status"], "void");
    let intent = ok(
        &mut model,
        &get(&format!(
            "/v1/payment_intents/{}",
            open["payment_intent"].as_str().expect("pi")
        )),
    );
    assert_eq!(
        (
            intent["status"].as_str(),
            intent["cancellation_reason"].as_str()
        ),
        (Some("canceled"), Some("void_invoice"))
    );
}

#[test]
fn a_draft_can_be_deleted_and_its_items_are_pending_again_but_a_final_invoice_keeps_its_items() {
    let mut model = Model::new(54);
    let (customer, fee) = customer_and_fee(&mut model, "tok_visa");
    let item = id(&ok(
        &mut model,
        &post(
            "/v1/invoiceitems",
            &format!("customer={customer}&price={fee}"),
        ),
    ));
    let draft = id(&ok(
        &mut model,
        &post(
            "/v1/invoices",
            &format!("customer={customer}&pending_invoice_items_behavior=include"),
        ),
    ));
    let updated = ok(
        &mut model,
        &post(
            &format!("/v1/invoiceitems/{item}"),
            "quantity=2&metadata[kind]=setup",
        ),
    );
    assert_eq!(
        (
            updated["amount"].as_i64(),
            updated["metadata"]["kind"].as_str()
        ),
        (Some(1000), Some("setup"))
    );
    assert_eq!(
        ok(&mut model, &get(&format!("/v1/invoices/{draft}")))["amount_due"],
        1000,
        "the draft follows its item"
    );
    let stub = ok(&mut model, &delete(&format!("/v1/invoices/{draft}")));
    assert_eq!(
        stub,
        json!({"id": draft, "object": "invoice", "deleted": true})
    );
    assert_eq!(
        fails(&mut model, &get(&format!("/v1/invoices/{draft}"))).0,
        404
    );
    assert_eq!(
        ok(&mut model, &get(&format!("/v1/invoiceitems/{item}")))["invoice"],
        Value::Null
    );
    let invoice = id(&ok(
        &mut model,
        &post(
            "/v1/invoices",
            &format!("customer={customer}&pending_invoice_items_behavior=include_and_require"),
        ),
    ));
    ok(
        &mut model,
        &post(&format!("/v1/invoices/{invoice}/finalize"), ""),
    );
    let (status, err) = fails(
        &mut model,
        &post(&format!("/v1/invoiceitems/{item}"), "quantity=5"),
    );
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("invoice_not_editable"))
    );
    assert_eq!(
        fails(&mut model, &delete(&format!("/v1/invoiceitems/{item}"))).0,
        400
    );
    assert_eq!(
        fails(&mut model, &delete(&format!("/v1/invoices/{invoice}"))).0,
        400
    );
    let (status, err) = fails(
        &mut model,
        &post(
            &format!("/v1/invoices/{invoice}"),
            "collection_method=send_invoice",
        ),
    );
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("invoice_not_editable"))
    );
    let described = ok(
        &mut model,
        &post(
            &format!("/v1/invoices/{invoice}"),
            "description=Thanks&metadata[order]=9",
        ),
    );
    assert_eq!(
        (
            described["description"].as_str(),
            described["metadata"]["order"].as_str()
        ),
        (Some("Thanks"), Some("9"))
    );
    let (status, err) = fails(
        &mut model,
        &post(
            "/v1/invoices",
            &format!("customer={customer}&pending_invoice_items_behavior=include_and_require"),
        ),
    );
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("invoice_no_customer_line_items"))
    );
    let listed = ok(
        &mut model,
        &get(&format!(
            "/v1/invoiceitems?customer={customer}&pending=false"
        )),
    );
    assert_eq!(listed["data"][0]["id"], item.as_str());
}

#[test]
fn a_credit_larger_than_the_invoice_goes_to_the_customers_balance_and_pays_the_next_one() {
    let mut model = Model::new(55);
    let (customer, _) = customer_and_fee(&mut model, "tok_visa");
    let credit = id(&ok(
        &mut model,
        &post("/v1/invoices", &format!("customer={customer}")),
    ));
    ok(
        &mut model,
        &post(
            "/v1/invoiceitems",
            &format!("customer={customer}&invoice={credit}&amount=-700&currency=usd"),
        ),
    );
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
    let next = id(&ok(
        &mut model,
        &post("/v1/invoices", &format!("customer={customer}")),
    ));
    ok(
        &mut model,
        &post(
            "/v1/invoiceitems",
            &format!("customer={customer}&invoice={next}&amount=1000&currency=usd"),
        ),
    );
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

#[test]
fn invoice_item_refusals_name_the_parameter() {
    let mut model = Model::new(56);
    let (customer, fee) = customer_and_fee(&mut model, "tok_visa");
    let product = ok(&mut model, &get(&format!("/v1/prices/{fee}")))["product"]
        .as_str()
        .expect("p")
        .to_owned();
    let monthly = id(&ok(
        &mut model,
        &post(
            "/v1/prices",
            &format!("product={product}&currency=usd&unit_amount=9&recurring[interval]=month"),
        ),
    ));
    let other = id(&ok(&mut model, &post("/v1/customers", "")));
    let foreign = id(&ok(
        &mut model,
        &post("/v1/invoices", &format!("customer={other}")),
    ));
    let cases = [
        (format!("amount=100&currency=usd"), Some("customer")),
        (format!("customer={customer}&amount=100"), Some("currency")),
        (format!("customer={customer}"), Some("amount")),
        (
            format!("customer={customer}&price={monthly}"),
            Some("price"),
        ),
        (
            format!("customer={customer}&price={fee}&amount=5&currency=usd"),
            None,
        ),
        (
            format!("customer={customer}&amount=5&currency=usd&invoice={foreign}"),
            Some("invoice"),
        ),
        (
            format!("customer={customer}&amount=5&currency=usd&tax_rates[0]=txr_1"),
            Some("tax_rates"),
        ),
    ];
    for (body, param) in cases {
        let (status, err) = fails(&mut model, &post("/v1/invoiceitems", &body));
        assert_eq!(
            (status, err["param"].as_str()),
            (400, param),
            "{body}: {err}"
        );
    }
}
