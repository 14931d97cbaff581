//! What a [`crate::Call`] and its driver say to each other: the [`Action`] to carry out, the
//! [`Input`] that answers it, and the [`RetryNotice`] that comes with a sleep before a retry.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::StatusCode;

use crate::failure::{Error, TransportError};
use crate::files::Multipart;
use crate::response::Response;

/// What the driver must do next. Exactly one of four things.
#[must_use = "an action must be carried out and its result fed back to the call"]
#[derive(Debug)]
#[non_exhaustive]
// `Send` is the action of nearly every step and is taken apart at once; boxing it would cost an
// allocation per attempt to save copies of the rare small variants.
#[allow(clippy::large_enum_variant)]
pub enum Action {
    /// Send this request and have the attempt over (connect, send, read the whole body) by
    /// the instant `by` (`None`: the policy bounds neither the attempt nor the call); then feed
    /// back [`Input::Response`] or [`Input::Transport`].
    Send {
        /// The request, with every header.
        request: http::Request<Bytes>,
        /// When the attempt must be over: the attempt timeout, cut to the call's deadline.
        by: Option<Instant>,
    },
    /// Send this request with its body streamed (an upload): [`Multipart::head`], then
    /// exactly [`Multipart::file_len`] bytes of the caller's file, then [`Multipart::tail`],
    /// the request's own body being empty (its `Content-Length` counts the whole); over by
    /// `by`, as for `Send`. A source that gives fewer or more bytes, or fails, is
    /// [`TransportError::Body`]: nothing short is ever sent whole.
    SendStreamed {
        /// The request, with every header; its body is `body`.
        request: http::Request<Bytes>,
        /// When the attempt must be over.
        by: Option<Instant>,
        /// The body around the file's bytes (boxed: the action of every other call stays
        /// small).
        body: Box<Multipart>,
    },
    /// Sleep until the instant `until`, then feed back [`Input::Woke`].
    Sleep {
        /// When to wake.
        until: Instant,
        /// The retry about to happen, given once per retry (`None` when a driver woke early
        /// and is told to sleep on).
        notice: Option<RetryNotice>,
    },
    /// The call is over with this HTTP answer (any status, 4xx and 5xx included).
    Done(Response),
    /// The call failed; the error carries the idempotency key to persist.
    Fail(Error),
}

/// What happened since the last action.
#[derive(Debug)]
#[non_exhaustive]
pub enum Input {
    /// A whole response arrived (status, headers, body bytes).
    Response(http::Response<Bytes>),
    /// A response whose body the driver handed on as it came (a download written to the
    /// caller's writer) instead of keeping it: its head, and how many bytes of the body were
    /// read. A driver stops reading past the call's cap ([`crate::Call::max_body_bytes`]): more than
    /// the cap ends the call as [`crate::ErrorKind::ResponseTooLarge`]. The call's [`Response`] then
    /// has an empty body.
    Streamed {
        /// Status and headers.
        head: http::response::Parts,
        /// The body's bytes read.
        len: u64,
    },
    /// The attempt got no response.
    Transport(TransportError),
    /// The sleep asked for is over.
    Woke,
}

impl From<Result<http::Response<Bytes>, TransportError>> for Input {
    fn from(r: Result<http::Response<Bytes>, TransportError>) -> Self {
        match r {
            Ok(resp) => Self::Response(resp),
            Err(e) => Self::Transport(e),
        }
    }
}

/// Why the call is sleeping before its next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryReason {
    /// The last attempt was answered with this status.
    Status(StatusCode),
    /// The last attempt got no response.
    Transport(TransportError),
}

/// A retry about to happen: the call sleeps [`wait`](RetryNotice::wait), then makes attempt
/// [`attempt`](RetryNotice::attempt) of at most [`max_tries`](RetryNotice::max_tries), because
/// of [`reason`](RetryNotice::reason). Built by the core, given once per retry in
/// [`Action::Sleep`], e.g. to show a live line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryNotice {
    attempt: u32,
    max_tries: u32,
    reason: RetryReason,
    wait: Duration,
}

impl RetryNotice {
    /// The notice of retry `attempt` of `max_tries`, after `wait`, for `reason`.
    pub(crate) fn new(attempt: u32, max_tries: u32, reason: RetryReason, wait: Duration) -> Self {
        Self {
            attempt,
            max_tries,
            reason,
            wait,
        }
    }

    /// The attempt about to be made (2 for the first retry).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
    /// The policy's `max_tries`.
    pub fn max_tries(&self) -> u32 {
        self.max_tries
    }
    /// Why the previous attempt is retried: its status, or its transport error.
    pub fn reason(&self) -> RetryReason {
        self.reason
    }
    /// How long the call sleeps before the attempt.
    pub fn wait(&self) -> Duration {
        self.wait
    }
}
