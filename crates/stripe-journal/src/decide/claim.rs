//! Claiming an operation's row: the decision table of `begin`, taking over an expired or
//! released lease, the same key again for an intent to reconcile, and new keys.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use stripe_core::IdempotencyKey;

use super::{BeginInput, Begun, Claim, Policy, Write, bump, replace};
use crate::error::JournalError;
use crate::intent::{FailureAdvice, Intent, IntentId, Lease, ReconcileReason, State, StateKind};

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
