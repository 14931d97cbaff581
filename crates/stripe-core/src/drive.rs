//! Generic drivers: the whole action loop, with the transport, the sleeper and the clock given
//! as closures. Still no I/O here: the closures do it. The adapters use these; a custom
//! transport needs only a closure that sends one request.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::call::{Action, Call, Input};
use crate::failure::{Failure, TransportError};
use crate::response::Response;

/// A transport's failure to get a response: the kind the call needs and the transport's own
/// error, kept as `source()`.
#[derive(Debug)]
pub struct SendError<E> {
    /// What the call needs to know.
    pub kind: TransportError,
    /// The transport's own error.
    pub error: E,
}

impl<E> SendError<E> {
    /// Pairs a transport's error with its kind.
    pub fn new(kind: TransportError, error: E) -> Self {
        Self { kind, error }
    }
}

/// A failed call as a driver reports it: the core's [`Failure`] (key, advice, attempts) and,
/// when the last attempt got no response, the transport's own error.
#[derive(Debug)]
pub struct DriveError<E> {
    /// The failure, with the idempotency key to persist.
    pub failure: Failure,
    /// The transport's error of the last attempt, if it got no response.
    pub transport: Option<E>,
}

impl<E> DriveError<E> {
    /// The idempotency key to persist (`None` for GET and DELETE).
    pub fn idempotency_key(&self) -> Option<&crate::IdempotencyKey> {
        self.failure.idempotency_key()
    }
}

impl<E: fmt::Display> fmt::Display for DriveError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.failure.fmt(f)?;
        if let Some(e) = &self.transport {
            write!(f, " ({e})")?;
        }
        Ok(())
    }
}

impl<E: std::error::Error + 'static> std::error::Error for DriveError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // `Display` already shows the failure, so the chain goes on below it.
        match &self.transport {
            Some(e) => Some(e),
            None => std::error::Error::source(&self.failure),
        }
    }
}

/// Runs a call to its end with blocking closures: `send` makes one attempt within the given
/// timeout, `sleep` waits, `clock` tells the time.
///
/// See the crate docs for an example with a custom transport.
pub fn run_blocking<E>(
    start: (Call, Action),
    mut clock: impl FnMut() -> Instant,
    mut send: impl FnMut(
        http::Request<Bytes>,
        Option<Duration>,
    ) -> Result<http::Response<Bytes>, SendError<E>>,
    mut sleep: impl FnMut(Duration),
) -> Result<Response, DriveError<E>> {
    let (mut call, mut action) = start;
    let mut last_error = None;
    loop {
        action = match action {
            Action::Send(req) => {
                let timeout = call.attempt_timeout(clock());
                let input = into_input(send(req, timeout), &mut last_error);
                call.handle(clock(), input)
            }
            Action::Sleep(d) => {
                sleep(d);
                call.handle(clock(), Input::Woke)
            }
            Action::Done(resp) => return Ok(resp),
            Action::Fail(failure) => return Err(finish(failure, last_error)),
        };
    }
}

/// Runs a call to its end with async closures; the same loop as [`run_blocking`]. It needs no
/// particular runtime: the closures bring theirs.
///
/// Dropping the returned future mid-call abandons it: the key was already known from
/// [`Call::idempotency_key`] before the first send, so persist it first if the call matters.
pub async fn run_async<E, SendFut, SleepFut>(
    start: (Call, Action),
    mut clock: impl FnMut() -> Instant,
    mut send: impl FnMut(http::Request<Bytes>, Option<Duration>) -> SendFut,
    mut sleep: impl FnMut(Duration) -> SleepFut,
) -> Result<Response, DriveError<E>>
where
    SendFut: Future<Output = Result<http::Response<Bytes>, SendError<E>>>,
    SleepFut: Future<Output = ()>,
{
    let (mut call, mut action) = start;
    let mut last_error = None;
    loop {
        action = match action {
            Action::Send(req) => {
                let timeout = call.attempt_timeout(clock());
                let input = into_input(send(req, timeout).await, &mut last_error);
                call.handle(clock(), input)
            }
            Action::Sleep(d) => {
                sleep(d).await;
                call.handle(clock(), Input::Woke)
            }
            Action::Done(resp) => return Ok(resp),
            Action::Fail(failure) => return Err(finish(failure, last_error)),
        };
    }
}

fn into_input<E>(
    result: Result<http::Response<Bytes>, SendError<E>>,
    last_error: &mut Option<E>,
) -> Input {
    match result {
        Ok(resp) => {
            *last_error = None;
            Input::Response(resp)
        }
        Err(e) => {
            *last_error = Some(e.error);
            Input::Transport(e.kind)
        }
    }
}

fn finish<E>(failure: Failure, last_error: Option<E>) -> DriveError<E> {
    let transport = match failure.kind() {
        crate::FailureKind::Transport(_)
        | crate::FailureKind::DeadlineExceeded {
            last_transport: Some(_),
        } => last_error,
        _ => None,
    };
    DriveError { failure, transport }
}
