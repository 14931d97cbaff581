//! [`Sim`]: the fake's model behind a simulated network, on a virtual clock. The one place
//! where a fault meets its real-world meaning (the crate docs' table); [`crate::SimTransport`]
//! and [`Sim::run`] both send through it.

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use stripe_core::TransportError;
use stripe_fake::model::{Begin, Kind, Model, Pending};
use stripe_fake::{Fault, Outcome};

use crate::{HORIZON, LATENCY, UNBOUNDED_ATTEMPT_TIMEOUT};

/// What the client sees of one attempt: the whole answer, or how the network failed it.
pub(crate) type Exchange = Result<http::Response<Bytes>, TransportError>;

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

    /// Lets virtual time pass, up to [`HORIZON`] after the simulation began (any duration is
    /// accepted: the clock stops there, so that it never overflows).
    pub fn advance(&mut self, by: Duration) {
        self.now = self.after(by);
        self.complete_due();
    }

    /// The instant `by` after now, or the horizon if that comes first.
    fn after(&self, by: Duration) -> Instant {
        let elapsed = (self.now - self.start).saturating_add(by).min(HORIZON);
        self.start.checked_add(elapsed).unwrap_or(self.now)
    }

    /// What is left at the virtual now of an attempt bounded by `by` (`None`: the bound a
    /// real transport's own timeout would set, [`UNBOUNDED_ATTEMPT_TIMEOUT`]).
    pub(crate) fn time_left(&self, by: Option<Instant>) -> Duration {
        by.map_or(UNBOUNDED_ATTEMPT_TIMEOUT, |by| {
            by.saturating_duration_since(self.now)
        })
    }

    /// One attempt through the simulated network: applies `fault`, lets the virtual time of
    /// the attempt pass (at most `timeout`), and returns what the client sees.
    pub fn attempt(
        &mut self,
        req: &http::Request<Bytes>,
        fault: Option<&Fault>,
        timeout: Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        self.complete_due();
        let wall = self.wall();
        let deliver_late = matches!(fault, Some(Fault::DeliverLate));
        let input = match self.model.apply(fault, req, wall) {
            Outcome::Respond(resp) => self.answer_after(LATENCY, timeout, resp),
            Outcome::Drop { .. } => {
                self.advance(LATENCY.min(timeout));
                Err(TransportError::Io)
            }
            Outcome::Hang => self.time_out(timeout),
            Outcome::Delay { ms, then } => {
                let delay = Duration::from_millis(ms);
                match then {
                    Begin::Respond(resp) => self.answer_after(delay, timeout, resp),
                    Begin::Executing(pending) if delay <= timeout => {
                        self.advance(delay);
                        let wall = self.wall();
                        Ok(self.model.finish(pending, wall))
                    }
                    Begin::Executing(pending) => {
                        self.in_flight.push((self.after(delay), pending));
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
    ) -> Exchange {
        if delay > timeout {
            return self.time_out(timeout);
        }
        self.advance(delay);
        Ok(resp)
    }

    fn time_out(&mut self, timeout: Duration) -> Exchange {
        self.advance(timeout);
        Err(TransportError::Timeout)
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
