//! Client configuration: where to send, how to authenticate, which headers, which policy.
//!
//! This file holds the validated [`Config`] and its `Authorization` value; `builder.rs` holds
//! [`ConfigBuilder`] and the checks of its `build`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;

use crate::policy::RetryPolicy;
use crate::secret::SecretKey;
use crate::wire::Wire;

mod builder;

pub use builder::ConfigBuilder;

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
