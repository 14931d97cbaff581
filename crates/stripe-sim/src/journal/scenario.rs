//! One schedule's shape, drawn from its seed: how many operations and holders, the clocks'
//! skews, Search's lag, how often holders crash and pause, which faults the network applies,
//! and when jobs are re-delivered.

use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use stripe_fake::Fault;

use super::Control;

/// A schedule's shape.
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub(crate) seed: u64,
    pub(crate) ops: usize,
    /// Each holder's wall-clock skew, in seconds.
    pub(crate) skews: Vec<i64>,
    pub(crate) search_lag: Duration,
    pub(crate) crash: f64,
    pub(crate) pause: f64,
    /// The longest pause between a lease check and its send (the journal's stated assumption).
    pub(crate) send_pause: Duration,
    pub(crate) fault_rate: f64,
    /// Of the faults, the share that are 503s before anything executes.
    pub(crate) unavailable: f64,
    /// The class of schedule it was drawn for.
    pub(crate) class: Control,
    pub(crate) max_deliveries: u32,
    /// Which operations charge a card that is declined.
    pub(crate) declined: Vec<bool>,
}

fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    rng.next_u64() as f64 / u64::MAX as f64
}

fn between(rng: &mut ChaCha8Rng, low: Duration, high: Duration) -> Duration {
    let span = high.saturating_sub(low).as_millis() as u64;
    low + Duration::from_millis(rng.next_u64() % span.max(1))
}

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

impl Scenario {
    /// The shape of schedule `seed` for a run of `control`.
    ///
    /// Each class leans towards the situation its control shows (a class of the full-rules run
    /// too): `PausedSender` stops holders for minutes after their claim while Stripe answers
    /// 503 to the others; `SearchLookups` lags Search by minutes to hours; `HolderClock` sets a
    /// holder's clock 2 h off and re-delivers jobs a day later.
    pub(crate) fn draw(seed: u64, control: Control, send_grace: Duration) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let ops = 1 + (rng.next_u64() % 3) as usize;
        let holders = 2 + (rng.next_u64() % 2) as usize;
        let mut skews = vec![0i64; holders];
        // A holder whose clock is two hours off: always in the clock control, sometimes else.
        if control == Control::HolderClock || uniform(&mut rng) < 0.2 {
            let i = (rng.next_u64() % holders as u64) as usize;
            skews[i] = if uniform(&mut rng) < 0.8 { 7200 } else { -7200 };
        }
        let search_lag = match control {
            Control::SearchLookups => between(&mut rng, 2 * MINUTE, 2 * HOUR),
            _ if uniform(&mut rng) < 0.3 => between(&mut rng, MINUTE, 2 * HOUR),
            _ => Duration::ZERO,
        };
        let paused = control == Control::PausedSender;
        Self {
            seed,
            ops,
            skews,
            search_lag,
            crash: if uniform(&mut rng) < 0.5 { 0.03 } else { 0.0 },
            pause: match (paused, uniform(&mut rng) < 0.7) {
                (true, _) => 0.25,
                (false, true) => 0.08,
                (false, false) => 0.0,
            },
            send_pause: send_grace / 2,
            fault_rate: if paused {
                0.7
            } else {
                0.1 + 0.4 * uniform(&mut rng)
            },
            unavailable: if paused { 0.8 } else { 0.125 },
            class: control,
            max_deliveries: 6,
            declined: (0..ops).map(|_| uniform(&mut rng) < 0.15).collect(),
        }
    }

    /// The fault one POST attempt meets, if any.
    pub(crate) fn fault(&self, rng: &mut ChaCha8Rng) -> Option<Fault> {
        if uniform(rng) >= self.fault_rate {
            return None;
        }
        if uniform(rng) < self.unavailable {
            return Some(Fault::status(503));
        }
        Some(match rng.next_u64() % 8 {
            0 | 1 => Fault::DropAfter,
            2 => Fault::ErrorAfter { should_retry: None },
            3 => Fault::status(503),
            4 => Fault::status(500),
            5 => Fault::DropBefore,
            6 => Fault::Hang,
            _ => Fault::DeliverLate,
        })
    }

    /// A pause anywhere but between a lease check and its send: any length, days included.
    pub(crate) fn long_pause(&self, rng: &mut ChaCha8Rng) -> Duration {
        if self.class == Control::PausedSender && uniform(rng) < 0.7 {
            return between(rng, 90 * SECOND, 15 * MINUTE);
        }
        match rng.next_u64() % 20 {
            0..=9 => between(rng, SECOND, MINUTE),
            10..=15 => between(rng, MINUTE, 10 * MINUTE),
            16..=18 => between(rng, 10 * MINUTE, 3 * HOUR),
            _ => between(rng, 23 * HOUR, 26 * HOUR),
        }
    }

    /// When a job comes back after a run without an outcome (or a crash).
    pub(crate) fn redelivery(&self, rng: &mut ChaCha8Rng) -> Duration {
        match rng.next_u64() % 20 {
            0..=11 => between(rng, SECOND, 90 * SECOND),
            12..=16 => between(rng, 90 * SECOND, HOUR),
            _ => between(rng, 24 * HOUR + 20 * MINUTE, 25 * HOUR + 30 * MINUTE),
        }
    }

    /// No more faults, pauses or crashes (the end of a schedule, when every intent is finished).
    pub(crate) fn calm(&mut self) {
        self.crash = 0.0;
        self.pause = 0.0;
        self.fault_rate = 0.0;
        self.max_deliveries = u32::MAX;
        for skew in &mut self.skews {
            *skew = 0;
        }
    }
}
