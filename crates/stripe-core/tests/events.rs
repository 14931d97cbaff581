//! Events (feature `webhook`): snapshot `Event<T>` and thin notifications, parsed after their
//! signature is checked, with open types, unknown fields kept, typed errors, and the fetches a
//! thin notification asks for. Fixtures: `tests/fixtures/` (source and license there).

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{Value, json};
use stripe_core::RequestError;
use stripe_core::webhook::{
    DEFAULT_TOLERANCE, Event, EventNotification, EventType, WebhookError, parse_event,
    parse_event_notification, sign,
};

const SECRET: &str = "whsec_events_test";
const SIGNED_AT: i64 = 1_750_000_000;
const SNAPSHOT: &[u8] = include_bytes!("fixtures/event_payment_intent.json");
const THIN: &[u8] = include_bytes!("fixtures/thin_account_updated.json");

fn now() -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(SIGNED_AT).expect("positive") + 5)
}

/// A payment intent as a user types it: a few fields, the rest ignored.
#[derive(Debug, Deserialize, PartialEq)]
struct PaymentIntent {
    id: String,
    amount: i64,
    currency: String,
    status: String,
    customer: Option<String>,
    metadata: BTreeMap<String, String>,
}

fn snapshot<T: serde::de::DeserializeOwned>(payload: &[u8]) -> Result<Event<T>, WebhookError> {
    let header = sign(payload, SECRET, SIGNED_AT);
    parse_event(payload, &header, SECRET, now(), Some(DEFAULT_TOLERANCE))
}

fn thin(payload: &[u8]) -> Result<EventNotification, WebhookError> {
    let header = sign(payload, SECRET, SIGNED_AT);
    parse_event_notification(payload, &header, SECRET, now(), Some(DEFAULT_TOLERANCE))
}

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
fn the_signature_is_checked_before_anything_is_read() {
    let header = sign(THIN, SECRET, SIGNED_AT);
    let tol = Some(DEFAULT_TOLERANCE);
    let err = parse_event_notification(b"not even json", &header, SECRET, now(), tol)
        .expect_err("signature of other bytes");
    assert!(matches!(err, WebhookError::Mismatch), "{err:?}");
    let err = parse_event::<Value>(THIN, &header, "whsec_other", now(), tol).expect_err("secret");
    assert!(matches!(err, WebhookError::Mismatch), "{err:?}");
    let late = now() + Duration::from_secs(3600);
    let err = parse_event_notification(THIN, &header, SECRET, late, tol).expect_err("too old");
    assert!(
        matches!(err, WebhookError::OutsideTolerance { .. }),
        "{err:?}"
    );
}

#[test]
fn bad_payloads_are_typed_errors_that_say_what_was_wrong() {
    let err = thin(b"{\"id\": ").expect_err("truncated");
    assert!(matches!(err, WebhookError::Payload(_)), "{err:?}");
    assert!(err.to_string().starts_with("payload is not JSON"), "{err}");

    let err = thin(br#"{"object":"v2.core.event","type":"v2.x","created":"2025-01-01T00:00:00Z"}"#)
        .expect_err("no id");
    assert!(matches!(err, WebhookError::Shape { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("not a thin event notification") && text.contains("missing field `id`"),
        "{text}"
    );
    assert!(std::error::Error::source(&err).is_some());

    let err = snapshot::<PaymentIntent>(br#"{"id":"evt_1","object":"event","type":"x","created":1,"data":{"object":{"id":"pi_1"}}}"#)
        .expect_err("the typed object lacks fields");
    assert!(err.to_string().contains("missing field `amount`"), "{err}");

    let err = thin(SNAPSHOT).expect_err("a snapshot event given to the thin parser");
    assert!(
        matches!(&err, WebhookError::WrongObject { expected: "v2.core.event", found } if found == "event"),
        "{err:?}"
    );
    assert!(err.to_string().contains("parse_event"), "{err}");
    let err = snapshot::<Value>(THIN).expect_err("a thin notification given to parse_event");
    assert!(
        matches!(&err, WebhookError::WrongObject { expected: "event", found } if found == "v2.core.event"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("parse_event_notification"),
        "{err}"
    );

    // Server text in an error is shown escaped, and bounded.
    let hostile = format!(
        r#"{{"id":"e","object":"\u001b[31m{}","type":"t","created":1,"data":{{"object":1}}}}"#,
        "x".repeat(500)
    );
    let err = snapshot::<Value>(hostile.as_bytes()).expect_err("another object");
    let text = err.to_string();
    assert!(!text.contains('\u{1b}') && text.len() < 300, "{text}");
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

mod properties {
    use proptest::prelude::*;
    use serde_json::{Map, Value};
    use stripe_core::webhook::{
        Event, EventNotification, parse_event, parse_event_notification, sign,
    };

    use super::{SECRET, SIGNED_AT, SNAPSHOT, THIN, now};

    fn cases() -> u32 {
        std::env::var("FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2_000)
    }

    /// Any JSON value, a few levels deep.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            // Decimals of a few digits: serde_json reads these back exactly (it does not read
            // every f64 it writes back to the same f64, which is serde_json's, not ours).
            (any::<i32>(), 0..4i32).prop_map(|(m, e)| Value::from(f64::from(m) / 10f64.powi(e))),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Members no event has (the `zz_` prefix keeps them off the known names).
    fn unknown_members() -> impl Strategy<Value = Map<String, Value>> {
        prop::collection::btree_map("zz_[a-z0-9_]{0,10}", json_value(), 0..5)
            .prop_map(|m| m.into_iter().collect())
    }

    /// Bytes near an event: a fixture cut, spliced or with bytes flipped, or any bytes at all.
    fn near_event() -> impl Strategy<Value = Vec<u8>> {
        let fixture = prop_oneof![Just(SNAPSHOT.to_vec()), Just(THIN.to_vec())];
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..256),
            (fixture.clone(), any::<prop::sample::Index>())
                .prop_map(|(f, at)| f[..at.index(f.len() + 1)].to_vec()),
            (
                fixture,
                prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)
            )
                .prop_map(|(mut f, flips)| {
                    for (at, byte) in flips {
                        let i = at.index(f.len());
                        f[i] = byte;
                    }
                    f
                }),
        ]
    }

    fn with(
        mut base: Value,
        top: &Map<String, Value>,
        nested: &[(&str, &Map<String, Value>)],
    ) -> Value {
        for (k, v) in top {
            base[k] = v.clone();
        }
        for (at, members) in nested {
            for (k, v) in *members {
                base[*at][k] = v.clone();
            }
        }
        base
    }

    /// The payload's bytes, and the JSON they read as (serde_json reads some floats' last digit
    /// differently from the value they were written from: the reference is what is read).
    fn as_sent(value: &Value) -> (Vec<u8>, Value) {
        let bytes = serde_json::to_vec(value).expect("bytes");
        let read = serde_json::from_slice(&bytes).expect("json");
        (bytes, read)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        /// Any bytes, signed or not: a typed answer from both parsers, never a panic.
        #[test]
        fn any_bytes_get_a_typed_answer(payload in near_event()) {
            let header = sign(&payload, SECRET, SIGNED_AT);
            let tol = Some(stripe_core::webhook::DEFAULT_TOLERANCE);
            let _ = parse_event::<Value>(&payload, &header, SECRET, now(), tol);
            let _ = parse_event::<super::PaymentIntent>(&payload, &header, SECRET, now(), tol);
            if let Ok(note) = parse_event_notification(&payload, &header, SECRET, now(), tol) {
                let _ = note.fetch_event().request();
                let _ = note.fetch_related_object().map(|f| f.request());
            }
            prop_assert!(parse_event_notification(&payload, "t=1,v1=00", SECRET, now(), None).is_err());
        }

        /// A snapshot event with members nobody knows, at every level: read and written
        /// back, it is the same JSON, and read again, the same event.
        #[test]
        fn snapshot_round_trips_keep_unknown_members(
            top in unknown_members(), data in unknown_members(), request in unknown_members(),
            object in json_value(),
        ) {
            let mut base: Value = serde_json::from_slice(SNAPSHOT).expect("json");
            base["data"]["object"] = object;
            let (bytes, input) = as_sent(&with(base, &top, &[("data", &data), ("request", &request)]));
            let parsed: Event = Event::from_slice(&bytes).expect("parses");
            let written = serde_json::to_value(&parsed).expect("serializes");
            prop_assert_eq!(&written, &input);
            let again: Event = Event::from_slice(&serde_json::to_vec(&written).expect("bytes")).expect("parses again");
            prop_assert_eq!(again, parsed);
        }

        /// The same for a thin notification.
        #[test]
        fn thin_round_trips_keep_unknown_members(
            top in unknown_members(), related in unknown_members(), reason in unknown_members(),
        ) {
            let base: Value = serde_json::from_slice(THIN).expect("json");
            let (bytes, input) = as_sent(&with(base, &top, &[("related_object", &related), ("reason", &reason)]));
            let parsed = EventNotification::from_slice(&bytes).expect("parses");
            let written = serde_json::to_value(&parsed).expect("serializes");
            prop_assert_eq!(&written, &input);
            for (k, v) in &top {
                prop_assert_eq!(&parsed.extra()[k], v);
            }
        }

        /// `from_slice` reads a notification of known members only by a fast path of its own:
        /// on any bytes near a notification (members dropped, nulled or of another type, bytes
        /// cut or flipped), it gives what the path that keeps unknown members gives (the
        /// `Deserialize` impl), or an error where that one fails.
        #[test]
        fn thin_fast_and_full_reads_agree(
            payload in prop_oneof![
                near_event(),
                (prop::sample::subsequence(
                    vec!["id", "object", "type", "created", "livemode", "context", "related_object", "reason"], 0..4),
                 prop::sample::select(vec![Value::Null, Value::from(7), Value::from("x"), Value::Bool(true)]))
                    .prop_map(|(names, v)| {
                        let mut base: Value = serde_json::from_slice(THIN).expect("json");
                        for (i, name) in names.iter().enumerate() {
                            if i % 2 == 0 { base[*name] = v.clone(); } else if let Some(m) = base.as_object_mut() { m.remove(*name); }
                        }
                        serde_json::to_vec(&base).expect("bytes")
                    }),
            ]
        ) {
            let full = serde_json::from_slice::<EventNotification>(&payload).ok();
            // The one check `from_slice` adds: an `object`, when present, is a thin event's.
            let thin_object = |n: &EventNotification| {
                serde_json::to_value(n)
                    .ok()
                    .and_then(|v| v.get("object").cloned())
                    .is_none_or(|o| o == "v2.core.event")
            };
            match EventNotification::from_slice(&payload) {
                Ok(fast) => prop_assert_eq!(Some(fast), full),
                Err(_) => prop_assert!(
                    full.as_ref().is_none_or(|n| !thin_object(n)),
                    "the fast path failed where the full read gave {:?}", full
                ),
            }
        }
    }
}
