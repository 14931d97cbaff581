//! A holder at work: starting its next job, taking its running operation's steps (with the
//! crashes and pauses drawn for them, each step carried out against the store, the client's
//! session or the network), and what the end of a run does with the job next.

use std::time::Duration;

use rand_core::Rng;
use stripe_journal::Run;
use stripe_journal::machine::{Input, Step, StoreOp};

use super::{Event, Job, Running, World};

/// Latency of a store primitive.
const STORE_LATENCY: Duration = Duration::from_millis(1);

impl World {
    /// Starts the holder's next job if it is idle and alive.
    pub(super) fn next_job(&mut self, h: usize) {
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
    pub(super) fn step(&mut self, h: usize) {
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
