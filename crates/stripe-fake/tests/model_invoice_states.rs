//! How one-off invoices end through the pure model (`send_invoice`, void, uncollectible, a
//! draft deleted) and what may change once an invoice is final; invoice items' refusals.

mod common;

use common::billing::{customer_and_fee, draft_with_item, fails, id, kinds};
use common::{delete, get, ok, post};
use serde_json::{Value, json};
use stripe_fake::Model;

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
    let auto = draft_with_item(&mut model, &customer, 300);
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
    // Paying a draft finalizes it first; with nothing due, that pays it.
    let empty = id(&ok(
        &mut model,
        &post("/v1/invoices", &format!("customer={customer}")),
    ));
    let paid = ok(&mut model, &post(&format!("/v1/invoices/{empty}/pay"), ""));
    assert_eq!(
        (paid["status"].as_str(), paid["amount_paid"].as_i64()),
        (Some("paid"), Some(0))
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
        ("amount=100&currency=usd".to_owned(), Some("customer")),
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
