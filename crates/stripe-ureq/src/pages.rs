//! Auto-pagination of Stripe list endpoints: every object of every page, each page one call
//! through the core, so retries, backoff and advice apply to each page.

use std::collections::VecDeque;
use std::fmt;
use std::iter::FusedIterator;

use serde::Serialize;
use serde_json::Value;
use stripe_core::list::ListWalk;

use crate::{Client, Error};

/// Every object of a Stripe list, page after page: an [`Iterator`] of
/// `Result<serde_json::Value, Error>` from [`Client::list`].
///
/// Each page is fetched when the objects of the previous one are used up, as one call through
/// the core (its retries apply). After an error (yielded once) the iterator ends.
#[must_use = "an iterator does nothing until it is advanced"]
pub struct Pages<'a> {
    client: &'a Client,
    walk: ListWalk,
    buffer: VecDeque<Value>,
    pending: Option<Error>,
}

impl fmt::Debug for Pages<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("cursor", &self.walk.cursor())
            .field("pages", &self.walk.pages())
            .field("buffered", &self.buffer.len())
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
}

impl Iterator for Pages<'_> {
    type Item = Result<Value, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(object) = self.buffer.pop_front() {
                return Some(Ok(object));
            }
            if let Some(e) = self.pending.take() {
                return Some(Err(e));
            }
            if self.walk.is_done() {
                return None;
            }
            let page = self
                .walk
                .next_request()?
                .map_err(Error::Request)
                .and_then(|request| self.client.send(request))
                .and_then(|response| self.walk.absorb(response).map_err(Error::Page));
            match page {
                Ok(objects) => self.buffer = objects,
                Err(e) => {
                    self.walk.finish();
                    return Some(Err(e));
                }
            }
        }
    }
}

impl FusedIterator for Pages<'_> {}
