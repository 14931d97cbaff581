//! The journal's one error type.

use std::fmt;

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
    /// intent has moved on. Do not send; the new holder resumes with the same key.
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
                "lease on operation {id} was lost (taken over or finished elsewhere): do not send"
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
        }
    }
}

impl std::error::Error for JournalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Store(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}
