//! The simulated network between holders and the model: each POST attempt meets a fault drawn
//! for it, with its real-world meaning (see the crate docs' table), and its answer comes after
//! the latency, or not at all before the attempt's bound.

use std::time::Duration;

use bytes::Bytes;
use stripe_core::TransportError;
use stripe_fake::Outcome;
use stripe_fake::model::Begin;

use super::world::{Event, World};

/// Latency of an answered attempt.
const LATENCY: Duration = Duration::from_millis(10);

impl World {
    /// One attempt through the network, with a fault drawn for it: the answer and when it comes.
    pub(super) fn attempt(
        &mut self,
        h: usize,
        request: &http::Request<Bytes>,
        timeout: Duration,
    ) -> (Result<http::Response<Bytes>, TransportError>, Duration) {
        let fault = if request.method() == http::Method::POST {
            self.scenario.fault(&mut self.rng)
        } else {
            None
        };
        let wall = self.wall();
        self.trace.push(format!(
            "{:?} h{h} sends {} {} key {:?} fault {fault:?}",
            self.t,
            request.method(),
            request.uri().path(),
            request
                .headers()
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
        ));
        let timed_out = (Err(TransportError::Timeout), timeout);
        match self.model.apply(fault.as_ref(), request, wall) {
            Outcome::Respond(response) if LATENCY <= timeout => (Ok(response), LATENCY),
            Outcome::Respond(_) | Outcome::Hang => timed_out,
            Outcome::Drop { .. } => (Err(TransportError::Io), LATENCY.min(timeout)),
            Outcome::Delay { then, .. } => match then {
                Begin::Respond(response) => (Ok(response), LATENCY.min(timeout)),
                Begin::Executing(pending) => {
                    (Ok(self.model.finish(pending, wall)), LATENCY.min(timeout))
                }
            },
            Outcome::DeliverLate => {
                // Stripe executes it later, within the stated assumption (the send grace).
                let late = Duration::from_millis(
                    self.below(self.scenario.send_pause.as_millis() as u64 + 1),
                );
                self.at(self.t + late, Event::Execute(Box::new(request.clone())));
                timed_out
            }
        }
    }
}
