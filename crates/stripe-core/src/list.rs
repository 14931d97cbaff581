//! Walking a Stripe list endpoint page by page (`has_more` + `starting_after`), without I/O.
//! The adapters wrap it in an `Iterator` (blocking) and a `Stream` (async).

use std::collections::{HashSet, VecDeque};
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::{Advice, Error, ErrorKind, Method, Request, RequestError, Response};

/// Why a page of a list could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageProblem {
    /// The page was answered with a status other than 2xx; Stripe's error object, if any, is in
    /// the error's [`response`](crate::Error::response).
    Status,
    /// The 2xx body is not a Stripe list object
    /// (`{"object": "list", "data": [...], "has_more": bool}`).
    NotAList,
    /// `has_more` is true but the page gives no cursor: no objects, or an edge object without
    /// an `id`.
    NoCursor,
    /// `has_more` is true but the page's cursor was already seen in this walk (the starting
    /// cursor included): following it would fetch the same pages forever.
    CursorRepeated,
    /// `has_more` is true on the last page the walk may fetch ([`ListWalk::with_max_pages`]).
    TooManyPages,
}

/// The most pages a walk fetches unless told otherwise ([`ListWalk::with_max_pages`]).
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

impl fmt::Display for PageProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Status => "answered with a status other than 2xx",
            Self::NotAList => "not a Stripe list object",
            Self::NoCursor => "says has_more but gives no cursor to continue from",
            Self::CursorRepeated => {
                "says has_more but its cursor was already seen in this walk: the list loops"
            }
            Self::TooManyPages => {
                "says has_more on the last page the walk may fetch (the page cap)"
            }
        })
    }
}

/// The walk through a list, without I/O: which request comes next, and what a page says.
///
/// A driver loops: [`ListWalk::next_request`] gives the request of the next page (through a
/// [`Call`](crate::Call), so retries apply), [`ListWalk::absorb`] reads its response and gives
/// its objects in walking order, until [`ListWalk::is_done`].
///
/// A walk always ends: a page whose cursor was already seen ends it with
/// [`PageProblem::CursorRepeated`], and it fetches at most [`ListWalk::max_pages`] pages
/// ([`DEFAULT_MAX_PAGES`] unless set by [`ListWalk::with_max_pages`]).
///
/// ```
/// use stripe_core::list::ListWalk;
/// let walk = ListWalk::new("/v1/customers", &[("limit", "10")])?;
/// let first = walk.next_request().expect("a first page")?;
/// assert_eq!(first.path(), "/v1/customers?limit=10");
/// # Ok::<(), stripe_core::RequestError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ListWalk {
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
    /// Every cursor of this walk so far, the starting one included.
    seen: HashSet<String>,
    /// The most pages to fetch.
    max_pages: u32,
}

impl Default for ListWalk {
    fn default() -> Self {
        Self {
            path: String::new(),
            first_query: String::new(),
            rest_query: String::new(),
            backward: false,
            cursor: None,
            pages: 0,
            done: false,
            seen: HashSet::new(),
            max_pages: DEFAULT_MAX_PAGES,
        }
    }
}

impl ListWalk {
    /// A walk over the list at `path` with `params` (kept on every page). A `starting_after`
    /// starts the walk there; an `ending_before` walks towards newer objects, as Stripe's SDKs do.
    pub fn new<T: Serialize + ?Sized>(path: &str, params: &T) -> Result<Self, RequestError> {
        Request::get(path)?;
        let (base, path_query) = path.split_once('?').unwrap_or((path, ""));
        let encoded = crate::params::encode(params)?;
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
        let (start, rest): (Vec<&str>, Vec<&str>) =
            pairs.iter().partition(|p| name(p) == cursor_name);
        let seen = form_urlencoded::parse(start.join("&").as_bytes())
            .map(|(_, id)| id.into_owned())
            .collect();
        Ok(Self {
            path: base.to_owned(),
            first_query: pairs.join("&"),
            rest_query: rest.join("&"),
            backward,
            seen,
            ..Self::default()
        })
    }

    /// The same walk fetching at most `max_pages` pages (at least 1): a list with more ends
    /// with [`PageProblem::TooManyPages`] on the last page allowed, whose cursor resumes it.
    #[must_use]
    pub fn with_max_pages(mut self, max_pages: u32) -> Self {
        self.max_pages = max_pages.max(1);
        self
    }

    /// The most pages this walk fetches.
    pub fn max_pages(&self) -> u32 {
        self.max_pages
    }

    fn cursor_name(&self) -> &'static str {
        if self.backward {
            "ending_before"
        } else {
            "starting_after"
        }
    }

    /// Pages received so far.
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// The id the next page starts after (`ending_before` when walking backward); after an
    /// error, the cursor of the page that failed, to resume from.
    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    /// Whether there is no page left to ask for.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Ends the walk (after a failed page).
    pub fn finish(&mut self) {
        self.done = true;
    }

    /// The request for the next page, or `None` when the walk is over.
    pub fn next_request(&self) -> Option<Result<Request, RequestError>> {
        (!self.done).then(|| self.request())
    }

    fn request(&self) -> Result<Request, RequestError> {
        let request = Request::get(&self.path)?;
        match &self.cursor {
            None => request.with_encoded_params(&self.first_query),
            Some(id) => request
                .with_encoded_params(&self.rest_query)?
                .with_params(&[(self.cursor_name(), id.as_str())]),
        }
    }

    /// Reads a page: its objects in walking order, and where the next page starts. A page that
    /// is not a 2xx list (or gives no new cursor, a cursor seen before, or passes the page cap)
    /// ends the walk with an [`Error`] of kind [`ErrorKind::Page`],
    /// which holds the page's whole response, its number and the cursor to resume from.
    pub fn absorb(&mut self, response: Response) -> Result<VecDeque<Value>, Error> {
        self.pages = self.pages.saturating_add(1);
        let next = if response.is_success() {
            self.next_cursor(&response)
        } else {
            Err(PageProblem::Status)
        }
        .and_then(|next| match next {
            Some(id) if self.seen.contains(&id) => Err(PageProblem::CursorRepeated),
            Some(_) if self.pages >= self.max_pages => Err(PageProblem::TooManyPages),
            next => Ok(next),
        });
        let next = match next {
            Ok(next) => next,
            Err(problem) => {
                self.done = true;
                let advice = Advice::for_status(Method::Get, response.status());
                return Err(Error::new(ErrorKind::Page(problem), advice)
                    .with_call(None, response.attempts())
                    .with_page(self.pages, self.cursor.clone())
                    .with_response(Some(response)));
            }
        };
        match next {
            Some(id) => {
                self.seen.insert(id.clone());
                self.cursor = Some(id);
            }
            None => self.done = true,
        }
        let mut data = match response.json.into_inner().flatten() {
            Some(mut v) => match v.get_mut("data").map(Value::take) {
                Some(Value::Array(data)) => data,
                _ => Vec::new(),
            },
            None => Vec::new(),
        };
        if self.backward {
            data.reverse();
        }
        Ok(data.into())
    }

    /// The edge id of a 2xx list page that says `has_more` (`None`: this is the last page).
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
            Some(id) => Ok(Some(id.to_owned())),
            None => Err(PageProblem::NoCursor),
        }
    }
}
