//! The request builder: method, relative path, params and per-request overrides.

use std::fmt;

use http::HeaderValue;
use serde::Serialize;

use crate::error::{MAX_HEADER_LEN, RequestError, stripe_account, visible_header};
use crate::files::FilePart;
use crate::key::IdempotencyKey;
use crate::params;
use crate::path;
use crate::policy::RetryPolicy;
use crate::secret::SecretKey;

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
/// | POST body | form (`application/x-www-form-urlencoded`, [`params::encode`]) | JSON (`application/json`, [`params::encode_json`]) |
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

/// What a request may set for itself in place of the configuration's (as the official SDKs'
/// request options do); boxed and made only when one is set, since most requests set none.
#[derive(Clone, Default)]
pub(crate) struct Options {
    pub(crate) api_key: Option<SecretKey>,
    pub(crate) stripe_version: Option<HeaderValue>,
    pub(crate) stripe_account: Option<HeaderValue>,
    pub(crate) stripe_context: Option<HeaderValue>,
    pub(crate) policy: Option<RetryPolicy>,
    pub(crate) host: Host,
    /// An upload's file part: its body is `multipart/form-data`.
    pub(crate) file: Option<FilePart>,
    pub(crate) max_body_bytes: Option<usize>,
    pub(crate) single_use_body: bool,
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

    /// Uses `key` instead of a generated one, e.g. to resume a POST after a crash.
    /// A GET, or a v1 DELETE, never carries a key: giving one is an error.
    pub fn with_idempotency_key(mut self, key: IdempotencyKey) -> Result<Self, RequestError> {
        if !self.namespace.carries_key(self.method) {
            return Err(RequestError::KeyOnIdempotentMethod);
        }
        self.idempotency_key = Some(key);
        Ok(self)
    }

    /// Sends this request on behalf of a connected account (`Stripe-Account`), overriding the
    /// configuration's.
    pub fn with_stripe_account(mut self, account: &str) -> Result<Self, RequestError> {
        let value = stripe_account(account).map_err(|problem| RequestError::Header {
            name: "Stripe-Account",
            problem,
        })?;
        self.options_mut().stripe_account = Some(value);
        Ok(self)
    }

    /// Sends this request in a context (`Stripe-Context`: an account, or `acct_1/acct_2`),
    /// overriding the configuration's; checked as
    /// [`ConfigBuilder::stripe_context`](crate::ConfigBuilder::stripe_context)'s is.
    pub fn with_stripe_context(mut self, context: &str) -> Result<Self, RequestError> {
        self.options_mut().stripe_context = Some(header("Stripe-Context", context)?);
        Ok(self)
    }

    /// Pins this request's API version (`Stripe-Version`), overriding the configuration's;
    /// checked as [`ConfigBuilder::stripe_version`](crate::ConfigBuilder::stripe_version)'s is.
    pub fn with_stripe_version(mut self, version: &str) -> Result<Self, RequestError> {
        self.options_mut().stripe_version = Some(header("Stripe-Version", version)?);
        Ok(self)
    }

    /// Authenticates this request with `key` instead of the configuration's, sent the
    /// configuration's way ([`Auth`](crate::Auth)) to the configuration's API base. The key is
    /// checked as a configuration's is, and masked wherever the request is shown.
    pub fn with_api_key(mut self, key: impl Into<String>) -> Result<Self, RequestError> {
        let key = SecretKey::new(key).map_err(|e| RequestError::Header {
            name: "API key",
            problem: match e {
                crate::ConfigError::SecretKey(problem) => problem,
                _ => crate::HeaderProblem::ControlOrNonAscii,
            },
        })?;
        self.options_mut().api_key = Some(key);
        Ok(self)
    }

    /// Uses `policy` for this request instead of the configuration's; it is checked as
    /// [`ConfigBuilder::policy`](crate::ConfigBuilder::policy)'s is.
    pub fn with_policy(mut self, policy: RetryPolicy) -> Result<Self, RequestError> {
        policy.validate().map_err(RequestError::Policy)?;
        self.options_mut().policy = Some(policy);
        Ok(self)
    }

    /// Sends this request to `host`'s base (the API base by default).
    #[must_use]
    pub fn with_host(mut self, host: Host) -> Self {
        if host != Host::Api || self.options.is_some() {
            self.options_mut().host = host;
        }
        self
    }

    /// Accepts answers of at most `max` bytes for this request instead of the configuration's
    /// [`max_body_bytes`](crate::Config::max_body_bytes): a download's bound (a larger body
    /// ends the call as [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    #[must_use]
    pub fn with_max_body_bytes(mut self, max: usize) -> Self {
        self.options_mut().max_body_bytes = Some(max);
        self
    }

    /// Says that this request's body can be sent once only (an upload read from a source that
    /// cannot be read again): the call then makes no retry; where the policy would retry, it
    /// ends as [`ErrorKind::NotReplayable`](crate::ErrorKind::NotReplayable), the key inside,
    /// rather than send a body that could not be whole.
    #[must_use]
    pub fn with_single_use_body(mut self) -> Self {
        self.options_mut().single_use_body = true;
        self
    }

    pub(crate) fn options_mut(&mut self) -> &mut Options {
        self.options.get_or_insert_with(Box::default)
    }

    /// A request option, if set.
    pub(crate) fn option<T>(&self, get: impl Fn(&Options) -> Option<&T>) -> Option<&T> {
        self.options.as_deref().and_then(get)
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

/// A per-request header value, checked as the configuration's is.
fn header(name: &'static str, value: &str) -> Result<HeaderValue, RequestError> {
    visible_header(value, MAX_HEADER_LEN).map_err(|problem| RequestError::Header { name, problem })
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
