//! Thin events through both clients: `fetch_event` and `fetch_related_object` send exactly one
//! GET of the notification's path, with its context as `Stripe-Context` (over the
//! configuration's) and no idempotency key; no related object sends nothing; a related url that
//! points elsewhere is refused before anything is sent. A scripted transport records the wire
//! byte for byte; the root package's `tests/sdk_v2.rs` fetches from the fake, which serves them.

mod common;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use stripe_client::{AsyncClient, AsyncTransport, Attempt, Client, SendError, Transport};
use stripe_core::webhook::EventNotification;
use stripe_core::{Config, Seed};

use common::ready;

/// One GET on the wire: method, path, `Stripe-Context`, `Idempotency-Key`.
type Seen = (String, String, Option<String>, Option<String>);

/// Answers 200 with the body the test sets and records each request.
#[derive(Clone, Default)]
struct Scripted {
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Scripted {
    fn answer(&self, attempt: &Attempt) -> http::Response<Bytes> {
        let r = attempt.request();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        self.seen.lock().expect("lock").push((
            r.method().to_string(),
            r.uri().path().to_owned(),
            header("stripe-context"),
            header("idempotency-key"),
        ));
        let body = format!(r#"{{"id":"got","path":"{}"}}"#, r.uri().path());
        http::Response::new(Bytes::from(body))
    }

    fn seen(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().expect("lock"))
    }
}

impl Transport for Scripted {
    type Error = std::io::Error;
    fn send(&self, attempt: Attempt) -> Result<http::Response<Bytes>, SendError<Self::Error>> {
        Ok(self.answer(&attempt))
    }
    fn sleep_until(&self, _until: Instant) {}
}

impl AsyncTransport for Scripted {
    type Error = std::io::Error;
    fn send(
        &self,
        attempt: Attempt,
    ) -> impl Future<Output = Result<http::Response<Bytes>, SendError<Self::Error>>> + Send {
        std::future::ready(Ok(self.answer(&attempt)))
    }
    fn sleep_until(&self, _until: Instant) -> impl Future<Output = ()> + Send {
        std::future::ready(())
    }
}

fn config() -> Config {
    Config::builder("sk_test_events")
        .stripe_context("acct_config")
        .build()
        .expect("config")
}

fn note(context: &str, related: &str) -> EventNotification {
    let json = format!(
        r#"{{"id":"evt_1","object":"v2.core.event","type":"v2.core.account.updated",
        "created":"2025-01-02T03:04:05.678Z","livemode":false{context}{related}}}"#
    );
    EventNotification::from_slice(json.as_bytes()).expect("notification")
}

const CONTEXT: &str = r#","context":"acct_ctx""#;
const RELATED: &str = r#","related_object":{"id":"acct_ctx","type":"v2.core.account","url":"/v2/core/accounts/acct_ctx"}"#;

fn get(path: &str, context: Option<&str>) -> Seen {
    ("GET".into(), path.into(), context.map(str::to_owned), None)
}

#[test]
fn both_clients_fetch_the_event_and_its_object_in_the_notifications_context() {
    let transport = Scripted::default();
    let blocking = Client::with_transport_and_seed(config(), transport.clone(), Seed::from_u64(1));
    let nonblocking =
        AsyncClient::with_transport_and_seed(config(), transport.clone(), Seed::from_u64(1));
    let note = note(CONTEXT, RELATED);

    let event = blocking.fetch_event(&note).expect("event");
    let object = blocking
        .fetch_related_object(&note)
        .expect("object")
        .expect("one");
    let async_event = ready(nonblocking.fetch_event(&note)).expect("event");
    let async_object = ready(nonblocking.fetch_related_object(&note))
        .expect("object")
        .expect("one");

    let expected = [
        get("/v2/core/events/evt_1", Some("acct_ctx")),
        get("/v2/core/accounts/acct_ctx", Some("acct_ctx")),
    ];
    assert_eq!(transport.seen(), [expected.clone(), expected].concat());
    for (response, path) in [
        (event, "/v2/core/events/evt_1"),
        (object, "/v2/core/accounts/acct_ctx"),
        (async_event, "/v2/core/events/evt_1"),
        (async_object, "/v2/core/accounts/acct_ctx"),
    ] {
        let body: serde_json::Value = serde_json::from_slice(response.bytes()).expect("json");
        assert_eq!(body["path"], path, "the response is the caller's");
    }
}

#[test]
fn no_related_object_sends_nothing_and_no_context_leaves_the_configurations() {
    let transport = Scripted::default();
    let blocking = Client::with_transport_and_seed(config(), transport.clone(), Seed::from_u64(2));
    let nonblocking =
        AsyncClient::with_transport_and_seed(config(), transport.clone(), Seed::from_u64(2));
    let bare = note("", "");
    assert!(blocking.fetch_related_object(&bare).expect("ok").is_none());
    assert!(
        ready(nonblocking.fetch_related_object(&bare))
            .expect("ok")
            .is_none()
    );
    assert!(transport.seen().is_empty());
    blocking.fetch_event(&bare).expect("event");
    assert_eq!(
        transport.seen(),
        [get("/v2/core/events/evt_1", Some("acct_config"))]
    );
}

#[test]
fn a_related_url_that_points_elsewhere_is_refused_before_sending() {
    let transport = Scripted::default();
    let blocking = Client::with_transport_and_seed(config(), transport.clone(), Seed::from_u64(3));
    let nonblocking =
        AsyncClient::with_transport_and_seed(config(), transport.clone(), Seed::from_u64(3));
    for url in [
        "https://elsewhere.invalid/v2/x",
        "/v2/core/../../admin",
        "//elsewhere/v2/x",
    ] {
        let related =
            format!(r#","related_object":{{"id":"x","type":"v2.core.account","url":"{url}"}}"#);
        let hostile = note(CONTEXT, &related);
        let error = blocking.fetch_related_object(&hostile).expect_err(url);
        assert!(!error.to_string().is_empty());
        assert!(
            ready(nonblocking.fetch_related_object(&hostile)).is_err(),
            "{url}"
        );
    }
    assert!(transport.seen().is_empty());
}
