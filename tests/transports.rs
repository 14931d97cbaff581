//! The wire, on every adapter: what each driver sends and how it reads what comes back,
//! against a canned HTTP/1.1 server on loopback (`support::canned`) where the fake Stripe does
//! not model it (hangs, stalls, oversized bodies, redirects), and the fake for connection
//! reuse. Where it matters, each scenario runs both over the driver's own HTTP client and over
//! a user's (`Http::Users`: an agent or builder whose defaults would follow redirects).

#[macro_use]
mod support;

use std::error::Error as _;
use std::time::{Duration, Instant};

use serde_json::Value;
use stripe_core::{Backoff, Config, Error, ErrorKind, Request, RetryPolicy, Seed, TransportError};
use support::canned::{self, CannedServer, Reply, header};
use support::{Adapter, Client, Http, SECRET, fast_policy};

// ---------------------------------------------------------------------------------------------
// Helpers

fn http(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    Reply::http(status, headers, body)
}

fn canned(replies: Vec<Reply>) -> CannedServer {
    CannedServer::start(replies).expect("the canned server starts")
}

fn dead_base() -> String {
    format!("http://{}", canned::dead_port().expect("a free port"))
}

/// The secret of the wire tests: its `Authorization` header is checked byte for byte.
const KEY: &str = "sk_test_123";

fn policy_10ms() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_millis(10)))
}

fn config_with(base: &str, policy: RetryPolicy, max_body: usize) -> Config {
    Config::builder(KEY)
        .api_base(base)
        .policy(policy)
        .max_body_bytes(max_body)
        .build()
        .expect("config")
}

fn client(adapter: Adapter, base: &str) -> Client {
    adapter.client(config_with(
        base,
        policy_10ms(),
        stripe_core::DEFAULT_MAX_BODY_BYTES,
    ))
}

/// One try, bounded by `timeout`.
fn one_try(timeout: Duration) -> RetryPolicy {
    RetryPolicy::never().with_attempt_timeout(Some(timeout))
}

// ---------------------------------------------------------------------------------------------
// What is sent, what is read

fn get_success(adapter: Adapter) {
    let server = canned(vec![http(
        200,
        &[("request-id", "req_1")],
        r#"{"object":"balance"}"#,
    )]);
    let response = client(adapter, &server.base_url())
        .get("/v1/balance?expand[]=x")
        .expect("response");
    assert_eq!(response.status(), 200);
    assert_eq!(response.attempts(), 1);
    assert_eq!(response.idempotency_key(), None);
    assert_eq!(response.request_id(), Some("req_1"));
    assert_eq!(response.json().expect("json")["object"], "balance");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].starts_with("GET /v1/balance?expand[]=x HTTP/1.1\r\n"),
        "{}",
        requests[0]
    );
    assert_eq!(header(&requests[0], "idempotency-key"), None);
}

fn post_carries_key_auth_and_form_body(adapter: Adapter) {
    let server = canned(vec![http(200, &[], r#"{"id":"ch_1"}"#)]);
    let client = client(adapter, &server.base_url());
    let request =
        Request::post("/v1/charges", &[("amount", "2000"), ("currency", "usd")]).expect("request");
    let mut key = None;
    let response = client
        .send_prepared(request, |k| key = k.cloned())
        .expect("response");
    let key = key.expect("a POST has a key");
    assert_eq!(response.status(), 200);
    assert_eq!(response.idempotency_key(), Some(&key));

    let raw = &server.requests()[0];
    assert!(raw.starts_with("POST /v1/charges HTTP/1.1\r\n"), "{raw}");
    assert_eq!(header(raw, "idempotency-key"), Some(key.as_str()));
    // base64("sk_test_123:")
    assert_eq!(header(raw, "authorization"), Some("Basic c2tfdGVzdF8xMjM6"));
    assert_eq!(
        header(raw, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert!(raw.ends_with("\r\n\r\namount=2000&currency=usd"), "{raw}");
}

fn a_429_then_200_is_retried_with_the_same_key(adapter: Adapter) {
    let server = canned(vec![
        http(429, &[], r#"{"error":{"type":"rate_limit_error"}}"#),
        http(200, &[], "{}"),
    ]);
    let config = config_with(
        &server.base_url(),
        policy_10ms(),
        stripe_core::DEFAULT_MAX_BODY_BYTES,
    );
    let response = adapter
        .seeded_client(config, Http::Own, Seed::from_u64(1))
        .post("/v1/charges", &[("amount", "1")])
        .expect("response");
    assert_eq!(response.status(), 200);
    assert_eq!(response.attempts(), 2);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let key = response.idempotency_key().expect("key");
    assert_eq!(header(&requests[0], "idempotency-key"), Some(key.as_str()));
    assert_eq!(header(&requests[1], "idempotency-key"), Some(key.as_str()));
}

fn an_oversized_body_is_a_typed_failure(adapter: Adapter) {
    let server = canned(vec![http(200, &[], &"x".repeat(100))]);
    let client = adapter.client(config_with(&server.base_url(), policy_10ms(), 10));
    let err = client.get("/v1/balance").expect_err("too large");
    assert_eq!(
        err.kind(),
        &ErrorKind::ResponseTooLarge {
            status: http::StatusCode::OK,
            limit: 10
        }
    );
}

fn a_body_at_the_limit_is_accepted(adapter: Adapter) {
    let server = canned(vec![http(200, &[], "0123456789")]);
    let response = adapter
        .client(config_with(&server.base_url(), policy_10ms(), 10))
        .get("/v1/balance")
        .expect("response");
    assert_eq!(response.status(), 200);
}

/// A user's agent (ureq's default: 4xx/5xx are errors) or builder: 4xx/5xx stay responses.
fn statuses_4xx_and_5xx_are_responses_even_over_a_users_http_client(adapter: Adapter) {
    let server = canned(vec![
        http(
            404,
            &[],
            r#"{"error":{"type":"invalid_request_error","message":"No such charge"}}"#,
        ),
        http(500, &[], "oops"),
    ]);
    let config = config_with(
        &server.base_url(),
        RetryPolicy::never(),
        stripe_core::DEFAULT_MAX_BODY_BYTES,
    );
    let client = adapter.users_client(config);
    let not_found = client
        .get("/v1/charges/ch_missing")
        .expect("a 404 is a response");
    assert_eq!(not_found.status(), 404);
    assert_eq!(
        not_found.error().expect("api error").message.as_deref(),
        Some("No such charge")
    );
    let server_error = client
        .delete("/v1/customers/cus_1")
        .expect("a 500 is a response");
    assert_eq!(server_error.status(), 500);
}

fn invalid_input_is_an_error_before_any_io(adapter: Adapter) {
    let client = client(adapter, &dead_base());
    let err = client
        .get("https://evil.example/v1/charges")
        .expect_err("bad path");
    assert_eq!(err.kind(), &ErrorKind::InvalidRequest);
    assert!(err.request_error().is_some(), "{err:?}");
    assert!(err.nothing_sent());
    assert!(err.idempotency_key().is_none());
}

fn os_seeds_give_distinct_keys_and_debug_hides_the_secret(adapter: Adapter) {
    let client = client(adapter, "https://api.stripe.com");
    let prepare = || {
        client
            .prepare_only(Request::post("/v1/charges", &[("amount", "1")]).expect("request"))
            .expect("prepared")
    };
    let (a, a_debug) = prepare();
    let (b, _) = prepare();
    assert!(a.is_some());
    assert_ne!(a, b);
    assert!(!format!("{client:?} {a_debug}").contains(KEY));
}

/// Telemetry, on by default as in the official SDKs: each request after the first carries
/// the previous response's `request-id` and duration; switched off, none does. Every request
/// names this library in `X-Stripe-Client-User-Agent`.
fn telemetry_names_the_previous_request(adapter: Adapter) {
    for on in [true, false] {
        let replies = (1..=3)
            .map(|i| Reply::http(200, &[("request-id", &format!("req_{i}"))], "{}"))
            .collect();
        let server = CannedServer::start(replies).expect("canned server");
        let config = Config::builder(SECRET)
            .api_base(server.base_url())
            .policy(fast_policy())
            .telemetry(on)
            .build()
            .expect("config");
        let client = adapter.client(config);
        for _ in 0..3 {
            client.expect_response(Request::get("/v1/charges").expect("valid"));
        }
        let sent = server.requests();
        assert_eq!(sent.len(), 3);
        let telemetry: Vec<_> = sent
            .iter()
            .map(|raw| header(raw, "x-stripe-client-telemetry"))
            .collect();
        if on {
            assert_eq!(
                telemetry[0],
                None,
                "[{}] nothing before the first",
                adapter.name()
            );
            for (i, t) in telemetry.iter().enumerate().skip(1) {
                let t: Value = serde_json::from_str(t.expect("telemetry sent")).expect("JSON");
                assert_eq!(
                    t["last_request_metrics"]["request_id"],
                    format!("req_{i}"),
                    "[{}]",
                    adapter.name()
                );
                assert!(t["last_request_metrics"]["request_duration_ms"].is_u64());
            }
        } else {
            assert!(
                telemetry.iter().all(Option::is_none),
                "[{}] {telemetry:?}",
                adapter.name()
            );
        }
        for raw in &sent {
            let ua = header(raw, "x-stripe-client-user-agent").expect("client user agent");
            assert!(
                ua.contains("\"lang\":\"rust\"") && ua.contains("bindings_version"),
                "{ua}"
            );
            assert!(header(raw, "user-agent").is_some_and(|u| u.starts_with("stripe-core-rs/")));
        }
    }
}

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

// ---------------------------------------------------------------------------------------------
// Redirects, connections

/// A 307 or a 302 is the call's final answer, never followed, whatever the HTTP client's own
/// defaults: the server it points to (another loopback port) receives nothing.
fn redirects_are_final_responses(adapter: Adapter) {
    for via in [Http::Own, Http::Users] {
        for status in [307, 302] {
            let what = format!("[{}] {via:?} {status}", adapter.name());
            let elsewhere = canned(vec![http(200, &[], r#"{"id":"ch_elsewhere"}"#); 2]);
            let location = format!("{}/v1/charges", elsewhere.base_url());
            let redirect = http(status, &[("location", &location)], "");
            let server = canned(vec![redirect.clone(), redirect]);
            let config = config_with(&server.base_url(), policy_10ms(), 1024);
            let client = adapter.build(config, via, None);
            let posted = client
                .post("/v1/charges", &[("amount", "1")])
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            let got = client
                .get("/v1/charges")
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            for response in [&posted, &got] {
                assert_eq!(response.status(), status, "{what}");
                assert_eq!(response.attempts(), 1, "{what}");
                assert_eq!(response.headers()["location"], location.as_str(), "{what}");
            }
            assert!(posted.idempotency_key().is_some(), "{what}");
            assert_eq!(server.requests().len(), 2, "{what}");
            assert!(
                elsewhere.requests().is_empty(),
                "{what}: the redirect was followed: {:?}",
                elsewhere.requests()
            );
        }
    }
    // The control: the user's agent on its own does follow, and the second server sees it.
    let elsewhere = canned(vec![http(200, &[], "{}")]);
    let location = format!("{}/v1/charges", elsewhere.base_url());
    let server = canned(vec![http(302, &[("location", &location)], "")]);
    let agent = stripe_ureq::ureq::Agent::config_builder()
        .max_redirects(5)
        .build()
        .new_agent();
    let followed = agent
        .get(format!("{}/v1/charges", server.base_url()))
        .call()
        .expect("followed");
    assert_eq!(followed.status(), 200);
    assert_eq!(elsewhere.requests().len(), 1);
}

/// Sequential calls reuse one pooled connection, over the driver's own HTTP client and a
/// user's.
fn sequential_calls_share_one_connection(adapter: Adapter) {
    for via in [Http::Own, Http::Users] {
        let fake = support::fake::fake();
        let client = adapter.build(support::config(&fake.base_url(), fast_policy()), via, None);
        for i in 0..4 {
            let email = format!("c{i}@example.com");
            let created = client
                .post("/v1/customers", &[("email", email.as_str())])
                .expect("created");
            assert_eq!(created.status(), 200);
            let id = support::fake::id(&created);
            let fetched = client.get(&format!("/v1/customers/{id}")).expect("fetched");
            assert_eq!(fetched.status(), 200);
        }
        assert_eq!(fake.log().len(), 8);
        assert_eq!(
            fake.connections_accepted(),
            1,
            "[{}] {via:?}: 8 sequential calls, one connection",
            adapter.name()
        );
    }
}

run_on_adapters!(
    get_success,
    post_carries_key_auth_and_form_body,
    a_429_then_200_is_retried_with_the_same_key,
    an_oversized_body_is_a_typed_failure,
    a_body_at_the_limit_is_accepted,
    statuses_4xx_and_5xx_are_responses_even_over_a_users_http_client,
    invalid_input_is_an_error_before_any_io,
    os_seeds_give_distinct_keys_and_debug_hides_the_secret,
    telemetry_names_the_previous_request,
    connection_refused_is_a_connect_failure_with_the_key_and_the_drivers_error,
    a_name_that_does_not_resolve_is_a_connect_failure,
    a_server_that_never_answers_times_out_with_the_key,
    a_stalled_body_is_bounded_by_the_attempt_timeout,
    every_attempt_is_bounded_even_over_a_users_http_client,
    the_error_source_is_the_transports_own_error,
    redirects_are_final_responses,
    sequential_calls_share_one_connection,
);
