//! Advice: what the caller should do next, for every final outcome.
//!
//! | outcome | advice |
//! |---|---|
//! | 2xx | [`Advice::Success`] |
//! | no response (transport error), 409, 429 | [`Advice::RetrySameKey`] (within 24 h of the key's creation) |
//! | 5xx on GET or DELETE | [`Advice::RetrySameKey`] (no key: a plain retry is safe) |
//! | 400, 401, 403, 404, `idempotency_error`, other 4xx, 1xx/3xx | [`Advice::NewKeyAfterFix`] |
//! | 402 (declines, bad numbers, expired cards) | [`Advice::NewKeyAfterCustomerAction`] |
//! | 5xx on POST, a key older than 24 h, a lost 2xx body | [`Advice::Reconcile`] |

use std::fmt;

use http::StatusCode;

use crate::request::Method;

/// What to do after a final outcome, from the rules of Stripe's idempotency layer: a key
/// protects only while no response was received and for 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Advice {
    /// The request succeeded.
    Success,
    /// Retry later with the same key (persist it): no response was received, or 409/429 was the
    /// last answer. Safe within 24 h of the key's creation. For GET/DELETE, a plain retry.
    RetrySameKey,
    /// The request itself is wrong (400, 401, 403, 404, `idempotency_error`): fix it, then send it
    /// with a new key. The same key would only replay the stored error.
    NewKeyAfterFix,
    /// A card error (402): after the customer acts (new card, new details), use a new key.
    NewKeyAfterCustomerAction,
    /// The original may have taken effect (a final 5xx on a POST, or a key older than 24 h):
    /// check with a list/retrieve or the webhook events before retrying with a new key.
    Reconcile,
}

impl Advice {
    /// The advice for a final HTTP answer to `method`.
    pub fn for_status(method: Method, status: StatusCode) -> Self {
        match status.as_u16() {
            200..=299 => Self::Success,
            402 => Self::NewKeyAfterCustomerAction,
            409 | 429 => Self::RetrySameKey,
            500..=599 if method == Method::Post => Self::Reconcile,
            500..=599 => Self::RetrySameKey,
            _ => Self::NewKeyAfterFix,
        }
    }

    /// The advice in plain words, for logs and command-line tools.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::RetrySameKey => {
                "retry with the same idempotency key (persist it; safe within 24 h of its creation)"
            }
            Self::NewKeyAfterFix => {
                "the request itself is wrong: fix it, then send it with a new idempotency key"
            }
            Self::NewKeyAfterCustomerAction => {
                "card error: after the customer acts (new card or details), use a new idempotency key"
            }
            Self::Reconcile => {
                "reconcile first: the original may have taken effect; check with a list/retrieve or webhook events before retrying with a new key"
            }
        }
    }
}

impl fmt::Display for Advice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}
