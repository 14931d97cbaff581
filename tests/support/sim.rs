//! What the no-double-charge simulations share (`tests/simulation.rs` for v1,
//! `tests/simulation_v2.rs` for v2): how many cases, the proptest runner with its committed
//! regressions file, and the figures they print.

use std::collections::BTreeMap;

use proptest::test_runner::{Config as RunnerConfig, FileFailurePersistence, TestRunner};

/// Cases to run: `SIM_CASES`, or 10,000 (what CI runs).
pub fn cases() -> u32 {
    std::env::var("SIM_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// A runner of `cases` cases keeping its failures in `regressions` (committed).
pub fn runner(cases: u32, regressions: &'static str) -> TestRunner {
    TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions))),
        ..RunnerConfig::default()
    })
}

/// What a simulation counted.
#[derive(Default, Debug)]
pub struct Stats {
    pub cases: u64,
    pub duplicates: u64,
    pub lost: u64,
    pub outcomes: BTreeMap<String, u64>,
}

impl Stats {
    /// Counts one outcome under `label`.
    pub fn count(&mut self, label: impl Into<String>) {
        *self.outcomes.entry(label.into()).or_default() += 1;
    }

    /// Prints `{what}: N cases, D duplicates, L lost` and each outcome's count; then fails
    /// with the runner's error, if any, and unless there were none of either and every case ran.
    pub fn finish(self, what: &str, result: Result<(), impl std::fmt::Display>) {
        println!(
            "{what}{} cases, {} duplicates, {} lost",
            self.cases, self.duplicates, self.lost
        );
        for (outcome, n) in &self.outcomes {
            println!("  {outcome}: {n}");
        }
        if let Err(e) = result {
            panic!("{e}");
        }
        assert_eq!((self.duplicates, self.lost), (0, 0));
        assert!(self.cases >= u64::from(cases()));
    }
}
