//! Per-request options and API v2 through the journal, over a scripted transport that records
//! every request on the wire: a request's own `Stripe-Context` and `Stripe-Version` are saved
//! and sent again by recovery, the context scopes the intent, a per-request API key is refused
//! before anything is written, and a v2 POST that got a 5xx or no answer is resumed with the
//! same key (Stripe completes it), never looked up by List.

mod support;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use stripe_client::{Attempt, SendError, Transport};
use stripe_core::{Backoff, Config, Request, RetryPolicy, TransportError};
use stripe_journal::{IntentId, Journal, JournalError, Policy, Run, StateKind};
use support::TempDb;

/// One request on the wire: method, path, the headers the journal sets, and the body.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    key: Option<String>,
    account: Option<String>,
    context: Option<String>,
    version: Option<String>,
    body: String,
}

/// What the script answers to one request: a status and a body, or no answer (a reset).
#[derive(Clone, Copy)]
enum Reply {
    Status(u16, &'static str),
    Reset,
}

/// Answers from a script (200 with `{"id":"obj_1"}` once it is empty) and records each request.
#[derive(Clone, Default)]
struct Scripted {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Scripted {
    fn script(&self, replies: &[Reply]) {
        self.replies.lock().expect("lock").extend(replies);
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

fn header(request: &http::Request<Bytes>, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

impl Transport for Scripted {
    type Error = std::io::Error;

    fn send(&self, attempt: Attempt) -> Result<http::Response<Bytes>, SendError<Self::Error>> {
        let r = attempt.request();
        self.seen.lock().expect("lock").push(Seen {
            method: r.method().to_string(),
            path: r.uri().path().to_owned(),
            key: header(r, "idempotency-key"),
            account: header(r, "stripe-account"),
            context: header(r, "stripe-context"),
            version: header(r, "stripe-version"),
            body: String::from_utf8_lossy(r.body()).into_owned(),
        });
        let reply = self.replies.lock().expect("lock").pop_front();
        match reply.unwrap_or(Reply::Status(200, r#"{"id":"obj_1"}"#)) {
            Reply::Status(status, body) => Ok(http::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Bytes::from_static(body.as_bytes()))
                .expect("response")),
            Reply::Reset => Err(SendError::new(
                TransportError::Io,
                std::io::Error::other("connection reset by the script"),
            )),
        }
    }

    fn sleep_until(&self, _until: Instant) {}
}

/// A client over `transport` whose configuration sets its own context and version, which a
/// request's own must override, and two tries per call.
fn client(transport: &Scripted) -> stripe_client::Client<Scripted> {
    let config = Config::builder("sk_test_options")
        .stripe_context("acct_config")
        .stripe_version("2020-08-27")
        .policy(
            RetryPolicy::default()
                .with_max_tries(2)
                .with_backoff(Backoff::Fixed(Duration::from_millis(1))),
        )
        .build()
        .expect("config");
    stripe_client::Client::with_transport(config, transport.clone())
}

fn journal(db: &TempDb) -> Journal {
    Journal::new(db.store()).expect("journal").with_policy(
        Policy::new()
            .with_lease(Duration::from_millis(50))
            .with_attempt_margin(Duration::from_millis(20))
            .with_send_grace(Duration::from_millis(100)),
    )
}

fn account(ctx: &str) -> Request {
    Request::post(
        "/v2/core/accounts",
        &serde_json::json!({ "display_name": "Ada", "identity": { "country": "us" } }),
    )
    .expect("request")
    .with_stripe_context(ctx)
    .expect("context")
    .with_stripe_version("2025-08-27.preview")
    .expect("version")
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("a JSON body")
}

#[test]
fn recovery_sends_the_saved_context_version_and_json_body_with_the_same_key() {
    let db = TempDb::new("options-recover");
    let transport = Scripted::default();
    transport.script(&[Reply::Reset, Reply::Reset]);
    let journal = journal(&db);
    let client = client(&transport);
    let id = IntentId::op("acct-setup/1").expect("id");
    let first = journal.run(&client, &id, account("acct_ctx1"));
    assert!(first.is_err(), "no answer: {first:?}");

    let scoped = IntentId::new("#acct_ctx1", "acct-setup/1").expect("id");
    let row = journal
        .load(&scoped)
        .expect("load")
        .expect("scoped by its context");
    assert_eq!(
        row.state().kind(),
        StateKind::Sent,
        "v2: resume, not reconcile"
    );
    let saved = row.request().expect("saved");
    assert_eq!(saved.stripe_context(), Some("acct_ctx1"));
    assert_eq!(saved.stripe_version(), Some("2025-08-27.preview"));

    // A fresh journal over the same file, as after a crash; recovery after the lease.
    std::thread::sleep(Duration::from_millis(200));
    let report = self::journal(&db).recover(&client, 10).expect("recover");
    assert_eq!(report.resumed(), 1, "{report}");
    let seen = transport.seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    for s in &seen {
        assert_eq!(
            (s.method.as_str(), s.path.as_str()),
            ("POST", "/v2/core/accounts")
        );
        assert_eq!(
            s.context.as_deref(),
            Some("acct_ctx1"),
            "never the config's"
        );
        assert_eq!(s.version.as_deref(), Some("2025-08-27.preview"));
        assert_eq!(s.account, None);
        assert_eq!(s.key, seen[0].key, "one key throughout");
        assert_eq!(json(&s.body), json(&seen[0].body));
    }
    assert!(seen[0].key.is_some());
    assert_eq!(
        json(&seen[0].body),
        serde_json::json!({ "display_name": "Ada", "identity": { "country": "us" } }),
        "a v2 create takes no metadata tags"
    );
    let row = journal.load(&scoped).expect("load").expect("row");
    assert_eq!(row.state().kind(), StateKind::Done);
}

#[test]
fn two_contexts_never_share_an_intent_and_an_id_of_another_context_is_refused() {
    let db = TempDb::new("options-contexts");
    let transport = Scripted::default();
    let journal = journal(&db);
    let client = client(&transport);
    let id = IntentId::op("setup").expect("id");
    for ctx in ["acct_a", "acct_b"] {
        let run = journal.run(&client, &id, account(ctx)).expect("run");
        assert!(matches!(run, Run::Done(_)), "{run:?}");
    }
    let keys: Vec<_> = transport.seen().into_iter().map(|s| s.key).collect();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1], "two intents, two keys");
    for scope in ["#acct_a", "#acct_b"] {
        let scoped = IntentId::new(scope, "setup").expect("id");
        assert!(journal.load(&scoped).expect("load").is_some(), "{scope}");
    }
    // The configuration's context scopes a request without its own.
    let plain = Request::post("/v1/customers", &[("name", "Ada")]).expect("request");
    journal.run(&client, &id, plain).expect("run");
    let scoped = IntentId::new("#acct_config", "setup").expect("id");
    assert!(journal.load(&scoped).expect("load").is_some());

    let other = IntentId::new("#acct_b", "setup").expect("id");
    let refused = journal.run(&client, &other, account("acct_a"));
    assert!(
        matches!(&refused, Err(JournalError::InvalidRequest(r)) if r.contains("another context")),
        "{refused:?}"
    );
    assert_eq!(
        transport.seen().len(),
        3,
        "nothing sent for the refused one"
    );
}

#[test]
fn a_changed_version_is_another_request_for_the_same_id() {
    let db = TempDb::new("options-version");
    let transport = Scripted::default();
    let journal = journal(&db);
    let client = client(&transport);
    let id = IntentId::op("setup").expect("id");
    journal.run(&client, &id, account("acct_a")).expect("run");
    let other = account("acct_a")
        .with_stripe_version("2026-01-01.preview")
        .expect("v");
    let run = journal.run(&client, &id, other).expect("run");
    assert!(matches!(run, Run::Conflict { .. }), "{run:?}");
    assert_eq!(transport.seen().len(), 1);
}

#[test]
fn a_per_request_api_key_is_refused_before_anything_is_written() {
    let db = TempDb::new("options-key");
    let transport = Scripted::default();
    let journal = journal(&db);
    let client = client(&transport);
    let id = IntentId::op("keyed").expect("id");
    let request = Request::post("/v1/charges", &[("amount", "100")])
        .expect("request")
        .with_api_key("sk_test_secretperrequest")
        .expect("key");
    let refused = journal.run(&client, &id, request);
    let Err(JournalError::InvalidRequest(reason)) = &refused else {
        panic!("expected a refusal, got {refused:?}");
    };
    assert!(reason.contains("own API key"), "{reason}");
    assert!(
        reason.contains("configuration"),
        "says what to do: {reason}"
    );
    assert!(!format!("{refused:?}").contains("secretperrequest"));
    assert!(transport.seen().is_empty());
    for scope in ["", "#acct_config"] {
        let scoped = IntentId::new(scope, "keyed").expect("id");
        assert!(
            journal.load(&scoped).expect("load").is_none(),
            "nothing written"
        );
    }
}

#[test]
fn a_v2_post_answered_5xx_is_resumed_with_its_key_never_looked_up_by_list() {
    let db = TempDb::new("options-v2-5xx");
    let transport = Scripted::default();
    let failure = r#"{"error":{"type":"api_error","message":"try again"}}"#;
    transport.script(&[Reply::Status(500, failure), Reply::Status(503, failure)]);
    let journal = journal(&db);
    let client = client(&transport);
    let id = IntentId::op("meter/1").expect("id");
    let event = || {
        Request::post(
            "/v2/billing/meter_events",
            &serde_json::json!({ "event_name": "api_call", "identifier": "m1" }),
        )
        .expect("request")
    };
    let first = journal.run(&client, &id, event());
    assert!(first.is_err(), "{first:?}");
    let scoped = IntentId::new("#acct_config", "meter/1").expect("id");
    let row = journal.load(&scoped).expect("load").expect("row");
    assert_eq!(row.state().kind(), StateKind::Sent, "not to_reconcile");
    std::thread::sleep(Duration::from_millis(100));
    let again = journal.run(&client, &id, event()).expect("run");
    let Run::Done(outcome) = again else {
        panic!("expected done, got {again:?}");
    };
    assert_eq!(outcome.status(), 200);
    let seen = transport.seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(
        seen.iter()
            .all(|s| s.method == "POST" && s.key == seen[0].key)
    );
}

/// The pure decision, as any driver of its own records a call: a v2 POST's 5xx or unknown
/// outcome leaves the intent sent (resume with the key), a v1 POST's goes to reconcile.
#[test]
fn record_resumes_a_v2_5xx_or_unknown_outcome_and_reconciles_a_v1_one() {
    use stripe_journal::decide::{self, BeginInput, Begun, CallResult, Write};
    use stripe_journal::intent::SavedRequest;
    use stripe_journal::{Answer, Fingerprint, ReconcileReason, State};

    let now = std::time::SystemTime::now();
    let id = IntentId::op("op").expect("id");
    let record = |path: &str, result: CallResult| {
        let input = BeginInput::new(&id, Fingerprint::of("POST", path, b""), "me", now, [7; 10])
            .with_request(SavedRequest::new(path, ""));
        let (begun, write) = decide::begin(None, &input, &Policy::new()).expect("begin");
        let (Begun::Proceed(claim), Write::Insert(row)) = (begun, write) else {
            panic!("a fresh claim");
        };
        decide::record(Some(&row), &claim, result, now)
            .expect("record")
            .0
    };
    let five = || CallResult::Answered(Answer::new(500, "{}"));
    assert_eq!(record("/v2/core/accounts", five()), State::Sent);
    assert_eq!(
        record("/v2/core/accounts", CallResult::Unknown),
        State::Sent
    );
    assert!(matches!(
        record("/v1/charges", five()),
        State::ToReconcile(ReconcileReason::ServerError, _)
    ));
    assert!(matches!(
        record("/v1/charges", CallResult::Unknown),
        State::ToReconcile(ReconcileReason::UnknownOutcome, _)
    ));
}
