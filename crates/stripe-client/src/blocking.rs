//! [`Client`]: the blocking flavour, over any [`Transport`].

use std::io::Write;

use serde::Serialize;
use stripe_core::{Error, Request, Response};

use crate::pages::Pages;
use crate::prepared::Prepared;
use crate::shell::{Shell, Step};
use crate::source::Source;
use crate::transport::Transport;

/// A blocking Stripe client: a [`Config`](stripe_core::Config), one session (seed, telemetry memory) and a
/// [`Transport`]. Cloning shares the session and, for the drivers' transports, the connection
/// pool.
///
/// `stripe_ureq::Client` is this type over ureq; [`Client::with_transport`] takes yours.
#[derive(Clone)]
pub struct Client<T> {
    transport: T,
    shell: Shell,
}

crate::common::shared_methods!(Client, Transport);

impl<T: Transport> Client<T> {
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

    /// Every object of the list endpoint `path`, page after page (see [`Pages`]), whatever its
    /// shape: a v1 list (`params` kept on every page; `starting_after` follows the last object
    /// while `has_more`; given `ending_before`, the walk goes the other way), a v1 Search
    /// (`page` follows `next_page`) or a v2 list (its `next_page_url` followed). Nothing is
    /// sent until the iterator is advanced.
    pub fn list<P: Serialize + ?Sized>(&self, path: &str, params: &P) -> Pages<'_, T> {
        Pages::new(self, path, params)
    }

    /// The full event of a thin notification: `GET /v2/core/events/{id}`, sent with the
    /// notification's context as `Stripe-Context` (feature `webhook`).
    #[cfg(feature = "webhook")]
    pub fn fetch_event(
        &self,
        notification: &stripe_core::webhook::EventNotification,
    ) -> Result<Response, Error> {
        self.send(crate::events::request(&notification.fetch_event())?)
    }

    /// The object a thin notification is about: a GET of its `related_object.url`, in the
    /// notification's context; `None` (nothing sent) when it has none (feature `webhook`).
    #[cfg(feature = "webhook")]
    pub fn fetch_related_object(
        &self,
        notification: &stripe_core::webhook::EventNotification,
    ) -> Result<Option<Response>, Error> {
        notification
            .fetch_related_object()
            .map(|fetch| self.send(crate::events::request(&fetch)?))
            .transpose()
    }

    /// Makes the call `request` to its end: attempts, sleeps between them, the outcome.
    pub fn send(&self, request: Request) -> Result<Response, Error> {
        self.prepare(request)?.run()
    }

    /// Uploads a file ([`Request::upload`]) to the files base: its body `multipart/form-data`,
    /// the file's bytes read from `source` as they are sent (never all in memory, unless the
    /// source is bytes), under one idempotency key for every attempt. A retry reads the source
    /// again ([`Source`] says how); one that can be read once is never retried. A source that
    /// fails or gives fewer or more bytes than its length ends the call at once as
    /// [`TransportError::Body`](stripe_core::TransportError::Body): nothing cut short is sent
    /// whole. The answer is the file object, as any POST's.
    ///
    /// To persist the key first, set your own with
    /// [`Request::with_idempotency_key`]: an upload is not [`prepare`](Client::prepare)d.
    pub fn upload(&self, request: Request, source: Source) -> Result<Response, Error> {
        let request =
            crate::files::upload_request(request, source.file_len(), source.is_single_use())?;
        let first = self
            .shell
            .start(request, self.transport.now(), self.transport.wall())?;
        crate::files::run(&self.shell, &self.transport, first, Some(source), None)
    }

    /// Sends `request`, a GET (say, [`Request::file_contents`] of a file), and writes its 2xx body to
    /// `to` as it comes, a chunk at a time, never all in memory; bounded by the request's
    /// [`with_max_body_bytes`](Request::with_max_body_bytes), or the configuration's: past it
    /// the call ends as [`ErrorKind::ResponseTooLarge`](stripe_core::ErrorKind::ResponseTooLarge)
    /// (the writer then holds at most the bound). Another answer (4xx, 5xx) is read and
    /// retried as any; a retry is made only while nothing is written: after that, a failure
    /// ends the call as [`TransportError::Body`](stripe_core::TransportError::Body) (the writer
    /// holds part of the file). The [`Response`]'s own body is then empty.
    pub fn download(&self, request: Request, to: &mut dyn Write) -> Result<Response, Error> {
        let request = crate::files::download_request(request)?;
        let first = self
            .shell
            .start(request, self.transport.now(), self.transport.wall())?;
        crate::files::run(&self.shell, &self.transport, first, None, Some(to))
    }

    /// Drives a prepared call to its end.
    pub(crate) fn run(&self, prepared: Prepared<'_, Self>) -> Result<Response, Error> {
        let (mut drive, mut step) = self.shell.drive(prepared.into_call());
        loop {
            step = match step {
                Step::Send(attempt) => {
                    let result = self.transport.send(attempt);
                    drive.sent(self.transport.now(), result)
                }
                Step::Sleep(until) => {
                    self.transport.sleep_until(until);
                    drive.woke(self.transport.now())
                }
                Step::SendStreamed(..) => return Err(crate::files::without_source()),
                Step::Return(result) => return result,
            };
        }
    }
}
