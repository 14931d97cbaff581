//! What every API v2 endpoint shares: the family of a path, v2 lists (`next_page_url`), v2
//! timestamps (RFC 3339 text) and the v2 events objects emit.
//!
//! The v2 request and idempotency rules themselves live where v1's do (`phases.rs`,
//! `idempotency.rs`), chosen per request by [`is_v2`].

use serde_json::{Value, json};

use super::Model;
use super::errors::ApiError;
use super::list::{self, ListParams};
use super::params::Params;
use crate::registry::Call;

/// Whether a request path belongs to API v2 (`/v2/...`): JSON bodies, v2 errors, keys on POST
/// and DELETE, retries completed rather than replayed.
pub(crate) fn is_v2(path: &str) -> bool {
    path.starts_with("/v2/")
}

/// The parameters a v2 list takes besides its filters.
pub(crate) const LIST_PARAMS: [&str; 2] = ["limit", "page"];

/// One page of `objects` (oldest first, as stored) as a v2 list, newest first:
/// `{"data", "next_page_url", "previous_page_url"}`. `page` is the token a previous page's
/// `next_page_url` carries; the next page's URL keeps the request's other query parameters
/// (`filters`), so following it walks the same selection.
pub(crate) fn page<'a>(
    objects: impl DoubleEndedIterator<Item = &'a Value>,
    call: &Call<'_>,
    filters: &[&str],
) -> Result<Value, ApiError> {
    let p = call.params();
    let mut lp = ListParams::parse(p)?;
    lp.starting_after = p.get("page").map(str::to_owned);
    let path = call.route().path();
    let v1 = list::page(objects, &lp, path, call.resource().object())
        .map_err(|e| e.with_parameter("page"))?;
    let data = v1["data"].as_array().cloned().unwrap_or_default();
    let next = match (v1["has_more"].as_bool(), data.last()) {
        (Some(true), Some(last)) => {
            let mut query = form_urlencoded::Serializer::new(String::new());
            query.append_pair("limit", &lp.limit.to_string());
            query.append_pair("page", last["id"].as_str().unwrap_or_default());
            for field in filters {
                if let Some(value) = p.get(field) {
                    query.append_pair(field, value);
                }
            }
            Value::String(format!("{}?{}", concrete(path, call), query.finish()))
        }
        _ => Value::Null,
    };
    Ok(json!({"data": data, "next_page_url": next, "previous_page_url": null}))
}

/// The route's path with its `{param}`s replaced by the request's path parameters.
fn concrete(template: &str, call: &Call<'_>) -> String {
    let mut values = call.path_params().iter();
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                values.next().map_or(segment, String::as_str)
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A v2 timestamp: RFC 3339 text in UTC with milliseconds (`"2023-11-14T22:13:20.000Z"`),
/// as v2 objects' `created` is.
pub(crate) fn timestamp(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let secs = unix_seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

/// A required string member of a v2 JSON body, or the 400 v2 answers for it.
pub(crate) fn required_str<'a>(p: &'a Params, name: &str) -> Result<&'a str, ApiError> {
    match p.json().and_then(|body| body.get(name)) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => Err(ApiError::invalid_param(
            name,
            "invalid_fields",
            format!("Invalid field: {name} must be a non-empty string."),
        )),
        None => Err(ApiError::invalid_param(
            name,
            "invalid_fields",
            format!("Missing required field: {name}."),
        )),
    }
}

impl Model {
    /// Records a v2 event (`v2.core.account.created`) about `object`, whose path is `url`:
    /// a `v2.core.event` naming it in `related_object`, in the `Stripe-Context` of the request
    /// being executed (its `context`), listed by `GET /v2/core/events` and
    /// delivered as a thin notification when the server is asked to.
    pub fn record_v2_event(&mut self, kind: &str, object: &Value, url: &str, at: i64) {
        let id = self.next_id("evt_");
        let event = json!({
            "id": id,
            "object": "v2.core.event",
            "type": kind,
            "created": timestamp(at),
            "livemode": false,
            "context": self.current_context,
            "related_object": {
                "id": object["id"],
                "type": object["object"],
                "url": url,
            },
            "reason": null,
            "data": {},
        });
        if let Ok(events) = self.collection_mut("v2.core.event") {
            // A fresh id: the insert cannot be refused.
            let _ = events.insert(event);
        }
    }

    /// The v2 events (`v2.core.event`), oldest first.
    pub fn v2_events(&self) -> &[Value] {
        self.objects("v2.core.event")
    }

    /// The current state of the object a stored v2 answer named, if it still exists: what a v2
    /// retry of a successful request answers ("returns an updated response").
    pub(crate) fn updated(&self, stored: &[u8]) -> Option<Vec<u8>> {
        let answer: Value = serde_json::from_slice(stored).ok()?;
        let current = self.find(answer["id"].as_str()?)?;
        Some(current.to_string().into_bytes())
    }
}

/// Merges a v2 `metadata` update into `object`'s: each key set, a `null` value removing its
/// key (v2 bodies are JSON, so `null` is how a key is removed).
pub(crate) fn merge_metadata(object: &mut Value, updates: &Value) {
    let Some(updates) = updates.as_object() else {
        return;
    };
    if !object["metadata"].is_object() {
        object["metadata"] = json!({});
    }
    if let Some(target) = object["metadata"].as_object_mut() {
        for (key, value) in updates {
            if value.is_null() {
                target.remove(key);
            } else {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::timestamp;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(timestamp(1_700_000_000), "2023-11-14T22:13:20.000Z");
        assert_eq!(timestamp(951_782_400), "2000-02-29T00:00:00.000Z");
    }
}
