//! The fast way to read a notification: its known members and no other, derived straight into
//! the types of `thin.rs` (`deny_unknown_fields`, serde's `remote`, which this child module may
//! use on their private fields). What Stripe sends today reads this way at the cost of a struct
//! a user would derive (`bench/events.sh`); a payload with a member this crate does not know (or
//! any error) is read again by the path that keeps unknown members and names the error
//! (`open.rs`), so both give the same value or the same error (`tests/events_properties.rs`).

use serde::Deserialize;

use super::{EventNotification, EventRequest, EventType, Extra, Reason, RelatedObject};

#[derive(Deserialize)]
#[serde(remote = "EventNotification", deny_unknown_fields)]
pub(super) struct KnownOnly {
    id: String,
    #[serde(default)]
    object: Option<String>,
    #[serde(rename = "type")]
    event_type: EventType,
    created: String,
    #[serde(default)]
    livemode: bool,
    #[serde(default)]
    context: Option<String>,
    #[serde(default, deserialize_with = "known_related")]
    related_object: Option<RelatedObject>,
    #[serde(default, deserialize_with = "known_reason")]
    reason: Option<Reason>,
    #[serde(skip)]
    extra: Extra,
}

#[derive(Deserialize)]
#[serde(remote = "RelatedObject", deny_unknown_fields)]
struct KnownRelated {
    id: String,
    #[serde(rename = "type")]
    object_type: String,
    url: String,
    #[serde(skip)]
    extra: Extra,
}

#[derive(Deserialize)]
#[serde(remote = "Reason", deny_unknown_fields)]
struct KnownReason {
    #[serde(rename = "type")]
    reason_type: String,
    #[serde(default, deserialize_with = "known_request")]
    request: Option<EventRequest>,
    #[serde(skip)]
    extra: Extra,
}

#[derive(Deserialize)]
struct Related(#[serde(with = "KnownRelated")] RelatedObject);

#[derive(Deserialize)]
struct Why(#[serde(with = "KnownReason")] Reason);

/// A reason's request of known members only.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownRequest {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    idempotency_key: Option<String>,
}

fn known_related<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<RelatedObject>, D::Error> {
    Option::<Related>::deserialize(d).map(|r| r.map(|Related(r)| r))
}

fn known_reason<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Reason>, D::Error> {
    Option::<Why>::deserialize(d).map(|r| r.map(|Why(r)| r))
}

fn known_request<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<EventRequest>, D::Error> {
    Option::<KnownRequest>::deserialize(d)
        .map(|q| q.map(|q| EventRequest::known(q.id, q.idempotency_key)))
}
