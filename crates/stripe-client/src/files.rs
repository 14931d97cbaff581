//! Uploads and downloads. For both flavours: the request an upload is sent as (its file's
//! length and whether its source can be read again come from the source), a cut-short
//! download's error, the kinds of a failed read. And the blocking loop: each attempt through
//! [`Transport::send_streamed`], an upload's body read from its source as it is sent, a
//! download's body copied to the caller's writer up to its cap, every outcome told to the core,
//! which alone decides what comes next. The async loop is `files_async.rs`.

use std::fmt;
use std::io::{self, Read, Write};

use stripe_core::{Action, Call, Error, Input, Request, RequestError, Response, TransportError};

use crate::shell::{Drive, Shell, Step};
use crate::source::Source;
use crate::streaming::{BoxError, Streamed};
use crate::transport::Transport;

/// How much of a body is read at a time.
pub(crate) const CHUNK: usize = 64 * 1024;

/// `request` as an upload of a source of `len` bytes: its file's length set (a length it
/// names already must be the source's), its body single-use if the source is.
pub(crate) fn upload_request(
    request: Request,
    len: u64,
    single_use: bool,
) -> Result<Request, Error> {
    let declared = request.file().and_then(stripe_core::FilePart::file_len);
    if declared.is_some_and(|declared| declared != len) {
        let why = "the file part's length and its source's differ";
        return Err(RequestError::Files(why).into());
    }
    let request = request.with_file_len(len)?;
    Ok(if single_use {
        request.with_single_use_body()
    } else {
        request
    })
}

/// A request a download may send: a GET (whose answer's body is the download).
pub(crate) fn download_request(request: Request) -> Result<Request, Error> {
    if request.method() != stripe_core::Method::Get {
        let why = "a download is a GET (Request::file_contents); an upload is sent with `upload`";
        return Err(RequestError::Files(why).into());
    }
    Ok(request)
}

/// What `send` and `prepare` say of an upload: its file comes from a source.
pub(crate) fn without_source() -> Error {
    RequestError::Files("an upload's file comes from a source: `upload(request, source)`").into()
}

/// The kind of a failed read of a response body.
pub(crate) fn kind_of(error: &io::Error) -> TransportError {
    match error.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportError::Timeout,
        _ => TransportError::Io,
    }
}

/// A download cut short after part of it was written: the writer failed, or the connection
/// did (or the attempt's time ran out) with bytes of the file in the writer already.
#[derive(Debug)]
pub(crate) struct CutShort {
    pub(crate) written: u64,
    pub(crate) writer: bool,
    pub(crate) error: io::Error,
}

impl fmt::Display for CutShort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.written;
        if self.writer {
            write!(f, "the writer failed after {n} bytes of the download")
        } else {
            write!(f, "the download was cut short after {n} bytes were written")
        }
    }
}

impl std::error::Error for CutShort {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl CutShort {
    /// What the core is told: a read that failed before any byte reached the writer is a
    /// failed attempt like any other (retried as the policy says); anything later cannot be
    /// made whole by a retry into the same writer.
    pub(crate) fn input(self) -> (Input, Option<BoxError>) {
        if self.writer || self.written > 0 {
            (Input::Transport(TransportError::Body), Some(Box::new(self)))
        } else {
            let kind = kind_of(&self.error);
            (Input::Transport(kind), Some(Box::new(self.error)))
        }
    }
}

/// Makes a call to its end over a blocking transport: an upload from `source`, or a download
/// into `sink`.
pub(crate) fn run<T: Transport>(
    shell: &Shell,
    transport: &T,
    first: (Call, Action),
    mut source: Option<Source>,
    mut sink: Option<&mut dyn Write>,
) -> Result<Response, Error> {
    let (mut drive, mut step) = shell.drive(first);
    loop {
        step = match step {
            Step::Send(attempt) => {
                let cap = attempt.max_body_bytes();
                let result = transport.send_streamed(attempt.map_body(|_| None));
                answer(transport, &mut drive, result, sink.as_deref_mut(), cap)
            }
            Step::SendStreamed(attempt, body) => {
                let Some(source) = source.as_mut() else {
                    return Err(without_source());
                };
                let cap = attempt.max_body_bytes();
                match source.body(&body) {
                    Ok((reader, failure)) => {
                        let reader: Box<dyn Read + Send> = Box::new(reader);
                        let result = transport.send_streamed(attempt.map_body(|_| Some(reader)));
                        match failure.take() {
                            Some(e) => body_failed(transport, &mut drive, e),
                            None => answer(transport, &mut drive, result, None, cap),
                        }
                    }
                    Err(e) => body_failed(transport, &mut drive, e),
                }
            }
            Step::Sleep(until) => {
                transport.sleep_until(until);
                drive.woke(transport.now())
            }
            Step::Return(result) => return result,
        };
    }
}

/// The source failed: the body was cut short (or never started).
fn body_failed<T: Transport>(transport: &T, drive: &mut Drive<'_>, error: io::Error) -> Step {
    let input = Input::Transport(TransportError::Body);
    drive.feed(transport.now(), input, Some(Box::new(error)))
}

/// The answer of one attempt: a 2xx body into `sink` (when there is one), any other read whole
/// up to `cap` + 1 bytes.
fn answer<T: Transport>(
    transport: &T,
    drive: &mut Drive<'_>,
    result: Streamed<Box<dyn Read>>,
    sink: Option<&mut (dyn Write + '_)>,
    cap: usize,
) -> Step {
    let (input, cause) = match result {
        Ok(response) => {
            let (head, mut body) = response.into_parts();
            match sink {
                Some(sink) if head.status.is_success() => match copy(&mut body, sink, cap) {
                    Ok(len) => (Input::Streamed { head, len }, None),
                    Err(cut) => cut.input(),
                },
                _ => match crate::read_capped(&mut body, None, cap) {
                    Ok(bytes) => (
                        Input::Response(http::Response::from_parts(head, bytes)),
                        None,
                    ),
                    Err(e) => (Input::Transport(kind_of(&e)), Some(Box::new(e) as BoxError)),
                },
            }
        }
        Err(e) => {
            let (kind, e) = e.into_parts();
            (Input::Transport(kind), Some(e))
        }
    };
    drive.feed(transport.now(), input, cause)
}

/// Copies `body` into `sink` as it comes, one chunk at a time; stops, without writing it, at
/// the chunk that passes `cap` (the length returned is then over the cap).
fn copy(body: &mut dyn Read, sink: &mut dyn Write, cap: usize) -> Result<u64, CutShort> {
    let cap = cap as u64;
    let mut buf = vec![0u8; CHUNK];
    let mut written = 0u64;
    loop {
        let cut = |error, writer| CutShort {
            written,
            writer,
            error,
        };
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(cut(e, false)),
        };
        if written + n as u64 > cap {
            return Ok(written + n as u64);
        }
        sink.write_all(&buf[..n]).map_err(|e| cut(e, true))?;
        written += n as u64;
    }
    sink.flush().map_err(|error| CutShort {
        written,
        writer: true,
        error,
    })?;
    Ok(written)
}
