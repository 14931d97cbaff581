//! The pure parts of running an operation: the outgoing request, how a call ended, and how to
//! look at Stripe to settle an unknown outcome. No I/O here.

use stripe_core::{Advice, Error, IdempotencyKey, Method, Request, Response};

use crate::decide::CallResult;
use crate::error::JournalError;
use crate::fingerprint::Fingerprint;
use crate::intent::{Answer, IntentId, SavedRequest};
use crate::machine::lookup::{is_create, tag_names};

/// The request as the journal sends it: the caller's, plus `metadata[<key>]=<op>` and
/// `metadata[<key>_ns]=<namespace>` on a create, the journal's key, and the scope as
/// `Stripe-Account` when there is one.
pub(crate) fn outgoing(
    request: Request,
    id: &IntentId,
    key: &IdempotencyKey,
    metadata_key: &str,
    namespace: &str,
) -> Result<Request, JournalError> {
    let bad = |e: stripe_core::RequestError| JournalError::InvalidRequest(e.to_string());
    let mut request = request;
    if is_create(request.path()) {
        let (op_tag, ns_tag) = tag_names(metadata_key);
        let op_name = format!("metadata[{op_tag}]");
        let ns_name = format!("metadata[{ns_tag}]");
        request = request
            .with_params(&[
                (op_name.as_str(), id.op_id()),
                (ns_name.as_str(), namespace),
            ])
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

/// The request's saved form and its fingerprint; only POSTs are journaled.
pub(crate) fn save_and_fingerprint(
    request: &Request,
) -> Result<(SavedRequest, Fingerprint), JournalError> {
    let saved = save(request)?;
    let fp = Fingerprint::of("POST", saved.path(), saved.body().as_bytes());
    Ok((saved, fp))
}

/// A final answer as recorded: replayed or not.
fn answered(response: &Response) -> CallResult {
    if response.is_replayed() {
        CallResult::Replayed(answer(response))
    } else {
        CallResult::Answered(answer(response))
    }
}

/// How the call ended, for the journal: an answer, or by the client's advice.
pub(crate) fn call_result(result: &Result<Response, Error>) -> CallResult {
    match result {
        Ok(response) => answered(response),
        Err(error) => match (error.advice(), error.response()) {
            // No answer, or 409/429 to the end: same key next time.
            (Advice::RetrySameKey, _) => CallResult::NoResponse,
            // A final answer that came with the error (5xx to the end, a 4xx).
            (_, Some(response)) => answered(response),
            (Advice::Reconcile, None) => CallResult::Unknown,
            // Refused before sending, or anything else without an answer: keep the key.
            _ => CallResult::NoResponse,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(s: &str) -> IntentId {
        IntentId::op(s).expect("id")
    }

    #[test]
    fn only_creates_get_metadata_and_only_posts_are_saved() {
        let id = op("o/1");
        let key = IdempotencyKey::new("k-1").expect("key");
        let create = Request::post("/v1/charges", &[("amount", "100")]).expect("request");
        let out = outgoing(create, &id, &key, "op", "ns1").expect("outgoing");
        assert_eq!(
            out.body(),
            "amount=100&metadata%5Bop%5D=o%2F1&metadata%5Bop_ns%5D=ns1"
        );
        assert_eq!(out.idempotency_key(), Some(&key));
        let capture = Request::post("/v1/charges/ch_1/capture", &()).expect("request");
        let out = outgoing(capture, &id, &key, "op", "ns1").expect("outgoing");
        assert_eq!(out.body(), "");
        let get = Request::get("/v1/charges").expect("request");
        assert!(matches!(save(&get), Err(JournalError::InvalidRequest(_))));
    }
}
