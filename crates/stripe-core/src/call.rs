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
//!
//! This file holds the call, its start and its attempts; `answer.rs` reads an attempt's answer,
//! `schedule.rs` schedules a retry, `end.rs` ends the call in an error.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use bytes::Bytes;

use crate::action::{Action, Input, RetryReason};
use crate::config::Config;
use crate::failure::{Error, ErrorKind};
use crate::files::Multipart;
use crate::key::IdempotencyKey;
use crate::policy::RetryPolicy;
use crate::request::{Method, Namespace, Request};
use crate::seed::Random;
use crate::wire::{CallHeaders, Wire};

mod answer;
mod end;
mod schedule;

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
}
