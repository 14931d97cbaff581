//! How the journal asks Stripe whether an operation took effect: consistent reads only.
//!
//! A create (`POST /v1/charges`, `payment_intents`, `customers`, `refunds`) is looked up with the
//! resource's List endpoint (consistent, unlike Search, whose index lags writes by a minute and up
//! to an hour during incidents), over a `created` window around the intent's life and narrowed by
//! the customer, charge or payment intent the request names. Each object listed must carry the
//! operation's metadata (`metadata[<key>]` = the operation id, `metadata[<key>_ns]` = the journal's
//! namespace) and match the saved request (amount, currency, customer, charge, payment intent);
//! its status is the outcome (a failed charge is the decline it is). `.../confirm`,
//! `.../capture` and `.../cancel` take no metadata: the object their path names is retrieved and
//! its status read.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use stripe_core::list::ListWalk;
use stripe_core::{Request, Response};

use crate::decide::Resolution;
use crate::error::JournalError;
use crate::intent::{Answer, IntentId, SavedRequest};

/// Resources whose creation the journal settles by listing.
const LISTED: [&str; 4] = ["charges", "payment_intents", "customers", "refunds"];

/// The parameters of a create that an object found must match, where the request gave them.
const MATCHED: [&str; 5] = ["amount", "currency", "customer", "charge", "payment_intent"];

/// How far around the intent's life the `created` window reaches (Stripe's clock against the
/// store's).
const WINDOW_MARGIN: Duration = Duration::from_secs(600);

/// The most pages one lookup reads (100 objects each) before giving up as unreconcilable.
const MAX_PAGES: u32 = 20;

/// The path's segments after `/v1/`, without the query.
fn segments(path: &str) -> Vec<&str> {
    let path = path.split('?').next().unwrap_or_default();
    path.strip_prefix("/v1/")
        .map(|rest| rest.split('/').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

/// Whether a POST to `path` creates an object (`/v1/<resource>`), so it takes metadata and the
/// journal tags it with the operation id and namespace.
pub(crate) fn is_create(path: &str) -> bool {
    segments(path).len() == 1
}

/// The metadata names the journal tags a create with: the operation id's, the namespace's.
pub(crate) fn tag_names(metadata_key: &str) -> (String, String) {
    (metadata_key.to_owned(), format!("{metadata_key}_ns"))
}

/// How to look at Stripe to settle an operation's unknown outcome.
#[derive(Debug, Clone)]
pub(crate) enum Lookup {
    /// A create: list its resource and find the operation's object.
    List {
        /// The walk over `GET /v1/<resource>?...`, page by page (stripe-core's, with its cursor
        /// and loop checks), capped at [`MAX_PAGES`].
        walk: ListWalk,
        /// What the object must match: its metadata tags and the request's parameters.
        expect: Vec<(String, String)>,
        /// The resource (`charges`, ...).
        resource: String,
    },
    /// The rule before this journal (kept for the simulation's control run): Search on the
    /// operation's metadata, which lags writes; whatever it finds is taken.
    Search {
        /// `GET /v1/<resource>/search?query=...`.
        path: String,
    },
    /// An action on an object: retrieve it and read whether the action shows.
    Retrieve {
        /// `GET /v1/<resource>/<id>`.
        path: String,
        /// The resource (`payment_intents`, `charges`, `refunds`).
        resource: String,
        /// The action.
        action: String,
    },
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Lookup {
    /// The lookup for the saved request of operation `id`, tagged with `namespace`, whose life
    /// on Stripe lies between `from` and `to` (the store's clock).
    pub(crate) fn plan(
        saved: &SavedRequest,
        id: &IntentId,
        namespace: &str,
        metadata_key: &str,
        (from, to): (SystemTime, SystemTime),
    ) -> Result<Self, JournalError> {
        let unreconcilable = |detail: String| JournalError::Unreconcilable {
            id: id.clone(),
            detail,
        };
        match segments(saved.path()).as_slice() {
            [resource] if LISTED.contains(resource) => {
                let params: Vec<(String, String)> = form_urlencoded::parse(saved.body().as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                let given = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v);
                let (op_tag, ns_tag) = tag_names(metadata_key);
                let mut expect = vec![(format!("metadata[{op_tag}]"), id.op_id().to_owned())];
                // Intents claimed before namespaces (schema 1) were tagged without one.
                if !namespace.is_empty() {
                    expect.push((format!("metadata[{ns_tag}]"), namespace.to_owned()));
                }
                let start = from.checked_sub(WINDOW_MARGIN).unwrap_or(UNIX_EPOCH);
                let end = to.checked_add(WINDOW_MARGIN).unwrap_or(to);
                let mut query = vec![
                    ("created[gte]", unix(start).to_string()),
                    ("created[lte]", unix(end).to_string()),
                    ("limit", "100".to_owned()),
                ];
                for name in MATCHED {
                    if let Some(value) = given(name) {
                        expect.push((name.to_owned(), value.clone()));
                        let narrows = match *resource {
                            "charges" => matches!(name, "customer" | "payment_intent"),
                            "payment_intents" => name == "customer",
                            "refunds" => matches!(name, "charge" | "payment_intent"),
                            _ => false,
                        };
                        if narrows {
                            query.push((name, value.clone()));
                        }
                    }
                }
                let walk = ListWalk::new(&format!("/v1/{resource}"), &query)
                    .map_err(|e| JournalError::InvalidRequest(e.to_string()))?
                    .with_max_pages(MAX_PAGES);
                Ok(Self::List {
                    walk,
                    expect,
                    resource: (*resource).to_owned(),
                })
            }
            [resource, object, action]
                if matches!(*action, "confirm" | "capture" | "cancel")
                    && matches!(*resource, "payment_intents" | "charges" | "refunds")
                    && !object.is_empty() =>
            {
                Ok(Self::Retrieve {
                    path: format!("/v1/{resource}/{object}"),
                    resource: (*resource).to_owned(),
                    action: (*action).to_owned(),
                })
            }
            _ => Err(unreconcilable(format!(
                "no lookup for POST {} (creates of charges, payment_intents, customers and refunds are listed; confirm, capture and cancel are retrieved)",
                saved.path()
            ))),
        }
    }

    /// The lookup the journal made before consistent reads: Search (see [`Lookup::Search`]).
    pub(crate) fn search(
        saved: &SavedRequest,
        id: &IntentId,
        metadata_key: &str,
    ) -> Result<Self, JournalError> {
        match segments(saved.path()).as_slice() {
            [resource] if LISTED.contains(resource) && *resource != "refunds" => {
                let query = format!("metadata['{metadata_key}']:'{}'", id.op_id());
                let encoded: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair("query", &query)
                    .finish();
                Ok(Self::Search {
                    path: format!("/v1/{resource}/search?{encoded}"),
                })
            }
            _ => Self::plan(saved, id, "", metadata_key, (UNIX_EPOCH, UNIX_EPOCH)),
        }
    }

    /// Whether the lookup reads Search, whose index lags writes.
    pub(crate) fn lags(&self) -> bool {
        matches!(self, Self::Search { .. })
    }

    /// The GET of the next page (or of the object), with the scope as `Stripe-Account`.
    pub(crate) fn request(&self, id: &IntentId) -> Result<Request, JournalError> {
        let bad = |e: stripe_core::RequestError| JournalError::InvalidRequest(e.to_string());
        let request = match self {
            Self::List { walk, .. } => {
                walk.next_request()
                    .ok_or_else(|| JournalError::Unreconcilable {
                        id: id.clone(),
                        detail: "the lookup's list has no page left to read".into(),
                    })?
            }
            Self::Retrieve { path, .. } | Self::Search { path } => Request::get(path),
        };
        let mut request = request.map_err(bad)?;
        if !id.scope().is_empty() {
            request = request.with_stripe_account(id.scope()).map_err(bad)?;
        }
        Ok(request)
    }

    /// What one answer says: settled, or (a list with more pages) ask for the next one.
    pub(crate) fn interpret(
        &mut self,
        id: &IntentId,
        response: &Response,
    ) -> Result<Looked, JournalError> {
        let unreadable = |what: &str| JournalError::Unreconcilable {
            id: id.clone(),
            detail: format!(
                "the lookup answered {} ({what})",
                response.status().as_u16()
            ),
        };
        if !response.is_success() {
            return Err(unreadable("not a success"));
        }
        let body = response.json().ok_or_else(|| unreadable("not JSON"))?;
        match self {
            Self::List {
                walk,
                expect,
                resource,
            } => {
                let data =
                    walk.absorb(response.clone())
                        .map_err(|e| JournalError::Unreconcilable {
                            id: id.clone(),
                            detail: format!("the lookup's list: {e}"),
                        })?;
                // Oldest first: if duplicates exist already, the first one is the operation's
                // (`journal audit` reports the others).
                let found = data
                    .iter()
                    .filter(|o| matches_request(o, expect))
                    .min_by_key(|o| o["created"].as_i64().unwrap_or(i64::MAX));
                Ok(match found {
                    Some(object) => {
                        Looked::Settled(Resolution::Applied(outcome_of(resource, object)))
                    }
                    None if walk.is_done() => Looked::Settled(Resolution::NotApplied),
                    None => Looked::More,
                })
            }
            Self::Search { .. } => {
                let data = body["data"]
                    .as_array()
                    .ok_or_else(|| unreadable("no data array"))?;
                let first = data
                    .iter()
                    .min_by_key(|o| o["created"].as_i64().unwrap_or(i64::MAX));
                Ok(Looked::Settled(match first {
                    Some(object) => Resolution::Applied(Answer::new(200, object.to_string())),
                    None => Resolution::NotApplied,
                }))
            }
            Self::Retrieve {
                resource, action, ..
            } => retrieved(resource, action, body)
                .map(Looked::Settled)
                .ok_or_else(|| unreadable("unknown action")),
        }
    }
}

/// What one lookup answer said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Looked {
    /// The operation took effect (with this outcome), or, every page read, it did not.
    Settled(Resolution),
    /// Not on this page; there are more ([`Lookup::request`] asks for the next).
    More,
}

/// Whether a listed object carries the operation's tags and the request's parameters.
pub(crate) fn matches_request(object: &Value, expect: &[(String, String)]) -> bool {
    expect.iter().all(|(name, value)| {
        let (field, exact) = match name
            .strip_prefix("metadata[")
            .and_then(|n| n.strip_suffix(']'))
        {
            Some(key) => (&object["metadata"][key], true),
            // Stripe writes currencies in lower case whatever case they were given in.
            None => (&object[name.as_str()], name != "currency"),
        };
        match field {
            Value::String(s) if exact => s == value,
            Value::String(s) => s.eq_ignore_ascii_case(value),
            Value::Number(n) => n.to_string() == *value,
            // An expanded object: its id.
            Value::Object(o) => o.get("id").and_then(Value::as_str) == Some(value.as_str()),
            _ => false,
        }
    })
}

/// The outcome an object found stands for: a failed charge is the decline Stripe answered (402),
/// anything else the object as it stands (200).
fn outcome_of(resource: &str, object: &Value) -> Answer {
    if resource == "charges" && object["status"] == "failed" {
        let error = json!({
            "error": {
                "type": "card_error",
                "code": object["failure_code"].as_str().unwrap_or("card_declined"),
                "message": object["failure_message"].as_str().unwrap_or("Your card was declined."),
                "charge": object["id"],
            }
        });
        return Answer::new(402, error.to_string());
    }
    Answer::new(200, object.to_string())
}

/// What a retrieved object says of an action on it.
fn retrieved(resource: &str, action: &str, body: &Value) -> Option<Resolution> {
    let status = body["status"].as_str().unwrap_or_default();
    // A confirm that ran and was declined leaves the intent needing a payment method, with the
    // decline recorded: that decline is the outcome (Stripe answered 402), not a reason to try
    // the card again under a new key.
    if (resource, action) == ("payment_intents", "confirm")
        && status == "requires_payment_method"
        && body["last_payment_error"].is_object()
    {
        let mut error = body["last_payment_error"].clone();
        error["payment_intent"] = body.clone();
        let answer = json!({ "error": error });
        return Some(Resolution::Applied(Answer::new(402, answer.to_string())));
    }
    let applied = match (resource, action) {
        ("payment_intents", "confirm") => {
            !matches!(status, "requires_confirmation" | "requires_payment_method")
        }
        ("payment_intents", "capture") => status == "succeeded",
        ("charges", "capture") => body["captured"].as_bool() == Some(true),
        (_, "cancel") => status == "canceled",
        _ => return None,
    };
    Some(if applied {
        Resolution::Applied(Answer::new(200, body.to_string()))
    } else {
        Resolution::NotApplied
    })
}
