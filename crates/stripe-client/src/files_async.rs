//! Uploads and downloads over an async transport: each attempt through
//! [`AsyncTransport::send_streamed`] and its answer's body read as it comes, the whole of it
//! bounded by the attempt's instant with the transport's own sleep (no runtime of ours), an
//! upload's body streamed from its source, a download's body copied to the caller's writer up
//! to its cap; every outcome told to the core. The blocking loop and what both share are in
//! `files.rs`.

use std::future::{Future, poll_fn};
use std::io::{self, Write};
use std::pin::pin;
use std::task::Poll;
use std::time::Instant;

use bytes::Bytes;
use stripe_core::{Action, Call, Error, Input, Response, TransportError};

use crate::async_source::{AsyncSource, UploadBody};
use crate::files::{CutShort, without_source};
use crate::shell::{Shell, Step};
use crate::source::Failure;
use crate::streaming::{BoxError, ResponseBody};
use crate::transport::{AsyncTransport, Attempt};

/// Makes a call to its end over an async transport: an upload from `source`, or a download
/// into `sink`.
pub(crate) async fn run<T: AsyncTransport>(
    shell: &Shell,
    transport: &T,
    first: (Call, Action),
    mut source: Option<AsyncSource>,
    mut sink: Option<&mut (dyn Write + Send)>,
) -> Result<Response, Error> {
    let (mut drive, mut step) = shell.drive(first);
    loop {
        step = match step {
            Step::Send(attempt) => {
                let attempt = attempt.map_body(|_| None);
                let (input, cause) = exchange(transport, attempt, None, sink.as_deref_mut()).await;
                drive.feed(transport.now(), input, cause)
            }
            Step::SendStreamed(attempt, body) => {
                let Some(source) = source.as_mut() else {
                    return Err(without_source());
                };
                let (input, cause) = match source.body(&body) {
                    Ok((upload, failure)) => {
                        let attempt = attempt.map_body(|_| Some(upload));
                        exchange(transport, attempt, Some(failure), None).await
                    }
                    Err(e) => (Input::Transport(TransportError::Body), Some(e.into())),
                };
                drive.feed(transport.now(), input, cause)
            }
            Step::Sleep(until) => {
                transport.sleep_until(until).await;
                drive.woke(transport.now())
            }
            Step::Return(result) => return result,
        };
    }
}

/// One attempt and its answer, over by the attempt's instant: what to tell the core.
async fn exchange<T: AsyncTransport>(
    transport: &T,
    attempt: Attempt<Option<UploadBody>>,
    failure: Option<Failure>,
    sink: Option<&mut (dyn Write + Send + '_)>,
) -> (Input, Option<BoxError>) {
    let (by, cap) = (attempt.by(), attempt.max_body_bytes());
    let mut written = 0u64;
    let work = async {
        let response = match transport.send_streamed(attempt).await {
            Ok(response) => response,
            Err(e) => {
                let (kind, e) = e.into_parts();
                return (Input::Transport(kind), Some(e));
            }
        };
        let (head, mut body) = response.into_parts();
        match sink {
            Some(sink) if head.status.is_success() => {
                match copy(&mut body, sink, cap, &mut written).await {
                    Ok(len) => (Input::Streamed { head, len }, None),
                    Err(cut) => cut.input(),
                }
            }
            _ => match read_capped(&mut body, cap).await {
                Ok(bytes) => (
                    Input::Response(http::Response::from_parts(head, bytes)),
                    None,
                ),
                Err(e) => (Input::Transport(TransportError::Io), Some(e)),
            },
        }
    };
    let outcome = within(transport, by, work).await;
    if let Some(e) = failure.and_then(|failure| failure.take()) {
        return (Input::Transport(TransportError::Body), Some(Box::new(e)));
    }
    outcome.unwrap_or_else(|| {
        let error = io::Error::new(
            io::ErrorKind::TimedOut,
            "the attempt was not over in its time",
        );
        CutShort {
            written,
            writer: false,
            error,
        }
        .input()
    })
}

/// `work`'s output, or `None` if `by` came first (by the transport's sleep).
async fn within<T: AsyncTransport, F: Future>(
    transport: &T,
    by: Option<Instant>,
    work: F,
) -> Option<F::Output> {
    let mut work = pin!(work);
    let Some(by) = by else {
        return Some(work.await);
    };
    let mut timer = pin!(transport.sleep_until(by));
    poll_fn(|cx| match work.as_mut().poll(cx) {
        Poll::Ready(out) => Poll::Ready(Some(out)),
        Poll::Pending => timer.as_mut().poll(cx).map(|()| None),
    })
    .await
}

/// At most `cap` + 1 bytes of `body`.
async fn read_capped(body: &mut ResponseBody, cap: usize) -> Result<Bytes, BoxError> {
    let mut capped = crate::Capped::new(cap);
    while !capped.is_full()
        && let Some(chunk) = body.chunk().await
    {
        capped.push(chunk?);
    }
    Ok(capped.into_bytes())
}

/// Copies `body` into `sink` as it comes, counting in `written`; stops, without writing it, at
/// the chunk that passes `cap` (the length returned is then over the cap).
async fn copy(
    body: &mut ResponseBody,
    sink: &mut (dyn Write + Send),
    cap: usize,
    written: &mut u64,
) -> Result<u64, CutShort> {
    let cap = cap as u64;
    while let Some(chunk) = body.chunk().await {
        let cut = |error, writer| CutShort {
            written: *written,
            writer,
            error,
        };
        let chunk = chunk.map_err(|e| cut(io::Error::other(e), false))?;
        if *written + chunk.len() as u64 > cap {
            return Ok(*written + chunk.len() as u64);
        }
        sink.write_all(&chunk).map_err(|e| cut(e, true))?;
        *written += chunk.len() as u64;
    }
    sink.flush().map_err(|error| CutShort {
        written: *written,
        writer: true,
        error,
    })?;
    Ok(*written)
}
