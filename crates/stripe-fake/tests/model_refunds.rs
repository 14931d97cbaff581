//! Refunds through the pure model: by charge, by payment intent, limits.

mod common;

use common::{get, json, post, t0};
use stripe_fake::{Kind, Model};

fn charge(model: &mut Model, amount: u64) -> String {
    let resp = model.handle(
        &post(
            "/v1/charges",
            &format!("amount={amount}&currency=usd&source=tok_visa"),
        ),
        t0(),
    );
    json(&resp)["id"].as_str().expect("id").to_owned()
}

#[test]
fn partial_then_full_refund_of_a_charge() {
    let mut model = Model::new(9);
    let ch = charge(&mut model, 1000);
    let resp = model.handle(
        &post(
            "/v1/refunds",
            &format!("charge={ch}&amount=300&reason=requested_by_customer"),
        ),
        t0(),
    );
    assert_eq!(resp.status(), 200);
    let refund = json(&resp);
    assert!(
        refund["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("re_"))
    );
    assert_eq!(refund["object"], "refund");
    assert_eq!(refund["amount"], 300);
    assert_eq!(refund["charge"], ch.as_str());
    assert_eq!(refund["status"], "succeeded");
    assert_eq!(model.find(&ch).expect("charge")["amount_refunded"], 300);

    let too_much = model.handle(
        &post("/v1/refunds", &format!("charge={ch}&amount=800")),
        t0(),
    );
    assert_eq!(too_much.status(), 400);
    assert_eq!(json(&too_much)["error"]["code"], "amount_too_large");

    let rest = json(&model.handle(&post("/v1/refunds", &format!("charge={ch}")), t0()));
    assert_eq!(rest["amount"], 700);
    assert_eq!(model.find(&ch).expect("charge")["refunded"], true);

    let again = model.handle(&post("/v1/refunds", &format!("charge={ch}")), t0());
    assert_eq!(json(&again)["error"]["code"], "charge_already_refunded");
    assert_eq!(model.count(Kind::Refund), 2);

    let list = json(&model.handle(&get(&format!("/v1/refunds?charge={ch}")), t0()));
    assert_eq!(list["url"], "/v1/refunds");
    assert_eq!(list["data"][0]["id"], rest["id"]);
}

#[test]
fn refund_by_payment_intent() {
    let mut model = Model::new(9);
    let pi = json(&model.handle(
        &post(
            "/v1/payment_intents",
            "amount=400&currency=usd&payment_method=pm_card_visa&confirm=true",
        ),
        t0(),
    ));
    assert_eq!(pi["status"], "succeeded");
    let resp = model.handle(
        &post(
            "/v1/refunds",
            &format!("payment_intent={}", pi["id"].as_str().expect("id")),
        ),
        t0(),
    );
    assert_eq!(resp.status(), 200);
    let refund = json(&resp);
    assert_eq!(refund["amount"], 400);
    assert_eq!(refund["charge"], pi["latest_charge"]);
    assert_eq!(refund["payment_intent"], pi["id"]);
}

#[test]
fn refund_needs_a_target() {
    let mut model = Model::new(9);
    let resp = model.handle(&post("/v1/refunds", "amount=10"), t0());
    assert_eq!(resp.status(), 400);
    assert_eq!(json(&resp)["error"]["code"], "parameter_missing");
    let resp = model.handle(&post("/v1/refunds", "charge=ch_missing"), t0());
    assert_eq!(resp.status(), 400);
    assert_eq!(json(&resp)["error"]["code"], "resource_missing");
    assert_eq!(json(&resp)["error"]["param"], "charge");
}
