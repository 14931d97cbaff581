//! [`Event<T>`]: a snapshot (API v1) event, generic over the object it carries.
//!
//! The fields and their optionality are Stripe's `event` schema (OpenAPI spec, API version
//! 2023-08-16: required `id`, `object`, `type`, `created`, `livemode`, `pending_webhooks`,
//! `data`; `api_version` and `request` nullable; `account` only on events of a connected
//! account), its `notification_event_data` (`object` required, `previous_attributes` optional)
//! and `notification_event_request` (`id`, `idempotency_key`, both nullable).

use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::{Deserialize, DeserializeOwned, Deserializer, Error, MapAccess};
use serde_json::{Map, Value};

use super::open::{self, Extra, Open, required, set};
use super::{EventType, WebhookError, check_object, parse_payload, verify_signature};

/// The `object` of a snapshot event.
const OBJECT: &str = "event";

/// What a snapshot event is called in errors.
const EXPECTED: &str = "a snapshot event";

/// A snapshot (API v1) event: the envelope Stripe sends to a webhook endpoint and returns from
/// `GET /v1/events/{id}`, with `data.object` as `T` (`serde_json::Value` by default, or a
/// struct of your own).
///
/// Members this crate does not know are kept ([`Event::extra`]) and serialized again, so an
/// event read and written back loses nothing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event<T = Value> {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<String>,
    #[serde(rename = "type")]
    event_type: EventType,
    created: i64,
    api_version: Option<String>,
    livemode: bool,
    pending_webhooks: u64,
    data: EventData<T>,
    request: Option<EventRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    #[serde(flatten)]
    extra: Extra,
}

/// An event's `data`: the object as it was when the event happened, and for `*.updated`
/// events the values its changed attributes had before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventData<T = Value> {
    object: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_attributes: Option<Map<String, Value>>,
    #[serde(flatten)]
    extra: Extra,
}

/// The API request that caused an event: a snapshot event's `request`, and a thin event's
/// `reason.request`; its id and idempotency key, each absent for events no request caused (an
/// automatic payout, say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRequest {
    id: Option<String>,
    idempotency_key: Option<String>,
    #[serde(flatten)]
    extra: Extra,
}

/// Verifies a snapshot event's signature (as [`verify_signature`]), then parses it into an
/// [`Event<T>`]: the typed counterpart of [`super::verify`].
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use stripe_core::webhook::{self, DEFAULT_TOLERANCE, EventType};
///
/// let payload = br#"{"id":"evt_1","object":"event","type":"charge.succeeded","created":1700000000,
///   "livemode":false,"pending_webhooks":1,"api_version":"2023-08-16",
///   "data":{"object":{"id":"ch_1","object":"charge","amount":2000}},
///   "request":{"id":"req_1","idempotency_key":"k-1"}}"#;
/// let header = webhook::sign(payload, "whsec_test", 1_700_000_000);
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_010);
/// let event: webhook::Event = webhook::parse_event(payload, &header, "whsec_test", now, Some(DEFAULT_TOLERANCE))?;
/// assert_eq!(event.event_type(), &EventType::CHARGE_SUCCEEDED);
/// assert_eq!(event.object()["amount"], 2000);
/// assert_eq!(event.request().and_then(|r| r.idempotency_key()), Some("k-1"));
/// # Ok::<(), webhook::WebhookError>(())
/// ```
pub fn parse_event<T: DeserializeOwned>(
    payload: &[u8],
    header: &str,
    secret: &str,
    now: SystemTime,
    tolerance: Option<Duration>,
) -> Result<Event<T>, WebhookError> {
    verify_signature(payload, header, secret, now, tolerance)?;
    Event::from_slice(payload)
}

impl<T: DeserializeOwned> Event<T> {
    /// Parses an event whose authenticity is already known (the body of `GET /v1/events/{id}`,
    /// or a payload verified earlier); a webhook's payload goes through [`parse_event`].
    pub fn from_slice(json: &[u8]) -> Result<Self, WebhookError> {
        let event: Self = parse_payload(json, OBJECT, EXPECTED)?;
        check_object(event.object.as_deref(), OBJECT)?;
        Ok(event)
    }
}

impl<T> Event<T> {
    /// The event's id (`evt_...`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its type (`charge.succeeded`, ...).
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }

    /// When it happened, in unix seconds.
    pub fn created(&self) -> i64 {
        self.created
    }

    /// The API version `data` was rendered with (absent for some old events).
    pub fn api_version(&self) -> Option<&str> {
        self.api_version.as_deref()
    }

    /// Whether it happened in live mode.
    pub fn livemode(&self) -> bool {
        self.livemode
    }

    /// How many endpoints had not acknowledged it yet when it was sent.
    pub fn pending_webhooks(&self) -> u64 {
        self.pending_webhooks
    }

    /// Its `data`.
    pub fn data(&self) -> &EventData<T> {
        &self.data
    }

    /// The object it carries (`data.object`).
    pub fn object(&self) -> &T {
        &self.data.object
    }

    /// The object it carries, taken out of the event.
    pub fn into_object(self) -> T {
        self.data.object
    }

    /// The request that caused it.
    pub fn request(&self) -> Option<&EventRequest> {
        self.request.as_ref()
    }

    /// The connected account it happened on (`account`), for events of a Connect endpoint.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// The members this crate does not know, kept as they came.
    pub fn extra(&self) -> &Map<String, Value> {
        self.extra.as_map()
    }
}

impl<T> EventData<T> {
    /// The object as it was when the event happened.
    pub fn object(&self) -> &T {
        &self.object
    }

    /// For `*.updated` events, the changed attributes' values before the change.
    pub fn previous_attributes(&self) -> Option<&Map<String, Value>> {
        self.previous_attributes.as_ref()
    }

    /// The members this crate does not know, kept as they came.
    pub fn extra(&self) -> &Map<String, Value> {
        self.extra.as_map()
    }
}

impl EventRequest {
    /// A request of known members only.
    pub(super) fn known(id: Option<String>, idempotency_key: Option<String>) -> Self {
        Self {
            id,
            idempotency_key,
            extra: Extra::default(),
        }
    }

    /// The request's id (`req_...`).
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The idempotency key it was sent with: the one to look up in your records (or the
    /// journal's) to tell your own requests' events from others'.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    /// The members this crate does not know, kept as they came.
    pub fn extra(&self) -> &Map<String, Value> {
        self.extra.as_map()
    }
}

// Reading: each known member straight into its type, the others kept (`open.rs`).

pub(super) struct EventParts<T> {
    id: Option<String>,
    object: Option<Option<String>>,
    event_type: Option<EventType>,
    created: Option<i64>,
    api_version: Option<Option<String>>,
    livemode: Option<bool>,
    pending_webhooks: Option<u64>,
    data: Option<EventData<T>>,
    request: Option<Option<EventRequest>>,
    account: Option<Option<String>>,
}

impl<'de, T: Deserialize<'de>> Open<'de> for Event<T> {
    const EXPECTING: &'static str = EXPECTED;
    type Parts = EventParts<T>;

    fn parts() -> EventParts<T> {
        EventParts {
            id: None,
            object: None,
            event_type: None,
            created: None,
            api_version: None,
            livemode: None,
            pending_webhooks: None,
            data: None,
            request: None,
            account: None,
        }
    }

    #[inline]
    fn member<A: MapAccess<'de>>(
        p: &mut EventParts<T>,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "id" => set(&mut p.id, "id", map),
            "object" => set(&mut p.object, "object", map),
            "type" => set(&mut p.event_type, "type", map),
            "created" => set(&mut p.created, "created", map),
            "api_version" => set(&mut p.api_version, "api_version", map),
            "livemode" => set(&mut p.livemode, "livemode", map),
            "pending_webhooks" => set(&mut p.pending_webhooks, "pending_webhooks", map),
            "data" => set(&mut p.data, "data", map),
            "request" => set(&mut p.request, "request", map),
            "account" => set(&mut p.account, "account", map),
            _ => Ok(false),
        }
    }

    #[inline]
    fn build<E: Error>(p: EventParts<T>, extra: Extra) -> Result<Self, E> {
        Ok(Self {
            id: required(p.id, "id")?,
            object: p.object.flatten(),
            event_type: required(p.event_type, "type")?,
            created: required(p.created, "created")?,
            api_version: p.api_version.flatten(),
            livemode: p.livemode.unwrap_or(false),
            pending_webhooks: p.pending_webhooks.unwrap_or(0),
            data: required(p.data, "data")?,
            request: p.request.flatten(),
            account: p.account.flatten(),
            extra,
        })
    }
}

impl<'de, T: Deserialize<'de>> Open<'de> for EventData<T> {
    const EXPECTING: &'static str = "an event's data {object, previous_attributes}";
    type Parts = (Option<T>, Option<Option<Map<String, Value>>>);

    fn parts() -> Self::Parts {
        (None, None)
    }

    #[inline]
    fn member<A: MapAccess<'de>>(
        (object, previous): &mut Self::Parts,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "object" => set(object, "object", map),
            "previous_attributes" => set(previous, "previous_attributes", map),
            _ => Ok(false),
        }
    }

    #[inline]
    fn build<E: Error>((object, previous): Self::Parts, extra: Extra) -> Result<Self, E> {
        Ok(Self {
            object: required(object, "object")?,
            previous_attributes: previous.flatten(),
            extra,
        })
    }
}

impl<'de> Open<'de> for EventRequest {
    const EXPECTING: &'static str = "an event's request {id, idempotency_key}";
    type Parts = (Option<Option<String>>, Option<Option<String>>);

    fn parts() -> Self::Parts {
        (None, None)
    }

    #[inline]
    fn member<A: MapAccess<'de>>(
        (id, idempotency_key): &mut Self::Parts,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "id" => set(id, "id", map),
            "idempotency_key" => set(idempotency_key, "idempotency_key", map),
            _ => Ok(false),
        }
    }

    #[inline]
    fn build<E: Error>((id, idempotency_key): Self::Parts, extra: Extra) -> Result<Self, E> {
        Ok(Self {
            id: id.flatten(),
            idempotency_key: idempotency_key.flatten(),
            extra,
        })
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Event<T> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        open::deserialize(d)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for EventData<T> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        open::deserialize(d)
    }
}

open::deserialize_open!(EventRequest);
