//! The pure decisions: no I/O, no clock; the store's time and the random bytes of a new key are
//! passed in.
//!
//! Each function takes the stored row (or none) and returns what to answer and what to write.
//! The journal's machine applies the write with compare-and-set on the row's version; if it loses
//! the race it reloads the row and decides again, so every decision is applied to the row it was
//! made from. Every time here is the store's clock (the database's for a fleet).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use stripe_core::IdempotencyKey;

mod types;
pub use types::{
    BeginInput, BeginOptions, Begun, CallResult, Claim, DEFAULT_SEND_GRACE, Policy, Resolution,
    Write,
};

use crate::error::JournalError;
use crate::intent::{
    FailureAdvice, Intent, IntentId, Lease, ReconcileReason, SavedRequest, State, StateKind,
};

/// A fresh UUID v7 idempotency key from a (store) time and ten random bytes.
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
        let fresh = fresh_claim(None, input, policy)?;
        let claim = Claim::from_intent(&fresh, input.owner, lease_end(input, policy));
        return Ok((Begun::Proceed(claim), Write::Insert(fresh)));
    };
    if row.fingerprint != input.fingerprint {
        return Ok((
            Begun::Conflict {
                stored: row.fingerprint,
                given: input.fingerprint,
            },
            Write::Nothing,
        ));
    }
    match &row.state {
        State::Done(answer) => Ok((Begun::Done(answer.clone()), Write::Nothing)),
        State::Failed(advice, answer) => {
            // A failed key was answered (a stored 4xx) or found not applied after its fence:
            // it can never execute again, so a new key is safe.
            if input.options.retry_failed() || *advice == FailureAdvice::NotApplied {
                let next = fresh_claim(Some(row), input, policy)?;
                let claim = Claim::from_intent(&next, input.owner, lease_end(input, policy));
                Ok((Begun::Proceed(claim), replace(next, row)))
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
            _ => take_over(row, input.owner, input.now, policy, input.lease_at_least),
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
    at_least: Duration,
) -> Result<(Begun, Write), JournalError> {
    if !row.state.is_in_flight() || row.lease.as_ref().is_some_and(|l| l.is_live(now)) {
        return Err(JournalError::WrongState {
            id: row.id.clone(),
            state: row.state.kind(),
            expected: "in flight with an expired or released lease",
        });
    }
    if policy.key_resumable(row.key_created_at, now) && !row.key_spent {
        return Ok(grant_same_key(row, owner, now, policy, at_least));
    }
    let mut next = bump(row, now);
    next.state = State::ToReconcile(ReconcileReason::KeyExpired, None);
    next.lease = None;
    Ok((
        Begun::ToReconcile(ReconcileReason::KeyExpired, None),
        replace(next, row),
    ))
}

/// Sends the same key again for an intent to reconcile that a consistent look at Stripe found
/// not applied while its key may still execute: "not found" means "send the same key again"
/// until the key can never execute, never "a new key".
pub fn retry_same_key(
    row: Option<&Intent>,
    id: &IntentId,
    owner: &str,
    now: SystemTime,
    policy: &Policy,
    at_least: Duration,
) -> Result<(Begun, Write), JournalError> {
    let row = row.ok_or_else(|| JournalError::NotFound { id: id.clone() })?;
    if row.state.kind() != StateKind::ToReconcile
        || row.key_spent
        || !policy.key_resumable(row.key_created_at, now)
    {
        return Err(JournalError::WrongState {
            id: id.clone(),
            state: row.state.kind(),
            expected: "to reconcile with a key that may still be resumed",
        });
    }
    Ok(grant_same_key(row, owner, now, policy, at_least))
}

fn grant_same_key(
    row: &Intent,
    owner: &str,
    now: SystemTime,
    policy: &Policy,
    at_least: Duration,
) -> (Begun, Write) {
    let until = policy.until_at_least(now, at_least);
    let mut next = bump(row, now);
    next.state = if row.state.kind() == StateKind::ToReconcile {
        State::Sent
    } else {
        row.state.clone()
    };
    next.epoch = row.epoch.saturating_add(1);
    next.lease = Some(Lease::new(owner, until));
    next.send_limit = Some(row.send_limit.map_or(until, |t| t.max(until)));
    let mut claim = Claim::from_intent(&next, owner, until);
    claim.resumed = true;
    (Begun::Proceed(claim), replace(next, row))
}

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

/// Settles an intent to reconcile with what a consistent look at Stripe found. "Not applied" is
/// accepted only once the key can never execute again: Stripe replayed a stored answer for it,
/// or `now` is past its send limit plus the grace (rule 3 of the crate docs).
pub fn resolve(
    row: Option<&Intent>,
    id: &IntentId,
    resolution: Resolution,
    now: SystemTime,
    policy: &Policy,
) -> Result<Write, JournalError> {
    resolve_with(row, id, resolution, now, policy, true)
}

/// [`resolve`], with the fence rule on or (a control run of the simulation) off.
pub(crate) fn resolve_with(
    row: Option<&Intent>,
    id: &IntentId,
    resolution: Resolution,
    now: SystemTime,
    policy: &Policy,
    fenced: bool,
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
        Resolution::Applied(answer) if answer.status() == 402 => {
            State::Failed(FailureAdvice::CustomerAction, Some(answer))
        }
        Resolution::Applied(answer) => State::Done(answer),
        Resolution::NotApplied => {
            if fenced && !key_dead(row, now, policy) {
                return Err(JournalError::WrongState {
                    id: id.clone(),
                    state: row.state.kind(),
                    expected: "a key that can no longer execute (spent, or past its send limit and grace)",
                });
            }
            State::Failed(FailureAdvice::NotApplied, None)
        }
    };
    next.lease = None;
    Ok(replace(next, row))
}

/// Whether the row's key can never execute again at `now`: Stripe replayed a stored answer for
/// it, or every lease under it ended more than the send grace ago.
pub fn key_dead(row: &Intent, now: SystemTime, policy: &Policy) -> bool {
    row.key_spent
        || policy
            .fence(row.send_limit)
            .is_none_or(|fence| now >= fence)
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

/// A claim with a new key, over no row or one whose key can never execute again.
fn fresh_claim(
    previous: Option<&Intent>,
    input: &BeginInput<'_>,
    policy: &Policy,
) -> Result<Intent, JournalError> {
    let key = new_key(input.now, input.key_random)?;
    let until = lease_end(input, policy);
    Ok(Intent {
        id: previous.map_or_else(|| input.id.clone(), |p| p.id.clone()),
        key,
        key_created_at: input.now,
        fingerprint: previous.map_or(input.fingerprint, |p| p.fingerprint),
        created_at: previous.map_or(input.now, |p| p.created_at),
        updated_at: input.now,
        state: State::Claimed,
        attempts: previous.map_or(0, |p| p.attempts),
        lease: Some(Lease::new(input.owner, until)),
        epoch: previous.map_or(1, |p| p.epoch.saturating_add(1)),
        version: previous.map_or(1, |p| p.version.saturating_add(1)),
        request: input
            .request
            .clone()
            .or_else(|| previous.and_then(|p| p.request.clone())),
        namespace: previous.map_or_else(|| input.namespace.to_owned(), |p| p.namespace.clone()),
        send_limit: Some(until),
        key_spent: false,
    })
}

/// The end of a lease granted to `input`'s holder.
fn lease_end(input: &BeginInput<'_>, policy: &Policy) -> SystemTime {
    policy.until_at_least(input.now, input.lease_at_least)
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
