//! # stripe-reqwest: the async driver of `stripe-core`
//!
//! A thin [`reqwest`] 0.13 + [`tokio`] driver around the sans-IO engine [`stripe_core`]: every
//! policy (retries, backoff, idempotency keys, advice) lives in the core; this crate only sends
//! one attempt, sleeps and reads the clock when the core says so.
//!
//! - [`Client::get`], [`Client::post`] and [`Client::delete`] make one logical call each, with
//!   every retry the policy allows; [`Client::send`] takes any [`Request`].
//! - 4xx and 5xx are [`Response`]s, not errors. An [`Error`] is either an invalid request
//!   (nothing was sent) or a failed call that carries the idempotency key to persist.
//! - Write-ahead: [`Client::prepare`] gives the idempotency key *before* anything is sent, so
//!   it can be persisted first; [`Prepared::run`] then makes the call.
//! - Each attempt is bounded as a whole (connect, send, read the whole body) by the policy's
//!   attempt timeout; connecting is bounded by [`Config::connect_timeout`]; at most
//!   [`Config::max_body_bytes`] + 1 bytes of a body are read.
//! - The seed of each call comes from the OS ([`getrandom`]); [`Client::send_with_seed`] fixes
//!   it for deterministic tests.
//! - [`Client::list`] walks every object of a list endpoint, page after page, each page one
//!   call with its own retries: a [`Pages`] stream ([`futures_core::Stream`]).
//! - [`Client::on_retry`] is told before each retry's sleep ([`RetryNotice`]), e.g. to show
//!   progress.
//! - Sleeping uses [`tokio::time::sleep`], so calls need a Tokio runtime with the timer enabled
//!   (current-thread or multi-thread). The futures are `Send`.
//!
//! ## Dropping a call mid-way (cancellation)
//! Dropping the future of a call (a `select!`, a `timeout`, an aborted task) abandons the call
//! at once: no further attempt is made and no error is returned. An attempt that was in flight
//! may still reach Stripe and be processed there. That is why the key is available *before*
//! the first attempt: [`Client::prepare`], persist [`Prepared::idempotency_key`], then
//! [`Prepared::run`]. To find out what happened, retry later with the same key
//! ([`Request::idempotency_key`]) within 24 hours: Stripe answers with the stored result
//! instead of running it twice.
//!
//! ## Example
//! Preparing a call performs no I/O:
//! ```
//! use stripe_reqwest::{Client, Config, Request};
//!
//! let client = Client::new(Config::builder("sk_test_123").build()?);
//! let prepared = client.prepare(Request::post("/v1/refunds", &[("charge", "ch_1")])?);
//! let key = prepared.idempotency_key().expect("every POST carries a key").to_string();
//! // Persist `key` next to your own record here, then run the call with `prepared.run().await`.
//! assert!(!key.is_empty());
//! assert!(!format!("{client:?}").contains("sk_test_123")); // secrets never in Debug
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! The calls themselves need a Stripe (or a fake one):
//! ```no_run
//! use stripe_reqwest::{Client, Config, Error};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = Client::new(Config::builder("sk_test_123").build()?);
//!     let balance = client.get("/v1/balance").await?;
//!     println!("{} {:?}", balance.status, balance.json());
//!     match client.post("/v1/charges", &[("amount", "2000"), ("currency", "usd")]).await {
//!         Ok(charge) => println!("{} after {} attempt(s)", charge.status, charge.attempts),
//!         Err(Error::Call(e)) => eprintln!("persist {:?}, then {}", e.idempotency_key(), e.failure.advice()),
//!         Err(e) => eprintln!("{e}"),
//!     }
//!     Ok(())
//! }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod pages;
mod transport;

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

use serde::Serialize;
use stripe_core::{Action, Call, RequestMetrics};

pub use error::Error;
pub use pages::Pages;
pub use reqwest;
pub use stripe_core::drive::RetryNotice;
pub use stripe_core::list::{PageError, PageProblem};
pub use stripe_core::{
    self, Config, Failure, FailureKind, IdempotencyKey, Request, Response, RetryPolicy, Seed,
    TransportError,
};

/// An async Stripe client: a [`Config`] and a [`reqwest::Client`] (which pools connections).
///
/// Cloning is cheap enough and shares the connection pool.
#[derive(Clone)]
pub struct Client {
    config: Config,
    http: reqwest::Client,
    on_retry: Option<OnRetry>,
    last_request: Arc<Mutex<Option<RequestMetrics>>>,
}

/// The retry hook of a [`Client`].
type OnRetry = Arc<dyn Fn(&RetryNotice) + Send + Sync>;

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with its own `reqwest::Client`: connect timeout from the config, redirects not
    /// followed.
    ///
    /// # Panics
    /// As [`reqwest::Client::new`] does, if the TLS backend cannot be initialized; see
    /// [`Client::try_new`].
    pub fn new(config: Config) -> Self {
        match Self::try_new(config) {
            Ok(client) => client,
            Err(e) => panic!("cannot build the reqwest client: {e}"),
        }
    }

    /// [`Client::new`], returning reqwest's error if its client cannot be built.
    pub fn try_new(config: Config) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout())
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self::with_http_client(config, http))
    }

    /// A client around your own `reqwest::Client` (its pool, proxy, TLS and redirect settings
    /// are kept, and so is its connect timeout: the config's cannot be applied to it). Each
    /// attempt is still bounded by the policy's attempt timeout.
    pub fn with_http_client(config: Config, http: reqwest::Client) -> Self {
        Self {
            config,
            http,
            on_retry: None,
            last_request: Arc::default(),
        }
    }

    /// Calls `hook` before the sleep that precedes each retry, with the attempt about to be
    /// made, the policy's `max_tries`, the reason and the wait. It only observes: the core
    /// alone decides. Replaces any previous hook; clones of the client share it. It runs on
    /// the call's task, so keep it short and non-blocking.
    ///
    /// ```
    /// use stripe_reqwest::{Client, Config};
    ///
    /// let client = Client::new(Config::builder("sk_test_123").build()?).on_retry(|n| {
    ///     eprintln!("attempt {}/{} after {:?}: retrying in {:?}", n.attempt, n.max_tries, n.reason, n.wait);
    /// });
    /// # drop(client);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn on_retry(mut self, hook: impl Fn(&RetryNotice) + Send + Sync + 'static) -> Self {
        self.on_retry = Some(Arc::new(hook));
        self
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The `reqwest::Client`.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.http
    }

    /// `GET path` (a relative Stripe path such as `/v1/balance`, query allowed).
    pub async fn get(&self, path: &str) -> Result<Response, Error> {
        self.send(Request::get(path)?).await
    }

    /// `POST path` with `params` (any `Serialize` map) form-encoded, under a fresh idempotency
    /// key. To persist the key before sending, use [`Client::prepare`].
    pub async fn post<T: Serialize + ?Sized>(
        &self,
        path: &str,
        params: &T,
    ) -> Result<Response, Error> {
        self.send(Request::post(path, params)?).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Result<Response, Error> {
        self.send(Request::delete(path)?).await
    }

    /// Every object of the list endpoint `path` (such as `/v1/customers`), page after page, as
    /// a [`Stream`](futures_core::Stream): `params` (`limit`, filters) are kept on every page,
    /// and each next page asks for `starting_after=<id of the last object>` while `has_more`
    /// is true. Each page is one call through the core, so its retries apply. Given
    /// `ending_before`, the walk goes the other way (`ending_before=<id of the first object>`,
    /// each page's objects reversed), as Stripe's SDKs do.
    ///
    /// Nothing is sent until the stream is polled. It ends after the first error, which it
    /// yields: an invalid request, a failed call, or a page that is not a 2xx list
    /// ([`Error::Page`]). [`Pages::next`] needs no extra crate; any `StreamExt` works too.
    ///
    /// ```no_run
    /// use stripe_reqwest::{Client, Config};
    ///
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = Client::new(Config::builder("sk_test_123").build()?);
    /// let mut customers = client.list("/v1/customers", &[("limit", "100")]);
    /// while let Some(customer) = customers.next().await {
    ///     println!("{}", customer?["id"]);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn list<T: Serialize + ?Sized>(&self, path: &str, params: &T) -> Pages<'_> {
        Pages::new(self, path, params)
    }

    /// Makes the call `request` to its end, with a seed from the OS.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        self.prepare(request).run().await
    }

    /// Makes the call `request` with a fixed seed: the same seed gives the same key and the
    /// same backoff jitter.
    pub async fn send_with_seed(&self, request: Request, seed: Seed) -> Result<Response, Error> {
        self.prepare_with_seed(request, seed).run().await
    }

    /// The previous response's id and duration, sent as `X-Stripe-Client-Telemetry` with the
    /// next request when the config's telemetry is on (as the official SDKs do).
    fn last_request(&self) -> Option<RequestMetrics> {
        self.last_request
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Remembers a response's id and duration for the next request's telemetry.
    pub(crate) fn remember(&self, response: &Response) {
        if let Some(metrics) = response.metrics() {
            *self
                .last_request
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(metrics);
        }
    }

    /// Prepares the call without sending anything: read [`Prepared::idempotency_key`],
    /// persist it, then [`Prepared::run`].
    pub fn prepare(&self, request: Request) -> Prepared<'_> {
        self.prepare_with_seed(request, transport::os_seed())
    }

    /// [`Client::prepare`] with a fixed seed.
    pub fn prepare_with_seed(&self, request: Request, seed: Seed) -> Prepared<'_> {
        let request = request.previous_request(self.last_request());
        let (call, first) = Call::new(
            request,
            &self.config,
            seed,
            Instant::now(),
            SystemTime::now(),
        );
        Prepared {
            client: self,
            call,
            first,
        }
    }
}

/// A call whose idempotency key is known and nothing of which has been sent yet.
#[must_use = "a prepared call does nothing until it is run"]
pub struct Prepared<'a> {
    client: &'a Client,
    call: Call,
    first: Action,
}

impl fmt::Debug for Prepared<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prepared")
            .field("method", &self.call.method())
            .field("path", &self.call.path())
            .field("idempotency_key", &self.call.idempotency_key())
            .finish_non_exhaustive()
    }
}

impl Prepared<'_> {
    /// The key every attempt will carry (`None` for GET and DELETE): persist it before
    /// [`Prepared::run`] to resume safely after a crash or a dropped future.
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.call.idempotency_key()
    }

    /// The core's call (method, path, policy), not started yet.
    pub fn call(&self) -> &Call {
        &self.call
    }

    /// Makes the call to its end: attempts, sleeps between them, and the final outcome.
    ///
    /// Dropping the future abandons the call: no further attempt; one in flight may still be
    /// processed by Stripe (see the crate docs).
    pub async fn run(self) -> Result<Response, Error> {
        transport::run(self.client, (self.call, self.first)).await
    }
}
