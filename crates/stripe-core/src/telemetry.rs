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
        // Put together by hand: this runs before every request, and `format!` costs more.
        const HEAD: &[u8] = br#"{"last_request_metrics":{"request_id":""#;
        const MID: &[u8] = br#"","request_duration_ms":"#;
        let mut text = Vec::with_capacity(HEAD.len() + id.len() + MID.len() + 20 + 2);
        text.extend_from_slice(HEAD);
        text.extend_from_slice(id.as_bytes());
        text.extend_from_slice(MID);
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut n = ms;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        text.extend_from_slice(&digits[at..]);
        text.extend_from_slice(b"}}");
        HeaderValue::from_maybe_shared(bytes::Bytes::from(text)).ok()
    }
}

/// The `X-Stripe-Client-User-Agent` value: this library, its version, Rust, the OS. Made once
/// per process and static, so that the copy every request takes is free (no reference count).
pub(crate) fn client_user_agent() -> HeaderValue {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let text = TEXT.get_or_init(|| {
        format!(
            r#"{{"bindings_version":"{}","lang":"rust","publisher":"stripe-sansio","uname":"{} {}"}}"#,
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            std::env::consts::ARCH,
        )
    });
    // Visible ASCII: the version, OS and architecture names are.
    HeaderValue::from_str(text)
        .map(|_| HeaderValue::from_static(text))
        .unwrap_or(HeaderValue::from_static("{}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-built header is the JSON `format!` would write, for every width of duration.
    #[test]
    fn the_header_is_the_json_of_the_metrics() {
        for ms in [0, 7, 10, 99, 1_000, 123_456_789, u64::MAX] {
            let metrics = RequestMetrics {
                request_id: HeaderValue::from_static("req_abc-1"),
                duration: Duration::from_millis(ms),
            };
            let want = format!(
                r#"{{"last_request_metrics":{{"request_id":"req_abc-1","request_duration_ms":{ms}}}}}"#
            );
            assert_eq!(
                metrics.header().expect("a safe id").to_str().ok(),
                Some(want.as_str())
            );
        }
    }
}
