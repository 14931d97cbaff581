//! Client configuration: where to send, how to authenticate, which headers, which policy.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;

use crate::error::{
    ConfigError, HeaderProblem, MAX_HEADER_LEN, check_header_value, stripe_account,
};
use crate::policy::RetryPolicy;
use crate::secret::SecretKey;
use crate::wire::Wire;

/// Stripe's API base.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

/// Stripe's files host: file uploads and the download of a file's contents go there
/// ([`Host::Files`](crate::Host::Files)).
pub const DEFAULT_FILES_BASE: &str = "https://files.stripe.com";

/// The default cap on a response body: 16 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// How the secret key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Auth {
    /// `Authorization: Basic base64(key + ":")`, as the Racket library and curl's `-u key:` do.
    #[default]
    Basic,
    /// `Authorization: Bearer key`.
    Bearer,
}

/// A validated, immutable configuration; build one with [`Config::builder`].
#[derive(Clone)]
pub struct Config {
    pub(crate) api_base: String,
    pub(crate) files_base: String,
    pub(crate) secret_key: SecretKey,
    pub(crate) auth: Auth,
    pub(crate) policy: RetryPolicy,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_body_bytes: usize,
    pub(crate) telemetry: bool,
    /// The base's parts and the constant header values, shared by every call.
    pub(crate) wire: Arc<Wire>,
}

impl Config {
    /// Starts a configuration for `secret_key` with every default: Stripe's API base, Basic
    /// auth, no `Stripe-Version`, no `Stripe-Account`, no `Stripe-Context`, the default retry
    /// policy.
    pub fn builder(secret_key: impl Into<String>) -> ConfigBuilder {
        ConfigBuilder {
            api_base: DEFAULT_API_BASE.to_owned(),
            files_base: DEFAULT_FILES_BASE.to_owned(),
            secret_key: secret_key.into(),
            auth: Auth::Basic,
            stripe_version: None,
            stripe_account: None,
            stripe_context: None,
            user_agent: None,
            policy: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(30),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            allow_insecure_http: false,
            telemetry: true,
        }
    }

    /// The API base, without a trailing `/`.
    pub fn api_base(&self) -> &str {
        &self.api_base
    }
    /// The files base (uploads and file contents), without a trailing `/`.
    pub fn files_base(&self) -> &str {
        &self.files_base
    }
    /// The secret key (masked when printed).
    pub fn secret_key(&self) -> &SecretKey {
        &self.secret_key
    }
    /// The default retry policy of calls made with this configuration.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }
    /// The timeout for establishing a connection (the driver enforces it).
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// The largest response body accepted; drivers read at most one byte more.
    #[inline]
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }
    /// Whether `X-Stripe-Client-Telemetry` is sent (on by default, as in the official SDKs).
    pub fn telemetry(&self) -> bool {
        self.telemetry
    }
    /// The connected account every request acts on (`Stripe-Account`), unless a request names
    /// its own.
    pub fn stripe_account(&self) -> Option<&str> {
        // Checked to be visible ASCII in `build`, so `to_str` cannot fail.
        self.wire
            .stripe_account
            .as_ref()
            .and_then(|v| v.to_str().ok())
    }
    /// The context every request acts in (`Stripe-Context`), unless a request names its own.
    pub fn stripe_context(&self) -> Option<&str> {
        // Checked to be visible ASCII in `build`.
        self.wire
            .stripe_context
            .as_ref()
            .and_then(|v| v.to_str().ok())
    }
    /// The API version every request pins (`Stripe-Version`), unless a request names its own.
    pub fn stripe_version(&self) -> Option<&str> {
        // Checked to be visible ASCII in `build`.
        self.wire
            .stripe_version
            .as_ref()
            .and_then(|v| v.to_str().ok())
    }
    /// How the secret key is sent.
    pub fn auth(&self) -> Auth {
        self.auth
    }
    /// The `User-Agent` header value.
    pub fn user_agent(&self) -> &str {
        // Built from visible ASCII in `build`, so `to_str` cannot fail.
        self.wire.user_agent.to_str().unwrap_or_default()
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_base", &self.api_base)
            .field("files_base", &self.files_base)
            .field("secret_key", &self.secret_key)
            .field("auth", &self.auth)
            .field("stripe_version", &self.wire.stripe_version)
            .field("stripe_account", &self.wire.stripe_account)
            .field("stripe_context", &self.wire.stripe_context)
            .field("user_agent", &self.wire.user_agent)
            .field("policy", &self.policy)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("telemetry", &self.telemetry)
            .finish_non_exhaustive()
    }
}

/// Builder of a [`Config`]; nothing is checked until [`ConfigBuilder::build`].
#[derive(Clone)]
pub struct ConfigBuilder {
    api_base: String,
    files_base: String,
    secret_key: String,
    auth: Auth,
    stripe_version: Option<String>,
    stripe_account: Option<String>,
    stripe_context: Option<String>,
    user_agent: Option<String>,
    policy: RetryPolicy,
    connect_timeout: Duration,
    max_body_bytes: usize,
    allow_insecure_http: bool,
    telemetry: bool,
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("api_base", &self.api_base)
            .field("secret_key", &"<hidden>")
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// Another API base, e.g. a fake server's `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn api_base(mut self, base: impl Into<String>) -> Self {
        self.api_base = base.into();
        self
    }
    /// Another files base, checked as the API base is: where uploads (`POST /v1/files`) and
    /// the contents of files go (default `https://files.stripe.com`). A fake Stripe serves both
    /// on one address: give it its address here too.
    #[must_use]
    pub fn files_base(mut self, base: impl Into<String>) -> Self {
        self.files_base = base.into();
        self
    }
    /// Send the key as `Authorization: Bearer` instead of Basic.
    #[must_use]
    pub fn bearer(mut self, bearer: bool) -> Self {
        self.auth = if bearer { Auth::Bearer } else { Auth::Basic };
        self
    }
    /// Pin the API version with `Stripe-Version`.
    #[must_use]
    pub fn stripe_version(mut self, version: impl Into<String>) -> Self {
        self.stripe_version = Some(version.into());
        self
    }
    /// Act on a connected account with `Stripe-Account` (a request may override it).
    #[must_use]
    pub fn stripe_account(mut self, account: impl Into<String>) -> Self {
        self.stripe_account = Some(account.into());
        self
    }
    /// Act in a context with `Stripe-Context` (an account, or an account under another:
    /// `acct_1/acct_2`), as API v2 and thin events do; a request may override it.
    #[must_use]
    pub fn stripe_context(mut self, context: impl Into<String>) -> Self {
        self.stripe_context = Some(context.into());
        self
    }
    /// Another `User-Agent`.
    #[must_use]
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }
    /// The default retry policy.
    #[must_use]
    pub fn policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }
    /// The connect timeout the drivers use (default 30 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// The largest response body accepted (default 16 MiB).
    #[must_use]
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }
    /// Send `X-Stripe-Client-Telemetry` (the previous request's id and duration) as the
    /// official SDKs do; on by default.
    #[must_use]
    pub fn telemetry(mut self, on: bool) -> Self {
        self.telemetry = on;
        self
    }
    /// Allow an `http://` API base whose host is not loopback. Off by default: the secret key
    /// would travel in clear text.
    #[must_use]
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Checks everything and builds the configuration.
    pub fn build(self) -> Result<Config, ConfigError> {
        let secret_key = SecretKey::new(self.secret_key)?;
        let api_base = check_base(&self.api_base, self.allow_insecure_http).map_err(|reason| {
            ConfigError::ApiBase {
                base: self.api_base.clone(),
                reason,
            }
        })?;
        let files_base =
            check_base(&self.files_base, self.allow_insecure_http).map_err(|reason| {
                ConfigError::FilesBase {
                    base: self.files_base.clone(),
                    reason,
                }
            })?;
        let header = |name: &'static str, v: Option<String>, spaces: bool| {
            v.map(|v| {
                check_header_value(&v, spaces, MAX_HEADER_LEN)
                    .and_then(|()| {
                        HeaderValue::try_from(v).map_err(|_| HeaderProblem::ControlOrNonAscii)
                    })
                    .map_err(|problem| ConfigError::Header { name, problem })
            })
            .transpose()
        };
        let stripe_version = header("Stripe-Version", self.stripe_version, false)?;
        let stripe_context = header("Stripe-Context", self.stripe_context, false)?;
        // The same limit as a request's own `Stripe-Account`.
        let stripe_account = (self.stripe_account.as_deref().map(stripe_account))
            .transpose()
            .map_err(|problem| ConfigError::Header {
                name: "Stripe-Account",
                problem,
            })?;
        let user_agent = header("User-Agent", self.user_agent, true)?
            .unwrap_or_else(|| HeaderValue::from_static(crate::USER_AGENT));
        self.policy.validate().map_err(ConfigError::Policy)?;
        let authorization = authorization(&secret_key, self.auth);
        let wire = Wire::new(
            [&api_base, &files_base],
            authorization,
            user_agent,
            [stripe_version, stripe_account, stripe_context],
        )
        .ok_or_else(|| ConfigError::ApiBase {
            base: api_base.clone(),
            reason: "is not a URL",
        })?;
        Ok(Config {
            api_base,
            files_base,
            secret_key,
            auth: self.auth,
            policy: self.policy,
            connect_timeout: self.connect_timeout,
            max_body_bytes: self.max_body_bytes,
            telemetry: self.telemetry,
            wire: Arc::new(wire),
        })
    }
}

/// The `Authorization` value of `key` (marked sensitive): the configuration's, or a request's
/// own key under the configuration's scheme.
pub(crate) fn authorization(key: &SecretKey, auth: Auth) -> HeaderValue {
    let text = match auth {
        Auth::Basic => format!("Basic {}", base64(format!("{}:", key.expose()).as_bytes())),
        Auth::Bearer => format!("Bearer {}", key.expose()),
    };
    // The key is visible ASCII (checked by `SecretKey::new`) and base64 is too.
    let mut value = HeaderValue::try_from(text).unwrap_or(HeaderValue::from_static(""));
    value.set_sensitive(true);
    value
}

fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The base without its trailing `/`, or why it cannot be one (the API base and the files base
/// alike).
fn check_base(base: &str, allow_insecure_http: bool) -> Result<String, &'static str> {
    if base.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err("holds whitespace, a control character or a non-ASCII byte");
    }
    let uri: http::Uri = base.parse().map_err(|_| "is not a URL")?;
    let authority = uri.authority().ok_or("has no host")?;
    if authority.as_str().contains('@') {
        return Err("carries credentials");
    }
    // A port the URI parser takes but no socket has (`:99999`, `:0`) would have a client
    // connect to its scheme's default port instead, the secret key with it.
    let port = authority
        .as_str()
        .strip_prefix(authority.host())
        .unwrap_or("");
    let port = port.strip_prefix(':').unwrap_or("");
    if !port.is_empty() && port.parse::<u16>().ok().is_none_or(|p| p == 0) {
        return Err("has a port out of range (1 to 65535)");
    }
    if uri.query().is_some() || base.contains('#') {
        return Err("carries a query or a fragment");
    }
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if allow_insecure_http || is_loopback(authority.host()) => {}
        Some("http") => {
            return Err(
                "is http:// to a host that is not loopback; the key would travel in clear text (allow_insecure_http to insist)",
            );
        }
        _ => return Err("scheme must be https (or http to loopback)"),
    }
    Ok(base.trim_end_matches('/').to_owned())
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
        ] {
            assert_eq!(super::base64(i.as_bytes()), o);
        }
    }
}
