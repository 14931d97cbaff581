//! The pure parts of running an operation: the outgoing request, how a call ended, and how to
//! look at Stripe to settle an unknown outcome. No I/O here.

use stripe_core::{Advice, Error, IdempotencyKey, Method, Request, Response};

use crate::decide::{CallResult, Resolution};
use crate::error::JournalError;
use crate::intent::{Answer, IntentId, SavedRequest};

/// Resources whose creation the journal settles by Search on its metadata.
const SEARCHABLE: [&str; 4] = ["charges", "payment_intents", "customers", "refunds"];

/// The path's segments after `/v1/`, without the query.
fn segments(path: &str) -> Vec<&str> {
    let path = path.split('?').next().unwrap_or_default();
    path.strip_prefix("/v1/")
        .map(|rest| rest.split('/').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

/// Whether a POST to `path` creates an object (`/v1/<resource>`), so it takes metadata and
/// the journal tags it with the operation id.
pub(crate) fn is_create(path: &str) -> bool {
    segments(path).len() == 1
}

/// The request as the journal sends it: the caller's, plus `metadata[<name>]=<op>` on a
/// create, the journal's key, and the scope as `Stripe-Account` when there is one.
pub(crate) fn outgoing(
    request: Request,
    id: &IntentId,
    key: &IdempotencyKey,
    metadata_key: &str,
) -> Result<Request, JournalError> {
    let bad = |e: stripe_core::RequestError| JournalError::InvalidRequest(e.to_string());
    let mut request = request;
    if is_create(request.path()) {
        let name = format!("metadata[{metadata_key}]");
        request = request
            .with_params(&[(name.as_str(), id.op_id())])
            .map_err(bad)?;
    }
    if !id.scope().is_empty() {
        request = request.with_stripe_account(id.scope()).map_err(bad)?;
    }
    request.with_idempotency_key(key.clone()).map_err(bad)
}

/// The request a saved one stands for (as recovery re-sends it).
pub(crate) fn rebuild(saved: &SavedRequest) -> Result<Request, JournalError> {
    Request::new(Method::Post, saved.path())
        .and_then(|r| r.with_encoded_params(saved.body()))
        .map_err(|e| JournalError::InvalidRequest(format!("saved request: {e}")))
}

/// What a caller's request is saved as; only POSTs are journaled.
pub(crate) fn save(request: &Request) -> Result<SavedRequest, JournalError> {
    if request.method() != Method::Post {
        return Err(JournalError::InvalidRequest(format!(
            "{} {}: only POSTs are journaled (GET and DELETE are safe to repeat)",
            request.method(),
            request.path()
        )));
    }
    Ok(SavedRequest::new(request.path(), request.body()))
}

/// A response as the journal records it.
pub(crate) fn answer(response: &Response) -> Answer {
    Answer::new(
        response.status().as_u16(),
        String::from_utf8_lossy(response.bytes()).into_owned(),
    )
}

/// How the call ended, for the journal: an answer, or by the client's advice.
pub(crate) fn call_result(result: &Result<Response, Error>) -> CallResult {
    match result {
        Ok(response) => CallResult::Answered(answer(response)),
        Err(error) => match (error.advice(), error.response()) {
            // No answer, or 409/429 to the end: same key next time.
            (Advice::RetrySameKey, _) => CallResult::NoResponse,
            // A final answer that came with the error (5xx to the end, a 4xx).
            (_, Some(response)) => CallResult::Answered(answer(response)),
            (Advice::Reconcile, None) => CallResult::Unknown,
            // Refused before sending, or anything else without an answer: keep the key.
            _ => CallResult::NoResponse,
        },
    }
}

/// How to look at Stripe to settle an operation's unknown outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// A create: search its resource for the operation's metadata. Search lags writes.
    Search {
        /// `GET /v1/<resource>/search?query=...`.
        path: String,
    },
    /// An action on an object (`.../confirm`, `.../capture`, `.../cancel`): retrieve the
    /// object and read whether the action shows.
    Retrieve {
        /// `GET /v1/<resource>/<id>`.
        path: String,
        /// The resource (`payment_intents`, `charges`, `refunds`).
        resource: String,
        /// The action.
        action: String,
    },
}

impl Lookup {
    /// The lookup for a saved request of operation `id`.
    pub(crate) fn plan(
        saved: &SavedRequest,
        id: &IntentId,
        metadata_key: &str,
    ) -> Result<Self, JournalError> {
        let unreconcilable = |detail: String| JournalError::Unreconcilable {
            id: id.clone(),
            detail,
        };
        match segments(saved.path()).as_slice() {
            [resource] if SEARCHABLE.contains(resource) => {
                let op = id.op_id();
                let quote = if !op.contains('\'') {
                    '\''
                } else if !op.contains('"') {
                    '"'
                } else {
                    return Err(unreconcilable(
                        "the operation id holds both quote characters: Search cannot name it"
                            .into(),
                    ));
                };
                let query = format!("metadata['{metadata_key}']:{quote}{op}{quote}");
                let encoded: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair("query", &query)
                    .finish();
                Ok(Self::Search {
                    path: format!("/v1/{resource}/search?{encoded}"),
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
                "no lookup for POST {} (creates of charges, payment_intents, customers and refunds are searched; confirm, capture and cancel are retrieved)",
                saved.path()
            ))),
        }
    }

    /// The GET to send (with the scope as `Stripe-Account`).
    pub(crate) fn request(&self, id: &IntentId) -> Result<Request, JournalError> {
        let path = match self {
            Self::Search { path } | Self::Retrieve { path, .. } => path,
        };
        let mut request =
            Request::get(path).map_err(|e| JournalError::InvalidRequest(e.to_string()))?;
        if !id.scope().is_empty() {
            request = request
                .with_stripe_account(id.scope())
                .map_err(|e| JournalError::InvalidRequest(e.to_string()))?;
        }
        Ok(request)
    }

    /// Whether the lookup reads Search, whose index lags writes.
    pub(crate) fn lags(&self) -> bool {
        matches!(self, Self::Search { .. })
    }

    /// What the lookup's answer says.
    pub(crate) fn interpret(
        &self,
        id: &IntentId,
        response: &Response,
    ) -> Result<Resolution, JournalError> {
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
            Self::Search { .. } => {
                let data = body["data"]
                    .as_array()
                    .ok_or_else(|| unreadable("no data array"))?;
                // Oldest first: if duplicates exist already, the first one is the operation's.
                let first = data
                    .iter()
                    .min_by_key(|o| o["created"].as_i64().unwrap_or(i64::MAX));
                Ok(match first {
                    Some(object) => Resolution::Applied(Answer::new(200, object.to_string())),
                    None => Resolution::NotApplied,
                })
            }
            Self::Retrieve {
                resource, action, ..
            } => {
                let status = body["status"].as_str().unwrap_or_default();
                // A confirm that ran and was declined leaves the intent needing a payment
                // method, with the decline recorded: that decline is the outcome (Stripe
                // answered 402), not a reason to try the card again under a new key.
                if (resource.as_str(), action.as_str()) == ("payment_intents", "confirm")
                    && status == "requires_payment_method"
                    && body["last_payment_error"].is_object()
                {
                    let mut error = body["last_payment_error"].clone();
                    error["payment_intent"] = body.clone();
                    let answer = serde_json::json!({ "error": error });
                    return Ok(Resolution::Applied(Answer::new(402, answer.to_string())));
                }
                let applied = match (resource.as_str(), action.as_str()) {
                    ("payment_intents", "confirm") => {
                        !matches!(status, "requires_confirmation" | "requires_payment_method")
                    }
                    ("payment_intents", "capture") => status == "succeeded",
                    ("charges", "capture") => body["captured"].as_bool() == Some(true),
                    (_, "cancel") => status == "canceled",
                    _ => return Err(unreadable("unknown action")),
                };
                Ok(if applied {
                    Resolution::Applied(Answer::new(200, body.to_string()))
                } else {
                    Resolution::NotApplied
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(s: &str) -> IntentId {
        IntentId::op(s).expect("id")
    }

    #[test]
    fn creates_are_searched_actions_retrieved_others_refused() {
        let id = op("order-42/charge");
        let search = Lookup::plan(&SavedRequest::new("/v1/charges", ""), &id, "op").expect("plan");
        assert_eq!(
            search,
            Lookup::Search {
                path: "/v1/charges/search?query=metadata%5B%27op%27%5D%3A%27order-42%2Fcharge%27"
                    .into()
            }
        );
        assert!(search.lags());
        let confirm = SavedRequest::new("/v1/payment_intents/pi_1/confirm", "");
        let retrieve = Lookup::plan(&confirm, &id, "op").expect("plan");
        assert!(
            matches!(&retrieve, Lookup::Retrieve { path, .. } if path == "/v1/payment_intents/pi_1")
        );
        assert!(!retrieve.lags());
        for path in [
            "/v1/customers/cus_1",
            "/v1/payment_methods",
            "/v1/x/y/attach",
        ] {
            let r = Lookup::plan(&SavedRequest::new(path, ""), &id, "op");
            assert!(
                matches!(r, Err(JournalError::Unreconcilable { .. })),
                "{path}"
            );
        }
        let quoted = Lookup::plan(&SavedRequest::new("/v1/refunds", ""), &op("it's"), "op");
        assert!(matches!(quoted, Ok(Lookup::Search { path }) if path.contains("%22it%27s%22")));
        let both = Lookup::plan(&SavedRequest::new("/v1/refunds", ""), &op("'\""), "op");
        assert!(both.is_err());
    }

    #[test]
    fn only_creates_get_metadata_and_only_posts_are_saved() {
        let id = op("o/1");
        let key = IdempotencyKey::new("k-1").expect("key");
        let create = Request::post("/v1/charges", &[("amount", "100")]).expect("request");
        let out = outgoing(create, &id, &key, "op").expect("outgoing");
        assert_eq!(out.body(), "amount=100&metadata%5Bop%5D=o%2F1");
        assert_eq!(out.idempotency_key(), Some(&key));
        let capture = Request::post("/v1/charges/ch_1/capture", &()).expect("request");
        let out = outgoing(capture, &id, &key, "op").expect("outgoing");
        assert_eq!(out.body(), "");
        let get = Request::get("/v1/charges").expect("request");
        assert!(matches!(save(&get), Err(JournalError::InvalidRequest(_))));
    }
}
