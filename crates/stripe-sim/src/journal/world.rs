//! The simulated world of a journal: holders running operations over one store and the fake's
//! model, in virtual time, one event at a time in the order of their instants.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use stripe_core::{Config, Request, Seed, Session};
use stripe_fake::model::Model;
use stripe_journal::machine::{Input, Operation, Step, StoreOp};
use stripe_journal::{Intent, IntentId, Journal, Run};

use super::scenario::Scenario;
use super::store::{MemStore, VirtualClock};

/// Latency of a store primitive.
const STORE_LATENCY: Duration = Duration::from_millis(1);

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

    /// Starts the holder's next job if it is idle and alive.
    fn next_job(&mut self, h: usize) {
        if !self.holders[h].alive || self.holders[h].running.is_some() {
            return;
        }
        let Some(job) = self.holders[h].queue.pop_front() else {
            return;
        };
        let mut seed = [0u8; 32];
        self.rng.fill_bytes(&mut seed);
        let times = (self.instant(), self.holder_wall(h));
        let started = self.holders[h].journal.operation_at(
            &job.id,
            job.request.clone(),
            &self.config,
            times,
            seed,
        );
        match started {
            Ok(op) => {
                self.holders[h].running = Some(Running {
                    op,
                    job,
                    step: None,
                    paused: false,
                    input: None,
                });
                let generation = self.holders[h].generation;
                self.at(
                    self.t,
                    Event::Step {
                        holder: h,
                        generation,
                    },
                );
            }
            Err(e) => self
                .trace
                .push(format!("{:?} h{h} could not start: {e}", self.t)),
        }
    }

    /// The holder's running operation takes one step.
    fn step(&mut self, h: usize) {
        let now = self.instant();
        let wall = self.holder_wall(h);
        let generation = self.holders[h].generation;
        let Some(mut run) = self.holders[h].running.take() else {
            return;
        };
        if let Some(input) = run.input.take() {
            run.op.handle(now, wall, input);
        }
        let step = match run.step.take() {
            Some(step) => step,
            None => run.op.poll(),
        };
        // A crash at any step: the process is gone, its job comes back later.
        if self.chance(self.scenario.crash) {
            self.trace
                .push(format!("{:?} h{h} crashes before {}", self.t, name(&step)));
            let holder = &mut self.holders[h];
            holder.generation += 1;
            holder.alive = false;
            let job = run.job;
            let restart = Duration::from_secs(1 + self.below(30));
            self.at(self.t + restart, Event::Restart { holder: h });
            self.redeliver(job);
            return;
        }
        // A pause at any step (the process is stopped, or its machine is slow): before a send,
        // within the journal's stated assumption (the send grace); elsewhere, any length.
        if !run.paused && self.chance(self.scenario.pause) {
            let pause = if matches!(step, Step::Send { .. }) {
                Duration::from_millis(self.below(self.scenario.send_pause.as_millis() as u64 + 1))
            } else {
                self.scenario.long_pause(&mut self.rng)
            };
            self.trace.push(format!(
                "{:?} h{h} pauses {pause:?} before {}",
                self.t,
                name(&step)
            ));
            run.step = Some(step);
            run.paused = true;
            self.holders[h].running = Some(run);
            self.at(
                self.t + pause,
                Event::Step {
                    holder: h,
                    generation,
                },
            );
            return;
        }
        run.paused = false;
        let (input, after) = match step {
            Step::Store(primitive) => (
                Input::Stored(primitive.perform(self.store.as_ref())),
                STORE_LATENCY,
            ),
            Step::Call(request) => {
                let started = self.session.call(request, now, wall);
                (Input::Started(started), Duration::ZERO)
            }
            Step::Send { request, by } => {
                let timeout = by.saturating_duration_since(now);
                let (answer, after) = self.attempt(h, &request, timeout);
                (Input::Answer(answer), after)
            }
            Step::Sleep(until) => (Input::Woke, until.saturating_duration_since(now)),
            Step::Done(result) => return self.done(h, run.job, result),
            // The record goes behind the answer: it reaches the store up to a minute later, in
            // any order with what other holders do meanwhile, or never (the process ended first).
            Step::Finish {
                result,
                row,
                expected,
            } => {
                if self.chance(self.scenario.crash * 3.0) {
                    self.behind.1 += 1;
                    self.trace
                        .push(format!("{:?} h{h} record of {} lost", self.t, row.id()));
                } else {
                    let after = Duration::from_millis(self.below(60_000));
                    let row = Box::new(row);
                    self.at(self.t + after, Event::Record { row, expected });
                }
                return self.done(h, run.job, result);
            }
            _ => return self.trace.push(format!("{:?} h{h}: unknown step", self.t)),
        };
        run.input = Some(input);
        self.holders[h].running = Some(run);
        self.at(
            self.t + after,
            Event::Step {
                holder: h,
                generation,
            },
        );
    }

    /// The holder's run ended: what the job's queue does next.
    fn done(&mut self, h: usize, job: Job, result: Result<Run, stripe_journal::JournalError>) {
        self.trace.push(format!(
            "{:?} h{h} {}: {}",
            self.t,
            job.id,
            summary(&result)
        ));
        let again = match &result {
            Ok(Run::Done(_)) | Ok(Run::Conflict { .. }) => None,
            Ok(Run::Busy { until, .. }) => {
                Some(until.duration_since(self.wall()).unwrap_or_default() + Duration::from_secs(1))
            }
            Ok(Run::Unsettled { retry_at, .. }) => Some(
                retry_at.duration_since(self.wall()).unwrap_or_default() + Duration::from_secs(1),
            ),
            _ => Some(self.scenario.redelivery(&mut self.rng)),
        };
        if let Some(after) = again {
            let mut job = job;
            job.deliveries += 1;
            if job.deliveries <= self.scenario.max_deliveries {
                let to = self.below(self.holders.len() as u64) as usize;
                self.deliver(to, after, job);
            }
        }
        self.next_job(h);
    }

    fn redeliver(&mut self, mut job: Job) {
        job.deliveries += 1;
        if job.deliveries <= self.scenario.max_deliveries {
            let after = self.scenario.redelivery(&mut self.rng);
            let to = self.below(self.holders.len() as u64) as usize;
            self.deliver(to, after, job);
        }
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

fn name(step: &Step) -> &'static str {
    match step {
        Step::Store(StoreOp::Load(_)) => "load",
        Step::Store(StoreOp::Claim { .. }) => "claim",
        Step::Store(_) => "write",
        Step::Call(_) => "call",
        Step::Send { .. } => "send",
        Step::Sleep(_) => "sleep",
        Step::Done(_) => "done",
        Step::Finish { .. } => "finish",
        _ => "step",
    }
}

fn summary(result: &Result<Run, stripe_journal::JournalError>) -> String {
    match result {
        Ok(Run::Done(o)) => format!("done {} {:?} ({:?})", o.status(), o.object_id(), o.source()),
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("error: {e}"),
    }
}
