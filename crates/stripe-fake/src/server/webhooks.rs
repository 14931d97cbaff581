//! Webhook delivery: every event the model records is signed (`Stripe-Signature: t=..,v1=..`,
//! HMAC-SHA256 under a `whsec_...` secret) and POSTed to a URL, at least once (failed attempts
//! are retried with backoff), with optional faults that deliver an event twice or late, so a
//! handler's de-duplication and ordering assumptions can be tested. Without a fault, events
//! arrive in the order the fake recorded them: one delivery at a time, each after the previous
//! one was answered (or given up after its retries); a `late` event goes on its own, and later
//! events overtake it.
//!
//! What is sent is chosen by [`WebhookEvents`]: snapshot events (v1 `event`s, the default),
//! thin notifications of v2 events (`{"id", "object": "v2.core.event", "type", "created",
//! "livemode", "context", "related_object", "reason"}`, whose receiver fetches the event from
//! `GET /v2/core/events/{id}`), or both; both are signed alike.
//!
//! The JSON form (`POST /_fake/webhooks`):
//! `{"url": "http://127.0.0.1:PORT/hook", "secret": "whsec_...", "events": "snapshot" | "thin"
//! | "both", "faults": [{"type": "charge.succeeded", "fault": "duplicate" | "late", "ms": 500,
//! "times": 1}]}`; `events` defaults to `snapshot`, a fault's `type` is optional (any event),
//! `ms` applies to `late` (default 500), `times` defaults to 1.

use std::fmt::Write as _;
use std::time::Duration;

use hmac::{KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Attempts per delivery before giving up.
const ATTEMPTS: u32 = 5;

/// What a webhook fault does to one event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookFaultKind {
    /// Deliver the event twice.
    Duplicate,
    /// Deliver the event after this many milliseconds (later events overtake it).
    Late {
        /// The delay.
        ms: u64,
    },
}

/// A fault for the next `times` events (of one type, or any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookFault {
    event_type: Option<String>,
    kind: WebhookFaultKind,
    times: u32,
}

impl WebhookFault {
    /// A fault for the next event of any type.
    pub fn new(kind: WebhookFaultKind) -> Self {
        Self {
            event_type: None,
            kind,
            times: 1,
        }
    }

    /// Restricts the fault to one event type (`charge.succeeded`).
    #[must_use]
    pub fn with_event_type(mut self, event_type: &str) -> Self {
        self.event_type = Some(event_type.to_owned());
        self
    }

    /// Applies the fault to this many events.
    #[must_use]
    pub fn with_times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }
}

/// Which events a webhook endpoint is sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookEvents {
    /// Snapshot events (v1 `event` objects, the object inside): the default.
    #[default]
    Snapshot,
    /// Thin notifications of v2 events (`v2.core.event`, naming a `related_object`).
    Thin,
    /// Both.
    Both,
}

impl WebhookEvents {
    /// Parses `snapshot`, `thin` or `both`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "snapshot" => Some(Self::Snapshot),
            "thin" => Some(Self::Thin),
            "both" => Some(Self::Both),
            _ => None,
        }
    }

    /// Whether snapshot events are sent.
    pub fn snapshot(self) -> bool {
        matches!(self, Self::Snapshot | Self::Both)
    }

    /// Whether thin notifications are sent.
    pub fn thin(self) -> bool {
        matches!(self, Self::Thin | Self::Both)
    }
}

/// Where and how to deliver events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    url: String,
    secret: String,
    events: WebhookEvents,
    faults: Vec<WebhookFault>,
}

impl WebhookConfig {
    /// Deliver to `url` (`http://HOST:PORT/path`), signed with `secret`.
    pub fn new(url: &str, secret: &str) -> Self {
        Self {
            url: url.to_owned(),
            secret: secret.to_owned(),
            events: WebhookEvents::default(),
            faults: Vec::new(),
        }
    }

    /// Sends these events (snapshot ones by default).
    #[must_use]
    pub fn with_events(mut self, events: WebhookEvents) -> Self {
        self.events = events;
        self
    }

    /// Which events are sent.
    pub fn events(&self) -> WebhookEvents {
        self.events
    }

    /// Adds a fault.
    #[must_use]
    pub fn with_fault(mut self, fault: WebhookFault) -> Self {
        self.faults.push(fault);
        self
    }

    /// The destination URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Parses the JSON form; the message says what is wrong.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let url = v["url"].as_str().ok_or("missing string `url`")?;
        split_url(url).ok_or("`url` must be http://HOST:PORT/path")?;
        let secret = v["secret"].as_str().unwrap_or("whsec_fake");
        let mut config = Self::new(url, secret);
        if let Some(events) = v.get("events") {
            let events = events
                .as_str()
                .and_then(WebhookEvents::parse)
                .ok_or("`events` must be \"snapshot\", \"thin\" or \"both\"")?;
            config = config.with_events(events);
        }
        for (i, f) in v["faults"].as_array().into_iter().flatten().enumerate() {
            let kind = match f["fault"].as_str() {
                Some("duplicate") => WebhookFaultKind::Duplicate,
                Some("late") => WebhookFaultKind::Late {
                    ms: f["ms"].as_u64().unwrap_or(500),
                },
                _ => {
                    return Err(format!(
                        "fault {i}: `fault` must be \"duplicate\" or \"late\""
                    ));
                }
            };
            let times = f["times"].as_u64().map_or(Ok(1), u32::try_from);
            let mut fault = WebhookFault::new(kind)
                .with_times(times.map_err(|_| format!("fault {i}: `times` too large"))?);
            if let Some(t) = f["type"].as_str() {
                fault = fault.with_event_type(t);
            }
            config = config.with_fault(fault);
        }
        Ok(config)
    }

    /// The fault for the next event of this type, consuming one `times`.
    pub(crate) fn take_fault(&mut self, event_type: &str) -> Option<WebhookFaultKind> {
        let fault = self
            .faults
            .iter_mut()
            .find(|f| f.times > 0 && f.event_type.as_deref().is_none_or(|t| t == event_type))?;
        fault.times -= 1;
        Some(fault.kind.clone())
    }

    pub(crate) fn secret(&self) -> &str {
        &self.secret
    }
}

/// The thin notification of a v2 event: the event without its `data`.
pub(crate) fn thin_notification(event: &Value) -> Value {
    let mut note = event.clone();
    if let Some(map) = note.as_object_mut() {
        map.remove("data");
    }
    note
}

/// `Stripe-Signature` for `payload` at `timestamp` under `secret`.
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    let mut out = format!("t={timestamp},v1=");
    if let Ok(mut mac) = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) {
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        for b in mac.finalize().into_bytes() {
            let _ = write!(out, "{b:02x}");
        }
    }
    out
}

/// `http://host:port/path` as (`host:port`, `/path`).
fn split_url(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains(|c: char| c.is_whitespace() || c == '@') {
        return None;
    }
    let authority = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    Some((authority, path.to_owned()))
}

/// One POST; the status answered, or `None` when there was no answer.
async fn post_once(url: &str, signature: &str, payload: &[u8]) -> Option<u16> {
    let (authority, path) = split_url(url)?;
    let mut stream = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(&authority))
        .await
        .ok()?
        .ok()?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)\r\nContent-Type: application/json; charset=utf-8\r\nStripe-Signature: {signature}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        payload.len()
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    stream.write_all(payload).await.ok()?;
    let mut buf = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
        .await
        .ok()?
        .ok()?;
    let line = String::from_utf8_lossy(buf.get(..n)?).into_owned();
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One event to deliver: where, under which secret, what.
#[derive(Debug)]
pub(crate) struct Delivery {
    url: String,
    secret: String,
    event: Value,
}

impl Delivery {
    /// `event` for the endpoint of `config`.
    pub(crate) fn new(config: &WebhookConfig, event: Value) -> Self {
        Self {
            url: config.url().to_owned(),
            secret: config.secret().to_owned(),
            event,
        }
    }

    /// Delivers the event (signed at send time), retrying until a 2xx or [`ATTEMPTS`] tries.
    async fn send(self) {
        let payload = self.event.to_string().into_bytes();
        for attempt in 0..ATTEMPTS {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
            let signature = sign(&payload, &self.secret, now);
            if post_once(&self.url, &signature, &payload)
                .await
                .is_some_and(|s| (200..300).contains(&s))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
        }
    }

    /// Delivers the event after `delay` (a `late` fault).
    pub(crate) async fn send_after(self, delay: Duration) {
        tokio::time::sleep(delay).await;
        self.send().await;
    }
}

/// Delivers the queued events one at a time, each after the one before it is answered (or
/// given up), so that an endpoint receives them in the order the fake recorded them.
pub(crate) async fn deliver_in_order(mut queue: tokio::sync::mpsc::UnboundedReceiver<Delivery>) {
    while let Some(delivery) = queue.recv().await {
        delivery.send().await;
    }
}
