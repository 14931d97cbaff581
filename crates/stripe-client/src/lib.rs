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
//! - Thin events (feature `webhook`): `Client::fetch_event` and `Client::fetch_related_object`
//!   (and their async twins) GET a parsed
//!   [`EventNotification`](stripe_core::webhook::EventNotification)'s full event and related
//!   object, with its context as `Stripe-Context`.
//! - Files: [`Client::upload`] streams a file from a [`Source`] as `multipart/form-data` to
//!   the files base, one key for every attempt (a source that cannot be read again is never
//!   retried); [`Client::download`] streams a 2xx body to a writer, bounded by a cap. Their
//!   async twins take an [`AsyncSource`] and a writer. A transport streams them through
//!   [`Transport::send_streamed`]; one that does not gets a buffered default (see there).
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

mod async_source;
mod blocking;
mod common;
#[cfg(feature = "webhook")]
mod events;
mod files;
mod files_async;
mod nonblocking;
mod pages;
mod prepared;
mod seed;
mod shell;
mod source;
mod streaming;
mod transport;

pub use async_source::{AsyncSource, UploadBody};
pub use blocking::Client;
/// The `bytes` crate a transport's bodies are made of, re-exported so that a custom transport
/// needs no direct dependency on it.
pub use bytes;
/// The `http` crate a transport's requests and responses are made of, re-exported so that a
/// custom transport needs no direct dependency on it.
pub use http;
pub use nonblocking::AsyncClient;
pub use pages::{AsyncPages, Pages};
pub use prepared::Prepared;
pub use seed::fill_from_os;
pub(crate) use seed::os_seed;
pub use source::Source;
pub use streaming::{
    AsyncStreamAttempt, BoxError, Capped, ResponseBody, StreamAttempt, Streamed, read_capped,
};
pub use stripe_core::{self, Error, ErrorKind, Request, Response, RetryNotice};
pub use transport::{AsyncTransport, Attempt, AttemptError, FromConfig, SendError, Transport};

/// What a driver crate re-exports, so that its users need no other import for everyday use.
pub mod exports {
    pub use crate as stripe_client;
    pub use crate::{AsyncSource, Source};
    pub use stripe_core::{
        self, Config, Error, ErrorKind, FilePart, IdempotencyKey, Request, Response, RetryPolicy,
    };
}

/// Declares a driver crate's `Client`, `Pages` and `Prepared` over its transport:
/// `driver!(blocking Ureq)` or `driver!(async Reqwest)`.
#[macro_export]
macro_rules! driver {
    (blocking $transport:ty) => {
        /// A blocking Stripe client: [`stripe_client::Client`] over this crate's transport.
        pub type Client = $crate::Client<$transport>;
        /// Every object of a list, page after page ([`stripe_client::Pages`]).
        pub type Pages<'a> = $crate::Pages<'a, $transport>;
        /// A call whose key is known and nothing of which was sent ([`stripe_client::Prepared`]).
        pub type Prepared<'a> = $crate::Prepared<'a, Client>;
    };
    (async $transport:ty) => {
        /// An async Stripe client: [`stripe_client::AsyncClient`] over this crate's transport.
        pub type Client = $crate::AsyncClient<$transport>;
        /// Every object of a list, page after page, as a stream ([`stripe_client::AsyncPages`]).
        pub type Pages<'a> = $crate::AsyncPages<'a, $transport>;
        /// A call whose key is known and nothing of which was sent ([`stripe_client::Prepared`]).
        pub type Prepared<'a> = $crate::Prepared<'a, Client>;
    };
}
