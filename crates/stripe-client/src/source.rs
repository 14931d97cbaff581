//! A blocking upload's file: [`Source`] (bytes, a reader that seeks back to its start, a
//! reader opened again for each attempt, or one that can be read once), and the multipart body
//! a [`Transport`](crate::Transport) reads from it: the core's head, exactly the file's length
//! of the source's bytes, the tail. A source that fails, or gives fewer or more bytes, fails
//! the body: the request is cut short, never sent as if whole. Both flavours keep the source's
//! failure in a [`Failure`] for the client.

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::{Buf, Bytes};
use stripe_core::Multipart;

/// A reader that can seek.
trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// Where a blocking upload's file comes from, and how a retry reads it again.
///
/// | source | a retry | memory |
/// |---|---|---|
/// | [`Source::bytes`] | sends the same bytes | the file |
/// | [`Source::seekable`] (a `File`, a `Cursor`) | seeks back to where it started | a buffer |
/// | [`Source::reopen`] | opens it again | a buffer |
/// | [`Source::once`] | none: the call ends as [`ErrorKind::NotReplayable`](stripe_core::ErrorKind::NotReplayable), the key inside | a buffer |
pub struct Source {
    kind: Kind,
    len: u64,
}

type Open = Box<dyn FnMut() -> io::Result<Box<dyn Read + Send>> + Send>;

enum Kind {
    Bytes(Bytes),
    Seek(Arc<Mutex<dyn ReadSeek>>, u64),
    Open(Open),
    Once(Option<Box<dyn Read + Send>>),
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::Bytes(_) => "bytes",
            Kind::Seek(..) => "seekable",
            Kind::Open(_) => "reopen",
            Kind::Once(_) => "once",
        };
        f.debug_struct("Source")
            .field("kind", &kind)
            .field("len", &self.len)
            .finish()
    }
}

impl Source {
    /// The file's bytes, in memory.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        Self {
            len: bytes.len() as u64,
            kind: Kind::Bytes(bytes),
        }
    }

    /// The bytes of `reader` from where it is now to its end (a `File` just opened: the whole
    /// file); each attempt seeks back there first.
    pub fn seekable(mut reader: impl Read + Seek + Send + 'static) -> io::Result<Self> {
        let start = reader.stream_position()?;
        let end = reader.seek(SeekFrom::End(0))?;
        reader.seek(SeekFrom::Start(start))?;
        Ok(Self {
            len: end.saturating_sub(start),
            kind: Kind::Seek(Arc::new(Mutex::new(reader)), start),
        })
    }

    /// `len` bytes from a reader `open` makes, once for each attempt (say, a file opened by its
    /// path).
    pub fn reopen<R: Read + Send + 'static>(
        len: u64,
        mut open: impl FnMut() -> io::Result<R> + Send + 'static,
    ) -> Self {
        let open: Open = Box::new(move || open().map(|r| Box::new(r) as Box<dyn Read + Send>));
        Self {
            len,
            kind: Kind::Open(open),
        }
    }

    /// `len` bytes of a reader that can be read once only (a pipe, a socket): the call makes
    /// no retry that would need it again.
    pub fn once(len: u64, reader: impl Read + Send + 'static) -> Self {
        Self {
            len,
            kind: Kind::Once(Some(Box::new(reader))),
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

    /// The body of one attempt, `multipart`'s head, this source's bytes, its tail; and where it
    /// keeps the source's failure.
    pub(crate) fn body(&mut self, multipart: &Multipart) -> io::Result<(UploadReader, Failure)> {
        let file: Box<dyn Read + Send> = match &mut self.kind {
            Kind::Bytes(bytes) => Box::new(bytes.clone().reader()),
            Kind::Seek(reader, start) => {
                lock(reader).seek(SeekFrom::Start(*start))?;
                Box::new(Shared(Arc::clone(reader)))
            }
            Kind::Open(open) => open()?,
            Kind::Once(reader) => reader.take().ok_or_else(read_already)?,
        };
        let failure = Failure::default();
        let reader = UploadReader {
            head: multipart.head().clone(),
            file,
            left: multipart.file_len(),
            len: multipart.file_len(),
            probed: false,
            tail: multipart.tail().clone(),
            failure: failure.clone(),
        };
        Ok((reader, failure))
    }
}

/// A source of one use, used.
pub(crate) fn read_already() -> io::Error {
    io::Error::other("the source was read already")
}

fn lock<T: ?Sized>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A seekable source lent to one attempt (and back to the next).
struct Shared(Arc<Mutex<dyn ReadSeek>>);

impl Read for Shared {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        lock(&self.0).read(buf)
    }
}

/// Where an upload body keeps its source's failure for the client: the transport is told only
/// that the body failed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Failure(Arc<Mutex<Option<io::Error>>>);

impl Failure {
    /// Keeps `error`; what the transport is told instead.
    pub(crate) fn set(&self, error: io::Error) -> io::Error {
        *lock(&self.0) = Some(error);
        io::Error::other("the upload's source failed")
    }

    /// The source's failure, if the body failed because of it.
    pub(crate) fn take(&self) -> Option<io::Error> {
        lock(&self.0).take()
    }
}

/// The multipart body of one blocking attempt, read by the transport.
pub(crate) struct UploadReader {
    head: Bytes,
    file: Box<dyn Read + Send>,
    left: u64,
    len: u64,
    /// Whether the source was asked for a byte past its length, and had none.
    probed: bool,
    tail: Bytes,
    failure: Failure,
}

impl UploadReader {
    fn fail(&mut self, error: io::Error) -> io::Error {
        self.left = 0;
        self.probed = true;
        self.tail = Bytes::new();
        self.failure.set(error)
    }

    /// One read of the source, whatever `Interrupted` says.
    fn read_file(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.file.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }
}

impl Read for UploadReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if !self.head.is_empty() {
            let n = self.head.len().min(buf.len());
            buf[..n].copy_from_slice(&self.head.split_to(n));
            return Ok(n);
        }
        if self.left > 0 {
            let want = usize::try_from(self.left).map_or(buf.len(), |left| left.min(buf.len()));
            return match self.read_file(&mut buf[..want]) {
                Ok(0) => {
                    let sent = self.len - self.left;
                    let short = format!("the source ended after {sent} of its {} bytes", self.len);
                    Err(self.fail(io::Error::new(io::ErrorKind::UnexpectedEof, short)))
                }
                Ok(n) => {
                    self.left -= n as u64;
                    Ok(n)
                }
                Err(e) => Err(self.fail(e)),
            };
        }
        if !self.probed {
            match self.read_file(&mut [0u8; 1]) {
                Ok(0) => self.probed = true,
                Ok(_) => {
                    let long = format!("the source holds more than its {} bytes", self.len);
                    return Err(self.fail(io::Error::new(io::ErrorKind::InvalidData, long)));
                }
                Err(e) => return Err(self.fail(e)),
            }
        }
        let n = self.tail.len().min(buf.len());
        buf[..n].copy_from_slice(&self.tail.split_to(n));
        Ok(n)
    }
}
