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

    pub(crate) fn until(&self, now: SystemTime) -> SystemTime {
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
    pub(crate) id: IntentId,
    pub(crate) key: IdempotencyKey,
    pub(crate) owner: String,
    pub(crate) epoch: u64,
    pub(crate) lease_until: SystemTime,
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
        }
    }

    /// Saves the request with the claim, so that recovery can re-send it with the same key.
    #[must_use]
    pub fn with_request(mut self, request: SavedRequest) -> Self {
        self.request = Some(request);
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
