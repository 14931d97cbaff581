//! A POST as saved with its intent: what recovery sends again, and what the fingerprint covers.

use stripe_core::{Method, Namespace, Request};

use crate::error::JournalError;

/// The header lines a saved request may carry, in their stored order.
const CONTEXT: &str = "Stripe-Context: ";
const VERSION: &str = "Stripe-Version: ";

/// A POST as saved with its intent, so that recovery can resume it with the same key after
/// its holder died: the path, the body (form for v1, JSON for v2, without the journal's own
/// metadata) and the request's own `Stripe-Context` and `Stripe-Version`, so that a resumed
/// request acts in the same context and API version as the first attempt, whatever the
/// recovering client's configuration says.
///
/// A per-request API key is never saved (it is a secret): the journal refuses such a request
/// before anything is written (see the crate docs). The `Stripe-Account` is the intent's scope.
///
/// The body is kept as sent: it may hold customer data (names, e-mail addresses, tokens);
/// prune finished intents ([`crate::Journal::prune`]) to keep no more than needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedRequest {
    path: String,
    body: String,
    stripe_context: Option<String>,
    stripe_version: Option<String>,
}

impl SavedRequest {
    /// A POST to `path` with `body` (form-encoded for a v1 path, JSON for a v2 path).
    pub fn new(path: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            body: body.into(),
            stripe_context: None,
            stripe_version: None,
        }
    }

    /// The same request, sent in the `Stripe-Context` `context`.
    pub fn with_stripe_context(mut self, context: impl Into<String>) -> Self {
        self.stripe_context = Some(context.into());
        self
    }

    /// The same request, sent with the `Stripe-Version` `version`.
    pub fn with_stripe_version(mut self, version: impl Into<String>) -> Self {
        self.stripe_version = Some(version.into());
        self
    }

    /// What a caller's request is saved as: only POSTs are journaled, and never one with its
    /// own API key.
    pub(crate) fn of(request: &Request) -> Result<Self, JournalError> {
        if request.method() != Method::Post {
            return Err(JournalError::InvalidRequest(format!(
                "{} {}: only POSTs are journaled (GET and DELETE are safe to repeat)",
                request.method(),
                request.path()
            )));
        }
        if request.api_key().is_some() {
            return Err(JournalError::InvalidRequest(format!(
                "POST {}: it carries its own API key, which the journal never stores (a secret) \
                 and recovery could not send again; set the key on the client's configuration \
                 (one client per key) instead of on the request",
                request.path()
            )));
        }
        let mut saved = Self::new(request.path(), request.body());
        saved.stripe_context = request.stripe_context().map(str::to_owned);
        saved.stripe_version = request.stripe_version().map(str::to_owned);
        Ok(saved)
    }

    /// The request this one stands for, as recovery sends it again.
    pub(crate) fn to_request(&self) -> Result<Request, JournalError> {
        let bad = |e: stripe_core::RequestError| {
            JournalError::InvalidRequest(format!("saved request: {e}"))
        };
        let mut request = Request::new(Method::Post, &self.path).map_err(bad)?;
        request = match request.namespace() {
            Namespace::V1 => request.with_encoded_params(&self.body).map_err(bad)?,
            _ => {
                let json: serde_json::Value = serde_json::from_str(&self.body).map_err(|e| {
                    JournalError::InvalidRequest(format!("saved request: its JSON body: {e}"))
                })?;
                request.with_params(&json).map_err(bad)?
            }
        };
        if let Some(context) = &self.stripe_context {
            request = request.with_stripe_context(context).map_err(bad)?;
        }
        if let Some(version) = &self.stripe_version {
            request = request.with_stripe_version(version).map_err(bad)?;
        }
        Ok(request)
    }

    /// The path, such as `/v1/charges`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The body: form-encoded (v1) or JSON (v2).
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The request's own `Stripe-Context`, if it had one.
    pub fn stripe_context(&self) -> Option<&str> {
        self.stripe_context.as_deref()
    }

    /// The request's own `Stripe-Version`, if it had one.
    pub fn stripe_version(&self) -> Option<&str> {
        self.stripe_version.as_deref()
    }

    /// Whether the path is in API v2, where a retry with the same key completes the work.
    pub(crate) fn is_v2(&self) -> bool {
        self.path.starts_with("/v2/")
    }

    /// The stored form: `POST PATH`, a newline, a `Stripe-Context: ...` and a
    /// `Stripe-Version: ...` line for each one set followed by an empty line if any is, then
    /// the body. A request with neither is stored as before they were saved (`POST PATH`, a
    /// newline, the body), so rows written earlier read back unchanged: a form body holds no
    /// space and a JSON body starts with `{`, so neither is read as a header line.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    pub(crate) fn encode(&self) -> String {
        let mut text = format!("POST {}\n", self.path);
        let headers = [
            (CONTEXT, &self.stripe_context),
            (VERSION, &self.stripe_version),
        ];
        for (name, value) in headers {
            if let Some(value) = value {
                text.push_str(name);
                text.push_str(value);
                text.push('\n');
            }
        }
        if self.stripe_context.is_some() || self.stripe_version.is_some() {
            text.push('\n');
        }
        text.push_str(&self.body);
        text
    }

    /// Parses the stored form.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    pub(crate) fn decode(text: &str) -> Option<Self> {
        let (line, mut rest) = text.split_once('\n')?;
        let mut saved = Self::new(line.strip_prefix("POST ")?, "");
        let mut headers = false;
        for (name, field) in [
            (CONTEXT, &mut saved.stripe_context),
            (VERSION, &mut saved.stripe_version),
        ] {
            if let Some(after) = rest.strip_prefix(name) {
                let (value, next) = after.split_once('\n')?;
                *field = Some(value.to_owned());
                rest = next;
                headers = true;
            }
        }
        if headers {
            rest = rest.strip_prefix('\n')?;
        }
        saved.body = rest.to_owned();
        Some(saved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_form_round_trips_and_reads_rows_written_before_headers_were_saved() {
        let plain = SavedRequest::new("/v1/charges", "amount=100");
        assert_eq!(plain.encode(), "POST /v1/charges\namount=100");
        let both = SavedRequest::new("/v2/core/accounts", r#"{"a":"b"}"#)
            .with_stripe_context("acct_1")
            .with_stripe_version("2025-01-01.preview");
        let context = SavedRequest::new("/v1/charges", "").with_stripe_context("acct_2");
        for saved in [plain, both, context] {
            assert_eq!(SavedRequest::decode(&saved.encode()), Some(saved));
        }
        assert_eq!(SavedRequest::decode("GET /v1/x\n"), None);
        assert_eq!(SavedRequest::decode("POST /v1/x\nStripe-Context: a"), None);
    }
}
