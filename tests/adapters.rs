//! One list of scenarios on the in-process fake Stripe with a fault plan (retries, replays,
//! timeouts, deadlines, concurrency, write-ahead keys), each run on every adapter
//! (`stripe-ureq`; `stripe-reqwest` on a multi-thread and a current-thread runtime).
//!
//! Every scenario is a function `fn name(adapter: Adapter)`; `run_on_adapters!` at the bottom
//! makes a `#[test]` of it per adapter (`cargo test --test adapters reqwest_adapter::` runs one
//! side).

#[macro_use]
mod support;

use std::error::Error as _;
use std::time::{Duration, Instant};

use stripe_core::{
    Advice, Backoff, ErrorKind, IdempotencyKey, Request, RetryPolicy, TransportError,
};
use stripe_fake::server::ServerHandle;
use stripe_fake::{Fault, FaultPlan, Rule};
use support::fake::{
    charge, charge_with_key, fake, id, key_of, logged_keys, logged_statuses, on_charges, plan,
};
use support::{Adapter, fast_policy};

/// POST a customer, then GET it: keys on POST only, one attempt each.
fn success(adapter: Adapter) {
    let fake = fake();
    let client = adapter.with(&fake.base_url(), fast_policy());
    let created = client.expect_response(
        Request::post(
            "/v1/customers",
            &[("email", "ada@example.com"), ("name", "Ada")],
        )
        .expect("valid params"),
    );
    assert_eq!(created.status(), 200, "{:?}", created.bytes());
    assert_eq!(created.advice(), Advice::Success);
    assert_eq!(created.attempts(), 1);
    assert!(!created.is_replayed());
    let key = key_of(&created);
    let customer = id(&created);
    assert!(customer.starts_with("cus_"), "{customer}");
    assert!(created.request_id().is_some_and(|r| r.starts_with("req_")));

    let fetched =
        client.expect_response(Request::get(&format!("/v1/customers/{customer}")).expect("path"));
    assert_eq!(fetched.status(), 200);
    assert_eq!(id(&fetched), customer);
    assert_eq!(fetched.json().expect("json")["email"], "ada@example.com");
    assert_eq!(fetched.idempotency_key(), None, "GET carries no key");
    assert_eq!(fetched.advice(), Advice::Success);

    let log = fake.log();
    assert_eq!(logged_keys(&log), [Some(key.as_str()), None]);
    assert_eq!(logged_statuses(&log), [Some(200), Some(200)]);
}

/// 429, 429, then 200: three attempts, the same key on all of them.
fn rate_limited_twice_then_success(adapter: Adapter) {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::status(429)).times(2)));
    let client = adapter.with(&fake.base_url(), fast_policy());
    let response = client.expect_response(charge());
    assert_eq!(response.status(), 200, "{:?}", response.bytes());
    assert_eq!(response.attempts(), 3);
    assert_eq!(response.advice(), Advice::Success);
    let key = key_of(&response);
    let log = fake.log();
    assert_eq!(logged_keys(&log), [Some(key.as_str()); 3]);
    assert_eq!(logged_statuses(&log), [Some(429), Some(429), Some(200)]);
    assert_eq!(fake.successful_charges(), 1);
}

/// The classic lost response: the charge is made, the connection drops; the retry with the
/// same key gets the stored answer, and there is one charge.
fn lost_response_is_replayed(adapter: Adapter) {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::DropAfter)));
    let client = adapter.with(&fake.base_url(), fast_policy());
    let response = client.expect_response(charge());
    assert_eq!(response.status(), 200, "{:?}", response.bytes());
    assert!(response.is_replayed(), "the retry's answer is a replay");
    assert_eq!(response.attempts(), 2);
    assert_eq!(response.headers()["idempotent-replayed"], "true");
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
fn error_after_execution_ends_with_reconcile(adapter: Adapter) {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::ErrorAfter { should_retry: None })));
    let client = adapter.with(&fake.base_url(), fast_policy());
    let response = client.expect_response(charge());
    assert_eq!(response.status(), 500);
    assert!(response.is_replayed());
    assert_eq!(response.advice(), Advice::Reconcile);
    assert_eq!(response.attempts(), 2);
    let key = key_of(&response);
    assert_eq!(logged_keys(&fake.log()), [Some(key.as_str()); 2]);
    assert_eq!(fake.successful_charges(), 1, "the charge exists, once");
    assert_eq!(fake.count(stripe_fake::Kind::Charge), 1);
}

/// A 503 answered before anything was executed: the retry makes the one charge.
fn status_503_before_execution_is_retried(adapter: Adapter) {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::status(503))));
    let client = adapter.with(&fake.base_url(), fast_policy());
    let response = client.expect_response(charge());
    assert_eq!(response.status(), 200, "{:?}", response.bytes());
    assert_eq!(response.attempts(), 2);
    assert!(!response.is_replayed(), "the first attempt stored nothing");
    let log = fake.log();
    assert_eq!(logged_statuses(&log), [Some(503), Some(200)]);
    assert!(!log[0].executed);
    assert_eq!(log[0].idempotency_key, log[1].idempotency_key);
    assert_eq!(fake.successful_charges(), 1);
}

/// A 500 on a GET is retried (no key, no side effect).
fn status_500_on_get_is_retried(adapter: Adapter) {
    let fake = fake();
    let client = adapter.with(&fake.base_url(), fast_policy());
    let customer = id(&client
        .expect_response(Request::post("/v1/customers", &[("name", "Grace")]).expect("params")));
    fake.set_plan(plan(
        Rule::new(Fault::status(500))
            .method(http::Method::GET)
            .path("/v1/customers"),
    ));
    let response =
        client.expect_response(Request::get(&format!("/v1/customers/{customer}")).expect("path"));
    assert_eq!(response.status(), 200, "{:?}", response.bytes());
    assert_eq!(response.attempts(), 2);
    assert_eq!(id(&response), customer);
    assert_eq!(response.idempotency_key(), None);
    assert_eq!(logged_statuses(&fake.log()[1..]), [Some(500), Some(200)]);
}

/// Times a call out (max_tries 1) and checks the failure; returns the key it carries.
fn time_out_once(adapter: Adapter, fake: &ServerHandle, timeout: Duration) -> IdempotencyKey {
    let policy = fast_policy()
        .with_attempt_timeout(Some(timeout))
        .with_max_tries(1);
    let client = adapter.with(&fake.base_url(), policy);
    let started = Instant::now();
    let error = client.expect_error(charge());
    let elapsed = started.elapsed();
    assert!(
        elapsed < timeout + Duration::from_secs(1),
        "[{}] the attempt timeout was not enforced: {elapsed:?}",
        adapter.name()
    );
    assert_eq!(
        error.kind().clone(),
        ErrorKind::Transport(TransportError::Timeout),
        "[{}] {error}",
        adapter.name()
    );
    assert_eq!(error.advice(), Advice::RetrySameKey);
    assert_eq!(error.attempts(), 1);
    let key = error
        .idempotency_key()
        .expect("the failure carries the key")
        .clone();
    assert!(error.to_string().contains(key.as_str()), "{error}");
    key
}

/// `hang`: never answered, never executed. The failure carries the key; resuming with it after
/// the fault is gone makes exactly one charge.
fn hang_times_out_then_resume_with_key(adapter: Adapter) {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::Hang)));
    let key = time_out_once(adapter, &fake, Duration::from_millis(300));
    assert_eq!(
        fake.successful_charges(),
        0,
        "a hanging request is never executed"
    );

    fake.set_plan(FaultPlan::new());
    let client = adapter.with(&fake.base_url(), fast_policy());
    let response = client.expect_response(charge_with_key(&key));
    assert_eq!(response.status(), 200, "{:?}", response.bytes());
    assert_eq!(response.idempotency_key(), Some(&key));
    assert_eq!(fake.successful_charges(), 1);
}

/// Executed but slower than the attempt timeout: the resume with the key meets the request
/// still in flight (409, retried) or its stored answer, and never charges twice.
fn slow_execution_times_out_then_resume_with_key(adapter: Adapter) {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::Delay { ms: 800 })));
    let key = time_out_once(adapter, &fake, Duration::from_millis(300));

    // Patient enough to outlast the 800 ms execution: 409s are retried with the same key.
    let patient = fast_policy()
        .with_backoff(Backoff::Fixed(Duration::from_millis(100)))
        .with_max_tries(20);
    let client = adapter.with(&fake.base_url(), patient);
    let response = client.expect_response(charge_with_key(&key));
    assert_eq!(response.status(), 200, "{:?}", response.bytes());
    assert!(
        response.is_replayed(),
        "the answer is the slow request's stored result"
    );
    assert_eq!(response.idempotency_key(), Some(&key));
    assert_eq!(fake.successful_charges(), 1);
    assert!(
        fake.log()
            .iter()
            .all(|e| e.idempotency_key.as_deref() == Some(key.as_str())),
        "every attempt carried the one key"
    );
}

/// `Stripe-Should-Retry: false` on a 503 overrides the table: one attempt.
fn should_retry_false_is_not_retried(adapter: Adapter) {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::Status {
        status: 503,
        should_retry: Some(false),
        code: None,
    })));
    let client = adapter.with(&fake.base_url(), fast_policy());
    let response = client.expect_response(charge());
    assert_eq!(response.status(), 503);
    assert_eq!(response.attempts(), 1);
    assert_eq!(response.headers()["stripe-should-retry"], "false");
    assert_eq!(
        response.advice(),
        Advice::Reconcile,
        "a final 5xx on a POST"
    );
    assert_eq!(fake.log().len(), 1);
    assert_eq!(fake.successful_charges(), 0);
}

/// Two requests with one key at once: the second meets the first in flight (409), retries with
/// the same key and gets the replay. One charge, one id.
fn concurrent_requests_with_one_key(adapter: Adapter) {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::Delay { ms: 600 })));
    // The default table (409 retried with the same key), 150 ms apart, enough tries to outlast
    // the first request's 600 ms.
    let policy = RetryPolicy::default()
        .with_backoff(Backoff::Fixed(Duration::from_millis(150)))
        .with_max_tries(10);
    let client = adapter.with(&fake.base_url(), policy);
    let key = IdempotencyKey::new(format!("concurrent-{}", adapter.name())).expect("a valid key");
    let (first, second) = client.send_both(
        charge_with_key(&key),
        charge_with_key(&key),
        Duration::from_millis(150),
    );
    let first = first.unwrap_or_else(|e| panic!("first call: {e}"));
    let second = second.unwrap_or_else(|e| panic!("second call: {e}"));
    assert_eq!(first.status(), 200, "{:?}", first.bytes());
    assert_eq!(second.status(), 200, "{:?}", second.bytes());
    assert_eq!(id(&first), id(&second));
    // Normally the first holds the key and the second waits; on a loaded machine the second
    // may reach the fake first and swap the roles. Either way: one original, one replay.
    let (original, waiter) = if first.is_replayed() {
        (&second, &first)
    } else {
        (&first, &second)
    };
    assert!(
        original.attempts() == 1 && !original.is_replayed(),
        "{original:?}"
    );
    assert!(waiter.attempts() >= 2 && waiter.is_replayed(), "{waiter:?}");
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
fn declined_card(adapter: Adapter) {
    let fake = fake();
    let client = adapter.with(&fake.base_url(), fast_policy());
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
    assert_eq!(response.status(), 402);
    assert_eq!(response.advice(), Advice::NewKeyAfterCustomerAction);
    assert_eq!(response.attempts(), 1);
    let error = response.error().expect("Stripe's error object");
    assert_eq!(error.kind, "card_error");
    assert_eq!(error.code.as_deref(), Some("card_declined"));
    assert_eq!(fake.successful_charges(), 0);
}

/// Write-ahead: the key is known before anything is sent, and the call then uses it.
fn write_ahead_key_before_sending(adapter: Adapter) {
    let fake = fake();
    let client = adapter.with(&fake.base_url(), fast_policy());
    let mut persisted = None;
    let response = client
        .send_prepared(charge(), |key| {
            assert!(
                fake.log().is_empty(),
                "nothing was sent before the key was known"
            );
            assert_eq!(fake.connections_accepted(), 0);
            persisted = key.cloned();
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let persisted = persisted.expect("a POST has a key before it is sent");
    assert_eq!(response.status(), 200);
    assert_eq!(response.idempotency_key(), Some(&persisted));
    assert_eq!(logged_keys(&fake.log()), [Some(persisted.as_str())]);
}

/// The total deadline bounds attempts and waits together: every attempt hangs, each attempt's
/// timeout is cut to what is left, and the call ends within the deadline plus a second with the
/// key, never starting a wait that would pass it.
fn deadline_bounds_the_whole_call(adapter: Adapter) {
    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::Hang).times(10)));
    let deadline = Duration::from_millis(900);
    let policy = fast_policy()
        .with_backoff(Backoff::Fixed(Duration::from_millis(100)))
        .with_attempt_timeout(Some(Duration::from_millis(400)))
        .with_max_tries(10)
        .with_deadline(Some(deadline));
    let client = adapter.with(&fake.base_url(), policy);
    let started = Instant::now();
    let error = client.expect_error(charge());
    let elapsed = started.elapsed();
    assert!(
        elapsed < deadline + Duration::from_secs(1),
        "[{}] took {elapsed:?}",
        adapter.name()
    );
    assert!(
        matches!(
            error.kind(),
            ErrorKind::DeadlineExceeded {
                last_transport: Some(TransportError::Timeout)
            } | ErrorKind::Transport(TransportError::Timeout)
        ),
        "[{}] {:?}",
        adapter.name(),
        error.kind()
    );
    assert!(
        (2..=3).contains(&error.attempts()),
        "[{}] {} attempts",
        adapter.name(),
        error.attempts()
    );
    assert!(error.idempotency_key().is_some());
    assert_eq!(error.advice(), Advice::RetrySameKey);
    let source = error.source().expect("the last attempt's cause");
    assert!(
        adapter.is_own_error(source),
        "[{}] the cause is the driver's own error: {source:?}",
        adapter.name()
    );
}

run_on_adapters!(
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
    deadline_bounds_the_whole_call,
);
