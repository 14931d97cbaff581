//! Idempotency keys: generated from the seed as UUID v7, or supplied by the caller and validated.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderValue;

use crate::error::{HeaderProblem, RequestError, check_header_value};
use crate::seed::Random;

/// How long Stripe keeps an idempotency key: 24 hours. An older key no longer protects
/// against a duplicate.
pub const KEY_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A validated idempotency key: 1 to 255 printable ASCII characters, no whitespace.
///
/// Keys this crate generates are UUID v7, so a persisted key tells its own age.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    /// Checked visible ASCII; held as the header value every attempt sends (its clones share
    /// one buffer).
    key: HeaderValue,
    created_at: Option<SystemTime>,
}

impl IdempotencyKey {
    /// Validates a caller-supplied key (for example one persisted before a crash).
    ///
    /// If the key is a UUID v7 its creation time is read from it; otherwise use
    /// [`IdempotencyKey::with_created_at`] to tell it, or its age stays unknown.
    pub fn new(key: impl Into<String>) -> Result<Self, RequestError> {
        let key = key.into();
        check_header_value(&key, false, 255).map_err(RequestError::IdempotencyKey)?;
        let created_at = uuid_v7_time(&key);
        Ok(Self {
            key: shared(key).ok_or(RequestError::IdempotencyKey(
                HeaderProblem::ControlOrNonAscii,
            ))?,
            created_at,
        })
    }

    /// Records when this key was first used, for keys that are not UUID v7.
    #[must_use]
    pub fn with_created_at(mut self, at: SystemTime) -> Self {
        self.created_at = Some(at);
        self
    }

    /// A fresh UUID v7 key from the wall-clock time and the call's random stream.
    pub(crate) fn generate(wall: SystemTime, random: &mut Random) -> Self {
        let millis = wall
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let mut bytes = [0u8; 10];
        random.fill(&mut bytes);
        let uuid = uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid();
        // The UUID keeps the low 48 bits of the milliseconds; so does the creation time, as
        // if it were read back from the key, without parsing the text just written.
        let created_at = UNIX_EPOCH.checked_add(Duration::from_millis(millis & 0xFFFF_FFFF_FFFF));
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        uuid.hyphenated().encode_lower(&mut text);
        Self {
            // One allocation that the attempts' copies share (a copy of the text in a `Vec`
            // would take a second when first shared). A UUID's text is visible ASCII:
            // `from_static` of an empty value never stands in.
            key: HeaderValue::from_maybe_shared(bytes::Bytes::from_owner(text))
                .unwrap_or(HeaderValue::from_static("")),
            created_at,
        }
    }

    /// The key as sent in the `Idempotency-Key` header.
    pub fn as_str(&self) -> &str {
        // Checked visible ASCII when made, so `to_str` cannot fail.
        self.key.to_str().unwrap_or_default()
    }

    /// When the key was created, if known.
    pub fn created_at(&self) -> Option<SystemTime> {
        self.created_at
    }

    /// The key's age at `now`, if its creation time is known (zero if it lies in the future).
    pub fn age(&self, now: SystemTime) -> Option<Duration> {
        self.created_at
            .map(|t| now.duration_since(t).unwrap_or(Duration::ZERO))
    }

    /// Whether the key is known to be older than [`KEY_LIFETIME`] at `now`.
    pub fn is_expired(&self, now: SystemTime) -> bool {
        self.age(now).is_some_and(|age| age > KEY_LIFETIME)
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({:?})", self.as_str())
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for IdempotencyKey {
    type Err = RequestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// A checked key as a header value owning its text (no copy).
fn shared(key: String) -> Option<HeaderValue> {
    HeaderValue::from_maybe_shared(bytes::Bytes::from(key)).ok()
}

impl IdempotencyKey {
    /// The key as the header value every attempt sends.
    pub(crate) fn header_value(&self) -> &HeaderValue {
        &self.key
    }
}

/// The creation time embedded in a UUID v7, if `key` is one.
fn uuid_v7_time(key: &str) -> Option<SystemTime> {
    let uuid = uuid::Uuid::try_parse(key).ok()?;
    if uuid.get_version_num() != 7 {
        return None;
    }
    let b = uuid.as_bytes();
    let millis = b[..6]
        .iter()
        .fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
    UNIX_EPOCH.checked_add(Duration::from_millis(millis))
}
