//! The request builder: method, relative path and params, and what a request reads back.
//!
//! Its per-request settings (`with_*`: the key and the options in place of the
//! configuration's) are in `options.rs`; its [`Method`], [`Namespace`] and [`Host`] in
//! `method.rs`.

use std::fmt;

use serde::Serialize;

use crate::error::RequestError;
use crate::key::IdempotencyKey;
use crate::params;
use crate::path;
use crate::secret::SecretKey;

mod method;
mod options;

pub use method::{Host, Method, Namespace};
use options::Options;

/// One logical request, validated: every problem is found here, before anything is sent.
///
/// Its body and query follow its path's [`Namespace`]: a `/v2/...` POST sends JSON.
///
/// ```
/// use stripe_core::Request;
/// use serde_json::json;
///
/// let charge = Request::post("/v1/charges", &json!({
///     "amount": 2000,
///     "currency": "usd",
///     "metadata": { "order": "42" },
/// }))?;
/// assert_eq!(charge.body(), "amount=2000&currency=usd&metadata%5Border%5D=42");
///
/// let list = Request::get("/v1/charges")?.with_params(&json!({ "limit": 3 }))?;
/// assert_eq!(list.path(), "/v1/charges?limit=3");
///
/// let event = Request::post("/v2/billing/meter_events", &json!({
///     "event_name": "api_call",
///     "payload": { "stripe_customer_id": "cus_1", "value": "25" },
/// }))?;
/// assert_eq!(event.body(), r#"{"event_name":"api_call","payload":{"stripe_customer_id":"cus_1","value":"25"}}"#);
/// # Ok::<(), stripe_core::RequestError>(())
/// ```
#[derive(Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) namespace: Namespace,
    pub(crate) path: String,
    pub(crate) body: String,
    pub(crate) idempotency_key: Option<IdempotencyKey>,
    pub(crate) options: Option<Box<Options>>,
}

/// The longest path with its query a request may have (GET and DELETE params go there).
pub const MAX_PATH_BYTES: usize = 8 * 1024;

impl Request {
    /// A request to `path`, which must be a relative Stripe path such as `/v1/charges`
    /// (a query string is allowed).
    pub fn new(method: Method, path: &str) -> Result<Self, RequestError> {
        path::validate(path)?;
        let namespace = Namespace::of(path);
        // A v2 POST always has a JSON object as its body, `{}` when it has no params.
        let body = match (method, namespace) {
            (Method::Post, Namespace::V2) => "{}".to_owned(),
            _ => String::new(),
        };
        Ok(Self {
            method,
            namespace,
            path: path.to_owned(),
            body,
            idempotency_key: None,
            options: None,
        })
    }

    /// `GET path`.
    pub fn get(path: &str) -> Result<Self, RequestError> {
        Self::new(Method::Get, path)
    }

    /// `DELETE path`.
    pub fn delete(path: &str) -> Result<Self, RequestError> {
        Self::new(Method::Delete, path)
    }

    /// `POST path` with `params` (any `Serialize` map) in the body: form-encoded for v1, JSON
    /// for v2.
    pub fn post<T: Serialize + ?Sized>(path: &str, params: &T) -> Result<Self, RequestError> {
        Self::new(Method::Post, path)?.with_params(params)
    }

    /// Adds params: to the body of a POST, to the query string of a GET or DELETE (whose path
    /// with its query may not pass [`MAX_PATH_BYTES`]), encoded as the path's [`Namespace`]
    /// asks. A v2 POST's body is one JSON object: params added again add their members after
    /// those already there.
    pub fn with_params<T: Serialize + ?Sized>(mut self, params: &T) -> Result<Self, RequestError> {
        match (self.method, self.namespace) {
            (Method::Post, Namespace::V2) => {
                let members = params::encode_json(params)?;
                // Both are objects: `{` ... `}`.
                if members.len() > 2 {
                    if self.body.len() > 2 {
                        self.body.pop();
                        self.body.push(',');
                        self.body.push_str(&members[1..]);
                    } else {
                        self.body = members;
                    }
                }
                Ok(self)
            }
            (_, namespace) => {
                let encoded = params::form(params, namespace == Namespace::V1)?;
                self.append(&encoded)
            }
        }
    }

    /// Adds params that are already `application/x-www-form-urlencoded`, such as
    /// `"amount=2000&currency=usd"`; they are checked, not re-encoded. A v2 POST, whose body is
    /// JSON, takes none ([`RequestError::EncodedParamsInJson`]): give it typed params.
    pub fn with_encoded_params(self, encoded: &str) -> Result<Self, RequestError> {
        if self.method == Method::Post && self.namespace == Namespace::V2 && !encoded.is_empty() {
            return Err(RequestError::EncodedParamsInJson);
        }
        params::check_encoded(encoded)?;
        self.append(encoded)
    }

    fn append(mut self, encoded: &str) -> Result<Self, RequestError> {
        if encoded.is_empty() {
            return Ok(self);
        }
        let target = match self.method {
            Method::Post => &mut self.body,
            Method::Get | Method::Delete => &mut self.path,
        };
        // The one separator written, if any: `?` before a path's first param, `&` between
        // params, none after a `?` or `&` already there.
        let separator = match self.method {
            Method::Get | Method::Delete if !target.contains('?') => Some('?'),
            _ if target.is_empty() || target.ends_with(['?', '&']) => None,
            _ => Some('&'),
        };
        if self.method != Method::Post {
            let len = target.len() + usize::from(separator.is_some()) + encoded.len();
            if len > MAX_PATH_BYTES {
                return Err(RequestError::TooLong {
                    len,
                    max: MAX_PATH_BYTES,
                });
            }
        }
        target.extend(separator);
        target.push_str(encoded);
        Ok(self)
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }
    /// The API family of the path: how the body and query are encoded, which methods carry a
    /// key, what a 5xx means.
    pub fn namespace(&self) -> Namespace {
        self.namespace
    }
    /// The path with its query string.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// The body: form-encoded for a v1 POST, a JSON object for a v2 POST (`{}` without
    /// params), empty for GET and DELETE. For an upload, its text parts in form encoding (sent
    /// as parts of the multipart body).
    pub fn body(&self) -> &str {
        &self.body
    }
    /// The host this request goes to.
    pub fn host(&self) -> Host {
        self.options.as_deref().map_or(Host::Api, |o| o.host)
    }
    /// The bound on this request's answer, if it has its own.
    pub fn max_body_bytes(&self) -> Option<usize> {
        self.options.as_deref().and_then(|o| o.max_body_bytes)
    }
    /// Whether the body can be sent once only ([`Request::with_single_use_body`]).
    pub fn is_single_use_body(&self) -> bool {
        self.options.as_deref().is_some_and(|o| o.single_use_body)
    }
    /// The caller-supplied idempotency key, if any.
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.idempotency_key.as_ref()
    }
    /// The connected account this request names (`Stripe-Account`), if any; the configuration's
    /// applies otherwise.
    pub fn stripe_account(&self) -> Option<&str> {
        // Checked to be visible ASCII in `with_stripe_account`.
        self.option(|o| o.stripe_account.as_ref())
            .and_then(|v| v.to_str().ok())
    }
    /// The context this request names (`Stripe-Context`), if any; the configuration's applies
    /// otherwise.
    pub fn stripe_context(&self) -> Option<&str> {
        self.option(|o| o.stripe_context.as_ref())
            .and_then(|v| v.to_str().ok())
    }
    /// The API version this request pins (`Stripe-Version`), if any; the configuration's
    /// applies otherwise.
    pub fn stripe_version(&self) -> Option<&str> {
        self.option(|o| o.stripe_version.as_ref())
            .and_then(|v| v.to_str().ok())
    }
    /// The API key this request is sent with (masked when printed), if it has its own; the
    /// configuration's applies otherwise.
    pub fn api_key(&self) -> Option<&SecretKey> {
        self.option(|o| o.api_key.as_ref())
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("namespace", &self.namespace)
            .field("path", &self.path)
            .field("body_len", &self.body.len())
            .field("idempotency_key", &self.idempotency_key)
            .field("api_key", &self.option(|o| o.api_key.as_ref()))
            .field(
                "stripe_version",
                &self.option(|o| o.stripe_version.as_ref()),
            )
            .field(
                "stripe_account",
                &self.option(|o| o.stripe_account.as_ref()),
            )
            .field(
                "stripe_context",
                &self.option(|o| o.stripe_context.as_ref()),
            )
            .field("host", &self.host())
            .field("file", &self.file())
            .finish_non_exhaustive()
    }
}
