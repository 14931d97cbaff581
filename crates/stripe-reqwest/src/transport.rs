//! All the I/O: the driving loop's closures, the OS seed, one attempt over reqwest, and the
//! reduction of reqwest's errors to the core's three transport error kinds.

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use stripe_core::drive::{self, SendError};
use stripe_core::{Action, Call, Response, Seed, TransportError};

use crate::{Client, Error};

/// Drives the call to its end: the core decides, this sends, sleeps and reads the clock.
/// Before each retry's sleep, the client's retry hook (if any) is told about it.
pub(crate) async fn run(client: &Client, start: (Call, Action)) -> Result<Response, Error> {
    drive::run_async_notify(
        start,
        Instant::now,
        |request, timeout| send(client, request, timeout),
        tokio::time::sleep,
        |notice| {
            if let Some(hook) = &client.on_retry {
                hook(notice);
            }
        },
    )
    .await
    .inspect(|response| client.remember(response))
    .map_err(Error::Call)
}

/// Sends one request and reads at most `max_body_bytes + 1` bytes of the answer, all within
/// `timeout` (reqwest's request timeout runs until the body is read).
async fn send(
    client: &Client,
    request: http::Request<Bytes>,
    timeout: Option<Duration>,
) -> Result<http::Response<Bytes>, SendError<reqwest::Error>> {
    attempt(client, request, timeout)
        .await
        .map_err(|e| SendError::new(classify(&e), e))
}

async fn attempt(
    client: &Client,
    request: http::Request<Bytes>,
    timeout: Option<Duration>,
) -> Result<http::Response<Bytes>, reqwest::Error> {
    let mut request = reqwest::Request::try_from(request)?;
    if timeout.is_some() {
        *request.timeout_mut() = timeout;
    }
    let mut response = client.http.execute(request).await?;
    let mut out = http::Response::new(Bytes::new());
    *out.status_mut() = response.status();
    *out.version_mut() = response.version();
    *out.headers_mut() = std::mem::take(response.headers_mut());
    let max = client.config.max_body_bytes();
    *out.body_mut() = match response.content_length() {
        // A declared length within the cap: read it whole, without copying chunk by chunk.
        Some(n) if usize::try_from(n).is_ok_and(|n| n <= max) => response.bytes().await?,
        _ => {
            let limit = max.saturating_add(1);
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                let room = limit - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if body.len() == limit {
                    break;
                }
            }
            Bytes::from(body)
        }
    };
    Ok(out)
}

/// `Connect` only when the request surely never left: reqwest says so for failures of its
/// connector (DNS, refused, TLS handshake, connect timeout).
fn classify(error: &reqwest::Error) -> TransportError {
    if error.is_connect() {
        TransportError::Connect
    } else if error.is_timeout() {
        TransportError::Timeout
    } else {
        TransportError::Io
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
