//! What a streamed attempt is made of beside its request: the boxed error of
//! [`Transport::send_streamed`], the unread body of an async response ([`ResponseBody`]), and
//! the buffered way a transport that does not stream sends one (the traits' default methods).

use std::fmt;
use std::io::{self, Read};

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;
use stripe_core::TransportError;

use crate::async_source::UploadBody;
use crate::transport::{AsyncTransport, Attempt, SendError, Transport};

/// A transport's error of a streamed attempt, boxed: the cause of the caller's error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A blocking streamed attempt ([`Transport::send_streamed`]): its body, if it has one, is read
/// as it is sent.
pub type StreamAttempt = Attempt<Option<Box<dyn Read + Send>>>;

/// An async streamed attempt ([`AsyncTransport::send_streamed`]).
pub type AsyncStreamAttempt = Attempt<Option<UploadBody>>;

/// What a streamed attempt gives: the response, its body (`B`) unread, or the error.
pub type Streamed<B> = Result<http::Response<B>, SendError<BoxError>>;

/// At most `cap` + 1 bytes of a blocking body, in a buffer sized once from the `declared`
/// length (trusted up to 64 KiB), not grown step by step: what a transport's
/// [`Transport::send`] reads, and the client of a streamed answer that is not a download.
pub fn read_capped(body: impl Read, declared: Option<u64>, cap: usize) -> io::Result<Bytes> {
    let limit = u64::try_from(cap).map_or(u64::MAX, |n| n.saturating_add(1));
    let declared = declared.unwrap_or(0).min(limit).min(64 << 10);
    let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    body.take(limit).read_to_end(&mut bytes)?;
    Ok(Bytes::from(bytes))
}

/// The body of an async response, unread: any `http_body::Body` of `Bytes` (reqwest's, hyper's),
/// boxed. The client reads it as it comes ([`AsyncTransport::send_streamed`]).
pub struct ResponseBody(UnsyncBoxBody<Bytes, BoxError>);

impl ResponseBody {
    /// Boxes `body`.
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        Self(body.map_err(Into::into).boxed_unsync())
    }

    /// The next chunk of data (trailers are passed over), `None` at the end.
    pub(crate) async fn chunk(&mut self) -> Option<Result<Bytes, BoxError>> {
        loop {
            match self.0.frame().await? {
                Ok(frame) => {
                    if let Ok(data) = frame.into_data() {
                        return Some(Ok(data));
                    }
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseBody").finish_non_exhaustive()
    }
}

/// [`Transport::send_streamed`] over [`Transport::send`]: the body read into memory, the
/// answer read whole (up to the cap + 1).
pub(crate) fn buffered<T: Transport + ?Sized>(
    transport: &T,
    attempt: StreamAttempt,
) -> Streamed<Box<dyn Read>> {
    let mut bytes = Vec::new();
    let attempt = attempt.map_body(|body| body.map(|mut body| body.read_to_end(&mut bytes)));
    let (by, max) = (attempt.by(), attempt.max_body_bytes());
    let (parts, read) = attempt.into_request().into_parts();
    if let Some(Err(e)) = read {
        return Err(SendError::new(TransportError::Body, Box::new(e)));
    }
    let request = http::Request::from_parts(parts, Bytes::from(bytes));
    let response = transport
        .send(Attempt::new(request, by, max))
        .map_err(SendError::boxed)?;
    Ok(response.map(|body| Box::new(io::Cursor::new(body)) as Box<dyn Read>))
}

/// [`AsyncTransport::send_streamed`] over [`AsyncTransport::send`]: the body collected into
/// memory, the answer read whole (up to the cap + 1).
pub(crate) async fn buffered_async<T: AsyncTransport + ?Sized>(
    transport: &T,
    attempt: AsyncStreamAttempt,
) -> Streamed<ResponseBody> {
    let (by, max) = (attempt.by(), attempt.max_body_bytes());
    let (parts, body) = attempt.into_request().into_parts();
    let bytes = match body {
        Some(body) => match body.collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) => return Err(SendError::new(TransportError::Body, Box::new(e))),
        },
        None => Bytes::new(),
    };
    let request = http::Request::from_parts(parts, bytes);
    let response = transport
        .send(Attempt::new(request, by, max))
        .await
        .map_err(SendError::boxed)?;
    Ok(response.map(|body| ResponseBody::new(http_body_util::Full::new(body))))
}

/// A body gathered chunk by chunk up to its cap + 1 bytes (so that a body over the cap is
/// seen): the first chunk kept as it came (no copy), from a second on all of them joined, the
/// last cut at the cap + 1. What an async transport's [`AsyncTransport::send`] reads, and the
/// client of a streamed answer that is not a download.
#[derive(Debug)]
pub struct Capped {
    first: Bytes,
    all: Vec<u8>,
    limit: usize,
}

impl Capped {
    /// An empty body whose cap is `cap` bytes.
    #[inline]
    pub fn new(cap: usize) -> Self {
        Self {
            first: Bytes::new(),
            all: Vec::new(),
            limit: cap.saturating_add(1),
        }
    }

    /// Whether the cap + 1 bytes are in: read no more.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.first.len().max(self.all.len()) >= self.limit
    }

    /// Adds the next chunk.
    #[inline]
    pub fn push(&mut self, chunk: Bytes) {
        if self.first.is_empty() && self.all.is_empty() {
            self.first = chunk;
        } else {
            self.all.extend_from_slice(&std::mem::take(&mut self.first));
            let room = self.limit.saturating_sub(self.all.len());
            self.all.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
    }

    /// The body: at most the cap + 1 bytes.
    #[inline]
    pub fn into_bytes(self) -> Bytes {
        let mut body = if self.all.is_empty() {
            self.first
        } else {
            self.all.into()
        };
        body.truncate(self.limit);
        body
    }
}
