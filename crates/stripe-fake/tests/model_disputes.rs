//! Disputes through the pure model: Stripe's dispute test card opens one on its charge, which
//! is then `disputed`; evidence, submission and closing, with their events.

mod common;

use common::{get, json, ok, post, t0};
use serde_json::Value;
use stripe_fake::Model;

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

fn last_event(model: &Model) -> Value {
    model.events().last().expect("an event").clone()
}

#[test]
fn the_dispute_card_succeeds_then_its_charge_is_disputed() {
    let mut model = Model::new(41);
    let charge = ok(
        &mut model,
        &post(
            "/v1/charges",
            "amount=4200&currency=eur&source=tok_createDispute",
        ),
    );
    assert_eq!(charge["status"], "succeeded");
    assert_eq!(charge["disputed"], true);
    let event = last_event(&model);
    assert_eq!(event["type"], "charge.dispute.created");
    let dispute = event["data"]["object"].clone();
    assert_eq!(dispute["object"], "dispute");
    assert_eq!(dispute["charge"], charge["id"]);
    assert_eq!(dispute["amount"], 4200);
    assert_eq!(dispute["currency"], "eur");
    assert_eq!(dispute["status"], "needs_response");
    assert_eq!(dispute["reason"], "fraudulent");
    let events = model.events();
    let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(types, ["charge.succeeded", "charge.dispute.created"]);

    let stored = ok(&mut model, &get(&format!("/v1/charges/{}", id(&charge))));
    assert_eq!(stored["disputed"], true);
    let retrieved = ok(&mut model, &get(&format!("/v1/disputes/{}", id(&dispute))));
    assert_eq!(retrieved, dispute);
    let list = ok(
        &mut model,
        &get(&format!("/v1/disputes?charge={}", id(&charge))),
    );
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    let other = ok(&mut model, &get("/v1/disputes?charge=ch_other"));
    assert_eq!(other["data"].as_array().map(Vec::len), Some(0));
}

#[test]
fn a_payment_intent_with_the_dispute_card_is_disputed_and_other_cards_are_not() {
    let mut model = Model::new(42);
    ok(
        &mut model,
        &post(
            "/v1/payment_intents",
            "amount=100&currency=usd&confirm=true&payment_method=pm_card_visa",
        ),
    );
    assert!(model.objects("dispute").is_empty());
    // Manual capture: nothing is disputed until the money moves.
    let pi = ok(
        &mut model,
        &post(
            "/v1/payment_intents",
            "amount=900&currency=usd&confirm=true&capture_method=manual&payment_method=pm_card_createDispute",
        ),
    );
    assert!(model.objects("dispute").is_empty());
    ok(
        &mut model,
        &post(&format!("/v1/payment_intents/{}/capture", id(&pi)), ""),
    );
    let disputes = model.objects("dispute");
    assert_eq!(disputes.len(), 1);
    assert_eq!(disputes[0]["payment_intent"], pi["id"]);
    assert_eq!(disputes[0]["charge"], pi["latest_charge"]);
}

/// A model with one open dispute (a $5 charge of the dispute card), and its id.
fn disputed(seed: u64) -> (Model, String) {
    let mut model = Model::new(seed);
    ok(
        &mut model,
        &post(
            "/v1/charges",
            "amount=500&currency=usd&source=tok_createDispute",
        ),
    );
    let dp = id(&model.objects("dispute")[0]);
    (model, dp)
}

#[test]
fn evidence_is_kept_submitted_and_a_closed_dispute_is_lost() {
    let (mut model, dp) = disputed(43);
    let path = format!("/v1/disputes/{dp}");
    let updated = ok(
        &mut model,
        &post(&path, "evidence[customer_name]=Ada&metadata[case]=9"),
    );
    assert_eq!(updated["evidence"]["customer_name"], "Ada");
    assert_eq!(updated["evidence_details"]["has_evidence"], true);
    assert_eq!(updated["status"], "needs_response");
    assert_eq!(updated["metadata"]["case"], "9");
    assert_eq!(last_event(&model)["type"], "charge.dispute.updated");

    let bad = model.handle(&post(&path, "evidence[horoscope]=leo"), t0());
    assert_eq!(bad.status(), 400);
    assert_eq!(json(&bad)["error"]["param"], "evidence[horoscope]");

    let closed = ok(&mut model, &post(&format!("{path}/close"), ""));
    assert_eq!(closed["status"], "lost");
    assert_eq!(last_event(&model)["type"], "charge.dispute.closed");
    assert_eq!(last_event(&model)["data"]["object"]["status"], "lost");
    for refused in [format!("{path}/close"), path.clone()] {
        let resp = model.handle(&post(&refused, ""), t0());
        assert_eq!(resp.status(), 400, "{refused}");
        assert_eq!(json(&resp)["error"]["code"], "dispute_already_closed");
    }
}

#[test]
fn submitting_evidence_puts_the_dispute_under_review() {
    let (mut model, dp) = disputed(44);
    let submitted = ok(
        &mut model,
        &post(
            &format!("/v1/disputes/{dp}"),
            "evidence[uncategorized_text]=shipped&submit=true",
        ),
    );
    assert_eq!(submitted["status"], "under_review");
    assert_eq!(submitted["evidence_details"]["submission_count"], 1);
    let missing = model.handle(&get("/v1/disputes/dp_missing"), t0());
    assert_eq!(missing.status(), 404);
}
