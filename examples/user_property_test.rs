//! How a user property-tests *their own* retry handling with `stripe-fake`'s simulation
//! (feature `proptest`): no sockets, no sleeping, thousands of fault schedules in seconds.
//!
//! The code under test is `pay_order`: the kind of function a shop writes around the client.
//! It persists the idempotency key before anything is sent, and when a call fails with
//! "retry with the same key", it resumes with that key later. The property: whatever the
//! network does, an order is charged at most once, and an order the function reports as paid
//! has exactly the charge it names.
//!
//! Run it: `cargo run --example user_property_test`.

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestRunner};
use stripe_core::{Advice, Config, IdempotencyKey, Request, Seed};
use stripe_sim::{Sim, strategy};

/// The shop's outcome for an order.
#[derive(Debug, PartialEq)]
enum OrderState {
    Paid { charge: String },
    NeedsReconciliation,
    RetryLater,
}

/// The user's code: a key store standing in for their database.
fn pay_order(
    sim: &mut Sim,
    config: &Config,
    keys: &mut HashMap<u32, IdempotencyKey>,
    order: u32,
    seed: u64,
    faults: &[Option<stripe_fake::Fault>],
) -> OrderState {
    let mut request = Request::post(
        "/v1/charges",
        &[
            ("amount", "4200"),
            ("currency", "eur"),
            ("source", "tok_visa"),
        ],
    )
    .expect("a valid request");
    if let Some(key) = keys.get(&order) {
        request = request
            .with_idempotency_key(key.clone())
            .expect("POST takes a key");
    }
    let run = sim.run(request, config, Seed::from_u64(seed), faults);
    let (advice, key, id) = match &run.outcome {
        Ok(r) => (
            r.advice(),
            r.idempotency_key().cloned(),
            r.json().and_then(|j| j["id"].as_str().map(str::to_owned)),
        ),
        Err(f) => (f.advice(), f.idempotency_key().cloned(), None),
    };
    if let Some(key) = key {
        keys.insert(order, key); // write-ahead: the key outlives the call
    }
    match (advice, id) {
        (Advice::Success, Some(charge)) => OrderState::Paid { charge },
        (Advice::RetrySameKey, _) => OrderState::RetryLater,
        _ => OrderState::NeedsReconciliation,
    }
}

fn main() {
    let tally = std::cell::RefCell::new(HashMap::<&str, u32>::new());
    let mut runner = TestRunner::new(RunnerConfig {
        cases: 2_000,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let result = runner.run(
        &(strategy::policy_and_schedule(), any::<u64>()),
        |((policy, faults), seed)| {
            let config = Config::builder("sk_test_example")
                .policy(policy)
                .build()
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut sim = Sim::new(seed);
            let mut keys = HashMap::new();
            let mut state = pay_order(&mut sim, &config, &mut keys, 1, seed, &faults);
            if state == OrderState::RetryLater {
                sim.settle(); // time passes, the network heals
                state = pay_order(&mut sim, &config, &mut keys, 1, seed ^ 1, &[]);
            }
            sim.settle();
            prop_assert!(sim.charges() <= 1, "order charged {} times", sim.charges());
            if let OrderState::Paid { charge } = &state {
                prop_assert_eq!(sim.charges(), 1);
                prop_assert!(sim.model().find(charge).is_some());
            }
            let name = match state {
                OrderState::Paid { .. } => "paid",
                OrderState::NeedsReconciliation => "needs reconciliation",
                OrderState::RetryLater => "retry later",
            };
            *tally.borrow_mut().entry(name).or_default() += 1;
            Ok(())
        },
    );
    match result {
        Ok(()) => {
            println!(
                "pay_order holds over 2,000 fault schedules: never charged twice; paid means charged once"
            );
            let mut tally: Vec<_> = tally.into_inner().into_iter().collect();
            tally.sort();
            for (state, n) in tally {
                println!("  {state}: {n}");
            }
        }
        Err(e) => {
            eprintln!("property failed: {e}");
            std::process::exit(1);
        }
    }
}
