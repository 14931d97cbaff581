//! The run tests' harness: a client of the fake Stripe, a journal in memory with short leases,
//! a fault on charges, and the succeeded charges of an operation counted.

use std::time::Duration;

use http::Method;
use stripe_core::{Backoff, Config, RetryPolicy};
use stripe_fake::server::ServerHandle;
use stripe_fake::{Fault, FaultPlan, Rule};
use stripe_journal::{Journal, Policy};

pub fn config(fake: &ServerHandle) -> Config {
    Config::builder("sk_test_run")
        .api_base(fake.base_url())
        .policy(
            RetryPolicy::default()
                .with_max_tries(3)
                .with_attempt_timeout(Some(Duration::from_millis(500)))
                .with_backoff(Backoff::Fixed(Duration::from_millis(10))),
        )
        .build()
        .expect("config")
}

/// Short leases and grace, so that a test can outlive them.
pub fn policy() -> Policy {
    Policy::new()
        .with_lease(Duration::from_millis(50))
        .with_attempt_margin(Duration::from_millis(20))
        .with_send_grace(Duration::from_millis(100))
}

pub fn journal() -> Journal {
    Journal::open("sqlite::memory:")
        .expect("journal")
        .with_policy(policy())
}

pub fn charges_tagged(fake: &ServerHandle, op: &str) -> usize {
    fake.with_model(|m| {
        m.charges()
            .iter()
            .filter(|c| c["metadata"]["op"] == op && c["status"] == "succeeded")
            .count()
    })
}

pub fn on_charges(fake: &ServerHandle, fault: Fault, times: u32) {
    let rule = Rule::new(fault)
        .method(Method::POST)
        .path("/v1/charges")
        .times(times);
    fake.set_plan(FaultPlan::new().rule(rule));
}
