//! [`Error`]: the one error type a caller matches on. Every outcome that is not an HTTP answer
//! to hand over: invalid input (nothing sent), no response (a body not carried whole
//! included), retries exhausted, deadline, an expired key, a wait too long to honour, a retry a
//! single-use body cannot make, an oversized body, an unusable list page. A POST's error
//! carries its idempotency key to persist.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

use crate::advice::Advice;
use crate::error::RequestError;
use crate::key::IdempotencyKey;
use crate::list::PageProblem;
use crate::response::Response;

/// What a driver reports when an attempt got no response. The driver's own error travels as
/// the [`Error::source`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportError {
    /// The connection could not be made: the request surely never left.
    Connect,
    /// The attempt timed out: the request may have been processed.
    Timeout,
    /// Any other I/O failure after connecting (reset, closed): it may have been processed.
    Io,
    /// The transport refused to build the request (a URL or header its HTTP client cannot
    /// carry): nothing was sent, and no retry would do otherwise. The call fails at once as
    /// [`ErrorKind::InvalidRequest`], the transport's error as its source.
    Refused,
    /// A body could not be carried whole, and the same source or writer again would not make
    /// it whole: an upload's source failed or gave fewer or more bytes than its length (the
    /// request was cut short, so Stripe did not act on it), or a download's writer failed, or
    /// the connection failed after part of the file was written. The call fails at once as
    /// [`ErrorKind::Transport`], the source's, the writer's or the connection's error as its
    /// source; a POST's key inside, safe to send again with a new source.
    Body,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "could not connect",
            Self::Timeout => "timed out",
            Self::Io => "connection failed",
            Self::Refused => "the transport refused to build the request",
            Self::Body => "the body could not be carried whole",
        })
    }
}

impl StdError for TransportError {}

/// Why a call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request was refused before anything existed or was sent (path, params, header
    /// value, key, length); [`Error::source`] is the [`RequestError`]. Or the transport
    /// refused to build it ([`TransportError::Refused`]); the source is then its error.
    InvalidRequest,
    /// The last attempt got no response, and the policy does not retry it or tries ran out.
    /// [`Error::source`] is the transport's own error.
    Transport(TransportError),
    /// Every try was used and the last answer still asked for a retry ([`Error::response`]).
    RetriesExhausted,
    /// The next wait would pass the policy's deadline. `last_transport` is set if the last
    /// attempt got no response; otherwise see [`Error::response`].
    DeadlineExceeded {
        /// The transport error of the last attempt, if it got no response.
        last_transport: Option<TransportError>,
    },
    /// The key is older than Stripe's 24 h: it no longer protects against a duplicate, so the
    /// call was not made (or not retried).
    KeyExpired {
        /// The key's age.
        age: Duration,
    },
    /// The next retry's wait (the backoff, or `Retry-After` up to `retry_after_cap`) cannot be
    /// honoured: a POST's retry would come after its key's 24 h window (the key is still
    /// valid now), or the wake would be beyond what the clock can count. The call ends with
    /// the last answer ([`Error::response`]) or transport error.
    WaitTooLong {
        /// The wait the policy asked for.
        wait: Duration,
    },
    /// The request's body can be sent once only
    /// ([`Request::with_single_use_body`](crate::Request::with_single_use_body): an upload
    /// from a source that cannot be read again), and the last attempt's outcome asked for a
    /// retry, which was not made. `last_transport` is set if that attempt got no response;
    /// otherwise see [`Error::response`]. The key is inside: send again with a new source.
    NotReplayable {
        /// The transport error of the last attempt, if it got no response.
        last_transport: Option<TransportError>,
    },
    /// The response body was larger than the configured cap; status and headers are kept.
    ResponseTooLarge {
        /// The status of the oversized response.
        status: StatusCode,
        /// The cap in bytes.
        limit: usize,
    },
    /// A page of a list could not be used ([`Error::response`] is the page,
    /// [`Error::page_cursor`] where to resume).
    Page(PageProblem),
    /// The driver could not start (no async runtime, no TLS backend): nothing was sent.
    Local,
    /// A custom driver fed an input the call did not expect; nothing more is sent.
    OutOfOrder {
        /// What the call was waiting for.
        expected: &'static str,
    },
}

/// A failed call: why, the key to persist, the attempts made, what to do next, and the cause.
///
/// `Display` says what was wrong and what to do, each cause once in the printed chain: the
/// request problem of invalid input is part of `Display` (`invalid request, nothing sent:
/// path "..": ...; advice: ...`) and never its [`source`](StdError::source); the transport's
/// own error, which this crate does not word, is the `source`.
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    key: Option<IdempotencyKey>,
    attempts: u32,
    advice: Advice,
    response: Option<Response>,
    headers: Option<HeaderMap>,
    page: Option<(u32, Option<String>)>,
    /// What was wrong with invalid input: worded by `Display`, so never the `source`.
    request: Option<RequestError>,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, advice: Advice) -> Self {
        Self(Box::new(Inner {
            kind,
            key: None,
            attempts: 0,
            advice,
            response: None,
            headers: None,
            page: None,
            request: None,
            source: None,
        }))
    }

    /// An error of a driver that could not start (nothing sent), with its cause.
    pub fn local(cause: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self::new(ErrorKind::Local, Advice::Retry).with_source(cause.into())
    }

    pub(crate) fn with_call(mut self, key: Option<IdempotencyKey>, attempts: u32) -> Self {
        self.0.key = key;
        self.0.attempts = attempts;
        self
    }
    pub(crate) fn with_response(mut self, response: Option<Response>) -> Self {
        self.0.response = response;
        self
    }
    pub(crate) fn with_headers(mut self, headers: HeaderMap) -> Self {
        self.0.headers = Some(headers);
        self
    }
    pub(crate) fn with_page(mut self, page: u32, cursor: Option<String>) -> Self {
        self.0.page = Some((page, cursor));
        self
    }

    /// The same error with the transport's own error as its cause; used by the client shell
    /// after a call failed without a response. An error that has a cause already keeps it.
    #[must_use]
    pub fn with_source(mut self, source: Box<dyn StdError + Send + Sync>) -> Self {
        if self.0.source.is_none() {
            self.0.source = Some(source);
        }
        self
    }

    /// Why the call failed.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }
    /// The idempotency key the POST carried: persist it to resume safely (`None` for GET,
    /// DELETE and requests refused before a key existed).
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.0.key.as_ref()
    }
    /// Attempts made (0: nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }
    /// What to do next.
    pub fn advice(&self) -> Advice {
        self.0.advice
    }
    /// The last HTTP answer, when there was one (exhausted retries, deadline after a response,
    /// an unusable list page).
    pub fn response(&self) -> Option<&Response> {
        self.0.response.as_ref()
    }
    /// The status and headers of an oversized response.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.0.headers.as_ref()
    }
    /// For [`ErrorKind::Page`]: which page failed (from 1).
    pub fn page(&self) -> Option<u32> {
        self.0.page.as_ref().map(|(n, _)| *n)
    }
    /// For [`ErrorKind::Page`]: the cursor the failed page was asked with, to resume the walk
    /// there: an id (pass it as `starting_after`, or `ending_before`), a Search's page token
    /// (`page`), or a v2 list's next page URL (list from it).
    pub fn page_cursor(&self) -> Option<&str> {
        self.0.page.as_ref().and_then(|(_, c)| c.as_deref())
    }
    /// For [`ErrorKind::InvalidRequest`]: what was wrong.
    pub fn request_error(&self) -> Option<&RequestError> {
        self.0.request.as_ref()
    }
    /// Whether nothing was sent (invalid input, an expired key, a driver that could not start).
    pub fn nothing_sent(&self) -> bool {
        self.0.attempts == 0
    }
}

impl From<RequestError> for Error {
    fn from(e: RequestError) -> Self {
        let mut error = Self::new(ErrorKind::InvalidRequest, Advice::FixRequest);
        error.0.request = Some(e);
        error
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("idempotency_key", &self.0.key)
            .field("attempts", &self.0.attempts)
            .field("advice", &self.0.advice)
            .field("status", &self.0.response.as_ref().map(Response::status))
            .field("request_error", &self.0.request)
            .field("source", &self.0.source)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last_status = self.0.response.as_ref().map(|r| r.status().as_u16());
        match &self.0.kind {
            ErrorKind::InvalidRequest if self.0.attempts == 0 => {
                f.write_str("invalid request, nothing sent")?;
                if let Some(problem) = &self.0.request {
                    write!(f, ": {problem}")?;
                }
                if let Some(key) = &self.0.key {
                    write!(f, "; idempotency key {key}")?;
                }
                return write!(f, "; advice: {}", self.0.advice);
            }
            ErrorKind::InvalidRequest => f.write_str("the transport refused the request")?,
            ErrorKind::Local => return f.write_str("the driver could not start, nothing sent"),
            ErrorKind::Transport(_) => f.write_str("no response from Stripe")?,
            ErrorKind::RetriesExhausted => f.write_str("retries exhausted")?,
            ErrorKind::DeadlineExceeded { .. } => f.write_str("deadline exceeded")?,
            ErrorKind::NotReplayable { .. } => {
                f.write_str("not retried: the upload's source can be read once only, and was read")?
            }
            ErrorKind::KeyExpired { age } => write!(
                f,
                "idempotency key is {} h old, past Stripe's 24 h",
                age.as_secs() / 3600
            )?,
            ErrorKind::WaitTooLong { wait } => {
                write!(f, "the next retry would wait {} s", wait.as_secs())?;
                f.write_str(if self.0.key.is_some() {
                    ", past the idempotency key's 24 h window"
                } else {
                    ", longer than the clock can count"
                })?;
            }
            ErrorKind::ResponseTooLarge { status, limit } => {
                write!(f, "response ({status}) larger than {limit} bytes")?;
            }
            ErrorKind::Page(problem) => {
                write!(f, "page {} of the list", self.page().unwrap_or(0))?;
                if let Some(cursor) = self.page_cursor() {
                    write!(f, " (asked from {cursor})")?;
                }
                write!(f, " {problem}")?;
            }
            ErrorKind::OutOfOrder { expected } => {
                write!(f, "driver bug: input out of order, expected {expected}")?;
            }
        }
        if let Some(status) = last_status {
            write!(f, "; last status {status}")?;
        }
        write!(f, " after {} attempt(s)", self.0.attempts)?;
        if let Some(key) = &self.0.key {
            write!(f, "; idempotency key {key}")?;
        }
        write!(f, "; advice: {}", self.0.advice)
    }
}

impl StdError for Error {
    /// The transport's own error when the last attempt got no response (its kind alone when a
    /// custom driver gave none), or a driver's error that kept it from starting. Never the
    /// problem of invalid input: `Display` words that
    /// ([`request_error`](Error::request_error) gives it typed).
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        if let Some(source) = &self.0.source {
            return Some(source.as_ref());
        }
        match &self.0.kind {
            ErrorKind::Transport(e)
            | ErrorKind::DeadlineExceeded {
                last_transport: Some(e),
            }
            | ErrorKind::NotReplayable {
                last_transport: Some(e),
            } => Some(e),
            _ => None,
        }
    }
}
