//! What a journaled run returns, and what recovery did.

use serde::de::DeserializeOwned;
use stripe_core::{Advice, Method};

use crate::intent::{Answer, IntentId};

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

/// What one recovery pass did, counted per action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    pub(crate) resumed: u64,
    pub(crate) reconciled_applied: u64,
    pub(crate) reconciled_not_applied: u64,
    pub(crate) unsettled: u64,
    pub(crate) unfinished: u64,
    pub(crate) errors: Vec<(IntentId, String)>,
}

impl RecoveryReport {
    /// Abandoned intents taken over and sent again with their key, to an answer.
    pub fn resumed(&self) -> u64 {
        self.resumed
    }
    /// Intents a look at Stripe found applied: done with the object found.
    pub fn reconciled_applied(&self) -> u64 {
        self.reconciled_applied
    }
    /// Intents a look at Stripe found not applied: sent again with a new key.
    pub fn reconciled_not_applied(&self) -> u64 {
        self.reconciled_not_applied
    }
    /// Intents to reconcile still too young for Search: left for a later pass.
    pub fn unsettled(&self) -> u64 {
        self.unsettled
    }
    /// Intents whose call ended again without an outcome (no response): left for a later pass.
    pub fn unfinished(&self) -> u64 {
        self.unfinished
    }
    /// Intents that could not be handled, with why (the rest of the pass went on).
    pub fn errors(&self) -> &[(IntentId, String)] {
        &self.errors
    }
    /// Every intent looked at.
    pub fn total(&self) -> u64 {
        self.resumed
            + self.reconciled_applied
            + self.reconciled_not_applied
            + self.unsettled
            + self.unfinished
            + self.errors.len() as u64
    }
}

impl std::fmt::Display for RecoveryReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "resumed {}, reconciled applied {}, reconciled not applied {}, unsettled {}, unfinished {}, errors {}",
            self.resumed,
            self.reconciled_applied,
            self.reconciled_not_applied,
            self.unsettled,
            self.unfinished,
            self.errors.len()
        )
    }
}
