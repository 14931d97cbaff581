//! The holder's writes under its claim (each checks that the claim still holds the row): mark
//! sent, renew, release, and record how the call ended.

use std::time::{Duration, SystemTime};

use super::{CallResult, Claim, Policy, Write, bump, replace};
use crate::error::JournalError;
use crate::intent::{FailureAdvice, Intent, Lease, ReconcileReason, SavedRequest, State};

/// Marks the intent sent, durably, before the first byte leaves; renews the lease.
pub fn mark_sent(
    row: Option<&Intent>,
    claim: &Claim,
    now: SystemTime,
    policy: &Policy,
) -> Result<(Claim, Write), JournalError> {
    let (row, mut next, mut c) = relet(row, claim, now, policy, Duration::ZERO)?;
    next.state = State::Sent;
    next.attempts = row.attempts.saturating_add(1);
    c.attempts = next.attempts;
    Ok((c, replace(next, row)))
}

/// Extends the holder's lease from `now` by the policy's lease, or `at_least` if longer (an
/// attempt bounded further away needs that much).
pub fn renew(
    row: Option<&Intent>,
    claim: &Claim,
    now: SystemTime,
    policy: &Policy,
    at_least: Duration,
) -> Result<(Claim, Write), JournalError> {
    let (row, next, c) = relet(row, claim, now, policy, at_least)?;
    Ok((c, replace(next, row)))
}

/// The held row, the next version of it with the holder's lease extended from `now`, and the
/// claim that says so. The key's send limit grows with the lease.
fn relet<'r>(
    row: Option<&'r Intent>,
    claim: &Claim,
    now: SystemTime,
    policy: &Policy,
    at_least: Duration,
) -> Result<(&'r Intent, Intent, Claim), JournalError> {
    let row = held(row, claim)?;
    // A key too old to resume is never sent again, whoever holds it: Stripe may have forgotten
    // it. The intent goes to reconcile when its lease runs out.
    if !policy.key_resumable(row.key_created_at, now) {
        return Err(JournalError::WrongState {
            id: claim.id.clone(),
            state: row.state.kind(),
            expected: "a key young enough to be sent again",
        });
    }
    let until = policy.until_at_least(now, at_least);
    let mut next = bump(row, now);
    next.lease = Some(Lease::new(&claim.owner, until));
    next.send_limit = Some(row.send_limit.map_or(until, |t| t.max(until)));
    let mut c = claim.clone();
    c.lease_until = until;
    c.granted_at = next.updated_at;
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
/// | 5xx | v1: to reconcile (a POST may have taken effect); a replayed 5xx also spends the key; v2: sent, lease released (a retry with the same key completes it) |
/// | other | failed, fix the request |
/// | no response | sent, lease released (resume with the same key) |
/// | unknown | v1: to reconcile; v2: sent, lease released (resume with the same key) |
pub fn record(
    row: Option<&Intent>,
    claim: &Claim,
    result: CallResult,
    now: SystemTime,
) -> Result<(State, Write), JournalError> {
    let row = held(row, claim)?;
    let mut next = bump(row, now);
    // API v2: a retry with the same key completes the work (no stored 5xx to replay, no lookup
    // by List): a 5xx or an unknown outcome leaves the intent sent, to resume with its key.
    let v2 = row.request.as_ref().is_some_and(SavedRequest::is_v2);
    let (answer, replayed) = match result {
        CallResult::Answered(answer) => (Some(answer), false),
        CallResult::Replayed(answer) => (Some(answer), true),
        CallResult::NoResponse => (None, false),
        CallResult::Unknown if v2 => (None, false),
        CallResult::Unknown => {
            next.state = State::ToReconcile(ReconcileReason::UnknownOutcome, None);
            next.lease = None;
            return Ok((next.state.clone(), replace(next, row)));
        }
    };
    next.state = match answer {
        None => State::Sent,
        Some(answer) => match answer.status() {
            200..=299 => State::Done(answer),
            402 => State::Failed(FailureAdvice::CustomerAction, Some(answer)),
            409 | 429 if !replayed => State::Sent,
            500..=599 if v2 => State::Sent,
            500..=599 => State::ToReconcile(ReconcileReason::ServerError, Some(answer)),
            _ => State::Failed(FailureAdvice::FixRequest, Some(answer)),
        },
    };
    next.key_spent = row.key_spent || replayed;
    next.lease = None;
    Ok((next.state.clone(), replace(next, row)))
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
