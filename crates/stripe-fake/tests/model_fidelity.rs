//! Search routing and queries, expand, created filters and events through the pure model.

mod common;

use common::{get, json, ok, post, post_key, t0};
use serde_json::Value;
use stripe_fake::Model;

#[test]
fn the_journal_reconciliation_query_finds_each_resource() {
    let mut model = Model::new(9);
    let cus = ok(
        &mut model,
        &post(
            "/v1/customers",
            "source=tok_visa&metadata[op]=order-42/charge",
        ),
    );
    let ch = ok(
        &mut model,
        &post(
            "/v1/charges",
            "amount=100&currency=usd&source=tok_visa&metadata[op]=order-42/charge",
        ),
    );
    ok(
        &mut model,
        &post(
            "/v1/charges",
            "amount=100&currency=usd&source=tok_visa&metadata[op]=order-43/charge",
        ),
    );
    let pi = ok(
        &mut model,
        &post(
            "/v1/payment_intents",
            "amount=100&currency=usd&metadata[op]=order-42/charge",
        ),
    );
    let re = ok(
        &mut model,
        &post(
            "/v1/refunds",
            &format!(
                "charge={}&metadata[op]=order-42/charge",
                ch["id"].as_str().expect("id")
            ),
        ),
    );
    for (resource, want) in [
        ("customers", &cus),
        ("charges", &ch),
        ("payment_intents", &pi),
    ] {
        let found = ok(
            &mut model,
            &get(&format!(
                "/v1/{resource}/search?query=metadata['op']:'order-42/charge'"
            )),
        );
        assert_eq!(found["object"], "search_result", "{resource}");
        assert_eq!(found["url"], format!("/v1/{resource}/search"));
        let ids: Vec<&Value> = found["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|o| &o["id"])
            .collect();
        assert_eq!(ids, [&want["id"]], "{resource}");
    }
    // Stripe has no refunds search: a refund is found by listing its charge's refunds.
    let refunds = ok(
        &mut model,
        &get(&format!(
            "/v1/refunds?charge={}&limit=100",
            ch["id"].as_str().expect("id")
        )),
    );
    assert_eq!(refunds["data"][0]["id"], re["id"]);
    assert_eq!(refunds["data"][0]["metadata"]["op"], "order-42/charge");
    assert_eq!(refunds["has_more"], false);
}

#[test]
fn search_pages_and_and_clauses() {
    let mut model = Model::new(9);
    for i in 0..5 {
        ok(
            &mut model,
            &post(
                "/v1/customers",
                &format!("email=c{i}@x.io&metadata[batch]=b"),
            ),
        );
    }
    let first = ok(
        &mut model,
        &get("/v1/customers/search?query=metadata['batch']:'b'&limit=2"),
    );
    assert_eq!(first["has_more"], true);
    let page = first["next_page"].as_str().expect("next_page").to_owned();
    let second = ok(
        &mut model,
        &get(&format!(
            "/v1/customers/search?query=metadata['batch']:'b'&limit=2&page={page}"
        )),
    );
    assert_ne!(first["data"][0]["id"], second["data"][0]["id"]);
    let both = ok(
        &mut model,
        &get("/v1/customers/search?query=metadata['batch']:'b'%20AND%20email:'c3@x.io'"),
    );
    assert_eq!(both["data"].as_array().expect("data").len(), 1);
    let bad = model.handle(&get("/v1/customers/search?query=colour:'red'"), t0());
    assert_eq!(bad.status(), 400);
    assert_eq!(json(&bad)["error"]["param"], "query");
}

#[test]
fn expand_turns_ids_into_objects_and_leaves_them_ids_otherwise() {
    let mut model = Model::new(9);
    let cus = ok(&mut model, &post("/v1/customers", "email=e@x.io"));
    let cus_id = cus["id"].as_str().expect("id");
    let pi = ok(
        &mut model,
        &post(
            "/v1/payment_intents",
            &format!(
                "amount=100&currency=usd&customer={cus_id}&payment_method=pm_card_visa&confirm=true"
            ),
        ),
    );
    let pi_id = pi["id"].as_str().expect("id");
    assert!(pi["latest_charge"].is_string() && pi["customer"].is_string());
    let expanded = ok(
        &mut model,
        &get(&format!(
            "/v1/payment_intents/{pi_id}?expand[]=latest_charge&expand[]=customer"
        )),
    );
    assert_eq!(expanded["latest_charge"]["object"], "charge");
    assert_eq!(expanded["customer"]["email"], "e@x.io");
    let listed = ok(&mut model, &get("/v1/charges?expand[]=data.payment_intent"));
    assert_eq!(listed["data"][0]["payment_intent"]["id"], pi_id);
    let bad = model.handle(
        &get(&format!("/v1/payment_intents/{pi_id}?expand[]=colour")),
        t0(),
    );
    assert_eq!(bad.status(), 400);
}

#[test]
fn created_filters_answer_200_and_filter() {
    let mut model = Model::new(9);
    let early = t0();
    let late = t0() + std::time::Duration::from_secs(100);
    let _ = model.handle(&post("/v1/customers", "name=early"), early);
    let _ = model.handle(&post("/v1/customers", "name=late"), late);
    let cut = 1_700_000_050;
    for (filter, want) in [
        ("created[gte]", "late"),
        ("created[lt]", "early"),
        ("created[gt]", "late"),
        ("created[lte]", "early"),
    ] {
        let list = ok(&mut model, &get(&format!("/v1/customers?{filter}={cut}")));
        let names: Vec<&Value> = list["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|c| &c["name"])
            .collect();
        assert_eq!(names, [want], "{filter}");
    }
}

#[test]
fn events_record_what_happened_with_the_request() {
    let mut model = Model::new(9);
    let resp = model.handle(
        &post_key(
            "/v1/payment_intents",
            "amount=100&currency=usd&payment_method=pm_card_visa&confirm=true",
            "evt-key",
        ),
        t0(),
    );
    assert_eq!(resp.status(), 200);
    let events = model.events();
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "payment_intent.created",
            "charge.succeeded",
            "payment_intent.succeeded"
        ]
    );
    let events = model.events();
    let last = events.last().expect("event");
    assert_eq!(last["request"]["idempotency_key"], "evt-key");
    assert_eq!(last["data"]["object"]["status"], "succeeded");
    // A replay executes nothing, so it records nothing.
    let _ = model.handle(
        &post_key(
            "/v1/payment_intents",
            "amount=100&currency=usd&payment_method=pm_card_visa&confirm=true",
            "evt-key",
        ),
        t0(),
    );
    assert_eq!(model.events().len(), 3);
    let listed = ok(&mut model, &get("/v1/events?type=payment_intent.*"));
    assert_eq!(listed["data"].as_array().expect("data").len(), 2);
}

#[test]
fn manual_capture_and_cancel_follow_stripes_states() {
    let mut model = Model::new(9);
    let pi = ok(
        &mut model,
        &post(
            "/v1/payment_intents",
            "amount=1000&currency=usd&payment_method=pm_card_visa&capture_method=manual&confirm=true",
        ),
    );
    assert_eq!(pi["status"], "requires_capture");
    let id = pi["id"].as_str().expect("id");
    let charge = ok(
        &mut model,
        &get(&format!(
            "/v1/charges/{}",
            pi["latest_charge"].as_str().expect("charge")
        )),
    );
    assert_eq!(charge["captured"], false);
    let captured = ok(
        &mut model,
        &post(
            &format!("/v1/payment_intents/{id}/capture"),
            "amount_to_capture=600",
        ),
    );
    assert_eq!(captured["status"], "succeeded");
    assert_eq!(captured["amount_received"], 600);
    let again = model.handle(&post(&format!("/v1/payment_intents/{id}/cancel"), ""), t0());
    assert_eq!(again.status(), 400);
    assert_eq!(
        json(&again)["error"]["code"],
        "payment_intent_unexpected_state"
    );
    let balance = ok(&mut model, &get("/v1/balance"));
    assert_eq!(balance["available"][0]["amount"], 600);
}
