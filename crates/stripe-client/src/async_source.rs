//! An async upload's file: [`AsyncSource`] (bytes, a stream of chunks opened again for each
//! attempt, or one that can be read once), and [`UploadBody`], the multipart body an
//! [`AsyncTransport`](crate::AsyncTransport) streams: the core's head, exactly the file's
//! length of the source's chunks as they come, the tail. A source that fails, or gives fewer
//! or more bytes, fails the body: the request is cut short, never sent as if whole (the
//! source's own error kept for the client, as the blocking body keeps it: `source.rs`).

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http_body::{Frame, SizeHint};
use stripe_core::Multipart;

use crate::source::{Failure, read_already};

/// A source's chunks.
type Chunks = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

type Open = Box<dyn FnMut() -> io::Result<Chunks> + Send>;

/// Where an async upload's file comes from, and how a retry reads it again: bytes (sent again
/// as they are), a stream of chunks opened again for each attempt ([`AsyncSource::reopen`]:
/// say, a file opened by its path and read as a stream), or one read once only
/// ([`AsyncSource::once`]: no retry; the call ends as
/// [`ErrorKind::NotReplayable`](stripe_core::ErrorKind::NotReplayable) where the policy would
/// retry, the key inside). A stream is runtime-agnostic: Tokio's `ReaderStream` of a file is
/// one.
pub struct AsyncSource {
    kind: Kind,
    len: u64,
}

enum Kind {
    Bytes(Bytes),
    Open(Open),
    Once(Option<Chunks>),
}

impl fmt::Debug for AsyncSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::Bytes(_) => "bytes",
            Kind::Open(_) => "reopen",
            Kind::Once(_) => "once",
        };
        f.debug_struct("AsyncSource")
            .field("kind", &kind)
            .field("len", &self.len)
            .finish()
    }
}

impl AsyncSource {
    /// The file's bytes, in memory.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        Self {
            len: bytes.len() as u64,
            kind: Kind::Bytes(bytes),
        }
    }

    /// `len` bytes from a stream `open` makes, once for each attempt.
    pub fn reopen<S>(len: u64, mut open: impl FnMut() -> io::Result<S> + Send + 'static) -> Self
    where
        S: Stream<Item = io::Result<Bytes>> + Send + 'static,
    {
        let open: Open = Box::new(move || open().map(|s| Box::pin(s) as Chunks));
        Self {
            len,
            kind: Kind::Open(open),
        }
    }

    /// `len` bytes of a stream that can be read once only: the call makes no retry that
    /// would need it again.
    pub fn once<S>(len: u64, stream: S) -> Self
    where
        S: Stream<Item = io::Result<Bytes>> + Send + 'static,
    {
        Self {
            len,
            kind: Kind::Once(Some(Box::pin(stream))),
        }
    }

    /// The file's length in bytes: exactly this many are sent.
    pub fn file_len(&self) -> u64 {
        self.len
    }

    /// Whether it can be read once only.
    pub fn is_single_use(&self) -> bool {
        matches!(self.kind, Kind::Once(_))
    }

    /// The body of one attempt, and where it keeps the source's failure.
    pub(crate) fn body(&mut self, multipart: &Multipart) -> io::Result<(UploadBody, Failure)> {
        let file = match &mut self.kind {
            Kind::Bytes(bytes) => File::Bytes(Some(bytes.clone())),
            Kind::Open(open) => File::Chunks(Mutex::new(open()?)),
            Kind::Once(chunks) => File::Chunks(Mutex::new(chunks.take().ok_or_else(read_already)?)),
        };
        let failure = Failure::default();
        let body = UploadBody {
            head: Some(multipart.head().clone()),
            file,
            left: multipart.file_len(),
            len: multipart.file_len(),
            tail: Some(multipart.tail().clone()),
            failure: failure.clone(),
        };
        Ok((body, failure))
    }
}

enum File {
    Bytes(Option<Bytes>),
    /// In a mutex only so that the body is `Sync`, as HTTP clients ask; polled through
    /// `get_mut`, never locked.
    Chunks(Mutex<Chunks>),
}

/// The multipart body of one async upload attempt: an `http_body::Body` of exactly its
/// `Content-Length` (`Send`, `Sync`, `'static`), for an
/// [`AsyncTransport::send_streamed`](crate::AsyncTransport::send_streamed) to send.
pub struct UploadBody {
    head: Option<Bytes>,
    file: File,
    left: u64,
    len: u64,
    tail: Option<Bytes>,
    failure: Failure,
}

impl fmt::Debug for UploadBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadBody")
            .field("file_len", &self.len)
            .field("left", &self.left)
            .finish_non_exhaustive()
    }
}

type Polled = Poll<Option<Result<Frame<Bytes>, io::Error>>>;

impl UploadBody {
    fn fail(&mut self, error: io::Error) -> Polled {
        self.file = File::Bytes(None);
        self.left = 0;
        self.tail = None;
        Poll::Ready(Some(Err(self.failure.set(error))))
    }

    /// The file's next chunk, a failure, or `None` once its bytes are all sent and the source
    /// has no more.
    fn poll_file(&mut self, cx: &mut Context<'_>) -> Option<Polled> {
        loop {
            let next = match &mut self.file {
                File::Bytes(bytes) => match bytes.take() {
                    Some(bytes) => Poll::Ready(Some(Ok(bytes))),
                    None => Poll::Ready(None),
                },
                File::Chunks(chunks) => {
                    let chunks = chunks.get_mut().unwrap_or_else(PoisonError::into_inner);
                    chunks.as_mut().poll_next(cx)
                }
            };
            let sent = self.len - self.left;
            return Some(match next {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) if chunk.is_empty() => continue,
                Poll::Ready(Some(Ok(chunk))) if chunk.len() as u64 > self.left => {
                    let long = format!("the source holds more than its {} bytes", self.len);
                    self.fail(io::Error::new(io::ErrorKind::InvalidData, long))
                }
                Poll::Ready(Some(Ok(chunk))) => {
                    self.left -= chunk.len() as u64;
                    Poll::Ready(Some(Ok(Frame::data(chunk))))
                }
                Poll::Ready(Some(Err(e))) => self.fail(e),
                Poll::Ready(None) if self.left > 0 => {
                    let short = format!("the source ended after {sent} of its {} bytes", self.len);
                    self.fail(io::Error::new(io::ErrorKind::UnexpectedEof, short))
                }
                Poll::Ready(None) => {
                    self.file = File::Bytes(None);
                    return None;
                }
            });
        }
    }
}

impl http_body::Body for UploadBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Polled {
        let this = self.get_mut();
        if let Some(head) = this.head.take() {
            return Poll::Ready(Some(Ok(Frame::data(head))));
        }
        if this.tail.is_some()
            && let Some(polled) = this.poll_file(cx)
        {
            return polled;
        }
        Poll::Ready(this.tail.take().map(|tail| Ok(Frame::data(tail))))
    }

    fn is_end_stream(&self) -> bool {
        self.head.is_none() && self.tail.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        let framing =
            self.head.as_ref().map_or(0, Bytes::len) + self.tail.as_ref().map_or(0, Bytes::len);
        SizeHint::with_exact(self.left.saturating_add(framing as u64))
    }
}
