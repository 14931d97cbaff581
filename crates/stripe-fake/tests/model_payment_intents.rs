//! Payment intents through the pure model: create, confirm, declines, list.

mod common;

use common::{get, json, post, t0};
use stripe_fake::{Kind, Model};

#[test]
fn create_then_confirm() {
    let mut model = Model::new(6);
    let resp = model.handle(
        &post("/v1/payment_intents", "amount=1500&currency=usd"),
        t0(),
    );
    assert_eq!(resp.status(), 200);
    let pi = json(&resp);
    let id = pi["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("pi_"));
    assert_eq!(pi["object"], "payment_intent");
    assert_eq!(pi["status"], "requires_payment_method");
    assert!(
        pi["client_secret"]
            .as_str()
            .is_some_and(|s| s.starts_with(&format!("{id}_secret_")))
    );

    // Confirming without a payment method is a 400 in Stripe's style.
    let resp = model.handle(
        &post(&format!("/v1/payment_intents/{id}/confirm"), ""),
        t0(),
    );
    assert_eq!(resp.status(), 400);
    assert_eq!(
        json(&resp)["error"]["code"],
        "payment_intent_unexpected_state"
    );

    let resp = model.handle(
        &post(
            &format!("/v1/payment_intents/{id}/confirm"),
            "payment_method=pm_card_visa",
        ),
        t0(),
    );
    assert_eq!(resp.status(), 200);
    let confirmed = json(&resp);
    assert_eq!(confirmed["status"], "succeeded");
    assert_eq!(confirmed["amount_received"], 1500);
    let charge = model
        .find(confirmed["latest_charge"].as_str().expect("charge"))
        .expect("charge exists");
    assert_eq!(charge["payment_intent"], id.as_str());
    assert_eq!(model.successful_charges(), 1);

    // A succeeded intent cannot be confirmed again.
    let resp = model.handle(
        &post(&format!("/v1/payment_intents/{id}/confirm"), ""),
        t0(),
    );
    assert_eq!(resp.status(), 400);
    assert_eq!(
        json(&model.handle(&get(&format!("/v1/payment_intents/{id}")), t0()))["status"],
        "succeeded"
    );
}

#[test]
fn confirm_true_with_declined_card() {
    let mut model = Model::new(6);
    let resp = model.handle(
        &post("/v1/payment_intents", "amount=900&currency=usd&payment_method=pm_card_chargeDeclinedInsufficientFunds&confirm=true"),
        t0(),
    );
    assert_eq!(resp.status(), 402);
    let err = &json(&resp)["error"];
    assert_eq!(err["type"], "card_error");
    assert_eq!(err["decline_code"], "insufficient_funds");
    assert_eq!(err["payment_intent"]["status"], "requires_payment_method");
    assert_eq!(model.count(Kind::Charge), 1);
    assert_eq!(model.successful_charges(), 0);
    assert_eq!(
        model.payment_intents()[0]["last_payment_error"]["code"],
        "card_declined"
    );
}

#[test]
fn unknown_intent_and_list() {
    let mut model = Model::new(6);
    let resp = model.handle(
        &post(
            "/v1/payment_intents/pi_missing/confirm",
            "payment_method=pm_card_visa",
        ),
        t0(),
    );
    assert_eq!(resp.status(), 404);
    for _ in 0..3 {
        let _ = model.handle(
            &post("/v1/payment_intents", "amount=100&currency=usd"),
            t0(),
        );
    }
    let list = json(&model.handle(&get("/v1/payment_intents?limit=2"), t0()));
    assert_eq!(list["data"].as_array().expect("data").len(), 2);
    assert_eq!(list["has_more"], true);
    assert_eq!(list["url"], "/v1/payment_intents");
    assert_eq!(list["data"][0]["id"], model.payment_intents()[2]["id"]);
}
