//! The loopback server over real TCP, with a hand-written HTTP/1.1 client.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{Conn, call};
use stripe_fake::server::{self, ServerOptions};
use stripe_fake::{Fault, FaultPlan, Kind, Rule};

const CHARGE: &str = "amount=2000&currency=usd&source=tok_visa";

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn replay_over_keep_alive_gives_the_same_charge() {
    let srv = common::start();
    assert!(srv.base_url().starts_with("http://127.0.0.1:"));
    let mut conn = Conn::open(&srv.base_url());
    let key = [("Idempotency-Key", "wire-1")];
    let first = conn
        .call("POST", "/v1/charges", &key, CHARGE)
        .expect("answer");
    assert_eq!(first.status, 200);
    assert_eq!(first.header("content-type"), Some("application/json"));
    assert!(
        first
            .header("request-id")
            .is_some_and(|id| id.starts_with("req_"))
    );
    let second = conn
        .call("POST", "/v1/charges", &key, CHARGE)
        .expect("answer");
    assert_eq!(second.status, 200);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.json()["id"], first.json()["id"]);
    assert_eq!(srv.successful_charges(), 1);
    assert_eq!(srv.connections_accepted(), 1);
    let log = srv.log();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].idempotency_key.as_deref(), Some("wire-1"));
    assert!(log[1].replayed);
}

#[test]
fn drop_after_closes_the_connection_but_the_charge_exists() {
    let srv = common::start();
    srv.set_plan(FaultPlan::new().rule(Rule::new(Fault::DropAfter).path("/v1/charges")));
    let key = [("Idempotency-Key", "lost-1")];
    assert!(call(&srv.base_url(), "POST", "/v1/charges", &key, CHARGE).is_none());
    assert_eq!(srv.successful_charges(), 1);
    let retry = call(&srv.base_url(), "POST", "/v1/charges", &key, CHARGE).expect("answer");
    assert_eq!(retry.status, 200);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        srv.with_model(|m| m.charges()[0]["id"].clone()),
        retry.json()["id"]
    );
    assert_eq!(srv.log()[0].fault.as_deref(), Some("drop_after"));
}

#[test]
fn concurrent_request_with_the_same_key_gets_409() {
    let srv = common::start();
    srv.set_plan(FaultPlan::new().rule(Rule::new(Fault::Delay { ms: 1500 }).path("/v1/charges")));
    let url = srv.base_url();
    let key = [("Idempotency-Key", "busy-1")];
    let slow = thread::spawn(move || call(&url, "POST", "/v1/charges", &key, CHARGE));
    wait_until("the delayed request", || !srv.log().is_empty());
    let conflict = call(&srv.base_url(), "POST", "/v1/charges", &key, CHARGE).expect("answer");
    assert_eq!(conflict.status, 409);
    assert_eq!(conflict.json()["error"]["type"], "idempotency_error");
    assert_eq!(conflict.json()["error"]["code"], "idempotency_key_in_use");
    let first = slow.join().expect("thread").expect("answer");
    assert_eq!(first.status, 200);
    assert_eq!(srv.successful_charges(), 1);
}

#[test]
fn status_fault_with_should_retry_header() {
    let srv = server::start_with(ServerOptions {
        plan: FaultPlan::from_json(
            r#"[{"path": "/v1/", "fault": "status", "status": 429, "should_retry": true}]"#,
        )
        .expect("plan"),
        ..common::pinned()
    })
    .expect("start");
    let resp = call(&srv.base_url(), "GET", "/v1/charges", &[], "").expect("answer");
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("stripe-should-retry"), Some("true"));
    assert_eq!(resp.json()["error"]["code"], "rate_limit");
    let resp = call(&srv.base_url(), "GET", "/v1/charges", &[], "").expect("answer");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["object"], "list");
}

#[test]
fn error_after_is_stored_and_replayed() {
    let srv = common::start();
    srv.set_plan(FaultPlan::new().rule(Rule::new(Fault::ErrorAfter { should_retry: None })));
    let key = [("Idempotency-Key", "e-1")];
    let first = call(&srv.base_url(), "POST", "/v1/charges", &key, CHARGE).expect("answer");
    assert_eq!(first.status, 500);
    let again = call(&srv.base_url(), "POST", "/v1/charges", &key, CHARGE).expect("answer");
    assert_eq!(again.status, 500);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(srv.successful_charges(), 1);
    let list = call(&srv.base_url(), "GET", "/v1/charges", &[], "").expect("answer");
    assert_eq!(list.json()["data"].as_array().map(Vec::len), Some(1));
}

#[test]
fn admin_plan_and_log_endpoints() {
    let srv = common::start();
    let plan = r#"[{"method": "POST", "path": "/v1/charges", "fault": "drop_after", "times": 1}, {"path": "/v1/", "fault": "status", "status": 429, "times": 2}]"#;
    let resp = call(&srv.base_url(), "POST", "/_fake/plan", &[], plan).expect("answer");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["rules"], 2);
    assert_eq!(srv.plan().rules().len(), 2);
    assert!(
        call(
            &srv.base_url(),
            "POST",
            "/v1/charges",
            &[("Idempotency-Key", "adm")],
            CHARGE
        )
        .is_none()
    );
    let limited = call(&srv.base_url(), "GET", "/v1/customers", &[], "").expect("answer");
    assert_eq!(limited.status, 429);

    let log = call(&srv.base_url(), "GET", "/_fake/log", &[], "").expect("answer");
    assert_eq!(log.status, 200);
    let entries = log.json();
    let entries = entries.as_array().expect("array");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["method"], "POST");
    assert_eq!(entries[0]["path"], "/v1/charges");
    assert_eq!(entries[0]["idempotency_key"], "adm");
    assert_eq!(entries[0]["fault"], "drop_after");
    assert_eq!(entries[1]["fault"], "status");
    assert_eq!(entries[1]["status"], 429);

    let counts = call(&srv.base_url(), "GET", "/_fake/counts", &[], "")
        .expect("answer")
        .json();
    assert_eq!(counts["successful_charges"], 1);

    let bad = call(
        &srv.base_url(),
        "POST",
        "/_fake/plan",
        &[],
        r#"[{"fault": "nope"}]"#,
    )
    .expect("answer");
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown fault `nope`"))
    );
}

#[test]
fn deliver_late_reaches_the_model_after_a_later_request() {
    let srv = common::start();
    srv.set_plan(FaultPlan::new().rule(Rule::new(Fault::DeliverLate).path("/v1/charges")));
    let url = srv.base_url();
    let late = thread::spawn(move || {
        call(
            &url,
            "POST",
            "/v1/charges",
            &[("Idempotency-Key", "old")],
            CHARGE,
        )
    });
    wait_until("the late request to be logged", || !srv.log().is_empty());
    assert_eq!(srv.count(Kind::Charge), 0);
    let retry = call(
        &srv.base_url(),
        "POST",
        "/v1/charges",
        &[("Idempotency-Key", "new")],
        CHARGE,
    )
    .expect("answer");
    assert_eq!(retry.status, 200);
    let late = late.join().expect("thread").expect("late answer");
    assert_eq!(late.status, 200);
    assert_ne!(late.json()["id"], retry.json()["id"]);
    assert_eq!(srv.successful_charges(), 2);
}

#[test]
fn hang_never_answers_and_stop_does_not_block() {
    let srv = common::start();
    srv.set_plan(FaultPlan::new().rule(Rule::new(Fault::Hang)));
    let mut conn = Conn::open(&srv.base_url());
    conn.send("GET", "/v1/charges", &[], "");
    wait_until("the hanging request", || !srv.log().is_empty());
    thread::sleep(Duration::from_millis(100));
    let start = Instant::now();
    srv.stop();
    assert!(start.elapsed() < Duration::from_secs(5));
    // The server is gone: the hanging connection is closed without an answer.
    assert!(conn.read().map(|r| r.is_none()).unwrap_or(true));
}

#[test]
fn clock_advance_expires_keys() {
    let srv = common::start();
    let key = [("Idempotency-Key", "old-key")];
    let _ = call(&srv.base_url(), "POST", "/v1/charges", &key, CHARGE).expect("answer");
    srv.advance_clock(stripe_fake::KEY_LIFETIME);
    let again = call(&srv.base_url(), "POST", "/v1/charges", &key, CHARGE).expect("answer");
    assert_eq!(again.header("idempotent-replayed"), None);
    assert_eq!(srv.successful_charges(), 2);
}

#[tokio::test]
async fn works_inside_a_tokio_runtime() {
    let srv = common::start();
    let url = srv.base_url();
    let resp =
        tokio::task::spawn_blocking(move || call(&url, "POST", "/v1/customers", &[], "name=async"))
            .await
            .expect("join")
            .expect("answer");
    assert_eq!(resp.status, 200);
    assert_eq!(srv.count(Kind::Customer), 1);
    drop(srv);
}

#[test]
fn default_options_draw_a_random_seed_the_handle_reports() {
    let (a, b) = (ServerOptions::default(), ServerOptions::default());
    assert_ne!(a.seed, b.seed, "two defaults, two seeds");
    let seed = a.seed;
    let srv = server::start_with(a).expect("start");
    assert_eq!(srv.seed(), seed);
    assert_eq!(common::start().seed(), common::SEED);
}
