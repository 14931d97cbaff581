//! Calls that get no response, on every adapter, against a canned server on loopback that
//! hangs or stalls, or an address nothing listens on: the kind (`Connect` only when nothing
//! left), the bound of every attempt (also over a user's HTTP client that bounds nothing), and
//! the cause (`source()` is the transport's own error).

#[macro_use]
mod support;

use std::error::Error as _;
use std::time::{Duration, Instant};

use stripe_core::{Error, ErrorKind, RetryPolicy, TransportError};
use support::canned::Reply;
use support::wire::{canned, client, config_with, dead_base, one_try};
use support::{Adapter, Http};

// ---------------------------------------------------------------------------------------------
// No response: kinds, bounds, the cause

fn connection_refused_is_a_connect_failure_with_the_key_and_the_drivers_error(adapter: Adapter) {
    let err = client(adapter, &dead_base())
        .post("/v1/charges", &[("amount", "1")])
        .expect_err("no server");
    assert_eq!(err.kind(), &ErrorKind::Transport(TransportError::Connect));
    assert_eq!(
        err.attempts(),
        5,
        "transport errors are retried under the default policy"
    );
    assert!(err.idempotency_key().is_some());
    let source = err.source().expect("the cause");
    assert!(
        adapter.is_own_error(source),
        "source() is the driver's error: {source:?}"
    );
}

fn a_name_that_does_not_resolve_is_a_connect_failure(adapter: Adapter) {
    let config = config_with(
        "https://stripe-sansio-test.invalid",
        RetryPolicy::never(),
        stripe_core::DEFAULT_MAX_BODY_BYTES,
    );
    let err = adapter
        .client(config)
        .get("/v1/charges")
        .expect_err("no such host");
    assert_eq!(
        err.kind(),
        &ErrorKind::Transport(TransportError::Connect),
        "{err:?}"
    );
}

fn a_server_that_never_answers_times_out_with_the_key(adapter: Adapter) {
    let server = canned(vec![Reply::Hang(Duration::from_secs(5))]);
    let timeout = Duration::from_millis(300);
    let policy = RetryPolicy::default()
        .with_max_tries(1)
        .with_attempt_timeout(Some(timeout));
    let client = adapter.client(config_with(&server.base_url(), policy, 1024));
    let started = Instant::now();
    let err = client
        .post("/v1/charges", &[("amount", "1")])
        .expect_err("timeout");
    let elapsed = started.elapsed();
    assert!(
        elapsed < timeout + Duration::from_secs(1),
        "took {elapsed:?}"
    );
    assert_eq!(err.kind(), &ErrorKind::Transport(TransportError::Timeout));
    assert!(err.idempotency_key().is_some());
}

fn a_stalled_body_is_bounded_by_the_attempt_timeout(adapter: Adapter) {
    let head = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789".to_vec();
    let server = canned(vec![Reply::Stall(head, Duration::from_secs(5))]);
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let err = adapter
        .client(config_with(&server.base_url(), one_try(timeout), 1024))
        .get("/v1/balance")
        .expect_err("timeout");
    assert!(
        started.elapsed() < timeout + Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(err.kind(), &ErrorKind::Transport(TransportError::Timeout));
}

/// Every attempt is bounded by the policy's attempt timeout, over the driver's own HTTP client
/// and over a user's that bounds nothing: a hanging server and a stalled body both end in a
/// `Timeout` within about a second.
fn every_attempt_is_bounded_even_over_a_users_http_client(adapter: Adapter) {
    let timeout = Duration::from_millis(300);
    let stalled = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789".to_vec();
    for via in [Http::Own, Http::Users] {
        for reply in [
            Reply::Hang(Duration::from_secs(5)),
            Reply::Stall(stalled.clone(), Duration::from_secs(5)),
        ] {
            let what = format!("[{}] {via:?} {reply:?}", adapter.name());
            let server = canned(vec![reply]);
            let config = config_with(&server.base_url(), one_try(timeout), 1024);
            let client = adapter.build(config, via, None);
            let started = Instant::now();
            let err = client
                .post("/v1/charges", &[("amount", "1")])
                .expect_err("timeout");
            let elapsed = started.elapsed();
            assert!(elapsed < Duration::from_secs(1), "{what} took {elapsed:?}");
            assert_eq!(
                err.kind(),
                &ErrorKind::Transport(TransportError::Timeout),
                "{what} {err:?}"
            );
            assert_eq!(server.requests().len(), 1, "{what}");
        }
    }
}

/// The error of a call that got no response: its `source()` is the transport's own error
/// (ureq's, reqwest's), and its Display says its own words once, without repeating the cause.
fn the_error_source_is_the_transports_own_error(adapter: Adapter) {
    for via in [Http::Own, Http::Users] {
        let refused = adapter.build(
            config_with(&dead_base(), RetryPolicy::never(), 1024),
            via,
            None,
        );
        let connect = refused
            .post("/v1/charges", &[("amount", "1")])
            .expect_err("no server");
        let server = canned(vec![Reply::Hang(Duration::from_secs(5))]);
        let config = config_with(
            &server.base_url(),
            one_try(Duration::from_millis(300)),
            1024,
        );
        let timeout = adapter
            .build(config, via, None)
            .post("/v1/charges", &[("amount", "1")])
            .expect_err("timeout");
        for (err, kind) in [
            (connect, TransportError::Connect),
            (timeout, TransportError::Timeout),
        ] {
            let what = format!("[{}] {via:?} {kind:?}", adapter.name());
            assert_eq!(err.kind(), &ErrorKind::Transport(kind), "{what}");
            assert_source_is_own(adapter, &err, &what);
        }
    }
}

/// `err.source()` is the driver's own error and `err`'s Display does not repeat it.
fn assert_source_is_own(adapter: Adapter, err: &Error, what: &str) {
    let source = err.source().expect("a call without a response has a cause");
    assert!(adapter.is_own_error(source), "{what}: source is {source:?}");
    let cause = source.to_string();
    let shown = err.to_string();
    assert!(!cause.is_empty(), "{what}");
    assert!(
        !shown.contains(&cause),
        "{what}: Display repeats its cause {cause:?}: {shown}"
    );
    assert!(
        shown.starts_with("no response from Stripe"),
        "{what}: {shown}"
    );
    let key = err.idempotency_key().expect("a POST's key");
    assert!(shown.contains(key.as_str()), "{what}: {shown}");
}

run_on_adapters!(
    connection_refused_is_a_connect_failure_with_the_key_and_the_drivers_error,
    a_name_that_does_not_resolve_is_a_connect_failure,
    a_server_that_never_answers_times_out_with_the_key,
    a_stalled_body_is_bounded_by_the_attempt_timeout,
    every_attempt_is_bounded_even_over_a_users_http_client,
    the_error_source_is_the_transports_own_error,
);
