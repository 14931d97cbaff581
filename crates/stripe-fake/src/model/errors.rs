//! Stripe's error shapes: API v1's `{"error": {"type", "code", "message", "param",
//! "decline_code"}}` and API v2's `{"error": {"type", "code", "message"}}`.
//!
//! Absent fields are omitted (never `null`), consistently for every error. The v2 shape is the
//! one the official SDKs read for `/v2/` answers: stripe-node's `generateV2Error`
//! (`src/Error.ts`) and stripe-ruby's `specific_v2_api_error` (`lib/stripe/api_requestor.rb`)
//! take the error's `type` first (`idempotency_error`, `rate_limit`,
//! `temporary_session_expired`), then its `code`, then fall back to the v1 classes, with
//! `message` as the text.

use serde_json::{Map, Value, json};

/// A Stripe error answer (`{"error": {...}}` with its HTTP status): what a handler or a
/// validator returns when a request fails as Stripe would fail it. It is a response, not a
/// failure of this crate. Boxed: errors travel in `Result`s everywhere.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError(Box<ErrorData>);

/// The members of an [`ApiError`].
#[derive(Debug, Clone, PartialEq)]
struct ErrorData {
    status: u16,
    kind: &'static str,
    code: Option<String>,
    message: String,
    param: Option<String>,
    decline_code: Option<String>,
    /// Extra members (`charge`, `payment_intent`) attached to card errors.
    extra: Vec<(&'static str, Value)>,
}

impl ApiError {
    fn new(status: u16, kind: &'static str, message: String) -> Self {
        Self(Box::new(ErrorData {
            status,
            kind,
            code: None,
            message,
            param: None,
            decline_code: None,
            extra: Vec::new(),
        }))
    }

    fn code(mut self, code: &str) -> Self {
        self.0.code = Some(code.to_owned());
        self
    }

    fn param(mut self, param: &str) -> Self {
        self.0.param = Some(param.to_owned());
        self
    }

    /// The HTTP status (400, 402, 404, ...).
    pub fn status(&self) -> u16 {
        self.0.status
    }

    /// The error's `type` (`invalid_request_error`, `card_error`, ...).
    pub fn kind(&self) -> &'static str {
        self.0.kind
    }

    /// The error's `code` (`resource_missing`, ...), if any.
    pub fn error_code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// The error's `message`.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The parameter the error is about, if any.
    pub fn parameter(&self) -> Option<&str> {
        self.0.param.as_deref()
    }

    /// Adds a member to the error object (a card error names its `charge`, `payment_intent`).
    #[must_use]
    pub fn with_member(mut self, name: &'static str, value: Value) -> Self {
        self.0.extra.push((name, value));
        self
    }

    /// Names the parameter the error is about.
    #[must_use]
    pub fn with_parameter(self, param: &str) -> Self {
        self.param(param)
    }

    /// 500 `api_error`: a handler could not do what it had to (a bug it answers rather than
    /// panicking on).
    pub fn internal(message: String) -> Self {
        Self::new(500, "api_error", message)
    }

    /// 400 `parameter_missing`.
    pub fn missing(param: &str) -> Self {
        Self::new(
            400,
            "invalid_request_error",
            format!("Missing required param: {param}."),
        )
        .code("parameter_missing")
        .param(param)
    }

    /// 400 with a given code on a given parameter.
    pub fn invalid_param(param: &str, code: &str, message: String) -> Self {
        Self::new(400, "invalid_request_error", message)
            .code(code)
            .param(param)
    }

    /// 400 `parameter_unknown`.
    pub fn unknown_parameter(param: &str) -> Self {
        Self::invalid_param(
            param,
            "parameter_unknown",
            format!("Received unknown parameter: {param}"),
        )
    }

    /// 400 when a hash parameter (`metadata`) is malformed.
    pub fn invalid_object(param: &str) -> Self {
        Self::invalid_param(
            param,
            "parameter_invalid_empty",
            format!("Invalid object: {param} must be a hash of string keys to string values"),
        )
    }

    /// 400 for a plain invalid request without code.
    pub fn invalid_request(message: String) -> Self {
        Self::new(400, "invalid_request_error", message)
    }

    /// 400 with a code and no parameter.
    pub fn invalid_state(code: &str, message: String) -> Self {
        Self::new(400, "invalid_request_error", message).code(code)
    }

    /// `resource_missing`: 404 for an id in the path, 400 for an id given as parameter.
    pub fn no_such(object: &str, id: &str, param: &str) -> Self {
        let status = if param == "id" { 404 } else { 400 };
        Self::new(
            status,
            "invalid_request_error",
            format!("No such {object}: '{id}'"),
        )
        .code("resource_missing")
        .param(param)
    }

    /// 404 with a code and a message of its own (`invoice_upcoming_none`: nothing to preview).
    pub fn not_found(code: &str, message: String) -> Self {
        Self::new(404, "invalid_request_error", message).code(code)
    }

    /// 404 for a URL that names no endpoint.
    pub(crate) fn unrecognized_url(method: &str, path: &str) -> Self {
        Self::new(
            404,
            "invalid_request_error",
            format!(
                "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
            ),
        )
    }

    /// 401 without code.
    pub(crate) fn unauthorized(message: String) -> Self {
        Self::new(401, "invalid_request_error", message)
    }

    /// 402 `card_error`.
    pub fn card(code: &str, decline_code: Option<&str>, message: &str) -> Self {
        let mut err = Self::new(402, "card_error", message.to_owned()).code(code);
        err.0.decline_code = decline_code.map(str::to_owned);
        err
    }

    /// 400 `idempotency_error` (same key, other request).
    pub(crate) fn idempotency_mismatch(message: String) -> Self {
        Self::new(400, "idempotency_error", message)
    }

    /// 409 `idempotency_error` with code `idempotency_key_in_use`.
    pub(crate) fn idempotency_in_use(key: &str) -> Self {
        Self::new(
            409,
            "idempotency_error",
            format!(
                "There is currently another in-progress request using this Stripe-Idempotency-Key (that probably means you submitted twice, and the other request is still going through): {key}. Please try again later."
            ),
        )
        .code("idempotency_key_in_use")
    }

    /// A fault-injected or internal error with a given status and optional code.
    pub(crate) fn injected(status: u16, code: Option<&str>) -> Self {
        let (kind, message) = match status {
            429 => (
                "invalid_request_error",
                "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
            ),
            409 => (
                "invalid_request_error",
                "This object cannot be accessed right now because another API request or Stripe process is currently accessing it. Please retry the request.",
            ),
            _ => (
                "api_error",
                "Sorry, something went wrong. We've already been notified of the problem, but if you need any help, you can reach us at support.stripe.com/contact.",
            ),
        };
        let default_code = match status {
            429 => Some("rate_limit"),
            409 => Some("lock_timeout"),
            _ => None,
        };
        let mut err = Self::new(status, kind, message.to_owned());
        err.0.code = code.or(default_code).map(str::to_owned);
        err
    }

    /// The JSON body of an answer to `path`: API v2's shape for a `/v2/` path
    /// ([`ApiError::to_json_v2`]), v1's otherwise ([`ApiError::to_json`]).
    pub fn to_json_for(&self, path: &str) -> Value {
        if super::v2::is_v2(path) {
            self.to_json_v2()
        } else {
            self.to_json()
        }
    }

    /// The JSON body in API v2's shape: `{"error": {"type", "code", "message"}}`, `code`
    /// omitted when the error has none; a v1-only member (`param`, `decline_code`, ...) is not
    /// part of it.
    pub fn to_json_v2(&self) -> Value {
        json!({ "error": self.common_members() })
    }

    /// `type`, `code` (when there is one) and `message`: the members both shapes have.
    fn common_members(&self) -> Map<String, Value> {
        let mut inner = Map::new();
        inner.insert("type".into(), json!(self.0.kind));
        if let Some(code) = &self.0.code {
            inner.insert("code".into(), json!(code));
        }
        inner.insert("message".into(), json!(self.0.message));
        inner
    }

    /// The JSON body in API v1's shape.
    pub fn to_json(&self) -> Value {
        let mut inner = self.common_members();
        if let Some(param) = &self.0.param {
            inner.insert("param".into(), json!(param));
        }
        if let Some(decline) = &self.0.decline_code {
            inner.insert("decline_code".into(), json!(decline));
        }
        for (name, value) in &self.0.extra {
            inner.insert((*name).into(), value.clone());
        }
        json!({ "error": inner })
    }
}
