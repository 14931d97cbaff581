//! One attempt over reqwest, the reduction of reqwest's errors to the core's three kinds, the
//! sleep.

use std::future::Future;
use std::time::Instant;

use bytes::Bytes;
use stripe_client::{AsyncTransport, Attempt, FromConfig, SendError};
use stripe_core::{Config, Error, TransportError};

/// The reqwest transport: a `reqwest::Client` that follows no redirect. Cloning shares the
/// pool.
#[derive(Debug, Clone)]
pub struct Reqwest {
    http: reqwest::Client,
}

impl Reqwest {
    /// The transport from your builder (pool, proxy, TLS settings kept). Two settings are
    /// the config's, set here over yours: the connect timeout
    /// ([`Config::connect_timeout`]), and redirects off, so that no 3xx is ever followed.
    pub fn from_builder(builder: reqwest::ClientBuilder, config: &Config) -> Result<Self, Error> {
        let http = builder
            .connect_timeout(config.connect_timeout())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(Error::local)?;
        Ok(Self { http })
    }
}

impl FromConfig for Reqwest {
    fn from_config(config: &Config) -> Result<Self, Error> {
        Self::from_builder(reqwest::Client::builder(), config)
    }
}

impl AsyncTransport for Reqwest {
    type Error = reqwest::Error;

    /// The request is converted and handed to reqwest before the future exists, so that the
    /// future holds only what is alive across its awaits (it is part of every call's state).
    fn send(
        &self,
        attempt: Attempt,
    ) -> impl Future<Output = Result<http::Response<Bytes>, SendError<reqwest::Error>>> + Send {
        let max_body_bytes = attempt.max_body_bytes();
        // reqwest's request timeout runs until the whole body is read.
        let timeout = attempt.time_left(Instant::now());
        let pending = reqwest::Request::try_from(attempt.into_request()).map(|mut request| {
            *request.timeout_mut() = timeout;
            // A GET or DELETE goes without a body, as a plain client sends it (no
            // `content-length: 0`); a POST always declares its length.
            if request.method() != reqwest::Method::POST
                && request.body().and_then(reqwest::Body::as_bytes) == Some(&[])
            {
                *request.body_mut() = None;
            }
            self.http.execute(request)
        });
        async move {
            read(pending, max_body_bytes)
                .await
                .map_err(|e| SendError::new(classify(&e), e))
        }
    }

    async fn sleep_until(&self, until: Instant) {
        tokio::time::sleep_until(until.into()).await;
    }
}

/// The whole response, at most `max_body_bytes` + 1 bytes of its body.
async fn read(
    pending: Result<impl Future<Output = reqwest::Result<reqwest::Response>>, reqwest::Error>,
    max_body_bytes: usize,
) -> Result<http::Response<Bytes>, reqwest::Error> {
    let mut response = pending?.await?;
    let mut out = http::Response::new(Bytes::new());
    *out.status_mut() = response.status();
    *out.version_mut() = response.version();
    *out.headers_mut() = std::mem::take(response.headers_mut());
    *out.body_mut() = match response.content_length() {
        // A declared length within the cap: read it whole, without copying chunk by chunk.
        Some(n) if usize::try_from(n).is_ok_and(|n| n <= max_body_bytes) => {
            response.bytes().await?
        }
        _ => {
            let limit = max_body_bytes.saturating_add(1);
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
