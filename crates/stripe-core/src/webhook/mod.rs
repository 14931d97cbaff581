//! Webhook signatures (feature `webhook`): pure functions, time passed in.
//!
//! Stripe signs each webhook with a `Stripe-Signature` header `t=<unix seconds>,v1=<hex>`,
//! where `v1` is HMAC-SHA256 of `"{t}.{payload}"` under the endpoint's secret (`whsec_...`).
//! While a secret is being rolled, several `v1` entries may be present; any one matching
//! is enough. Comparisons are constant-time.
//!
//! Events, each parser verifying the signature first ([`verify_signature`]):
//! - [`parse_event`]: a snapshot (API v1) event, `{"object": "event", "data": {"object":
//!   ...}}`, into [`Event<T>`] over the object's type (`serde_json::Value` by default);
//! - [`parse_event_notification`]: a thin event notification of an event destination (API
//!   v2), `{"object": "v2.core.event", "related_object": ...}`, into [`EventNotification`],
//!   whose [`EventNotification::fetch_event`] and [`EventNotification::fetch_related_object`]
//!   say what to GET next, and in which account's context.
//!
//! Event types are open ([`EventType`]: a new type is never a parse failure) and fields this
//! crate does not know are kept, so an event serialized again loses nothing.

mod event;
mod event_type;
mod open;
mod thin;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

pub use event::{Event, EventData, EventRequest, parse_event};
pub use event_type::EventType;
pub use thin::{EventNotification, Fetch, Reason, RelatedObject, parse_event_notification};

/// Stripe's default tolerance between the signed timestamp and now: 300 s.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Headers longer than this are refused before any parsing.
const MAX_HEADER_LEN: usize = 8 * 1024;

type HmacSha256 = hmac::Hmac<Sha256>;

/// Why a webhook was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookError {
    /// The header is empty or longer than 8 KiB.
    HeaderLength,
    /// The header has no `t=` entry.
    MissingTimestamp,
    /// The `t=` entry is not a whole number of seconds.
    BadTimestamp,
    /// The header has no `v1=` entry.
    NoSignatures,
    /// The timestamp is further from `now` than the tolerance (a replay, or a skewed clock).
    OutsideTolerance {
        /// Signed time minus now, in seconds (negative: in the past).
        skew_secs: i64,
    },
    /// No `v1` signature matches the payload under this secret.
    Mismatch,
    /// The secret is empty.
    EmptySecret,
    /// The signature matches but the payload is not JSON.
    Payload(serde_json::Error),
    /// The signature matches and the payload is JSON, but not of the expected shape (a field
    /// missing or of another type; the source says which, and where).
    Shape {
        /// What was expected: `"a snapshot event"` or `"a thin event notification"`.
        expected: &'static str,
        /// serde's account of what was wrong.
        source: serde_json::Error,
    },
    /// The payload's `object` names another kind of payload (a snapshot event given to the
    /// thin parser, or the other way round).
    WrongObject {
        /// The `object` expected: `"event"` or `"v2.core.event"`.
        expected: &'static str,
        /// The `object` found (the first 64 characters; shown escaped, it is server text).
        found: String,
    },
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HeaderLength => f.write_str("Stripe-Signature header is empty or too long"),
            Self::MissingTimestamp => f.write_str("Stripe-Signature header has no t= timestamp"),
            Self::BadTimestamp => f.write_str("Stripe-Signature t= is not a unix time in seconds"),
            Self::NoSignatures => f.write_str("Stripe-Signature header has no v1= signature"),
            Self::OutsideTolerance { skew_secs } => write!(
                f,
                "signed timestamp is {skew_secs} s from now, outside the tolerance"
            ),
            Self::Mismatch => f.write_str("no v1 signature matches the payload and secret"),
            Self::EmptySecret => f.write_str("the webhook secret is empty"),
            Self::Payload(e) => write!(f, "payload is not JSON: {e}"),
            Self::Shape { expected, source } => {
                write!(f, "payload is JSON but not {expected}: {source}")
            }
            Self::WrongObject { expected, found } => {
                write!(f, "payload's object is {found:?}, expected {expected:?}")?;
                match found.as_str() {
                    "event" => f.write_str(" (a snapshot event: parse it with parse_event)"),
                    "v2.core.event" => f.write_str(
                        " (a thin event notification: parse it with parse_event_notification)",
                    ),
                    _ => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for WebhookError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Payload(e) | Self::Shape { source: e, .. } => Some(e),
            _ => None,
        }
    }
}

/// The parts of a `Stripe-Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    /// The signed time, unix seconds.
    pub timestamp: i64,
    /// Every `v1` signature, hex-decoded; entries that are not hex are kept out (they cannot
    /// match).
    pub v1: Vec<Vec<u8>>,
}

/// Parses a `Stripe-Signature` header; unknown schemes (`v0`, ...) are ignored, as Stripe does.
pub fn parse_header(header: &str) -> Result<SignatureHeader, WebhookError> {
    if header.is_empty() || header.len() > MAX_HEADER_LEN {
        return Err(WebhookError::HeaderLength);
    }
    let mut timestamp = None;
    let mut v1 = Vec::new();
    let mut saw_v1 = false;
    for item in header.split(',') {
        let Some((k, v)) = item.trim().split_once('=') else {
            continue;
        };
        match k {
            "t" => {
                let t = v.parse::<i64>().map_err(|_| WebhookError::BadTimestamp)?;
                timestamp = Some(t);
            }
            "v1" => {
                saw_v1 = true;
                if let Some(bytes) = hex_decode(v) {
                    v1.push(bytes);
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::MissingTimestamp)?;
    if !saw_v1 {
        return Err(WebhookError::NoSignatures);
    }
    Ok(SignatureHeader { timestamp, v1 })
}

/// Verifies `payload` against `header` under `secret` at `now`, and returns the event as JSON.
///
/// `tolerance` bounds the distance between the signed time and `now`, either way; `None`
/// skips the check (never do that in production). For a typed event, see [`parse_event`] (a
/// snapshot event) and [`parse_event_notification`] (a thin event notification).
pub fn verify(
    payload: &[u8],
    header: &str,
    secret: &str,
    now: SystemTime,
    tolerance: Option<Duration>,
) -> Result<Value, WebhookError> {
    verify_signature(payload, header, secret, now, tolerance)?;
    serde_json::from_slice(payload).map_err(WebhookError::Payload)
}

/// Checks that `header` signs `payload` under `secret` at `now` (within `tolerance`), without
/// reading the payload: the one signature check every parser of this module runs first.
pub fn verify_signature(
    payload: &[u8],
    header: &str,
    secret: &str,
    now: SystemTime,
    tolerance: Option<Duration>,
) -> Result<(), WebhookError> {
    if secret.is_empty() {
        return Err(WebhookError::EmptySecret);
    }
    let parsed = parse_header(header)?;
    let mut matched = false;
    for sig in &parsed.v1 {
        // Every signature is checked, matched or not, so timing says nothing about which.
        matched |= mac(secret, parsed.timestamp, payload)
            .verify_slice(sig)
            .is_ok();
    }
    if !matched {
        return Err(WebhookError::Mismatch);
    }
    if let Some(tolerance) = tolerance {
        let skew = parsed.timestamp.saturating_sub(unix_secs(now));
        let limit = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
        if skew.unsigned_abs() > limit.unsigned_abs() {
            return Err(WebhookError::OutsideTolerance { skew_secs: skew });
        }
    }
    Ok(())
}

/// Signs `payload` at `timestamp` (unix seconds) under `secret`: the `Stripe-Signature` header
/// value `t=...,v1=...`, for tests and fakes.
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    let tag = mac(secret, timestamp, payload).finalize().into_bytes();
    let mut out = format!("t={timestamp},v1=");
    for b in tag {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn mac(secret: &str, timestamp: i64, payload: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail; an empty key is refused earlier.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 256 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Parses a payload whose signature was checked as `T`, an event whose `object` must be
/// `object`: a payload that is not JSON, one of another kind (its `object` says so) and one of
/// the right kind but a wrong shape are three different errors.
#[inline(always)]
fn parse_payload<T: serde::de::DeserializeOwned>(
    payload: &[u8],
    object: &'static str,
    expected: &'static str,
) -> Result<T, WebhookError> {
    match serde_json::from_slice::<T>(payload) {
        Ok(parsed) => Ok(parsed),
        Err(e) if !e.is_data() => Err(WebhookError::Payload(e)),
        // Only on this error path is the payload read a second time, for its `object` alone.
        Err(source) => match serde_json::from_slice::<ObjectOnly>(payload) {
            Ok(ObjectOnly {
                object: Some(found),
            }) if found != object => Err(wrong_object(object, &found)),
            _ => Err(WebhookError::Shape { expected, source }),
        },
    }
}

/// Checks a parsed payload's `object` (absent is accepted: the official SDKs accept it too).
fn check_object(found: Option<&str>, object: &'static str) -> Result<(), WebhookError> {
    match found {
        Some(found) if found != object => Err(wrong_object(object, found)),
        _ => Ok(()),
    }
}

fn wrong_object(expected: &'static str, found: &str) -> WebhookError {
    WebhookError::WrongObject {
        expected,
        found: found.chars().take(64).collect(),
    }
}

/// A payload's `object` member, the rest ignored.
#[derive(serde::Deserialize)]
struct ObjectOnly {
    #[serde(default)]
    object: Option<String>,
}
