//! The pure decisions: no I/O, no clock; the time and the random bytes of a new key are passed in.
//!
//! Each function takes the stored row (or none) and returns what to answer and what to write.
//! A store applies the write with compare-and-set on the row's version; if it loses the race it
//! reloads the row and decides again, so every decision is applied to the row it was made from.

use std::time::{SystemTime, UNIX_EPOCH};

use stripe_core::IdempotencyKey;

mod types;
pub use types::{BeginInput, BeginOptions, Begun, CallResult, Claim, Policy, Resolution, Write};

use crate::error::JournalError;
use crate::fingerprint::Fingerprint;
use crate::intent::{FailureAdvice, Intent, IntentId, Lease, ReconcileReason, State, StateKind};

/// A fresh UUID v7 idempotency key from a wall time and ten random bytes.
pub fn new_key(now: SystemTime, random: [u8; 10]) -> Result<IdempotencyKey, JournalError> {
    let millis = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let uuid = uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid();
    IdempotencyKey::new(uuid.hyphenated().to_string())
        .map_err(|e| JournalError::Corrupt(format!("generated key rejected: {e}")))
}

/// The decision table of `begin` (see the crate docs).
pub fn begin(
    row: Option<&Intent>,
    input: &BeginInput<'_>,
    policy: &Policy,
) -> Result<(Begun, Write), JournalError> {
    let Some(row) = row else {
        let fresh = fresh_claim(None, input.id, input.fingerprint, input, policy)?;
        let claim = Claim::from_intent(&fresh, input.owner, policy.until(input.now));
        return Ok((Begun::Proceed(claim), Write::Insert(fresh)));
    };
    if row.fingerprint != input.fingerprint {
        return Err(JournalError::Conflict {
            id: row.id.clone(),
            stored: row.fingerprint,
            given: input.fingerprint,
        });
    }
    match &row.state {
        State::Done(answer) => Ok((Begun::Done(answer.clone()), Write::Nothing)),
        State::Failed(advice, answer) => {
            if input.options.retry_failed() || *advice == FailureAdvice::NotApplied {
                reclaim(row, input, policy)
            } else {
                Ok((Begun::Failed(*advice, answer.clone()), Write::Nothing))
            }
        }
        State::ToReconcile(reason, answer) => {
            Ok((Begun::ToReconcile(*reason, answer.clone()), Write::Nothing))
        }
        State::Claimed | State::Sent => match &row.lease {
            Some(lease) if lease.is_live(input.now) => Ok((
                Begun::Busy {
                    owner: lease.owner().to_owned(),
                    until: lease.until(),
                },
                Write::Nothing,
            )),
            _ => take_over(row, input.owner, input.now, policy),
        },
    }
}

/// Takes over an in-flight intent whose lease expired or was released (used by `begin` and by
/// recovery): the same key while it is resumable; past that, it must be reconciled. A claimed
/// intent counts as possibly sent: the journal's hot path writes the claim and the outcome only.
pub fn take_over(
    row: &Intent,
    owner: &str,
    now: SystemTime,
    policy: &Policy,
) -> Result<(Begun, Write), JournalError> {
    if !row.state.is_in_flight() || row.lease.as_ref().is_some_and(|l| l.is_live(now)) {
        return Err(JournalError::WrongState {
            id: row.id.clone(),
            state: row.state.kind(),
            expected: "in flight with an expired or released lease",
        });
    }
    if policy.key_resumable(row.key_created_at, now) {
        let mut next = bump(row, now);
        next.epoch = row.epoch.saturating_add(1);
        next.lease = Some(Lease::new(owner, policy.until(now)));
        let mut claim = Claim::from_intent(&next, owner, policy.until(now));
        claim.resumed = true;
        return Ok((Begun::Proceed(claim), replace(next, row)));
    }
    let mut next = bump(row, now);
    next.state = State::ToReconcile(ReconcileReason::KeyExpired, None);
    next.lease = None;
    Ok((
        Begun::ToReconcile(ReconcileReason::KeyExpired, None),
        replace(next, row),
    ))
}

/// Marks the intent sent, durably, before the first byte leaves; renews the lease.
pub fn mark_sent(
    row: Option<&Intent>,
    claim: &Claim,
    now: SystemTime,
    policy: &Policy,
) -> Result<(Claim, Write), JournalError> {
    let (row, mut next, mut c) = relet(row, claim, now, policy)?;
    next.state = State::Sent;
    next.attempts = row.attempts.saturating_add(1);
    c.attempts = next.attempts;
    Ok((c, replace(next, row)))
}

/// Extends the holder's lease while its call runs.
pub fn renew(
    row: Option<&Intent>,
    claim: &Claim,
    now: SystemTime,
    policy: &Policy,
) -> Result<(Claim, Write), JournalError> {
    let (row, next, c) = relet(row, claim, now, policy)?;
    Ok((c, replace(next, row)))
}

/// The held row, the next version of it with the holder's lease extended from `now`, and the
/// claim that says so.
fn relet<'r>(
    row: Option<&'r Intent>,
    claim: &Claim,
    now: SystemTime,
    policy: &Policy,
) -> Result<(&'r Intent, Intent, Claim), JournalError> {
    let row = held(row, claim)?;
    let mut next = bump(row, now);
    next.lease = Some(Lease::new(&claim.owner, policy.until(now)));
    let mut c = claim.clone();
    c.lease_until = policy.until(now);
    Ok((row, next, c))
}

/// Gives the intent up without an outcome (the holder will not send, or stops): the lease is
/// released so the next `begin` takes it over at once, with the same key.
pub fn release(
    row: Option<&Intent>,
    claim: &Claim,
    now: SystemTime,
) -> Result<Write, JournalError> {
    let row = held(row, claim)?;
    let mut next = bump(row, now);
    next.lease = None;
    Ok(replace(next, row))
}

/// Records how the call ended; returns the new state.
///
/// | result | new state |
/// |---|---|
/// | 2xx | done (status, object id, body) |
/// | 402 | failed, customer action |
/// | 409, 429 | sent, lease released (resume with the same key) |
/// | 5xx | to reconcile (a POST may have taken effect) |
/// | other | failed, fix the request |
/// | no response | sent, lease released (resume with the same key) |
/// | unknown | to reconcile |
pub fn record(
    row: Option<&Intent>,
    claim: &Claim,
    result: CallResult,
    now: SystemTime,
) -> Result<(State, Write), JournalError> {
    let row = held(row, claim)?;
    let state = match result {
        CallResult::Answered(answer) => match answer.status() {
            200..=299 => State::Done(answer),
            402 => State::Failed(FailureAdvice::CustomerAction, Some(answer)),
            409 | 429 => State::Sent,
            500..=599 => State::ToReconcile(ReconcileReason::ServerError, Some(answer)),
            _ => State::Failed(FailureAdvice::FixRequest, Some(answer)),
        },
        CallResult::NoResponse => State::Sent,
        CallResult::Unknown => State::ToReconcile(ReconcileReason::UnknownOutcome, None),
    };
    let mut next = bump(row, now);
    next.state = state.clone();
    next.lease = None;
    Ok((state, replace(next, row)))
}

/// Settles an intent to reconcile with what a look at Stripe found.
pub fn resolve(
    row: Option<&Intent>,
    id: &IntentId,
    resolution: Resolution,
    now: SystemTime,
) -> Result<Write, JournalError> {
    let row = row.ok_or_else(|| JournalError::NotFound { id: id.clone() })?;
    if row.state.kind() != StateKind::ToReconcile {
        return Err(JournalError::WrongState {
            id: id.clone(),
            state: row.state.kind(),
            expected: "to_reconcile",
        });
    }
    let mut next = bump(row, now);
    next.state = match resolution {
        Resolution::Applied(answer) => State::Done(answer),
        Resolution::NotApplied => State::Failed(FailureAdvice::NotApplied, None),
    };
    next.lease = None;
    Ok(replace(next, row))
}

/// The row if `claim` still holds it: same holder generation, lease not released, in flight.
/// A lease past its end still counts while nobody took it over (the epoch would have grown).
fn held<'r>(row: Option<&'r Intent>, claim: &Claim) -> Result<&'r Intent, JournalError> {
    let lost = || JournalError::LeaseLost {
        id: claim.id.clone(),
    };
    let row = row.ok_or_else(lost)?;
    let holds =
        row.epoch == claim.epoch && row.lease.as_ref().is_some_and(|l| l.owner() == claim.owner);
    if !holds {
        return Err(lost());
    }
    if !row.state.is_in_flight() {
        return Err(JournalError::WrongState {
            id: claim.id.clone(),
            state: row.state.kind(),
            expected: "claimed or sent",
        });
    }
    Ok(row)
}

/// A new attempt with a new key over a failed (or never-sent) row.
fn reclaim(
    row: &Intent,
    input: &BeginInput<'_>,
    policy: &Policy,
) -> Result<(Begun, Write), JournalError> {
    let next = fresh_claim(Some(row), &row.id, row.fingerprint, input, policy)?;
    let claim = Claim::from_intent(&next, input.owner, policy.until(input.now));
    Ok((Begun::Proceed(claim), replace(next, row)))
}

fn fresh_claim(
    previous: Option<&Intent>,
    id: &IntentId,
    fingerprint: Fingerprint,
    input: &BeginInput<'_>,
    policy: &Policy,
) -> Result<Intent, JournalError> {
    let key = new_key(input.now, input.key_random)?;
    let key_created_at = key.created_at().unwrap_or(input.now);
    Ok(Intent {
        id: id.clone(),
        key,
        key_created_at,
        fingerprint,
        created_at: previous.map_or(input.now, |p| p.created_at),
        updated_at: input.now,
        state: State::Claimed,
        attempts: previous.map_or(0, |p| p.attempts),
        lease: Some(Lease::new(input.owner, policy.until(input.now))),
        epoch: previous.map_or(1, |p| p.epoch.saturating_add(1)),
        version: previous.map_or(1, |p| p.version.saturating_add(1)),
        request: input
            .request
            .clone()
            .or_else(|| previous.and_then(|p| p.request.clone())),
    })
}

fn bump(row: &Intent, now: SystemTime) -> Intent {
    let mut next = row.clone();
    next.version = row.version.saturating_add(1);
    next.updated_at = now.max(row.updated_at);
    next
}

fn replace(row: Intent, from: &Intent) -> Write {
    Write::Replace {
        row,
        expected: from.version,
    }
}
