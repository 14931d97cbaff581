//! The journal's one error type.

use std::fmt;

use std::time::SystemTime;

use crate::fingerprint::Fingerprint;
use crate::intent::{IntentId, StateKind};

/// Everything that can go wrong with the journal. Nothing was sent to Stripe when `begin`
/// returns an error.
#[derive(Debug)]
#[non_exhaustive]
pub enum JournalError {
    /// An operation id or scope is empty, too long or holds control characters.
    InvalidId {
        /// Which field.
        what: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The operation id is already used for a different request (method, path or params).
    Conflict {
        /// The operation.
        id: IntentId,
        /// The fingerprint stored with it.
        stored: Fingerprint,
        /// The fingerprint given now.
        given: Fingerprint,
    },
    /// The caller no longer holds the intent: its lease was taken over (it expired), or the
    /// intent has moved on. This holder sent nothing after it learnt so; the new holder resumes
    /// with the same key.
    LeaseLost {
        /// The operation.
        id: IntentId,
    },
    /// No intent with this id.
    NotFound {
        /// The operation.
        id: IntentId,
    },
    /// The intent is not in the state the call needs.
    WrongState {
        /// The operation.
        id: IntentId,
        /// Its state.
        state: StateKind,
        /// What the call needed.
        expected: &'static str,
    },
    /// Compare-and-set lost too many times in a row (heavy contention on one operation).
    Contention {
        /// The operation.
        id: IntentId,
    },
    /// A stored row could not be read back (a bad value in a column).
    Corrupt(String),
    /// The store's URL is not understood (the text says which forms are).
    InvalidUrl(String),
    /// The store's backend failed (I/O, SQL, connection).
    Store(Box<dyn std::error::Error + Send + Sync>),
    /// The operation has no outcome yet (another live holder has it, or its outcome cannot be
    /// settled yet): from [`crate::Run::into_outcome`]; nothing was sent.
    NotYet {
        /// The operation.
        id: IntentId,
        /// Why, and until when.
        detail: String,
    },
    /// This holder's wall clock is too far from the store's (the database's, for a fleet):
    /// leases and key ages are judged on the store's clock, and a holder that disagrees with it
    /// this much refuses to work. Nothing was sent.
    ClockSkew {
        /// The holder's wall clock.
        local: SystemTime,
        /// The store's.
        store: SystemTime,
        /// The largest difference allowed ([`crate::Policy::with_max_skew`]).
        max: std::time::Duration,
    },
    /// Pruning this young could remove an intent whose key may still be resumed or whose job
    /// may still be re-delivered; nothing was deleted.
    PruneTooYoung {
        /// The age asked for.
        asked: std::time::Duration,
        /// The youngest age that may be pruned: Stripe's key window plus the lease and the send
        /// grace.
        minimum: std::time::Duration,
    },
    /// The call to Stripe failed without a known outcome (no response, retries exhausted): the
    /// intent keeps its key, and the next run (or recovery) resumes it with that key.
    Stripe {
        /// The operation.
        id: IntentId,
        /// The client's error (its advice says what the journal will do next).
        error: Box<stripe_core::Error>,
    },
    /// The request cannot be journaled (not a POST, or not buildable): nothing was sent.
    InvalidRequest(String),
    /// The intent must be reconciled but the journal cannot look it up by itself (an endpoint
    /// it has no lookup for, or no saved request): look at Stripe, then [`crate::Journal::resolve`].
    Unreconcilable {
        /// The operation.
        id: IntentId,
        /// Why.
        detail: String,
    },
}

impl JournalError {
    /// Wraps a backend's error.
    pub fn store(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Store(Box::new(e))
    }
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidId { what, detail } => write!(f, "invalid {what}: {detail}"),
            Self::Conflict { id, stored, given } => write!(
                f,
                "operation {id} was begun for another request (stored fingerprint {stored}, given {given}); nothing sent"
            ),
            Self::LeaseLost { id } => write!(
                f,
                "lease on operation {id} was lost (taken over or finished elsewhere); this holder sends nothing more, the new holder resumes with the same key"
            ),
            Self::NotFound { id } => write!(f, "no intent for operation {id}"),
            Self::WrongState {
                id,
                state,
                expected,
            } => write!(
                f,
                "operation {id} is {}, expected {expected}",
                state.as_str()
            ),
            Self::Contention { id } => {
                write!(f, "too much contention on operation {id}; try again")
            }
            Self::Corrupt(detail) => write!(f, "corrupt journal row: {detail}"),
            Self::InvalidUrl(detail) => write!(f, "invalid journal URL: {detail}"),
            Self::Store(e) => write!(f, "journal store failed: {e}"),
            Self::NotYet { id, detail } => write!(f, "operation {id}: {detail}"),
            Self::ClockSkew { local, store, max } => write!(
                f,
                "this machine's clock ({} ms since the epoch) is more than {} ms from the store's ({} ms): refusing to work; nothing sent",
                crate::intent::millis(*local),
                max.as_millis(),
                crate::intent::millis(*store)
            ),
            Self::PruneTooYoung { asked, minimum } => write!(
                f,
                "refusing to prune intents younger than {} s: an intent may be resumed or re-delivered until it is {} s old (Stripe's key window, the lease and the send grace); nothing deleted",
                asked.as_secs(),
                minimum.as_secs()
            ),
            Self::Stripe { id, error } => write!(
                f,
                "operation {id}: the call ended without a known outcome; the journal resumes it with the same key"
            )
            .and_then(|()| {
                if error.nothing_sent() {
                    f.write_str(" (nothing was sent)")
                } else {
                    Ok(())
                }
            }),
            Self::InvalidRequest(detail) => write!(f, "request not journaled: {detail}"),
            Self::Unreconcilable { id, detail } => {
                write!(f, "operation {id} cannot be reconciled automatically: {detail}")
            }
        }
    }
}

impl std::error::Error for JournalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Store(e) => Some(e.as_ref()),
            Self::Stripe { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }
}
