//! The retry decision for one answer, and the Stripe headers it reads.
//!
//! Malformed `Stripe-Should-Retry` and `Retry-After` values are ignored, never fatal.

use std::time::Duration;

use http::{HeaderMap, StatusCode};

use crate::policy::{Retry5xxPost, Retry429, RetryPolicy};
use crate::request::Method;

/// What the retry rules read from one answer.
pub(crate) struct Answer<'a> {
    pub status: StatusCode,
    pub should_retry: Option<bool>,
    pub replayed: bool,
    pub code: Option<&'a str>,
}

/// Whether `policy` retries `answer` to a request of `method` (tries left aside).
pub(crate) fn wants_retry(policy: &RetryPolicy, method: Method, answer: &Answer<'_>) -> bool {
    let status = answer.status.as_u16();
    if status < 400 {
        return false;
    }
    // A replay is Stripe's stored answer: the same key can only replay it again, whatever
    // `Stripe-Should-Retry` says, so under `UntilReplay` it ends the call at once.
    if answer.replayed && policy.retry_5xx_post == Retry5xxPost::UntilReplay {
        return false;
    }
    if policy.honor_should_retry {
        match answer.should_retry {
            Some(false) => return false,
            Some(true) => return true,
            None => {}
        }
    }
    match status {
        429 => match policy.retry_429 {
            Retry429::Always => true,
            Retry429::WhenToldOrLockTimeout => answer.code == Some("lock_timeout"),
            Retry429::Never => false,
        },
        409 => policy.retry_409,
        500..=599 => match method {
            Method::Get | Method::Delete => policy.retry_5xx_get_delete,
            Method::Post => match policy.retry_5xx_post {
                Retry5xxPost::UntilReplay => !answer.replayed,
                Retry5xxPost::Always => true,
                Retry5xxPost::Never => false,
            },
        },
        _ => false,
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// `Stripe-Should-Retry: true|false`; anything else is ignored.
pub(crate) fn should_retry(headers: &HeaderMap) -> Option<bool> {
    let v = header(headers, "stripe-should-retry")?;
    if v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// `idempotent-replayed: true`.
pub(crate) fn replayed(headers: &HeaderMap) -> bool {
    header(headers, "idempotent-replayed").is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// `Retry-After` in seconds (whole or decimal, finite, at most a day); dates and junk are
/// ignored.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v: f64 = header(headers, "retry-after")?.parse().ok()?;
    (v.is_finite() && (0.0..=86_400.0).contains(&v)).then(|| Duration::from_secs_f64(v))
}

/// Stripe's `request-id`.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    header(headers, "request-id").map(str::to_owned)
}
