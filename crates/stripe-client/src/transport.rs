//! What a transport is: one attempt before an instant, a sleep until an instant, the clock.
//! Everything else (which key, whether to retry, how long to wait) is the core's.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io::Read;
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use stripe_core::{Config, Error, TransportError};

use crate::streaming::{AsyncStreamAttempt, BoxError, ResponseBody, StreamAttempt, Streamed};

/// One attempt to make: the request, with every header, the instant by which the attempt
/// (connect, send, read the whole body) must be over, and the body cap. Everything in it was
/// decided by the core. Its body is bytes, or (for an upload or a download, see
/// [`Transport::send_streamed`]) a body to stream, if any.
#[derive(Debug)]
pub struct Attempt<B = Bytes> {
    request: http::Request<B>,
    by: Option<Instant>,
    max_body_bytes: usize,
}

impl<B> Attempt<B> {
    /// An attempt of `request` to be over by `by`, reading at most `max_body_bytes` of the
    /// body (plus one). A driver of its own (see [`crate::Prepared::into_call`]) makes one from
    /// each `Action::Send` it sends through a transport.
    #[inline]
    pub fn new(request: http::Request<B>, by: Option<Instant>, max_body_bytes: usize) -> Self {
        Self {
            request,
            by,
            max_body_bytes,
        }
    }
    /// The request to send.
    #[inline]
    pub fn request(&self) -> &http::Request<B> {
        &self.request
    }
    /// When the attempt must be over (`None`: the policy bounds neither attempts nor calls).
    #[inline]
    pub fn by(&self) -> Option<Instant> {
        self.by
    }
    /// What is left of the attempt's time at `now` (`None`: unbounded).
    #[inline]
    pub fn time_left(&self, now: Instant) -> Option<std::time::Duration> {
        self.by.map(|by| by.saturating_duration_since(now))
    }
    /// Read at most this many bytes of the body, plus one (so that an oversized body is seen).
    #[inline]
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }
    /// The request, to send it.
    #[inline]
    pub fn into_request(self) -> http::Request<B> {
        self.request
    }
    /// The same attempt with its body made by `f`.
    pub fn map_body<C>(self, f: impl FnOnce(B) -> C) -> Attempt<C> {
        Attempt {
            request: self.request.map(f),
            by: self.by,
            max_body_bytes: self.max_body_bytes,
        }
    }
}

/// A transport's failure to get a response: the kind the core needs to decide, and the
/// transport's own error, which becomes the [`Error::source`](std::error::Error::source) of the
/// caller's error.
#[derive(Debug)]
pub struct SendError<E> {
    kind: TransportError,
    error: E,
}

impl<E> SendError<E> {
    /// Pairs a transport's error with its kind: [`TransportError::Connect`] only when the
    /// request surely never left.
    pub fn new(kind: TransportError, error: E) -> Self {
        Self { kind, error }
    }
    /// The kind.
    pub fn kind(&self) -> TransportError {
        self.kind
    }
    /// The same kind, the error boxed (as [`Transport::send_streamed`] returns it).
    pub fn boxed(self) -> SendError<BoxError>
    where
        E: StdError + Send + Sync + 'static,
    {
        SendError::new(self.kind, Box::new(self.error))
    }
    pub(crate) fn into_parts(self) -> (TransportError, E) {
        (self.kind, self.error)
    }
}

/// The error of an attempt bounded by a timer of the transport's own (as an async transport's
/// usually is): the transport's error `E`, or the attempt's time running out first. It shows as
/// `E` does, with `E`'s causes as its own, so that no text is printed twice in a chain.
#[derive(Debug)]
#[non_exhaustive]
pub enum AttemptError<E> {
    /// The transport's own error.
    Transport(E),
    /// The attempt was not over by its instant ([`Attempt::by`]).
    TimedOut,
}

impl<E> From<E> for AttemptError<E> {
    fn from(error: E) -> Self {
        Self::Transport(error)
    }
}

impl<E: fmt::Display> fmt::Display for AttemptError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport(e) => e.fmt(f),
            Self::TimedOut => f.write_str("the attempt was not over in its time"),
        }
    }
}

impl<E: StdError> StdError for AttemptError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Transport(e) => e.source(),
            Self::TimedOut => None,
        }
    }
}

/// A blocking transport: the I/O of one attempt, the sleep, the clock.
///
/// ```
/// use std::time::Instant;
/// use bytes::Bytes;
/// use stripe_client::{Attempt, SendError, Transport};
/// use stripe_core::TransportError;
///
/// /// A transport that never reaches anything (a real one sends `request` over HTTP/1.1).
/// struct Offline;
///
/// impl Transport for Offline {
///     type Error = std::io::Error;
///     fn send(&self, _attempt: Attempt) -> Result<http::Response<Bytes>, SendError<std::io::Error>> {
///         let e = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "offline");
///         Err(SendError::new(TransportError::Connect, e))
///     }
///     fn sleep_until(&self, until: Instant) {
///         std::thread::sleep(until.saturating_duration_since(Instant::now()));
///     }
/// }
///
/// let config = stripe_core::Config::builder("sk_test_123")
///     .policy(stripe_core::RetryPolicy::never())
///     .build()?;
/// let client = stripe_client::Client::with_transport(config, Offline);
/// let error = client.get("/v1/balance").unwrap_err();
/// assert_eq!(error.kind(), &stripe_core::ErrorKind::Transport(TransportError::Connect));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Transport {
    /// The transport's own error.
    type Error: StdError + Send + Sync + 'static;

    /// Sends the attempt's request and returns the whole response, reading at most
    /// [`Attempt::max_body_bytes`] + 1 bytes of its body, all before [`Attempt::by`]. Never
    /// follows a redirect: a 3xx is a response like any other.
    fn send(&self, attempt: Attempt) -> Result<http::Response<Bytes>, SendError<Self::Error>>;

    /// Returns at `until` or later.
    fn sleep_until(&self, until: Instant);

    /// The monotonic clock (a simulation gives virtual time).
    fn now(&self) -> Instant {
        Instant::now()
    }

    /// The wall clock, for the keys' timestamps and ages.
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }

    /// How many headers the transport or its HTTP client adds to a request's map: each
    /// attempt's map keeps room for them (see
    /// [`Session::set_header_room`](stripe_core::Session::set_header_room)). 0 by default.
    fn header_room(&self) -> usize {
        0
    }

    /// Sends an attempt whose request body, if it has one, is read from `attempt`'s reader as
    /// it is sent (an upload: its `Content-Length` header is set; send exactly that), and
    /// returns the response with its body unread, for the client to read as it comes (a
    /// download, written to the caller's writer). The whole exchange, body included, is to be
    /// over by [`Attempt::by`]; a 3xx is a response. A reader that fails makes the request
    /// fail: never end a request whose body was cut short as if it were whole.
    ///
    /// By default the upload is read into memory and sent with [`Transport::send`], and the
    /// answer read whole (up to [`Attempt::max_body_bytes`] + 1 bytes): a transport of your own
    /// needs nothing more for uploads and downloads to work; overriding this keeps their
    /// memory bounded (the drivers' transports do).
    fn send_streamed(&self, attempt: StreamAttempt) -> Streamed<Box<dyn Read>> {
        crate::streaming::buffered(self, attempt)
    }
}

/// An async transport: the same four duties as [`Transport`], as futures that are `Send`.
pub trait AsyncTransport: Send + Sync {
    /// The transport's own error.
    type Error: StdError + Send + Sync + 'static;

    /// Sends the attempt's request and returns the whole response, as [`Transport::send`].
    fn send(
        &self,
        attempt: Attempt,
    ) -> impl Future<Output = Result<http::Response<Bytes>, SendError<Self::Error>>> + Send;

    /// Completes at `until` or later.
    fn sleep_until(&self, until: Instant) -> impl Future<Output = ()> + Send;

    /// The monotonic clock.
    fn now(&self) -> Instant {
        Instant::now()
    }

    /// The wall clock, for the keys' timestamps and ages.
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }

    /// As [`Transport::header_room`].
    fn header_room(&self) -> usize {
        0
    }

    /// As [`Transport::send_streamed`]: the upload's body as an
    /// [`UploadBody`](crate::UploadBody) (an
    /// `http_body::Body` of its `Content-Length`), the response's body unread as a
    /// [`ResponseBody`]. The client bounds the whole exchange by [`Attempt::by`] with
    /// [`AsyncTransport::sleep_until`]. By default the upload is collected into memory and
    /// sent with [`AsyncTransport::send`], and the answer read whole (up to
    /// [`Attempt::max_body_bytes`] + 1 bytes).
    fn send_streamed(
        &self,
        attempt: AsyncStreamAttempt,
    ) -> impl Future<Output = Streamed<ResponseBody>> + Send {
        crate::streaming::buffered_async(self, attempt)
    }
}

/// A transport that can be built from a [`Config`] alone (its connect timeout, its body cap):
/// what [`Client::new`](crate::Client::new) and [`AsyncClient::new`](crate::AsyncClient::new)
/// need.
pub trait FromConfig: Sized {
    /// Builds the transport; an error (say, no TLS backend) is of kind
    /// [`ErrorKind::Local`](stripe_core::ErrorKind::Local).
    fn from_config(config: &Config) -> Result<Self, Error>;
}
