//! # stripe-core: a sans-IO Stripe API client that never charges a customer twice
//!
//! This crate builds Stripe requests and interprets Stripe responses as a pure, deterministic
//! state machine. It tells its driver only four things ([`Action`]): *send this request before
//! this instant*, *sleep until this instant*, *done (here is the response)*, or *failed (here is
//! the idempotency key to persist)*. The `stripe-client` crate drives it once for every
//! transport; `stripe-ureq` (blocking) and `stripe-reqwest` (async) are its transports, and you
//! can plug your own in a few lines.
//!
//! ## In scope
//! - Requests by path, API v1 and v2: [`Request::get`], [`Request::post`],
//!   [`Request::delete`], params from any `Serialize` map or a pre-encoded string, in Stripe's
//!   bracket form for v1 (`metadata[k]=v`, `items[0][price]=p`) and as a JSON body for a v2
//!   POST ([`Namespace`]). Every problem (bad path, bad params, bad header value, bad key) is
//!   a typed error before a request exists.
//! - Idempotency keys: every POST and every v2 DELETE carries one (UUID v7 from the seed and
//!   the wall-clock time passed in), the same on every attempt; a caller's key is validated
//!   and kept; a key older than Stripe's 24 h is reported ([`ErrorKind::KeyExpired`]), never
//!   silently reused.
//! - Retries ([`RetryPolicy`]): the table below, `max_tries`, backoff, `Retry-After`, a deadline.
//! - [`Advice`] on every final outcome: what the caller should do next.
//! - Files: [`Request::upload`] is `POST /v1/files` to the files base
//!   ([`Config::files_base`], [`Host::Files`]) as `multipart/form-data`: the core writes the
//!   text parts, the file part's headers and the closing boundary ([`Multipart`]; the boundary
//!   drawn from the call's seed) and the `Content-Type` and `Content-Length` of the whole, and
//!   asks the driver to stream the file's bytes between them ([`Action::SendStreamed`]), the
//!   same bytes and key on every attempt. [`Request::file_contents`] is the download's GET; a
//!   driver that hands the body on as it comes says so with [`Input::Streamed`], held to the
//!   request's own cap ([`Request::with_max_body_bytes`]).
//!
//! ## Out of scope
//! Sockets, TLS, DNS, clocks, sleeping, global randomness, async runtimes: the driver owns
//! them. Time comes in as arguments ([`Instant`](std::time::Instant) for scheduling,
//! [`SystemTime`](std::time::SystemTime) for key ages); randomness comes from a [`Seed`]. One
//! seed and one script of inputs always give the same trace.
//!
//! ## Retry table
//! This table and the advice table below are the one source of these rules; the README and
//! the other crates link here. Each request belongs to a [`Namespace`], read from its path:
//! `/v1/...` or `/v2/...`. A *keyed* request carries an idempotency key: every POST, and a v2
//! DELETE (as the official SDKs send it); a GET or a v1 DELETE never does.
//!
//! | what came back | default | conservative | official | key on the retry |
//! |---|---|---|---|---|
//! | `Stripe-Should-Retry: false` | never (overrides every row below) | header ignored | never | - |
//! | `Stripe-Should-Retry: true` | yes | header ignored | yes | same |
//! | 429 | yes | yes | only on `lock_timeout` or when told | same |
//! | 409 | yes | no | yes | same |
//! | 5xx on GET or v1 DELETE | yes | no | yes | - |
//! | 5xx on a v1 POST | yes, until the answer is an idempotent replay, which ends the call with [`Advice::Reconcile`] | no | yes | same |
//! | 5xx on a v2 POST or DELETE | yes (a replay does not end it: Stripe finishes the work on a retry) | no | yes | same |
//! | other 4xx, 2xx, 3xx | no | no | no | - |
//! | transport error, any method | yes | no (the error carries the key) | yes | same |
//! | [`TransportError::Body`]: a body not carried whole (an upload's source failed or lied about its length; a download's writer failed or holds part of it) | never: the call ends at once | never | never | - |
//! | any answer above that would be retried, on a single-use body ([`Request::with_single_use_body`]: an upload whose source cannot be read again) | never: the call ends as [`ErrorKind::NotReplayable`] with the last answer or transport error, the key inside | never | never | - |
//!
//! Why v1 and v2 differ on a 5xx (Stripe's idempotency docs): "For API v1, Stripe saves the
//! status code and body of the first request made with a given idempotency key [...]. Retries
//! with the same key return the saved response, including 500 errors. With API v2, retries
//! don't repeat successful operations. Stripe retries failed or partially failed work to
//! completion when possible and returns an updated response."
//!
//! | preset | tries | backoff before retry n ([`Backoff`]) |
//! |---|---|---|
//! | [`RetryPolicy::default`] | 5 | `PowerOfTwo`: `min(2^n + U[0,1), 32)` s |
//! | [`RetryPolicy::conservative`] (exactly the Racket `stripe-integration` library) | 5 | `PowerOfTwo`: `min(2^n + U[0,1), 32)` s |
//! | [`RetryPolicy::official`] (what stripe-ruby, stripe-node, stripe-python do) | 3 | `Doubling`: `max(0.5, min(0.5·2^(n-1), 5)·U[0.5,1])` s |
//!
//! `Retry-After` (seconds or an HTTP date) is a lower bound of the wait, capped by
//! `retry_after_cap` (60 s by default); each attempt is bounded by `attempt_timeout` (80 s by
//! default) and the whole call by an optional `deadline`. Every rule is a public field of
//! [`RetryPolicy`] that can be switched on its own; `retry_5xx_post` governs every keyed
//! request (`Never` stops v2's retries too). A key's 24 h window is applied to v2 keys as well.
//!
//! ## Advice table
//! | final outcome | v1 POST | v2 POST, v2 DELETE | GET, v1 DELETE |
//! |---|---|---|---|
//! | 2xx | `Success` | `Success` | `Success` |
//! | no response, 409, 429 | `RetrySameKey` (persist the key; safe within 24 h) | `RetrySameKey` | `Retry` |
//! | 5xx | `Reconcile` (it may have happened) | `RetrySameKey` (a retry finishes the work) | `Retry` |
//! | 402 card errors | `NewKeyAfterCustomerAction` | `NewKeyAfterCustomerAction` | `FixRequest` |
//! | other 4xx (400, 401, 403, 404, `idempotency_error`: [`ErrorType::Idempotency`]), 1xx, 3xx | `NewKeyAfterFix` | `NewKeyAfterFix` | `FixRequest` |
//! | a key older than 24 h | `Reconcile` | `Reconcile` | - |
//! | a 2xx body over the cap | `Reconcile` (its replay would be over the cap too) | `RetrySameKey` | `FixRequest` |
//! | a body not carried whole ([`TransportError::Body`]: an upload cut short, a download cut after part of it was written) | `RetrySameKey` (with a new source: a request cut short did nothing) | `RetrySameKey` | `Retry` (into a new writer) |
//! | a retry due on a single-use body ([`ErrorKind::NotReplayable`]) | as the last answer's row (no response: `RetrySameKey`) | as the last answer's row | - |
//! | a wait too long to honour ([`ErrorKind::WaitTooLong`]) | as the last answer's row | as the last answer's row | as the last answer's row |
//! | invalid input (nothing sent) | `FixRequest` | `FixRequest` | `FixRequest` |
//!
//! ## What is refused
//! This list is the one source of what is refused; the README links here. Every refusal is a
//! typed error before any byte is sent, naming what was wrong.
//!
//! - The configuration ([`ConfigError`], from [`ConfigBuilder::build`]): a secret key that is
//!   empty, over 1,024 characters or not visible ASCII; an API base that is not `https://` (or
//!   `http://` to loopback, unless `allow_insecure_http`), carries credentials, a query or a
//!   fragment, or names a port outside 1 to 65535; a `Stripe-Version` or `User-Agent` over
//!   1,024 characters or not visible ASCII (`User-Agent` may hold spaces); a `Stripe-Account`
//!   over 255 characters or not visible ASCII (the same limit as a request's own); a policy
//!   that contradicts itself (`max_tries` 0 or over 100, a `Doubling` backoff whose `initial`
//!   passes its `max`).
//! - A request ([`RequestError`]): a path that is not a relative `/v<digits>/...` path (a scheme
//!   or authority, a `.` or `..` segment, a control character, space, `#`, backslash or bad
//!   `%`-escape); a path with its query over [`MAX_PATH_BYTES`] (8,192 bytes, counted as it is
//!   built and sent); an idempotency key that is empty, over 255 characters or not visible ASCII,
//!   or given to a GET or a v1 DELETE; pre-encoded form text for a v2 POST (its body is JSON);
//!   a per-request `Stripe-Account` as above; a per-request policy as above.
//! - Params ([`ParamsError`]): a top level that is not a map or a list of pairs; a key that is
//!   empty or holds `[`, `]` or a control character; a key that is not text, a char, an integer,
//!   a boolean or a unit variant (a float, a tuple, `None`, a sequence, `()`, a variant with
//!   data: [`ParamsError::KeyType`], with the name it is under); bytes; a non-finite float;
//!   nesting over 32 levels, a pair's bracketed name counting its levels (`a[b][c]` is three);
//!   pre-encoded text that is not form-urlencoded. Numbers are sent as they print (an `f32` as
//!   the `f32` it is).
//! - Durations are never refused for their size: any, up to `Duration::MAX`, is accepted. A bound
//!   (`attempt_timeout`, `deadline`, the connect timeout) beyond what the clock can count is no
//!   bound. A wait that cannot be honoured ends the call as [`ErrorKind::WaitTooLong`], with the
//!   last answer: a POST's retry that would come after its key's 24 h, or a wake beyond the
//!   clock.
//! - A request the transport refuses to build (a URL its HTTP client cannot carry): nothing was
//!   sent, so the call ends at once as [`ErrorKind::InvalidRequest`] with the transport's error
//!   as its source ([`TransportError::Refused`]).
//! - Files: a files base refused as an API base would be ([`ConfigError::FilesBase`]); a file
//!   name that is empty, over 255 bytes or holds a control character, a content type that is
//!   not visible ASCII and spaces or is over 255 bytes ([`RequestError::File`]); a file id that
//!   is not letters, digits and `_` ([`Request::file_contents`], [`RequestError::Path`]); an
//!   upload whose file's length was never given, a length given to a request that is no
//!   upload, a multipart body whose length would pass `u64` ([`RequestError::Files`]).
//!
//! ## The driver loop
//! A [`Session`] owns what spans calls (config, seed, telemetry memory) and starts each
//! [`Call`]. Every decision is the core's, including how long an attempt may run (`by`, an
//! absolute instant) and when to wake (`until`); a driver sends one request before an instant,
//! classifies its error, and sleeps until an instant. The `stripe-client` crate is this loop
//! once, generic over a transport; here it is by hand, with a scripted transport:
//! ```
//! use std::time::{Duration, Instant, SystemTime};
//! use bytes::Bytes;
//! use stripe_core::{Action, Advice, Config, Input, Request, Seed, Session, TransportError};
//!
//! let mut session = Session::new(Config::builder("sk_test_123").build()?, Seed::from_u64(7));
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
//! let (mut call, mut action) = session.call(request, clock, SystemTime::now())?;
//! let response = loop {
//!     action = match action {
//!         Action::Send { request, by } => {
//!             assert!(by.is_some_and(|by| by > clock)); // every attempt is bounded
//!             keys.push(request.headers()["idempotency-key"].clone());
//!             clock += Duration::from_millis(30); // the attempt takes 30 ms
//!             let result = script.next().unwrap_or(Err(TransportError::Connect));
//!             call.handle(clock, Input::from(result))
//!         }
//!         Action::Sleep { until, .. } => { clock = until; call.handle(clock, Input::Woke) }
//!         Action::Done(response) => break response,
//!         Action::Fail(error) => panic!("persist {:?}: {error}", error.idempotency_key()),
//!         _ => unreachable!("the four actions above are all there is today"),
//!     };
//! };
//! session.learn(&response); // the next request tells Stripe this one's id and duration
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.attempts(), 2);
//! assert_eq!(keys[0], keys[1]); // the retry reused the key
//! assert_eq!(response.advice(), Advice::Success);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Panics
//! None: a panic is a bug. Every input, however hostile, gets a typed error or a response.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// A `tracing` event when the `tracing` feature is on; nothing otherwise.
macro_rules! event {
    ($level:ident, $($arg:tt)*) => {
        #[cfg(feature = "tracing")]
        tracing::$level!(target: "stripe", $($arg)*);
    };
}

mod action;
mod advice;
mod call;
mod config;
mod error;
mod failure;
mod files;
mod key;
pub mod list;
pub mod params;
mod path;
mod policy;
mod request;
mod response;
mod retry;
mod secret;
mod seed;
mod session;
mod telemetry;
#[cfg(feature = "webhook")]
pub mod webhook;
mod wire;

pub use action::{Action, Input, RetryNotice, RetryReason};
pub use advice::Advice;
pub use call::Call;
pub use config::{
    Auth, Config, ConfigBuilder, DEFAULT_API_BASE, DEFAULT_FILES_BASE, DEFAULT_MAX_BODY_BYTES,
};
pub use error::{ConfigError, HeaderProblem, ParamsError, RequestError};
pub use failure::{Error, ErrorKind, TransportError};
pub use files::{FilePart, Multipart};
pub use key::{IdempotencyKey, KEY_LIFETIME};
pub use policy::{Backoff, Retry5xxPost, Retry429, RetryPolicy};
pub use request::{Host, MAX_PATH_BYTES, Method, Namespace, Request};
pub use response::{ApiError, ErrorType, Response};
pub use secret::SecretKey;
pub use seed::Seed;
pub use session::Session;

/// The default `User-Agent`: this crate's name and version.
pub const USER_AGENT: &str = concat!("stripe-core-rs/", env!("CARGO_PKG_VERSION"));
