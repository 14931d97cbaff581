//! The fake Stripe on a free loopback port, as a child process of `journal-bench` (so its CPU
//! is not the bench's). The first stdout line is `listening on http://HOST:PORT`.
//!
//! `JOURNAL_BENCH_LATENCY_MS=N` makes every answer wait N ms (the fake's `delay_ms` fault), to
//! set the journal's cost beside a round trip like one over the internet to Stripe rather
//! than the fake's sub-millisecond loopback one.

use std::process::ExitCode;

use stripe_fake::server::{ServerOptions, run_foreground};
use stripe_fake::{Fault, FaultPlan, Rule};

fn main() -> ExitCode {
    let mut options = ServerOptions::default();
    if let Some(ms) = std::env::var("JOURNAL_BENCH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|ms| *ms > 0)
    {
        options.plan = FaultPlan::new().rule(Rule::new(Fault::Delay { ms }).times(u32::MAX));
    }
    match run_foreground(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("journal-fake: {e}");
            ExitCode::FAILURE
        }
    }
}
