//! The machine's public vocabulary with its drivers: the [`Step`] it asks for (a [`StoreOp`] to
//! perform, a call to start, an attempt to send, a sleep, the end) and the [`Input`] it is told
//! (a [`Stored`] result, the call started, the attempt's answer, the sleep over).

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use stripe_core::{Action, Call, Request, TransportError};

use crate::error::JournalError;
use crate::intent::{Intent, IntentId};
use crate::run::Run;
use crate::store::{AsyncStore, Loaded, Store};

/// A store primitive to perform, then [`Input::Stored`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreOp {
    /// [`crate::Store::load`]: answer [`Stored::Loaded`].
    Load(IntentId),
    /// [`crate::Store::insert`]: answer [`Stored::Written`].
    Insert(Intent),
    /// [`crate::Store::compare_and_set`]: answer [`Stored::Written`].
    Replace {
        /// The new row.
        row: Intent,
        /// The version it replaces.
        expected: u64,
    },
    /// [`crate::Store::claim`]: answer [`Stored::Claimed`].
    Claim {
        /// The new row, on the holder's clock.
        row: Intent,
        /// How far the store's clock may be from the holder's.
        max_skew: Duration,
    },
}

impl StoreOp {
    /// Performs the primitive on a blocking store: what every driver of the machine does with
    /// [`Step::Store`].
    pub fn perform(self, store: &dyn Store) -> Result<Stored, JournalError> {
        match self {
            Self::Load(id) => store.load(&id).map(Stored::Loaded),
            Self::Insert(row) => store.insert(&row).map(Stored::Written),
            Self::Replace { row, expected } => {
                store.compare_and_set(&row, expected).map(Stored::Written)
            }
            Self::Claim { row, max_skew } => store.claim(&row, max_skew).map(Stored::Claimed),
        }
    }

    /// Performs the primitive on an async store.
    pub async fn perform_async(self, store: &dyn AsyncStore) -> Result<Stored, JournalError> {
        match self {
            Self::Load(id) => store.load(&id).await.map(Stored::Loaded),
            Self::Insert(row) => store.insert(&row).await.map(Stored::Written),
            Self::Replace { row, expected } => store
                .compare_and_set(&row, expected)
                .await
                .map(Stored::Written),
            Self::Claim { row, max_skew } => store.claim(&row, max_skew).await.map(Stored::Claimed),
        }
    }
}

/// What a store primitive gave.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
// A load is one store round trip of every two: boxing the row would add an allocation to it.
#[allow(clippy::large_enum_variant)]
pub enum Stored {
    /// What a load found.
    Loaded(Loaded),
    /// Whether an insert or a compare-and-set took effect.
    Written(bool),
    /// The store's clock at a claim's insert, or `None` if it did not insert.
    Claimed(Option<SystemTime>),
}

/// What the driver must do next.
#[derive(Debug)]
#[non_exhaustive]
// `Send` is the common step and is taken apart at once, as stripe-core's `Action`.
#[allow(clippy::large_enum_variant)]
pub enum Step {
    /// Perform this store primitive, then [`Input::Stored`].
    Store(StoreOp),
    /// Start this Stripe call on the client (its key, when it has one, is the journal's), then
    /// [`Input::Started`] with the call and its first action.
    Call(Request),
    /// Send this attempt, over by `by`, then [`Input::Answer`].
    Send {
        /// The request, with every header.
        request: http::Request<Bytes>,
        /// When the attempt must be over: never later than the holder's lease allows.
        by: Instant,
    },
    /// Sleep until then, then [`Input::Woke`].
    Sleep(Instant),
    /// The run is over.
    Done(Result<Run, JournalError>),
    /// The run is over (`result`), and its final record goes behind it: hand `row` (replacing
    /// version `expected`) to [`crate::Store::compare_and_set_behind`] and return `result`
    /// without waiting for the write (why that is safe: there). After it, every poll is `Done`
    /// with an error.
    Finish {
        /// The run's outcome, which does not hang on the write.
        result: Result<Run, JournalError>,
        /// The row as recorded.
        row: Intent,
        /// The version it replaces.
        expected: u64,
    },
}

/// What happened since the last step.
#[derive(Debug)]
#[non_exhaustive]
pub enum Input {
    /// The store primitive's result.
    Stored(Result<Stored, JournalError>),
    /// The call started for [`Step::Call`], with its first action, or why it could not start.
    Started(Result<(Call, Action), stripe_core::Error>),
    /// The attempt's response, or the kind of its failure.
    Answer(Result<http::Response<Bytes>, TransportError>),
    /// The sleep is over.
    Woke,
}
