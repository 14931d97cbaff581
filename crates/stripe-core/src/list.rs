//! Walking a Stripe list endpoint page by page (`has_more` + `starting_after`), without I/O.
//! The adapters wrap it in an `Iterator` (blocking) and a `Stream` (async).

use std::collections::VecDeque;
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
    /// `has_more` is true but the page gives no new cursor: no objects, an edge object without
    /// an `id`, or the same cursor as before (which would loop forever).
    NoCursor,
}

impl fmt::Display for PageProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Status => "answered with a status other than 2xx",
            Self::NotAList => "not a Stripe list object",
            Self::NoCursor => "says has_more but gives no new cursor to continue from",
        })
    }
}

/// The walk through a list, without I/O: which request comes next, and what a page says.
///
/// A driver loops: [`ListWalk::next_request`] gives the request of the next page (through a
/// [`Call`](crate::Call), so retries apply), [`ListWalk::absorb`] reads its response and gives
/// its objects in walking order, until [`ListWalk::is_done`].
///
/// ```
/// use stripe_core::list::ListWalk;
/// let walk = ListWalk::new("/v1/customers", &[("limit", "10")])?;
/// let first = walk.next_request().expect("a first page")?;
/// assert_eq!(first.path(), "/v1/customers?limit=10");
/// # Ok::<(), stripe_core::RequestError>(())
/// ```
#[derive(Debug, Default, Clone)]
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
    /// is not a 2xx list (or gives no new cursor) ends the walk with an [`Error`] of kind
    /// [`ErrorKind::Page`](crate::ErrorKind::Page), which holds the page's whole response, its
    /// number and the cursor to resume from.
    pub fn absorb(&mut self, response: Response) -> Result<VecDeque<Value>, Error> {
        self.pages = self.pages.saturating_add(1);
        let problem = if response.is_success() {
            self.next_cursor(&response)
        } else {
            Err(PageProblem::Status)
        };
        let next = match problem {
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
            Some(id) => self.cursor = Some(id),
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
