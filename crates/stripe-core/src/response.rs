//! The response handed to the caller: any status, the body bytes as received, and what the call
//! learnt on the way (key, request id, replay, attempts, advice).
//!
//! The core parses only what a decision needs (the error object of a non-2xx answer). A caller
//! reads a body into its own types straight from the bytes ([`Response::deserialize`]), or as a
//! [`serde_json::Value`] parsed once on first use ([`Response::json`]).

use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::advice::Advice;
use crate::key::IdempotencyKey;
use crate::telemetry::RequestMetrics;

/// A final HTTP answer. 4xx and 5xx are responses too, never errors.
///
/// ```
/// # fn demo(response: &stripe_core::Response) -> Result<(), serde_json::Error> {
/// #[derive(serde::Deserialize)]
/// struct Charge { id: String, amount: u64 }
/// if response.is_success() {
///     let charge: Charge = response.deserialize()?;
///     println!("{} for {}", charge.id, charge.amount);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Response {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) bytes: Bytes,
    pub(crate) json: OnceLock<Option<Value>>,
    pub(crate) idempotency_key: Option<IdempotencyKey>,
    pub(crate) replayed: bool,
    pub(crate) attempts: u32,
    pub(crate) advice: Advice,
    pub(crate) attempt_duration: Duration,
}

impl Response {
    /// The status code.
    #[inline]
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// Whether the status is 2xx.
    #[inline]
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }
    /// The headers; `http::HeaderMap` names are lower-case.
    #[inline]
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// The body as received (at most the configured cap), never dropped.
    #[inline]
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }
    /// The body read into the caller's own type, straight from the bytes.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.bytes)
    }
    /// The body as JSON, parsed once on first use; `None` if it is empty or not JSON.
    #[inline]
    pub fn json(&self) -> Option<&Value> {
        self.json
            .get_or_init(|| serde_json::from_slice(&self.bytes).ok())
            .as_ref()
    }
    /// The key the request carried (`None` for GET and DELETE).
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.idempotency_key.as_ref()
    }
    /// Stripe's `request-id`.
    pub fn request_id(&self) -> Option<&str> {
        crate::retry::request_id(&self.headers)
    }
    /// Whether Stripe answered from its idempotency store (`idempotent-replayed: true`).
    pub fn is_replayed(&self) -> bool {
        self.replayed
    }
    /// Attempts made, this one included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// What to do next.
    pub fn advice(&self) -> Advice {
        self.advice
    }
    /// How long the last attempt took, from send to the whole response.
    pub fn attempt_duration(&self) -> Duration {
        self.attempt_duration
    }
    /// Stripe's error object, for a body of the form `{"error": {...}}`.
    pub fn error(&self) -> Option<ApiError> {
        ApiError::from_body(self.json()?)
    }

    /// This response's id and duration, for the next request's telemetry.
    pub(crate) fn metrics(&self) -> Option<RequestMetrics> {
        Some(RequestMetrics {
            request_id: self.headers.get(crate::retry::REQUEST_ID)?.clone(),
            duration: self.attempt_duration,
        })
    }
}

/// Stripe's error object: `{"error": {"type", "code", "message", "param", "decline_code"}}`,
/// the same shape in API v1 and v2 (v2 errors are `{"error": {"type", "code", "message"}}`;
/// [`ApiError::error_type`] reads both).
///
/// Every member is server text: treat it as data (escape it before showing it on a terminal).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ApiError {
    /// `type`, e.g. `card_error`, `invalid_request_error`, `idempotency_error`.
    pub kind: String,
    /// `code`, e.g. `card_declined`, `parameter_missing`, `lock_timeout`.
    pub code: Option<String>,
    /// `decline_code`, e.g. `insufficient_funds`.
    pub decline_code: Option<String>,
    /// `message`, for people.
    pub message: Option<String>,
    /// `param`, the parameter at fault.
    pub param: Option<String>,
}

/// The `type` of Stripe's error object, as the official SDKs tell their error classes apart.
///
/// What is relied on, from the official SDKs (stripe-node's `generateV1Error` and
/// `generateV2Error`, stripe-python's v2 error handling): a v1 and a v2 error alike carry
/// `error.type` (`idempotency_error` for a key reused with other parameters, `card_error`,
/// `invalid_request_error`, ...); a v2 error may instead be told by `error.code`
/// (`invalid_fields`, an invalid request) or carry a v2-only type
/// (`temporary_session_expired`). Anything else is [`ErrorType::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorType {
    /// `idempotency_error`: the key was used with other parameters (or another endpoint), or
    /// its first request is still running. Fix the request and use a new key.
    Idempotency,
    /// `card_error`: the card was declined or could not be charged.
    Card,
    /// `invalid_request_error` (or a v2 `invalid_fields` code): the request is wrong.
    InvalidRequest,
    /// `authentication_error`: the key is wrong.
    Authentication,
    /// `rate_limit_error`: too many requests.
    RateLimit,
    /// `api_error`: a problem on Stripe's side.
    Api,
    /// `temporary_session_expired` (v2): the session the request belongs to expired.
    TemporarySessionExpired,
    /// Any other type, or none.
    Other,
}

impl ApiError {
    /// What kind of error this is, from its `type` (and, for v2, its `code`).
    pub fn error_type(&self) -> ErrorType {
        match self.kind.as_str() {
            "idempotency_error" => ErrorType::Idempotency,
            "card_error" => ErrorType::Card,
            "invalid_request_error" => ErrorType::InvalidRequest,
            "authentication_error" => ErrorType::Authentication,
            "rate_limit_error" => ErrorType::RateLimit,
            "api_error" => ErrorType::Api,
            "temporary_session_expired" => ErrorType::TemporarySessionExpired,
            _ if self.code.as_deref() == Some("invalid_fields") => ErrorType::InvalidRequest,
            _ => ErrorType::Other,
        }
    }

    /// Reads the error object from a JSON body, if it holds one.
    pub fn from_body(body: &Value) -> Option<Self> {
        let e = body.get("error")?;
        let field = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            kind: field("type").unwrap_or_default(),
            code: field("code"),
            decline_code: field("decline_code"),
            message: field("message"),
            param: field("param"),
        })
    }
}

/// Only the `code` of an error body, which the retry rules read (`lock_timeout`).
pub(crate) fn error_code(bytes: &[u8]) -> Option<String> {
    let body: Value = serde_json::from_slice(bytes).ok()?;
    Some(body.get("error")?.get("code")?.as_str()?.to_owned())
}
