//! The simulated network gives each fault its real-world meaning, in virtual time.

use std::time::Duration;

use stripe_core::{Advice, Config, ErrorKind, Request, RetryPolicy, Seed, TransportError};
use stripe_fake::Fault;
use stripe_sim::Sim;

fn config(policy: RetryPolicy) -> Config {
    Config::builder("sk_test_sim")
        .policy(policy)
        .build()
        .expect("valid")
}

fn charge() -> Request {
    Request::post(
        "/v1/charges",
        &[
            ("amount", "500"),
            ("currency", "usd"),
            ("source", "tok_visa"),
        ],
    )
    .expect("valid")
}

#[test]
fn drop_after_then_retry_replays_the_one_charge() {
    let mut sim = Sim::new(1);
    let run = sim.run(
        charge(),
        &config(RetryPolicy::default()),
        Seed::from_u64(1),
        &[Some(Fault::DropAfter)],
    );
    let resp = run.outcome.expect("2xx");
    assert!(resp.is_replayed());
    assert_eq!(run.attempts, 2);
    assert_eq!(sim.charges(), 1);
    assert!(
        run.elapsed >= Duration::from_secs(2),
        "the Racket backoff slept in virtual time"
    );
}

#[test]
fn a_slow_execution_holds_the_key_so_the_retry_gets_409_then_the_replay() {
    let mut sim = Sim::new(2);
    let policy = RetryPolicy::default().with_attempt_timeout(Some(Duration::from_secs(1)));
    // 5 s of execution against a 1 s timeout: the retry after ~2 s meets 409, the next one
    // (after ~4 s more) the stored answer.
    let run = sim.run(
        charge(),
        &config(policy),
        Seed::from_u64(2),
        &[Some(Fault::Delay { ms: 5_000 })],
    );
    let statuses: Vec<_> = sim.model().log().iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        vec![Some(200), Some(409), Some(200)],
        "{:?}",
        sim.model().log()
    );
    assert!(run.outcome.expect("2xx").is_replayed());
    assert_eq!(sim.charges(), 1);
}

#[test]
fn hang_times_out_at_the_attempt_timeout() {
    let mut sim = Sim::new(3);
    let policy = RetryPolicy::never().with_attempt_timeout(Some(Duration::from_secs(7)));
    let run = sim.run(
        charge(),
        &config(policy),
        Seed::from_u64(3),
        &[Some(Fault::Hang)],
    );
    let f = run.outcome.expect_err("no answer");
    assert_eq!(f.kind(), &ErrorKind::Transport(TransportError::Timeout));
    assert_eq!(f.advice(), Advice::RetrySameKey);
    assert_eq!(run.elapsed, Duration::from_secs(7));
    assert_eq!(sim.charges(), 0);
}

#[test]
fn a_late_delivery_arrives_after_the_retry_and_is_replayed() {
    let mut sim = Sim::new(4);
    let policy = RetryPolicy::default().with_attempt_timeout(Some(Duration::from_secs(1)));
    let run = sim.run(
        charge(),
        &config(policy),
        Seed::from_u64(4),
        &[Some(Fault::DeliverLate)],
    );
    assert!(run.outcome.expect("2xx").is_success());
    assert_eq!(sim.charges(), 1);
    let replayed: Vec<_> = sim.model().log().iter().map(|e| e.replayed).collect();
    // The log holds the deferred attempt, the retry that executed, then the late original,
    // which found the key's stored answer.
    assert_eq!(
        replayed,
        vec![false, false, true],
        "{:?}",
        sim.model().log()
    );
    assert_eq!(sim.model().log().iter().filter(|e| e.executed).count(), 1);
}

#[test]
fn settle_finishes_what_is_in_flight() {
    let mut sim = Sim::new(5);
    let policy = RetryPolicy::never().with_attempt_timeout(Some(Duration::from_secs(1)));
    let run = sim.run(
        charge(),
        &config(policy),
        Seed::from_u64(5),
        &[Some(Fault::Delay { ms: 60_000 })],
    );
    assert!(run.outcome.is_err());
    assert_eq!(sim.charges(), 0, "still executing");
    sim.settle();
    assert_eq!(sim.charges(), 1, "the lost response's charge exists");
}

#[test]
fn any_duration_may_pass_the_clock_stops_at_its_horizon() {
    let mut sim = Sim::new(6);
    let (start, wall) = (sim.now(), sim.wall());
    sim.advance(Duration::MAX);
    assert_eq!(sim.now() - start, stripe_sim::HORIZON);
    sim.advance(Duration::from_secs(1));
    assert_eq!(sim.now() - start, stripe_sim::HORIZON);
    assert_eq!(
        sim.wall().duration_since(wall).ok(),
        Some(stripe_sim::HORIZON)
    );
    let error = sim
        .attempt(
            &http::Request::post("/v1/charges")
                .body(bytes::Bytes::new())
                .expect("valid"),
            Some(&Fault::Hang),
            Duration::MAX,
        )
        .expect_err("no answer");
    assert_eq!(error, TransportError::Timeout);
    let mut sim = Sim::new(7);
    let policy = RetryPolicy::never().with_attempt_timeout(Some(Duration::from_secs(1)));
    let slowest = Some(Fault::Delay { ms: u64::MAX });
    let run = sim.run(charge(), &config(policy), Seed::from_u64(7), [slowest]);
    assert!(run.outcome.is_err(), "the attempt timed out");
    sim.settle();
    assert_eq!(sim.charges(), 1, "executed at the horizon");
}
