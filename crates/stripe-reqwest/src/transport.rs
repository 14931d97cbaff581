//! One attempt over reqwest, the reduction of reqwest's errors to the core's three kinds, the
//! sleep.

use std::time::Instant;

use bytes::Bytes;
use stripe_client::{AsyncTransport, FromConfig, SendError};
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

    async fn send(
        &self,
        request: http::Request<Bytes>,
        by: Option<Instant>,
        max_body_bytes: usize,
    ) -> Result<http::Response<Bytes>, SendError<reqwest::Error>> {
        self.attempt(request, by, max_body_bytes)
            .await
            .map_err(|e| SendError::new(classify(&e), e))
    }

    async fn sleep_until(&self, until: Instant) {
        tokio::time::sleep_until(until.into()).await;
    }
}

impl Reqwest {
    async fn attempt(
        &self,
        request: http::Request<Bytes>,
        by: Option<Instant>,
        max_body_bytes: usize,
    ) -> Result<http::Response<Bytes>, reqwest::Error> {
        let mut request = reqwest::Request::try_from(request)?;
        // reqwest's request timeout runs until the whole body is read.
        *request.timeout_mut() = by.map(|by| by.saturating_duration_since(Instant::now()));
        let mut response = self.http.execute(request).await?;
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
