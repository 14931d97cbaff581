//! The reqwest driver through its public API, against a canned HTTP/1.1 server on loopback.

use std::error::Error as _;
use std::time::{Duration, Instant};

use stripe_core::{Backoff, FailureKind, Request, RetryPolicy, Seed, TransportError};
use stripe_fake::canned::{self, CannedServer, Reply, header};
use stripe_reqwest::{Client, Config, Error};

// ---------------------------------------------------------------- canned server

fn http(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    Reply::http(status, headers, body)
}

struct Server(CannedServer);

impl Server {
    fn start(replies: Vec<Reply>) -> Self {
        Self(CannedServer::start(replies).expect("the canned server starts"))
    }

    fn base(&self) -> String {
        self.0.base_url()
    }

    fn requests(&self) -> Vec<String> {
        self.0.requests()
    }
}

fn dead_port() -> std::net::SocketAddr {
    canned::dead_port().expect("a free port")
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_millis(10)))
}

fn client(base: &str) -> Client {
    client_with(base, fast_policy(), stripe_core::DEFAULT_MAX_BODY_BYTES)
}

fn client_with(base: &str, policy: RetryPolicy, max_body: usize) -> Client {
    let config = Config::builder("sk_test_123")
        .api_base(base)
        .policy(policy)
        .max_body_bytes(max_body)
        .build()
        .expect("config");
    Client::new(config)
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn get_success() {
    let server = Server::start(vec![http(
        200,
        &[("request-id", "req_1")],
        r#"{"object":"balance"}"#,
    )]);
    let response = client(&server.base())
        .get("/v1/balance?expand[]=x")
        .await
        .expect("response");
    assert_eq!(response.status, 200);
    assert_eq!(response.attempts, 1);
    assert_eq!(response.idempotency_key, None);
    assert_eq!(response.request_id.as_deref(), Some("req_1"));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_carries_key_auth_and_form_body() {
    let server = Server::start(vec![http(200, &[], r#"{"id":"ch_1"}"#)]);
    let client = client(&server.base());
    let request =
        Request::post("/v1/charges", &[("amount", "2000"), ("currency", "usd")]).expect("request");
    let prepared = client.prepare(request);
    let key = prepared
        .idempotency_key()
        .expect("a POST has a key")
        .clone();
    let response = prepared.run().await.expect("response");
    assert_eq!(response.status, 200);
    assert_eq!(response.idempotency_key.as_ref(), Some(&key));

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

#[tokio::test]
async fn a_429_then_200_is_retried_with_the_same_key() {
    let server = Server::start(vec![
        http(429, &[], r#"{"error":{"type":"rate_limit_error"}}"#),
        http(200, &[], "{}"),
    ]);
    let response = client(&server.base())
        .send_with_seed(
            Request::post("/v1/charges", &[("amount", "1")]).expect("request"),
            Seed::from_u64(1),
        )
        .await
        .expect("response");
    assert_eq!(response.status, 200);
    assert_eq!(response.attempts, 2);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let key = response.idempotency_key.expect("key");
    assert_eq!(header(&requests[0], "idempotency-key"), Some(key.as_str()));
    assert_eq!(header(&requests[1], "idempotency-key"), Some(key.as_str()));
}

#[tokio::test]
async fn connection_refused_is_a_connect_failure_with_the_key_and_the_reqwest_error() {
    let base = format!("http://{}", dead_port());
    let err = client(&base)
        .post("/v1/charges", &[("amount", "1")])
        .await
        .expect_err("no server");
    let failure = err.failure().expect("a call failure");
    assert_eq!(
        failure.kind(),
        &FailureKind::Transport(TransportError::Connect)
    );
    assert_eq!(
        failure.attempts(),
        5,
        "transport errors are retried under the default policy"
    );
    assert!(err.idempotency_key().is_some());
    assert!(err.transport_error().is_some());
    let mut source = err.source();
    let mut found = false;
    while let Some(e) = source {
        found |= e.downcast_ref::<stripe_reqwest::reqwest::Error>().is_some();
        source = e.source();
    }
    assert!(found, "source() reaches reqwest's error: {err}");
    assert!(matches!(err, Error::Call(_)));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_with_the_key() {
    let server = Server::start(vec![Reply::Hang(Duration::from_secs(5))]);
    let timeout = Duration::from_millis(300);
    let policy = RetryPolicy::default()
        .with_max_tries(1)
        .with_attempt_timeout(Some(timeout));
    let client = client_with(&server.base(), policy, 1024);
    let started = Instant::now();
    let err = client
        .post("/v1/charges", &[("amount", "1")])
        .await
        .expect_err("timeout");
    let elapsed = started.elapsed();
    assert!(
        elapsed < timeout + Duration::from_secs(1),
        "took {elapsed:?}"
    );
    assert_eq!(
        err.failure().expect("failure").kind(),
        &FailureKind::Transport(TransportError::Timeout)
    );
    assert!(err.idempotency_key().is_some());
}

#[tokio::test]
async fn a_stalled_body_is_bounded_by_the_attempt_timeout() {
    let head = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789".to_vec();
    let server = Server::start(vec![Reply::Stall(head, Duration::from_secs(5))]);
    let timeout = Duration::from_millis(300);
    let policy = RetryPolicy::never().with_attempt_timeout(Some(timeout));
    let started = Instant::now();
    let err = client_with(&server.base(), policy, 1024)
        .get("/v1/balance")
        .await
        .expect_err("timeout");
    assert!(
        started.elapsed() < timeout + Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        err.failure().expect("failure").kind(),
        &FailureKind::Transport(TransportError::Timeout)
    );
}

#[tokio::test]
async fn an_oversized_body_is_a_typed_failure() {
    let server = Server::start(vec![http(200, &[], &"x".repeat(100))]);
    let client = client_with(&server.base(), fast_policy(), 10);
    let err = client.get("/v1/balance").await.expect_err("too large");
    assert_eq!(
        err.failure().expect("failure").kind(),
        &FailureKind::ResponseTooLarge {
            status: http::StatusCode::OK,
            limit: 10
        }
    );
}

#[tokio::test]
async fn a_body_at_the_limit_is_accepted() {
    let server = Server::start(vec![http(200, &[], "0123456789")]);
    let response = client_with(&server.base(), fast_policy(), 10)
        .get("/v1/balance")
        .await
        .expect("response");
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn statuses_4xx_and_5xx_are_responses_even_with_a_users_client() {
    let server = Server::start(vec![
        http(
            404,
            &[],
            r#"{"error":{"type":"invalid_request_error","message":"No such charge"}}"#,
        ),
        http(500, &[], "oops"),
    ]);
    let config = Config::builder("sk_test_123")
        .api_base(server.base())
        .policy(RetryPolicy::never())
        .build()
        .expect("config");
    let http = stripe_reqwest::reqwest::Client::builder()
        .build()
        .expect("reqwest client");
    let client = Client::with_http_client(config, http);
    let not_found = client
        .get("/v1/charges/ch_missing")
        .await
        .expect("a 404 is a response");
    assert_eq!(not_found.status, 404);
    assert_eq!(
        not_found.error().expect("api error").message.as_deref(),
        Some("No such charge")
    );
    let server_error = client
        .delete("/v1/customers/cus_1")
        .await
        .expect("a 500 is a response");
    assert_eq!(server_error.status, 500);
}

#[tokio::test]
async fn invalid_input_is_an_error_before_any_io() {
    let client = client(&format!("http://{}", dead_port()));
    let err = client
        .get("https://evil.example/v1/charges")
        .await
        .expect_err("bad path");
    assert!(matches!(err, Error::Request(_)));
    assert!(err.idempotency_key().is_none() && err.failure().is_none());
}

#[test]
fn os_seeds_give_distinct_keys_and_debug_hides_the_secret() {
    let client = client("https://api.stripe.com");
    let a = client.prepare(Request::post("/v1/charges", &[("amount", "1")]).expect("request"));
    let b = client.prepare(Request::post("/v1/charges", &[("amount", "1")]).expect("request"));
    assert_ne!(a.idempotency_key(), b.idempotency_key());
    assert!(!format!("{client:?} {a:?}").contains("sk_test_123"));
}

#[test]
fn calls_are_send_and_run_on_a_current_thread_runtime() {
    fn assert_send<T: Send>(t: T) -> T {
        t
    }
    let server = Server::start(vec![http(429, &[], "{}"), http(200, &[], r#"{"ok":true}"#)]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = client(&server.base());
    let response = runtime
        .block_on(assert_send(client.post("/v1/charges", &[("amount", "1")])))
        .expect("response");
    assert_eq!((response.status.as_u16(), response.attempts), (200, 2));
}

#[tokio::test]
async fn a_dropped_call_makes_no_further_attempt() {
    let server = Server::start(vec![http(429, &[], "{}"), http(200, &[], "{}")]);
    let policy = RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_millis(400)));
    let client = client_with(&server.base(), policy, 1024);
    let prepared =
        client.prepare(Request::post("/v1/charges", &[("amount", "1")]).expect("request"));
    let key = prepared.idempotency_key().expect("key").clone(); // persisted first
    let dropped = tokio::time::timeout(Duration::from_millis(150), prepared.run()).await;
    assert!(
        dropped.is_err(),
        "the call was still sleeping before its retry"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "no attempt after the drop");
    assert_eq!(header(&requests[0], "idempotency-key"), Some(key.as_str()));
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_a_connect_failure() {
    let config = Config::builder("sk_test_123")
        .api_base("https://stripe-sansio-test.invalid")
        .policy(RetryPolicy::never())
        .build()
        .expect("valid");
    let err = Client::new(config)
        .get("/v1/charges")
        .await
        .expect_err("no such host");
    let failure = err.failure().expect("a call failure");
    assert_eq!(
        failure.kind(),
        &FailureKind::Transport(TransportError::Connect),
        "{err:?}"
    );
}

/// The TLS stack (rustls + aws-lc-rs + the platform verifier) starts, and a handshake that fails
/// (here: a loopback server that does not speak TLS) is a `Connect` failure: nothing was sent.
#[tokio::test]
async fn tls_starts_and_a_failed_handshake_is_a_connect_failure() {
    use std::io::Write as _;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("https://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let _ = stream.write_all(b"HTTP/1.1 400 this is not TLS\r\n\r\n");
        }
    });
    let config = Config::builder("sk_test_123")
        .api_base(base)
        .policy(RetryPolicy::never())
        .build()
        .expect("valid");
    let client = Client::try_new(config).expect("the TLS backend starts");
    let err = client.get("/v1/charges").await.expect_err("no TLS there");
    let failure = err.failure().expect("a call failure");
    assert_eq!(
        failure.kind(),
        &FailureKind::Transport(TransportError::Connect),
        "{err:?}"
    );
}
