//! Settling an intent to reconcile with what a consistent look at Stripe found, and the fence
//! (rule 3 of the crate docs): when a key can never execute again.

use std::time::SystemTime;

use super::{Policy, Resolution, Write, bump, replace};
use crate::error::JournalError;
use crate::intent::{FailureAdvice, Intent, IntentId, State, StateKind};

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
