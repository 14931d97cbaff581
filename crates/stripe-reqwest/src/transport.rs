//! One attempt over reqwest, the reduction of reqwest's errors to the core's three kinds, the
//! sleep.

use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use stripe_client::{AsyncStreamAttempt, AsyncTransport, Attempt, FromConfig, SendError};
use stripe_client::{ResponseBody, Streamed};
use stripe_core::{Config, Error, TransportError};

/// The reqwest transport: a `reqwest::Client` that follows no redirect. Cloning shares the
/// pool.
#[derive(Debug, Clone)]
pub struct Reqwest {
    http: reqwest::Client,
    origin: Option<std::sync::Arc<Origin>>,
}

/// The API base's origin, parsed once: a request to it gets its URL by setting the path and
/// query of a copy, not by a whole parse of its URI's text (host name rules included), which
/// costs more than anything else of ours in an attempt; and its `Host` header, the one hyper
/// would write (the port only if not the scheme's default), from a value made once. Should a
/// user's reqwest speak HTTP/2, the header goes beside `:authority` with the same value, which
/// RFC 9113 (8.3.1) allows.
#[derive(Debug)]
struct Origin {
    base: http::Uri,
    url: reqwest::Url,
    host: http::HeaderValue,
}

impl Origin {
    fn new(api_base: &str) -> Option<Self> {
        let base: http::Uri = api_base.parse().ok()?;
        let (scheme, authority) = (base.scheme()?, base.authority()?);
        let url = reqwest::Url::parse(&format!("{scheme}://{authority}/")).ok()?;
        // Its port only if not the scheme's default, as `Url` keeps it.
        let host = url.authority().try_into().ok()?;
        Some(Self { base, url, host })
    }

    /// If the request is under this origin: its URL (the one a whole parse of its text
    /// gives), and its `Host` header set. The authority is compared as text, byte for byte:
    /// the core writes the one of the same base; any other goes the long way.
    #[inline]
    fn route(&self, parts: &mut http::request::Parts) -> Option<reqwest::Url> {
        let (uri, base) = (&parts.uri, &self.base);
        let text = [uri, base].map(|u| u.authority().map(http::uri::Authority::as_str));
        let under = uri.scheme() == base.scheme() && text[0] == text[1];
        under.then(|| {
            let mut url = self.url.clone();
            url.set_path(uri.path());
            url.set_query(uri.query());
            let host = || self.host.clone();
            parts.headers.entry(http::header::HOST).or_insert_with(host);
            url
        })
    }
}

/// The reqwest request of `request` (reqwest's own conversion, and its error, for a URI it
/// refuses), with its body if it has one: a GET or DELETE goes without a body, as a plain client
/// sends it (no `content-length: 0`); a POST always declares its length.
#[inline]
fn convert(
    origin: Option<&Origin>,
    request: http::Request<Option<reqwest::Body>>,
) -> reqwest::Result<reqwest::Request> {
    let (mut parts, body) = request.into_parts();
    let url = origin.and_then(|o| o.route(&mut parts));
    let Some(url) = url.or_else(|| reqwest::Url::parse(&parts.uri.to_string()).ok()) else {
        let request = http::Request::from_parts(parts, body.unwrap_or_default());
        return reqwest::Request::try_from(request);
    };
    let mut out = reqwest::Request::new(parts.method, url);
    *out.headers_mut() = parts.headers;
    *out.version_mut() = parts.version;
    *out.body_mut() = body;
    Ok(out)
}

impl Reqwest {
    /// The transport from your builder (pool, proxy, TLS settings kept). Three settings are
    /// set here over yours: the connect timeout ([`Config::connect_timeout`]); redirects off,
    /// so that no 3xx is ever followed; and reqwest's own retries off (not even a copy of the
    /// request is kept for one), since every attempt is the core's to count and decide.
    pub fn from_builder(builder: reqwest::ClientBuilder, config: &Config) -> Result<Self, Error> {
        let http = builder
            .connect_timeout(config.connect_timeout())
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .build()
            .map_err(Error::local)?;
        let origin = Origin::new(config.api_base()).map(std::sync::Arc::new);
        Ok(Self { http, origin })
    }
}

impl FromConfig for Reqwest {
    fn from_config(config: &Config) -> Result<Self, Error> {
        Self::from_builder(reqwest::Client::builder(), config)
    }
}

/// Why an attempt over reqwest got no response: reqwest's error, or the attempt's time ran
/// out first (the cause of a call's error when no answer came).
pub type AttemptError = stripe_client::AttemptError<reqwest::Error>;

impl AsyncTransport for Reqwest {
    type Error = AttemptError;

    /// The request is converted and handed to reqwest before the future exists, so that the
    /// future holds only what is alive across its awaits (it is part of every call's state).
    #[inline]
    fn send(
        &self,
        attempt: Attempt,
    ) -> impl Future<Output = Result<http::Response<Bytes>, SendError<AttemptError>>> + Send {
        let (max_body_bytes, by) = (attempt.max_body_bytes(), attempt.by());
        let post = attempt.request().method() == http::Method::POST;
        let request = (attempt.into_request()).map(|b| (post || !b.is_empty()).then(|| b.into()));
        let pending = convert(self.origin.as_deref(), request).map(|r| self.http.execute(r));
        async move {
            // The whole attempt, body included, is bounded: a timer of our own rather than
            // reqwest's request timeout, which costs an extension map and a boxed timer more.
            // The body is read chunk by chunk, which keeps this future small (it is boxed for
            // every attempt, and an allocation of a kilobyte or more makes the allocator tidy
            // its free lists each time); a body that comes in one chunk is kept as it came.
            let read = async {
                let mut response = pending?.await?;
                let mut body = stripe_client::Capped::new(max_body_bytes);
                while !body.is_full()
                    && let Some(chunk) = response.chunk().await?
                {
                    body.push(chunk);
                }
                let mut out = http::Response::new(body.into_bytes());
                *out.status_mut() = response.status();
                *out.version_mut() = response.version();
                *out.headers_mut() = std::mem::take(response.headers_mut());
                Ok(out)
            };
            let result = match by {
                Some(by) => (tokio::time::timeout_at(by.into(), read).await)
                    .unwrap_or(Err(AttemptError::TimedOut)),
                None => read.await,
            };
            result.map_err(fail)
        }
    }

    /// `Host` (see `Origin`), and one more: reqwest looks up each of its default headers
    /// with `HeaderMap::entry`, which first makes room for one.
    fn header_room(&self) -> usize {
        2
    }

    /// The body wrapped as it is (its length declared by the core), the answer's body left
    /// unread; the client bounds the whole exchange with [`Reqwest::sleep_until`].
    fn send_streamed(
        &self,
        attempt: AsyncStreamAttempt,
    ) -> impl Future<Output = Streamed<ResponseBody>> + Send {
        let request = attempt.into_request().map(|b| b.map(reqwest::Body::wrap));
        let pending = convert(self.origin.as_deref(), request).map(|r| self.http.execute(r));
        async move {
            let response = async { pending?.await }.await;
            let response = response.map_err(|e| fail(e.into()).boxed())?;
            Ok(http::Response::from(response).map(ResponseBody::new))
        }
    }

    /// Tokio's timer ticks in whole milliseconds and rounds a deadline up, and its driver
    /// may wake a tick later still: a sleep to `until` could end two milliseconds late. So it
    /// sleeps to a tick before, and yields to other tasks until the instant is reached (at most
    /// about a millisecond, once per retry).
    async fn sleep_until(&self, until: Instant) {
        if let Some(early) = until.checked_sub(Duration::from_millis(1)) {
            tokio::time::sleep_until(early.into()).await;
        }
        while Instant::now() < until {
            tokio::task::yield_now().await;
        }
    }
}

/// The error with its kind: `Refused` when reqwest would not build the request (nothing sent:
/// invalid input); `Connect` only when the request surely never left: reqwest says so for
/// failures of its connector (DNS, refused, TLS handshake, connect timeout).
fn fail(error: AttemptError) -> SendError<AttemptError> {
    let kind = match &error {
        AttemptError::Transport(e) if e.is_builder() => TransportError::Refused,
        AttemptError::Transport(e) if e.is_connect() => TransportError::Connect,
        AttemptError::Transport(e) if !e.is_timeout() => TransportError::Io,
        _ => TransportError::Timeout,
    };
    SendError::new(kind, error)
}
