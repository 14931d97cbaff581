//! [`AsyncClient`]: the async flavour, over any [`AsyncTransport`]. Its futures are `Send`;
//! it needs no particular runtime (the transport brings its own sleep).

use serde::Serialize;
use stripe_core::{Error, Request, Response};

use crate::pages::AsyncPages;
use crate::prepared::Prepared;
use crate::shell::{Shell, Step};
use crate::transport::AsyncTransport;

/// An async Stripe client: a [`Config`](stripe_core::Config), one session (seed stream, telemetry memory) and an
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

crate::common::shared_methods!(AsyncClient, AsyncTransport);

impl<T: AsyncTransport> AsyncClient<T> {
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

    /// Drives a prepared call to its end.
    pub(crate) async fn run(&self, prepared: Prepared<'_, Self>) -> Result<Response, Error> {
        let (mut drive, mut step) = self.shell.drive(prepared.into_parts());
        loop {
            step = match step {
                Step::Send(attempt) => {
                    let result = self.transport.send(attempt).await;
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
