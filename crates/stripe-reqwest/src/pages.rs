//! Auto-pagination of Stripe list endpoints: every object of every page, each page one call
//! through the core, so retries, backoff and advice apply to each page.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde::Serialize;
use serde_json::Value;
use stripe_core::Response;
use stripe_core::list::ListWalk;

use futures_core::{FusedStream, Stream};

use crate::{Client, Error};

/// A page being fetched.
type PageFuture<'a> = Pin<Box<dyn Future<Output = Result<Response, Error>> + Send + 'a>>;

/// Every object of a Stripe list, page after page: a [`Stream`] of
/// `Result<serde_json::Value, Error>` from [`Client::list`].
///
/// Each page is fetched when the objects of the previous one are used up, as one call through
/// the core (its retries apply). After an error (yielded once) the stream ends. Dropping the
/// stream mid-page abandons that page's call (GETs have no side effect).
#[must_use = "a stream does nothing until it is polled"]
pub struct Pages<'a> {
    client: &'a Client,
    walk: ListWalk,
    buffer: VecDeque<Value>,
    pending: Option<Error>,
    in_flight: Option<PageFuture<'a>>,
}

impl fmt::Debug for Pages<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("cursor", &self.walk.cursor())
            .field("pages", &self.walk.pages())
            .field("buffered", &self.buffer.len())
            .field("in_flight", &self.in_flight.is_some())
            .field("done", &self.walk.is_done())
            .finish_non_exhaustive()
    }
}

impl<'a> Pages<'a> {
    pub(crate) fn new<T: Serialize + ?Sized>(client: &'a Client, path: &str, params: &T) -> Self {
        let (walk, pending) = match ListWalk::new(path, params) {
            Ok(walk) => (walk, None),
            Err(e) => (ListWalk::over(), Some(Error::Request(e))),
        };
        Self {
            client,
            walk,
            buffer: VecDeque::new(),
            pending,
            in_flight: None,
        }
    }

    /// Pages received so far.
    pub fn pages(&self) -> u32 {
        self.walk.pages()
    }

    /// The id the next page starts after (`ending_before` when walking backward); after an
    /// error, the cursor of the page that failed, to resume from.
    pub fn cursor(&self) -> Option<&str> {
        self.walk.cursor()
    }

    /// The next object, or `None` at the end: the stream's next item without any extra crate
    /// (the same as `StreamExt::next`).
    pub async fn next(&mut self) -> Option<Result<Value, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl Stream for Pages<'_> {
    type Item = Result<Value, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(object) = this.buffer.pop_front() {
                return Poll::Ready(Some(Ok(object)));
            }
            if let Some(e) = this.pending.take() {
                return Poll::Ready(Some(Err(e)));
            }
            if let Some(page) = this.in_flight.as_mut() {
                let Poll::Ready(result) = page.as_mut().poll(cx) else {
                    return Poll::Pending;
                };
                this.in_flight = None;
                match result.and_then(|r| this.walk.absorb(r).map_err(Error::Page)) {
                    Ok(objects) => this.buffer = objects,
                    Err(e) => {
                        this.walk.finish();
                        return Poll::Ready(Some(Err(e)));
                    }
                }
                continue;
            }
            if this.walk.is_done() {
                return Poll::Ready(None);
            }
            let Some(next) = this.walk.next_request() else {
                return Poll::Ready(None);
            };
            match next {
                Ok(request) => this.in_flight = Some(Box::pin(this.client.send(request))),
                Err(e) => {
                    this.walk.finish();
                    return Poll::Ready(Some(Err(Error::Request(e))));
                }
            }
        }
    }
}

impl FusedStream for Pages<'_> {
    fn is_terminated(&self) -> bool {
        self.walk.is_done() && self.buffer.is_empty() && self.pending.is_none()
    }
}
