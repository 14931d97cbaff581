//! The journal's protocol in the simulation: many holders, pauses, crashes, skewed clocks,
//! lagging Search, lost answers, late deliveries, re-deliveries and recovery passes.
//!
//! `JOURNAL_SIM_SCHEDULES` sets how many schedules the full-rules test runs (default 10,000;
//! set 1000000 for the on-demand run); `JOURNAL_SIM_SEED` offsets the seeds (printed).

use std::time::Instant;

use stripe_sim::journal::{Control, simulate};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn every_schedule_keeps_at_most_one_object_per_operation_and_records_the_truth() {
    let n = env("JOURNAL_SIM_SCHEDULES", 10_000);
    let base = env("JOURNAL_SIM_SEED", 0);
    let started = Instant::now();
    let (mut steps, mut behind, mut lost) = (0, 0, 0);
    for seed in base..base + n {
        let verdict = simulate(seed, Control::None);
        steps += verdict.steps;
        behind += verdict.records_behind;
        lost += verdict.records_lost;
        assert!(
            verdict.holds(),
            "schedule {seed}: {verdict:?}\n{}",
            verdict.trace.join("\n")
        );
    }
    println!(
        "journal simulation: {n} schedules (seeds {base}..{}), {steps} events, 0 violations, {:.1} s; \
         final records behind their answers: {behind} landed later, {lost} lost",
        base + n,
        started.elapsed().as_secs_f64()
    );
}

/// Runs `control` until a schedule double-charges in the way of `finding`: under a new key
/// (`same_key` false), or with one key Stripe had forgotten executed twice (`same_key` true).
fn control_finds_a_double_charge(control: Control, finding: &str, same_key: bool) {
    let n = env("JOURNAL_SIM_CONTROL_SCHEDULES", 10_000);
    let found = (0..n)
        .map(|seed| (seed, simulate(seed, control)))
        .find(|(_, v)| {
            let by_new_key = v.duplicates > v.same_key_duplicates;
            v.duplicates > 0
                && if same_key {
                    v.same_key_duplicates > 0
                } else {
                    by_new_key
                }
        });
    let Some((seed, verdict)) = found else {
        panic!(
            "the control without the rule against {finding} found nothing in {n} schedules: the simulation cannot see it"
        );
    };
    println!(
        "control {control:?} ({finding}): schedule {seed} breaks the property: {} duplicate(s) ({} by a key executed twice), {} false outcome(s)",
        verdict.duplicates, verdict.same_key_duplicates, verdict.false_outcomes
    );
    assert!(verdict.duplicates > 0, "{control:?}: {verdict:?}");
}

#[test]
fn control_without_the_lease_check_finds_the_paused_sender() {
    control_finds_a_double_charge(
        Control::PausedSender,
        "finding 1, a paused holder sending an abandoned key",
        false,
    );
}

#[test]
fn control_with_search_finds_the_lagging_index() {
    control_finds_a_double_charge(
        Control::SearchLookups,
        "finding 3, Search lagging more than a minute",
        false,
    );
}

#[test]
fn control_on_the_holders_clocks_finds_the_skewed_claimer() {
    control_finds_a_double_charge(
        Control::HolderClock,
        "finding 5, a claimer whose clock is 2 h ahead",
        true,
    );
}
