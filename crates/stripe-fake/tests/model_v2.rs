//! API v2 in the pure model: JSON in and out, v2's error shape, v2's idempotency (a retry of a
//! success answers the object as it is now; work that failed with a 5xx completes on retry; a
//! key reused with another body is an `idempotency_error`), faults on v2 requests, and the v2
//! endpoints (`/v2/core/accounts`, `/v2/core/events`, `/v2/billing/meter_events`).
//!
//! Stripe's vendored OpenAPI spec (API version 2023-08-16) has no v2 path, so the shapes are
//! held to the official SDKs' v2 types: stripe-python's `stripe/v2/core/_account.py`
//! (`Account`), `stripe/v2/core/_event.py` (`Event`: `id`, `object`, `context`, `created`,
//! `livemode`, `reason`, `related_object {id, type, url}`, `type`),
//! `stripe/v2/billing/_meter_event.py` (`MeterEvent`) and `stripe/v2/_list_object.py`
//! (`data`, `next_page_url`, `previous_page_url`); errors as stripe-node's `generateV2Error`
//! (`src/Error.ts`) reads them (`type`, `code`, `message`).

mod common;

use bytes::Bytes;
use common::{SECRET, header, json, t0, v2};
use http::{Request, Response};
use serde_json::{Value, json};
use stripe_fake::{Fault, Model};

fn send(model: &mut Model, req: &Request<Bytes>) -> Response<Bytes> {
    model.handle(req, t0())
}

fn ok(model: &mut Model, req: &Request<Bytes>) -> Value {
    let resp = send(model, req);
    assert_eq!(resp.status(), 200, "{:?}", resp.body());
    assert_eq!(header(&resp, "content-type"), Some("application/json"));
    json(&resp)
}

fn create_account(model: &mut Model, body: Value, key: Option<&str>) -> Value {
    ok(model, &v2("POST", "/v2/core/accounts", Some(body), key))
}

/// The members of the SDKs' v2 `Account`, and nothing else.
const ACCOUNT_MEMBERS: [&str; 13] = [
    "applied_configurations",
    "configuration",
    "contact_email",
    "created",
    "dashboard",
    "defaults",
    "display_name",
    "id",
    "identity",
    "livemode",
    "metadata",
    "object",
    "requirements",
];

fn members(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn accounts_are_created_retrieved_updated_and_listed_in_json() {
    let mut model = Model::new(1);
    let account = create_account(
        &mut model,
        json!({"display_name": "Shop", "contact_email": "a@example.com",
               "metadata": {"tier": "gold"}, "configuration": {"customer": {}}}),
        None,
    );
    assert_eq!(members(&account), ACCOUNT_MEMBERS);
    assert_eq!(account["object"], "v2.core.account");
    assert_eq!(account["display_name"], "Shop");
    assert_eq!(account["applied_configurations"], json!(["customer"]));
    let id = account["id"].as_str().expect("id");
    assert!(id.starts_with("acct_"), "{id}");
    // v2 timestamps are RFC 3339 text.
    assert_eq!(account["created"], "2023-11-14T22:13:20.000Z");

    let path = format!("/v2/core/accounts/{id}");
    assert_eq!(ok(&mut model, &v2("GET", &path, None, None)), account);

    let updated = ok(
        &mut model,
        &v2(
            "POST",
            &path,
            Some(json!({"display_name": "Shop 2", "metadata": {"tier": null, "x": "1"}})),
            None,
        ),
    );
    assert_eq!(updated["display_name"], "Shop 2");
    assert_eq!(updated["metadata"], json!({"x": "1"}));
    assert_eq!(updated["contact_email"], "a@example.com");

    let list = ok(&mut model, &v2("GET", "/v2/core/accounts", None, None));
    assert_eq!(list["data"], json!([updated]));
    assert_eq!(list["next_page_url"], Value::Null);
    assert!(list.get("object").is_none(), "a v2 list has no `object`");
}

#[test]
fn errors_have_v2s_shape() {
    let mut model = Model::new(1);
    let missing = send(
        &mut model,
        &v2("GET", "/v2/core/accounts/acct_nope", None, None),
    );
    assert_eq!(missing.status(), 404);
    let body = json(&missing);
    assert_eq!(
        members(&body["error"]),
        ["code", "message", "type"],
        "{body}"
    );
    assert_eq!(body["error"]["code"], "resource_missing");

    let unknown = send(
        &mut model,
        &v2("POST", "/v2/core/accounts", Some(json!({"nope": 1})), None),
    );
    assert_eq!(unknown.status(), 400);
    let body = json(&unknown);
    assert_eq!(body["error"]["code"], "parameter_unknown");
    assert!(body["error"].get("param").is_none(), "{body}");

    let not_json = Request::builder()
        .method("POST")
        .uri("/v2/core/accounts")
        .header("authorization", format!("Bearer {SECRET}"))
        .body(Bytes::from_static(b"display_name=Shop"))
        .expect("request");
    let resp = send(&mut model, &not_json);
    assert_eq!(resp.status(), 400);
    let message = json(&resp)["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("not valid JSON"), "{message}");

    // An injected fault answers in v2's shape too.
    let fault = Fault::status(503);
    let resp = match model.apply(
        Some(&fault),
        &v2("GET", "/v2/core/events", None, None),
        t0(),
    ) {
        stripe_fake::Outcome::Respond(resp) => resp,
        other => panic!("{other:?}"),
    };
    assert_eq!(resp.status(), 503);
    assert_eq!(members(&json(&resp)["error"]), ["message", "type"]);
}

#[test]
fn a_retried_success_answers_the_object_as_it_is_now() {
    let mut model = Model::new(1);
    let body = json!({"display_name": "Shop"});
    let first = create_account(&mut model, body.clone(), Some("k1"));
    let id = first["id"].as_str().expect("id").to_owned();
    ok(
        &mut model,
        &v2(
            "POST",
            &format!("/v2/core/accounts/{id}"),
            Some(json!({"display_name": "Renamed"})),
            None,
        ),
    );
    let retry = send(
        &mut model,
        &v2("POST", "/v2/core/accounts", Some(body), Some("k1")),
    );
    assert_eq!(retry.status(), 200);
    assert_eq!(header(&retry, "idempotent-replayed"), Some("true"));
    let retried = json(&retry);
    assert_eq!(retried["id"], id.as_str());
    assert_eq!(retried["display_name"], "Renamed");
    assert_eq!(model.objects("v2.core.account").len(), 1);
}

#[test]
fn work_that_failed_with_a_5xx_completes_on_retry_without_running_twice() {
    let mut model = Model::new(1);
    let body = json!({"display_name": "Shop"});
    let req = v2("POST", "/v2/core/accounts", Some(body.clone()), Some("k2"));
    let fault = Fault::ErrorAfter { should_retry: None };
    let stripe_fake::Outcome::Respond(failed) = model.apply(Some(&fault), &req, t0()) else {
        panic!("error_after answers");
    };
    assert_eq!(failed.status(), 500);
    assert_eq!(members(&json(&failed)["error"]), ["message", "type"]);
    assert_eq!(model.objects("v2.core.account").len(), 1, "it executed");

    // v1 would replay the stored 500; v2 completes: the retry answers the account.
    let retried = ok(&mut model, &req);
    assert_eq!(retried["object"], "v2.core.account");
    assert_eq!(model.objects("v2.core.account").len(), 1, "not run twice");
    assert_eq!(model.v2_events().len(), 1, "one created event");

    // A dropped answer: the same.
    let req = v2("POST", "/v2/core/accounts", Some(body), Some("k3"));
    let outcome = model.apply(Some(&Fault::DropAfter), &req, t0());
    assert!(matches!(
        outcome,
        stripe_fake::Outcome::Drop { executed: true }
    ));
    let retried = ok(&mut model, &req);
    assert_eq!(model.objects("v2.core.account").len(), 2);
    assert_eq!(model.objects("v2.core.account")[1], retried);
}

#[test]
fn a_key_reused_with_another_body_is_an_idempotency_error() {
    let mut model = Model::new(1);
    let raw = |body: &'static str| {
        let mut req = v2("POST", "/v2/core/accounts", None, Some("k4"));
        *req.body_mut() = Bytes::from_static(body.as_bytes());
        req
    };
    let first = ok(
        &mut model,
        &raw(r#"{"display_name":"A","metadata":{"a":"1","b":"2"}}"#),
    );
    // Member order does not matter: the same body, reordered, is the same request.
    let again = ok(
        &mut model,
        &raw(r#"{"metadata":{"b":"2","a":"1"},"display_name":"A"}"#),
    );
    assert_eq!(again["id"], first["id"]);
    let resp = send(
        &mut model,
        &v2(
            "POST",
            "/v2/core/accounts",
            Some(json!({"display_name": "B"})),
            Some("k4"),
        ),
    );
    assert_eq!(resp.status(), 400);
    let body = json(&resp);
    assert_eq!(body["error"]["type"], "idempotency_error");
    assert_eq!(model.objects("v2.core.account").len(), 1);
}

#[test]
fn a_failed_validation_is_not_stored_and_the_key_runs_again() {
    let mut model = Model::new(1);
    let bad = v2(
        "POST",
        "/v2/core/accounts",
        Some(json!({"metadata": {"n": 1}})),
        Some("k5"),
    );
    assert_eq!(send(&mut model, &bad).status(), 400);
    let good = create_account(&mut model, json!({"metadata": {"n": "1"}}), Some("k5"));
    assert_eq!(good["metadata"], json!({"n": "1"}));
}

#[test]
fn meter_events_dedupe_by_identifier() {
    let mut model = Model::new(1);
    let body = json!({"event_name": "api_call", "identifier": "use-1",
                      "payload": {"stripe_customer_id": "cus_1", "value": "25"}});
    let first = ok(
        &mut model,
        &v2("POST", "/v2/billing/meter_events", Some(body.clone()), None),
    );
    assert_eq!(
        members(&first),
        [
            "created",
            "event_name",
            "identifier",
            "livemode",
            "object",
            "payload",
            "timestamp"
        ]
    );
    assert_eq!(first["object"], "v2.billing.meter_event");
    assert_eq!(first["identifier"], "use-1");
    // Without a key: the identifier alone makes the second the same event.
    let second = ok(
        &mut model,
        &v2("POST", "/v2/billing/meter_events", Some(body), None),
    );
    assert_eq!(second, first);
    assert_eq!(model.objects("v2.billing.meter_event").len(), 1);

    let generated = ok(
        &mut model,
        &v2(
            "POST",
            "/v2/billing/meter_events",
            Some(json!({"event_name": "api_call", "payload": {"value": "1"}})),
            None,
        ),
    );
    assert_ne!(generated["identifier"], first["identifier"]);
    assert_eq!(model.objects("v2.billing.meter_event").len(), 2);

    let missing = send(
        &mut model,
        &v2(
            "POST",
            "/v2/billing/meter_events",
            Some(json!({"payload": {}})),
            None,
        ),
    );
    assert_eq!(missing.status(), 400);
    assert_eq!(json(&missing)["error"]["code"], "invalid_fields");
}

#[test]
fn v2_events_are_recorded_paged_and_retrieved() {
    let mut model = Model::new(1);
    let a = create_account(&mut model, json!({"display_name": "A"}), None);
    let b = create_account(&mut model, json!({"display_name": "B"}), None);
    let a_id = a["id"].as_str().expect("id");
    ok(
        &mut model,
        &v2(
            "POST",
            &format!("/v2/core/accounts/{a_id}"),
            Some(json!({})),
            None,
        ),
    );

    // Walk every page of one event each, as `next_page_url` leads.
    let mut url = "/v2/core/events?limit=1".to_owned();
    let mut seen = Vec::new();
    loop {
        let page = ok(&mut model, &v2("GET", &url, None, None));
        let data = page["data"].as_array().expect("data").clone();
        assert_eq!(data.len(), 1, "{page}");
        seen.extend(data);
        match page["next_page_url"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    let types: Vec<&str> = seen.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(
        types,
        [
            "v2.core.account.updated",
            "v2.core.account.created",
            "v2.core.account.created"
        ]
    );
    let event = &seen[2];
    assert_eq!(event["object"], "v2.core.event");
    assert_eq!(event["related_object"]["id"], a["id"]);
    assert_eq!(event["related_object"]["type"], "v2.core.account");
    assert_eq!(
        event["related_object"]["url"],
        format!("/v2/core/accounts/{a_id}")
    );

    let id = event["id"].as_str().expect("id");
    assert_eq!(
        &ok(
            &mut model,
            &v2("GET", &format!("/v2/core/events/{id}"), None, None)
        ),
        event
    );

    // An event is in the context of the request that made it.
    let mut in_context = v2("POST", "/v2/core/accounts", Some(json!({})), None);
    in_context.headers_mut().insert(
        "stripe-context",
        http::HeaderValue::from_static("acct_parent"),
    );
    let child = ok(&mut model, &in_context);
    let last = model.v2_events().last().expect("an event").clone();
    assert_eq!(last["related_object"]["id"], child["id"]);
    assert_eq!(last["context"], "acct_parent");
    assert_eq!(seen[0]["context"], Value::Null, "no header, no context");

    let about_b = ok(
        &mut model,
        &v2(
            "GET",
            &format!(
                "/v2/core/events?object_id={}",
                b["id"].as_str().unwrap_or_default()
            ),
            None,
            None,
        ),
    );
    assert_eq!(about_b["data"].as_array().map(Vec::len), Some(1));
}
