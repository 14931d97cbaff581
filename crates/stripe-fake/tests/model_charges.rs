//! Charges through the pure model: test tokens, declines, validation, customers.

mod common;

use common::{get, json, post, t0};
use stripe_fake::{Kind, Model};

#[test]
fn tok_visa_succeeds() {
    let mut model = Model::new(2);
    let resp = model.handle(
        &post(
            "/v1/charges",
            "amount=2000&currency=usd&source=tok_visa&metadata[order]=7",
        ),
        t0(),
    );
    assert_eq!(resp.status(), 200);
    let charge = json(&resp);
    assert!(
        charge["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("ch_"))
    );
    assert_eq!(charge["object"], "charge");
    assert_eq!(charge["amount"], 2000);
    assert_eq!(charge["currency"], "usd");
    assert_eq!(charge["status"], "succeeded");
    assert_eq!(charge["paid"], true);
    assert_eq!(charge["metadata"]["order"], "7");
    assert_eq!(charge["payment_method_details"]["card"]["last4"], "4242");
    assert_eq!(model.successful_charges(), 1);
    let got = json(&model.handle(
        &get(&format!(
            "/v1/charges/{}",
            charge["id"].as_str().expect("id")
        )),
        t0(),
    ));
    assert_eq!(got, charge);
}

#[test]
fn payment_method_and_customer_with_a_card_on_file_succeed() {
    let mut model = Model::new(2);
    let pm = model.handle(
        &post("/v1/charges", "amount=100&currency=eur&source=pm_card_visa"),
        t0(),
    );
    assert_eq!(pm.status(), 200);
    let pm_id = json(&pm)["payment_method"].as_str().expect("pm").to_owned();
    assert!(
        pm_id.starts_with("pm_") && pm_id != "pm_card_visa",
        "{pm_id}"
    );
    assert!(
        model.find(&pm_id).is_some(),
        "a real payment method was made"
    );
    let customer = json(&model.handle(&post("/v1/customers", "source=tok_visa"), t0()));
    let cus = customer["id"].as_str().expect("id");
    let card = customer["default_source"].as_str().expect("card on file");
    assert!(card.starts_with("card_"), "{card}");
    let resp = model.handle(
        &post(
            "/v1/charges",
            &format!("amount=500&currency=usd&customer={cus}"),
        ),
        t0(),
    );
    assert_eq!(resp.status(), 200);
    assert_eq!(json(&resp)["customer"], cus);
    assert_eq!(json(&resp)["payment_method"], card);
    assert_eq!(json(&resp)["source"]["id"], card);
    assert_eq!(model.successful_charges(), 2);
}

#[test]
fn charging_a_customer_without_a_card_is_stripes_card_error_missing() {
    // Stripe answers 402 card_error `missing` on param `card` ("Cannot charge a customer
    // that has no active card"), and creates no charge.
    let mut model = Model::new(2);
    let customer = json(&model.handle(&post("/v1/customers", ""), t0()));
    let cus = customer["id"].as_str().expect("id");
    let resp = model.handle(
        &post(
            "/v1/charges",
            &format!("amount=500&currency=usd&customer={cus}"),
        ),
        t0(),
    );
    assert_eq!(resp.status(), 402);
    let err = &json(&resp)["error"];
    assert_eq!(err["type"], "card_error");
    assert_eq!(err["code"], "missing");
    assert_eq!(err["param"], "card");
    assert_eq!(
        err["message"],
        "Cannot charge a customer that has no active card"
    );
    assert_eq!(model.count(Kind::Charge), 0);
}

fn decline(source: &str) -> (serde_json::Value, Model) {
    let mut model = Model::new(3);
    let resp = model.handle(
        &post(
            "/v1/charges",
            &format!("amount=2000&currency=usd&source={source}"),
        ),
        t0(),
    );
    assert_eq!(resp.status(), 402, "{source}");
    (json(&resp)["error"].clone(), model)
}

#[test]
fn declines_answer_402_and_leave_a_failed_charge() {
    let (err, model) = decline("tok_chargeDeclined");
    assert_eq!(err["type"], "card_error");
    assert_eq!(err["code"], "card_declined");
    assert_eq!(err["decline_code"], "generic_decline");
    assert_eq!(err["message"], "Your card was declined.");
    assert_eq!(model.count(Kind::Charge), 1);
    assert_eq!(model.successful_charges(), 0);
    assert_eq!(model.charges()[0]["status"], "failed");
    assert_eq!(err["charge"], model.charges()[0]["id"]);

    let (err, _) = decline("tok_chargeDeclinedInsufficientFunds");
    assert_eq!(err["code"], "card_declined");
    assert_eq!(err["decline_code"], "insufficient_funds");

    let (err, _) = decline("tok_chargeDeclinedExpiredCard");
    assert_eq!(err["code"], "expired_card");
}

#[test]
fn validation_errors() {
    let mut model = Model::new(4);
    let cases = [
        (
            "currency=usd&source=tok_visa",
            "parameter_missing",
            "amount",
        ),
        (
            "amount=12.5&currency=usd&source=tok_visa",
            "parameter_invalid_integer",
            "amount",
        ),
        (
            "amount=abc&currency=usd&source=tok_visa",
            "parameter_invalid_integer",
            "amount",
        ),
        (
            "amount=100&source=tok_visa",
            "parameter_missing",
            "currency",
        ),
        ("amount=100&currency=usd", "parameter_missing", "source"),
        (
            "amount=100&currency=usd&source=tok_bogus",
            "resource_missing",
            "source",
        ),
    ];
    for (body, code, param) in cases {
        let resp = model.handle(&post("/v1/charges", body), t0());
        assert_eq!(resp.status(), 400, "{body}");
        let err = &json(&resp)["error"];
        assert_eq!(err["type"], "invalid_request_error", "{body}");
        assert_eq!(err["code"], code, "{body}");
        assert_eq!(err["param"], param, "{body}");
    }
    assert_eq!(model.count(Kind::Charge), 0);
}

#[test]
fn unknown_customer_and_unknown_charge() {
    let mut model = Model::new(4);
    let resp = model.handle(
        &post(
            "/v1/charges",
            "amount=100&currency=usd&customer=cus_missing",
        ),
        t0(),
    );
    assert_eq!(resp.status(), 400);
    assert_eq!(json(&resp)["error"]["param"], "customer");
    let resp = model.handle(&get("/v1/charges/ch_missing"), t0());
    assert_eq!(resp.status(), 404);
    let err = &json(&resp)["error"];
    assert_eq!(err["code"], "resource_missing");
    assert_eq!(err["param"], "id");
}

#[test]
fn list_filters_by_customer() {
    let mut model = Model::new(5);
    let cus = json(&model.handle(&post("/v1/customers", "source=tok_visa"), t0()))["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let _ = model.handle(
        &post("/v1/charges", "amount=100&currency=usd&source=tok_visa"),
        t0(),
    );
    let mine = json(&model.handle(
        &post(
            "/v1/charges",
            &format!("amount=200&currency=usd&customer={cus}"),
        ),
        t0(),
    ));
    let list = json(&model.handle(&get(&format!("/v1/charges?customer={cus}")), t0()));
    assert_eq!(list["url"], "/v1/charges");
    assert_eq!(list["data"].as_array().expect("data").len(), 1);
    assert_eq!(list["data"][0]["id"], mine["id"]);
    assert_eq!(list["has_more"], false);
}
