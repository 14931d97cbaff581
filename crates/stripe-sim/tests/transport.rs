//! The simulation as a transport: a user's `Client<T>` / `AsyncClient<T>` against the model,
//! each attempt meeting the schedule's next fault, sleeps advancing the virtual clock only.

use std::error::Error as _;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use stripe_client::{AsyncClient, Client, Transport};
use stripe_core::{Config, ErrorKind, Request, RetryPolicy, Seed, TransportError};
use stripe_fake::Fault;
use stripe_sim::{Schedule, Sim, SimError, SimTransport};

const CHARGE: [(&str, &str); 3] = [
    ("amount", "500"),
    ("currency", "usd"),
    ("source", "tok_visa"),
];

fn config(policy: RetryPolicy) -> Config {
    Config::builder("sk_test_simtx")
        .policy(policy)
        .build()
        .expect("valid")
}

fn client(policy: RetryPolicy, schedule: Vec<Option<Fault>>) -> Client<SimTransport> {
    let transport = SimTransport::new(1).with_schedule(schedule);
    Client::with_transport_and_seed(config(policy), transport, Seed::from_u64(1))
}

/// Polls `future` once with a waker that does nothing: no executor, no timer.
fn poll_once<F: Future>(future: F) -> Poll<F::Output> {
    pin!(future).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn a_lost_answer_is_retried_with_the_same_key_in_virtual_time() {
    let client = client(RetryPolicy::default(), vec![Some(Fault::DropAfter)]);
    let (virtual_start, wall_start) = (client.transport().now(), client.transport().wall());
    let real_start = Instant::now();
    let charge = client.post("/v1/charges", &CHARGE).expect("2xx");
    assert!(charge.is_replayed(), "the retry met the stored answer");
    let transport = client.transport();
    assert_eq!(transport.faults(), vec![Some(Fault::DropAfter), None]);
    let slept: Duration = transport.sleeps().iter().sum();
    assert!(slept >= Duration::from_secs(1), "slept {slept:?}");
    let virtual_elapsed = transport.now() - virtual_start;
    assert!(virtual_elapsed >= slept);
    assert_eq!(
        transport
            .wall()
            .duration_since(wall_start)
            .expect("forward"),
        virtual_elapsed,
        "the wall clock is the virtual clock"
    );
    assert!(
        real_start.elapsed() < slept,
        "no real sleeping: {:?}",
        real_start.elapsed()
    );
    assert_eq!(transport.sim().charges(), 1);
}

#[test]
fn the_schedule_runs_across_calls_then_the_network_is_calm() {
    let client = client(
        RetryPolicy::never(),
        vec![Some(Fault::DropBefore), None, Some(Fault::Hang)],
    );
    let error = client.post("/v1/charges", &CHARGE).expect_err("dropped");
    assert_eq!(error.kind(), &ErrorKind::Transport(TransportError::Io));
    let cause = error
        .source()
        .and_then(|s| s.downcast_ref::<SimError>())
        .expect("the transport's error is the source");
    assert_eq!(cause.fault(), Some(&Fault::DropBefore));
    assert_eq!(
        cause.to_string(),
        "simulated network: connection failed (fault drop_before)"
    );
    client
        .get("/v1/balance")
        .expect("the second attempt met no fault");
    let error = client.post("/v1/charges", &CHARGE).expect_err("hung");
    assert_eq!(error.kind(), &ErrorKind::Transport(TransportError::Timeout));
    client
        .post("/v1/charges", &CHARGE)
        .expect("past the schedule: calm");
    assert_eq!(
        client.transport().faults(),
        vec![Some(Fault::DropBefore), None, Some(Fault::Hang), None]
    );
    assert_eq!(client.transport().sim().charges(), 1);
}

#[test]
fn set_schedule_replaces_what_is_left() {
    let client = client(RetryPolicy::never(), vec![Some(Fault::DropBefore); 5]);
    assert!(client.post("/v1/charges", &CHARGE).is_err());
    client.transport().set_schedule(Schedule::calm());
    client.post("/v1/charges", &CHARGE).expect("healed");
    assert_eq!(
        client.transport().faults(),
        vec![Some(Fault::DropBefore), None]
    );
}

#[test]
fn an_async_client_completes_under_a_bare_poll() {
    let policy = RetryPolicy::default().with_attempt_timeout(Some(Duration::from_secs(5)));
    let transport = SimTransport::new(2).with_schedule(vec![Some(Fault::Hang)]);
    let client = AsyncClient::with_transport_and_seed(config(policy), transport, Seed::from_u64(2));
    let start = stripe_client::AsyncTransport::now(client.transport());
    let Poll::Ready(outcome) = poll_once(client.post("/v1/charges", &CHARGE)) else {
        panic!("a simulated call never waits on a waker");
    };
    assert!(outcome.expect("2xx").is_success());
    let transport = client.transport();
    assert_eq!(transport.faults(), vec![Some(Fault::Hang), None]);
    assert!(stripe_client::AsyncTransport::now(transport) - start >= Duration::from_secs(5));
    assert_eq!(transport.sim().charges(), 1);
}

#[test]
fn a_delayed_execution_lands_when_virtual_time_passes_it() {
    let policy = RetryPolicy::never().with_attempt_timeout(Some(Duration::from_secs(1)));
    let client = client(policy, vec![Some(Fault::Delay { ms: 60_000 })]);
    let error = client.post("/v1/charges", &CHARGE).expect_err("timed out");
    assert_eq!(error.kind(), &ErrorKind::Transport(TransportError::Timeout));
    let transport = client.transport();
    assert_eq!(transport.sim().charges(), 0, "still executing");
    transport.sleep_until(transport.now() + Duration::from_secs(60));
    assert_eq!(transport.sim().charges(), 1, "the lost answer's charge");
}

#[test]
fn a_late_delivery_executes_after_the_next_request() {
    let policy = RetryPolicy::never().with_attempt_timeout(Some(Duration::from_secs(1)));
    let client = client(policy, vec![Some(Fault::DeliverLate)]);
    assert!(client.post("/v1/charges", &CHARGE).is_err());
    assert_eq!(client.transport().sim().charges(), 0, "not delivered yet");
    client.get("/v1/balance").expect("calm");
    assert_eq!(client.transport().sim().charges(), 1, "delivered late");
}

#[test]
fn a_lent_simulation_is_read_once_the_client_is_gone() {
    let mut sim = Sim::new(3);
    {
        let transport = SimTransport::over(&mut sim).with_schedule(vec![Some(Fault::DropAfter)]);
        let client = Client::with_transport_and_seed(
            config(RetryPolicy::never()),
            transport,
            Seed::from_u64(3),
        );
        assert!(client.post("/v1/charges", &CHARGE).is_err());
    }
    assert_eq!(sim.charges(), 1, "executed, its answer lost");
    let owned = SimTransport::over(sim).into_sim();
    assert_eq!(owned.model().log().len(), 1);
}

#[test]
fn concurrent_calls_with_one_key_charge_once() {
    let policy = RetryPolicy::default().with_attempt_timeout(Some(Duration::from_secs(1)));
    let schedule = vec![
        Some(Fault::Delay { ms: 5_000 }),
        Some(Fault::DeliverLate),
        Some(Fault::DropAfter),
    ];
    let client = client(policy, schedule);
    let request = || Request::post("/v1/charges", &CHARGE).expect("valid");
    let key = client
        .prepare(request())
        .expect("valid")
        .idempotency_key()
        .cloned()
        .expect("a POST has a key");
    // Four workers resume the same order at once (a re-delivered job, a double click).
    let charges: Vec<Option<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let keyed = request().with_idempotency_key(key.clone()).expect("POST");
                let client = &client;
                scope.spawn(move || {
                    let response = client.send(keyed).ok()?;
                    let id = response.json()?["id"].as_str()?;
                    response.is_success().then(|| id.to_owned())
                })
            })
            .map(|worker| worker.join().expect("no panic"))
            .collect();
        workers
    });
    let mut sim = client.transport().sim();
    sim.settle();
    assert_eq!(sim.charges(), 1, "one key, one charge: {charges:?}");
    let id = sim.model().charges()[0]["id"].as_str().map(str::to_owned);
    assert!(
        charges.iter().flatten().all(|c| Some(c) == id.as_ref()),
        "every success names the one charge: {charges:?}"
    );
}
