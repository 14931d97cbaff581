//! Failures: the outcomes that are not an HTTP answer to hand over. Each carries the
//! idempotency key to persist.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::advice::Advice;
use crate::key::IdempotencyKey;
use crate::response::Response;

/// What a driver reports when an attempt got no response. The driver keeps its own error as
/// the `source()` of its error type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportError {
    /// The connection could not be made: the request surely never left.
    Connect,
    /// The attempt timed out: the request may have been processed.
    Timeout,
    /// Any other I/O failure after connecting (reset, closed): it may have been processed.
    Io,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "could not connect",
            Self::Timeout => "timed out",
            Self::Io => "connection failed",
        })
    }
}

impl std::error::Error for TransportError {}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// The last attempt got no response, and the policy does not retry it or tries ran out.
    Transport(TransportError),
    /// Every try was used and the last answer still asked for a retry (see
    /// [`Failure::last_response`]).
    RetriesExhausted,
    /// The next wait would pass the policy's deadline. `last_transport` is set if the last
    /// attempt got no response; otherwise see [`Failure::last_response`].
    DeadlineExceeded {
        /// The transport error of the last attempt, if it got no response.
        last_transport: Option<TransportError>,
    },
    /// The caller's key is older than Stripe's 24 h: it no longer protects against a duplicate,
    /// so the call was not made (or not retried).
    KeyExpired {
        /// The key's age.
        age: Duration,
    },
    /// The response body was larger than the configured cap; status and headers are kept.
    ResponseTooLarge {
        /// The status of the oversized response.
        status: StatusCode,
        /// The cap in bytes.
        limit: usize,
    },
    /// The driver fed an input the call did not expect (a driver bug); nothing more is sent.
    OutOfOrder {
        /// What the call was waiting for.
        expected: &'static str,
    },
}

/// A failed call: why, the key to persist, the attempts made, and what to do next.
///
/// Boxed inside so that `Result<Response, Failure>` stays small.
#[derive(Debug, Clone)]
pub struct Failure(pub(crate) Box<Details>);

#[derive(Debug, Clone)]
pub(crate) struct Details {
    pub(crate) kind: FailureKind,
    pub(crate) key: Option<IdempotencyKey>,
    pub(crate) attempts: u32,
    pub(crate) advice: Advice,
    pub(crate) last_response: Option<Response>,
    pub(crate) headers: Option<http::HeaderMap>,
}

impl Failure {
    /// Why the call failed.
    pub fn kind(&self) -> &FailureKind {
        &self.0.kind
    }
    /// The idempotency key the POST carried: persist it to resume safely (`None` for GET and
    /// DELETE).
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.0.key.as_ref()
    }
    /// Attempts made.
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }
    /// What to do next.
    pub fn advice(&self) -> Advice {
        self.0.advice
    }
    /// The last HTTP answer, when there was one (exhausted retries, deadline after a response).
    pub fn last_response(&self) -> Option<&Response> {
        self.0.last_response.as_ref()
    }
    /// The headers of an oversized response.
    pub fn headers(&self) -> Option<&http::HeaderMap> {
        self.0.headers.as_ref()
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.kind {
            FailureKind::Transport(e) => write!(f, "no response from Stripe: {e}")?,
            FailureKind::RetriesExhausted => {
                f.write_str("retries exhausted")?;
                if let Some(r) = &self.0.last_response {
                    write!(f, "; last status {}", r.status.as_u16())?;
                }
            }
            FailureKind::DeadlineExceeded { .. } => f.write_str("deadline exceeded")?,
            FailureKind::KeyExpired { age } => write!(
                f,
                "idempotency key is {} h old, past Stripe's 24 h",
                age.as_secs() / 3600
            )?,
            FailureKind::ResponseTooLarge { status, limit } => {
                write!(f, "response ({status}) larger than {limit} bytes")?;
            }
            FailureKind::OutOfOrder { expected } => {
                write!(f, "driver bug: input out of order, expected {expected}")?;
            }
        }
        write!(f, " after {} attempt(s)", self.0.attempts)?;
        if let Some(key) = &self.0.key {
            write!(f, "; idempotency key {key}")?;
        }
        write!(f, "; advice: {}", self.0.advice)
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.kind {
            FailureKind::Transport(e)
            | FailureKind::DeadlineExceeded {
                last_transport: Some(e),
            } => Some(e),
            _ => None,
        }
    }
}
