//! API v2 event destinations in the pure model: create, retrieve, list, update, enable,
//! disable and a keyed `DELETE`, whose retry answers the deletion (v2 idempotency) where an
//! unkeyed repeat finds nothing.
//!
//! Stripe's vendored OpenAPI spec (API version 2023-08-16) has no v2 path, so the shapes are
//! held to the official SDKs' v2 types: stripe-python's `stripe/v2/core/_event_destination.py`
//! (`EventDestination`) and `stripe/v2/_deleted_object.py` (`DeletedObject`: `id`, `object`).

mod common;

use bytes::Bytes;
use common::{json, t0, v2};
use http::{Request, Response};
use serde_json::{Value, json};
use stripe_fake::{Fault, Model, Outcome};

fn send(model: &mut Model, req: &Request<Bytes>) -> Response<Bytes> {
    model.handle(req, t0())
}

fn ok(model: &mut Model, req: &Request<Bytes>) -> Value {
    let resp = send(model, req);
    assert_eq!(resp.status(), 200, "{:?}", resp.body());
    json(&resp)
}

fn webhook(name: &str) -> Value {
    json!({
        "name": name,
        "type": "webhook_endpoint",
        "event_payload": "thin",
        "enabled_events": ["v1.billing.meter.error_report_triggered"],
        "webhook_endpoint": {"url": "https://example.com/hook"},
        "metadata": {"team": "billing"},
    })
}

/// The members of the SDKs' v2 `EventDestination`, and nothing else.
const MEMBERS: [&str; 18] = [
    "amazon_eventbridge",
    "azure_event_grid",
    "created",
    "description",
    "enabled_events",
    "event_payload",
    "events_from",
    "id",
    "livemode",
    "metadata",
    "name",
    "object",
    "snapshot_api_version",
    "status",
    "status_details",
    "type",
    "updated",
    "webhook_endpoint",
];

#[test]
fn destinations_are_created_retrieved_updated_listed_and_toggled() {
    let mut model = Model::new(1);
    let created = ok(
        &mut model,
        &v2(
            "POST",
            "/v2/core/event_destinations",
            Some(webhook("a")),
            None,
        ),
    );
    let mut members: Vec<&str> = created
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(members, MEMBERS);
    let id = created["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("ed_"), "{id}");
    assert_eq!(created["object"], "v2.core.event_destination");
    assert_eq!(created["status"], "enabled");
    assert_eq!(created["metadata"], json!({"team": "billing"}));
    // Redacted unless included.
    assert_eq!(
        created["webhook_endpoint"],
        json!({"signing_secret": null, "url": null})
    );

    let path = format!("/v2/core/event_destinations/{id}");
    let full = ok(
        &mut model,
        &v2(
            "GET",
            &format!("{path}?include=webhook_endpoint.url"),
            None,
            None,
        ),
    );
    assert_eq!(full["webhook_endpoint"]["url"], "https://example.com/hook");
    assert_eq!(full["webhook_endpoint"]["signing_secret"], Value::Null);

    let updated = ok(
        &mut model,
        &v2(
            "POST",
            &path,
            Some(json!({"description": "meters", "metadata": {"team": null, "tier": "1"}})),
            None,
        ),
    );
    assert_eq!(updated["description"], "meters");
    assert_eq!(updated["metadata"], json!({"tier": "1"}));

    let disabled = ok(
        &mut model,
        &v2("POST", &format!("{path}/disable"), None, None),
    );
    assert_eq!(disabled["status"], "disabled");
    let enabled = ok(
        &mut model,
        &v2("POST", &format!("{path}/enable"), None, None),
    );
    assert_eq!(enabled["status"], "enabled");

    ok(
        &mut model,
        &v2(
            "POST",
            "/v2/core/event_destinations",
            Some(webhook("b")),
            None,
        ),
    );
    let page = ok(
        &mut model,
        &v2("GET", "/v2/core/event_destinations?limit=1", None, None),
    );
    assert_eq!(page["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["data"][0]["name"], "b", "newest first");
    assert!(page["next_page_url"].is_string());
}

#[test]
fn a_create_without_what_its_type_needs_is_refused() {
    let mut model = Model::new(1);
    for (body, param) in [
        (
            json!({"type": "webhook_endpoint", "event_payload": "thin", "enabled_events": []}),
            "name",
        ),
        (
            json!({"name": "x", "type": "webhook_endpoint", "event_payload": "thin", "enabled_events": []}),
            "webhook_endpoint",
        ),
        (
            json!({"name": "x", "type": "webhook_endpoint", "event_payload": "fat", "enabled_events": [],
                   "webhook_endpoint": {"url": "https://example.com"}}),
            "event_payload",
        ),
        (
            json!({"name": "x", "type": "webhook_endpoint", "event_payload": "thin", "enabled_events": [],
                   "snapshot_api_version": "2024-01-01", "webhook_endpoint": {"url": "https://example.com"}}),
            "snapshot_api_version",
        ),
    ] {
        let resp = send(
            &mut model,
            &v2("POST", "/v2/core/event_destinations", Some(body), None),
        );
        assert_eq!(resp.status(), 400, "{param}");
        let message = json(&resp)["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains(param), "{param}: {message}");
    }
    assert_eq!(model.objects("v2.core.event_destination").len(), 0);
}

#[test]
fn a_keyed_delete_whose_answer_was_lost_answers_the_deletion_on_retry() {
    let mut model = Model::new(1);
    let created = ok(
        &mut model,
        &v2(
            "POST",
            "/v2/core/event_destinations",
            Some(webhook("a")),
            None,
        ),
    );
    let path = format!(
        "/v2/core/event_destinations/{}",
        created["id"].as_str().expect("id")
    );
    let delete = v2("DELETE", &path, None, Some("del-1"));
    let outcome = model.apply(Some(&Fault::DropAfter), &delete, t0());
    assert!(matches!(outcome, Outcome::Drop { executed: true }));
    assert_eq!(
        model.objects("v2.core.event_destination").len(),
        0,
        "it executed"
    );

    let retried = ok(&mut model, &delete);
    assert_eq!(
        retried,
        json!({"id": created["id"], "object": "v2.core.event_destination"})
    );
    // Without the key, the repeat is a new request and finds nothing.
    let again = send(&mut model, &v2("DELETE", &path, None, None));
    assert_eq!(again.status(), 404);
    let gone = send(&mut model, &v2("GET", &path, None, None));
    assert_eq!(gone.status(), 404);
}
