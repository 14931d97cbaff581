//! [`EventNotification`]: a thin event notification, as an event destination (API v2) delivers
//! it, and what to fetch next ([`Fetch`]).
//!
//! Its fields, and where each is pinned:
//! - `id`, `object` (`"v2.core.event"`), `type`, `created` (an RFC 3339 string, as every v2
//!   timestamp), `livemode`, `context` (nullable), `reason` (nullable; `type` `"request"` with
//!   `request.id` and `request.idempotency_key`): Stripe's API reference, "The Event object"
//!   of `/v2/core/events`, and the official Python SDK's `EventNotification` and `Reason`
//!   (`stripe/v2/core/_event.py`);
//! - `related_object` (`id`, `type`, `url`; absent on types with no object): the reference's
//!   event types page ("Object containing the reference to API resource relevant to the
//!   event"), and the SDK's `RelatedObject` (optional on its `UnknownEventNotification`);
//! - the fetches: the SDK's `fetch_event` (`GET /v2/core/events/{id}`) and
//!   `fetch_related_object` (`GET related_object.url`), both with the notification's `context`
//!   as the `Stripe-Context` header.
//!
//! Anything else (`data`, `changes` of a fetched event, `snapshot_event` of a v1 thin event)
//! is kept in [`EventNotification::extra`].

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::{Error, MapAccess};
use serde_json::{Map, Value};

use super::open::{self, Extra, Open, required, set};
use super::{EventRequest, EventType, WebhookError, check_object, parse_payload, verify_signature};
use crate::{Request, RequestError};

/// The `object` of a thin event.
const OBJECT: &str = "v2.core.event";

/// What a thin event is called in errors.
const EXPECTED: &str = "a thin event notification";

/// A thin event notification: which event happened, to which object, in which account's
/// context; not the object itself (fetch it: [`EventNotification::fetch_related_object`]).
///
/// It also reads the full event `GET /v2/core/events/{id}` returns, whose `data` and
/// `changes` land in [`EventNotification::extra`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventNotification {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<String>,
    #[serde(rename = "type")]
    event_type: EventType,
    created: String,
    livemode: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    related_object: Option<RelatedObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<Reason>,
    #[serde(flatten)]
    extra: Extra,
}

/// The object an event is about: its id, its type and the path to GET it at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelatedObject {
    id: String,
    #[serde(rename = "type")]
    object_type: String,
    url: String,
    #[serde(flatten)]
    extra: Extra,
}

/// Why an event happened: for `type` `"request"`, the API request that caused it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    #[serde(rename = "type")]
    reason_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<EventRequest>,
    #[serde(flatten)]
    extra: Extra,
}

/// A GET to make next, in an account's context: the path, and the value of the request's
/// `Stripe-Context` header (none: the key's own account).
///
/// [`Fetch::request`] makes the [`Request`], its path checked as every request's is; the
/// client sends it with [`Fetch::context`] as `Stripe-Context`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch<'a> {
    path: Cow<'a, str>,
    context: Option<&'a str>,
}

/// Verifies a thin event notification's signature (as [`verify_signature`]), then parses it:
/// the counterpart of the official SDKs' `parse_event_notification`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use stripe_core::webhook::{self, DEFAULT_TOLERANCE};
///
/// let payload = br#"{"id":"evt_test_65R1","object":"v2.core.event","type":"v2.core.account.updated",
///   "created":"2025-01-02T03:04:05.678Z","livemode":false,"context":"acct_1Nv0FGQ9RKHgCVdK",
///   "related_object":{"id":"acct_1Nv0FGQ9RKHgCVdK","type":"v2.core.account",
///                     "url":"/v2/core/accounts/acct_1Nv0FGQ9RKHgCVdK"}}"#;
/// let header = webhook::sign(payload, "whsec_test", 1_700_000_000);
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_010);
/// let note = webhook::parse_event_notification(payload, &header, "whsec_test", now, Some(DEFAULT_TOLERANCE))?;
/// let event = note.fetch_event();
/// assert_eq!(event.path(), "/v2/core/events/evt_test_65R1");
/// assert_eq!(event.context(), Some("acct_1Nv0FGQ9RKHgCVdK"));
/// let object = note.fetch_related_object().expect("it has one");
/// assert_eq!(object.path(), "/v2/core/accounts/acct_1Nv0FGQ9RKHgCVdK");
/// # Ok::<(), webhook::WebhookError>(())
/// ```
pub fn parse_event_notification(
    payload: &[u8],
    header: &str,
    secret: &str,
    now: SystemTime,
    tolerance: Option<Duration>,
) -> Result<EventNotification, WebhookError> {
    verify_signature(payload, header, secret, now, tolerance)?;
    EventNotification::from_slice(payload)
}

impl EventNotification {
    /// Parses a notification (or a fetched v2 event) whose authenticity is already known; a
    /// webhook's payload goes through [`parse_event_notification`].
    #[inline]
    pub fn from_slice(json: &[u8]) -> Result<Self, WebhookError> {
        // Only known members (what Stripe sends today): read as plain derived structs. Anything
        // else is read again by the path that keeps unknown members and names errors.
        let mut known = serde_json::Deserializer::from_slice(json);
        if let Ok(note) = KnownOnly::deserialize(&mut known)
            && known.end().is_ok()
        {
            check_object(note.object.as_deref(), OBJECT)?;
            return Ok(note);
        }
        let note: Self = parse_payload(json, OBJECT, EXPECTED)?;
        check_object(note.object.as_deref(), OBJECT)?;
        Ok(note)
    }

    /// The event's id (`evt_...`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its type (`v2.core.account.updated`, ...).
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }

    /// When it happened, as Stripe wrote it (RFC 3339, e.g. `2025-01-02T03:04:05.678Z`).
    pub fn created(&self) -> &str {
        &self.created
    }

    /// Whether it happened in live mode.
    pub fn livemode(&self) -> bool {
        self.livemode
    }

    /// The account context to fetch the event and its object in (`Stripe-Context`).
    pub fn context(&self) -> Option<&str> {
        self.context.as_deref()
    }

    /// The object the event is about, when it has one.
    pub fn related_object(&self) -> Option<&RelatedObject> {
        self.related_object.as_ref()
    }

    /// Why it happened.
    pub fn reason(&self) -> Option<&Reason> {
        self.reason.as_ref()
    }

    /// The members this crate does not know, kept as they came.
    pub fn extra(&self) -> &Map<String, Value> {
        self.extra.as_map()
    }

    /// The GET of the full event, `/v2/core/events/{id}`, in the notification's context.
    pub fn fetch_event(&self) -> Fetch<'_> {
        Fetch {
            path: Cow::Owned(format!("/v2/core/events/{}", self.id)),
            context: self.context(),
        }
    }

    /// The GET of the related object at its `url`, in the notification's context; `None` when
    /// the event has no related object.
    pub fn fetch_related_object(&self) -> Option<Fetch<'_>> {
        let object = self.related_object.as_ref()?;
        Some(Fetch {
            path: Cow::Borrowed(&object.url),
            context: self.context(),
        })
    }
}

impl RelatedObject {
    /// The object's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its type (`v2.core.account`, `billing.meter`, ...).
    pub fn object_type(&self) -> &str {
        &self.object_type
    }

    /// The path to GET it at (`/v2/core/accounts/acct_...`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The members this crate does not know, kept as they came.
    pub fn extra(&self) -> &Map<String, Value> {
        self.extra.as_map()
    }
}

impl Reason {
    /// The reason's type (`request`).
    pub fn reason_type(&self) -> &str {
        &self.reason_type
    }

    /// The request that caused the event, for type `request` (the same shape as a snapshot
    /// event's `request`).
    pub fn request(&self) -> Option<&EventRequest> {
        self.request.as_ref()
    }

    /// The members this crate does not know, kept as they came.
    pub fn extra(&self) -> &Map<String, Value> {
        self.extra.as_map()
    }
}

impl Fetch<'_> {
    /// The path to GET, as given (checked by [`Fetch::request`]).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The `Stripe-Context` header's value, if the notification had a context.
    pub fn context(&self) -> Option<&str> {
        self.context
    }

    /// The GET request, its path checked as every request's (a relative `/v<N>/` path, no
    /// authority, no `..`, no control characters): an id or url that would point elsewhere
    /// is a [`RequestError::Path`]. The context is not in it: send it as `Stripe-Context`.
    pub fn request(&self) -> Result<Request, RequestError> {
        Request::get(&self.path)
    }
}

// Reading: each known member straight into its type, the others kept (`open.rs`).

#[derive(Default)]
pub(super) struct NotificationParts {
    id: Option<String>,
    object: Option<Option<String>>,
    event_type: Option<EventType>,
    created: Option<String>,
    livemode: Option<bool>,
    context: Option<Option<String>>,
    related_object: Option<Option<RelatedObject>>,
    reason: Option<Option<Reason>>,
}

impl<'de> Open<'de> for EventNotification {
    const EXPECTING: &'static str = EXPECTED;
    type Parts = NotificationParts;

    fn parts() -> NotificationParts {
        NotificationParts::default()
    }

    #[inline]
    fn member<A: MapAccess<'de>>(
        p: &mut NotificationParts,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "id" => set(&mut p.id, "id", map),
            "object" => set(&mut p.object, "object", map),
            "type" => set(&mut p.event_type, "type", map),
            "created" => set(&mut p.created, "created", map),
            "livemode" => set(&mut p.livemode, "livemode", map),
            "context" => set(&mut p.context, "context", map),
            "related_object" => set(&mut p.related_object, "related_object", map),
            "reason" => set(&mut p.reason, "reason", map),
            _ => Ok(false),
        }
    }

    #[inline]
    fn build<E: Error>(p: NotificationParts, extra: Extra) -> Result<Self, E> {
        Ok(Self {
            id: required(p.id, "id")?,
            object: p.object.flatten(),
            event_type: required(p.event_type, "type")?,
            created: required(p.created, "created")?,
            livemode: p.livemode.unwrap_or(false),
            context: p.context.flatten(),
            related_object: p.related_object.flatten(),
            reason: p.reason.flatten(),
            extra,
        })
    }
}

impl<'de> Open<'de> for RelatedObject {
    const EXPECTING: &'static str = "a related object {id, type, url}";
    type Parts = [Option<String>; 3];

    fn parts() -> [Option<String>; 3] {
        Default::default()
    }

    #[inline]
    fn member<A: MapAccess<'de>>(
        [id, object_type, url]: &mut [Option<String>; 3],
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "id" => set(id, "id", map),
            "type" => set(object_type, "type", map),
            "url" => set(url, "url", map),
            _ => Ok(false),
        }
    }

    #[inline]
    fn build<E: Error>(
        [id, object_type, url]: [Option<String>; 3],
        extra: Extra,
    ) -> Result<Self, E> {
        Ok(Self {
            id: required(id, "id")?,
            object_type: required(object_type, "type")?,
            url: required(url, "url")?,
            extra,
        })
    }
}

impl<'de> Open<'de> for Reason {
    const EXPECTING: &'static str = "a reason {type, request}";
    type Parts = (Option<String>, Option<Option<EventRequest>>);

    fn parts() -> Self::Parts {
        (None, None)
    }

    #[inline]
    fn member<A: MapAccess<'de>>(
        (reason_type, request): &mut Self::Parts,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "type" => set(reason_type, "type", map),
            "request" => set(request, "request", map),
            _ => Ok(false),
        }
    }

    #[inline]
    fn build<E: Error>((reason_type, request): Self::Parts, extra: Extra) -> Result<Self, E> {
        Ok(Self {
            reason_type: required(reason_type, "type")?,
            request: request.flatten(),
            extra,
        })
    }
}

open::deserialize_open!(EventNotification, RelatedObject, Reason);

mod known;
use known::KnownOnly;
