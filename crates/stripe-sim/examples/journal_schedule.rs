//! Runs one schedule of the journal's simulation and prints its verdict and, when the property
//! broke, what happened: `cargo run -p stripe-sim --features journal --example journal_schedule
//! -- SEED [none|paused-sender|search|holder-clock]`.

use stripe_sim::journal::{Control, simulate};

fn main() {
    let mut args = std::env::args().skip(1);
    let seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let control = match args.next().as_deref() {
        Some("paused-sender") => Control::PausedSender,
        Some("search") => Control::SearchLookups,
        Some("holder-clock") => Control::HolderClock,
        _ => Control::None,
    };
    let verdict = simulate(seed, control);
    println!(
        "schedule {seed} under {control:?}: holds {}, duplicates {}, false outcomes {}, unfinished {}, {} events",
        verdict.holds(),
        verdict.duplicates,
        verdict.false_outcomes,
        verdict.unfinished,
        verdict.steps
    );
    for line in &verdict.trace {
        println!("{}", line.chars().take(300).collect::<String>());
    }
}
