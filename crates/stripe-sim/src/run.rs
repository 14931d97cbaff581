//! [`Sim::run`]: one logical call driven by `stripe-client`'s own loop over a
//! [`SimTransport`] lent the simulation, and what it did ([`Run`]).

use std::time::Duration;

use stripe_client::Client;
use stripe_core::{Config, Error, Request, Response, Seed};
use stripe_fake::Fault;

use crate::{Schedule, Sim, SimTransport};

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
    /// Runs one logical call of `request` to its end, as a [`Client`] seeded with `seed` over a
    /// [`SimTransport`] of this simulation makes it; attempt `i` meets `schedule[i]` (none past
    /// the end). The run ends when the call does; delayed executions and late deliveries may
    /// still be pending: [`Sim::settle`] finishes them.
    pub fn run(
        &mut self,
        request: Request,
        config: &Config,
        seed: Seed,
        schedule: impl AsRef<[Option<Fault>]>,
    ) -> Run {
        let started = self.now();
        let transport =
            SimTransport::over(&mut *self).with_schedule(Schedule::from(schedule.as_ref()));
        let client = Client::with_transport_and_seed(config.clone(), transport, seed);
        let outcome = client.send(request);
        let (faults, sleeps) = (client.transport().faults(), client.transport().sleeps());
        drop(client);
        Run {
            outcome,
            attempts: u32::try_from(faults.len()).unwrap_or(u32::MAX),
            sleeps,
            elapsed: self.now() - started,
            faults,
        }
    }
}
