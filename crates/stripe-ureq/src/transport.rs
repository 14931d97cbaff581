//! All the I/O: the driving loop's closures, the OS seed, one attempt over ureq, and the
//! reduction of ureq's errors to the core's three transport error kinds.

use std::io::{self, Read};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use stripe_core::drive::{self, SendError};
use stripe_core::{Action, Call, Response, Seed, TransportError};

use crate::{Client, Error};

/// Drives the call to its end: the core decides, this sends, sleeps and reads the clock.
/// Before each retry's sleep, the client's retry hook (if any) is told about it.
pub(crate) fn run(client: &Client, start: (Call, Action)) -> Result<Response, Error> {
    drive::run_blocking_notify(
        start,
        Instant::now,
        |request, timeout| send(client, request, timeout),
        std::thread::sleep,
        |notice| {
            if let Some(hook) = &client.on_retry {
                hook(notice);
            }
        },
    )
    .inspect(|response| client.remember(response))
    .map_err(Error::Call)
}

/// Sends one request and reads at most `max_body_bytes + 1` bytes of the answer, all within
/// `timeout`.
fn send(
    client: &Client,
    request: http::Request<Bytes>,
    timeout: Option<Duration>,
) -> Result<http::Response<Bytes>, SendError<ureq::Error>> {
    attempt(client, request, timeout).map_err(|e| SendError::new(classify(&e), e))
}

fn attempt(
    client: &Client,
    request: http::Request<Bytes>,
    timeout: Option<Duration>,
) -> Result<http::Response<Bytes>, ureq::Error> {
    let agent = &client.agent;
    let (parts, body) = request.into_parts();
    let mut config = agent
        .configure_request(http::Request::from_parts(parts, &body[..]))
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(client.config.connect_timeout()));
    if timeout.is_some() {
        config = config.timeout_global(timeout);
    }
    let (parts, body) = agent.run(config.build())?.into_parts();
    let limit = u64::try_from(client.config.max_body_bytes())
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut bytes = Vec::new();
    body.into_with_config()
        .reader()
        .take(limit)
        .read_to_end(&mut bytes)?;
    Ok(http::Response::from_parts(parts, Bytes::from(bytes)))
}

/// `Connect` only when the request surely never left: no address, refused, unreachable, or
/// the connect timeout.
fn classify(error: &ureq::Error) -> TransportError {
    use ureq::{Error as E, Timeout as T};
    match error {
        E::HostNotFound | E::ConnectionFailed | E::Timeout(T::Resolve | T::Connect) => {
            TransportError::Connect
        }
        E::Timeout(_) => TransportError::Timeout,
        E::Io(e) => match e.kind() {
            io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NetworkDown
            | io::ErrorKind::AddrNotAvailable => TransportError::Connect,
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportError::Timeout,
            // std reports a failed name lookup as an uncategorized I/O error; nothing was sent.
            _ if e.to_string().contains("failed to lookup address") => TransportError::Connect,
            _ => TransportError::Io,
        },
        _ => TransportError::Io,
    }
}

/// 32 bytes from the OS. Should the OS fail, std's per-process random hasher keys mixed with
/// the time and a counter stand in (keys also carry the time, so they stay distinct).
pub(crate) fn os_seed() -> Seed {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        for chunk in bytes.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(nanos);
            h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    Seed::new(bytes)
}
