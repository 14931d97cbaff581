//! [`SimTransport`]: a [`Sim`] as a [`Transport`] and an [`AsyncTransport`], so that code
//! written against `stripe_client::Client<T>` or `AsyncClient<T>` runs against the fake's
//! model, under a fault [`Schedule`], in virtual time.

use std::borrow::BorrowMut;
use std::future::{Future, ready};
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use stripe_client::{AsyncTransport, Attempt, SendError, Transport};
use stripe_fake::Fault;

use crate::{Schedule, Sim, SimError};

/// The simulation as a transport: each attempt meets the schedule's next fault (see the crate
/// docs' table) and is answered by the fake's model; a sleep advances the virtual clock and
/// returns at once; `now` and `wall` read that clock. Delayed executions and late deliveries
/// happen as [`Sim`] models them, whichever call or task sends next.
///
/// `S` is the [`Sim`] itself ([`SimTransport::new`]) or a `&mut Sim` lent for the client's
/// life ([`SimTransport::over`]); either way the test inspects the model afterwards, through
/// [`SimTransport::sim`] or the `Sim` it lent.
///
/// ```
/// use stripe_client::Client;
/// use stripe_core::{Config, RetryPolicy, Seed};
/// use stripe_fake::Fault;
/// use stripe_sim::{Schedule, SimTransport};
///
/// // The first attempt is executed but its answer is lost; the client retries with the same key.
/// let transport = SimTransport::new(7).with_schedule(Schedule::new([Some(Fault::DropAfter)]));
/// let config = Config::builder("sk_test_sim").policy(RetryPolicy::default()).build()?;
/// let client = Client::with_transport_and_seed(config, transport, Seed::from_u64(7));
/// let charge = client.post("/v1/charges", &[("amount", "500"), ("currency", "usd"), ("source", "tok_visa")])?;
/// assert!(charge.is_replayed());
/// assert_eq!(client.transport().sim().charges(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SimTransport<S = Sim> {
    wire: Mutex<Wire<S>>,
}

/// The state behind the lock: the simulation, what is left of the schedule, what was met.
#[derive(Debug)]
struct Wire<S> {
    sim: S,
    schedule: std::vec::IntoIter<Option<Fault>>,
    faults: Vec<Option<Fault>>,
    sleeps: Vec<Duration>,
}

impl SimTransport {
    /// A transport over a fresh [`Sim`] (its ids from `seed`), with a calm schedule.
    pub fn new(seed: u64) -> Self {
        Self::over(Sim::new(seed))
    }
}

impl<S: BorrowMut<Sim>> SimTransport<S> {
    /// A transport over `sim` (a `Sim`, or a `&mut Sim` to read again once the client is
    /// gone), with a calm schedule.
    pub fn over(sim: S) -> Self {
        Self {
            wire: Mutex::new(Wire {
                sim,
                schedule: Vec::new().into_iter(),
                faults: Vec::new(),
                sleeps: Vec::new(),
            }),
        }
    }

    /// The same transport, its next attempts meeting `schedule`.
    #[must_use]
    pub fn with_schedule(self, schedule: impl Into<Schedule>) -> Self {
        self.set_schedule(schedule);
        self
    }

    /// From the next attempt on, attempts meet `schedule` instead of what is left of the one
    /// before (say, [`Schedule::calm`] once the network has healed).
    pub fn set_schedule(&self, schedule: impl Into<Schedule>) {
        self.wire().schedule = schedule.into().into_iter();
    }

    /// The simulation, to inspect the model ([`Sim::model`], [`Sim::charges`]), let time pass
    /// or [`Sim::settle`] it. The transport waits for the guard to be dropped.
    pub fn sim(&self) -> SimGuard<'_, S> {
        SimGuard(self.wire())
    }

    /// The fault each attempt met, in the order they were sent (as many as attempts).
    pub fn faults(&self) -> Vec<Option<Fault>> {
        self.wire().faults.clone()
    }

    /// Every sleep asked for, in order, in virtual time.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.wire().sleeps.clone()
    }

    /// The simulation back.
    pub fn into_sim(self) -> S {
        self.wire
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .sim
    }

    fn wire(&self) -> MutexGuard<'_, Wire<S>> {
        self.wire.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn exchange(&self, attempt: &Attempt) -> Result<http::Response<Bytes>, SendError<SimError>> {
        let mut guard = self.wire();
        let wire = &mut *guard;
        let fault = wire.schedule.next().flatten();
        let sim = wire.sim.borrow_mut();
        let timeout = sim.time_left(attempt.by());
        let result = sim.attempt(attempt.request(), fault.as_ref(), timeout);
        wire.faults.push(fault.clone());
        result.map_err(|kind| SendError::new(kind, SimError::new(kind, fault)))
    }

    fn advance_to(&self, until: Instant) {
        let mut guard = self.wire();
        let wire = &mut *guard;
        let sim = wire.sim.borrow_mut();
        let sleep = until.saturating_duration_since(sim.now());
        sim.advance(sleep);
        wire.sleeps.push(sleep);
    }

    fn read_clock<T>(&self, read: impl FnOnce(&Sim) -> T) -> T {
        read(self.wire().sim.borrow())
    }
}

impl<S: BorrowMut<Sim>> Transport for SimTransport<S> {
    type Error = SimError;

    fn send(&self, attempt: Attempt) -> Result<http::Response<Bytes>, SendError<SimError>> {
        self.exchange(&attempt)
    }

    fn sleep_until(&self, until: Instant) {
        self.advance_to(until);
    }

    fn now(&self) -> Instant {
        self.read_clock(Sim::now)
    }

    fn wall(&self) -> SystemTime {
        self.read_clock(Sim::wall)
    }
}

/// Every future is ready at once: no executor's timer or waker is involved, so any executor
/// (or a bare poll) drives the client.
impl<S: BorrowMut<Sim> + Send> AsyncTransport for SimTransport<S> {
    type Error = SimError;

    fn send(
        &self,
        attempt: Attempt,
    ) -> impl Future<Output = Result<http::Response<Bytes>, SendError<SimError>>> + Send {
        ready(self.exchange(&attempt))
    }

    fn sleep_until(&self, until: Instant) -> impl Future<Output = ()> + Send {
        self.advance_to(until);
        ready(())
    }

    fn now(&self) -> Instant {
        self.read_clock(Sim::now)
    }

    fn wall(&self) -> SystemTime {
        self.read_clock(Sim::wall)
    }
}

/// The [`Sim`] behind a [`SimTransport`], held while the guard lives ([`SimTransport::sim`]).
#[derive(Debug)]
pub struct SimGuard<'a, S>(MutexGuard<'a, Wire<S>>);

impl<S: BorrowMut<Sim>> Deref for SimGuard<'_, S> {
    type Target = Sim;

    fn deref(&self) -> &Sim {
        self.0.sim.borrow()
    }
}

impl<S: BorrowMut<Sim>> DerefMut for SimGuard<'_, S> {
    fn deref_mut(&mut self) -> &mut Sim {
        self.0.sim.borrow_mut()
    }
}
