//! Generic drivers: the whole action loop, with the transport, the sleeper and the clock given
//! as closures. Still no I/O here: the closures do it. The adapters use these; a custom
//! transport needs only a closure that sends one request.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::call::{Action, Call, Input, RetryReason};
use crate::error::RequestError;
use crate::failure::{Failure, TransportError};
use crate::key::IdempotencyKey;
use crate::list::PageError;
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

/// The error of a client built on these drivers: invalid input (nothing sent), a failed call
/// (the key inside), or an unusable page of a list. `E` is the transport's own error. 4xx and
/// 5xx are responses, never errors.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError<E> {
    /// The request was invalid (path, params, header value, key): nothing was sent.
    Request(RequestError),
    /// The call failed: the failure carries the idempotency key to persist, the attempts, the
    /// advice, and the last response if any; `transport` holds the transport's error when the
    /// last attempt got no response.
    Call(DriveError<E>),
    /// A page of a list was answered with a status other than 2xx, or is not a list: the
    /// page's whole response, Stripe's error object and the cursor to resume from are inside.
    Page(Box<PageError>),
}

impl<E> ClientError<E> {
    /// The idempotency key to persist before anything else (`None` for GET, DELETE and invalid
    /// requests).
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.failure().and_then(Failure::idempotency_key)
    }

    /// The core's failure: kind, key, attempts, advice, last response.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Self::Call(e) => Some(&e.failure),
            Self::Request(_) | Self::Page(_) => None,
        }
    }

    /// The transport's error of the last attempt, when it got no response.
    pub fn transport_error(&self) -> Option<&E> {
        match self {
            Self::Call(e) => e.transport.as_ref(),
            Self::Request(_) | Self::Page(_) => None,
        }
    }
}

impl<E> fmt::Display for ClientError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request(e) => write!(f, "invalid request, nothing sent: {e}"),
            Self::Call(e) => e.failure.fmt(f),
            Self::Page(e) => e.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for ClientError<E> {
    /// The transport's error of the last attempt if it got no response; otherwise what lies
    /// under the request error or the failure (whose text `Display` already shows).
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Request(e) => e.source(),
            Self::Call(DriveError {
                transport: Some(e), ..
            }) => Some(e),
            Self::Call(e) => e.failure.source(),
            Self::Page(_) => None,
        }
    }
}

impl<E> From<RequestError> for ClientError<E> {
    fn from(e: RequestError) -> Self {
        Self::Request(e)
    }
}

impl<E> From<DriveError<E>> for ClientError<E> {
    fn from(e: DriveError<E>) -> Self {
        Self::Call(e)
    }
}

/// A retry about to happen: the call sleeps `wait`, then makes attempt `attempt` of at most
/// `max_tries`, because of `reason`. Given to the `notify` closure of
/// [`run_blocking_notify`] and [`run_async_notify`], e.g. to show a live line.
///
/// ```
/// # fn show(n: &stripe_core::drive::RetryNotice) -> String {
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

/// The notice for a sleep of `wait`, once per retry: a sleep resumed early (the call asks for
/// the rest) is not announced twice.
fn notice(call: &Call, wait: Duration, announced: &mut u32) -> Option<RetryNotice> {
    let attempt = call.attempts().saturating_add(1);
    if *announced == attempt {
        return None;
    }
    *announced = attempt;
    Some(RetryNotice {
        attempt,
        max_tries: call.max_tries(),
        reason: call.retry_reason()?,
        wait,
    })
}

/// Runs a call to its end with blocking closures: `send` makes one attempt within the given
/// timeout, `sleep` waits, `clock` tells the time.
///
/// See the crate docs for an example with a custom transport.
pub fn run_blocking<E>(
    start: (Call, Action),
    clock: impl FnMut() -> Instant,
    send: impl FnMut(
        http::Request<Bytes>,
        Option<Duration>,
    ) -> Result<http::Response<Bytes>, SendError<E>>,
    sleep: impl FnMut(Duration),
) -> Result<Response, DriveError<E>> {
    run_blocking_notify(start, clock, send, sleep, |_| {})
}

/// [`run_blocking`], telling `notify` about each retry before its sleep.
pub fn run_blocking_notify<E>(
    start: (Call, Action),
    mut clock: impl FnMut() -> Instant,
    mut send: impl FnMut(
        http::Request<Bytes>,
        Option<Duration>,
    ) -> Result<http::Response<Bytes>, SendError<E>>,
    mut sleep: impl FnMut(Duration),
    mut notify: impl FnMut(&RetryNotice),
) -> Result<Response, DriveError<E>> {
    let (mut call, mut action) = start;
    let mut last_error = None;
    let mut announced = 0;
    loop {
        action = match action {
            Action::Send(req) => {
                let timeout = call.attempt_timeout(clock());
                let input = into_input(send(req, timeout), &mut last_error);
                call.handle(clock(), input)
            }
            Action::Sleep(d) => {
                if let Some(n) = notice(&call, d, &mut announced) {
                    notify(&n);
                }
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
    clock: impl FnMut() -> Instant,
    send: impl FnMut(http::Request<Bytes>, Option<Duration>) -> SendFut,
    sleep: impl FnMut(Duration) -> SleepFut,
) -> Result<Response, DriveError<E>>
where
    SendFut: Future<Output = Result<http::Response<Bytes>, SendError<E>>>,
    SleepFut: Future<Output = ()>,
{
    run_async_notify(start, clock, send, sleep, |_| {}).await
}

/// [`run_async`], telling `notify` about each retry before its sleep.
pub async fn run_async_notify<E, SendFut, SleepFut>(
    start: (Call, Action),
    mut clock: impl FnMut() -> Instant,
    mut send: impl FnMut(http::Request<Bytes>, Option<Duration>) -> SendFut,
    mut sleep: impl FnMut(Duration) -> SleepFut,
    mut notify: impl FnMut(&RetryNotice),
) -> Result<Response, DriveError<E>>
where
    SendFut: Future<Output = Result<http::Response<Bytes>, SendError<E>>>,
    SleepFut: Future<Output = ()>,
{
    let (mut call, mut action) = start;
    let mut last_error = None;
    let mut announced = 0;
    loop {
        action = match action {
            Action::Send(req) => {
                let timeout = call.attempt_timeout(clock());
                let input = into_input(send(req, timeout).await, &mut last_error);
                call.handle(clock(), input)
            }
            Action::Sleep(d) => {
                if let Some(n) = notice(&call, d, &mut announced) {
                    notify(&n);
                }
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
