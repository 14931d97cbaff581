//! One case per row of the retry table and per row of the advice table (both in stripe-core's
//! crate docs).

mod common;

use common::*;
use stripe_core::{Advice, ErrorKind, RetryPolicy, TransportError};

fn fast() -> RetryPolicy {
    RetryPolicy::default()
}

#[test]
fn should_retry_false_overrides_everything() {
    for code in [429, 409, 500, 503] {
        let t = run(
            post(),
            fast(),
            &[http(code, &[("stripe-should-retry", "false")], "{}")],
        );
        assert_eq!(t.sent.len(), 1, "status {code}");
        let resp = t.outcome.expect("a response");
        assert_eq!(resp.status(), code);
    }
}

#[test]
fn should_retry_true_retries_with_same_key() {
    let t = run(
        post(),
        fast(),
        &[
            http(400, &[("stripe-should-retry", "true")], "{}"),
            status(200),
        ],
    );
    assert_eq!(t.sent.len(), 2);
    let k = keys(&t);
    assert!(k[0].is_some());
    assert_eq!(k[0], k[1]);
}

#[test]
fn status_429_retries_with_same_key() {
    let t = run(post(), fast(), &[status(429), status(429), status(200)]);
    assert_eq!(t.sent.len(), 3);
    let k = keys(&t);
    assert!(k.iter().all(|x| x.is_some() && *x == k[0]));
    assert_eq!(t.outcome.expect("ok").attempts(), 3);
}

#[test]
fn status_409_retries_with_same_key() {
    let t = run(post(), fast(), &[status(409), status(200)]);
    assert_eq!(t.sent.len(), 2);
    let k = keys(&t);
    assert_eq!(k[0], k[1]);
}

#[test]
fn status_5xx_on_get_and_delete_retries_without_key() {
    for req in [get(), delete()] {
        let t = run(req, fast(), &[status(500), status(503), status(200)]);
        assert_eq!(t.sent.len(), 3);
        assert!(keys(&t).iter().all(Option::is_none));
        assert!(t.outcome.expect("ok").is_success());
    }
}

#[test]
fn status_5xx_on_post_retries_until_success() {
    let t = run(post(), fast(), &[status(503), status(200)]);
    assert_eq!(t.sent.len(), 2);
    let k = keys(&t);
    assert_eq!(k[0], k[1]);
    assert_eq!(t.outcome.expect("ok").advice(), Advice::Success);
}

#[test]
fn status_5xx_on_post_stops_at_replay_with_reconcile() {
    let t = run(
        post(),
        fast(),
        &[
            status(500),
            http(500, &[("idempotent-replayed", "true")], "{}"),
        ],
    );
    assert_eq!(t.sent.len(), 2, "a replayed 5xx ends the retries at once");
    let resp = t.outcome.expect("a response, not an error");
    assert!(resp.is_replayed());
    assert_eq!(resp.advice(), Advice::Reconcile);
}

#[test]
fn a_replay_is_final_even_when_told_to_retry() {
    let replay = http(
        500,
        &[
            ("idempotent-replayed", "true"),
            ("stripe-should-retry", "true"),
        ],
        "{}",
    );
    let t = run(post(), fast(), &[status(500), replay.clone(), status(200)]);
    assert_eq!(
        t.sent.len(),
        2,
        "the stored 500 would only be replayed again"
    );
    assert_eq!(t.outcome.expect("response").advice(), Advice::Reconcile);
    // The official SDKs retry it anyway: their preset keeps that behaviour.
    let t = run(
        post(),
        RetryPolicy::official(),
        &[status(500), replay.clone(), replay],
    );
    assert_eq!(t.sent.len(), 3);
}

#[test]
fn other_4xx_2xx_3xx_are_final() {
    for code in [200, 201, 302, 400, 401, 402, 403, 404] {
        let t = run(post(), fast(), &[status(code)]);
        assert_eq!(t.sent.len(), 1, "status {code}");
        assert_eq!(t.outcome.expect("response").status(), code);
    }
}

#[test]
fn transport_error_retries_any_method_with_same_key() {
    for kind in [
        TransportError::Connect,
        TransportError::Timeout,
        TransportError::Io,
    ] {
        let t = run(post(), fast(), &[Step::Net(kind), status(200)]);
        assert_eq!(t.sent.len(), 2);
        let k = keys(&t);
        assert_eq!(k[0], k[1]);
        let t = run(get(), fast(), &[Step::Net(kind), status(200)]);
        assert_eq!(t.sent.len(), 2);
    }
}

#[test]
fn max_tries_then_fail_with_last_response_and_key() {
    let t = run(post(), fast(), &vec![status(429); 9]);
    assert_eq!(t.sent.len(), 5);
    let first_key = keys(&t)[0].clone();
    let f = t.outcome.expect_err("exhausted");
    assert_eq!(f.kind(), &ErrorKind::RetriesExhausted);
    assert_eq!(f.response().expect("kept").status(), 429);
    assert_eq!(
        f.idempotency_key().map(|k| k.as_str().to_owned()),
        first_key
    );
    assert_eq!(f.advice(), Advice::RetrySameKey);
}

#[test]
fn conservative_is_the_racket_library() {
    let p = RetryPolicy::conservative;
    assert_eq!(run(post(), p(), &[status(429), status(200)]).sent.len(), 2);
    for code in [409, 500, 503] {
        assert_eq!(run(post(), p(), &[status(code), status(200)]).sent.len(), 1);
        assert_eq!(run(get(), p(), &[status(code), status(200)]).sent.len(), 1);
    }
    let t = run(post(), p(), &[Step::Net(TransportError::Io), status(200)]);
    assert_eq!(t.sent.len(), 1, "a transport error ends the call at once");
    let f = t.outcome.expect_err("transport failure");
    assert_eq!(f.kind(), &ErrorKind::Transport(TransportError::Io));
    assert!(f.idempotency_key().is_some(), "the key to persist");
}

#[test]
fn official_retries_429_only_when_told_or_lock_timeout() {
    let p = RetryPolicy::official;
    assert_eq!(run(post(), p(), &[status(429), status(200)]).sent.len(), 1);
    let lock = r#"{"error":{"type":"invalid_request_error","code":"lock_timeout"}}"#;
    assert_eq!(
        run(post(), p(), &[http(429, &[], lock), status(200)])
            .sent
            .len(),
        2
    );
    let told = http(429, &[("stripe-should-retry", "true")], "{}");
    assert_eq!(run(post(), p(), &[told, status(200)]).sent.len(), 2);
    // Any 5xx, even a replay, and three tries in all.
    let replay = http(500, &[("idempotent-replayed", "true")], "{}");
    assert_eq!(
        run(post(), p(), &[replay.clone(), replay.clone(), replay])
            .sent
            .len(),
        3
    );
}

// ---- advice rows ----

#[test]
fn advice_success() {
    assert_eq!(advice_of(post(), status(200)), Advice::Success);
}

#[test]
fn advice_retry_same_key_when_no_response_or_409_429() {
    assert_eq!(
        advice_of(post(), Step::Net(TransportError::Timeout)),
        Advice::RetrySameKey
    );
    assert_eq!(advice_of(post(), status(409)), Advice::RetrySameKey);
    assert_eq!(advice_of(post(), status(429)), Advice::RetrySameKey);
}

#[test]
fn advice_new_key_after_fix() {
    for code in [400, 401, 403, 404] {
        assert_eq!(
            advice_of(post(), status(code)),
            Advice::NewKeyAfterFix,
            "{code}"
        );
    }
    let idem = r#"{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters"}}"#;
    assert_eq!(
        advice_of(post(), http(400, &[], idem)),
        Advice::NewKeyAfterFix
    );
}

#[test]
fn advice_new_key_after_customer_action() {
    let declined = r#"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds"}}"#;
    assert_eq!(
        advice_of(post(), http(402, &[], declined)),
        Advice::NewKeyAfterCustomerAction
    );
}

#[test]
fn advice_reconcile_after_final_5xx_on_post() {
    assert_eq!(advice_of(post(), status(500)), Advice::Reconcile);
    assert_eq!(
        advice_of(get(), status(500)),
        Advice::Retry,
        "a GET has no side effect"
    );
}

#[test]
fn advice_reconcile_for_key_older_than_24h() {
    let old = stripe_core::IdempotencyKey::new("order-42-charge")
        .expect("valid")
        .with_created_at(wall() - std::time::Duration::from_secs(25 * 3600));
    let req = post().with_idempotency_key(old).expect("post");
    let t = run(req, RetryPolicy::default(), &[status(200)]);
    assert!(t.sent.is_empty(), "nothing is sent with an expired key");
    let f = t.outcome.expect_err("expired");
    assert!(matches!(f.kind(), ErrorKind::KeyExpired { .. }));
    assert_eq!(f.advice(), Advice::Reconcile);
    assert!(f.nothing_sent());
    assert_eq!(
        f.idempotency_key().map(|k| k.as_str()),
        Some("order-42-charge")
    );
}

#[test]
fn advice_retry_for_get_and_delete_when_no_response_or_409_429_5xx() {
    for req in [get, delete] {
        for step in [
            Step::Net(TransportError::Timeout),
            Step::Net(TransportError::Connect),
            status(409),
            status(429),
            status(500),
            status(503),
        ] {
            assert_eq!(
                advice_of(req(), step.clone()),
                Advice::Retry,
                "{:?} {step:?}",
                req().method()
            );
        }
    }
}

#[test]
fn advice_fix_request_for_get_and_delete_4xx() {
    let declined = r#"{"error":{"type":"card_error","code":"card_declined"}}"#;
    for req in [get, delete] {
        for code in [400, 401, 403, 404] {
            assert_eq!(advice_of(req(), status(code)), Advice::FixRequest, "{code}");
        }
        assert_eq!(
            advice_of(req(), http(402, &[], declined)),
            Advice::FixRequest,
            "402 on a GET or DELETE carries no key to renew"
        );
        assert_eq!(advice_of(req(), status(200)), Advice::Success);
    }
}

#[test]
fn get_and_delete_advice_never_mentions_a_key() {
    for req in [get, delete] {
        for step in [
            status(400),
            status(402),
            status(409),
            status(500),
            Step::Net(TransportError::Io),
        ] {
            let advice = advice_of(req(), step);
            assert!(
                !advice.describe().contains("key"),
                "{advice:?}: {}",
                advice.describe()
            );
        }
    }
}
