//! Advice: what the caller should do next, for every final outcome. The table lives in the
//! crate docs ("Advice table"); this module is its one implementation.

use std::fmt;

use http::StatusCode;

use crate::request::{Method, Namespace};

/// What to do after a final outcome, from the rules of Stripe's idempotency layer: a key
/// protects only while no response was received and for 24 hours.
///
/// Requests with a key (every POST, a v2 DELETE) get the `...Key...` and `Reconcile` variants;
/// a GET or a v1 DELETE carries none, so it gets [`Advice::Retry`] and [`Advice::FixRequest`],
/// whose words never mention one. A v2 request is never told to reconcile after a 5xx: Stripe
/// finishes its work on a retry with the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Advice {
    /// The request succeeded.
    Success,
    /// A POST: retry later with the same key (persist it): no response was received, or 409/429
    /// was the last answer. Safe within 24 h of the key's creation.
    RetrySameKey,
    /// A GET or DELETE: retry later; it has no side effect to fear.
    Retry,
    /// A POST that is wrong (400, 401, 403, 404, `idempotency_error`): fix it, then send it with
    /// a new key. The same key would only replay the stored error.
    NewKeyAfterFix,
    /// A GET or DELETE that is wrong (4xx), or any request refused before sending: fix it.
    FixRequest,
    /// A card error (402): after the customer acts (new card, new details), use a new key.
    NewKeyAfterCustomerAction,
    /// The original POST may have taken effect (a final 5xx to a v1 POST, or a key older than
    /// 24 h): check with a list/retrieve, a search or the webhook events before retrying with
    /// a new key.
    Reconcile,
}

impl Advice {
    /// The advice for a final HTTP answer to a v1 request of `method`
    /// ([`Advice::for_answer`] with [`Namespace::V1`]).
    pub fn for_status(method: Method, status: StatusCode) -> Self {
        Self::for_answer(Namespace::V1, method, status)
    }

    /// The advice for a final HTTP answer to a request of `method` in `namespace`.
    pub fn for_answer(namespace: Namespace, method: Method, status: StatusCode) -> Self {
        let keyed = namespace.carries_key(method);
        match status.as_u16() {
            200..=299 => Self::Success,
            402 if keyed => Self::NewKeyAfterCustomerAction,
            409 | 429 => Self::no_response(namespace, method),
            // v2: "retries don't repeat successful operations; Stripe retries failed or
            // partially failed work to completion" (Stripe's idempotency docs).
            500..=599 if keyed && namespace == Namespace::V2 => Self::RetrySameKey,
            500..=599 if keyed => Self::Reconcile,
            500..=599 => Self::Retry,
            _ if keyed => Self::NewKeyAfterFix,
            _ => Self::FixRequest,
        }
    }

    /// The advice when no answer came back (or only 409/429): the same key for a request that
    /// has one, a plain retry otherwise.
    pub(crate) fn no_response(namespace: Namespace, method: Method) -> Self {
        if namespace.carries_key(method) {
            Self::RetrySameKey
        } else {
            Self::Retry
        }
    }

    /// The advice in plain words, for logs and command-line tools.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::RetrySameKey => {
                "retry with the same idempotency key (persist it; safe within 24 h of its creation)"
            }
            Self::Retry => "retry later: a GET or DELETE has no side effect to fear",
            Self::NewKeyAfterFix => {
                "the request itself is wrong: fix it, then send it with a new idempotency key"
            }
            Self::FixRequest => "the request itself is wrong: fix it, then send it again",
            Self::NewKeyAfterCustomerAction => {
                "card error: after the customer acts (new card or details), use a new idempotency key"
            }
            Self::Reconcile => {
                "reconcile first: the original may have taken effect; check with a list/retrieve, a search or webhook events before retrying with a new key"
            }
        }
    }
}

impl fmt::Display for Advice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}
