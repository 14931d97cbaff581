//! Stripe's idempotency layer: keys scoped by secret key and `Stripe-Account`, a lock while the
//! first request executes, stored results replayed for 24 hours of the model's clock.
//!
//! API v1 stores whatever an executed request answered (a 500 included) and replays it. API v2
//! ("retries don't repeat successful operations; failed work is retried to completion and an
//! updated response returned", Stripe's idempotency docs) stores only a success, whose retry
//! answers the object as it is now; a failure is forgotten, so its retry runs again.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use bytes::Bytes;

use super::errors::ApiError;

/// How long Stripe keeps an idempotency key: 24 hours.
pub const KEY_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Longest key Stripe accepts.
const MAX_KEY_LEN: usize = 255;

/// A stored result, replayed for later requests with the same key.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
    pub(crate) request_id: String,
    pub(crate) should_retry: Option<bool>,
}

#[derive(Debug)]
enum State {
    InFlight,
    Done(Stored),
}

#[derive(Debug)]
struct Entry {
    method: String,
    path: String,
    params: Vec<(String, String)>,
    created: SystemTime,
    state: State,
}

/// Where a key lives: the secret key, the connected account and the key itself.
pub(crate) type Slot = (String, String);

/// What the store says about an incoming keyed request.
#[derive(Debug)]
pub(crate) enum Lookup {
    /// Never seen (or expired): execute it.
    Fresh,
    /// Seen and finished: replay this.
    Replay(Stored),
    /// Seen with another request, or still executing.
    Conflict(ApiError),
}

/// The idempotency keys of one model.
#[derive(Debug, Default)]
pub(crate) struct Store {
    entries: HashMap<Slot, Entry>,
    locks_since_purge: usize,
}

/// Validates the `Idempotency-Key` header value.
pub(crate) fn validate_key(key: &str) -> Result<(), ApiError> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(ApiError::invalid_request(format!(
            "Invalid Idempotency-Key: it must be between 1 and {MAX_KEY_LEN} characters long."
        )));
    }
    Ok(())
}

fn expired(created: SystemTime, now: SystemTime) -> bool {
    now.duration_since(created)
        .is_ok_and(|age| age >= KEY_LIFETIME)
}

impl Store {
    /// Looks up a key; an expired key is forgotten and reported fresh.
    pub(crate) fn lookup(
        &mut self,
        slot: &Slot,
        method: &str,
        path: &str,
        params: &[(String, String)],
        now: SystemTime,
    ) -> Lookup {
        let Some(entry) = self.entries.get(slot) else {
            return Lookup::Fresh;
        };
        if expired(entry.created, now) {
            self.entries.remove(slot);
            return Lookup::Fresh;
        }
        let key = &slot.1;
        if let State::InFlight = entry.state {
            return Lookup::Conflict(ApiError::idempotency_in_use(key));
        }
        if entry.method != method || entry.path != path {
            return Lookup::Conflict(ApiError::idempotency_mismatch(format!(
                "Keys for idempotent requests can only be used for the same endpoint they were first used for ('{} {}' vs '{method} {path}'). Try using a key other than '{key}' if you meant to execute a different request.",
                entry.method, entry.path
            )));
        }
        if entry.params != params {
            return Lookup::Conflict(ApiError::idempotency_mismatch(format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
            )));
        }
        match &entry.state {
            State::Done(stored) => Lookup::Replay(stored.clone()),
            State::InFlight => Lookup::Conflict(ApiError::idempotency_in_use(key)),
        }
    }

    /// Marks a key as in flight.
    pub(crate) fn lock(
        &mut self,
        slot: Slot,
        method: String,
        path: String,
        params: Vec<(String, String)>,
        now: SystemTime,
    ) {
        self.locks_since_purge += 1;
        if self.locks_since_purge >= 1024 {
            self.locks_since_purge = 0;
            self.entries.retain(|_, e| !expired(e.created, now));
        }
        self.entries.insert(
            slot,
            Entry {
                method,
                path,
                params,
                created: now,
                state: State::InFlight,
            },
        );
    }

    /// Stores the result of an executed request.
    pub(crate) fn complete(&mut self, slot: &Slot, stored: Stored) {
        if let Some(entry) = self.entries.get_mut(slot) {
            entry.state = State::Done(stored);
        }
    }

    /// Forgets an in-flight key whose request was abandoned.
    pub(crate) fn release(&mut self, slot: &Slot) {
        if let Some(Entry {
            state: State::InFlight,
            ..
        }) = self.entries.get(slot)
        {
            self.entries.remove(slot);
        }
    }

    /// Forgets a key, finished or not: an API v2 request that failed is not stored, so its
    /// retry runs again (to completion).
    pub(crate) fn forget(&mut self, slot: &Slot) {
        self.entries.remove(slot);
    }

    /// Number of keys held (finished or in flight, expired ones possibly included).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}
