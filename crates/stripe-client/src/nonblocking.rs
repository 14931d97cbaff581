//! [`AsyncClient`]: the async flavour, over any [`AsyncTransport`]. Its futures are `Send`;
//! it needs no particular runtime (the transport brings its own sleep).

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use stripe_core::{Config, Error, Request, Response, RetryNotice, Seed};

use crate::pages::AsyncPages;
use crate::prepared::Prepared;
use crate::shell::{Shell, Step};
use crate::transport::{AsyncTransport, FromConfig};

/// An async Stripe client: a [`Config`], one session (seed stream, telemetry memory) and an
/// [`AsyncTransport`]. Cloning shares the session and, for the drivers' transports, the
/// connection pool.
///
/// `stripe_reqwest::Client` is this type over reqwest; [`AsyncClient::with_transport`] takes
/// yours.
///
/// Dropping the future of a call (a `select!`, a timeout, an aborted task) abandons the call:
/// no further attempt is made. An attempt in flight may still reach Stripe, which is why the
/// key is known before the first attempt ([`AsyncClient::prepare`]): persist it, and resume
/// within 24 h with [`Request::with_idempotency_key`].
#[derive(Clone)]
pub struct AsyncClient<T> {
    transport: T,
    shell: Shell,
}

impl<T> fmt::Debug for AsyncClient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shell.fmt(f)
    }
}

impl<T: AsyncTransport + FromConfig> AsyncClient<T> {
    /// A client with the transport's default HTTP client for `config`, seeded from the OS.
    ///
    /// # Panics
    /// If the transport cannot be built (say, no TLS backend); see [`AsyncClient::try_new`].
    pub fn new(config: Config) -> Self {
        match Self::try_new(config) {
            Ok(client) => client,
            Err(e) => panic!("cannot build the HTTP client: {e}"),
        }
    }

    /// [`AsyncClient::new`], returning an error of kind
    /// [`ErrorKind::Local`](stripe_core::ErrorKind::Local) if the transport cannot be built.
    pub fn try_new(config: Config) -> Result<Self, Error> {
        let transport = T::from_config(&config)?;
        Ok(Self::with_transport(config, transport))
    }
}

impl<T: AsyncTransport> AsyncClient<T> {
    /// A client over `transport`, its session seeded once from the OS.
    pub fn with_transport(config: Config, transport: T) -> Self {
        Self::with_transport_and_seed(config, transport, crate::os_seed())
    }

    /// A client over `transport` whose every key and jitter comes from `seed`.
    pub fn with_transport_and_seed(config: Config, transport: T, seed: Seed) -> Self {
        Self {
            transport,
            shell: Shell::new(config, seed),
        }
    }

    /// The same client, calling `hook` before the sleep that precedes each retry. It runs on
    /// the call's task: keep it short and non-blocking.
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

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Result<Response, Error> {
        self.send(Request::get(path)?).await
    }

    /// `POST path` with `params` form-encoded, under a fresh idempotency key.
    pub async fn post<P: Serialize + ?Sized>(
        &self,
        path: &str,
        params: &P,
    ) -> Result<Response, Error> {
        self.send(Request::post(path, params)?).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Result<Response, Error> {
        self.send(Request::delete(path)?).await
    }

    /// Every object of the list endpoint `path`, page after page, as a stream (see
    /// [`AsyncPages`]).
    pub fn list<P: Serialize + ?Sized>(&self, path: &str, params: &P) -> AsyncPages<'_, T> {
        AsyncPages::new(self, path, params)
    }

    /// Makes the call `request` to its end.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        self.prepare(request)?.run().await
    }

    /// Prepares the call without sending anything (see [`Prepared`]).
    pub fn prepare(&self, request: Request) -> Result<Prepared<'_, Self>, Error> {
        let (call, first) =
            self.shell
                .start(request, self.transport.now(), self.transport.wall())?;
        Ok(Prepared::new(self, call, first))
    }

    /// Drives a prepared call to its end.
    pub(crate) async fn run(&self, prepared: Prepared<'_, Self>) -> Result<Response, Error> {
        let (call, first) = prepared.into_parts();
        let (mut drive, mut step) = self.shell.drive(call, first);
        let max_body_bytes = self.config().max_body_bytes();
        loop {
            step = match step {
                Step::Send(request, by) => {
                    let result = self.transport.send(request, by, max_body_bytes).await;
                    drive.sent(self.transport.now(), result)
                }
                Step::Sleep(until) => {
                    self.transport.sleep_until(until).await;
                    drive.woke(self.transport.now())
                }
                Step::Return(result) => return result,
            };
        }
    }
}
