//! # stripe-sim: the client simulated against the fake Stripe, in virtual time
//!
//! The fake's model (`stripe_fake::model::Model`) behind a simulated network, on a virtual
//! clock ([`Sim`]). No sockets, no real sleeping: thousands of logical calls take
//! milliseconds. Each attempt is bounded by the instant the core gives (`Action::Send { by }`),
//! exactly as a real driver bounds it.
//!
//! - [`SimTransport`] is the simulation as a `stripe_client::Transport` and `AsyncTransport`:
//!   **your own code**, written against `stripe_client::Client<T>` or `AsyncClient<T>`, runs
//!   against the model under a fault [`Schedule`], its sleeps advancing the virtual clock. Its
//!   futures are ready at once, so any executor drives it (no runtime's timers). Inspect the
//!   model afterwards ([`SimTransport::sim`]) to state properties: charges per key, per order.
//! - [`Sim::run`] runs one call of a [`Request`](stripe_core::Request) through that transport
//!   and reports what it did ([`Run`]): attempts, sleeps, the faults met.
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
//! With the `proptest` feature, the `strategy` module generates [`Schedule`]s (that a
//! [`SimTransport`] reads as they are) and policies, so users can property-test their own retry
//! handling: see the workspace's `examples/user_property_test.rs`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]

#[cfg(feature = "journal")]
pub mod journal;
#[cfg(feature = "proptest")]
pub mod strategy;

mod error;
mod run;
mod schedule;
mod sim;
mod transport;

use std::time::Duration;

pub use error::SimError;
pub use run::Run;
pub use schedule::Schedule;
pub use sim::Sim;
pub use transport::{SimGuard, SimTransport};

/// Latency of an answered attempt, in virtual time.
pub const LATENCY: Duration = Duration::from_millis(10);
/// The bound of an attempt when the policy sets neither an attempt timeout nor a deadline (a
/// real transport's own timeout would end it).
pub const UNBOUNDED_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(300);
/// How far the virtual clock runs from the start of a simulation (100 years of 365 days):
/// time asked to pass beyond it stops there.
pub const HORIZON: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
