//! # stripe-client: the client shell of `stripe-core`, written once for every transport
//!
//! [`stripe_core`] decides everything (keys, retries, waits, deadlines, advice) and performs no
//! I/O. This crate is the loop around it, once: a blocking [`Client`] and an [`AsyncClient`],
//! generic over a transport that does only the I/O of one attempt, the sleep and the clock
//! ([`Transport`], [`AsyncTransport`]). `stripe-ureq` and `stripe-reqwest` are such
//! transports; yours takes a few lines (see [`Transport`]).
//!
//! - [`Client::get`], [`Client::post`], [`Client::delete`], [`Client::send`]: one logical call
//!   each, with every retry the policy allows. 4xx and 5xx are [`Response`]s; an
//!   [`Error`] is invalid input (nothing sent) or a failed call that carries the key.
//! - Write-ahead: [`Client::prepare`] gives the idempotency key before anything is sent;
//!   [`Prepared::run`] then makes the call.
//! - [`Client::list`]: every object of a list endpoint, page after page ([`Pages`],
//!   [`AsyncPages`]).
//! - [`Client::with_retry_hook`]: told before each retry's sleep ([`RetryNotice`]).
//! - One seed per client from the OS (never per call); [`Client::with_transport_and_seed`]
//!   fixes it for deterministic runs. Telemetry (`X-Stripe-Client-Telemetry`) is remembered by
//!   the client's session.
//!
//! ## In scope / out of scope
//! In: the driving loop, the session behind a lock, prepared calls, pagination, hooks, the OS
//! seed. Out: HTTP, TLS, DNS, runtimes (the transports), every decision (the core).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]

mod blocking;
mod nonblocking;
mod pages;
mod prepared;
mod seed;
mod shell;
mod transport;

pub use blocking::Client;
pub use nonblocking::AsyncClient;
pub use pages::{AsyncPages, Pages};
pub use prepared::Prepared;
pub(crate) use seed::os_seed;
pub use stripe_core::{self, Error, ErrorKind, Request, Response, RetryNotice};
pub use transport::{AsyncTransport, FromConfig, SendError, Transport};
