//! What only the async driver has: `Send` futures on a current-thread runtime, cancellation by
//! dropping a call, the TLS backend. Everything both drivers share is in `transports.rs`,
//! `adapters.rs` and `pages.rs`.

mod support;

use std::time::Duration;

use proptest::prelude::*;
use stripe_core::{Backoff, Config, ErrorKind, Request, RetryPolicy, TransportError};
use stripe_reqwest::{Client, Reqwest};
use support::canned::{Reply, header};
use support::wire::{canned, config_with};

fn config(base: &str, policy: RetryPolicy) -> Config {
    config_with(base, policy, stripe_core::DEFAULT_MAX_BODY_BYTES)
}

#[test]
fn calls_are_send_and_run_on_a_current_thread_runtime() {
    fn assert_send<T: Send>(t: T) -> T {
        t
    }
    let server = canned(vec![
        Reply::http(429, &[], "{}"),
        Reply::http(200, &[], r#"{"ok":true}"#),
    ]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let policy = RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_millis(10)));
    let client = Client::new(config(&server.base_url(), policy));
    let response = runtime
        .block_on(assert_send(client.post("/v1/charges", &[("amount", "1")])))
        .expect("response");
    assert_eq!((response.status().as_u16(), response.attempts()), (200, 2));
}

#[tokio::test]
async fn a_dropped_call_makes_no_further_attempt() {
    let server = canned(vec![
        Reply::http(429, &[], "{}"),
        Reply::http(200, &[], "{}"),
    ]);
    let policy = RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_millis(400)));
    let client = Client::new(config(&server.base_url(), policy));
    let prepared = client
        .prepare(Request::post("/v1/charges", &[("amount", "1")]).expect("request"))
        .expect("prepared");
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

/// The TLS stack (rustls + aws-lc-rs + the platform verifier) starts, over the driver's own
/// client and over a user's builder, and a handshake that fails (here: a loopback server that
/// does not speak TLS) is a `Connect` failure: nothing was sent.
#[tokio::test]
async fn tls_starts_and_a_failed_handshake_is_a_connect_failure() {
    use std::io::Write as _;
    for users in [false, true] {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("https://{}", listener.local_addr().expect("addr"));
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let _ = stream.write_all(b"HTTP/1.1 400 this is not TLS\r\n\r\n");
            }
        });
        let config = config(&base, RetryPolicy::never());
        let client = if users {
            let builder = stripe_reqwest::reqwest::Client::builder();
            let transport =
                Reqwest::from_builder(builder, &config).expect("the TLS backend starts");
            Client::with_transport(config, transport)
        } else {
            Client::try_new(config).expect("the TLS backend starts")
        };
        let err = client.get("/v1/charges").await.expect_err("no TLS there");
        assert_eq!(
            err.kind(),
            &ErrorKind::Transport(TransportError::Connect),
            "users: {users}, {err:?}"
        );
    }
}

/// A path and query as a caller may write one, the tricky parts often: dot segments, percent
/// signs, characters a URL parser escapes or keeps.
fn path_and_query() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("/".to_owned()),
        Just("/.".to_owned()),
        Just("/..".to_owned()),
        Just("%2e".to_owned()),
        Just("%".to_owned()),
        Just("?".to_owned()),
        Just("#".to_owned()),
        "[a-zA-Z0-9_~!$&'()*+,;=:@|^{}`\"<>\\[\\]-]{0,6}",
    ];
    proptest::collection::vec(piece, 0..10).prop_map(|p| format!("/v1/charges{}", p.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The request line on the wire is the one plain reqwest sends for the same URL text,
    /// though ours makes the URL from the API base's origin, parsed once, and the path.
    #[test]
    fn the_request_line_is_the_one_plain_reqwest_sends(path in path_and_query()) {
        let Ok(request) = Request::get(&path) else {
            return Ok(()); // refused before anything exists: nothing goes on the wire
        };
        let server = canned(vec![Reply::http(200, &[], "{}"), Reply::http(200, &[], "{}")]);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let client = Client::new(config(&server.base_url(), RetryPolicy::never()));
        runtime.block_on(client.send(request)).expect("ours");
        let plain = stripe_reqwest::reqwest::Client::new().get(format!("{}{path}", server.base_url()));
        runtime.block_on(plain.send()).expect("plain");
        let lines: Vec<String> = server
            .requests()
            .iter()
            .map(|raw| raw.lines().next().unwrap_or_default().to_owned())
            .collect();
        prop_assert_eq!(lines.len(), 2);
        prop_assert_eq!(&lines[0], &lines[1]);
    }
}

/// The `Host` header ours writes from the API base (parsed once) is the one plain reqwest
/// writes for the same URL: the port only if it is not the scheme's default, the host as the
/// URL parser writes it. Both go through the canned server as an HTTP proxy, so that any host
/// name works without a resolver and the request line shows the whole URL.
#[tokio::test]
async fn the_host_header_is_the_one_plain_reqwest_sends() {
    use stripe_reqwest::reqwest;
    let bases = [
        "http://api.example.test",
        "http://api.example.test:80",
        "http://API.Example.TEST:8080",
        "http://[::1]:8080",
        "http://127.0.0.1:81",
    ];
    for base in bases {
        let server = canned(vec![
            Reply::http(200, &[], "{}"),
            Reply::http(200, &[], "{}"),
        ]);
        let builder = || {
            let proxy = reqwest::Proxy::http(server.base_url()).expect("proxy");
            reqwest::Client::builder().proxy(proxy)
        };
        let config = Config::builder("sk_test_123")
            .api_base(base)
            .allow_insecure_http(true)
            .policy(RetryPolicy::never())
            .build()
            .expect("config");
        let transport = Reqwest::from_builder(builder(), &config).expect("transport");
        let ours = Client::with_transport(config, transport);
        ours.get("/v1/charges?limit=3").await.expect("ours");
        let plain = builder().build().expect("plain");
        let url = format!("{base}/v1/charges?limit=3");
        plain.get(url).send().await.expect("plain");
        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{base}");
        let line = |raw: &str| raw.lines().next().unwrap_or_default().to_owned();
        assert_eq!(line(&requests[0]), line(&requests[1]), "{base}");
        let hosts: Vec<_> = requests.iter().map(|raw| header(raw, "host")).collect();
        assert!(hosts[0].is_some(), "{base}: ours sends a Host header");
        assert_eq!(hosts[0], hosts[1], "{base}");
        let count = |raw: &str| {
            raw.lines()
                .filter(|l| l.to_ascii_lowercase().starts_with("host:"))
                .count()
        };
        assert_eq!(count(&requests[0]), 1, "{base}: one Host header");
    }
}
