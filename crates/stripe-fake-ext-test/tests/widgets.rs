//! A resource defined outside `stripe-fake` (this crate's `widget`, one file) answers like a
//! built-in one: through the model, and through the fake's HTTP server to a user's client.

use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use http::{Request, Response};
use serde_json::Value;
use stripe_core::Config;
use stripe_fake::server::{self, ServerOptions};
use stripe_fake::{Fault, FaultPlan, Model, Rule};

const SECRET: &str = "sk_test_widgets";

fn model() -> Model {
    Model::with_registry(
        42,
        stripe_fake_ext_test::registry().expect("widgets register"),
    )
}

fn call(
    model: &mut Model,
    method: &str,
    path: &str,
    body: &str,
    key: Option<&str>,
) -> (u16, Value) {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {SECRET}"));
    if let Some(key) = key {
        builder = builder.header("idempotency-key", key);
    }
    let req = builder.body(Bytes::from(body.to_owned())).expect("request");
    let resp: Response<Bytes> = model.handle(&req, UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let json = serde_json::from_slice(resp.body()).expect("JSON");
    (resp.status().as_u16(), json)
}

#[test]
fn create_retrieve_update_list_delete_through_the_model() {
    let mut m = model();
    let (status, customer) = call(&mut m, "POST", "/v1/customers", "email=w@x.io", None);
    assert_eq!(status, 200);
    let cus = customer["id"].as_str().expect("id").to_owned();
    let (status, widget) = call(
        &mut m,
        "POST",
        "/v1/widgets",
        &format!("name=sprocket&customer={cus}&metadata[size]=xl"),
        None,
    );
    assert_eq!(status, 200, "{widget}");
    let id = widget["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("wdg_"), "{id}");
    assert_eq!(widget["metadata"]["size"], "xl");

    let (status, got) = call(&mut m, "GET", &format!("/v1/widgets/{id}"), "", None);
    assert_eq!((status, &got), (200, &widget));
    assert_eq!(
        m.find(&id),
        Some(&widget),
        "found by its prefix like a built-in id"
    );

    let (status, updated) = call(
        &mut m,
        "POST",
        &format!("/v1/widgets/{id}"),
        "name=gear&metadata[size]=&metadata[colour]=red",
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(updated["name"], "gear");
    assert_eq!(updated["metadata"], serde_json::json!({"colour": "red"}));

    call(&mut m, "POST", "/v1/widgets", "name=lonely", None);
    let (status, page) = call(
        &mut m,
        "GET",
        &format!("/v1/widgets?customer={cus}"),
        "",
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(page["object"], "list");
    assert_eq!(page["url"], "/v1/widgets");
    assert_eq!(page["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["data"][0]["id"], id.as_str());

    let (status, gone) = call(&mut m, "DELETE", &format!("/v1/widgets/{id}"), "", None);
    assert_eq!(status, 200);
    assert_eq!(
        gone,
        serde_json::json!({"id": id, "object": "widget", "deleted": true})
    );
    let (status, again) = call(&mut m, "GET", &format!("/v1/widgets/{id}"), "", None);
    assert_eq!((status, again["deleted"].as_bool()), (200, Some(true)));
    assert_eq!(
        m.objects("widget").len(),
        1,
        "only the other widget is live"
    );

    let events = m.events();
    let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(
        types
            .iter()
            .filter(|t| t.starts_with("widget."))
            .copied()
            .collect::<Vec<_>>(),
        [
            "widget.created",
            "widget.updated",
            "widget.created",
            "widget.deleted"
        ]
    );
}

#[test]
fn unknown_ids_parameters_and_bad_values_answer_as_stripe_does() {
    let mut m = model();
    let (status, body) = call(&mut m, "GET", "/v1/widgets/wdg_nope", "", None);
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "resource_missing");
    assert_eq!(body["error"]["message"], "No such widget: 'wdg_nope'");
    let (status, body) = call(&mut m, "POST", "/v1/widgets/wdg_nope", "name=x", None);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("resource_missing"))
    );
    let (status, body) = call(&mut m, "DELETE", "/v1/widgets/wdg_nope", "", None);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("resource_missing"))
    );
    let (status, body) = call(
        &mut m,
        "POST",
        "/v1/widgets",
        "name=x&customer=cus_nope",
        None,
    );
    assert_eq!(status, 400);
    assert_eq!(body["error"]["param"], "customer");
    let (status, body) = call(&mut m, "POST", "/v1/widgets", "name=x&colour=red", None);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("parameter_unknown"))
    );
    let (status, body) = call(&mut m, "POST", "/v1/widgets", "metadata[a]=b", None);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("parameter_missing"))
    );
    let long = "n".repeat(65);
    let (status, body) = call(
        &mut m,
        "POST",
        "/v1/widgets",
        &format!("name={long}"),
        Some("k1"),
    );
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (400, Some("name"))
    );
    // A validation error is not stored under the key: the same key with a good body runs.
    let (status, _) = call(&mut m, "POST", "/v1/widgets", "name=ok", Some("k1"));
    assert_eq!(status, 200);
    assert_eq!(m.objects("widget").len(), 1);
}

#[test]
fn search_expand_and_idempotency_apply_to_it_like_a_built_in_resource() {
    let mut m = model();
    let (_, customer) = call(&mut m, "POST", "/v1/customers", "email=e@x.io", None);
    let cus = customer["id"].as_str().expect("id").to_owned();
    let body = format!("name=flange&customer={cus}");
    let (_, first) = call(&mut m, "POST", "/v1/widgets", &body, Some("once"));
    let (_, replay) = call(&mut m, "POST", "/v1/widgets", &body, Some("once"));
    assert_eq!(first, replay, "the same key replays the first answer");
    assert_eq!(m.objects("widget").len(), 1);
    call(&mut m, "POST", "/v1/widgets", "name=bolt", None);

    let (status, found) = call(
        &mut m,
        "GET",
        "/v1/widgets/search?query=name:'flange'",
        "",
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(found["object"], "search_result");
    assert_eq!(found["url"], "/v1/widgets/search");
    assert_eq!(found["data"].as_array().map(Vec::len), Some(1));
    let (status, err) = call(
        &mut m,
        "GET",
        "/v1/widgets/search?query=colour:'red'",
        "",
        None,
    );
    assert_eq!(status, 400);
    let message = err["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("created, customer, name"), "{message}");

    let id = first["id"].as_str().expect("id");
    let (status, expanded) = call(
        &mut m,
        "GET",
        &format!("/v1/widgets/{id}?expand[]=customer"),
        "",
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(expanded["customer"]["email"], "e@x.io");
    let (status, _) = call(
        &mut m,
        "GET",
        &format!("/v1/widgets/{id}?expand[]=name"),
        "",
        None,
    );
    assert_eq!(status, 400, "only the declared fields expand");
    // Its events list and filter as built-in ones do.
    let (status, listed) = call(&mut m, "GET", "/v1/events?type=widget.*", "", None);
    assert_eq!(status, 200);
    assert_eq!(listed["data"][0]["data"]["object"]["object"], "widget");
}

#[test]
fn the_fake_server_serves_it_to_a_users_client_with_faults() {
    let options = ServerOptions {
        registry: stripe_fake_ext_test::registry().expect("widgets register"),
        seed: 7,
        ..ServerOptions::default()
    };
    let fake = server::start_with(options).expect("fake starts");
    let config = Config::builder(SECRET)
        .api_base(fake.base_url())
        .build()
        .expect("config");
    let client = stripe_ureq::Client::new(config);
    // The answer to the first create is lost after it executed: the client's retry with the
    // same key gets the stored widget, and there is one.
    fake.set_plan(FaultPlan::new().rule(Rule::new(Fault::DropAfter).path("/v1/widgets")));
    let created = client
        .post("/v1/widgets", &[("name", "cog")])
        .expect("created despite the lost answer");
    assert!(created.is_success());
    let widget = created.json().expect("JSON").clone();
    assert_eq!(fake.with_model(|m| m.objects("widget").len()), 1);
    assert!(
        fake.log().iter().any(|e| e.replayed),
        "the retry was a replay"
    );

    let id = widget["id"].as_str().expect("id");
    let got = client.get(&format!("/v1/widgets/{id}")).expect("retrieved");
    assert_eq!(got.json(), Some(&widget));
    let listed = client.get("/v1/widgets?limit=5").expect("listed");
    assert_eq!(
        listed.json().map(|v| v["data"][0]["id"].clone()),
        Some(widget["id"].clone())
    );
    let deleted = client
        .delete(&format!("/v1/widgets/{id}"))
        .expect("deleted");
    assert_eq!(
        deleted.json().map(|v| v["deleted"].clone()),
        Some(Value::Bool(true))
    );
    let missing = client.get("/v1/widgets/wdg_nope").expect("answered");
    assert_eq!(missing.status(), 404);
}
