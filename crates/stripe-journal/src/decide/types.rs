//! The decisions' inputs and answers.

use std::time::{Duration, SystemTime};

use stripe_core::{IdempotencyKey, KEY_LIFETIME};

use crate::fingerprint::Fingerprint;
use crate::intent::{Answer, FailureAdvice, Intent, IntentId, ReconcileReason, SavedRequest};

/// The journal's timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    lease: Duration,
    key_margin: Duration,
    send_grace: Duration,
    attempt_margin: Duration,
    max_skew: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(30),
            key_margin: Duration::from_secs(60 * 60),
            send_grace: DEFAULT_SEND_GRACE,
            attempt_margin: Duration::from_secs(1),
            max_skew: Duration::from_secs(5),
        }
    }
}

/// How long after the last lease of a key ends the journal still counts that key as able to
/// execute on Stripe (default 120 s): the one assumption the journal rests on is that no request
/// is executed by Stripe more than this long after its holder's last lease check.
pub const DEFAULT_SEND_GRACE: Duration = Duration::from_secs(120);

impl Policy {
    /// The defaults: 30 s leases, keys resumed while younger than 24 h less 1 h, a send grace
    /// of 120 s, attempts ending 1 s before the lease, clocks within 5 s of the store's.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long after a key's last lease ends it still counts as able to execute (default
    /// [`DEFAULT_SEND_GRACE`]). A new key for an operation whose old key was never answered is
    /// made only after this; capped at 1 h.
    #[must_use]
    pub fn with_send_grace(mut self, grace: Duration) -> Self {
        self.send_grace = grace.min(Duration::from_secs(3600));
        self
    }

    /// See [`Policy::with_send_grace`].
    pub fn send_grace(&self) -> Duration {
        self.send_grace
    }

    /// How much lease must be left when an attempt's bound is reached (default 1 s): an attempt
    /// is sent only if it ends that long before the holder's lease does.
    #[must_use]
    pub fn with_attempt_margin(mut self, margin: Duration) -> Self {
        self.attempt_margin = margin.min(Duration::from_secs(60));
        self
    }

    /// See [`Policy::with_attempt_margin`].
    pub fn attempt_margin(&self) -> Duration {
        self.attempt_margin
    }

    /// How far a holder's wall clock may be from the store's before it refuses to work
    /// (default 5 s). Leases and key ages are judged on the store's clock alone.
    #[must_use]
    pub fn with_max_skew(mut self, skew: Duration) -> Self {
        self.max_skew = skew;
        self
    }

    /// See [`Policy::with_max_skew`].
    pub fn max_skew(&self) -> Duration {
        self.max_skew
    }

    /// When a key whose last lease ended at `send_limit` can no longer execute on Stripe.
    pub fn fence(&self, send_limit: Option<SystemTime>) -> Option<SystemTime> {
        send_limit.map(|t| t.checked_add(self.send_grace).unwrap_or(t))
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

    /// A lease's end from `now` for a holder that needs `at_least` of it.
    pub(crate) fn until_at_least(&self, now: SystemTime, at_least: Duration) -> SystemTime {
        now.checked_add(self.lease.max(at_least)).unwrap_or(now)
    }
}

/// What the caller asks of `begin` beyond the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BeginOptions {
    retry_failed: bool,
    /// The operation has a row (a recovery): load it first rather than claim a new one.
    known_row: bool,
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

    /// These options for an operation that has a row (a recovery).
    pub(crate) fn over_a_row(mut self) -> Self {
        self.known_row = true;
        self
    }

    /// Whether the operation is known to have a row.
    pub(crate) fn known_row(&self) -> bool {
        self.known_row
    }
}

/// The caller holds an in-flight intent: it may send the request with [`Claim::key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub(crate) id: IntentId,
    pub(crate) key: IdempotencyKey,
    pub(crate) owner: String,
    pub(crate) epoch: u64,
    pub(crate) lease_until: SystemTime,
    pub(crate) granted_at: SystemTime,
    pub(crate) resumed: bool,
    pub(crate) attempts: u32,
}

impl Claim {
    pub(crate) fn from_intent(intent: &Intent, owner: &str, until: SystemTime) -> Self {
        Self {
            id: intent.id.clone(),
            key: intent.key.clone(),
            owner: owner.to_owned(),
            epoch: intent.epoch,
            lease_until: until,
            granted_at: intent.updated_at,
            resumed: false,
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
    /// This claim with its times moved as its row's were (see [`Intent::rebased`]).
    pub(crate) fn rebased(self, from: SystemTime, to: SystemTime) -> Self {
        Self {
            lease_until: crate::intent::rebase(self.lease_until, from, to),
            granted_at: crate::intent::rebase(self.granted_at, from, to),
            ..self
        }
    }
    /// How long the lease was granted for, from the store's clock at the grant.
    pub fn lease_length(&self) -> std::time::Duration {
        self.lease_until
            .duration_since(self.granted_at)
            .unwrap_or_default()
    }
    /// Whether an earlier holder may already have sent this key (a take-over: a claimed intent
    /// counts as possibly sent, since the journal's hot path does not mark it).
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
    /// The outcome is unknown: look at Stripe, then resolve it.
    ToReconcile(ReconcileReason, Option<Answer>),
    /// The operation id was begun for another request; nothing is sent.
    Conflict {
        /// The fingerprint stored with the operation.
        stored: Fingerprint,
        /// The fingerprint of the request given now.
        given: Fingerprint,
    },
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
    /// Stripe replayed the answer it stored for the key (`Idempotent-Replayed: true`): the key
    /// can never execute again, whatever any holder sends.
    Replayed(Answer),
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

/// The write a decision needs: one of the three writes every store offers (a closed set, so
/// exhaustive).
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

/// Who asks `begin`, for which request, when.
#[derive(Debug, Clone)]
pub struct BeginInput<'a> {
    pub(crate) id: &'a IntentId,
    pub(crate) fingerprint: Fingerprint,
    pub(crate) owner: &'a str,
    pub(crate) now: SystemTime,
    pub(crate) key_random: [u8; 10],
    pub(crate) options: BeginOptions,
    pub(crate) request: Option<SavedRequest>,
    pub(crate) namespace: &'a str,
    pub(crate) lease_at_least: Duration,
}

impl<'a> BeginInput<'a> {
    /// `owner` begins operation `id` for the request with `fingerprint` at wall time `now`;
    /// `key_random` are the random bytes of a new key, used only if one is made.
    pub fn new(
        id: &'a IntentId,
        fingerprint: Fingerprint,
        owner: &'a str,
        now: SystemTime,
        key_random: [u8; 10],
    ) -> Self {
        Self {
            id,
            fingerprint,
            owner,
            now,
            key_random,
            options: BeginOptions::default(),
            request: None,
            namespace: "",
            lease_at_least: Duration::ZERO,
        }
    }

    /// Saves the request with the claim, so that recovery can re-send it with the same key.
    #[must_use]
    pub fn with_request(mut self, request: SavedRequest) -> Self {
        self.request = Some(request);
        self
    }

    /// The namespace the operation's objects are tagged with on Stripe (see
    /// [`crate::Store::namespace`]).
    #[must_use]
    pub fn with_namespace(mut self, namespace: &'a str) -> Self {
        self.namespace = namespace;
        self
    }

    /// A lease of at least this long if one is granted (the first attempt's bound, so that it
    /// needs no renewal before it is sent).
    #[must_use]
    pub fn with_lease_at_least(mut self, at_least: Duration) -> Self {
        self.lease_at_least = at_least;
        self
    }

    /// Sets the caller's options.
    #[must_use]
    pub fn with_options(mut self, options: BeginOptions) -> Self {
        self.options = options;
        self
    }

    /// The operation.
    pub fn id(&self) -> &IntentId {
        self.id
    }
    /// The request's fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }
    /// The would-be holder.
    pub fn owner(&self) -> &str {
        self.owner
    }
    /// The wall time.
    pub fn now(&self) -> SystemTime {
        self.now
    }
    /// The caller's options.
    pub fn options(&self) -> BeginOptions {
        self.options
    }
}
