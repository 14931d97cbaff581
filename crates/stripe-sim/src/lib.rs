//! # stripe-sim: the client simulated against the fake Stripe, in virtual time
//!
//! Drives `stripe-core`'s calls (through a [`Session`]) against `stripe-fake`'s [`Model`]
//! through a simulated network. No sockets, no real sleeping: a run of thousands of logical
//! calls takes milliseconds. Each attempt is bounded by the instant the core gives
//! (`Action::Send { by }`), exactly as a real driver bounds it.
//!
//! The network gives each fault its real-world meaning:
//!
//! | fault | what the client sees | what the model did |
//! |---|---|---|
//! | none, `status`, `error_after` | the answer, after 10 ms | executed or not, as the fault says |
//! | `drop_before` | a broken connection (`Io`) | nothing |
//! | `drop_after` | a broken connection (`Io`) | executed and stored: the lost response |
//! | `delay_ms` | the answer after the delay, or a `Timeout` if the delay passes the attempt timeout; the execution then finishes later, holding the key until it does (a retry meanwhile gets 409) | executed after the delay |
//! | `hang` | a `Timeout` after the attempt timeout | nothing |
//! | `deliver_late` | a `Timeout` after the attempt timeout | the request reaches the model only after the next request was handled (or when the run settles) |
//!
//! With the `proptest` feature, the `strategy` module generates fault schedules and policies, so users
//! can property-test their own retry handling.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]

#[cfg(feature = "journal")]
pub mod journal;
#[cfg(feature = "proptest")]
pub mod strategy;

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use stripe_core::{Action, Config, Error, Input, Request, Response, Seed, Session, TransportError};
use stripe_fake::model::{Begin, Kind, Model, Pending};
use stripe_fake::{Fault, Outcome};

/// Latency of an answered attempt, in virtual time.
pub const LATENCY: Duration = Duration::from_millis(10);
/// The bound of an attempt when the policy sets neither an attempt timeout nor a deadline (a
/// real transport's own timeout would end it).
pub const UNBOUNDED_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(300);

/// The model behind a simulated network, on a virtual clock.
#[derive(Debug)]
pub struct Sim {
    model: Model,
    start: Instant,
    now: Instant,
    wall_start: SystemTime,
    in_flight: Vec<(Instant, Pending)>,
    late: Vec<http::Request<Bytes>>,
}

/// What one logical call did in the simulation.
#[derive(Debug)]
pub struct Run {
    /// The final outcome, as the caller sees it.
    pub outcome: Result<Response, Error>,
    /// Attempts sent.
    pub attempts: u32,
    /// Every sleep the call asked for, in order.
    pub sleeps: Vec<Duration>,
    /// Virtual time from the first send to the end.
    pub elapsed: Duration,
    /// The fault applied to each attempt, in order.
    pub faults: Vec<Option<Fault>>,
}

impl Run {
    /// Total virtual time slept.
    pub fn slept(&self) -> Duration {
        self.sleeps.iter().sum()
    }
}

impl Sim {
    /// A fresh model (ids from `seed`) on a virtual clock starting at a fixed date.
    pub fn new(seed: u64) -> Self {
        let now = Instant::now();
        Self {
            model: Model::new(seed),
            start: now,
            now,
            wall_start: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            in_flight: Vec::new(),
            late: Vec::new(),
        }
    }

    /// The model, to inspect what exists.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Charges that exist, failed ones included.
    pub fn charges(&self) -> usize {
        self.model.count(Kind::Charge)
    }

    /// The virtual monotonic time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The virtual wall-clock time (the model's clock).
    pub fn wall(&self) -> SystemTime {
        self.wall_start + (self.now - self.start)
    }

    /// Lets virtual time pass.
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        self.complete_due();
    }

    /// Runs one logical call of `request` to its end; attempt `i` meets `schedule[i]` (none
    /// past the end). The run ends when the call does; delayed executions and late deliveries
    /// may still be pending: [`Sim::settle`] finishes them.
    pub fn run(
        &mut self,
        request: Request,
        config: &Config,
        seed: Seed,
        schedule: &[Option<Fault>],
    ) -> Run {
        let started = self.now;
        let mut session = Session::new(config.clone(), seed);
        let (mut call, mut action) = match session.call(request, self.now, self.wall()) {
            Ok(start) => start,
            Err(e) => {
                return Run {
                    outcome: Err(e),
                    attempts: 0,
                    sleeps: Vec::new(),
                    elapsed: Duration::ZERO,
                    faults: Vec::new(),
                };
            }
        };
        let mut sleeps = Vec::new();
        let mut faults = Vec::new();
        let outcome = loop {
            action = match action {
                Action::Send { request, by } => {
                    let fault = schedule.get(faults.len()).cloned().flatten();
                    faults.push(fault.clone());
                    let timeout = by.map_or(UNBOUNDED_ATTEMPT_TIMEOUT, |by| {
                        by.saturating_duration_since(self.now)
                    });
                    let input = self.attempt(&request, fault.as_ref(), timeout);
                    call.handle(self.now, input)
                }
                Action::Sleep { until, .. } => {
                    let d = until.saturating_duration_since(self.now);
                    sleeps.push(d);
                    self.advance(d);
                    call.handle(self.now, Input::Woke)
                }
                Action::Done(resp) => break Ok(resp),
                Action::Fail(e) => break Err(e),
                _ => {
                    break Err(Error::local(
                        "the simulation met an action it does not know",
                    ));
                }
            };
        };
        Run {
            outcome,
            attempts: call.attempts(),
            sleeps,
            elapsed: self.now - started,
            faults,
        }
    }

    /// One attempt through the simulated network: applies `fault`, lets the virtual time of
    /// the attempt pass, and returns what the client sees.
    pub fn attempt(
        &mut self,
        req: &http::Request<Bytes>,
        fault: Option<&Fault>,
        timeout: Duration,
    ) -> Input {
        self.complete_due();
        let wall = self.wall();
        let deliver_late = matches!(fault, Some(Fault::DeliverLate));
        let input = match self.model.apply(fault, req, wall) {
            Outcome::Respond(resp) => self.answer_after(LATENCY, timeout, resp),
            Outcome::Drop { .. } => {
                self.advance(LATENCY.min(timeout));
                Input::Transport(TransportError::Io)
            }
            Outcome::Hang => self.time_out(timeout),
            Outcome::Delay { ms, then } => {
                let delay = Duration::from_millis(ms);
                match then {
                    Begin::Respond(resp) => self.answer_after(delay, timeout, resp),
                    Begin::Executing(pending) if delay <= timeout => {
                        self.advance(delay);
                        let wall = self.wall();
                        Input::Response(self.model.finish(pending, wall))
                    }
                    Begin::Executing(pending) => {
                        self.in_flight.push((self.now + delay, pending));
                        self.time_out(timeout)
                    }
                }
            }
            Outcome::DeliverLate => {
                self.late.push(req.clone());
                self.time_out(timeout)
            }
        };
        if !deliver_late {
            self.deliver_late();
        }
        input
    }

    /// Finishes every delayed execution and delivers every held request, letting time pass.
    pub fn settle(&mut self) {
        while let Some(due) = self.in_flight.iter().map(|(due, _)| *due).min() {
            if due > self.now {
                self.now = due;
            }
            self.complete_due();
        }
        self.deliver_late();
    }

    fn answer_after(
        &mut self,
        delay: Duration,
        timeout: Duration,
        resp: http::Response<Bytes>,
    ) -> Input {
        if delay > timeout {
            return self.time_out(timeout);
        }
        self.advance(delay);
        Input::Response(resp)
    }

    fn time_out(&mut self, timeout: Duration) -> Input {
        self.advance(timeout);
        Input::Transport(TransportError::Timeout)
    }

    fn complete_due(&mut self) {
        let now = self.now;
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.in_flight)
            .into_iter()
            .partition(|(at, _)| *at <= now);
        self.in_flight = later;
        let wall = self.wall();
        for (_, pending) in due {
            let _lost_answer = self.model.finish(pending, wall);
        }
    }

    fn deliver_late(&mut self) {
        let wall = self.wall();
        for req in std::mem::take(&mut self.late) {
            let _unheard_answer = self.model.handle(&req, wall);
        }
    }
}
