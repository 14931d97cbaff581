//! The no-double-charge simulation: `stripe-core`'s calls against the fake's pure model,
//! through a simulated network in virtual time, over many random fault schedules.
//!
//! `cargo test --test simulation -- --nocapture` prints the figures. CI runs 10,000 cases (the
//! default); `SIM_CASES=1000000 cargo test --release --test simulation -- --nocapture` runs a
//! million.

use std::cell::RefCell;
use std::time::{Duration, Instant, SystemTime};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use stripe_core::{
    Action, Advice, Backoff, Config, IdempotencyKey, Request, RetryPolicy, Seed, Session,
};
use stripe_fake::Fault;
use stripe_sim::{Sim, strategy};
use support::sim::{Stats, cases, runner};

mod support;

const REGRESSIONS: &str = "proptest-regressions/simulation.txt";

/// The largest wait the policy may choose before retry `n`, from the formulas of the retry
/// table in stripe-core's crate docs (computed here independently of the core).
fn max_wait(policy: &RetryPolicy, n: u32) -> Duration {
    let pow = |base: Duration, e: u32| base.saturating_mul(1u32.checked_shl(e).unwrap_or(u32::MAX));
    let hi = match policy.backoff {
        Backoff::PowerOfTwo { cap } => {
            (pow(Duration::from_secs(1), n) + Duration::from_secs(1)).min(cap)
        }
        Backoff::Doubling { initial, max } => {
            pow(initial, n.saturating_sub(1)).min(max).max(initial)
        }
        Backoff::Fixed(d) => d,
        _ => Duration::MAX,
    };
    if policy.honor_retry_after {
        hi.max(policy.retry_after_cap)
    } else {
        hi
    }
}

fn config() -> Config {
    Config::builder("sk_test_simulation")
        .build()
        .expect("valid config")
}

fn charge(key: Option<IdempotencyKey>) -> Request {
    let req = Request::post(
        "/v1/charges",
        &[
            ("amount", "2000"),
            ("currency", "usd"),
            ("source", "tok_visa"),
        ],
    )
    .expect("valid");
    match key {
        Some(k) => req.with_idempotency_key(k).expect("POST takes a key"),
        None => req,
    }
}

fn id_of(value: Option<&serde_json::Value>) -> Option<String> {
    value?.get("id")?.as_str().map(str::to_owned)
}

#[test]
fn never_charges_twice_never_loses_a_charge() {
    let config = config();
    let stats = RefCell::new(Stats::default());
    let strategy = (strategy::policy_and_schedule(), any::<u64>(), any::<u64>());
    let result =
        runner(cases(), REGRESSIONS).run(&strategy, |((policy, schedule), seed, model_seed)| {
            let mut sim = Sim::new(model_seed);
            let run = sim.run(
                charge(None)
                    .with_policy(policy.clone())
                    .expect("a valid policy"),
                &config,
                Seed::from_u64(seed),
                &schedule,
            );

            // 5. attempts and virtual sleep within the policy's bounds.
            prop_assert!(run.attempts >= 1 && run.attempts <= policy.max_tries);
            let bound: Duration = (1..run.attempts).map(|n| max_wait(&policy, n)).sum();
            prop_assert!(
                run.slept() <= bound,
                "slept {:?} > bound {:?}",
                run.slept(),
                bound
            );

            sim.settle();
            let charges = sim.charges();
            let mut s = stats.borrow_mut();
            s.cases += 1;
            // 1. never more than one charge.
            if charges > 1 {
                s.duplicates += 1;
                return Err(TestCaseError::fail(format!("{charges} charges: {run:?}")));
            }
            let (status, advice, key, body_id, label) = match &run.outcome {
                Ok(r) => (
                    Some(r.status().as_u16()),
                    r.advice(),
                    r.idempotency_key().cloned(),
                    id_of(r.json()),
                    format!("done {}", r.status().as_u16()),
                ),
                Err(f) => {
                    let status = f.response().map(|r| r.status().as_u16());
                    (
                        status,
                        f.advice(),
                        f.idempotency_key().cloned(),
                        None,
                        format!("fail {:?} {:?}", f.kind(), status)
                            .split('{')
                            .next()
                            .unwrap_or("")
                            .trim()
                            .to_owned(),
                    )
                }
            };
            s.count(label);
            let Some(key) = key else {
                s.lost += 1;
                return Err(TestCaseError::fail("a POST outcome without its key"));
            };
            match advice {
                // 2. a 2xx means exactly one charge, the one returned.
                Advice::Success => {
                    let held = id_of(sim.model().charges().first());
                    if charges != 1 || body_id.is_none() || held != body_id {
                        s.lost += 1;
                        return Err(TestCaseError::fail(format!(
                            "2xx but model holds {charges} ({held:?} vs {body_id:?})"
                        )));
                    }
                }
                // 4. a 5xx on the POST ends with Reconcile; 0 or 1 charge, both consistent with it.
                Advice::Reconcile => {
                    prop_assert!(
                        status.is_none_or(|c| c >= 500),
                        "reconcile after {:?}",
                        status
                    );
                }
                // 3. resumed with the same key once the faults stop: 2xx with still one charge.
                // The one exception is exact too: when an earlier attempt got a 5xx that Stripe
                // stored (`error_after`) and the retry meant to disambiguate it got no answer, the
                // resume gets that 5xx replayed and, with it, the reconcile advice (property 4).
                Advice::RetrySameKey => {
                    let resume = sim.run(
                        charge(Some(key.clone())),
                        &config,
                        Seed::from_u64(seed ^ 1),
                        &[],
                    );
                    let stored_5xx = run
                        .faults
                        .iter()
                        .any(|f| matches!(f, Some(Fault::ErrorAfter { .. })));
                    let ok = match &resume.outcome {
                        Ok(r) if r.is_success() => {
                            sim.charges() == 1
                                && id_of(r.json()) == id_of(sim.model().charges().first())
                        }
                        Ok(r) => {
                            stored_5xx
                                && r.is_replayed()
                                && r.status().is_server_error()
                                && r.advice() == Advice::Reconcile
                                && sim.charges() == 1
                        }
                        Err(_) => false,
                    };
                    if !ok {
                        s.lost += 1;
                        return Err(TestCaseError::fail(format!(
                            "resume with {key} failed: {resume:?}"
                        )));
                    }
                    let label = if resume.outcome.as_ref().is_ok_and(|r| r.is_success()) {
                        "  of which resumed to 2xx"
                    } else {
                        "  of which resumed to a stored 5xx: reconcile"
                    };
                    s.count(label);
                }
                other => {
                    return Err(TestCaseError::fail(format!(
                        "unexpected advice {other:?} for a valid charge"
                    )));
                }
            }
            // Every 5xx final answer to the POST carries the reconcile advice.
            if status.is_some_and(|c| c >= 500) {
                prop_assert_eq!(advice, Advice::Reconcile);
            }
            Ok(())
        });
    stats.into_inner().finish("", result);
}

/// The control: a naive client (no key, retries any transport error at once) against the same
/// kind of schedules must be caught charging twice, or the harness proves nothing.
#[test]
fn the_harness_catches_a_naive_client_charging_twice() {
    let config = config();
    let duplicates = RefCell::new(0u64);
    let cases = 2_000;
    let result = runner(cases, REGRESSIONS).run(
        &(strategy::schedule(7), any::<u64>()),
        |(schedule, model_seed)| {
            let mut sim = Sim::new(model_seed);
            let mut session = Session::new(config.clone(), Seed::from_u64(0));
            let first = session
                .call(charge(None), Instant::now(), SystemTime::UNIX_EPOCH)
                .map(|(_, first)| first);
            let Ok(Action::Send {
                request: mut req, ..
            }) = first
            else {
                return Err(TestCaseError::fail("no send"));
            };
            req.headers_mut().remove("idempotency-key");
            for fault in schedule.faults().iter().take(5) {
                if sim
                    .attempt(&req, fault.as_ref(), Duration::from_secs(30))
                    .is_ok()
                {
                    break;
                }
            }
            sim.settle();
            if sim.charges() > 1 {
                *duplicates.borrow_mut() += 1;
            }
            Ok(())
        },
    );
    result.expect("the control itself never fails");
    let d = duplicates.into_inner();
    println!("naive client: {cases} cases, {d} duplicates");
    assert!(d > 0, "the harness must see the naive client's duplicates");
}

/// The same seed and schedule give the same run, byte for byte.
#[test]
fn a_run_is_reproducible() {
    let config = config();
    let mut r = runner(300, REGRESSIONS);
    r.run(
        &(strategy::policy_and_schedule(), any::<u64>()),
        |((policy, schedule), seed)| {
            let once = |s: u64| {
                let mut sim = Sim::new(s);
                let run = sim.run(
                    charge(None)
                        .with_policy(policy.clone())
                        .expect("a valid policy"),
                    &config,
                    Seed::from_u64(seed),
                    &schedule,
                );
                format!(
                    "{:?} {:?} {:?} {:?}",
                    run.outcome
                        .map(|r| (r.status(), r.bytes().clone(), r.idempotency_key().cloned()))
                        .map_err(|f| f.to_string()),
                    run.sleeps,
                    run.faults,
                    sim.model().log()
                )
            };
            prop_assert_eq!(once(seed), once(seed));
            Ok(())
        },
    )
    .expect("reproducible");
}
