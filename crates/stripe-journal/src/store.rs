//! The store trait: a few atomic primitives, and the journal's operations built on them with
//! compare-and-set, so every decision of [`crate::decide`] is applied to the row it was made from.

use std::time::SystemTime;

use crate::decide::{self, BeginInput, Begun, CallResult, Claim, Policy, Resolution, Write};
use crate::error::JournalError;
use crate::intent::{Intent, IntentId, State, StateKind};

/// How many times an operation reloads and decides again after losing a compare-and-set.
const MAX_TRIES: usize = 32;

/// A durable home for intents. Synchronous: async code calls it through
/// `tokio::task::spawn_blocking`. Implementations make each primitive atomic; the provided
/// methods (`begin`, `mark_sent`, `renew`, `release`, `record`, `resolve`, `recover`) load a row,
/// decide with [`crate::decide`] and write with [`Store::claim`] or [`Store::compare_and_set`],
/// deciding again if another writer got there first.
///
/// Every method's return means the write is durable (as durable as the backend is configured).
pub trait Store: Send + Sync {
    /// Inserts `intent` if no row has its id; `true` if it was inserted.
    fn claim(&self, intent: &Intent) -> Result<bool, JournalError>;

    /// The row with this id, if any.
    fn load(&self, id: &IntentId) -> Result<Option<Intent>, JournalError>;

    /// Replaces the row with `row`'s id by `row` if the stored version is `expected`; `true`
    /// if it was replaced.
    fn compare_and_set(&self, row: &Intent, expected: u64) -> Result<bool, JournalError>;

    /// Up to `limit` rows in state `kind`, oldest change first.
    fn list(&self, kind: StateKind, limit: usize) -> Result<Vec<Intent>, JournalError>;

    /// Up to `limit` candidates for recovery, oldest change first: in-flight rows whose lease
    /// ended before `now` or was released, and rows to reconcile.
    fn sweep(&self, now: SystemTime, limit: usize) -> Result<Vec<Intent>, JournalError>;

    /// Deletes done and failed rows last changed before `before`; never an in-flight row or one
    /// to reconcile. Returns how many were deleted.
    fn prune(&self, before: SystemTime) -> Result<u64, JournalError>;

    /// Decides `begin` over the stored row and applies it: see the crate docs' decision table.
    /// A `Proceed` means the claim is durable: only now may the caller send.
    fn begin(&self, input: &BeginInput<'_>, policy: &Policy) -> Result<Begun, JournalError> {
        apply(self, input.id, |row| decide::begin(row, input, policy))
    }

    /// Marks the held intent sent (durably) and renews its lease: call it right before sending.
    fn mark_sent(
        &self,
        claim: &Claim,
        now: SystemTime,
        policy: &Policy,
    ) -> Result<Claim, JournalError> {
        apply(self, claim.id(), |row| {
            decide::mark_sent(row, claim, now, policy)
        })
    }

    /// Renews the held intent's lease.
    fn renew(
        &self,
        claim: &Claim,
        now: SystemTime,
        policy: &Policy,
    ) -> Result<Claim, JournalError> {
        apply(self, claim.id(), |row| {
            decide::renew(row, claim, now, policy)
        })
    }

    /// Releases the held intent's lease without an outcome.
    fn release(&self, claim: &Claim, now: SystemTime) -> Result<(), JournalError> {
        apply(self, claim.id(), |row| {
            decide::release(row, claim, now).map(|w| ((), w))
        })
    }

    /// Records how the held intent's call ended; returns its new state.
    fn record(
        &self,
        claim: &Claim,
        result: CallResult,
        now: SystemTime,
    ) -> Result<State, JournalError> {
        apply(self, claim.id(), |row| {
            decide::record(row, claim, result.clone(), now)
        })
    }

    /// Settles an intent to reconcile.
    fn resolve(
        &self,
        id: &IntentId,
        resolution: Resolution,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        apply(self, id, |row| {
            decide::resolve(row, id, resolution.clone(), now).map(|w| ((), w))
        })
    }

    /// Takes over up to `limit` in-flight intents whose holders died, for `owner`: each becomes
    /// a `Proceed` (resume with the same key), or a `ToReconcile` when its key is too old. Rows
    /// another recoverer got first are skipped.
    fn recover(
        &self,
        owner: &str,
        now: SystemTime,
        policy: &Policy,
        limit: usize,
    ) -> Result<Vec<(IntentId, Begun)>, JournalError> {
        let mut out = Vec::new();
        for row in self.sweep(now, limit)? {
            if !row.state().is_in_flight() {
                continue;
            }
            let (begun, write) = decide::take_over(&row, owner, now, policy)?;
            if write_row(self, &write)? {
                out.push((row.id().clone(), begun));
            }
        }
        Ok(out)
    }
}

/// The three primitives the decision loop needs; stores and in-transaction views provide them.
pub(crate) trait Rows {
    fn load_row(&self, id: &IntentId) -> Result<Option<Intent>, JournalError>;
    fn insert_row(&self, intent: &Intent) -> Result<bool, JournalError>;
    fn cas_row(&self, row: &Intent, expected: u64) -> Result<bool, JournalError>;
}

impl<S: Store + ?Sized> Rows for S {
    fn load_row(&self, id: &IntentId) -> Result<Option<Intent>, JournalError> {
        self.load(id)
    }
    fn insert_row(&self, intent: &Intent) -> Result<bool, JournalError> {
        self.claim(intent)
    }
    fn cas_row(&self, row: &Intent, expected: u64) -> Result<bool, JournalError> {
        self.compare_and_set(row, expected)
    }
}

/// Load, decide, write; again while another writer wins the race.
pub(crate) fn apply<R, T: Rows + ?Sized>(
    rows: &T,
    id: &IntentId,
    mut decide: impl FnMut(Option<&Intent>) -> Result<(R, Write), JournalError>,
) -> Result<R, JournalError> {
    for _ in 0..MAX_TRIES {
        let row = rows.load_row(id)?;
        let (answer, write) = decide(row.as_ref())?;
        if write_row(rows, &write)? {
            return Ok(answer);
        }
    }
    Err(JournalError::Contention { id: id.clone() })
}

pub(crate) fn write_row<T: Rows + ?Sized>(rows: &T, write: &Write) -> Result<bool, JournalError> {
    match write {
        Write::Nothing => Ok(true),
        Write::Insert(intent) => rows.insert_row(intent),
        Write::Replace { row, expected } => rows.cas_row(row, *expected),
    }
}
