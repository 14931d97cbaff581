//! The wire, on every adapter: what each driver sends and how it reads what comes back,
//! against a canned HTTP/1.1 server on loopback (`support::canned`) where the fake Stripe does
//! not model it (oversized bodies, redirects), and the fake for connection reuse. Where it
//! matters, a scenario runs over the driver's own HTTP client and over a user's
//! (`Http::Users`: an agent or builder whose defaults would follow redirects). Calls that get no
//! response are in `no_response.rs`.

#[macro_use]
mod support;

use serde_json::Value;
use stripe_core::{Config, ErrorKind, Request, RetryPolicy, Seed};
use support::canned::header;
use support::wire::{KEY, canned, client, config_with, dead_base, http, policy_10ms};
use support::{Adapter, Http, SECRET, fast_policy};

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
    // A GET carries no body, and says so as a plain client does: no length, no chunks.
    assert_eq!(
        header(&requests[0], "content-length"),
        None,
        "{}",
        requests[0]
    );
    assert_eq!(header(&requests[0], "transfer-encoding"), None);
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
    assert_eq!(header(raw, "content-length"), Some("24"), "{raw}");
    // base64("sk_test_123:")
    assert_eq!(header(raw, "authorization"), Some("Basic c2tfdGVzdF8xMjM6"));
    assert_eq!(
        header(raw, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert!(raw.ends_with("\r\n\r\namount=2000&currency=usd"), "{raw}");
}

/// A v2 POST on the wire: its JSON body and content type, with a request's own API key,
/// `Stripe-Version` and `Stripe-Context` in place of the configuration's; a v2 DELETE's key.
fn v2_json_and_request_options_on_the_wire(adapter: Adapter) {
    let server = canned(vec![
        http(200, &[], r#"{"id":"mtrevt_1"}"#),
        http(200, &[], r#"{"id":"person_1","deleted":true}"#),
    ]);
    let client = client(adapter, &server.base_url());
    let request = Request::post(
        "/v2/billing/meter_events",
        &serde_json::json!({"event_name": "api_call", "payload": {"value": "25"}}),
    )
    .and_then(|r| r.with_api_key("sk_test_other"))
    .and_then(|r| r.with_stripe_version("2025-09-30.preview"))
    .and_then(|r| r.with_stripe_context("acct_1"))
    .expect("request");
    assert_eq!(client.send(request).expect("response").status(), 200);
    client
        .delete("/v2/core/accounts/acct_1/persons/person_1")
        .expect("response");
    let requests = server.requests();
    let raw = &requests[0];
    assert!(
        raw.starts_with("POST /v2/billing/meter_events HTTP/1.1\r\n"),
        "{raw}"
    );
    let body = r#"{"event_name":"api_call","payload":{"value":"25"}}"#;
    assert!(raw.ends_with(&format!("\r\n\r\n{body}")), "{raw}");
    assert_eq!(header(raw, "content-type"), Some("application/json"));
    assert_eq!(
        header(raw, "content-length"),
        Some(body.len().to_string().as_str())
    );
    // base64("sk_test_other:")
    assert_eq!(
        header(raw, "authorization"),
        Some("Basic c2tfdGVzdF9vdGhlcjo=")
    );
    assert_eq!(header(raw, "stripe-version"), Some("2025-09-30.preview"));
    assert_eq!(header(raw, "stripe-context"), Some("acct_1"));
    assert!(header(raw, "idempotency-key").is_some(), "{raw}");
    let delete = &requests[1];
    assert!(delete.starts_with("DELETE /v2/core/accounts/acct_1/persons/person_1 HTTP/1.1\r\n"));
    assert!(header(delete, "idempotency-key").is_some(), "{delete}");
    assert_eq!(header(delete, "content-type"), None, "{delete}");
    assert_eq!(
        header(delete, "authorization"),
        Some("Basic c2tfdGVzdF8xMjM6")
    );
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
    assert_too_large(err.kind(), 10);
}

/// The failure of a 200 whose body is over the cap `limit`.
fn assert_too_large(kind: &ErrorKind, limit: usize) {
    let status = http::StatusCode::OK;
    assert_eq!(kind, &ErrorKind::ResponseTooLarge { status, limit });
}

fn a_body_at_the_limit_is_accepted(adapter: Adapter) {
    let server = canned(vec![http(200, &[], "0123456789")]);
    let response = adapter
        .client(config_with(&server.base_url(), policy_10ms(), 10))
        .get("/v1/balance")
        .expect("response");
    assert_eq!(response.status(), 200);
}

/// A chunked answer: `chunks` as `transfer-encoding: chunked` pieces.
fn chunked(chunks: &[&str]) -> support::canned::Reply {
    let mut out = String::from(
        "HTTP/1.1 200 Canned\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
    );
    for chunk in chunks {
        out.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    out.push_str("0\r\n\r\n");
    support::canned::Reply::Send(out.into_bytes())
}

/// A body of several chunks is joined whole within the cap, and over the cap is a typed
/// failure, as a body of one piece is.
fn a_body_in_chunks_is_joined_and_capped(adapter: Adapter) {
    let server = canned(vec![
        chunked(&["0123", "45", "6789"]),
        chunked(&["0123", "4567", "89ab", "cdef"]),
    ]);
    let client = adapter.client(config_with(&server.base_url(), RetryPolicy::never(), 10));
    let response = client.get("/v1/balance").expect("response");
    assert_eq!(&response.bytes()[..], b"0123456789");
    let err = client.get("/v1/balance").expect_err("too large");
    assert_too_large(err.kind(), 10);
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
            .map(|i| http(200, &[("request-id", &format!("req_{i}"))], "{}"))
            .collect();
        let server = canned(replies);
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
/// user's. A short pause follows each call: hyper hands a finished connection back to its pool
/// from the connection's own task, and a call made in the same instant on another worker
/// thread may open a second one (hyper's pool races a new connect against the idle one); the
/// driver's part, one pool per client and bodies read to their end, is what is checked.
fn sequential_calls_share_one_connection(adapter: Adapter) {
    let pause = || std::thread::sleep(std::time::Duration::from_millis(30));
    for via in [Http::Own, Http::Users] {
        let fake = support::fake::fake();
        let client = adapter.build(support::config(&fake.base_url(), fast_policy()), via, None);
        for i in 0..4 {
            let email = format!("c{i}@example.com");
            let created = client
                .post("/v1/customers", &[("email", email.as_str())])
                .expect("created");
            assert_eq!(created.status(), 200);
            pause();
            let id = support::fake::id(&created);
            let fetched = client.get(&format!("/v1/customers/{id}")).expect("fetched");
            assert_eq!(fetched.status(), 200);
            pause();
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
    v2_json_and_request_options_on_the_wire,
    a_429_then_200_is_retried_with_the_same_key,
    an_oversized_body_is_a_typed_failure,
    a_body_at_the_limit_is_accepted,
    a_body_in_chunks_is_joined_and_capped,
    statuses_4xx_and_5xx_are_responses_even_over_a_users_http_client,
    invalid_input_is_an_error_before_any_io,
    os_seeds_give_distinct_keys_and_debug_hides_the_secret,
    telemetry_names_the_previous_request,
    redirects_are_final_responses,
    sequential_calls_share_one_connection,
);
