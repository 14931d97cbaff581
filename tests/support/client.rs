//! [`Client`]: one blocking face over both drivers. Blocking calls go straight to
//! `stripe-ureq`; async ones run to their end on the client's own Tokio runtime with
//! `block_on`, which polls the call on the calling thread (so a thread-local tracing subscriber
//! sees its events).

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use stripe_core::{Error, IdempotencyKey, Request, Response, RetryNotice};
use tokio::runtime::Runtime;

use super::Adapter;
use super::files::FileSource;

/// A client of one adapter.
pub struct Client {
    adapter: Adapter,
    flavour: Flavour,
}

enum Flavour {
    Ureq(stripe_ureq::Client),
    Reqwest {
        client: stripe_reqwest::Client,
        runtime: Runtime,
    },
}

impl fmt::Debug for Client {
    /// The driver client's own Debug.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.flavour {
            Flavour::Ureq(client) => client.fmt(f),
            Flavour::Reqwest { client, .. } => client.fmt(f),
        }
    }
}

impl Client {
    pub(super) fn ureq(adapter: Adapter, client: stripe_ureq::Client) -> Self {
        Self {
            adapter,
            flavour: Flavour::Ureq(client),
        }
    }

    pub(super) fn reqwest(
        adapter: Adapter,
        client: stripe_reqwest::Client,
        runtime: Runtime,
    ) -> Self {
        Self {
            adapter,
            flavour: Flavour::Reqwest { client, runtime },
        }
    }

    /// The adapter.
    pub fn adapter(&self) -> Adapter {
        self.adapter
    }

    /// The adapter's name, for messages.
    pub fn name(&self) -> &'static str {
        self.adapter.name()
    }

    /// The same client, calling `hook` before each retry's sleep.
    #[must_use]
    pub fn with_retry_hook(self, hook: impl Fn(&RetryNotice) + Send + Sync + 'static) -> Self {
        let flavour = match self.flavour {
            Flavour::Ureq(client) => Flavour::Ureq(client.with_retry_hook(hook)),
            Flavour::Reqwest { client, runtime } => Flavour::Reqwest {
                client: client.with_retry_hook(hook),
                runtime,
            },
        };
        Self { flavour, ..self }
    }

    /// One logical call.
    pub fn send(&self, request: Request) -> Result<Response, Error> {
        match &self.flavour {
            Flavour::Ureq(client) => client.send(request),
            Flavour::Reqwest { client, runtime } => runtime.block_on(client.send(request)),
        }
    }

    /// `client.get(path)`.
    pub fn get(&self, path: &str) -> Result<Response, Error> {
        match &self.flavour {
            Flavour::Ureq(client) => client.get(path),
            Flavour::Reqwest { client, runtime } => runtime.block_on(client.get(path)),
        }
    }

    /// `client.post(path, params)`.
    pub fn post<P: Serialize + ?Sized>(&self, path: &str, params: &P) -> Result<Response, Error> {
        match &self.flavour {
            Flavour::Ureq(client) => client.post(path, params),
            Flavour::Reqwest { client, runtime } => runtime.block_on(client.post(path, params)),
        }
    }

    /// `client.delete(path)`.
    pub fn delete(&self, path: &str) -> Result<Response, Error> {
        match &self.flavour {
            Flavour::Ureq(client) => client.delete(path),
            Flavour::Reqwest { client, runtime } => runtime.block_on(client.delete(path)),
        }
    }

    /// `upload(request, source)`.
    pub fn upload(&self, request: Request, source: &FileSource) -> Result<Response, Error> {
        match &self.flavour {
            Flavour::Ureq(client) => client.upload(request, source.blocking()),
            Flavour::Reqwest { client, runtime } => {
                runtime.block_on(client.upload(request, source.nonblocking()))
            }
        }
    }

    /// `download(request, to)`.
    pub fn download(&self, request: Request, to: &mut Vec<u8>) -> Result<Response, Error> {
        match &self.flavour {
            Flavour::Ureq(client) => client.download(request, to),
            Flavour::Reqwest { client, runtime } => runtime.block_on(client.download(request, to)),
        }
    }

    /// `prepare`, hand the key to `before_run` (nothing sent yet), then `run`.
    pub fn send_prepared(
        &self,
        request: Request,
        before_run: impl FnOnce(Option<&IdempotencyKey>),
    ) -> Result<Response, Error> {
        match &self.flavour {
            Flavour::Ureq(client) => {
                let prepared = client.prepare(request)?;
                before_run(prepared.idempotency_key());
                prepared.run()
            }
            Flavour::Reqwest { client, runtime } => {
                let prepared = client.prepare(request)?;
                before_run(prepared.idempotency_key());
                runtime.block_on(prepared.run())
            }
        }
    }

    /// `prepare` only, never run: the key and the prepared call's Debug.
    pub fn prepare_only(
        &self,
        request: Request,
    ) -> Result<(Option<IdempotencyKey>, String), Error> {
        let seen = |key: Option<&IdempotencyKey>, debug: String| (key.cloned(), debug);
        Ok(match &self.flavour {
            Flavour::Ureq(client) => {
                let prepared = client.prepare(request)?;
                seen(prepared.idempotency_key(), format!("{prepared:?}"))
            }
            Flavour::Reqwest { client, .. } => {
                let prepared = client.prepare(request)?;
                seen(prepared.idempotency_key(), format!("{prepared:?}"))
            }
        })
    }

    /// Two calls at once, the second started `stagger` after the first.
    pub fn send_both(
        &self,
        first: Request,
        second: Request,
        stagger: Duration,
    ) -> (Result<Response, Error>, Result<Response, Error>) {
        match &self.flavour {
            Flavour::Ureq(client) => std::thread::scope(|s| {
                let a = s.spawn(|| client.send(first));
                std::thread::sleep(stagger);
                let b = s.spawn(|| client.send(second));
                (
                    a.join().expect("first call panicked"),
                    b.join().expect("second call panicked"),
                )
            }),
            Flavour::Reqwest { client, runtime } => runtime.block_on(async {
                let a = client.send(first);
                let b = async {
                    tokio::time::sleep(stagger).await;
                    client.send(second).await
                };
                tokio::join!(a, b)
            }),
        }
    }

    /// Every object of the list `path`, page after page.
    pub fn list<P: Serialize + ?Sized>(&self, path: &str, params: &P) -> Pages<'_> {
        match &self.flavour {
            Flavour::Ureq(client) => Pages::Ureq(client.list(path, params)),
            Flavour::Reqwest { client, runtime } => {
                Pages::Reqwest(runtime, client.list(path, params))
            }
        }
    }

    /// Sends and expects a response (any status).
    pub fn expect_response(&self, request: Request) -> Response {
        match self.send(request) {
            Ok(response) => response,
            Err(e) => panic!("[{}] expected a response, got the error {e}", self.name()),
        }
    }

    /// Sends and expects an error.
    pub fn expect_error(&self, request: Request) -> Error {
        match self.send(request) {
            Ok(response) => panic!(
                "[{}] expected an error, got {} {:?}",
                self.name(),
                response.status(),
                response.bytes()
            ),
            Err(e) => e,
        }
    }
}

/// The objects of a list, as an iterator over either driver's pages.
pub enum Pages<'a> {
    /// `stripe-ureq`'s iterator.
    Ureq(stripe_ureq::Pages<'a>),
    /// `stripe-reqwest`'s stream, polled on the client's runtime.
    Reqwest(&'a Runtime, stripe_reqwest::Pages<'a>),
}

impl Pages<'_> {
    /// Pages received so far.
    pub fn pages(&self) -> u32 {
        match self {
            Self::Ureq(pages) => pages.pages(),
            Self::Reqwest(_, pages) => pages.pages(),
        }
    }
}

impl Iterator for Pages<'_> {
    type Item = Result<Value, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Ureq(pages) => pages.next(),
            Self::Reqwest(runtime, pages) => runtime.block_on(pages.next()),
        }
    }
}
