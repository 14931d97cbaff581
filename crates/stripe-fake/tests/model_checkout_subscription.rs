//! Checkout Sessions in `subscription` mode through the pure model: the subscription made
//! through the subscriptions resource (billing), its first invoice paid on the page, the events
//! in order with `checkout.session.completed` last; a trial, 3D Secure, a declined card and
//! what the session refuses at creation.

mod common;

use common::checkout::{URLS, complete, id, session, types_since};
use common::{json, ok, post, t0};
use serde_json::Value;
use stripe_fake::model::CheckoutPayer;
use stripe_fake::{Kind, Model};

/// A monthly price of `amount` cents for a new product named `name`.
fn monthly(model: &mut Model, name: &str, amount: u64) -> String {
    id(&ok(
        model,
        &post(
            "/v1/prices",
            &format!(
                "product_data[name]={name}&currency=usd&unit_amount={amount}&recurring[interval]=month"
            ),
        ),
    ))
}

/// A subscription session for `quantity` of `price`, with `extra` parameters.
fn subscribe(model: &mut Model, price: &str, extra: &str) -> Value {
    session(
        model,
        &format!("mode=subscription&line_items[0][price]={price}&line_items[0][quantity]=2{extra}"),
    )
}

fn found(model: &Model, id: &Value) -> Value {
    model
        .find(id.as_str().expect("an id"))
        .expect("stored")
        .clone()
}

#[test]
fn a_subscription_session_subscribes_its_customer_and_pays_the_first_invoice() {
    let mut model = Model::new(80);
    let club = monthly(&mut model, "Club", 900);
    let cs = subscribe(
        &mut model,
        &club,
        "&subscription_data[metadata][plan]=club&subscription_data[description]=Club+membership",
    );
    assert_eq!(cs["amount_total"], 1800);
    assert_eq!(cs["payment_method_collection"], "always");
    assert!(cs["customer_creation"].is_null() && cs["subscription"].is_null());
    let before = model.count(Kind::Event);
    let payer = CheckoutPayer::new("pm_card_visa").with_email("member@example.com");
    let done = complete(&mut model, &cs, &payer);
    assert_eq!(
        types_since(&model, before),
        [
            "customer.created",
            "payment_method.attached",
            "customer.subscription.created",
            "invoice.created",
            "payment_intent.created",
            "invoice.finalized",
            "charge.succeeded",
            "payment_intent.succeeded",
            "invoice.paid",
            "invoice.payment_succeeded",
            "customer.subscription.updated",
            "checkout.session.completed",
        ]
    );
    assert_eq!(done["status"], "complete");
    assert_eq!(done["payment_status"], "paid");
    assert!(
        done["payment_intent"].is_null(),
        "a subscription's intent is its invoice's"
    );
    let customer = found(&model, &done["customer"]);
    assert_eq!(customer["email"], "member@example.com");
    let sub = found(&model, &done["subscription"]);
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["customer"], customer["id"]);
    assert_eq!(sub["items"]["data"][0]["price"]["id"], club.as_str());
    assert_eq!(sub["items"]["data"][0]["quantity"], 2);
    assert_eq!(sub["metadata"]["plan"], "club");
    assert_eq!(sub["description"], "Club membership");
    assert_eq!(sub["latest_invoice"], done["invoice"]);
    let pm = found(&model, &sub["default_payment_method"]);
    assert_eq!(
        pm["customer"], customer["id"],
        "the card is saved to the customer"
    );
    let invoice = found(&model, &done["invoice"]);
    assert_eq!(invoice["status"], "paid");
    assert_eq!(invoice["amount_paid"], 1800);
    assert_eq!(invoice["billing_reason"], "subscription_create");
    assert_eq!(invoice["subscription"], sub["id"]);
    let intent = found(&model, &invoice["payment_intent"]);
    assert_eq!(intent["status"], "succeeded");
    assert_eq!(intent["invoice"], invoice["id"]);
}

#[test]
fn a_trial_needs_no_payment_and_a_3d_secure_card_is_authenticated_on_the_page() {
    let mut model = Model::new(81);
    let club = monthly(&mut model, "Club", 900);
    let trial = subscribe(
        &mut model,
        &club,
        "&subscription_data[trial_period_days]=14",
    );
    let charges = model.count(Kind::Charge);
    let done = complete(&mut model, &trial, &CheckoutPayer::new("pm_card_visa"));
    assert_eq!(done["payment_status"], "no_payment_required");
    let sub = found(&model, &done["subscription"]);
    assert_eq!(sub["status"], "trialing");
    assert_eq!(
        sub["trial_end"].as_i64().expect("trial_end") - sub["trial_start"].as_i64().expect("start"),
        14 * 86_400
    );
    assert_eq!(found(&model, &done["invoice"])["amount_paid"], 0);
    assert_eq!(model.count(Kind::Charge), charges, "nothing charged");

    let sca = subscribe(&mut model, &club, "");
    let before = model.count(Kind::Event);
    let done = complete(
        &mut model,
        &sca,
        &CheckoutPayer::new("pm_card_threeDSecure2Required"),
    );
    let types = types_since(&model, before);
    let challenged = types
        .iter()
        .position(|t| t == "payment_intent.requires_action");
    let charged = types.iter().position(|t| t == "charge.succeeded");
    assert!(challenged.is_some() && challenged < charged, "{types:?}");
    assert_eq!(
        types.last().map(String::as_str),
        Some("checkout.session.completed")
    );
    assert_eq!(done["payment_status"], "paid");
    assert_eq!(found(&model, &done["subscription"])["status"], "active");
}

#[test]
fn a_declined_card_makes_no_subscription_and_the_next_card_subscribes_the_same_customer() {
    let mut model = Model::new(82);
    let club = monthly(&mut model, "Club", 900);
    let cs = subscribe(&mut model, &club, "");
    let err = model
        .complete_checkout_session(
            &id(&cs),
            &CheckoutPayer::new("pm_card_chargeDeclined"),
            t0(),
        )
        .expect_err("declined");
    assert_eq!(
        (err.status(), err.error_code()),
        (402, Some("card_declined"))
    );
    assert!(model.objects("subscription").is_empty());
    assert!(model.objects("invoice").is_empty());
    let open = ok(
        &mut model,
        &common::get(&format!("/v1/checkout/sessions/{}", id(&cs))),
    );
    assert_eq!(open["status"], "open");
    let customer = open["customer"].clone();
    assert!(
        customer.is_string(),
        "the customer is kept for the next attempt"
    );
    let done = complete(&mut model, &cs, &CheckoutPayer::new("tok_mastercard"));
    assert_eq!(done["customer"], customer);
    assert_eq!(model.count(Kind::Customer), 1);
    assert_eq!(found(&model, &done["subscription"])["status"], "active");
}

#[test]
fn a_subscription_session_refuses_at_creation_what_the_subscription_would_refuse() {
    let mut model = Model::new(83);
    let club = monthly(&mut model, "Club", 900);
    let yearly = id(&ok(
        &mut model,
        &post(
            "/v1/prices",
            "product_data[name]=Year&currency=usd&unit_amount=9000&recurring[interval]=year",
        ),
    ));
    let once = id(&ok(
        &mut model,
        &post(
            "/v1/prices",
            "product_data[name]=Setup&currency=usd&unit_amount=500",
        ),
    ));
    let item = |i: usize, price: &str| {
        format!("&line_items[{i}][price]={price}&line_items[{i}][quantity]=1")
    };
    let twenty_one: String = (0..21).map(|i| item(i, &club)).collect();
    let cases = [
        (
            format!("{}{}", item(0, &club), item(1, &once)),
            "line_items",
        ),
        (
            format!("{}{}", item(0, &club), item(1, &yearly)),
            "line_items",
        ),
        (twenty_one, "line_items"),
        (
            format!(
                "{}&subscription_data[billing_cycle_anchor]=1700000000",
                item(0, &club)
            ),
            "subscription_data[billing_cycle_anchor]",
        ),
        (
            format!("{}&subscription_data[trial_period_days]=0", item(0, &club)),
            "subscription_data[trial_period_days]",
        ),
        (
            format!("{}&subscription_data[trial_end]=soon", item(0, &club)),
            "subscription_data[trial_end]",
        ),
    ];
    for (items, param) in cases {
        let body = format!("{URLS}&mode=subscription{items}");
        let resp = model.handle(&post("/v1/checkout/sessions", &body), t0());
        let answer = json(&resp);
        assert_eq!(resp.status(), 400, "{body}: {answer}");
        assert_eq!(answer["error"]["param"], param, "{body}: {answer}");
    }
    assert!(model.objects("checkout.session").is_empty());
}
