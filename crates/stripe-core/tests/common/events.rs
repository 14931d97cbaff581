//! What the events tests share (feature `webhook`): the vendored fixtures (`fixtures/`), a
//! secret and a signing time, a user's `PaymentIntent`, both parsers on a signed payload.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use stripe_core::webhook::{
    DEFAULT_TOLERANCE, Event, EventNotification, WebhookError, parse_event,
    parse_event_notification, sign,
};

pub const SECRET: &str = "whsec_events_test";
pub const SIGNED_AT: i64 = 1_750_000_000;
pub const SNAPSHOT: &[u8] = include_bytes!("../fixtures/event_payment_intent.json");
pub const THIN: &[u8] = include_bytes!("../fixtures/thin_account_updated.json");

/// Five seconds after `SIGNED_AT`.
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(SIGNED_AT).expect("positive") + 5)
}

/// A payment intent as a user types it: a few fields, the rest ignored.
#[derive(Debug, Deserialize, PartialEq)]
pub struct PaymentIntent {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub customer: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

/// `payload` signed at `SIGNED_AT` with `SECRET`, read by `parse_event` at `now()`.
pub fn snapshot<T: serde::de::DeserializeOwned>(payload: &[u8]) -> Result<Event<T>, WebhookError> {
    let header = sign(payload, SECRET, SIGNED_AT);
    parse_event(payload, &header, SECRET, now(), Some(DEFAULT_TOLERANCE))
}

/// `payload` signed at `SIGNED_AT` with `SECRET`, read by `parse_event_notification` at `now()`.
pub fn thin(payload: &[u8]) -> Result<EventNotification, WebhookError> {
    let header = sign(payload, SECRET, SIGNED_AT);
    parse_event_notification(payload, &header, SECRET, now(), Some(DEFAULT_TOLERANCE))
}
