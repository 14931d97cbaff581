//! The `Session`: one seed for a whole run (each call on its own stream of it, the same
//! sequence from the same session seed), and the telemetry memory that `learn` fills.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use stripe_core::{Action, Backoff, Input, Request, RetryPolicy, Seed, Session, TransportError};

/// The keys of `n` POSTs started one after the other from `session`, all at the same instants.
fn keys_of(session: &mut Session, n: usize) -> Vec<String> {
    let now = Instant::now();
    (0..n)
        .map(|_| {
            let (call, first) = session.call(post(), now, wall()).expect("a valid call");
            let Action::Send { request, .. } = first else {
                panic!("expected a send, got {first:?}");
            };
            let sent = request.headers()["idempotency-key"]
                .to_str()
                .expect("ascii")
                .to_owned();
            let key = call.idempotency_key().expect("a POST key").as_str();
            assert_eq!(sent, key, "the key sent is the key the call reports");
            sent
        })
        .collect()
}

#[test]
fn each_call_draws_its_own_seed_and_the_session_seed_fixes_the_sequence() {
    let first = keys_of(&mut session(7), 5);
    let mut distinct = first.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 5, "a fresh key per call: {first:?}");

    let again = keys_of(&mut session(7), 5);
    assert_eq!(
        first, again,
        "the same session seed gives the same keys in order"
    );

    let other = keys_of(&mut session(8), 5);
    assert!(
        first.iter().all(|k| !other.contains(k)),
        "another session seed gives other keys: {first:?} {other:?}"
    );

    let from_bytes = keys_of(&mut Session::new(config(), Seed::from_bytes([7; 32])), 2);
    assert_eq!(
        from_bytes,
        keys_of(&mut Session::new(config(), Seed::from_bytes([7; 32])), 2)
    );
    assert_ne!(from_bytes[..], first[..2]);
}

/// The first wait of a GET that got no answer, under the jittered default backoff.
fn first_wait(session: &mut Session) -> Duration {
    let now = Instant::now();
    let (mut call, _) = session.call(get(), now, wall()).expect("a valid call");
    match call.handle(now, Input::Transport(TransportError::Io)) {
        Action::Sleep { until, .. } => until - now,
        other => panic!("expected a sleep, got {other:?}"),
    }
}

#[test]
fn the_jitter_of_each_call_comes_from_its_own_seed() {
    let mut a = session(21);
    let waits: Vec<Duration> = (0..4).map(|_| first_wait(&mut a)).collect();
    let mut b = session(21);
    let again: Vec<Duration> = (0..4).map(|_| first_wait(&mut b)).collect();
    assert_eq!(waits, again);
    // PowerOfTwo before retry 1: 2 s plus a jitter of up to 1 s, drawn afresh for each call.
    assert!(
        waits
            .iter()
            .all(|w| *w >= Duration::from_secs(2) && *w <= Duration::from_secs(3)),
        "{waits:?}"
    );
    let mut distinct = waits.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), waits.len(), "{waits:?}");
}

/// Runs one GET from `session` answered 200 after 42 ms with `headers`; learns from it.
fn call_and_learn(session: &mut Session, headers: &[(&str, &str)]) -> http::Request<Bytes> {
    let now = Instant::now();
    let (mut call, first) = session
        .call(Request::get("/v1/balance").expect("valid"), now, wall())
        .expect("a valid call");
    let Action::Send { request, .. } = first else {
        panic!("expected a send, got {first:?}");
    };
    let mut answer = http::Response::builder().status(200);
    for (k, v) in headers {
        answer = answer.header(*k, *v);
    }
    let answer = answer.body(Bytes::from_static(b"{}")).expect("valid");
    match call.handle(now + Duration::from_millis(42), Input::Response(answer)) {
        Action::Done(response) => {
            assert_eq!(response.attempt_duration(), Duration::from_millis(42));
            session.learn(&response);
        }
        other => panic!("expected done, got {other:?}"),
    }
    request
}

fn telemetry(request: &http::Request<Bytes>) -> Option<&str> {
    request
        .headers()
        .get("x-stripe-client-telemetry")
        .map(|v| v.to_str().expect("ascii"))
}

#[test]
fn telemetry_appears_on_the_call_after_learn() {
    let mut s = session(3);
    let first = call_and_learn(&mut s, &[("request-id", "req_first")]);
    assert_eq!(
        telemetry(&first),
        None,
        "nothing learnt before the first call"
    );
    let second = call_and_learn(&mut s, &[("request-id", "req_second")]);
    assert_eq!(
        telemetry(&second),
        Some(r#"{"last_request_metrics":{"request_id":"req_first","request_duration_ms":42}}"#)
    );
    let third = call_and_learn(&mut s, &[]);
    assert_eq!(
        telemetry(&third),
        Some(r#"{"last_request_metrics":{"request_id":"req_second","request_duration_ms":42}}"#),
        "each call tells the one before"
    );
}

#[test]
fn a_session_runs_a_retried_call_to_the_same_trace_from_the_same_seed() {
    let policy = RetryPolicy::default().with_backoff(Backoff::PowerOfTwo {
        cap: Duration::from_secs(32),
    });
    let script = [status(503), Step::Net(TransportError::Io), status(200)];
    let a = run_with(
        post(),
        policy.clone(),
        Seed::from_u64(5),
        &script,
        Duration::from_millis(10),
    );
    let b = run_with(
        post(),
        policy.clone(),
        Seed::from_u64(5),
        &script,
        Duration::from_millis(10),
    );
    assert_eq!(a.log, b.log);
    assert_eq!(a.sent.len(), 3);
    let c = run_with(
        post(),
        policy,
        Seed::from_u64(6),
        &script,
        Duration::from_millis(10),
    );
    assert_ne!(a.log, c.log, "another seed, another key and other waits");
}

/// The room a transport asks for keeps each attempt's header map from growing when the
/// transport adds its own headers (its capacity holds them), and changes no byte of the
/// request: the same headers, in the same order, as a session without room sends.
#[test]
fn header_room_leaves_space_in_the_map_and_the_request_as_it_was() {
    let now = Instant::now();
    let first = |session: &mut Session, request: Request| {
        let (_, first) = session.call(request, now, wall()).expect("a valid call");
        let Action::Send { request, .. } = first else {
            panic!("expected a send, got {first:?}");
        };
        request
    };
    for room in [0, 1, 2, 5, usize::MAX] {
        for make in [post, get] {
            let plain = first(&mut session(3), make());
            let mut roomy = session(3);
            roomy.set_header_room(room);
            let sent = first(&mut roomy, make());
            let names = |r: &http::Request<Bytes>| {
                let h = r.headers();
                h.iter()
                    .map(|(n, v)| format!("{n}: {v:?}"))
                    .collect::<Vec<_>>()
            };
            assert_eq!(names(&sent), names(&plain), "room {room}");
            assert_eq!(sent.uri(), plain.uri());
            assert_eq!(sent.body(), plain.body());
            let wanted = sent.headers().len() + room.min(32);
            assert!(
                sent.headers().capacity() >= wanted,
                "room {room}: capacity {} < {wanted}",
                sent.headers().capacity()
            );
        }
    }
}
