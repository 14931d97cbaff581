//! Events (feature `webhook`): snapshot `Event<T>` and thin notifications, parsed after their
//! signature is checked, with open types and unknown fields kept, and the fetches a thin
//! notification asks for. Errors: `events_errors.rs`; properties: `events_properties.rs`.
//! Fixtures: `tests/fixtures/` (source and license there).

mod common;

use common::events::{PaymentIntent, SNAPSHOT, THIN, snapshot, thin};
use serde_json::{Value, json};
use stripe_core::RequestError;
use stripe_core::webhook::{Event, EventType};

#[test]
fn a_snapshot_event_into_a_typed_object_and_into_json() {
    let event: Event<PaymentIntent> = snapshot(SNAPSHOT).expect("parses");
    assert_eq!(event.id(), "evt_1Pgc76B7WZ01zgkWwyRHS12y");
    assert_eq!(event.event_type(), &EventType::PAYMENT_INTENT_SUCCEEDED);
    assert_eq!(event.created(), 1_234_567_890);
    assert_eq!(event.api_version(), Some("2023-08-16"));
    assert!(!event.livemode());
    assert_eq!(event.pending_webhooks(), 0);
    assert_eq!(event.account(), None);
    let request = event.request().expect("request");
    assert_eq!(request.id(), Some("req_Tp1R3q5bRDkqGj"));
    assert_eq!(
        request.idempotency_key(),
        Some("0192a0f4-8a4e-7c41-9d8e-5b0e1f7a2c33")
    );
    assert_eq!(event.data().previous_attributes(), None);
    let pi = event.into_object();
    assert_eq!(
        (pi.id.as_str(), pi.amount, pi.currency.as_str()),
        ("pi_1PgafyB7WZ01zgkWSjxsAJo3", 1099, "usd")
    );
    assert_eq!(pi.status, "requires_payment_method");
    assert_eq!((pi.customer, pi.metadata.len()), (None, 0));

    let untyped: Event = snapshot(SNAPSHOT).expect("parses as Value");
    assert_eq!(untyped.object()["object"], "payment_intent");
    assert_eq!(untyped.object()["amount"], 1099);
}

#[test]
fn a_type_never_seen_and_members_never_seen_parse_and_are_kept() {
    let mut event: Value = serde_json::from_slice(SNAPSHOT).expect("json");
    event["type"] = json!("quantum_ledger.entangled");
    event["brand_new"] = json!({"nested": [1, 2, {"x": null}]});
    event["data"]["previous_attributes"] = json!({"amount": 1000});
    event["data"]["delta"] = json!("kept");
    event["request"]["trace"] = json!(7);
    event["account"] = json!("acct_1");
    let payload = serde_json::to_vec(&event).expect("bytes");
    let parsed: Event = snapshot(&payload).expect("a new type is no failure");
    assert_eq!(parsed.event_type(), "quantum_ledger.entangled");
    assert!(!parsed.event_type().is_thin());
    assert_eq!(parsed.extra()["brand_new"], event["brand_new"]);
    assert_eq!(parsed.data().extra()["delta"], "kept");
    assert_eq!(parsed.request().expect("request").extra()["trace"], 7);
    assert_eq!(parsed.account(), Some("acct_1"));
    assert_eq!(
        parsed.data().previous_attributes().expect("previous")["amount"],
        1000
    );
    assert_eq!(serde_json::to_value(&parsed).expect("serializes"), event);
}

#[test]
fn a_thin_notification_and_the_requests_it_asks_for() {
    let note = thin(THIN).expect("parses");
    assert_eq!(
        note.id(),
        "evt_test_65RJ3ztjd0ghvDO3vSK16RHYVbWESQRUIYe96GKnfVz1"
    );
    assert_eq!(note.event_type(), &EventType::V2_CORE_ACCOUNT_UPDATED);
    assert!(note.event_type().is_thin());
    assert_eq!(note.created(), "2025-06-18T16:42:07.513Z");
    assert!(!note.livemode());
    assert_eq!(note.context(), Some("acct_1RbJ3zQ9RKHgCVdK"));
    let related = note.related_object().expect("related object");
    assert_eq!(related.object_type(), "v2.core.account");
    assert_eq!(related.id(), "acct_1RbJ3zQ9RKHgCVdK");
    let reason = note.reason().expect("reason");
    assert_eq!(reason.reason_type(), "request");
    let request = reason.request().expect("request");
    assert_eq!(request.id(), Some("req_v2Qh3lGf0xkZaT5eK"));
    assert_eq!(
        request.idempotency_key(),
        Some("0197847e-6a39-7b63-a1d2-3f0e5c9b8d41")
    );

    let event = note.fetch_event();
    assert_eq!(
        event.path(),
        "/v2/core/events/evt_test_65RJ3ztjd0ghvDO3vSK16RHYVbWESQRUIYe96GKnfVz1"
    );
    assert_eq!(event.context(), Some("acct_1RbJ3zQ9RKHgCVdK"));
    let get = event.request().expect("a valid request");
    assert_eq!(get.method(), stripe_core::Method::Get);
    assert_eq!(get.path(), event.path());

    let object = note.fetch_related_object().expect("it has one");
    assert_eq!(object.path(), "/v2/core/accounts/acct_1RbJ3zQ9RKHgCVdK");
    assert_eq!(object.context(), Some("acct_1RbJ3zQ9RKHgCVdK"));
    assert_eq!(
        object.request().expect("valid").path(),
        "/v2/core/accounts/acct_1RbJ3zQ9RKHgCVdK"
    );
}

#[test]
fn a_notification_without_context_or_object_fetches_in_the_keys_own_account() {
    let payload = br#"{"id":"evt_2","object":"v2.core.event","type":"v2.core.event_destination.ping","created":"2025-01-01T00:00:00Z","livemode":true,"context":null}"#;
    let note = thin(payload).expect("parses");
    assert_eq!(
        note.event_type(),
        &EventType::V2_CORE_EVENT_DESTINATION_PING
    );
    assert!(note.livemode());
    assert_eq!(note.fetch_event().context(), None);
    assert_eq!(note.fetch_related_object(), None);
}

#[test]
fn a_related_object_url_that_points_elsewhere_is_refused_when_the_request_is_made() {
    for url in [
        "https://evil.example/v2/core/accounts/acct_1",
        "//evil.example/v2/x",
        "/v2/core/../../admin",
        "/v2/core/accounts/acct_1\r\nX-Injected: 1",
        "",
    ] {
        let mut note: Value = serde_json::from_slice(THIN).expect("json");
        note["related_object"]["url"] = json!(url);
        let note = thin(&serde_json::to_vec(&note).expect("bytes")).expect("parses");
        let fetch = note.fetch_related_object().expect("present");
        assert!(
            matches!(fetch.request(), Err(RequestError::Path { .. })),
            "{url:?} gave {:?}",
            fetch.request()
        );
    }
}

#[test]
fn event_types_compare_with_constants_and_strings_and_print_safely() {
    let t: EventType = serde_json::from_str("\"charge.succeeded\"").expect("a string");
    assert_eq!(t, EventType::CHARGE_SUCCEEDED);
    assert_eq!(t, "charge.succeeded");
    assert_eq!(
        EventType::new("charge.succeeded"),
        EventType::CHARGE_SUCCEEDED
    );
    assert_eq!(
        serde_json::to_string(&t).expect("json"),
        "\"charge.succeeded\""
    );
    let hostile = EventType::new("a\u{1b}[2Jb\n");
    assert_eq!(hostile.to_string(), "a\\u{1b}[2Jb\\n");
    assert_eq!(format!("{hostile:?}"), "\"a\\u{1b}[2Jb\\n\"");
}
