//! What a journaled run returns, and what recovery did.

use serde::de::DeserializeOwned;
use stripe_core::{Advice, Method};

use std::time::SystemTime;

use crate::error::JournalError;
use crate::fingerprint::Fingerprint;
use crate::intent::{Answer, IntentId, ReconcileReason};

/// Where an outcome's answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// Stripe answered this run's call.
    Stripe,
    /// The journal had the answer already: Stripe was not called.
    Journal,
    /// A look at Stripe (Search, or a retrieve) found the operation's object.
    Reconciled,
}

/// The outcome of a journaled operation: Stripe's answer (status, object id, body) and where
/// it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    answer: Answer,
    source: Source,
}

impl Outcome {
    pub(crate) fn new(answer: Answer, source: Source) -> Self {
        Self { answer, source }
    }

    /// The HTTP status (a reconciled outcome has 200: the object as it stands).
    pub fn status(&self) -> u16 {
        self.answer.status()
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.answer.status())
    }

    /// The id of the object created or changed, if the body had one.
    pub fn object_id(&self) -> Option<&str> {
        self.answer.object_id()
    }

    /// The body (Stripe's JSON text; data, never to be printed raw to a terminal).
    pub fn body(&self) -> &str {
        self.answer.body()
    }

    /// The body read into the caller's type.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.answer.body())
    }

    /// The recorded answer.
    pub fn answer(&self) -> &Answer {
        &self.answer
    }

    /// Where the answer came from.
    pub fn source(&self) -> Source {
        self.source
    }

    /// Whether the answer was replayed from the journal, without calling Stripe.
    pub fn is_replayed(&self) -> bool {
        self.source == Source::Journal
    }

    /// What to do next, from the status (stripe-core's advice table for a POST).
    pub fn advice(&self) -> Advice {
        http::StatusCode::from_u16(self.answer.status())
            .map_or(Advice::Reconcile, |s| Advice::for_status(Method::Post, s))
    }
}

/// What a journaled run gave: Stripe's outcome, or one of the expected reasons it has none yet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Run {
    /// The operation's outcome (Stripe's answer, the journal's record of it, or what a look at
    /// Stripe found).
    Done(Outcome),
    /// Another live holder has the operation in flight until `until` (the store's clock);
    /// nothing was sent. [`crate::Journal::run_waiting`] waits and runs again.
    Busy {
        /// The holder.
        owner: String,
        /// Its lease's end.
        until: SystemTime,
    },
    /// The outcome is unknown and its key may still execute on Stripe: run it again, or
    /// recover, after `retry_at` (the store's clock). Nothing more was sent.
    Unsettled {
        /// Why it must be reconciled.
        reason: ReconcileReason,
        /// When a look at Stripe can settle it.
        retry_at: SystemTime,
    },
    /// The operation id was begun for another request (method, path or parameters); nothing
    /// was sent.
    Conflict {
        /// The fingerprint stored with the operation.
        stored: Fingerprint,
        /// The fingerprint of the request given now.
        given: Fingerprint,
    },
}

impl Run {
    /// The outcome, if the operation has one.
    pub fn outcome(&self) -> Option<&Outcome> {
        match self {
            Self::Done(outcome) => Some(outcome),
            _ => None,
        }
    }

    /// The outcome, or what stands in its way as an error (for `?`).
    pub fn into_outcome(self, id: &IntentId) -> Result<Outcome, JournalError> {
        match self {
            Self::Done(outcome) => Ok(outcome),
            Self::Busy { owner, until } => Err(JournalError::NotYet {
                id: id.clone(),
                detail: format!(
                    "in flight at holder {owner:?} until {} ms since the epoch; nothing sent",
                    crate::intent::millis(until)
                ),
            }),
            Self::Unsettled { reason, retry_at } => Err(JournalError::NotYet {
                id: id.clone(),
                detail: format!(
                    "must be reconciled ({}); a look at Stripe settles it after {} ms since the epoch",
                    reason.as_str(),
                    crate::intent::millis(retry_at)
                ),
            }),
            Self::Conflict { stored, given } => Err(JournalError::Conflict {
                id: id.clone(),
                stored,
                given,
            }),
        }
    }
}

/// What one recovery pass did, counted per action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    pub(crate) resumed: u64,
    pub(crate) reconciled_applied: u64,
    pub(crate) busy: u64,
    pub(crate) unsettled: u64,
    pub(crate) unfinished: u64,
    pub(crate) errors: Vec<(String, String)>,
}

impl RecoveryReport {
    /// Abandoned intents sent again (with their key, or a new one once the old one could never
    /// execute), to an answer from Stripe.
    pub fn resumed(&self) -> u64 {
        self.resumed
    }
    /// Intents a look at Stripe found applied: done with the object found.
    pub fn reconciled_applied(&self) -> u64 {
        self.reconciled_applied
    }
    /// Intents another live holder had in flight: left to it.
    pub fn busy(&self) -> u64 {
        self.busy
    }
    /// Intents to reconcile whose key may still execute: left for a later pass.
    pub fn unsettled(&self) -> u64 {
        self.unsettled
    }
    /// Intents whose call ended again without an outcome (no response): left for a later pass.
    pub fn unfinished(&self) -> u64 {
        self.unfinished
    }
    /// Intents that could not be handled (a corrupt row included), with which and why; the rest
    /// of the pass went on.
    pub fn errors(&self) -> &[(String, String)] {
        &self.errors
    }
    /// Every intent looked at.
    pub fn total(&self) -> u64 {
        self.resumed
            + self.reconciled_applied
            + self.busy
            + self.unsettled
            + self.unfinished
            + self.errors.len() as u64
    }

    /// Counts one intent's run.
    pub(crate) fn count(&mut self, id: &IntentId, result: Result<Run, JournalError>) {
        match result {
            Ok(Run::Done(o)) if o.source() == Source::Reconciled => self.reconciled_applied += 1,
            Ok(Run::Done(_)) => self.resumed += 1,
            Ok(Run::Busy { .. }) => self.busy += 1,
            Ok(Run::Unsettled { .. }) => self.unsettled += 1,
            Err(JournalError::Stripe { .. }) => self.unfinished += 1,
            Ok(other) => self.errors.push((id.to_string(), format!("{other:?}"))),
            Err(e) => self.errors.push((id.to_string(), e.to_string())),
        }
    }
}

impl std::fmt::Display for RecoveryReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "resumed {}, reconciled applied {}, busy {}, unsettled {}, unfinished {}, errors {}",
            self.resumed,
            self.reconciled_applied,
            self.busy,
            self.unsettled,
            self.unfinished,
            self.errors.len()
        )
    }
}
