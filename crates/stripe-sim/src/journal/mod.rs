//! The journal's protocol simulated: several holders (processes of a fleet) run operations
//! through one store and the fake Stripe's model, in virtual time. Each holder has its own clock
//! skew, may be paused for any time at any step (between its lease check and its send too, up to
//! the journal's stated assumption), may crash at any step and restart; the network loses
//! answers, answers 5xx after executing, holds requests and delivers them late; Search lags by
//! up to hours; jobs are re-delivered seconds to a day later; recovery passes run in between.
//!
//! The property, per operation: at most one object exists on Stripe, and once a calm holder
//! has finished every intent, the outcome recorded is Stripe's truth (a done intent names the
//! one object, which succeeded; a declined charge is recorded as the decline).
//!
//! A control run switches rules off ([`Control`]) to show the simulation finds what each rule
//! prevents.

mod check;
mod network;
mod scenario;
mod store;
mod world;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use stripe_core::Request;
use stripe_journal::{IntentId, Journal, Policy, Rule};

pub use check::Verdict;
pub use store::{MemStore, VirtualClock};

use scenario::Scenario;
use world::{Job, World};

/// Which rules a run keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Control {
    /// Every rule of the journal.
    None,
    /// Finding 1 of the journal's second round: no lease check before a send, and "absent"
    /// taken as "new key" at once (a paused holder sends its abandoned key after a new one).
    PausedSender,
    /// Finding 3: Search, which lags, settles an unknown outcome, and "absent" means a new key.
    SearchLookups,
    /// Finding 5: leases and key ages judged on each holder's own clock (one is 2 h ahead).
    HolderClock,
}

impl Control {
    fn journal(self, journal: Journal) -> Journal {
        match self {
            Self::None => journal,
            Self::PausedSender => journal
                .without_rule(Rule::LeaseCheckBeforeSend)
                .without_rule(Rule::NewKeyOnlyWhenDead),
            Self::SearchLookups => journal
                .without_rule(Rule::ConsistentReads)
                .without_rule(Rule::NewKeyOnlyWhenDead),
            Self::HolderClock => journal.without_rule(Rule::StoreClock),
        }
    }
}

/// The virtual time a schedule may run before its calm end.
const HORIZON: Duration = Duration::from_secs(60 * 3600);

/// The most events one schedule may take (a guard; no schedule comes near it).
const BUDGET: u64 = 200_000;

/// The classes of schedule, each leaning towards one situation; the full-rules run draws them
/// in turn.
const CLASSES: [Control; 4] = [
    Control::None,
    Control::PausedSender,
    Control::SearchLookups,
    Control::HolderClock,
];

/// Runs schedule `seed` under `control` and judges it. A control run draws schedules of its own
/// class; a full-rules run (`Control::None`) draws every class in turn.
pub fn simulate(seed: u64, control: Control) -> Verdict {
    let class = match control {
        Control::None => CLASSES[(seed % 4) as usize],
        other => other,
    };
    let clock = VirtualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let store = Arc::new(MemStore::new(clock.clone(), "simns"));
    let policy = Policy::new();
    let journal = Journal::new(Arc::clone(&store))
        .unwrap_or_else(|_| unreachable!("an in-memory store has a namespace"))
        .with_policy(policy);
    let journal = control.journal(journal);
    let scenario = Scenario::draw(seed, class, policy.send_grace());
    let mut world = World::new(scenario.clone(), journal, Arc::clone(&store), clock);
    let holders = scenario.skews.len() as u64;
    let mut pick = seed;
    let mut next = move |n: u64| {
        pick = pick
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (pick >> 33) % n.max(1)
    };
    let mut ops = Vec::new();
    for i in 0..scenario.ops {
        let id = IntentId::op(format!("order-{i}/charge"))
            .unwrap_or_else(|_| unreachable!("a valid id"));
        let source = if scenario.declined[i] {
            "tok_chargeDeclined"
        } else {
            "tok_visa"
        };
        let amount = (1000 + i).to_string();
        let request = Request::post(
            "/v1/charges",
            &[
                ("amount", amount.as_str()),
                ("currency", "usd"),
                ("source", source),
            ],
        )
        .unwrap_or_else(|_| unreachable!("a valid request"));
        let job = Job {
            id: id.clone(),
            request,
            deliveries: 0,
        };
        if class == Control::PausedSender {
            // Delivered to every holder, a holder's lease apart: the later ones take over.
            for to in 0..holders {
                world.deliver(
                    to as usize,
                    Duration::from_secs(to * (20 + next(100))),
                    job.clone(),
                );
            }
        } else {
            for _ in 0..1 + next(2) {
                let to = next(holders) as usize;
                world.deliver(to, Duration::from_millis(next(5000)), job.clone());
            }
        }
        ops.push(job);
    }
    for _ in 0..next(3) {
        let to = next(holders) as usize;
        world.recover_at(to, Duration::from_secs(next(7200)));
    }
    world.run(HORIZON, BUDGET);
    // The calm end: a day and more later, a calm holder finishes every intent left.
    world.calm();
    world.advance(Duration::from_secs(48 * 3600));
    for job in &ops {
        // The job queue delivers each operation once more (a job it never saw finished).
        world.deliver(0, Duration::ZERO, job.clone());
    }
    for _ in 0..4 {
        world.recover_at(0, Duration::ZERO);
        world.run(Duration::MAX, BUDGET * 2);
    }
    let ids: Vec<IntentId> = ops.into_iter().map(|job| job.id).collect();
    check::judge(&world, &ids)
}
