//! The `Call` state machine, state by state: awaiting a response, sleeping, over.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use stripe_core::{
    Action, Advice, Backoff, Call, ErrorKind, Input, Request, RetryPolicy, RetryReason,
    TransportError,
};

fn ok() -> http::Response<Bytes> {
    http::Response::builder()
        .status(200)
        .body(Bytes::from_static(b"{\"id\":\"ch_1\"}"))
        .expect("valid")
}

/// A call of `request` from a session seeded with 3, started at `now`.
fn start(request: Request, now: Instant) -> (Call, Action) {
    session(3).call(request, now, wall()).expect("a valid call")
}

#[test]
fn awaiting_woke_is_out_of_order_and_keeps_the_key() {
    let now = Instant::now();
    let (mut call, first) = start(post(), now);
    assert!(matches!(first, Action::Send { .. }));
    let key = call.idempotency_key().cloned();
    match call.handle(now, Input::Woke) {
        Action::Fail(f) => {
            assert!(matches!(f.kind(), ErrorKind::OutOfOrder { .. }));
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
    let (mut call, _) = start(post().with_policy(policy).expect("valid"), now);
    let a = call.handle(now, Input::Transport(TransportError::Io));
    let Action::Sleep {
        until,
        notice: Some(notice),
    } = a
    else {
        panic!("expected a sleep with a notice, got {a:?}");
    };
    assert_eq!(until, now + Duration::from_secs(2));
    assert_eq!(notice.wait(), Duration::from_secs(2));
    assert_eq!(notice.reason(), RetryReason::Transport(TransportError::Io));
    assert_eq!((notice.attempt(), notice.max_tries()), (2, 5));
    // Woken 500 ms in: the same instant again (1.5 s left), and no second notice.
    let early = now + Duration::from_millis(500);
    let a = call.handle(early, Input::Woke);
    assert!(
        matches!(a, Action::Sleep { until: u, notice: None } if u == until && u - early == Duration::from_millis(1500)),
        "{a:?}"
    );
    let a = call.handle(now + Duration::from_secs(2), Input::Woke);
    assert!(matches!(a, Action::Send { .. }));
    assert_eq!(call.attempts(), 2);
}

#[test]
fn every_retry_gives_one_notice_with_its_reason() {
    let policy = RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_secs(1)));
    let t = run(
        post(),
        policy,
        &[
            status(429),
            Step::Net(TransportError::Timeout),
            status(503),
            status(200),
        ],
    );
    assert_eq!(t.sent.len(), 4);
    let notices: Vec<_> = t.notices.iter().map(|n| n.expect("a notice")).collect();
    let reasons: Vec<_> = notices.iter().map(|n| n.reason()).collect();
    assert_eq!(
        reasons,
        vec![
            RetryReason::Status(http::StatusCode::TOO_MANY_REQUESTS),
            RetryReason::Transport(TransportError::Timeout),
            RetryReason::Status(http::StatusCode::SERVICE_UNAVAILABLE),
        ]
    );
    let attempts: Vec<_> = notices.iter().map(|n| n.attempt()).collect();
    assert_eq!(attempts, vec![2, 3, 4]);
    assert!(notices.iter().all(|n| n.wait() == Duration::from_secs(1)));
}

#[test]
fn sleeping_response_is_out_of_order() {
    let now = Instant::now();
    let (mut call, _) = start(get(), now);
    let _ = call.handle(now, Input::Transport(TransportError::Connect));
    assert!(
        matches!(call.handle(now, Input::Response(ok())), Action::Fail(f) if matches!(f.kind(), ErrorKind::OutOfOrder { .. }))
    );
}

#[test]
fn over_answers_fail_to_anything() {
    let now = Instant::now();
    let (mut call, _) = start(get(), now);
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
    // PowerOfTwo backoff: 2-3 s, then 4-5 s: the second wait passes 5 s.
    let t = run(post(), policy, &[status(429), status(429), status(200)]);
    assert_eq!(t.sent.len(), 2);
    let f = t.outcome.expect_err("deadline");
    assert!(matches!(
        f.kind(),
        ErrorKind::DeadlineExceeded {
            last_transport: None
        }
    ));
    assert_eq!(f.response().expect("kept").status(), 429);
    assert!(f.idempotency_key().is_some());
}

/// The `by` of a send, as an offset from `start`.
fn by_of(action: &Action, start: Instant) -> Option<Duration> {
    match action {
        Action::Send { by, .. } => by.map(|by| by - start),
        other => panic!("expected a send, got {other:?}"),
    }
}

#[test]
fn send_by_is_the_attempt_timeout_cut_to_the_deadline() {
    let now = Instant::now();
    let fixed = |policy: RetryPolicy| policy.with_backoff(Backoff::Fixed(Duration::from_secs(1)));
    // A deadline before the attempt timeout: every attempt is over by the deadline.
    let policy = fixed(RetryPolicy::default())
        .with_attempt_timeout(Some(Duration::from_secs(30)))
        .with_deadline(Some(Duration::from_secs(10)));
    let (mut call, first) = start(get().with_policy(policy).expect("valid"), now);
    assert_eq!(by_of(&first, now), Some(Duration::from_secs(10)));
    let t4 = now + Duration::from_secs(4);
    assert!(matches!(
        call.handle(t4, Input::Transport(TransportError::Io)),
        Action::Sleep { .. }
    ));
    let second = call.handle(t4 + Duration::from_secs(1), Input::Woke);
    assert_eq!(
        by_of(&second, now),
        Some(Duration::from_secs(10)),
        "5 s left"
    );
    // An attempt that overruns its `by` ends the call: the next wait would pass the deadline.
    match call.handle(
        now + Duration::from_secs(40),
        Input::Transport(TransportError::Timeout),
    ) {
        Action::Fail(f) => assert!(matches!(
            f.kind(),
            ErrorKind::DeadlineExceeded {
                last_transport: Some(TransportError::Timeout)
            }
        )),
        other => panic!("{other:?}"),
    }

    // An attempt timeout well within the deadline: `by` is now + timeout, until the deadline
    // is nearer.
    let policy = fixed(RetryPolicy::default())
        .with_attempt_timeout(Some(Duration::from_secs(3)))
        .with_deadline(Some(Duration::from_secs(10)));
    let (mut call, first) = start(get().with_policy(policy).expect("valid"), now);
    assert_eq!(by_of(&first, now), Some(Duration::from_secs(3)));
    let t2 = now + Duration::from_secs(2);
    let _ = call.handle(t2, Input::Transport(TransportError::Io));
    let second = call.handle(t2 + Duration::from_secs(1), Input::Woke);
    assert_eq!(
        by_of(&second, now),
        Some(Duration::from_secs(6)),
        "3 s + 3 s"
    );
    let t8 = now + Duration::from_secs(8);
    let _ = call.handle(t8, Input::Transport(TransportError::Io));
    let third = call.handle(t8 + Duration::from_secs(1), Input::Woke);
    assert_eq!(
        by_of(&third, now),
        Some(Duration::from_secs(10)),
        "cut at 10 s"
    );

    // Neither bound: no `by`; only one of them: that one.
    let none = RetryPolicy::default().with_attempt_timeout(None);
    let (_, first) = start(get().with_policy(none.clone()).expect("valid"), now);
    assert_eq!(by_of(&first, now), None);
    let deadline_only = none.with_deadline(Some(Duration::from_secs(7)));
    let (_, first) = start(get().with_policy(deadline_only).expect("valid"), now);
    assert_eq!(by_of(&first, now), Some(Duration::from_secs(7)));
    let (_, first) = start(get(), now);
    assert_eq!(
        by_of(&first, now),
        Some(Duration::from_secs(80)),
        "the default attempt timeout"
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
    assert_eq!(r.bytes(), &Bytes::from_static(b"<html>bad gateway</html>"));
    assert!(r.json().is_none());
    let bytes = Bytes::from_static(&[0xff, 0xfe, 0x00]);
    let now = Instant::now();
    let (mut call, _) = start(get(), now);
    let resp = http::Response::builder()
        .status(200)
        .body(bytes.clone())
        .expect("valid");
    assert!(
        matches!(call.handle(now, Input::Response(resp)), Action::Done(r) if *r.bytes() == bytes && r.json().is_none())
    );
}

#[test]
fn oversized_body_is_a_typed_failure_keeping_status_and_headers() {
    let config = stripe_core::Config::builder("sk_test_123")
        .max_body_bytes(4)
        .build()
        .expect("valid");
    let now = Instant::now();
    let mut session = stripe_core::Session::new(config, stripe_core::Seed::from_u64(3));
    let (mut call, _) = session.call(post(), now, wall()).expect("valid");
    let resp = http::Response::builder()
        .status(200)
        .header("request-id", "req_9")
        .body(Bytes::from_static(b"{\"id\":1}"))
        .expect("valid");
    match call.handle(now, Input::Response(resp)) {
        Action::Fail(f) => {
            assert!(
                matches!(f.kind(), ErrorKind::ResponseTooLarge { status, limit: 4 } if *status == 200)
            );
            assert_eq!(f.headers().expect("kept")["request-id"], "req_9");
            assert_eq!(f.advice(), Advice::Reconcile);
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
    assert_eq!(r.request_id(), Some("req_1"));
    assert!(r.is_replayed());
    assert_eq!(r.json().expect("json")["id"], "ch_1");
    assert_eq!(r.attempts(), 1);
    assert!(r.idempotency_key().is_some());
    assert_eq!(
        r.attempt_duration(),
        std::time::Duration::from_millis(100),
        "one attempt of the scripted driver"
    );
}
