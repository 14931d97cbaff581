//! What the official SDKs tell Stripe about themselves: `X-Stripe-Client-User-Agent` on every
//! request, and `X-Stripe-Client-Telemetry` with the previous request's id and duration.

use std::time::Duration;

use http::HeaderValue;

/// The id and duration of a finished request, sent with the next one when telemetry is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestMetrics {
    /// Stripe's `request-id` of the previous request.
    pub(crate) request_id: HeaderValue,
    /// How long its last attempt took.
    pub(crate) duration: Duration,
}

impl RequestMetrics {
    /// The `X-Stripe-Client-Telemetry` value, if the id is safe to put in a header.
    pub(crate) fn header(&self) -> Option<HeaderValue> {
        let id = self.request_id.as_bytes();
        let id = std::str::from_utf8(id.trim_ascii()).ok()?;
        if id.is_empty()
            || id.len() > 255
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return None;
        }
        let ms = u64::try_from(self.duration.as_millis()).unwrap_or(u64::MAX);
        let text = format!(
            r#"{{"last_request_metrics":{{"request_id":"{id}","request_duration_ms":{ms}}}}}"#
        );
        HeaderValue::try_from(text).ok()
    }
}

/// The `X-Stripe-Client-User-Agent` value: this library, its version, Rust, the OS.
pub(crate) fn client_user_agent() -> HeaderValue {
    let text = format!(
        r#"{{"bindings_version":"{}","lang":"rust","publisher":"stripe-sansio","uname":"{} {}"}}"#,
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH,
    );
    HeaderValue::try_from(text).unwrap_or(HeaderValue::from_static("{}"))
}
