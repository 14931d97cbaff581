//! The error of a call: invalid input (nothing sent) or a failed call (key inside).

use std::fmt;

use stripe_core::drive::DriveError;
use stripe_core::{Failure, IdempotencyKey, RequestError};

use crate::PageError;

/// Why a call gave no [`Response`](crate::Response). 4xx and 5xx are responses, not errors.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The request was invalid (path, params, header value, key): nothing was sent.
    Request(RequestError),
    /// The call failed: the failure carries the idempotency key to persist, the attempts, the
    /// advice, and the last response if any; `transport` holds reqwest's error when the last
    /// attempt got no response.
    Call(DriveError<reqwest::Error>),
    /// A page of a list ([`Client::list`](crate::Client::list)) was answered with a status
    /// other than 2xx, or is not a list: the page's whole response, Stripe's error object, and
    /// the cursor to resume from are inside.
    Page(Box<PageError>),
}

impl Error {
    /// The idempotency key to persist before anything else (`None` for GET, DELETE and invalid
    /// requests).
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.failure().and_then(Failure::idempotency_key)
    }

    /// The core's failure: kind, key, attempts, advice, last response.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Self::Call(e) => Some(&e.failure),
            Self::Request(_) | Self::Page(_) => None,
        }
    }

    /// reqwest's error of the last attempt, when it got no response.
    pub fn transport_error(&self) -> Option<&reqwest::Error> {
        match self {
            Self::Call(e) => e.transport.as_ref(),
            Self::Request(_) | Self::Page(_) => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request(e) => write!(f, "invalid request, nothing sent: {e}"),
            Self::Call(e) => e.failure.fmt(f),
            Self::Page(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    /// reqwest's error of the last attempt if it got no response; otherwise what lies under the
    /// request error or the failure (whose text `Display` already shows).
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Request(e) => e.source(),
            Self::Call(DriveError {
                transport: Some(e), ..
            }) => Some(e),
            Self::Call(e) => e.failure.source(),
            Self::Page(_) => None,
        }
    }
}

impl From<RequestError> for Error {
    fn from(e: RequestError) -> Self {
        Self::Request(e)
    }
}

impl From<DriveError<reqwest::Error>> for Error {
    fn from(e: DriveError<reqwest::Error>) -> Self {
        Self::Call(e)
    }
}
