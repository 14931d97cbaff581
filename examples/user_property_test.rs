//! How a user property-tests *their own* retry logic: code written against
//! `stripe_client::Client<T>` (as it runs in production over `stripe_ureq`) runs over
//! `stripe_sim::SimTransport`, the fake Stripe's model behind a simulated network, under fault
//! schedules that proptest generates (`stripe_sim::strategy`, feature `proptest`). No sockets,
//! no sleeping: the client's waits advance a virtual clock.
//!
//! The code under test is `checkout`: the kind of function a shop writes around the client. It
//! saves the idempotency key before anything is sent and, when a call fails with "retry with
//! the same key", resumes with that key. The property: whatever the network does, an order is
//! charged at most once, and an order reported as paid has exactly the charge it names.
//!
//! `naive_checkout` is the same shop without the saved key: a failed call is tried again, which
//! sends a fresh key. The property catches it (a lost answer, then a second charge); the tests
//! below assert that it does, and that `checkout` holds over 1,000 schedules.
//!
//! Run it: `cargo run --example user_property_test [CASES]` (2,000 by default; it prints the
//! time per case and the naive variant's counterexample). `cargo test --example
//! user_property_test` runs the tests; `cargo test --workspace` runs them too.
//!
//! Time per case (two orders, each up to three tries of the client's own retries): 0.7 to 1.0 ms
//! with `cargo run --example user_property_test` (a debug build) on a shared 2-core machine,
//! 1.4 ms in the test build with both tests running at once.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestError, TestRunner};
use serde_json::{Value, json};
use stripe_client::{Client, Transport};
use stripe_core::{Advice, Config, IdempotencyKey, Request, RetryPolicy, Seed};
use stripe_sim::{Schedule, SimTransport, strategy};

/// The shop's outcome for an order.
#[derive(Debug, Clone, PartialEq)]
enum OrderState {
    Paid { charge: String },
    NeedsReconciliation,
    RetryLater,
}

/// The shop's database: the key of each order's charge, saved before anything is sent.
type Keys = HashMap<u32, IdempotencyKey>;

/// The request of `order`'s charge, tagged with the order.
fn charge_request(order: u32) -> Request {
    let params = json!({
        "amount": 4200,
        "currency": "eur",
        "source": "tok_visa",
        "metadata": { "order": order.to_string() },
    });
    Request::post("/v1/charges", &params).expect("a valid request")
}

/// What a response tells the shop.
fn state_of(advice: Advice, charge: Option<String>) -> OrderState {
    match (advice, charge) {
        (Advice::Success, Some(charge)) => OrderState::Paid { charge },
        (Advice::RetrySameKey, _) => OrderState::RetryLater,
        _ => OrderState::NeedsReconciliation,
    }
}

/// The user's code: one try to pay `order`, with the key saved for it if there is one.
fn pay_order<T: Transport>(client: &Client<T>, keys: &mut Keys, order: u32) -> OrderState {
    let mut request = charge_request(order);
    if let Some(key) = keys.get(&order) {
        request = request
            .with_idempotency_key(key.clone())
            .expect("a POST takes a key");
    }
    let prepared = match client.prepare(request) {
        Ok(prepared) => prepared,
        Err(_) => return OrderState::NeedsReconciliation,
    };
    if let Some(key) = prepared.idempotency_key() {
        keys.insert(order, key.clone()); // write-ahead: the key outlives the call
    }
    match prepared.run() {
        Ok(r) => state_of(
            r.advice(),
            r.json().and_then(|j| j["id"].as_str().map(str::to_owned)),
        ),
        Err(e) => state_of(e.advice(), None),
    }
}

/// The user's code: pays `order`, resuming with the same key up to three times.
fn checkout<T: Transport>(client: &Client<T>, keys: &mut Keys, order: u32) -> OrderState {
    let mut state = pay_order(client, keys, order);
    for _ in 1..3 {
        if state != OrderState::RetryLater {
            break;
        }
        state = pay_order(client, keys, order);
    }
    state
}

/// The deliberately naive variant: no saved key, so "try again" sends a fresh one.
fn naive_checkout<T: Transport>(client: &Client<T>, _keys: &mut Keys, order: u32) -> OrderState {
    for _ in 0..3 {
        if let Ok(r) = client.send(charge_request(order))
            && let OrderState::Paid { charge } = state_of(
                r.advice(),
                r.json().and_then(|j| j["id"].as_str().map(str::to_owned)),
            )
        {
            return OrderState::Paid { charge };
        }
    }
    OrderState::NeedsReconciliation
}

/// A shop's checkout function, correct or naive.
type Checkout = fn(&Client<SimTransport>, &mut Keys, u32) -> OrderState;

/// The charges of `order` in the model (failed ones included).
fn charges_of(charges: &[Value], order: u32) -> Vec<&str> {
    let order = order.to_string();
    charges
        .iter()
        .filter(|c| c["metadata"]["order"].as_str() == Some(order.as_str()))
        .filter_map(|c| c["id"].as_str())
        .collect()
}

/// One case: a retry policy, a fault schedule, and the seed of the model and of the client.
type Case = ((RetryPolicy, Schedule), u64);

/// What a property run found: its result, how each order ended, the time per case.
struct Verdict {
    result: Result<(), TestError<Case>>,
    tally: BTreeMap<&'static str, u32>,
    per_case: Duration,
}

/// Runs `checkout` for two orders over `cases` schedules and checks the property after the
/// network has settled: each order charged at most once; a paid order has the charge it names.
fn property(checkout: Checkout, cases: u32) -> Verdict {
    let tally = RefCell::new(BTreeMap::new());
    let ran = RefCell::new(0u32);
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let started = Instant::now();
    let result = runner.run(
        &(strategy::policy_and_schedule(), any::<u64>()),
        |((policy, schedule), seed)| {
            *ran.borrow_mut() += 1;
            let config = Config::builder("sk_test_example")
                .policy(policy)
                .build()
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let transport = SimTransport::new(seed).with_schedule(schedule);
            let client = Client::with_transport_and_seed(config, transport, Seed::from_u64(seed));
            let mut keys = Keys::new();
            let states = [1, 2].map(|order| (order, checkout(&client, &mut keys, order)));
            let mut sim = client.transport().sim();
            sim.settle(); // every delayed execution and late delivery lands
            for (order, state) in states {
                let charged = charges_of(sim.model().charges(), order);
                prop_assert!(
                    charged.len() <= 1,
                    "order {} charged {} times: {:?}",
                    order,
                    charged.len(),
                    charged
                );
                if let OrderState::Paid { charge } = &state {
                    prop_assert_eq!(&charged, &[charge.as_str()]);
                }
                let name = match state {
                    OrderState::Paid { .. } => "paid",
                    OrderState::NeedsReconciliation => "needs reconciliation",
                    OrderState::RetryLater => "retry later",
                };
                *tally.borrow_mut().entry(name).or_default() += 1;
            }
            Ok(())
        },
    );
    let ran = ran.into_inner().max(1);
    Verdict {
        result,
        tally: tally.into_inner(),
        per_case: started.elapsed() / ran,
    }
}

fn main() {
    let cases = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000);
    let verdict = property(checkout, cases);
    if let Err(e) = verdict.result {
        eprintln!("checkout: the property failed: {e}");
        std::process::exit(1);
    }
    println!(
        "checkout holds over {cases} fault schedules (two orders each): never charged twice; paid means charged once; {:?} per case",
        verdict.per_case
    );
    for (state, n) in &verdict.tally {
        println!("  {state}: {n} orders");
    }
    match property(naive_checkout, cases).result {
        Err(TestError::Fail(why, minimal)) => {
            println!("naive_checkout fails the property, as it must: {why}");
            println!("  smallest schedule found: {minimal:?}");
        }
        other => {
            eprintln!("naive_checkout was not caught: {other:?}");
            std::process::exit(1);
        }
    }
}

#[test]
fn checkout_holds_over_1000_schedules() {
    let verdict = property(checkout, 1_000);
    println!(
        "checkout: 1000 cases, {:?} per case, {:?}",
        verdict.per_case, verdict.tally
    );
    verdict.result.expect("the shop's checkout holds");
    assert_eq!(
        verdict.tally.values().sum::<u32>(),
        2_000,
        "two orders a case"
    );
}

#[test]
fn the_property_catches_the_naive_checkout() {
    match property(naive_checkout, 1_000).result {
        Err(TestError::Fail(why, minimal)) => {
            println!("naive_checkout caught: {why}; {minimal:?}");
            assert!(why.message().contains(" charged "), "{why}");
        }
        other => panic!("the property must catch naive_checkout: {other:?}"),
    }
}
