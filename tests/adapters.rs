//! One list of scenarios, run against both drivers (`stripe-ureq` and `stripe-reqwest`), each
//! on a fresh in-process fake Stripe with a fault plan.
//!
//! Every scenario is a generic function `fn name<A: Adapter>()`; `run_on_adapters!` at the
//! bottom makes a `#[test]` of it in `ureq_adapter` and in `reqwest_adapter`
//! (`cargo test --test adapters reqwest_adapter::` runs one side).

#[macro_use]
mod support;

use std::net::TcpListener;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use stripe_core::{
    Action, Advice, Backoff, Call, FailureKind, IdempotencyKey, Request, Response, RetryPolicy,
    Seed, TransportError,
};
use stripe_fake::server::{self, ServerHandle};
use stripe_fake::{Fault, FaultPlan, LogEntry, Rule};
use support::{Adapter, SECRET, SECRET_MIDDLE, config, fast_policy};

// ---------------------------------------------------------------------------------------------
// Helpers

fn fake() -> ServerHandle {
    server::start().expect("the fake Stripe starts")
}

/// A fault on the next `POST /v1/charges`.
fn on_charges(fault: Fault) -> Rule {
    Rule::new(fault)
        .method(http::Method::POST)
        .path("/v1/charges")
}

fn plan(rule: Rule) -> FaultPlan {
    FaultPlan::new().rule(rule)
}

const CHARGE: [(&str, &str); 3] = [
    ("amount", "2000"),
    ("currency", "usd"),
    ("source", "tok_visa"),
];

fn charge() -> Request {
    Request::post("/v1/charges", &CHARGE).expect("valid charge params")
}

fn charge_with_key(key: &IdempotencyKey) -> Request {
    charge()
        .idempotency_key(key.clone())
        .expect("POST takes a key")
}

fn id(response: &Response) -> String {
    response
        .json()
        .and_then(|v| v.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no id in {:?}", response.body))
        .to_owned()
}

fn key_of(response: &Response) -> IdempotencyKey {
    response
        .idempotency_key
        .clone()
        .expect("a POST response carries its key")
}

/// The keys the fake saw, in order.
fn logged_keys(log: &[LogEntry]) -> Vec<Option<&str>> {
    log.iter().map(|e| e.idempotency_key.as_deref()).collect()
}

fn logged_statuses(log: &[LogEntry]) -> Vec<Option<u16>> {
    log.iter().map(|e| e.status).collect()
}

fn expect_kind<A: Adapter>(error: &A::Error) -> FailureKind {
    A::failure(error)
        .unwrap_or_else(|| panic!("[{}] not a call failure: {error}", A::NAME))
        .kind()
        .clone()
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/// POST a customer, then GET it: keys on POST only, one attempt each.
fn success<A: Adapter>() {
    let fake = fake();
    let client = A::with(&fake.base_url(), fast_policy());
    let created = client.expect_response(
        Request::post(
            "/v1/customers",
            &[("email", "ada@example.com"), ("name", "Ada")],
        )
        .expect("valid params"),
    );
    assert_eq!(created.status, 200, "{:?}", created.body);
    assert_eq!(created.advice, Advice::Success);
    assert_eq!(created.attempts, 1);
    assert!(!created.replayed);
    let key = key_of(&created);
    let customer = id(&created);
    assert!(customer.starts_with("cus_"), "{customer}");
    assert!(
        created
            .request_id
            .as_deref()
            .is_some_and(|r| r.starts_with("req_"))
    );

    let fetched =
        client.expect_response(Request::get(&format!("/v1/customers/{customer}")).expect("path"));
    assert_eq!(fetched.status, 200);
    assert_eq!(id(&fetched), customer);
    assert_eq!(fetched.json().expect("json")["email"], "ada@example.com");
    assert_eq!(fetched.idempotency_key, None, "GET carries no key");
    assert_eq!(fetched.advice, Advice::Success);

    let log = fake.log();
    assert_eq!(logged_keys(&log), [Some(key.as_str()), None]);
    assert_eq!(logged_statuses(&log), [Some(200), Some(200)]);
}

/// 429, 429, then 200: three attempts, the same key on all of them.
fn rate_limited_twice_then_success<A: Adapter>() {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::status(429)).times(2)));
    let client = A::with(&fake.base_url(), fast_policy());
    let response = client.expect_response(charge());
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(response.attempts, 3);
    assert_eq!(response.advice, Advice::Success);
    let key = key_of(&response);
    let log = fake.log();
    assert_eq!(logged_keys(&log), [Some(key.as_str()); 3]);
    assert_eq!(logged_statuses(&log), [Some(429), Some(429), Some(200)]);
    assert_eq!(fake.successful_charges(), 1);
}

/// The classic lost response: the charge is made, the connection drops; the retry with the
/// same key gets the stored answer, and there is one charge.
fn lost_response_is_replayed<A: Adapter>() {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::DropAfter)));
    let client = A::with(&fake.base_url(), fast_policy());
    let response = client.expect_response(charge());
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert!(response.replayed, "the retry's answer is a replay");
    assert_eq!(response.attempts, 2);
    assert_eq!(response.headers["idempotent-replayed"], "true");
    assert_eq!(fake.successful_charges(), 1);
    let charges = fake.with_model(|m| m.charges().to_vec());
    assert_eq!(charges.len(), 1);
    assert_eq!(charges[0]["id"], id(&response).as_str());
    let key = key_of(&response);
    let log = fake.log();
    assert_eq!(logged_keys(&log), [Some(key.as_str()); 2]);
    assert!(log[0].executed && log[0].status.is_none(), "{:?}", log[0]);
    assert!(log[1].replayed, "{:?}", log[1]);
}

/// Executed, then a 500 (stored): the retry with the same key gets the replayed 500, which
/// ends the call with advice to reconcile.
fn error_after_execution_ends_with_reconcile<A: Adapter>() {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::ErrorAfter { should_retry: None })));
    let client = A::with(&fake.base_url(), fast_policy());
    let response = client.expect_response(charge());
    assert_eq!(response.status, 500);
    assert!(response.replayed);
    assert_eq!(response.advice, Advice::Reconcile);
    assert_eq!(response.attempts, 2);
    let key = key_of(&response);
    assert_eq!(logged_keys(&fake.log()), [Some(key.as_str()); 2]);
    assert_eq!(fake.successful_charges(), 1, "the charge exists, once");
    assert_eq!(fake.count(stripe_fake::Kind::Charge), 1);
}

/// A 503 answered before anything was executed: the retry makes the one charge.
fn status_503_before_execution_is_retried<A: Adapter>() {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::status(503))));
    let client = A::with(&fake.base_url(), fast_policy());
    let response = client.expect_response(charge());
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(response.attempts, 2);
    assert!(!response.replayed, "the first attempt stored nothing");
    let log = fake.log();
    assert_eq!(logged_statuses(&log), [Some(503), Some(200)]);
    assert!(!log[0].executed);
    assert_eq!(log[0].idempotency_key, log[1].idempotency_key);
    assert_eq!(fake.successful_charges(), 1);
}

/// A 500 on a GET is retried (no key, no side effect).
fn status_500_on_get_is_retried<A: Adapter>() {
    let fake = fake();
    let client = A::with(&fake.base_url(), fast_policy());
    let customer = id(&client
        .expect_response(Request::post("/v1/customers", &[("name", "Grace")]).expect("params")));
    fake.set_plan(plan(
        Rule::new(Fault::status(500))
            .method(http::Method::GET)
            .path("/v1/customers"),
    ));
    let response =
        client.expect_response(Request::get(&format!("/v1/customers/{customer}")).expect("path"));
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(response.attempts, 2);
    assert_eq!(id(&response), customer);
    assert_eq!(response.idempotency_key, None);
    assert_eq!(logged_statuses(&fake.log()[1..]), [Some(500), Some(200)]);
}

/// Times a call out (max_tries 1) and checks the failure; returns the key it carries.
fn time_out_once<A: Adapter>(fake: &ServerHandle, timeout: Duration) -> IdempotencyKey {
    let policy = fast_policy()
        .with_attempt_timeout(Some(timeout))
        .with_max_tries(1);
    let client = A::with(&fake.base_url(), policy);
    let started = Instant::now();
    let error = client.expect_error(charge());
    let elapsed = started.elapsed();
    assert!(
        elapsed < timeout + Duration::from_secs(1),
        "[{}] the attempt timeout was not enforced: {elapsed:?}",
        A::NAME
    );
    assert_eq!(
        expect_kind::<A>(&error),
        FailureKind::Transport(TransportError::Timeout),
        "[{}] {error}",
        A::NAME
    );
    let failure = A::failure(&error).expect("a failure");
    assert_eq!(failure.advice(), Advice::RetrySameKey);
    assert_eq!(failure.attempts(), 1);
    let key = failure
        .idempotency_key()
        .expect("the failure carries the key")
        .clone();
    assert!(error.to_string().contains(key.as_str()), "{error}");
    key
}

/// `hang`: never answered, never executed. The failure carries the key; resuming with it after
/// the fault is gone makes exactly one charge.
fn hang_times_out_then_resume_with_key<A: Adapter>() {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::Hang)));
    let key = time_out_once::<A>(&fake, Duration::from_millis(300));
    assert_eq!(
        fake.successful_charges(),
        0,
        "a hanging request is never executed"
    );

    fake.set_plan(FaultPlan::new());
    let client = A::with(&fake.base_url(), fast_policy());
    let response = client.expect_response(charge_with_key(&key));
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(response.idempotency_key.as_ref(), Some(&key));
    assert_eq!(fake.successful_charges(), 1);
}

/// Executed but slower than the attempt timeout: the resume with the key meets the request
/// still in flight (409, retried) or its stored answer, and never charges twice.
fn slow_execution_times_out_then_resume_with_key<A: Adapter>() {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::Delay { ms: 800 })));
    let key = time_out_once::<A>(&fake, Duration::from_millis(300));

    // Patient enough to outlast the 800 ms execution: 409s are retried with the same key.
    let patient = fast_policy()
        .with_backoff(Backoff::Fixed(Duration::from_millis(100)))
        .with_max_tries(20);
    let client = A::with(&fake.base_url(), patient);
    let response = client.expect_response(charge_with_key(&key));
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert!(
        response.replayed,
        "the answer is the slow request's stored result"
    );
    assert_eq!(response.idempotency_key.as_ref(), Some(&key));
    assert_eq!(fake.successful_charges(), 1);
    assert!(
        fake.log()
            .iter()
            .all(|e| e.idempotency_key.as_deref() == Some(key.as_str())),
        "every attempt carried the one key"
    );
}

/// `Stripe-Should-Retry: false` on a 503 overrides the table: one attempt.
fn should_retry_false_is_not_retried<A: Adapter>() {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::Status {
        status: 503,
        should_retry: Some(false),
        code: None,
    })));
    let client = A::with(&fake.base_url(), fast_policy());
    let response = client.expect_response(charge());
    assert_eq!(response.status, 503);
    assert_eq!(response.attempts, 1);
    assert_eq!(response.headers["stripe-should-retry"], "false");
    assert_eq!(response.advice, Advice::Reconcile, "a final 5xx on a POST");
    assert_eq!(fake.log().len(), 1);
    assert_eq!(fake.successful_charges(), 0);
}

/// Two requests with one key at once: the second meets the first in flight (409), retries with
/// the same key and gets the replay. One charge, one id.
fn concurrent_requests_with_one_key<A: Adapter>() {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::Delay { ms: 600 })));
    // The default table (409 retried with the same key), 150 ms apart, enough tries to outlast
    // the first request's 600 ms.
    let policy = RetryPolicy::default()
        .with_backoff(Backoff::Fixed(Duration::from_millis(150)))
        .with_max_tries(10);
    let client = A::with(&fake.base_url(), policy);
    let key = IdempotencyKey::new(format!("concurrent-{}", A::NAME)).expect("a valid key");
    let (first, second) = client.send_both(
        charge_with_key(&key),
        charge_with_key(&key),
        Duration::from_millis(150),
    );
    let first = first.unwrap_or_else(|e| panic!("first call: {e}"));
    let second = second.unwrap_or_else(|e| panic!("second call: {e}"));
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(second.status, 200, "{:?}", second.body);
    assert_eq!(id(&first), id(&second));
    // Normally the first holds the key and the second waits; on a loaded machine the second
    // may reach the fake first and swap the roles. Either way: one original, one replay.
    let (original, waiter) = if first.replayed {
        (&second, &first)
    } else {
        (&first, &second)
    };
    assert!(original.attempts == 1 && !original.replayed, "{original:?}");
    assert!(waiter.attempts >= 2 && waiter.replayed, "{waiter:?}");
    assert_eq!(fake.successful_charges(), 1);
    let log = fake.log();
    assert!(
        log.iter().any(|e| e.status == Some(409)),
        "the second request met the first in flight: {log:?}"
    );
    assert!(
        log.iter()
            .all(|e| e.idempotency_key.as_deref() == Some(key.as_str()))
    );
}

/// A declined card: a 402 response (not an error), advice to wait for the customer.
fn declined_card<A: Adapter>() {
    let fake = fake();
    let client = A::with(&fake.base_url(), fast_policy());
    let response = client.expect_response(
        Request::post(
            "/v1/charges",
            &[
                ("amount", "2000"),
                ("currency", "usd"),
                ("source", "tok_chargeDeclined"),
            ],
        )
        .expect("params"),
    );
    assert_eq!(response.status, 402);
    assert_eq!(response.advice, Advice::NewKeyAfterCustomerAction);
    assert_eq!(response.attempts, 1);
    let error = response.error().expect("Stripe's error object");
    assert_eq!(error.kind, "card_error");
    assert_eq!(error.code.as_deref(), Some("card_declined"));
    assert_eq!(fake.successful_charges(), 0);
}

/// Write-ahead: the key is known before anything is sent, and the call then uses it.
fn write_ahead_key_before_sending<A: Adapter>() {
    let fake = fake();
    let client = A::with(&fake.base_url(), fast_policy());
    let mut persisted = None;
    let response = client
        .send_prepared(charge(), &mut |key| {
            assert!(
                fake.log().is_empty(),
                "nothing was sent before the key was known"
            );
            assert_eq!(fake.connections_accepted(), 0);
            persisted = key.cloned();
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let persisted = persisted.expect("a POST has a key before it is sent");
    assert_eq!(response.status, 200);
    assert_eq!(response.idempotency_key.as_ref(), Some(&persisted));
    assert_eq!(logged_keys(&fake.log()), [Some(persisted.as_str())]);
}

/// The `Authorization` value the core builds for [`SECRET`] (to look for it in outputs), and
/// the Debug of the whole first `Action::Send`.
fn authorization_and_send_debug() -> (String, String) {
    let config = config("http://127.0.0.1:9", fast_policy());
    let (_call, action) = Call::new(
        charge(),
        &config,
        Seed::from_u64(1),
        Instant::now(),
        SystemTime::now(),
    );
    let Action::Send(request) = &action else {
        panic!("the first action is a send: {action:?}")
    };
    let value = request.headers()[http::header::AUTHORIZATION]
        .to_str()
        .expect("ASCII")
        .to_owned();
    (value, format!("{action:?}"))
}

fn assert_no_secret(what: &str, text: &str, authorization: &str) {
    let credentials = authorization.trim_start_matches("Basic ");
    for needle in [SECRET, SECRET_MIDDLE, credentials] {
        assert!(!text.contains(needle), "{what} shows a secret: {text}");
    }
}

/// The secret never shows in the Debug/Display of a client, a config, a failed call's error (a
/// transport failure and an exhausted one), a request or the request the core builds.
fn secret_never_printed<A: Adapter>() {
    let (authorization, send_debug) = authorization_and_send_debug();
    assert!(authorization.starts_with("Basic "));
    assert_no_secret("the Send action", &send_debug, &authorization);

    // Nothing listens on a port that was just released: a transport failure.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let refused = A::with(
        &format!("http://127.0.0.1:{closed}"),
        fast_policy().with_max_tries(1),
    );
    let transport = refused.expect_error(charge());
    assert_eq!(
        expect_kind::<A>(&transport),
        FailureKind::Transport(TransportError::Connect),
        "a refused connection surely never left"
    );

    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::status(429)).times(2)));
    let client = A::with(&fake.base_url(), fast_policy().with_max_tries(2));
    let exhausted = client.expect_error(charge());
    assert_eq!(expect_kind::<A>(&exhausted), FailureKind::RetriesExhausted);

    let mut outputs = vec![
        ("client Debug", client.client_debug()),
        (
            "config Debug",
            format!("{:?}", config(&fake.base_url(), fast_policy())),
        ),
        ("request Debug", format!("{:?}", charge())),
    ];
    for (name, error) in [("transport", &transport), ("exhausted", &exhausted)] {
        outputs.push((name, format!("{error}")));
        outputs.push((name, format!("{error:?}")));
        let failure = A::failure(error).expect("a failure");
        outputs.push((name, format!("{failure} {failure:?}")));
        let mut source = std::error::Error::source(error);
        while let Some(e) = source {
            outputs.push((name, format!("{e} {e:?}")));
            source = e.source();
        }
    }
    for (what, text) in &outputs {
        assert_no_secret(what, text, &authorization);
    }
}

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

/// Everything traced during two failing calls (429 x 3 with max_tries 3, then a dropped
/// connection twice with max_tries 2) tells the story, and never shows a credential.
fn tracing_tells_the_story_without_secrets<A: Adapter>() {
    use tracing_subscriber::util::SubscriberInitExt as _;

    // tracing caches each callsite's interest process-wide, computed by the first thread to
    // reach it: a sibling test's thread without a subscriber would cache "never" and mute the
    // callsite here too (tokio-rs/tracing#3611). A global subscriber that keeps nothing gives
    // every thread a subscriber, so the cache stays "interested"; ours below is thread-local.
    static GLOBAL: std::sync::Once = std::sync::Once::new();
    GLOBAL.call_once(|| {
        let _ = tracing_subscriber::registry().try_init();
    });
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .finish();
    // Thread-local: other tests running at the same time do not write here.
    let guard = subscriber.set_default();

    let fake = fake();
    fake.set_plan(
        FaultPlan::new()
            .rule(on_charges(Fault::status(429)).times(3))
            .rule(on_charges(Fault::DropBefore).times(2)),
    );
    let client = A::with(&fake.base_url(), fast_policy().with_max_tries(3));
    let exhausted = client.expect_error(charge());
    assert_eq!(expect_kind::<A>(&exhausted), FailureKind::RetriesExhausted);
    let client = A::with(&fake.base_url(), fast_policy().with_max_tries(2));
    let dropped = client.expect_error(charge());
    assert_eq!(
        expect_kind::<A>(&dropped),
        FailureKind::Transport(TransportError::Io),
        "{dropped}"
    );
    drop(guard);

    let text = capture.text();
    let request_id = fake.log()[0].request_id.clone();
    for needle in [
        "method=POST",
        "path=/v1/charges",
        "attempt=1",
        "attempt=3",
        "status=429",
        "request_id=",
        request_id.as_str(),
        "sleep_ms=20",
        "advice=RetrySameKey",
        "stripe call failed",
        "stripe attempt got no response",
        "retries exhausted",
    ] {
        assert!(
            text.contains(needle),
            "[{}] no {needle:?} in:\n{text}",
            A::NAME
        );
    }
    let (authorization, _) = authorization_and_send_debug();
    assert_no_secret("the tracing output", &text, &authorization);
    for needle in ["Authorization", "authorization", "Basic "] {
        assert!(
            !text.contains(needle),
            "[{}] {needle:?} in:\n{text}",
            A::NAME
        );
    }
    // Shown when the test runs with --nocapture, for a look at the story.
    println!("[{}] tracing output:\n{text}", A::NAME);
}

/// The total deadline bounds attempts and waits together: every attempt hangs, each attempt's
/// timeout is cut to what is left, and the call ends within the deadline plus a second with the
/// key, never starting a wait that would pass it.
fn deadline_bounds_the_whole_call<A: Adapter>() {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::Hang).times(10)));
    let deadline = Duration::from_millis(900);
    let policy = fast_policy()
        .with_backoff(Backoff::Fixed(Duration::from_millis(100)))
        .with_attempt_timeout(Some(Duration::from_millis(400)))
        .with_max_tries(10)
        .with_deadline(Some(deadline));
    let client = A::with(&fake.base_url(), policy);
    let started = Instant::now();
    let error = client.expect_error(charge());
    let elapsed = started.elapsed();
    assert!(
        elapsed < deadline + Duration::from_secs(1),
        "[{}] took {elapsed:?}",
        A::NAME
    );
    let failure = A::failure(&error).expect("a failure");
    assert!(
        matches!(
            failure.kind(),
            FailureKind::DeadlineExceeded {
                last_transport: Some(TransportError::Timeout)
            } | FailureKind::Transport(TransportError::Timeout)
        ),
        "[{}] {:?}",
        A::NAME,
        failure.kind()
    );
    assert!(
        (2..=3).contains(&failure.attempts()),
        "[{}] {} attempts",
        A::NAME,
        failure.attempts()
    );
    assert!(failure.idempotency_key().is_some());
    assert_eq!(failure.advice(), Advice::RetrySameKey);
}

/// Telemetry, on by default as in the official SDKs: each request after the first carries
/// the previous response's `request-id` and duration; switched off, none does. Every request
/// names this library in `X-Stripe-Client-User-Agent`.
fn telemetry_names_the_previous_request<A: Adapter>() {
    use stripe_fake::canned::{CannedServer, Reply, header};
    for on in [true, false] {
        let replies = (1..=3)
            .map(|i| Reply::http(200, &[("request-id", &format!("req_{i}"))], "{}"))
            .collect();
        let server = CannedServer::start(replies).expect("canned server");
        let config = stripe_core::Config::builder(SECRET)
            .api_base(server.base_url())
            .policy(fast_policy())
            .telemetry(on)
            .build()
            .expect("config");
        let client = A::new(config);
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
            assert_eq!(telemetry[0], None, "[{}] nothing before the first", A::NAME);
            for (i, t) in telemetry.iter().enumerate().skip(1) {
                let t: Value = serde_json::from_str(t.expect("telemetry sent")).expect("JSON");
                assert_eq!(
                    t["last_request_metrics"]["request_id"],
                    format!("req_{i}"),
                    "[{}]",
                    A::NAME
                );
                assert!(t["last_request_metrics"]["request_duration_ms"].is_u64());
            }
        } else {
            assert!(
                telemetry.iter().all(Option::is_none),
                "[{}] {telemetry:?}",
                A::NAME
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

run_on_adapters!(
    telemetry_names_the_previous_request,
    deadline_bounds_the_whole_call,
    success,
    rate_limited_twice_then_success,
    lost_response_is_replayed,
    error_after_execution_ends_with_reconcile,
    status_503_before_execution_is_retried,
    status_500_on_get_is_retried,
    hang_times_out_then_resume_with_key,
    slow_execution_times_out_then_resume_with_key,
    should_retry_false_is_not_retried,
    concurrent_requests_with_one_key,
    declined_card,
    write_ahead_key_before_sending,
    secret_never_printed,
    tracing_tells_the_story_without_secrets,
);
