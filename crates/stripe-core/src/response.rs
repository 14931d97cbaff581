//! The response handed to the caller: any status, parsed JSON or raw bytes, and what the call
//! learnt on the way (key, request id, replay, attempts, advice).

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::advice::Advice;
use crate::key::IdempotencyKey;
use crate::telemetry::RequestMetrics;
use std::time::Duration;

/// A response body: JSON when it parses, otherwise the raw bytes (never dropped).
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// The body parsed as JSON.
    Json(Value),
    /// A body that is empty, not JSON, or not UTF-8, kept as received.
    Raw(Bytes),
}

impl Body {
    pub(crate) fn parse(bytes: Bytes) -> Self {
        if bytes.is_empty() {
            return Self::Raw(bytes);
        }
        match serde_json::from_slice(&bytes) {
            Ok(v) => Self::Json(v),
            Err(_) => Self::Raw(bytes),
        }
    }
}

/// A final HTTP answer. 4xx and 5xx are responses too, never errors.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response {
    /// The status code.
    pub status: StatusCode,
    /// The headers; `http::HeaderMap` names are lower-case.
    pub headers: HeaderMap,
    /// The body.
    pub body: Body,
    /// The key the request carried (`None` for GET and DELETE).
    pub idempotency_key: Option<IdempotencyKey>,
    /// Stripe's `request-id`.
    pub request_id: Option<String>,
    /// Whether Stripe answered from its idempotency store (`idempotent-replayed: true`).
    pub replayed: bool,
    /// Attempts made, this one included.
    pub attempts: u32,
    /// What to do next.
    pub advice: Advice,
    /// How long the last attempt took, from send to the whole response.
    pub attempt_duration: Duration,
}

impl Response {
    /// The JSON body, if it parsed.
    pub fn json(&self) -> Option<&Value> {
        match &self.body {
            Body::Json(v) => Some(v),
            Body::Raw(_) => None,
        }
    }

    /// This response's id and duration, for the next request's telemetry.
    pub fn metrics(&self) -> Option<RequestMetrics> {
        Some(RequestMetrics {
            request_id: self.request_id.clone()?,
            duration: self.attempt_duration,
        })
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// Stripe's error object, for a body of the form `{"error": {...}}`.
    pub fn error(&self) -> Option<ApiError> {
        ApiError::from_body(self.json()?)
    }
}

/// Stripe's error object: `{"error": {"type", "code", "message", "param", "decline_code"}}`.
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

impl ApiError {
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
