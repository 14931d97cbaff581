//! The small types that place a request: its [`Method`], its path's API family ([`Namespace`])
//! and the host it goes to ([`Host`]).

use std::fmt;

/// The three methods of Stripe's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// Read; never carries an idempotency key.
    Get,
    /// Create or update; always carries an idempotency key.
    Post,
    /// Delete; carries an idempotency key in API v2 only (as the official SDKs send it).
    Delete,
}

/// The API family a path belongs to, read from its first segment: `/v2/...` is
/// [`Namespace::V2`], every other `/v<digits>/...` path [`Namespace::V1`].
///
/// | | v1 | v2 |
/// |---|---|---|
/// | POST body | form (`application/x-www-form-urlencoded`, [`params::encode`](crate::params::encode)) | JSON (`application/json`, [`params::encode_json`](crate::params::encode_json)) |
/// | a list in a GET or DELETE query | `name[0]=a&name[1]=b` | `name=a&name=b` |
/// | idempotency key | POST | POST and DELETE |
/// | a 5xx to a keyed request | Stripe stores it and replays it: retried until the replay, then [`Advice::Reconcile`](crate::Advice::Reconcile) | Stripe finishes the work on a retry with the same key: retried, then [`Advice::RetrySameKey`](crate::Advice::RetrySameKey) |
///
/// The retry and advice tables of the crate docs give each rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Namespace {
    /// `/v1/...`: form bodies, Stripe stores and replays a key's first answer.
    V1,
    /// `/v2/...`: JSON bodies; a retry with the same key completes failed work.
    V2,
}

impl Namespace {
    /// The namespace of a validated path.
    pub(crate) fn of(path: &str) -> Self {
        if path.starts_with("/v2/") {
            Self::V2
        } else {
            Self::V1
        }
    }

    /// Whether a request of `method` in this namespace carries an idempotency key: every
    /// POST, and a v2 DELETE.
    pub fn carries_key(self, method: Method) -> bool {
        match method {
            Method::Post => true,
            Method::Delete => self == Self::V2,
            Method::Get => false,
        }
    }
}

/// Which of Stripe's hosts a request goes to: the API base, or the files base (uploads, and the
/// contents of files). Both are the [`Config`](crate::Config)'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Host {
    /// The API base (`https://api.stripe.com`): every request but the two below.
    #[default]
    Api,
    /// The files base (`https://files.stripe.com`): `POST /v1/files` and
    /// `GET /v1/files/{id}/contents`.
    Files,
}

impl Method {
    /// The `http` crate's method.
    pub fn as_http(self) -> http::Method {
        match self {
            Self::Get => http::Method::GET,
            Self::Post => http::Method::POST,
            Self::Delete => http::Method::DELETE,
        }
    }

    /// `GET`, `POST` or `DELETE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
