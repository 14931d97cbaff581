//! The pure parts of running an operation: the outgoing request, how a call ended, and how to
//! look at Stripe to settle an unknown outcome. No I/O here.

use stripe_core::{Advice, Error, IdempotencyKey, Namespace, Request, Response};

use crate::decide::CallResult;
use crate::error::JournalError;
use crate::fingerprint::Fingerprint;
use crate::intent::{Answer, IntentId, SavedRequest};
use crate::machine::lookup::{is_create, tag_names};

/// The separator between the account and the `Stripe-Context` in an intent's scope.
const CONTEXT_MARK: char = '#';

/// A scope's parts: the account (or `""`) and the `Stripe-Context`, if any.
pub(crate) fn split_scope(scope: &str) -> (&str, Option<&str>) {
    match scope.split_once(CONTEXT_MARK) {
        Some((account, context)) => (account, Some(context)),
        None => (scope, None),
    }
}

/// The scope of an account (or `""`) and a `Stripe-Context`: `acct_1`, `acct_1#ctx` or `#ctx`.
pub(crate) fn join_scope(account: &str, context: Option<&str>) -> String {
    match context {
        Some(context) => format!("{account}{CONTEXT_MARK}{context}"),
        None => account.to_owned(),
    }
}

/// The request as the journal sends it: the caller's, plus `metadata[<key>]=<op>` and
/// `metadata[<key>_ns]=<namespace>` on a v1 create, the journal's key, and the scope as
/// `Stripe-Account` and `Stripe-Context` when it names them.
pub(crate) fn outgoing(
    request: Request,
    id: &IntentId,
    key: &IdempotencyKey,
    metadata_key: &str,
    namespace: &str,
) -> Result<Request, JournalError> {
    let bad = |e: stripe_core::RequestError| JournalError::InvalidRequest(e.to_string());
    let mut request = request;
    // A v2 POST is never looked up by listing (a retry with its key completes it): no tags.
    if request.namespace() == Namespace::V1 && is_create(request.path()) {
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
    let (account, context) = split_scope(id.scope());
    if !account.is_empty() {
        request = request.with_stripe_account(account).map_err(bad)?;
    }
    if let Some(context) = context {
        request = request.with_stripe_context(context).map_err(bad)?;
    }
    request.with_idempotency_key(key.clone()).map_err(bad)
}

/// The request a saved one stands for (as recovery re-sends it).
pub(crate) fn rebuild(saved: &SavedRequest) -> Result<Request, JournalError> {
    saved.to_request()
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
    let saved = SavedRequest::of(request)?;
    let fp = Fingerprint::of_saved(&saved);
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
        assert!(matches!(
            SavedRequest::of(&get),
            Err(JournalError::InvalidRequest(_))
        ));
    }
}
