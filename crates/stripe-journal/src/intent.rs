//! The intent: one named operation, its idempotency key, its fingerprint, its state and its lease.

use std::fmt;
use std::time::SystemTime;

use stripe_core::IdempotencyKey;

pub use crate::answer::Answer;
use crate::error::JournalError;
use crate::fingerprint::Fingerprint;
pub use crate::saved::SavedRequest;

/// Milliseconds since the epoch (times before it count as 0; past `i64` saturate).
pub(crate) fn millis(t: SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The longest operation id or scope accepted, in bytes.
pub const MAX_ID_LEN: usize = 255;

/// What names an intent: a scope (the Stripe account the request is made for, or `""` for the
/// platform's own, with the `Stripe-Context` when there is one: see [`IntentId::scope`]) and an operation id the caller owns (for example `order-42/charge`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IntentId {
    scope: String,
    op: String,
}

impl IntentId {
    /// An intent id: `op` is 1 to 255 bytes, `scope` 0 to 255, neither with control characters.
    pub fn new(scope: impl Into<String>, op: impl Into<String>) -> Result<Self, JournalError> {
        let scope = scope.into();
        let op = op.into();
        check_text("operation id", &op, 1)?;
        check_text("scope", &scope, 0)?;
        Ok(Self { scope, op })
    }

    /// An operation of the platform's own account (scope `""`).
    pub fn op(op: impl Into<String>) -> Result<Self, JournalError> {
        Self::new("", op)
    }

    /// The scope: a Stripe account id, or `""`, followed by `#` and the `Stripe-Context` when
    /// the request is made in one (`acct_1#acct_2`, `#acct_2`): the journal sends the account as
    /// `Stripe-Account` and the context as `Stripe-Context`.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The caller's operation id.
    pub fn op_id(&self) -> &str {
        &self.op
    }
}

impl fmt::Display for IntentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Debug-escaped: an id is caller data and may hold anything printable.
        if self.scope.is_empty() {
            write!(f, "{:?}", self.op)
        } else {
            write!(f, "{:?}/{:?}", self.scope, self.op)
        }
    }
}

fn check_text(what: &'static str, text: &str, min: usize) -> Result<(), JournalError> {
    if text.len() < min || text.len() > MAX_ID_LEN || text.chars().any(char::is_control) {
        return Err(JournalError::InvalidId {
            what,
            detail: format!(
                "{min} to {MAX_ID_LEN} bytes without control characters, got {} bytes",
                text.len()
            ),
        });
    }
    Ok(())
}

/// A lease: who holds an in-flight intent and until when. Expired, it may be taken over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    owner: String,
    until: SystemTime,
}

impl Lease {
    /// A lease held by `owner` until `until`.
    pub fn new(owner: impl Into<String>, until: SystemTime) -> Self {
        Self {
            owner: owner.into(),
            until,
        }
    }

    /// Who holds it.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Until when it is held.
    pub fn until(&self) -> SystemTime {
        self.until
    }

    /// Whether it still holds at `now`.
    pub fn is_live(&self, now: SystemTime) -> bool {
        now < self.until
    }
}

/// Why a failed intent failed, and what the caller may do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureAdvice {
    /// The request itself was wrong (400, 401, 403, 404, other 4xx): fix it; a new attempt with a
    /// new key only on the caller's explicit request ([`crate::BeginOptions::with_retry_failed`]).
    FixRequest,
    /// A card error (402): after the customer acts, a new attempt on explicit request.
    CustomerAction,
    /// Reconciliation showed the operation did not take effect: the next `begin` claims it again
    /// with a new key, without being asked.
    NotApplied,
}

impl FailureAdvice {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FixRequest => "fix_request",
            Self::CustomerAction => "customer_action",
            Self::NotApplied => "not_applied",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "fix_request" => Some(Self::FixRequest),
            "customer_action" => Some(Self::CustomerAction),
            "not_applied" => Some(Self::NotApplied),
            _ => None,
        }
    }
}

/// Why an intent needs reconciling (a look at Stripe before anything else is sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReconcileReason {
    /// A 5xx answer to the POST: it may have taken effect.
    ServerError,
    /// The caller could not tell the outcome (a lost body, a deadline, a crash it knows of).
    UnknownOutcome,
    /// The request was sent, its holder died, and its key is too old to be resumed safely.
    KeyExpired,
}

impl ReconcileReason {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ServerError => "server_error",
            Self::UnknownOutcome => "unknown_outcome",
            Self::KeyExpired => "key_expired",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "server_error" => Some(Self::ServerError),
            "unknown_outcome" => Some(Self::UnknownOutcome),
            "key_expired" => Some(Self::KeyExpired),
            _ => None,
        }
    }
}

/// Where an intent stands. See the crate docs for the diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// Written ahead, lease held, nothing sent yet.
    Claimed,
    /// The request may have left (marked durably before the first byte).
    Sent,
    /// Stripe answered 2xx: the outcome, replayed to every later `begin`.
    Done(Answer),
    /// A final failure: the advice and Stripe's answer (none when reconciliation found the
    /// operation not applied).
    Failed(FailureAdvice, Option<Answer>),
    /// The outcome is unknown: look at Stripe first (the answer, if one came).
    ToReconcile(ReconcileReason, Option<Answer>),
}

impl State {
    /// The state's kind, without its data.
    pub fn kind(&self) -> StateKind {
        match self {
            Self::Claimed => StateKind::Claimed,
            Self::Sent => StateKind::Sent,
            Self::Done(_) => StateKind::Done,
            Self::Failed(..) => StateKind::Failed,
            Self::ToReconcile(..) => StateKind::ToReconcile,
        }
    }

    /// Whether a holder may still send (claimed or sent).
    pub fn is_in_flight(&self) -> bool {
        matches!(self, Self::Claimed | Self::Sent)
    }
}

/// The kind of a [`State`], as stored and listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StateKind {
    /// [`State::Claimed`].
    Claimed,
    /// [`State::Sent`].
    Sent,
    /// [`State::Done`].
    Done,
    /// [`State::Failed`].
    Failed,
    /// [`State::ToReconcile`].
    ToReconcile,
}

impl StateKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Claimed => "claimed",
            Self::Sent => "sent",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::ToReconcile => "to_reconcile",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "claimed" => Some(Self::Claimed),
            "sent" => Some(Self::Sent),
            "done" => Some(Self::Done),
            "failed" => Some(Self::Failed),
            "to_reconcile" => Some(Self::ToReconcile),
            _ => None,
        }
    }
}

/// One journal row: everything known about one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub(crate) id: IntentId,
    pub(crate) key: IdempotencyKey,
    pub(crate) key_created_at: SystemTime,
    pub(crate) fingerprint: Fingerprint,
    pub(crate) created_at: SystemTime,
    pub(crate) updated_at: SystemTime,
    pub(crate) state: State,
    pub(crate) attempts: u32,
    pub(crate) lease: Option<Lease>,
    pub(crate) epoch: u64,
    pub(crate) version: u64,
    pub(crate) request: Option<SavedRequest>,
    pub(crate) namespace: String,
    pub(crate) send_limit: Option<SystemTime>,
    pub(crate) key_spent: bool,
}

/// `t` moved by as much as `from` is moved to become `to`.
pub(crate) fn rebase(t: SystemTime, from: SystemTime, to: SystemTime) -> SystemTime {
    match t.duration_since(from) {
        Ok(after) => to.checked_add(after),
        Err(before) => to.checked_sub(before.duration()),
    }
    .unwrap_or(t)
}

/// How far apart two clocks' readings are, either way.
pub(crate) fn skew(a: SystemTime, b: SystemTime) -> std::time::Duration {
    a.duration_since(b).unwrap_or_else(|e| e.duration())
}

impl Intent {
    /// This row with every time moved by one amount, so that `updated_at` becomes `to`: a row
    /// decided on the holder's clock, as a store that claims it writes it on its own.
    pub(crate) fn rebased(&self, to: SystemTime) -> Self {
        let from = self.updated_at;
        let at = |t| rebase(t, from, to);
        Self {
            key_created_at: at(self.key_created_at),
            created_at: at(self.created_at),
            updated_at: to,
            lease: self
                .lease
                .as_ref()
                .map(|l| Lease::new(l.owner(), at(l.until()))),
            send_limit: self.send_limit.map(at),
            ..self.clone()
        }
    }

    /// The operation.
    pub fn id(&self) -> &IntentId {
        &self.id
    }
    /// The idempotency key every attempt of this operation carries.
    pub fn key(&self) -> &IdempotencyKey {
        &self.key
    }
    /// When the key was made (Stripe forgets it 24 h later).
    pub fn key_created_at(&self) -> SystemTime {
        self.key_created_at
    }
    /// The request's fingerprint.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }
    /// When the operation was first claimed.
    pub fn created_at(&self) -> SystemTime {
        self.created_at
    }
    /// When the row last changed.
    pub fn updated_at(&self) -> SystemTime {
        self.updated_at
    }
    /// Where it stands.
    pub fn state(&self) -> &State {
        &self.state
    }
    /// How many times a holder marked it sent (with any key).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// The lease, if held (or expired but not yet taken over).
    pub fn lease(&self) -> Option<&Lease> {
        self.lease.as_ref()
    }
    /// The holder generation: it grows at each claim and take-over, fencing off stale holders.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }
    /// The row version: it grows at every write; stores compare-and-set on it.
    pub fn version(&self) -> u64 {
        self.version
    }
    /// The request as the caller gave it, if it was saved with the claim (recovery re-sends it).
    pub fn request(&self) -> Option<&SavedRequest> {
        self.request.as_ref()
    }
    /// The journal namespace the operation's objects are tagged with on Stripe.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }
    /// The end of the last lease granted under the current key, on the store's clock: no
    /// holder sends this key after it (the journal's send rule), so once it (plus the
    /// policy's send grace) is past, the key can never execute again.
    pub fn send_limit(&self) -> Option<SystemTime> {
        self.send_limit
    }
    /// Whether Stripe replayed a stored answer for the current key: it can never execute
    /// again, whatever any holder sends.
    pub fn is_key_spent(&self) -> bool {
        self.key_spent
    }
}
