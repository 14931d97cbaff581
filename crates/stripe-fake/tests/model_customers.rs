//! Customers through the pure model: create, retrieve, update, delete, list.

mod common;

use common::{delete, get, header, json, post, t0};
use stripe_fake::{Kind, Model};

#[test]
fn create_retrieve_update_delete() {
    let mut model = Model::new(1);
    let resp = model.handle(
        &post(
            "/v1/customers",
            "email=a%40example.com&name=Ada&metadata[order]=42",
        ),
        t0(),
    );
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "content-type"), Some("application/json"));
    assert!(header(&resp, "request-id").is_some_and(|id| id.starts_with("req_")));
    let customer = json(&resp);
    let id = customer["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("cus_"));
    assert_eq!(customer["object"], "customer");
    assert_eq!(customer["email"], "a@example.com");
    assert_eq!(customer["name"], "Ada");
    assert_eq!(customer["livemode"], false);
    assert_eq!(customer["created"], 1_700_000_000);
    assert_eq!(customer["metadata"]["order"], "42");

    let got = json(&model.handle(&get(&format!("/v1/customers/{id}")), t0()));
    assert_eq!(got, customer);

    let updated = model.handle(
        &post(
            &format!("/v1/customers/{id}"),
            "name=Grace&metadata[order]=&metadata[tier]=gold",
        ),
        t0(),
    );
    assert_eq!(updated.status(), 200);
    let updated = json(&updated);
    assert_eq!(updated["name"], "Grace");
    assert_eq!(updated["email"], "a@example.com");
    assert_eq!(updated["metadata"], serde_json::json!({"tier": "gold"}));

    let deleted = model.handle(&delete(&format!("/v1/customers/{id}")), t0());
    assert_eq!(deleted.status(), 200);
    assert_eq!(
        json(&deleted),
        serde_json::json!({"id": id, "object": "customer", "deleted": true})
    );
    assert_eq!(model.count(Kind::Customer), 0);
    // A deleted customer is still retrievable as a tombstone, but no longer updatable.
    assert_eq!(
        json(&model.handle(&get(&format!("/v1/customers/{id}")), t0()))["deleted"],
        true
    );
    let again = model.handle(&post(&format!("/v1/customers/{id}"), "name=X"), t0());
    assert_eq!(again.status(), 404);
}

#[test]
fn unknown_customer_is_404_resource_missing() {
    let mut model = Model::new(1);
    let resp = model.handle(&get("/v1/customers/cus_nope"), t0());
    assert_eq!(resp.status(), 404);
    let err = &json(&resp)["error"];
    assert_eq!(err["type"], "invalid_request_error");
    assert_eq!(err["code"], "resource_missing");
    assert_eq!(err["param"], "id");
    assert_eq!(err["message"], "No such customer: 'cus_nope'");
    assert!(err.get("decline_code").is_none());
}

#[test]
fn unknown_parameter_is_rejected() {
    let mut model = Model::new(1);
    let resp = model.handle(&post("/v1/customers", "nickname=x"), t0());
    assert_eq!(resp.status(), 400);
    let err = &json(&resp)["error"];
    assert_eq!(err["code"], "parameter_unknown");
    assert_eq!(err["param"], "nickname");
    assert_eq!(model.count(Kind::Customer), 0);
}

#[test]
fn list_filters_by_email_newest_first() {
    let mut model = Model::new(1);
    for email in ["a%40x.io", "b%40x.io", "a%40x.io"] {
        let resp = model.handle(&post("/v1/customers", &format!("email={email}")), t0());
        assert_eq!(resp.status(), 200);
    }
    let list = json(&model.handle(&get("/v1/customers?email=a%40x.io"), t0()));
    assert_eq!(list["object"], "list");
    assert_eq!(list["url"], "/v1/customers");
    let data = list["data"].as_array().expect("data");
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["id"], model.customers()[2]["id"]);
    assert_eq!(data[1]["id"], model.customers()[0]["id"]);
}

#[test]
fn ids_are_deterministic_per_seed() {
    let ids = |seed| {
        let mut model = Model::new(seed);
        (0..3)
            .map(|_| json(&model.handle(&post("/v1/customers", ""), t0()))["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(7), ids(7));
    assert_ne!(ids(7), ids(8));
    let first = ids(7);
    assert_ne!(first[0], first[1]);
}
