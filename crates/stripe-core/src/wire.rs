//! What every request of a configuration carries on the wire, prepared once per `Config`: the
//! parts of the API base and of the files base, and the constant header values. A call adds its own (key, telemetry) or
//! puts a request's own in their place (API key, version, account, context), under names
//! that are never parsed at run time.

use http::header::{self, HeaderName};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderMap, HeaderValue, Uri};

use crate::request::{Host, Method};

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const STRIPE_VERSION: HeaderName = HeaderName::from_static("stripe-version");
const STRIPE_ACCOUNT: HeaderName = HeaderName::from_static("stripe-account");
const STRIPE_CONTEXT: HeaderName = HeaderName::from_static("stripe-context");
const CLIENT_USER_AGENT: HeaderName = HeaderName::from_static("x-stripe-client-user-agent");
const CLIENT_TELEMETRY: HeaderName = HeaderName::from_static("x-stripe-client-telemetry");

/// A base URL split once.
#[derive(Debug)]
struct Base {
    scheme: Scheme,
    authority: Authority,
    /// The base's own path (`""` for Stripe's), put before every request path.
    prefix: String,
}

impl Base {
    /// The parts of a validated base; `None` if it has no scheme or authority.
    fn new(base: &str) -> Option<Self> {
        let uri: Uri = base.parse().ok()?;
        let parts = uri.into_parts();
        let prefix = parts
            .path_and_query
            .map_or(String::new(), |p| p.path().trim_end_matches('/').to_owned());
        Some(Self {
            scheme: parts.scheme?,
            authority: parts.authority?,
            prefix,
        })
    }
}

/// The API base and the files base split once, and the constant header values.
#[derive(Debug)]
pub(crate) struct Wire {
    api: Base,
    files: Base,
    pub(crate) authorization: HeaderValue,
    pub(crate) stripe_version: Option<HeaderValue>,
    pub(crate) stripe_account: Option<HeaderValue>,
    pub(crate) stripe_context: Option<HeaderValue>,
    pub(crate) user_agent: HeaderValue,
    pub(crate) client_user_agent: HeaderValue,
}

/// What one call adds to the constant headers or puts in their place (a request's own key,
/// version, account or context), and the room its maps keep for the transport's.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallHeaders {
    pub(crate) key: Option<HeaderValue>,
    pub(crate) authorization: Option<HeaderValue>,
    pub(crate) version: Option<HeaderValue>,
    pub(crate) account: Option<HeaderValue>,
    pub(crate) context: Option<HeaderValue>,
    pub(crate) telemetry: Option<HeaderValue>,
    /// A v2 call: its POST body is JSON.
    pub(crate) json: bool,
    /// An upload: its `Content-Type` (multipart, with its boundary) and `Content-Length`.
    pub(crate) multipart: Option<Box<[HeaderValue; 2]>>,
    /// See [`Session::set_header_room`](crate::Session::set_header_room).
    pub(crate) room: usize,
}

impl Wire {
    /// The parts of a validated API base and files base; `None` if one has no scheme or
    /// authority.
    pub(crate) fn new(
        [api_base, files_base]: [&str; 2],
        authorization: HeaderValue,
        user_agent: HeaderValue,
        [stripe_version, stripe_account, stripe_context]: [Option<HeaderValue>; 3],
    ) -> Option<Self> {
        Some(Self {
            api: Base::new(api_base)?,
            files: Base::new(files_base)?,
            authorization,
            stripe_version,
            stripe_account,
            stripe_context,
            user_agent,
            client_user_agent: crate::telemetry::client_user_agent(),
        })
    }

    /// The URI of `path` (a validated path with its query) under the base of `host`, built
    /// from parts (the path's text becomes the URI's, without a copy). The error holds what to
    /// show of a path the URI parser refused (which `path::validate`'s checks, kept in step
    /// with the parser by a test, leave to a base with its own path).
    pub(crate) fn uri(&self, host: Host, path: String) -> Result<Uri, String> {
        let base = match host {
            Host::Api => &self.api,
            Host::Files => &self.files,
        };
        let path_and_query = if base.prefix.is_empty() {
            PathAndQuery::from_maybe_shared(bytes::Bytes::from(path))
                .map_err(|_| "(a path the URI parser refuses)".to_owned())?
        } else {
            PathAndQuery::try_from(format!("{}{path}", base.prefix)).map_err(|_| path)?
        };
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(base.scheme.clone());
        parts.authority = Some(base.authority.clone());
        parts.path_and_query = Some(path_and_query);
        Uri::from_parts(parts).map_err(|e| e.to_string())
    }

    /// The headers of one attempt, in a fixed order, in a map of their size plus the call's
    /// room for the transport's own.
    pub(crate) fn headers(&self, method: Method, call: &CallHeaders) -> HeaderMap {
        let authorization = call.authorization.as_ref().unwrap_or(&self.authorization);
        let version = call.version.as_ref().or(self.stripe_version.as_ref());
        let account = call.account.as_ref().or(self.stripe_account.as_ref());
        let context = call.context.as_ref().or(self.stripe_context.as_ref());
        let post = method == Method::Post;
        let count = 4
            + usize::from(post)
            + usize::from(call.key.is_some())
            + usize::from(version.is_some())
            + usize::from(account.is_some())
            + usize::from(context.is_some())
            + usize::from(call.telemetry.is_some())
            + usize::from(call.multipart.is_some())
            + call.room;
        let mut h = HeaderMap::with_capacity(count);
        h.insert(header::AUTHORIZATION, authorization.clone());
        h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(multipart) = &call.multipart {
            let [content_type, length] = &**multipart;
            h.insert(header::CONTENT_TYPE, content_type.clone());
            h.insert(header::CONTENT_LENGTH, length.clone());
        } else if post {
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(if call.json {
                    "application/json"
                } else {
                    "application/x-www-form-urlencoded"
                }),
            );
        }
        if let Some(v) = &call.key {
            h.insert(IDEMPOTENCY_KEY, v.clone());
        }
        if let Some(v) = version {
            h.insert(STRIPE_VERSION, v.clone());
        }
        if let Some(v) = account {
            h.insert(STRIPE_ACCOUNT, v.clone());
        }
        if let Some(v) = context {
            h.insert(STRIPE_CONTEXT, v.clone());
        }
        h.insert(header::USER_AGENT, self.user_agent.clone());
        h.insert(CLIENT_USER_AGENT, self.client_user_agent.clone());
        if let Some(v) = &call.telemetry {
            h.insert(CLIENT_TELEMETRY, v.clone());
        }
        h
    }
}
