//! Events (feature `webhook`): the signature is checked before anything is read, and a bad
//! payload is a typed error that says what was wrong (escaped and bounded).

mod common;

use std::time::Duration;

use common::events::{PaymentIntent, SECRET, SIGNED_AT, SNAPSHOT, THIN, now, snapshot, thin};
use serde_json::Value;
use stripe_core::webhook::{
    DEFAULT_TOLERANCE, WebhookError, parse_event, parse_event_notification, sign,
};

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
