//! Rule 4 of the crate docs: right before each attempt, the holder's lease (on its monotonic
//! clock) must outlast the attempt's bound by the margin; if not, renew first; never send an
//! attempt whose bound is past.

use std::time::Instant;

use bytes::Bytes;
use stripe_core::Call;

use super::apply::Decision;
use super::{MIN_ATTEMPT, Operation, Purpose, UNBOUNDED_ATTEMPT};
use crate::error::JournalError;

impl Operation {
    /// Rule 4: never send without enough lease left for the attempt's bound; renew first.
    pub(super) fn gate(
        &mut self,
        call: Call,
        request: http::Request<Bytes>,
        by: Option<Instant>,
        renewed: bool,
    ) {
        let want = by.unwrap_or(self.now + UNBOUNDED_ATTEMPT);
        if !self.settings.rules.gate {
            return self.send(call, Purpose::Post, request, want);
        }
        let margin = self.settings.policy.attempt_margin();
        let Some(end) = self.held.as_ref().map(|h| h.end) else {
            return self.fail(JournalError::LeaseLost {
                id: self.id.clone(),
            });
        };
        if end >= want + margin && want > self.now {
            return self.send(call, Purpose::Post, request, want);
        }
        if !renewed {
            let at_least = want.saturating_duration_since(self.now) + margin * 2;
            self.parked = Some((call, request, want));
            return self.apply(Decision::Renew { at_least });
        }
        // Renewed and still short (the store was slow, or this holder was paused): an attempt
        // cut to the lease, if one worth sending is left; never one whose bound is past.
        let cut = want.min(end.checked_sub(margin).unwrap_or(self.now));
        let worth = MIN_ATTEMPT.min(want.saturating_duration_since(self.now) / 2);
        if cut > self.now + worth {
            self.send(call, Purpose::Post, request, cut);
        } else {
            self.fail(JournalError::LeaseLost {
                id: self.id.clone(),
            });
        }
    }
}
