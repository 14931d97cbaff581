//! The retry hook: what [`Client::on_retry`](crate::Client::on_retry) is told before each
//! retry's sleep. The core decides; this only reports what it decided.

use std::time::Duration;

use bytes::Bytes;
use stripe_core::RetryReason;
use stripe_core::drive::SendError;

/// A retry about to happen: the call sleeps `wait`, then makes attempt `attempt` of at most
/// `max_tries`, because of `reason`.
///
/// ```
/// # use std::time::Duration;
/// # fn show(n: &stripe_ureq::RetryNotice) -> String {
/// format!("attempt {}/{}: retrying in {:.1} s", n.attempt, n.max_tries, n.wait.as_secs_f64())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryNotice {
    /// The attempt about to be made (2 for the first retry).
    pub attempt: u32,
    /// The policy's `max_tries`.
    pub max_tries: u32,
    /// Why the previous attempt is retried: its status, or its transport error.
    pub reason: RetryReason,
    /// How long the call sleeps before the attempt.
    pub wait: Duration,
}

/// What the driving loop saw of the attempts so far, to build notices.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Tracker {
    sent: u32,
    reason: Option<RetryReason>,
    told: u32,
}

impl Tracker {
    /// Records the outcome of one attempt.
    pub(crate) fn after_send<E>(
        mut self,
        result: &Result<http::Response<Bytes>, SendError<E>>,
    ) -> Self {
        self.sent = self.sent.saturating_add(1);
        self.reason = Some(match result {
            Ok(response) => RetryReason::Status(response.status()),
            Err(e) => RetryReason::Transport(e.kind),
        });
        self
    }

    /// The notice for a sleep of `wait`, once per retry (a sleep resumed early is not
    /// announced twice).
    pub(crate) fn notice(&mut self, max_tries: u32, wait: Duration) -> Option<RetryNotice> {
        let attempt = self.sent.saturating_add(1);
        if self.told == attempt {
            return None;
        }
        self.told = attempt;
        Some(RetryNotice {
            attempt,
            max_tries,
            reason: self.reason?,
            wait,
        })
    }
}
