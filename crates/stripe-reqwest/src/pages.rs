//! Auto-pagination of Stripe list endpoints: every object of every page, each page one call
//! through the core, so retries, backoff and advice apply to each page.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use stripe_core::{ApiError, Body, Request, RequestError, Response};

use futures_core::{FusedStream, Stream};

use crate::{Client, Error};

/// Why a page of a list could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageProblem {
    /// The page was answered with a status other than 2xx; Stripe's error object, if any, is
    /// [`PageError::api_error`].
    Status,
    /// The 2xx body is not a Stripe list object
    /// (`{"object": "list", "data": [...], "has_more": bool}`).
    NotAList,
    /// `has_more` is true but the page gives no new cursor: no objects, an edge object without
    /// an `id`, or the same cursor as before (which would loop forever).
    NoCursor,
}

/// A page of a list that could not be used: which page, why, and its whole response (status,
/// headers, `request-id`, body).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PageError {
    /// Why the page could not be used.
    pub problem: PageProblem,
    /// Which page, from 1.
    pub page: u32,
    /// The cursor the page was asked with (`None` for the first page): pass it as
    /// `starting_after` (or `ending_before`) to resume the walk there.
    pub cursor: Option<String>,
    /// The page's response.
    pub response: Response,
}

impl PageError {
    /// The page's status.
    pub fn status(&self) -> StatusCode {
        self.response.status
    }

    /// Stripe's error object (`type`, `code`, `message`, ...), when the body holds one.
    pub fn api_error(&self) -> Option<ApiError> {
        self.response.error()
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (page, status) = (self.page, self.response.status);
        match self.problem {
            PageProblem::Status => {
                write!(f, "page {page} of the list was answered {status}")?;
                if let Some(e) = self.api_error() {
                    write!(f, ": {}", e.kind)?;
                    if let Some(code) = &e.code {
                        write!(f, " ({code})")?;
                    }
                    if let Some(message) = &e.message {
                        write!(f, ": {message}")?;
                    }
                }
                Ok(())
            }
            PageProblem::NotAList => {
                write!(f, "page {page} ({status}) is not a Stripe list object")
            }
            PageProblem::NoCursor => write!(
                f,
                "page {page} says has_more but gives no new cursor to continue from"
            ),
        }
    }
}

impl std::error::Error for PageError {}

/// The walk through a list, without I/O: which request comes next, and what a page says.
#[derive(Debug, Default)]
struct Walk {
    /// The path without its query.
    path: String,
    /// Every param of the first page, pre-encoded.
    first_query: String,
    /// The params of the next pages: the first page's without the cursor param.
    rest_query: String,
    /// `ending_before` was given: walk towards newer objects.
    backward: bool,
    /// The id the next page starts after (or before, walking backward).
    cursor: Option<String>,
    /// Pages received.
    pages: u32,
    /// No more pages to ask for.
    done: bool,
}

impl Walk {
    fn new<T: Serialize + ?Sized>(path: &str, params: &T) -> Result<Self, RequestError> {
        Request::get(path)?;
        let (base, path_query) = path.split_once('?').unwrap_or((path, ""));
        let encoded = stripe_core::params::encode(params)?;
        let pairs: Vec<&str> = path_query
            .split('&')
            .chain(encoded.split('&'))
            .filter(|pair| !pair.is_empty())
            .collect();
        fn name<'p>(pair: &&'p str) -> &'p str {
            pair.split_once('=').map_or(*pair, |(name, _)| name)
        }
        let backward = pairs.iter().any(|p| name(p) == "ending_before")
            && !pairs.iter().any(|p| name(p) == "starting_after");
        let cursor_name = if backward {
            "ending_before"
        } else {
            "starting_after"
        };
        let rest: Vec<&str> = pairs
            .iter()
            .filter(|p| name(p) != cursor_name)
            .copied()
            .collect();
        Ok(Self {
            path: base.to_owned(),
            first_query: pairs.join("&"),
            rest_query: rest.join("&"),
            backward,
            ..Self::default()
        })
    }

    /// A walk that yields nothing more.
    fn over() -> Self {
        Self {
            done: true,
            ..Self::default()
        }
    }

    fn cursor_name(&self) -> &'static str {
        if self.backward {
            "ending_before"
        } else {
            "starting_after"
        }
    }

    /// The request for the next page.
    fn request(&self) -> Result<Request, RequestError> {
        let request = Request::get(&self.path)?;
        match &self.cursor {
            None => request.encoded_params(&self.first_query),
            Some(id) => request
                .encoded_params(&self.rest_query)?
                .params(&[(self.cursor_name(), id.as_str())]),
        }
    }

    /// Reads a page: its objects in walking order, and where the next page starts.
    fn absorb(&mut self, response: Response) -> Result<VecDeque<Value>, Box<PageError>> {
        self.pages = self.pages.saturating_add(1);
        let problem = if response.status.is_success() {
            self.next_cursor(&response)
        } else {
            Err(PageProblem::Status)
        };
        let next = match problem {
            Ok(next) => next,
            Err(problem) => {
                self.done = true;
                return Err(Box::new(PageError {
                    problem,
                    page: self.pages,
                    cursor: self.cursor.clone(),
                    response,
                }));
            }
        };
        match next {
            Some(id) => self.cursor = Some(id),
            None => self.done = true,
        }
        let mut data = match response.body {
            Body::Json(mut v) => match v.get_mut("data").map(Value::take) {
                Some(Value::Array(data)) => data,
                _ => Vec::new(),
            },
            Body::Raw(_) => Vec::new(),
        };
        if self.backward {
            data.reverse();
        }
        Ok(data.into())
    }

    /// The cursor of the page after this one (`None`: this is the last page).
    fn next_cursor(&self, response: &Response) -> Result<Option<String>, PageProblem> {
        let list = response.json().ok_or(PageProblem::NotAList)?;
        let data = list.get("data").and_then(Value::as_array);
        let has_more = list.get("has_more").and_then(Value::as_bool);
        let (Some(data), Some(has_more)) = (data, has_more) else {
            return Err(PageProblem::NotAList);
        };
        if list.get("object").and_then(Value::as_str) != Some("list") {
            return Err(PageProblem::NotAList);
        }
        if !has_more {
            return Ok(None);
        }
        let edge = if self.backward {
            data.first()
        } else {
            data.last()
        };
        match edge.and_then(|o| o.get("id")).and_then(Value::as_str) {
            Some(id) if self.cursor.as_deref() != Some(id) => Ok(Some(id.to_owned())),
            _ => Err(PageProblem::NoCursor),
        }
    }
}

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
    walk: Walk,
    buffer: VecDeque<Value>,
    pending: Option<Error>,
    in_flight: Option<PageFuture<'a>>,
}

impl fmt::Debug for Pages<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("path", &self.walk.path)
            .field("cursor", &self.walk.cursor)
            .field("pages", &self.walk.pages)
            .field("buffered", &self.buffer.len())
            .field("in_flight", &self.in_flight.is_some())
            .field("done", &self.walk.done)
            .finish_non_exhaustive()
    }
}

impl<'a> Pages<'a> {
    pub(crate) fn new<T: Serialize + ?Sized>(client: &'a Client, path: &str, params: &T) -> Self {
        let (walk, pending) = match Walk::new(path, params) {
            Ok(walk) => (walk, None),
            Err(e) => (Walk::over(), Some(Error::Request(e))),
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
        self.walk.pages
    }

    /// The id the next page starts after (`ending_before` when walking backward); after an
    /// error, the cursor of the page that failed, to resume from.
    pub fn cursor(&self) -> Option<&str> {
        self.walk.cursor.as_deref()
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
                        this.walk.done = true;
                        return Poll::Ready(Some(Err(e)));
                    }
                }
                continue;
            }
            if this.walk.done {
                return Poll::Ready(None);
            }
            match this.walk.request() {
                Ok(request) => this.in_flight = Some(Box::pin(this.client.send(request))),
                Err(e) => {
                    this.walk.done = true;
                    return Poll::Ready(Some(Err(Error::Request(e))));
                }
            }
        }
    }
}

impl FusedStream for Pages<'_> {
    fn is_terminated(&self) -> bool {
        self.walk.done && self.buffer.is_empty() && self.pending.is_none()
    }
}
