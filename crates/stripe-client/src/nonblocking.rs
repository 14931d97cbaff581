//! [`AsyncClient`]: the async flavour, over any [`AsyncTransport`]. Its futures are `Send`;
//! it needs no particular runtime (the transport brings its own sleep).

use std::future::Future;
use std::io::Write;

use serde::Serialize;
use stripe_core::{Error, Request, Response};

use crate::async_source::AsyncSource;
use crate::pages::AsyncPages;
use crate::prepared::Prepared;
use crate::shell::{Shell, Step};
use crate::transport::AsyncTransport;

/// An async Stripe client: a [`Config`](stripe_core::Config), one session (seed, telemetry memory) and an
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
        let prepared = self.prepare(Request::get(path)?)?;
        self.run(prepared).await
    }

    /// `POST path` with `params` form-encoded, under a fresh idempotency key.
    pub async fn post<P: Serialize + ?Sized>(
        &self,
        path: &str,
        params: &P,
    ) -> Result<Response, Error> {
        let prepared = self.prepare(Request::post(path, params)?)?;
        self.run(prepared).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Result<Response, Error> {
        let prepared = self.prepare(Request::delete(path)?)?;
        self.run(prepared).await
    }

    /// Every object of the list endpoint `path`, page after page, as a stream (see
    /// [`AsyncPages`]): a v1 list, a v1 Search or a v2 list, as [`Client::list`](crate::Client::list)
    /// walks them.
    pub fn list<P: Serialize + ?Sized>(&self, path: &str, params: &P) -> AsyncPages<'_, T> {
        AsyncPages::new(self, path, params)
    }

    /// The full event of a thin notification, as
    /// [`Client::fetch_event`](crate::Client::fetch_event) (feature `webhook`).
    #[cfg(feature = "webhook")]
    pub async fn fetch_event(
        &self,
        notification: &stripe_core::webhook::EventNotification,
    ) -> Result<Response, Error> {
        let prepared = self.prepare(crate::events::request(&notification.fetch_event())?)?;
        self.run(prepared).await
    }

    /// The object a thin notification is about, as
    /// [`Client::fetch_related_object`](crate::Client::fetch_related_object) (feature
    /// `webhook`).
    #[cfg(feature = "webhook")]
    pub async fn fetch_related_object(
        &self,
        notification: &stripe_core::webhook::EventNotification,
    ) -> Result<Option<Response>, Error> {
        let Some(fetch) = notification.fetch_related_object() else {
            return Ok(None);
        };
        let prepared = self.prepare(crate::events::request(&fetch)?)?;
        self.run(prepared).await.map(Some)
    }

    /// Makes the call `request` to its end.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        let prepared = self.prepare(request)?;
        self.run(prepared).await
    }

    /// Uploads a file, as [`Client::upload`](crate::Client::upload): the file's bytes streamed
    /// from `source` ([`AsyncSource`]) as they are sent, one key for every attempt. Each
    /// attempt, body included, is bounded by its instant with the transport's sleep.
    pub async fn upload(&self, request: Request, source: AsyncSource) -> Result<Response, Error> {
        let request =
            crate::files::upload_request(request, source.file_len(), source.is_single_use())?;
        let first = self
            .shell
            .start(request, self.transport.now(), self.transport.wall())?;
        crate::files_async::run(&self.shell, &self.transport, first, Some(source), None).await
    }

    /// Sends `request`, a GET, and writes its 2xx body to `to` as it comes, as
    /// [`Client::download`](crate::Client::download): bounded by the request's or the
    /// configuration's cap, retried only while nothing is written. `to` is written from the
    /// call's task as each chunk arrives: a buffer, a file on a local disk, a channel's sender;
    /// keep it quick.
    pub async fn download(
        &self,
        request: Request,
        to: &mut (dyn Write + Send),
    ) -> Result<Response, Error> {
        let request = crate::files::download_request(request)?;
        let first = self
            .shell
            .start(request, self.transport.now(), self.transport.wall())?;
        crate::files_async::run(&self.shell, &self.transport, first, None, Some(to)).await
    }

    /// Drives a prepared call to its end.
    ///
    /// Kept small on purpose, since every future that awaits it (the caller's own included)
    /// carries its state and copies it whenever it moves: the first step is taken here, before
    /// the future exists, so the prepared call is not kept beside its driver; and the
    /// transport's future, the largest part of an attempt, is boxed.
    pub(crate) fn run(
        &self,
        prepared: Prepared<'_, Self>,
    ) -> impl Future<Output = Result<Response, Error>> + Send + '_ {
        let (mut drive, mut step) = self.shell.drive(prepared.into_call());
        async move {
            loop {
                step = match step {
                    Step::Send(attempt) => {
                        let result = Box::pin(self.transport.send(attempt)).await;
                        drive.sent(self.transport.now(), result)
                    }
                    Step::Sleep(until) => {
                        self.transport.sleep_until(until).await;
                        drive.woke(self.transport.now())
                    }
                    Step::SendStreamed(..) => return Err(crate::files::without_source()),
                    Step::Return(result) => return result,
                };
            }
        }
    }
}
