//! The findings tests' harness: a journal on a SQLite file with short leases, a client of the
//! fake Stripe, fault rules, the fake's charges and POSTs counted, and a holder that dies as it
//! is about to send.

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::Method;
use stripe_client::Transport;
use stripe_core::{Backoff, Config, Request, RetryPolicy};
use stripe_fake::server::ServerHandle;
use stripe_fake::{Fault, FaultPlan, Rule};
use stripe_journal::machine::{Input, Step};
use stripe_journal::{IntentId, Journal, Policy};

use super::TempDb;

/// Short leases and grace so that a test waiting for a lease to end waits under 2 s (a claim's
/// lease covers the first attempt: `ATTEMPT` plus twice the margin).
pub fn policy() -> Policy {
    Policy::new()
        .with_lease(Duration::from_millis(300))
        .with_send_grace(Duration::from_millis(200))
        .with_attempt_margin(Duration::from_millis(100))
}

pub fn journal(db: &TempDb, owner: &str) -> Journal {
    Journal::new(db.store())
        .expect("journal")
        .with_policy(policy())
        .with_owner(owner)
}

/// Each attempt's bound: short, so that a claim's lease (which covers the first attempt plus
/// twice the margin) ends soon. Not 1 s: see `attempt_timeout_of_one_second_still_sends`
/// (`findings_also.rs`).
pub const ATTEMPT: Duration = Duration::from_millis(1500);

/// The fake's URL, `tries` tries per call, 10 ms between them, `ATTEMPT` per attempt.
pub fn config(fake: &ServerHandle, tries: u32) -> Config {
    Config::builder("sk_test_findings")
        .api_base(fake.base_url())
        .policy(
            RetryPolicy::default()
                .with_max_tries(tries)
                .with_backoff(Backoff::Fixed(Duration::from_millis(10)))
                .with_attempt_timeout(Some(ATTEMPT)),
        )
        .build()
        .expect("config")
}

pub fn client(fake: &ServerHandle, tries: u32) -> stripe_ureq::Client {
    stripe_ureq::Client::new(config(fake, tries))
}

pub fn charge(amount: &str, source: &str) -> Request {
    Request::post(
        "/v1/charges",
        &[("amount", amount), ("currency", "usd"), ("source", source)],
    )
    .expect("request")
}

pub fn on(fake: &ServerHandle, path: &str, fault: Fault, times: u32) {
    fake.set_plan(
        FaultPlan::new().rule(
            Rule::new(fault)
                .method(Method::POST)
                .path(path)
                .times(times),
        ),
    );
}

/// The fake's charges tagged with this operation id.
pub fn charges_of(fake: &ServerHandle, op_id: &str) -> Vec<serde_json::Value> {
    fake.with_model(|m| {
        m.charges()
            .iter()
            .filter(|c| c["metadata"]["op"] == op_id)
            .cloned()
            .collect()
    })
}

pub fn posts(fake: &ServerHandle) -> usize {
    fake.log().iter().filter(|e| e.method == "POST").count()
}

/// Sleeps until the store's clock (this machine's, for SQLite) is past `until`.
pub fn wait_past(until: SystemTime) {
    let left = until.duration_since(SystemTime::now()).unwrap_or_default();
    std::thread::sleep(left + Duration::from_millis(20));
}

/// A holder that dies mid-call: drives the operation's machine until it asks to send the POST,
/// then drops it (nothing sent). Returns the request it was about to send.
pub fn abandon<T: Transport>(
    journal: &Journal,
    client: &stripe_client::Client<T>,
    id: &IntentId,
    request: Request,
) -> http::Request<Bytes> {
    let mut op = journal
        .operation_at(
            id,
            request,
            client.config(),
            (Instant::now(), SystemTime::now()),
            [7; 32],
        )
        .expect("operation");
    for _ in 0..32 {
        let input = match op.poll() {
            Step::Store(primitive) => Input::Stored(primitive.perform(journal.store())),
            Step::Call(request) => Input::Started(client.prepare(request).map(|p| p.into_call())),
            Step::Send { request, .. } => return request,
            other => panic!("the machine did not get to its send: {other:?}"),
        };
        op.handle(Instant::now(), SystemTime::now(), input);
    }
    panic!("the machine never asked to send");
}

/// The row of an in-flight intent's id, with its lease's end.
pub fn lease_end(journal: &Journal, id: &IntentId) -> SystemTime {
    let row = journal.load(id).expect("load").expect("the row");
    assert!(row.state().is_in_flight(), "{:?}", row.state());
    row.lease().expect("a lease").until()
}
