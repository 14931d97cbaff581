//! Walking a Stripe list page by page, without I/O, whatever its shape: a v1 list (`has_more`,
//! then `starting_after` the last id), a v1 Search (`has_more`, then `page` = `next_page`) and
//! a v2 list (`next_page_url`, followed while it is not `null`). The adapters wrap it in an
//! `Iterator` (blocking) and a `Stream` (async).

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
    /// The 2xx body is none of Stripe's list shapes: a v1 list
    /// (`{"object": "list", "data": [...], "has_more": bool}`), a v1 Search result
    /// (`{"object": "search_result", "data": [...], "has_more": bool, "next_page": ...}`) or a
    /// v2 list (`{"data": [...], "next_page_url": ...}`).
    NotAList,
    /// `has_more` is true but the page gives no cursor: no objects, or an edge object without
    /// an `id` (a list); no `next_page` (a Search); or a v2 `next_page_url` that is not a
    /// relative Stripe path (it is never followed elsewhere, the key with it).
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

/// Which of Stripe's list shapes a walk met, read from its first page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `object: list`: the next page starts after the last id.
    List,
    /// `object: search_result`: the next page is `page=<next_page>`.
    Search,
    /// A v2 list: the next page is its `next_page_url`.
    V2,
}

/// The walk through a list, without I/O: which request comes next, and what a page says.
///
/// A driver loops: [`ListWalk::next_request`] gives the request of the next page (through a
/// [`Call`](crate::Call), so retries apply), [`ListWalk::absorb`] reads its response and gives
/// its objects in walking order, until [`ListWalk::is_done`].
///
/// Every list shape is walked the same way, told apart by its pages: a v1 list (`has_more`,
/// `starting_after`), a v1 Search (`next_page`, sent back as `page`) and a v2 list
/// (`next_page_url`). A walk always ends: a page whose cursor (an id, a page token, a next
/// page's URL) was already seen ends it with [`PageProblem::CursorRepeated`], and it fetches
/// at most [`ListWalk::max_pages`] pages ([`DEFAULT_MAX_PAGES`] unless set by
/// [`ListWalk::with_max_pages`]).
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
    /// The params of the first page, one `name=value` each, to repeat on a v1 list's or a
    /// Search's next pages (without their cursor param).
    pairs: Vec<String>,
    /// `ending_before` was given: walk towards newer objects (a v1 list).
    backward: bool,
    /// The shape the first page showed.
    shape: Option<Shape>,
    /// Where the next page starts: the id it starts after (or before, walking backward), a
    /// Search's page token, or a v2 next page's URL.
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
            pairs: Vec::new(),
            backward: false,
            shape: None,
            cursor: None,
            pages: 0,
            done: false,
            seen: HashSet::new(),
            max_pages: DEFAULT_MAX_PAGES,
        }
    }
}

impl ListWalk {
    /// A walk over the list at `path` with `params` (kept on every page of a v1 list or a
    /// Search; a v2 list's `next_page_url` carries its own). A `starting_after` starts a v1
    /// list there; an `ending_before` walks it towards newer objects, as Stripe's SDKs do; a
    /// `page` starts a Search there.
    pub fn new<T: Serialize + ?Sized>(path: &str, params: &T) -> Result<Self, RequestError> {
        let v1 = Request::get(path)?.namespace() == crate::Namespace::V1;
        let (base, path_query) = path.split_once('?').unwrap_or((path, ""));
        let encoded = crate::params::form(params, v1)?;
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
        let start = pairs
            .iter()
            .filter(|p| matches!(name(p), n if n == cursor_name || n == "page"));
        let seen = form_urlencoded::parse(start.copied().collect::<Vec<_>>().join("&").as_bytes())
            .map(|(_, id)| id.into_owned())
            .collect();
        Ok(Self {
            path: base.to_owned(),
            first_query: pairs.join("&"),
            pairs: pairs.iter().map(|p| (*p).to_owned()).collect(),
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

    /// The param that carries the cursor of a v1 list's or a Search's next page.
    fn cursor_name(&self) -> &'static str {
        match self.shape {
            Some(Shape::Search) => "page",
            _ if self.backward => "ending_before",
            _ => "starting_after",
        }
    }

    /// Pages received so far.
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// Where the next page starts: the id it starts after (`ending_before` when walking
    /// backward), a Search's page token (`page`) or a v2 list's next page URL; after an
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
        match (&self.cursor, self.shape) {
            (None, _) => Request::get(&self.path)?.with_encoded_params(&self.first_query),
            // The URL is a path checked as any request's is: relative, under the API base.
            (Some(url), Some(Shape::V2)) => Request::get(url),
            (Some(cursor), _) => {
                let cursor_name = self.cursor_name();
                let rest: Vec<&str> = (self.pairs.iter())
                    .map(String::as_str)
                    .filter(|p| p.split_once('=').map_or(*p, |(n, _)| n) != cursor_name)
                    .collect();
                Request::get(&self.path)?
                    .with_encoded_params(&rest.join("&"))?
                    .with_params(&[(cursor_name, cursor.as_str())])
            }
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
        if self.backward && self.shape == Some(Shape::List) {
            data.reverse();
        }
        Ok(data.into())
    }

    /// The shape of a 2xx page, and where its next page starts (`None`: this is the last
    /// page). A walk keeps the shape of its first page: a later page of another is no list.
    fn next_cursor(&mut self, response: &Response) -> Result<Option<String>, PageProblem> {
        let list = response.json().ok_or(PageProblem::NotAList)?;
        let data = list
            .get("data")
            .and_then(Value::as_array)
            .ok_or(PageProblem::NotAList)?;
        let has_more = || list.get("has_more").and_then(Value::as_bool);
        let text = |name: &str| list.get(name).and_then(Value::as_str);
        let (shape, next) = match list.get("object").and_then(Value::as_str) {
            Some("list") => {
                let has_more = has_more().ok_or(PageProblem::NotAList)?;
                let edge = if self.backward {
                    data.first()
                } else {
                    data.last()
                };
                let id = edge.and_then(|o| o.get("id")).and_then(Value::as_str);
                (
                    Shape::List,
                    has_more
                        .then_some(id.ok_or(PageProblem::NoCursor))
                        .transpose()?,
                )
            }
            Some("search_result") => {
                let has_more = has_more().ok_or(PageProblem::NotAList)?;
                let page = text("next_page");
                (
                    Shape::Search,
                    has_more
                        .then_some(page.ok_or(PageProblem::NoCursor))
                        .transpose()?,
                )
            }
            // A v2 list has no `object`; its `next_page_url` is there, `null` on the last page.
            None if list.get("next_page_url").is_some() => {
                let url = match list.get("next_page_url") {
                    Some(Value::String(url)) => Some(url.as_str()),
                    Some(Value::Null) => None,
                    _ => return Err(PageProblem::NotAList),
                };
                // Only a relative Stripe path is followed.
                if url.is_some_and(|u| Request::get(u).is_err()) {
                    return Err(PageProblem::NoCursor);
                }
                (Shape::V2, url)
            }
            _ => return Err(PageProblem::NotAList),
        };
        if self.shape.is_some_and(|s| s != shape) {
            return Err(PageProblem::NotAList);
        }
        self.shape = Some(shape);
        Ok(next.map(str::to_owned))
    }
}
