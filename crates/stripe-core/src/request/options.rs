//! What a request sets for itself: its idempotency key, and the options in place of the
//! configuration's (API key, `Stripe-Version`, `Stripe-Account`, `Stripe-Context`, policy,
//! host, a cap of its own, a single-use body), boxed and made only when one is set.

use http::HeaderValue;

use super::{Host, Request};
use crate::error::{MAX_HEADER_LEN, RequestError, stripe_account, visible_header};
use crate::files::FilePart;
use crate::key::IdempotencyKey;
use crate::policy::RetryPolicy;
use crate::secret::SecretKey;

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

impl Request {
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
}

/// A per-request header value, checked as the configuration's is.
fn header(name: &'static str, value: &str) -> Result<HeaderValue, RequestError> {
    visible_header(value, MAX_HEADER_LEN).map_err(|problem| RequestError::Header { name, problem })
}
