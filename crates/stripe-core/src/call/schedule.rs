//! The wait before the next attempt: backoff and `Retry-After`, bounded by the deadline and the
//! key's 24 h window; a retry that cannot be made ends the call.

use std::time::Instant;

use super::{Inner, State};
use crate::action::{Action, RetryNotice, RetryReason};
use crate::failure::ErrorKind;
use crate::response::Response;
use crate::retry;

impl Inner {
    /// Schedules the next attempt after `last` (the answer that asked for a retry, or none
    /// after a transport error); its `Retry-After` is read here, only when a retry is due.
    #[cold]
    #[inline(never)]
    pub(super) fn schedule(&mut self, now: Instant, last: Option<Response>) -> Action {
        let last_transport = match self.last {
            Some(RetryReason::Transport(e)) if last.is_none() => Some(e),
            _ => None,
        };
        if self.single_use {
            return self.fail(ErrorKind::NotReplayable { last_transport }, last);
        }
        let elapsed = now.saturating_duration_since(self.started);
        let retry_after = last.as_ref().and_then(|r| {
            let wall = self
                .wall_started
                .checked_add(elapsed)
                .unwrap_or(self.wall_started);
            retry::retry_after_at(r.headers(), wall)
        });
        let wait = self
            .policy
            .wait(self.attempts, retry_after, &mut self.random);
        let wake_elapsed = elapsed.saturating_add(wait);
        if self.policy.deadline.is_some_and(|d| wake_elapsed > d) {
            return self.fail(ErrorKind::DeadlineExceeded { last_transport }, last);
        }
        // A key past its window now is expired; one that would pass it during the wait is
        // not: the retry is what cannot be made, since it would come after the window.
        let wall = |elapsed| self.wall_started.checked_add(elapsed);
        let key = self.key.as_ref();
        if let Some(age) = key
            .zip(wall(elapsed))
            .filter(|(k, wall)| k.is_expired(*wall))
            .and_then(|(k, wall)| k.age(wall))
        {
            return self.fail(ErrorKind::KeyExpired { age }, last);
        }
        let past_window = key.is_some_and(|k| wall(wake_elapsed).is_none_or(|w| k.is_expired(w)));
        // A wake beyond what the clock can count is never reached either.
        let until = now.checked_add(wait).filter(|_| !past_window);
        let (Some(until), Some(reason)) = (until, self.last) else {
            return self.fail(ErrorKind::WaitTooLong { wait }, last);
        };
        self.state = State::Sleeping { until };
        event!(info, sleep_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), reason = ?self.last, attempt = self.attempts, max_tries = self.policy.max_tries, "stripe retry scheduled");
        Action::Sleep {
            until,
            notice: Some(RetryNotice::new(
                self.attempts.saturating_add(1),
                self.policy.max_tries,
                reason,
                wait,
            )),
        }
    }
}
