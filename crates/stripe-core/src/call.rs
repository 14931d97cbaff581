//! The `Call` state machine: one logical operation and all its attempts.
//!
//! ```text
//!        Session::call
//!                |
//!                v                 Input::Response (final) ---> Action::Done
//!   +------> [Awaiting] --------+-------------------------------> Action::Fail
//!   |            |              |  Input::Transport (final)     (key inside)
//!   |   Action::Send { by }  retry wanted and tries left
//!   |            |              |
//!   |            |              v
//!   |            |         [Sleeping] -- deadline or key age --> Action::Fail
//!   |            |              |
//!   +--- Input::Woke -----------+
//!                     Action::Sleep { until, notice }
//! ```
//!
//! [`Session::call`](crate::Session::call) returns the first action (a `Send`, or a `Fail` if
//! the caller's key is already older than 24 h). After `Done` or `Fail` the call is over: any
//! further input answers `Fail` with [`ErrorKind::OutOfOrder`].

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use bytes::Bytes;

use crate::action::{Action, Input, RetryNotice, RetryReason};
use crate::advice::Advice;
use crate::config::Config;
use crate::failure::{Error, ErrorKind, TransportError};
use crate::files::Multipart;
use crate::key::IdempotencyKey;
use crate::policy::RetryPolicy;
use crate::request::{Method, Namespace, Request};
use crate::response::{self, Response};
use crate::retry::{self, Answer};
use crate::seed::Random;
use crate::wire::{CallHeaders, Wire};

#[derive(Debug)]
enum State {
    Awaiting,
    Sleeping { until: Instant },
    Over,
}

/// One logical Stripe operation with all its attempts. It owns the idempotency key, the
/// attempt counter, the retry policy and the random stream; it performs no I/O and reads no
/// clock.
///
/// A pointer wide: a call is moved (between the steps of its driver, into and out of futures)
/// far more often than it is read, and all of it lives in one allocation.
pub struct Call(Box<Inner>);

struct Inner {
    method: Method,
    namespace: Namespace,
    uri: http::Uri,
    wire: Arc<Wire>,
    headers: CallHeaders,
    body: Bytes,
    /// An upload's body around its file (`None` for every other request).
    streamed: Option<Box<Multipart>>,
    /// A body that cannot be sent twice: no retry.
    single_use: bool,
    key: Option<IdempotencyKey>,
    policy: RetryPolicy,
    random: Random,
    started: Instant,
    wall_started: SystemTime,
    attempts: u32,
    max_body_bytes: usize,
    state: State,
    last: Option<RetryReason>,
    attempt_started: Instant,
}

impl std::fmt::Debug for Call {
    /// Method, path, key, attempts and state; never the headers or the random stream.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let call = &self.0;
        f.debug_struct("Call")
            .field("method", &call.method)
            .field("path", &call.path())
            .field("idempotency_key", &call.key)
            .field("attempts", &call.attempts)
            .field("max_tries", &call.policy.max_tries)
            .field("state", &call.state)
            .finish_non_exhaustive()
    }
}

impl Call {
    /// Starts a call of `request` under `config` at monotonic time `now` and wall-clock time
    /// `wall`; a [`Session`](crate::Session) is the way in. An unparsable URI is invalid input.
    pub(crate) fn start(
        request: Request,
        config: &Config,
        random: Random,
        session: CallHeaders,
        at: (Instant, SystemTime),
    ) -> Result<(Self, Action), Error> {
        Inner::start(request, config, random, session, at)
            .map(|(inner, action)| (Self(inner), action))
    }

    /// Feeds what happened at time `now`; returns the next action.
    pub fn handle(&mut self, now: Instant, input: Input) -> Action {
        self.0.handle(now, input)
    }

    /// The idempotency key every attempt carries (`None` for GET and DELETE). Known before the
    /// first byte is sent, so it can be persisted first (write-ahead).
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.0.key.as_ref()
    }
    /// The method.
    pub fn method(&self) -> Method {
        self.0.method
    }
    /// The path with its query, as sent (after the API base's own path, if it has one).
    pub fn path(&self) -> &str {
        self.0.path()
    }
    /// Attempts started so far.
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }
    /// Whether the call is over (after `Done` or `Fail`).
    pub fn is_over(&self) -> bool {
        matches!(self.0.state, State::Over)
    }
    /// The largest answer accepted: the request's own bound, or the configuration's. A driver
    /// reads at most one byte more.
    pub fn max_body_bytes(&self) -> usize {
        self.0.max_body_bytes
    }
}

impl Inner {
    fn start(
        request: Request,
        config: &Config,
        mut random: Random,
        session: CallHeaders,
        (now, wall): (Instant, SystemTime),
    ) -> Result<(Box<Self>, Action), Error> {
        let key = request.namespace.carries_key(request.method).then(|| {
            request
                .idempotency_key
                .unwrap_or_else(|| IdempotencyKey::generate(wall, &mut random))
        });
        let options = request.options.map(|o| *o).unwrap_or_default();
        let uri = config
            .wire
            .uri(options.host, request.path)
            .map_err(|path| {
                Error::from(crate::RequestError::Path {
                    path,
                    reason: "does not make a valid URI with the API base",
                })
            })?;
        let (streamed, multipart, body) = match &options.file {
            Some(file) => {
                let mut boundary = [0u8; 16];
                random.fill(&mut boundary);
                let (body, headers) = Multipart::build(&request.body, file, boundary)?;
                (Some(Box::new(body)), Some(Box::new(headers)), Bytes::new())
            }
            None => (None, None, Bytes::from(request.body)),
        };
        let headers = CallHeaders {
            key: key.as_ref().map(|k| k.header_value().clone()),
            authorization: (options.api_key.as_ref())
                .map(|k| crate::config::authorization(k, config.auth)),
            version: options.stripe_version,
            account: options.stripe_account,
            context: options.stripe_context,
            json: request.namespace == Namespace::V2,
            multipart,
            ..session
        };
        let mut call = Box::new(Self {
            method: request.method,
            namespace: request.namespace,
            uri,
            wire: Arc::clone(&config.wire),
            headers,
            body,
            streamed,
            single_use: options.single_use_body,
            key,
            policy: options.policy.unwrap_or_else(|| config.policy.clone()),
            random,
            started: now,
            wall_started: wall,
            attempts: 0,
            max_body_bytes: options.max_body_bytes.unwrap_or(config.max_body_bytes),
            state: State::Awaiting,
            last: None,
            attempt_started: now,
        });
        if let Some(age) = call
            .key
            .as_ref()
            .filter(|k| k.is_expired(wall))
            .and_then(|k| k.age(wall))
        {
            let action = call.fail(ErrorKind::KeyExpired { age }, None);
            return Ok((call, action));
        }
        let action = call.send(now);
        Ok((call, action))
    }

    fn handle(&mut self, now: Instant, input: Input) -> Action {
        match (&self.state, input) {
            (State::Awaiting, Input::Response(resp)) => self.on_response(now, resp),
            (State::Awaiting, Input::Streamed { head, len }) => self.on_streamed(now, head, len),
            (State::Awaiting, Input::Transport(e)) => self.on_transport(now, e),
            (State::Sleeping { until }, Input::Woke) => {
                if now < *until {
                    Action::Sleep {
                        until: *until,
                        notice: None,
                    }
                } else {
                    self.send(now)
                }
            }
            (State::Awaiting, Input::Woke) => self.out_of_order("a response or a transport error"),
            (State::Sleeping { .. }, _) => self.out_of_order("Input::Woke"),
            (State::Over, _) => self.out_of_order("nothing: the call is over"),
        }
    }

    fn path(&self) -> &str {
        self.uri.path_and_query().map_or("/", |p| p.as_str())
    }

    /// When the attempt starting at `now` must be over: the attempt timeout, cut to the
    /// deadline.
    fn attempt_by(&self, now: Instant) -> Option<Instant> {
        let attempt = self.policy.attempt_timeout.and_then(|t| now.checked_add(t));
        let deadline = self
            .policy
            .deadline
            .and_then(|d| self.started.checked_add(d));
        match (attempt, deadline) {
            (Some(a), Some(d)) => Some(a.min(d)),
            (a, d) => a.or(d),
        }
    }

    fn send(&mut self, now: Instant) -> Action {
        self.attempts += 1;
        self.attempt_started = now;
        self.state = State::Awaiting;
        event!(debug, method = %self.method, path = %self.path(), attempt = self.attempts, max_tries = self.policy.max_tries, "stripe attempt");
        let mut request = http::Request::new(self.body.clone());
        *request.method_mut() = self.method.as_http();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.wire.headers(self.method, &self.headers);
        let by = self.attempt_by(now);
        match &self.streamed {
            None => Action::Send { request, by },
            Some(body) => Action::SendStreamed {
                request,
                by,
                body: body.clone(),
            },
        }
    }

    fn on_response(&mut self, now: Instant, resp: http::Response<Bytes>) -> Action {
        let (parts, bytes) = resp.into_parts();
        if bytes.len() > self.max_body_bytes {
            return self.too_large(parts);
        }
        self.on_answer(now, parts, bytes)
    }

    /// A body handed on as it came: `len` bytes of it read.
    #[cold]
    #[inline(never)]
    fn on_streamed(&mut self, now: Instant, head: http::response::Parts, len: u64) -> Action {
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

    /// A body over the cap: the call fails, with the headers kept.
    #[cold]
    #[inline(never)]
    fn too_large(&mut self, parts: http::response::Parts) -> Action {
        let status = parts.status;
        // A 2xx whose body is lost: a v1 POST may have taken effect (its replay would be over
        // the cap again); a v2 retry with the same key gives the answer again; a read needs a
        // larger cap.
        let keyed = self.namespace.carries_key(self.method);
        let advice = match (keyed, self.namespace, status.is_success()) {
            (true, Namespace::V1, true) => Advice::Reconcile,
            (true, _, true) => Advice::RetrySameKey,
            (false, _, true) => Advice::FixRequest,
            _ => Advice::for_answer(self.namespace, self.method, status),
        };
        self.state = State::Over;
        let error = Error::new(
            ErrorKind::ResponseTooLarge {
                status,
                limit: self.max_body_bytes,
            },
            advice,
        )
        .with_call(self.key.clone(), self.attempts)
        .with_headers(parts.headers);
        Action::Fail(error)
    }

    #[cold]
    #[inline(never)]
    fn on_transport(&mut self, now: Instant, error: TransportError) -> Action {
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

    /// Schedules the next attempt after `last` (the answer that asked for a retry, or none
    /// after a transport error); its `Retry-After` is read here, only when a retry is due.
    #[cold]
    #[inline(never)]
    fn schedule(&mut self, now: Instant, last: Option<Response>) -> Action {
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

    #[cold]
    #[inline(never)]
    fn fail(&mut self, kind: ErrorKind, last: Option<Response>) -> Action {
        self.state = State::Over;
        let advice = match (&kind, &last) {
            (ErrorKind::KeyExpired { .. }, _) => Advice::Reconcile,
            (_, Some(resp)) => resp.advice(),
            _ => Advice::no_response(self.namespace, self.method),
        };
        let error = Error::new(kind, advice)
            .with_call(self.key.clone(), self.attempts)
            .with_response(last);
        event!(warn, method = %self.method, path = %self.path(), attempts = error.attempts(), advice = ?error.advice(), idempotency_key = error.idempotency_key().map_or("", |k| k.as_str()), error = %error, "stripe call failed");
        Action::Fail(error)
    }

    /// The transport would not build the request: that attempt was never made, and no other
    /// would be. Invalid input; what to do is to fix it, unless earlier attempts were sent.
    #[cold]
    #[inline(never)]
    fn refused(&mut self) -> Action {
        self.state = State::Over;
        self.attempts = self.attempts.saturating_sub(1);
        let advice = match self.attempts {
            0 => Advice::FixRequest,
            _ => Advice::no_response(self.namespace, self.method),
        };
        let error = Error::new(ErrorKind::InvalidRequest, advice)
            .with_call(self.key.clone(), self.attempts);
        event!(warn, method = %self.method, path = %self.path(), attempts = self.attempts, "stripe request refused by the transport");
        Action::Fail(error)
    }

    #[cold]
    #[inline(never)]
    fn out_of_order(&mut self, expected: &'static str) -> Action {
        self.fail(ErrorKind::OutOfOrder { expected }, None)
    }
}
