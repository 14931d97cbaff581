//! The `Call` state machine, state by state: awaiting a response, sleeping, over.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use stripe_core::{
    Action, Backoff, Call, FailureKind, Input, RetryPolicy, RetryReason, Seed, TransportError,
};

fn ok() -> http::Response<Bytes> {
    http::Response::builder()
        .status(200)
        .body(Bytes::from_static(b"{\"id\":\"ch_1\"}"))
        .expect("valid")
}

#[test]
fn awaiting_woke_is_out_of_order_and_keeps_the_key() {
    let now = Instant::now();
    let (mut call, first) = Call::new(post(), &config(), Seed::from_u64(3), now, wall());
    assert!(matches!(first, Action::Send(_)));
    let key = call.idempotency_key().cloned();
    match call.handle(now, Input::Woke) {
        Action::Fail(f) => {
            assert!(matches!(f.kind(), FailureKind::OutOfOrder { .. }));
            assert_eq!(f.idempotency_key().cloned(), key);
        }
        other => panic!("{other:?}"),
    }
    assert!(call.is_over());
}

#[test]
fn sleeping_early_wake_sleeps_the_rest() {
    let now = Instant::now();
    let policy = RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_secs(2)));
    let (mut call, _) = Call::new(
        post().policy(policy),
        &config(),
        Seed::from_u64(3),
        now,
        wall(),
    );
    let a = call.handle(now, Input::Transport(TransportError::Io));
    assert!(matches!(a, Action::Sleep(d) if d == Duration::from_secs(2)));
    assert_eq!(
        call.retry_reason(),
        Some(RetryReason::Transport(TransportError::Io))
    );
    let a = call.handle(now + Duration::from_millis(500), Input::Woke);
    assert!(
        matches!(a, Action::Sleep(d) if d == Duration::from_millis(1500)),
        "{a:?}"
    );
    let a = call.handle(now + Duration::from_secs(2), Input::Woke);
    assert!(matches!(a, Action::Send(_)));
    assert_eq!(call.attempts(), 2);
}

#[test]
fn sleeping_response_is_out_of_order() {
    let now = Instant::now();
    let (mut call, _) = Call::new(get(), &config(), Seed::from_u64(3), now, wall());
    let _ = call.handle(now, Input::Transport(TransportError::Connect));
    assert!(
        matches!(call.handle(now, Input::Response(ok())), Action::Fail(f) if matches!(f.kind(), FailureKind::OutOfOrder { .. }))
    );
}

#[test]
fn over_answers_fail_to_anything() {
    let now = Instant::now();
    let (mut call, _) = Call::new(get(), &config(), Seed::from_u64(3), now, wall());
    assert!(matches!(
        call.handle(now, Input::Response(ok())),
        Action::Done(_)
    ));
    assert!(call.is_over());
    for input in [
        Input::Woke,
        Input::Response(ok()),
        Input::Transport(TransportError::Io),
    ] {
        assert!(matches!(call.handle(now, input), Action::Fail(_)));
    }
}

#[test]
fn deadline_stops_before_a_sleep_that_would_pass_it() {
    let policy = RetryPolicy::default().with_deadline(Some(Duration::from_secs(5)));
    // Racket backoff: 2-3 s, then 4-5 s: the second wait passes 5 s.
    let t = run(post(), policy, &[status(429), status(429), status(200)]);
    assert_eq!(t.sent.len(), 2);
    let f = t.outcome.expect_err("deadline");
    assert!(matches!(
        f.kind(),
        FailureKind::DeadlineExceeded {
            last_transport: None
        }
    ));
    assert_eq!(f.last_response().expect("kept").status, 429);
    assert!(f.idempotency_key().is_some());
}

#[test]
fn attempt_timeout_is_cut_to_the_deadline() {
    let now = Instant::now();
    let policy = RetryPolicy::default()
        .with_attempt_timeout(Some(Duration::from_secs(30)))
        .with_deadline(Some(Duration::from_secs(10)));
    let (call, _) = Call::new(
        get().policy(policy),
        &config(),
        Seed::from_u64(3),
        now,
        wall(),
    );
    assert_eq!(call.attempt_timeout(now), Some(Duration::from_secs(10)));
    assert_eq!(
        call.attempt_timeout(now + Duration::from_secs(4)),
        Some(Duration::from_secs(6))
    );
    assert_eq!(
        call.attempt_timeout(now + Duration::from_secs(40)),
        Some(Duration::ZERO)
    );
}

#[test]
fn retry_after_is_a_capped_lower_bound_and_junk_is_ignored() {
    let p = RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_secs(1)));
    let t = run(
        post(),
        p.clone(),
        &[http(429, &[("retry-after", "7")], "{}"), status(200)],
    );
    assert_eq!(t.sleeps, vec![Duration::from_secs(7)]);
    let t = run(
        post(),
        p.clone(),
        &[http(429, &[("retry-after", "3600")], "{}"), status(200)],
    );
    assert_eq!(
        t.sleeps,
        vec![Duration::from_secs(60)],
        "capped by the policy"
    );
    let t = run(
        post(),
        p,
        &[
            http(
                429,
                &[("retry-after", "soon"), ("stripe-should-retry", "perhaps")],
                "{}",
            ),
            status(200),
        ],
    );
    assert_eq!(t.sleeps, vec![Duration::from_secs(1)]);
}

#[test]
fn bodies_that_are_not_json_are_kept_raw() {
    let t = run(
        get(),
        RetryPolicy::never(),
        &[http(502, &[], "<html>bad gateway</html>")],
    );
    let r = t.outcome.expect("a response");
    assert_eq!(
        r.body,
        stripe_core::Body::Raw(Bytes::from_static(b"<html>bad gateway</html>"))
    );
    let bytes = Bytes::from_static(&[0xff, 0xfe, 0x00]);
    let now = Instant::now();
    let (mut call, _) = Call::new(get(), &config(), Seed::from_u64(3), now, wall());
    let resp = http::Response::builder()
        .status(200)
        .body(bytes.clone())
        .expect("valid");
    assert!(
        matches!(call.handle(now, Input::Response(resp)), Action::Done(r) if r.body == stripe_core::Body::Raw(bytes))
    );
}

#[test]
fn oversized_body_is_a_typed_failure_keeping_status_and_headers() {
    let config = stripe_core::Config::builder("sk_test_123")
        .max_body_bytes(4)
        .build()
        .expect("valid");
    let now = Instant::now();
    let (mut call, _) = Call::new(post(), &config, Seed::from_u64(3), now, wall());
    let resp = http::Response::builder()
        .status(200)
        .header("request-id", "req_9")
        .body(Bytes::from_static(b"{\"id\":1}"))
        .expect("valid");
    match call.handle(now, Input::Response(resp)) {
        Action::Fail(f) => {
            assert!(
                matches!(f.kind(), FailureKind::ResponseTooLarge { status, limit: 4 } if *status == 200)
            );
            assert_eq!(f.headers().expect("kept")["request-id"], "req_9");
            assert_eq!(f.advice(), stripe_core::Advice::Reconcile);
            assert!(f.idempotency_key().is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn response_fields_are_filled() {
    let t = run(
        post(),
        RetryPolicy::default(),
        &[http(
            200,
            &[("request-id", "req_1"), ("idempotent-replayed", "true")],
            "{\"id\":\"ch_1\"}",
        )],
    );
    let r = t.outcome.expect("ok");
    assert_eq!(r.request_id.as_deref(), Some("req_1"));
    assert!(r.replayed);
    assert_eq!(r.json().expect("json")["id"], "ch_1");
    assert_eq!(r.attempts, 1);
    assert!(r.idempotency_key.is_some());
}
