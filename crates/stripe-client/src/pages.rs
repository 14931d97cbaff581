//! Auto-pagination of Stripe list endpoints, written once: [`Pages`] (an `Iterator`, blocking)
//! and [`AsyncPages`] (a `Stream`) share the walk (`stripe_core::list::ListWalk`: v1 lists,
//! v1 Search, v2 lists); each page is one call through the core, so retries, backoff and
//! advice apply to each page.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::iter::FusedIterator;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::{FusedStream, Stream};
use serde::Serialize;
use serde_json::Value;
use stripe_core::list::ListWalk;
use stripe_core::{Error, Request, Response};

use crate::{AsyncClient, AsyncTransport, Client, Transport};

/// The walk and what it holds between pages.
struct Walk {
    walk: Option<ListWalk>,
    buffer: VecDeque<Value>,
    pending: Option<Error>,
}

enum Next {
    Item(Result<Value, Error>),
    Fetch(Box<Request>),
    End,
}

impl Walk {
    fn new<P: Serialize + ?Sized>(path: &str, params: &P) -> Self {
        let (walk, pending) = match ListWalk::new(path, params) {
            Ok(walk) => (Some(walk), None),
            Err(e) => (None, Some(Error::from(e))),
        };
        Self {
            walk,
            buffer: VecDeque::new(),
            pending,
        }
    }

    fn next(&mut self) -> Next {
        if let Some(object) = self.buffer.pop_front() {
            return Next::Item(Ok(object));
        }
        if let Some(e) = self.pending.take() {
            return Next::Item(Err(e));
        }
        match self.walk.as_ref().and_then(ListWalk::next_request) {
            Some(Ok(request)) => Next::Fetch(Box::new(request)),
            Some(Err(e)) => {
                self.walk = None;
                Next::Item(Err(Error::from(e)))
            }
            None => Next::End,
        }
    }

    fn absorb(&mut self, page: Result<Response, Error>) {
        let Some(walk) = self.walk.as_mut() else {
            return;
        };
        match page.and_then(|response| walk.absorb(response)) {
            Ok(objects) => self.buffer = objects,
            Err(e) => {
                walk.finish();
                self.pending = Some(e);
            }
        }
    }

    fn cap(&mut self, max_pages: u32) {
        self.walk = self.walk.take().map(|w| w.with_max_pages(max_pages));
    }

    fn is_over(&self) -> bool {
        self.walk.as_ref().is_none_or(ListWalk::is_done)
            && self.buffer.is_empty()
            && self.pending.is_none()
    }
}

impl fmt::Debug for Walk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("cursor", &self.walk.as_ref().and_then(ListWalk::cursor))
            .field("pages", &self.walk.as_ref().map_or(0, ListWalk::pages))
            .field("buffered", &self.buffer.len())
            .finish_non_exhaustive()
    }
}

/// The methods both kinds of pages share.
macro_rules! walk_methods {
    ($pages:ident) => {
        impl<T> fmt::Debug for $pages<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.walk.fmt(f)
            }
        }

        impl<T> $pages<'_, T> {
            /// The same walk fetching at most `max_pages` pages (default
            /// [`DEFAULT_MAX_PAGES`](stripe_core::list::DEFAULT_MAX_PAGES)); a longer list ends
            /// with a [`PageProblem::TooManyPages`](stripe_core::list::PageProblem::TooManyPages)
            /// error whose cursor resumes it. A cursor seen twice always ends the walk.
            pub fn with_max_pages(mut self, max_pages: u32) -> Self {
                self.walk.cap(max_pages);
                self
            }

            /// Pages received so far.
            pub fn pages(&self) -> u32 {
                self.walk.walk.as_ref().map_or(0, ListWalk::pages)
            }
        }
    };
}

/// Every object of a Stripe list, page after page: an [`Iterator`] of
/// `Result<serde_json::Value, Error>` from [`Client::list`].
///
/// Each page is fetched when the objects of the previous one are used up. After an error
/// (yielded once: an invalid request, a failed call, or a page that is not a usable list,
/// [`ErrorKind::Page`](stripe_core::ErrorKind::Page)) the iterator ends.
#[must_use = "an iterator does nothing until it is advanced"]
pub struct Pages<'a, T> {
    client: &'a Client<T>,
    walk: Walk,
}

impl<'a, T: Transport> Pages<'a, T> {
    pub(crate) fn new<P: Serialize + ?Sized>(
        client: &'a Client<T>,
        path: &str,
        params: &P,
    ) -> Self {
        Self {
            client,
            walk: Walk::new(path, params),
        }
    }
}

walk_methods!(Pages);

impl<T: Transport> Iterator for Pages<'_, T> {
    type Item = Result<Value, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.walk.next() {
                Next::Item(item) => return Some(item),
                Next::End => return None,
                Next::Fetch(request) => self.walk.absorb(self.client.send(*request)),
            }
        }
    }
}

impl<T: Transport> FusedIterator for Pages<'_, T> {}

/// A page being fetched.
type PageFuture<'a> = Pin<Box<dyn Future<Output = Result<Response, Error>> + Send + 'a>>;

/// Every object of a Stripe list, page after page: a [`Stream`] of
/// `Result<serde_json::Value, Error>` from [`AsyncClient::list`]. Dropping it mid-page abandons
/// that page's call (GETs have no side effect).
#[must_use = "a stream does nothing until it is polled"]
pub struct AsyncPages<'a, T> {
    client: &'a AsyncClient<T>,
    walk: Walk,
    in_flight: Option<PageFuture<'a>>,
}

impl<'a, T: AsyncTransport> AsyncPages<'a, T> {
    pub(crate) fn new<P: Serialize + ?Sized>(
        client: &'a AsyncClient<T>,
        path: &str,
        params: &P,
    ) -> Self {
        Self {
            client,
            walk: Walk::new(path, params),
            in_flight: None,
        }
    }

    /// The next object, or `None` at the end: the stream's next item without any extra crate
    /// (the same as `StreamExt::next`).
    pub async fn next(&mut self) -> Option<Result<Value, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

walk_methods!(AsyncPages);

impl<T: AsyncTransport> Stream for AsyncPages<'_, T> {
    type Item = Result<Value, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(page) = this.in_flight.as_mut() {
                let Poll::Ready(result) = page.as_mut().poll(cx) else {
                    return Poll::Pending;
                };
                this.in_flight = None;
                this.walk.absorb(result);
            }
            match this.walk.next() {
                Next::Item(item) => return Poll::Ready(Some(item)),
                Next::End => return Poll::Ready(None),
                Next::Fetch(request) => {
                    this.in_flight = Some(Box::pin(this.client.send(*request)));
                }
            }
        }
    }
}

impl<T: AsyncTransport> FusedStream for AsyncPages<'_, T> {
    fn is_terminated(&self) -> bool {
        self.in_flight.is_none() && self.walk.is_over()
    }
}
