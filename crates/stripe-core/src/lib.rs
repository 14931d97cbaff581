//! # stripe-core: a sans-IO Stripe API client that never charges a customer twice
//!
//! This crate builds Stripe requests and interprets Stripe responses as a pure, deterministic
//! state machine. It tells its driver only four things ([`Action`]): *send this request*,
//! *sleep this long*, *done (here is the response)*, or *failed (here is the idempotency key to
//! persist)*. Thin adapters (`stripe-ureq`, `stripe-reqwest`) drive it with real I/O; you can
//! drive it with your own transport in a few lines.
//!
//! ## In scope
//! - Requests by path: [`Request::get`], [`Request::post`], [`Request::delete`], params from any
//!   `Serialize` map or a pre-encoded string, in Stripe's bracket form (`metadata[k]=v`,
//!   `items[0][price]=p`). Every problem (bad path, bad params, bad header value, bad key) is a
//!   typed error before a request exists.
//! - Idempotency keys: every POST carries one (UUID v7 from the seed and the wall-clock time
//!   passed in), the same on every attempt; a caller's key is validated and kept; a key older
//!   than Stripe's 24 h is reported ([`FailureKind::KeyExpired`]), never silently reused.
//! - Retries ([`RetryPolicy`]): the table below, `max_tries`, backoff, `Retry-After`, a deadline.
//! - [`Advice`] on every final outcome: what the caller should do next.
//!
//! ## Out of scope
//! Sockets, TLS, DNS, clocks, sleeping, global randomness, async runtimes: the driver owns
//! them. Time comes in as arguments ([`Instant`](std::time::Instant) for scheduling,
//! [`SystemTime`](std::time::SystemTime) for key ages); randomness comes from a [`Seed`]. One
//! seed and one script of inputs always give the same trace.
//!
//! ## Retry table (default policy)
//! | what came back | retried? | key on the retry |
//! |---|---|---|
//! | `Stripe-Should-Retry: false` | never (overrides every row below) | - |
//! | `Stripe-Should-Retry: true` | yes | same |
//! | 429 | yes | same |
//! | 409 | yes | same |
//! | 5xx on GET or DELETE | yes | - |
//! | 5xx on POST | yes, until the answer is an idempotent replay, which ends the call with [`Advice::Reconcile`] | same |
//! | other 4xx, 2xx, 3xx | no | - |
//! | transport error, any method | yes | same |
//!
//! At most `max_tries` attempts (default 5). Backoff before retry n: `min(2^n + U[0,1), 32)`
//! seconds (the Racket library's), or the official SDKs' schedule; `Retry-After` is a lower
//! bound, capped. Presets: [`RetryPolicy::default`], [`RetryPolicy::conservative`] (exactly the
//! Racket library: 429 only), [`RetryPolicy::official`].
//!
//! ## Advice table
//! | final outcome | [`Advice`] |
//! |---|---|
//! | 2xx | `Success` |
//! | no response, 409, 429 (and 5xx on GET/DELETE) | `RetrySameKey` |
//! | 400, 401, 403, 404, `idempotency_error` | `NewKeyAfterFix` |
//! | 402 card errors | `NewKeyAfterCustomerAction` |
//! | 5xx on POST, key older than 24 h | `Reconcile` |
//!
//! ## The driver loop, with a custom transport
//! ```
//! use std::time::{Duration, Instant, SystemTime};
//! use bytes::Bytes;
//! use stripe_core::{Action, Call, Config, Input, Request, Seed, TransportError, Advice};
//!
//! let config = Config::builder("sk_test_123").build()?;
//! let request = Request::post("/v1/charges", &[("amount", "2000"), ("currency", "usd")])?;
//!
//! // A transport that loses the first response, then answers.
//! let mut script = vec![
//!     Err(TransportError::Io),
//!     Ok(http::Response::builder().status(200).header("request-id", "req_1")
//!         .body(Bytes::from_static(br#"{"id":"ch_1","object":"charge"}"#))?),
//! ].into_iter();
//! let mut keys = Vec::new();
//! let mut clock = Instant::now();
//!
//! let (mut call, mut action) = Call::new(request, &config, Seed::from_u64(7), clock, SystemTime::now());
//! let response = loop {
//!     action = match action {
//!         Action::Send(req) => {
//!             keys.push(req.headers()["idempotency-key"].clone());
//!             let result = script.next().unwrap_or(Err(TransportError::Connect));
//!             call.handle(clock, Input::from(result))
//!         }
//!         Action::Sleep(d) => { clock += d; call.handle(clock, Input::Woke) }
//!         Action::Done(response) => break response,
//!         Action::Fail(failure) => panic!("persist {:?}: {failure}", failure.idempotency_key()),
//!     };
//! };
//! assert_eq!(response.status, 200);
//! assert_eq!(response.attempts, 2);
//! assert_eq!(keys[0], keys[1]); // the retry reused the key
//! assert_eq!(response.advice, Advice::Success);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! [`drive::run_blocking`] and [`drive::run_async`] are that loop, with the transport, the
//! sleeper and the clock as closures.
//!
//! ## Panics
//! None: a panic is a bug. Every input, however hostile, gets a typed error or a response.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// A `tracing` event when the `tracing` feature is on; nothing otherwise.
macro_rules! event {
    ($level:ident, $($arg:tt)*) => {
        #[cfg(feature = "tracing")]
        tracing::$level!(target: "stripe", $($arg)*);
    };
}

mod advice;
mod call;
mod config;
pub mod drive;
mod error;
mod failure;
mod key;
pub mod list;
pub mod params;
mod path;
mod policy;
mod request;
mod response;
pub mod retry;
mod secret;
mod seed;
mod telemetry;
#[cfg(feature = "webhook")]
pub mod webhook;

pub use advice::Advice;
pub use call::{Action, Call, Input, RetryReason};
pub use config::{Auth, Config, ConfigBuilder, DEFAULT_API_BASE, DEFAULT_MAX_BODY_BYTES};
pub use error::{ConfigError, HeaderProblem, ParamsError, RequestError};
pub use failure::{Failure, FailureKind, TransportError};
pub use key::{IdempotencyKey, KEY_LIFETIME};
pub use policy::{Backoff, Retry5xxPost, Retry429, RetryPolicy};
pub use request::{Method, Request};
pub use response::{ApiError, Body, Response};
pub use secret::SecretKey;
pub use seed::Seed;
pub use telemetry::RequestMetrics;

/// The default `User-Agent`: this crate's name and version.
pub const USER_AGENT: &str = concat!("stripe-core-rs/", env!("CARGO_PKG_VERSION"));
