//! What both client flavours share: the session behind a lock, the retry hook, and the driving
//! step that turns the core's actions into "send before", "sleep until", "return".

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use stripe_core::{
    Action, Call, Config, Error, ErrorKind, Input, Multipart, Request, Response, RetryNotice, Seed,
    Session,
};

use crate::streaming::BoxError;
use crate::transport::{Attempt, SendError};

/// The retry hook of a client.
pub(crate) type OnRetry = Arc<dyn Fn(&RetryNotice) + Send + Sync>;

/// The part of a client that is not its transport. Clones share the session.
#[derive(Clone)]
pub(crate) struct Shell {
    config: Config,
    session: Arc<Mutex<Session>>,
    on_retry: Option<OnRetry>,
}

impl fmt::Debug for Shell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Shell {
    pub(crate) fn new(config: Config, seed: Seed, header_room: usize) -> Self {
        let mut session = Session::new(config.clone(), seed);
        session.set_header_room(header_room);
        Self {
            session: Arc::new(Mutex::new(session)),
            config,
            on_retry: None,
        }
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn set_on_retry(&mut self, hook: OnRetry) {
        self.on_retry = Some(hook);
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a call (no I/O): its key is known from here on.
    #[inline]
    pub(crate) fn start(
        &self,
        request: Request,
        now: Instant,
        wall: SystemTime,
    ) -> Result<(Call, Action), Error> {
        self.session().call(request, now, wall)
    }

    /// A driver of one call to its end, and its first step.
    #[inline]
    pub(crate) fn drive(&self, (call, first): (Call, Action)) -> (Drive<'_>, Step) {
        let mut drive = Drive {
            shell: self,
            call,
            source: None,
        };
        let step = drive.step(first);
        (drive, step)
    }
}

/// What the flavour's loop must do next.
// As `Action`: `Send` is nearly every step, and is taken apart at once.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Step {
    /// Make the attempt, then [`Drive::sent`].
    Send(Attempt),
    /// Make the attempt with its body streamed (an upload), then [`Drive::feed`]. Only a
    /// drive of `upload` gets it: another ends the call with an error instead.
    SendStreamed(Attempt, Box<Multipart>),
    /// Sleep until the instant, then [`Drive::woke`].
    Sleep(Instant),
    /// The call is over.
    Return(Result<Response, Error>),
}

/// One call being driven: the core's actions, the retry hook, the telemetry memory and the
/// transport's own error of the last attempt, all in one place for both flavours.
pub(crate) struct Drive<'a> {
    shell: &'a Shell,
    call: Call,
    source: Option<BoxError>,
}

impl Drive<'_> {
    /// The attempt's outcome, at `now`.
    pub(crate) fn sent<E: std::error::Error + Send + Sync + 'static>(
        &mut self,
        now: Instant,
        result: Result<http::Response<Bytes>, SendError<E>>,
    ) -> Step {
        let input = match result {
            Ok(response) => {
                self.source = None;
                Input::Response(response)
            }
            Err(e) => {
                let (kind, error) = e.into_parts();
                self.source = Some(Box::new(error));
                Input::Transport(kind)
            }
        };
        let action = self.call.handle(now, input);
        self.step(action)
    }

    /// What happened to a streamed attempt, at `now`, with the cause when no answer came (the
    /// transport's error, or the source's or the writer's).
    pub(crate) fn feed(&mut self, now: Instant, input: Input, source: Option<BoxError>) -> Step {
        self.source = source;
        let action = self.call.handle(now, input);
        self.step(action)
    }

    /// The sleep is over, at `now`.
    #[inline]
    pub(crate) fn woke(&mut self, now: Instant) -> Step {
        let action = self.call.handle(now, Input::Woke);
        self.step(action)
    }

    #[inline]
    fn step(&mut self, action: Action) -> Step {
        match action {
            Action::Send { request, by } => {
                Step::Send(Attempt::new(request, by, self.call.max_body_bytes()))
            }
            Action::SendStreamed { request, by, body } => {
                Step::SendStreamed(Attempt::new(request, by, self.call.max_body_bytes()), body)
            }
            Action::Sleep { until, notice } => {
                if let (Some(notice), Some(hook)) = (notice, &self.shell.on_retry) {
                    hook(&notice);
                }
                Step::Sleep(until)
            }
            Action::Done(response) => {
                self.shell.session().learn(&response);
                Step::Return(Ok(response))
            }
            Action::Fail(error) => {
                if let Some(last) = error.response() {
                    self.shell.session().learn(last);
                }
                Step::Return(Err(self.finish(error)))
            }
            _ => Step::Return(Err(Error::local(
                "the core asked for an action this client does not know",
            ))),
        }
    }

    /// The error with the transport's own error as its cause, when the last attempt got none.
    fn finish(&mut self, error: Error) -> Error {
        // `InvalidRequest` after an attempt: the transport refused to build the request.
        let no_response = matches!(
            error.kind(),
            ErrorKind::Transport(_)
                | ErrorKind::InvalidRequest
                | ErrorKind::DeadlineExceeded {
                    last_transport: Some(_)
                }
                | ErrorKind::NotReplayable {
                    last_transport: Some(_)
                }
        );
        match self.source.take() {
            Some(source) if no_response => error.with_source(source),
            _ => error,
        }
    }
}
