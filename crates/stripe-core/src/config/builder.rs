//! [`ConfigBuilder`]: a configuration's settings, each checked by [`ConfigBuilder::build`]
//! (the API base's and the files base's validation, one check for both).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;

use super::{Auth, Config, authorization};
use crate::error::{
    ConfigError, HeaderProblem, MAX_HEADER_LEN, check_header_value, stripe_account,
};
use crate::policy::RetryPolicy;
use crate::secret::SecretKey;
use crate::wire::Wire;

/// Builder of a [`Config`]; nothing is checked until [`ConfigBuilder::build`].
#[derive(Clone)]
pub struct ConfigBuilder {
    pub(super) api_base: String,
    pub(super) files_base: String,
    pub(super) secret_key: String,
    pub(super) auth: Auth,
    pub(super) stripe_version: Option<String>,
    pub(super) stripe_account: Option<String>,
    pub(super) stripe_context: Option<String>,
    pub(super) user_agent: Option<String>,
    pub(super) policy: RetryPolicy,
    pub(super) connect_timeout: Duration,
    pub(super) max_body_bytes: usize,
    pub(super) allow_insecure_http: bool,
    pub(super) telemetry: bool,
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
