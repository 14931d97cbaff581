//! An attempt's answer read: a response (whole or streamed) or a transport error, and what it
//! leads to: the call done, a retry scheduled, or the call failed.

use std::time::Instant;

use bytes::Bytes;

use super::{Inner, State};
use crate::action::{Action, RetryReason};
use crate::advice::Advice;
use crate::failure::{ErrorKind, TransportError};
use crate::response::{self, Response};
use crate::retry::{self, Answer};

impl Inner {
    pub(super) fn on_response(&mut self, now: Instant, resp: http::Response<Bytes>) -> Action {
        let (parts, bytes) = resp.into_parts();
        if bytes.len() > self.max_body_bytes {
            return self.too_large(parts);
        }
        self.on_answer(now, parts, bytes)
    }

    /// A body handed on as it came: `len` bytes of it read.
    #[cold]
    #[inline(never)]
    pub(super) fn on_streamed(
        &mut self,
        now: Instant,
        head: http::response::Parts,
        len: u64,
    ) -> Action {
        if usize::try_from(len).map_or(true, |len| len > self.max_body_bytes) {
            return self.too_large(head);
        }
        self.on_answer(now, head, Bytes::new())
    }

    fn on_answer(&mut self, now: Instant, parts: http::response::Parts, bytes: Bytes) -> Action {
        let code = if parts.status.as_u16() >= 400 {
            response::error_code(&bytes)
        } else {
            None
        };
        let answer = Answer {
            status: parts.status,
            should_retry: retry::should_retry(&parts.headers),
            replayed: retry::replayed(&parts.headers),
            code: code.as_deref(),
        };
        let wants_retry = retry::wants_retry(&self.policy, (self.namespace, self.method), &answer);
        let replayed = answer.replayed;
        let response = Response {
            status: parts.status,
            headers: parts.headers,
            bytes,
            json: std::sync::OnceLock::new(),
            idempotency_key: self.key.clone(),
            replayed,
            attempts: self.attempts,
            advice: Advice::for_answer(self.namespace, self.method, parts.status),
            attempt_duration: now.saturating_duration_since(self.attempt_started),
        };
        event!(
            debug,
            status = response.status().as_u16(),
            request_id = response.request_id().unwrap_or(""),
            replayed,
            attempt = self.attempts,
            "stripe response"
        );
        if !wants_retry {
            self.state = State::Over;
            event!(info, method = %self.method, path = %self.path(), status = response.status().as_u16(), attempts = self.attempts, advice = ?response.advice(), "stripe call done");
            return Action::Done(response);
        }
        self.last = Some(RetryReason::Status(response.status()));
        if self.attempts >= self.policy.max_tries {
            return self.fail(ErrorKind::RetriesExhausted, Some(response));
        }
        self.schedule(now, Some(response))
    }

    #[cold]
    #[inline(never)]
    pub(super) fn on_transport(&mut self, now: Instant, error: TransportError) -> Action {
        if error == TransportError::Refused {
            return self.refused();
        }
        self.last = Some(RetryReason::Transport(error));
        event!(warn, error = %error, attempt = self.attempts, "stripe attempt got no response");
        // A body that could not be carried whole: the same source or writer again would not
        // make it whole.
        let body = error == TransportError::Body;
        if body || !self.policy.retry_transport || self.attempts >= self.policy.max_tries {
            return self.fail(ErrorKind::Transport(error), None);
        }
        self.schedule(now, None)
    }
}
