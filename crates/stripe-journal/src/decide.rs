//! The pure decisions: no I/O, no clock; the time and the random bytes of a new key are passed in.
//!
//! Each function takes the stored row (or none) and returns what to answer and what to write.
//! A store applies the write with compare-and-set on the row's version; if it loses the race it
//! reloads the row and decides again, so every decision is applied to the row it was made from.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use stripe_core::{IdempotencyKey, KEY_LIFETIME};

use crate::error::JournalError;
use crate::fingerprint::Fingerprint;
use crate::intent::{
    Answer, FailureAdvice, Intent, IntentId, Lease, ReconcileReason, State, StateKind,
};

/// The journal's timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    lease: Duration,
    key_margin: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(30),
            key_margin: Duration::from_secs(60 * 60),
        }
    }
}

impl Policy {
    /// The defaults: 30 s leases, keys resumed while younger than 24 h less 1 h.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long a claim or renewal holds an intent (default 30 s). Renew well within it.
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long before Stripe forgets a key the journal stops resuming with it (default 1 h);
    /// capped at 24 h.
    #[must_use]
    pub fn with_key_margin(mut self, margin: Duration) -> Self {
        self.key_margin = margin.min(KEY_LIFETIME);
        self
    }

    /// The lease length.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// The key margin.
    pub fn key_margin(&self) -> Duration {
        self.key_margin
    }

    /// Whether a key made at `key_created_at` may still be resumed at `now`: younger than
    /// 24 h less the margin.
    pub fn key_resumable(&self, key_created_at: SystemTime, now: SystemTime) -> bool {
        let age = now.duration_since(key_created_at).unwrap_or(Duration::ZERO);
        age < KEY_LIFETIME.saturating_sub(self.key_margin)
    }

    fn until(&self, now: SystemTime) -> SystemTime {
        now.checked_add(self.lease).unwrap_or(now)
    }
}

/// What the caller asks of `begin` beyond the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BeginOptions {
    retry_failed: bool,
}

impl BeginOptions {
    /// Whether an operation that failed with a final answer (4xx) is attempted again, with a new
    /// key. Off by default: a re-delivered job gets the first failure back.
    #[must_use]
    pub fn with_retry_failed(mut self, retry: bool) -> Self {
        self.retry_failed = retry;
        self
    }

    /// See [`BeginOptions::with_retry_failed`].
    pub fn retry_failed(&self) -> bool {
        self.retry_failed
    }
}

/// The caller holds an in-flight intent: it may send the request with [`Claim::key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    id: IntentId,
    key: IdempotencyKey,
    owner: String,
    epoch: u64,
    lease_until: SystemTime,
    resumed: bool,
    attempts: u32,
}

impl Claim {
    fn from_intent(intent: &Intent, owner: &str, until: SystemTime) -> Self {
        Self {
            id: intent.id.clone(),
            key: intent.key.clone(),
            owner: owner.to_owned(),
            epoch: intent.epoch,
            lease_until: until,
            resumed: intent.state == State::Sent,
            attempts: intent.attempts,
        }
    }
    /// The operation.
    pub fn id(&self) -> &IntentId {
        &self.id
    }
    /// The idempotency key to send with.
    pub fn key(&self) -> &IdempotencyKey {
        &self.key
    }
    /// The holder.
    pub fn owner(&self) -> &str {
        &self.owner
    }
    /// The holder generation this claim belongs to.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }
    /// Until when the lease holds, unless renewed.
    pub fn lease_until(&self) -> SystemTime {
        self.lease_until
    }
    /// Whether an earlier holder may already have sent this key (a take-over of a sent intent).
    pub fn is_resumed(&self) -> bool {
        self.resumed
    }
    /// How many times the intent was marked sent before this claim.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

/// What `begin` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Begun {
    /// The caller holds the intent: mark it sent, send with its key, record the outcome.
    Proceed(Claim),
    /// Done already: the first answer, without calling Stripe.
    Done(Answer),
    /// Failed with a final answer; a new attempt only with `retry_failed`.
    Failed(FailureAdvice, Option<Answer>),
    /// Another live holder has it in flight until then; try again later.
    Busy {
        /// The holder.
        owner: String,
        /// Its lease's end.
        until: SystemTime,
    },
    /// The outcome is unknown: look at Stripe, then [`crate::Store::resolve`] it.
    ToReconcile(ReconcileReason, Option<Answer>),
}

/// How a call ended, as the holder reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallResult {
    /// Stripe answered (the final answer, after the engine's retries).
    Answered(Answer),
    /// No answer came (connection failures, timeouts) and the advice is to retry with the same
    /// key: the intent stays sent and its lease is released, so the next `begin` resumes it.
    NoResponse,
    /// The outcome cannot be known (a lost body, the key expired mid-call).
    Unknown,
}

/// What reconciliation found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resolution {
    /// The operation took effect: this is its result (for example a retrieved object).
    Applied(Answer),
    /// The operation did not take effect: the next `begin` claims it again with a new key.
    NotApplied,
}

/// The write a decision needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Nothing to write.
    Nothing,
    /// Insert this row if no row has its id.
    Insert(Intent),
    /// Replace the row whose version is `expected` by this one.
    Replace {
        /// The new row (its version is `expected + 1`).
        row: Intent,
        /// The version it was decided from.
        expected: u64,
    },
}

/// A fresh UUID v7 idempotency key from a wall time and ten random bytes.
pub fn new_key(now: SystemTime, random: [u8; 10]) -> Result<IdempotencyKey, JournalError> {
    let millis = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let uuid = uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid();
    IdempotencyKey::new(uuid.hyphenated().to_string())
        .map_err(|e| JournalError::Corrupt(format!("generated key rejected: {e}")))
}

/// Who asks `begin`, for which request, when.
#[derive(Debug, Clone)]
pub struct BeginInput<'a> {
    /// The operation.
    pub id: &'a IntentId,
    /// The request's fingerprint.
    pub fingerprint: Fingerprint,
    /// The would-be holder.
    pub owner: &'a str,
    /// The wall time.
    pub now: SystemTime,
    /// Random bytes for a new key, used only if one is made.
    pub key_random: [u8; 10],
    /// The caller's options.
    pub options: BeginOptions,
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
            if input.options.retry_failed || *advice == FailureAdvice::NotApplied {
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
            _ => take_over(row, input.owner, input.now, input.key_random, policy),
        },
    }
}

/// Takes over an in-flight intent whose lease expired or was released (used by `begin` and by
/// recovery): the same key while it is resumable; past that, a never-sent intent gets a new key
/// (nothing left with the old one) and a sent one must be reconciled.
pub fn take_over(
    row: &Intent,
    owner: &str,
    now: SystemTime,
    key_random: [u8; 10],
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
        let claim = Claim::from_intent(&next, owner, policy.until(now));
        return Ok((Begun::Proceed(claim), replace(next, row)));
    }
    if row.state == State::Claimed {
        let input = BeginInput {
            id: &row.id,
            fingerprint: row.fingerprint,
            owner,
            now,
            key_random,
            options: BeginOptions::default(),
        };
        return reclaim(row, &input, policy);
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
    let row = held(row, claim)?;
    let mut next = bump(row, now);
    next.state = State::Sent;
    next.attempts = row.attempts.saturating_add(1);
    next.lease = Some(Lease::new(&claim.owner, policy.until(now)));
    let mut c = claim.clone();
    c.lease_until = policy.until(now);
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
    let row = held(row, claim)?;
    let mut next = bump(row, now);
    next.lease = Some(Lease::new(&claim.owner, policy.until(now)));
    let mut c = claim.clone();
    c.lease_until = policy.until(now);
    Ok((c, replace(next, row)))
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
