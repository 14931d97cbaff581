//! The simulated world of a journal: holders running operations over one store and the fake's
//! model, in virtual time, one event at a time in the order of their instants. Here: the world's
//! and the holders' state, the events and their loop; `world/holder.rs`: a holder at work.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use stripe_core::{Config, Request, Seed, Session};
use stripe_fake::model::Model;
use stripe_journal::machine::{Input, Operation, Step};
use stripe_journal::{Intent, IntentId, Journal};

use super::scenario::Scenario;
use super::store::{MemStore, VirtualClock};

mod holder;

/// What happens at an instant.
#[derive(Debug)]
pub(super) enum Event {
    /// A job (an operation to run) reaches a holder.
    Job { holder: usize, job: Box<Job> },
    /// A holder takes its running operation's next step.
    Step { holder: usize, generation: u64 },
    /// A request held by the network reaches Stripe late.
    Execute(Box<http::Request<Bytes>>),
    /// A crashed holder's process starts again.
    Restart { holder: usize },
    /// A holder runs a recovery pass.
    Recover { holder: usize },
    /// A final record sent behind its answer reaches the store.
    Record { row: Box<Intent>, expected: u64 },
}

/// An operation to run: its id and request (as delivered, or as recovery rebuilt it).
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) id: IntentId,
    pub(crate) request: Request,
    pub(crate) deliveries: u32,
}

/// A holder's operation in progress.
#[derive(Debug)]
struct Running {
    op: Operation,
    job: Job,
    /// The step polled and not yet carried out (a pause may come before it).
    step: Option<Step>,
    paused: bool,
    input: Option<Input>,
}

/// One process of the fleet.
#[derive(Debug)]
struct Holder {
    journal: Journal,
    skew: i64,
    generation: u64,
    restarts: u32,
    running: Option<Running>,
    queue: VecDeque<Job>,
    alive: bool,
}

/// The world: virtual time, the store, the model, the holders, the events to come.
pub(crate) struct World {
    pub(crate) scenario: Scenario,
    pub(super) rng: ChaCha8Rng,
    start: Instant,
    wall_start: SystemTime,
    pub(crate) t: Duration,
    clock: VirtualClock,
    pub(crate) model: Model,
    pub(crate) store: Arc<MemStore>,
    base: Journal,
    config: Config,
    session: Session,
    holders: Vec<Holder>,
    events: Vec<(Duration, u64, Event)>,
    seq: u64,
    pub(crate) trace: Vec<String>,
    pub(crate) steps: u64,
    /// Final records sent behind their answers: landed (`.0`), lost (`.1`).
    pub(crate) behind: (u64, u64),
}

impl World {
    pub(crate) fn new(
        scenario: Scenario,
        base: Journal,
        store: Arc<MemStore>,
        clock: VirtualClock,
    ) -> Self {
        let wall_start = clock.now();
        let mut model = Model::new(scenario.seed);
        model.set_search_lag(scenario.search_lag);
        let config = Config::builder("sk_test_simulated")
            .build()
            .unwrap_or_else(|_| unreachable!("a fixed valid configuration"));
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&scenario.seed.to_le_bytes());
        let holders = scenario
            .skews
            .iter()
            .enumerate()
            .map(|(i, skew)| Holder {
                journal: base.clone().with_owner(format!("h{i}-0")),
                skew: *skew,
                generation: 0,
                restarts: 0,
                running: None,
                queue: VecDeque::new(),
                alive: true,
            })
            .collect();
        Self {
            rng: ChaCha8Rng::seed_from_u64(scenario.seed ^ 0x5eed),
            start: Instant::now(),
            wall_start,
            t: Duration::ZERO,
            clock,
            model,
            store,
            base,
            session: Session::new(config.clone(), Seed::from_bytes(seed)),
            config,
            holders,
            events: Vec::new(),
            seq: 0,
            trace: Vec::new(),
            steps: 0,
            behind: (0, 0),
            scenario,
        }
    }

    pub(crate) fn wall(&self) -> SystemTime {
        self.wall_start + self.t
    }

    fn holder_wall(&self, h: usize) -> SystemTime {
        let skew = self.holders[h].skew;
        let wall = self.wall();
        if skew >= 0 {
            wall + Duration::from_secs(skew.unsigned_abs())
        } else {
            wall - Duration::from_secs(skew.unsigned_abs())
        }
    }

    fn instant(&self) -> Instant {
        self.start + self.t
    }

    pub(super) fn at(&mut self, when: Duration, event: Event) {
        self.seq += 1;
        self.events.push((when, self.seq, event));
    }

    pub(crate) fn deliver(&mut self, holder: usize, after: Duration, job: Job) {
        self.at(
            self.t + after,
            Event::Job {
                holder,
                job: Box::new(job),
            },
        );
    }

    pub(crate) fn recover_at(&mut self, holder: usize, after: Duration) {
        self.at(self.t + after, Event::Recover { holder });
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (self.rng.next_u64() as f64 / u64::MAX as f64) < p
    }

    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n.max(1)
    }

    /// Runs every event up to the horizon (or until none is left, or the step budget is spent).
    pub(crate) fn run(&mut self, horizon: Duration, budget: u64) {
        while let Some(i) =
            (0..self.events.len()).min_by_key(|&i| (self.events[i].0, self.events[i].1))
        {
            let (when, _, event) = self.events.swap_remove(i);
            if when > horizon || self.steps >= budget {
                break;
            }
            self.t = self.t.max(when);
            self.clock.set(self.wall());
            self.steps += 1;
            self.handle(event);
        }
        self.events
            .retain(|(_, _, e)| matches!(e, Event::Execute(_) | Event::Record { .. }));
        self.events.sort_by_key(|(when, seq, _)| (*when, *seq));
        // Requests still held by the network reach Stripe, records behind answers the store.
        for (when, _, event) in std::mem::take(&mut self.events) {
            self.t = self.t.max(when);
            self.clock.set(self.wall());
            self.handle(event);
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Job { holder, job } => {
                self.holders[holder].queue.push_back(*job);
                self.next_job(holder);
            }
            Event::Step { holder, generation } => {
                if self.holders[holder].generation == generation {
                    self.step(holder);
                }
            }
            Event::Execute(request) => {
                let wall = self.wall();
                let _unheard = self.model.handle(&request, wall);
            }
            Event::Restart { holder } => {
                let h = &mut self.holders[holder];
                h.restarts += 1;
                h.alive = true;
                h.journal = self
                    .base
                    .clone()
                    .with_owner(format!("h{holder}-{}", h.restarts));
                self.next_job(holder);
            }
            Event::Recover { holder } => self.recover(holder),
            Event::Record { row, expected } => {
                self.behind.0 += 1;
                let landed =
                    stripe_journal::Store::compare_and_set(self.store.as_ref(), &row, expected);
                self.trace.push(format!(
                    "{:?} record of {} behind its answer lands: {landed:?}",
                    self.t,
                    row.id()
                ));
            }
        }
    }

    /// A recovery pass: every swept row becomes a job of this holder.
    fn recover(&mut self, holder: usize) {
        let now = self.wall();
        let Ok(page) = stripe_journal::Store::sweep(
            self.store.as_ref(),
            now,
            &stripe_journal::store::Cursor::start(),
            64,
        ) else {
            return;
        };
        for row in page.rows.into_iter().flatten() {
            if let Ok(request) = Journal::saved_request(&row) {
                let job = Job {
                    id: row.id().clone(),
                    request,
                    deliveries: 0,
                };
                self.holders[holder].queue.push_back(job);
            }
        }
        self.next_job(holder);
    }

    /// Lets `by` pass with nothing happening.
    pub(crate) fn advance(&mut self, by: Duration) {
        self.t += by;
        self.clock.set(self.wall());
    }

    /// A calm holder runs every intent left to its end: no faults, pauses or crashes.
    pub(crate) fn calm(&mut self) {
        self.scenario.calm();
        for holder in &mut self.holders {
            holder.skew = 0;
            holder.alive = true;
            holder.running = None;
            holder.queue.clear();
            holder.generation += 1;
        }
    }
}
