//! [`Client`]: the blocking flavour, over any [`Transport`].

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use stripe_core::{Config, Error, Request, Response, RetryNotice, Seed};

use crate::pages::Pages;
use crate::prepared::Prepared;
use crate::shell::{Shell, Step};
use crate::transport::{FromConfig, Transport};

/// A blocking Stripe client: a [`Config`], one session (seed stream, telemetry memory) and a
/// [`Transport`]. Cloning shares the session and, for the drivers' transports, the connection
/// pool.
///
/// `stripe_ureq::Client` is this type over ureq; [`Client::with_transport`] takes yours.
#[derive(Clone)]
pub struct Client<T> {
    transport: T,
    shell: Shell,
}

impl<T> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shell.fmt(f)
    }
}

impl<T: Transport + FromConfig> Client<T> {
    /// A client with the transport's default HTTP client for `config`, seeded from the OS.
    ///
    /// # Panics
    /// If the transport cannot be built (say, no TLS backend); see [`Client::try_new`].
    pub fn new(config: Config) -> Self {
        match Self::try_new(config) {
            Ok(client) => client,
            Err(e) => panic!("cannot build the HTTP client: {e}"),
        }
    }

    /// [`Client::new`], returning an error of kind
    /// [`ErrorKind::Local`](stripe_core::ErrorKind::Local) if the transport cannot be built.
    pub fn try_new(config: Config) -> Result<Self, Error> {
        let transport = T::from_config(&config)?;
        Ok(Self::with_transport(config, transport))
    }
}

impl<T: Transport> Client<T> {
    /// A client over `transport`, its session seeded once from the OS.
    pub fn with_transport(config: Config, transport: T) -> Self {
        Self::with_transport_and_seed(config, transport, crate::os_seed())
    }

    /// A client over `transport` whose every key and jitter comes from `seed`: the same seed
    /// and the same answers give the same requests, byte for byte.
    pub fn with_transport_and_seed(config: Config, transport: T, seed: Seed) -> Self {
        Self {
            transport,
            shell: Shell::new(config, seed),
        }
    }

    /// The same client, calling `hook` before the sleep that precedes each retry (the attempt
    /// about to be made, `max_tries`, the reason, the wait). It only observes: the core alone
    /// decides. Clones made after this share it.
    #[must_use]
    pub fn with_retry_hook(mut self, hook: impl Fn(&RetryNotice) + Send + Sync + 'static) -> Self {
        self.shell.set_on_retry(Arc::new(hook));
        self
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        self.shell.config()
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// `GET path` (a relative Stripe path such as `/v1/balance`, query allowed).
    pub fn get(&self, path: &str) -> Result<Response, Error> {
        self.send(Request::get(path)?)
    }

    /// `POST path` with `params` (any `Serialize` map) form-encoded, under a fresh idempotency
    /// key. To persist the key before sending, use [`Client::prepare`].
    pub fn post<P: Serialize + ?Sized>(&self, path: &str, params: &P) -> Result<Response, Error> {
        self.send(Request::post(path, params)?)
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> Result<Response, Error> {
        self.send(Request::delete(path)?)
    }

    /// Every object of the list endpoint `path`, page after page (see [`Pages`]): `params`
    /// are kept on every page; `starting_after` follows the last object while `has_more`;
    /// given `ending_before`, the walk goes the other way. Nothing is sent until the iterator
    /// is advanced.
    pub fn list<P: Serialize + ?Sized>(&self, path: &str, params: &P) -> Pages<'_, T> {
        Pages::new(self, path, params)
    }

    /// Makes the call `request` to its end: attempts, sleeps between them, the outcome.
    pub fn send(&self, request: Request) -> Result<Response, Error> {
        self.prepare(request)?.run()
    }

    /// Prepares the call without sending anything: read [`Prepared::idempotency_key`],
    /// persist it, then [`Prepared::run`].
    pub fn prepare(&self, request: Request) -> Result<Prepared<'_, Self>, Error> {
        let (call, first) =
            self.shell
                .start(request, self.transport.now(), self.transport.wall())?;
        Ok(Prepared::new(self, call, first))
    }

    /// Drives a prepared call to its end.
    pub(crate) fn run(&self, prepared: Prepared<'_, Self>) -> Result<Response, Error> {
        let (call, first) = prepared.into_parts();
        let (mut drive, mut step) = self.shell.drive(call, first);
        let max_body_bytes = self.config().max_body_bytes();
        loop {
            step = match step {
                Step::Send(request, by) => {
                    let result = self.transport.send(request, by, max_body_bytes);
                    drive.sent(self.transport.now(), result)
                }
                Step::Sleep(until) => {
                    self.transport.sleep_until(until);
                    drive.woke(self.transport.now())
                }
                Step::Return(result) => return result,
            };
        }
    }
}
