//! `Model::complete_checkout_session`: a customer paying on a Checkout Session's page makes
//! what Stripe makes (a customer when asked, a payment or setup intent, a charge), with the
//! events in Stripe's order and `checkout.session.completed` last; 3D Secure on the page, a
//! declined card and its retry.

mod common;

use common::checkout::{cart, complete, id, price, session, types_since};
use common::{get, ok, post, t0};
use stripe_fake::model::CheckoutPayer;
use stripe_fake::{Kind, Model};

#[test]
fn completing_a_payment_session_pays_it_and_records_stripes_events_in_order() {
    let mut model = Model::new(72);
    let tee = price(&mut model, "Tee", 1500);
    let cs = cart(
        &mut model,
        &tee,
        "&customer_creation=always&payment_intent_data[description]=Order+42&payment_intent_data[metadata][order]=42",
    );
    let before = model.count(Kind::Event);
    let payer = CheckoutPayer::new("pm_card_visa")
        .with_email("ada@example.com")
        .with_name("Ada");
    let done = complete(&mut model, &cs, &payer);
    assert_eq!(
        types_since(&model, before),
        [
            "customer.created",
            "payment_intent.created",
            "charge.succeeded",
            "payment_intent.succeeded",
            "checkout.session.completed",
        ]
    );
    assert_eq!(done["status"], "complete");
    assert_eq!(done["payment_status"], "paid");
    assert!(done["url"].is_null());
    assert_eq!(done["customer_details"]["email"], "ada@example.com");
    assert_eq!(done["customer_details"]["name"], "Ada");
    let customer = model
        .find(done["customer"].as_str().expect("a customer"))
        .expect("stored");
    assert_eq!(customer["email"], "ada@example.com");
    let pi = model
        .find(done["payment_intent"].as_str().expect("a payment intent"))
        .expect("stored")
        .clone();
    assert_eq!(pi["status"], "succeeded");
    assert_eq!(pi["amount"], 3300);
    assert_eq!(pi["customer"], done["customer"]);
    assert_eq!(pi["description"], "Order 42");
    assert_eq!(pi["metadata"]["order"], "42");
    assert_eq!(model.successful_charges(), 1);
    // The event carries the session as answered, and names no request (the customer paid).
    let event = model.events().pop().expect("an event");
    assert_eq!(event["data"]["object"], done);
    assert!(event["request"]["id"].is_null());
    // Once only.
    let again = model.complete_checkout_session(&id(&cs), &payer, t0());
    assert_eq!(again.map_err(|e| e.status()).err(), Some(400));
}

#[test]
fn without_customer_creation_no_customer_is_made_and_the_customer_on_file_is_used() {
    let mut model = Model::new(73);
    let tee = price(&mut model, "Tee", 1500);
    let guest = cart(&mut model, &tee, "&customer_email=guest%40example.com");
    let customers = model.count(Kind::Customer);
    let done = complete(&mut model, &guest, &CheckoutPayer::new("tok_visa"));
    assert_eq!(
        model.count(Kind::Customer),
        customers,
        "if_required makes none"
    );
    assert!(done["customer"].is_null());
    assert_eq!(done["customer_details"]["email"], "guest@example.com");
    let cus = id(&ok(
        &mut model,
        &post("/v1/customers", "email=kept@example.com&name=Kept"),
    ));
    let known = cart(
        &mut model,
        &tee,
        &format!("&customer={cus}&payment_intent_data[setup_future_usage]=off_session"),
    );
    assert!(known["customer_creation"].is_null());
    let before = model.count(Kind::Event);
    let done = complete(
        &mut model,
        &known,
        &CheckoutPayer::new("pm_card_mastercard"),
    );
    assert_eq!(done["customer"], cus.as_str());
    assert_eq!(done["customer_details"]["email"], "kept@example.com");
    // The card is saved for later, as `setup_future_usage` asks.
    assert!(types_since(&model, before).contains(&"payment_method.attached".to_owned()));
    let pms = ok(
        &mut model,
        &get(&format!("/v1/customers/{cus}/payment_methods")),
    );
    assert_eq!(pms["data"][0]["card"]["last4"], "4444");
}

#[test]
fn a_setup_session_saves_the_card_to_its_customer() {
    let mut model = Model::new(74);
    let cus = id(&ok(
        &mut model,
        &post("/v1/customers", "email=s@example.com"),
    ));
    let cs = session(
        &mut model,
        &format!(
            "mode=setup&payment_method_types[]=card&customer={cus}&setup_intent_data[metadata][why]=save"
        ),
    );
    assert_eq!(cs["payment_status"], "no_payment_required");
    assert!(cs["amount_total"].is_null() && cs["total_details"].is_null());
    let before = model.count(Kind::Event);
    let done = complete(&mut model, &cs, &CheckoutPayer::new("tok_amex"));
    assert_eq!(
        types_since(&model, before),
        [
            "setup_intent.created",
            "payment_method.attached",
            "setup_intent.succeeded",
            "checkout.session.completed",
        ]
    );
    let seti = model
        .find(done["setup_intent"].as_str().expect("a setup intent"))
        .expect("stored");
    assert_eq!(seti["status"], "succeeded");
    assert_eq!(seti["customer"], cus.as_str());
    assert_eq!(seti["metadata"]["why"], "save");
    let pm = model
        .find(seti["payment_method"].as_str().expect("a payment method"))
        .expect("stored");
    assert_eq!(pm["customer"], cus.as_str());
    assert_eq!(done["payment_status"], "no_payment_required");
}

#[test]
fn a_3d_secure_card_is_authenticated_on_the_page_and_manual_capture_leaves_it_unpaid() {
    let mut model = Model::new(75);
    let tee = price(&mut model, "Tee", 1500);
    let cs = cart(
        &mut model,
        &tee,
        "&payment_intent_data[capture_method]=manual",
    );
    let before = model.count(Kind::Event);
    let done = complete(
        &mut model,
        &cs,
        &CheckoutPayer::new("pm_card_threeDSecure2Required"),
    );
    assert_eq!(
        types_since(&model, before),
        [
            "payment_intent.created",
            "payment_intent.requires_action",
            "charge.succeeded",
            "payment_intent.amount_capturable_updated",
            "checkout.session.completed",
        ]
    );
    assert_eq!(done["status"], "complete");
    assert_eq!(done["payment_status"], "unpaid", "authorized, not captured");
    let pi = model
        .find(done["payment_intent"].as_str().expect("pi"))
        .expect("stored");
    assert_eq!(pi["status"], "requires_capture");
}

#[test]
fn a_declined_card_leaves_the_session_open_and_the_next_card_pays_the_same_intent() {
    let mut model = Model::new(76);
    let tee = price(&mut model, "Tee", 1500);
    let cs = cart(&mut model, &tee, "&customer_creation=always");
    let before = model.count(Kind::Event);
    let err = model
        .complete_checkout_session(
            &id(&cs),
            &CheckoutPayer::new("pm_card_chargeDeclined"),
            t0(),
        )
        .expect_err("declined");
    assert_eq!(err.status(), 402);
    assert_eq!(err.error_code(), Some("card_declined"));
    assert_eq!(
        types_since(&model, before),
        [
            "customer.created",
            "payment_intent.created",
            "charge.failed",
            "payment_intent.payment_failed",
        ]
    );
    let open = ok(
        &mut model,
        &get(&format!("/v1/checkout/sessions/{}", id(&cs))),
    );
    assert_eq!(open["status"], "open");
    let pi = open["payment_intent"]
        .as_str()
        .expect("kept for the next attempt")
        .to_owned();
    let customer = open["customer"].clone();
    let before = model.count(Kind::Event);
    let done = complete(&mut model, &cs, &CheckoutPayer::new("pm_card_visa"));
    assert_eq!(done["payment_intent"], pi.as_str());
    assert_eq!(done["customer"], customer, "the same customer");
    assert_eq!(
        types_since(&model, before),
        [
            "charge.succeeded",
            "payment_intent.succeeded",
            "checkout.session.completed"
        ]
    );
    assert_eq!(model.count(Kind::PaymentIntent), 1);
}
