//! `proptest` strategies (feature `proptest`): fault [`Schedule`]s, which a
//! [`SimTransport`](crate::SimTransport) reads as they are, and retry policies, for property
//! tests of retry handling, ours and users'.

use std::time::Duration;

use proptest::prelude::*;
use stripe_core::RetryPolicy;

use stripe_fake::Fault;

use crate::Schedule;

/// Any single fault the simulation knows, with `status` faults of 409, 429, 500 and 503, with
/// or without `Stripe-Should-Retry`, and delays both under and over a 30 s attempt timeout.
pub fn fault() -> impl Strategy<Value = Fault> {
    let should_retry = prop::option::of(any::<bool>());
    prop_oneof![
        (
            prop::sample::select(vec![409u16, 429, 500, 503]),
            should_retry.clone()
        )
            .prop_map(|(status, should_retry)| Fault::Status {
                status,
                should_retry,
                code: None
            }),
        should_retry.prop_map(|should_retry| Fault::ErrorAfter { should_retry }),
        Just(Fault::DropBefore),
        Just(Fault::DropAfter),
        prop::sample::select(vec![5u64, 2_000, 45_000, 200_000]).prop_map(|ms| Fault::Delay { ms }),
        Just(Fault::Hang),
        Just(Fault::DeliverLate),
    ]
}

/// A schedule of up to `max_len` attempts, each with a fault (two times in three) or none:
/// give it to [`SimTransport::with_schedule`](crate::SimTransport::with_schedule) or
/// [`Sim::run`](crate::Sim::run).
pub fn schedule(max_len: usize) -> impl Strategy<Value = Schedule> {
    prop::collection::vec(prop::option::weighted(0.67, fault()), 0..=max_len)
        .prop_map(Schedule::from)
}

/// One of the three presets (default, conservative, official) with `max_tries` from 1 to 6
/// and the policy's attempt timeout set to 30 s.
pub fn policy() -> impl Strategy<Value = RetryPolicy> {
    (0..3u8, 1..=6u32).prop_map(|(preset, tries)| {
        let policy = match preset {
            0 => RetryPolicy::default(),
            1 => RetryPolicy::conservative(),
            _ => RetryPolicy::official(),
        };
        policy
            .with_max_tries(tries)
            .with_attempt_timeout(Some(Duration::from_secs(30)))
    })
}

/// A policy and a schedule long enough to outlast it (`max_tries + 2` attempts at most).
pub fn policy_and_schedule() -> impl Strategy<Value = (RetryPolicy, Schedule)> {
    policy().prop_flat_map(|p| {
        let len = p.max_tries as usize + 2;
        (Just(p), schedule(len))
    })
}
