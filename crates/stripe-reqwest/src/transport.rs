//! One attempt over reqwest, the reduction of reqwest's errors to the core's three kinds, the
//! sleep.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use stripe_client::{AsyncTransport, Attempt, FromConfig, SendError};
use stripe_core::{Config, Error, TransportError};

/// The reqwest transport: a `reqwest::Client` that follows no redirect. Cloning shares the
/// pool.
#[derive(Debug, Clone)]
pub struct Reqwest {
    http: reqwest::Client,
    origin: Option<Origin>,
}

/// The API base's origin, parsed once: a request to it gets its URL by setting the path and
/// query of a copy, not by a whole parse of its URI's text (host name rules included), which
/// costs more than anything else of ours in an attempt.
#[derive(Debug, Clone)]
struct Origin {
    scheme: http::uri::Scheme,
    authority: http::uri::Authority,
    url: reqwest::Url,
}

impl Origin {
    fn new(api_base: &str) -> Option<Self> {
        let uri: http::Uri = api_base.parse().ok()?;
        let (scheme, authority) = (uri.scheme()?.clone(), uri.authority()?.clone());
        let url = reqwest::Url::parse(&format!("{scheme}://{authority}/")).ok()?;
        Some(Self {
            scheme,
            authority,
            url,
        })
    }

    /// The URL of `uri` if it is under this origin: the one a whole parse of its text gives.
    fn url(&self, uri: &http::Uri) -> Option<reqwest::Url> {
        if uri.scheme() != Some(&self.scheme) || uri.authority() != Some(&self.authority) {
            return None;
        }
        let mut url = self.url.clone();
        url.set_path(uri.path());
        url.set_query(uri.query());
        Some(url)
    }
}

/// The reqwest request of `request` (reqwest's own conversion when its URI is not under
/// `origin`). A GET or DELETE goes without a body, as a plain client sends it (no
/// `content-length: 0`); a POST always declares its length.
fn convert(
    origin: Option<&Origin>,
    request: http::Request<Bytes>,
) -> reqwest::Result<reqwest::Request> {
    let Some(url) = origin.and_then(|o| o.url(request.uri())) else {
        let mut request = reqwest::Request::try_from(request)?;
        if request.method() != reqwest::Method::POST
            && request.body().and_then(reqwest::Body::as_bytes) == Some(&[])
        {
            *request.body_mut() = None;
        }
        return Ok(request);
    };
    let (parts, body) = request.into_parts();
    let post = parts.method == reqwest::Method::POST;
    let mut out = reqwest::Request::new(parts.method, url);
    *out.headers_mut() = parts.headers;
    *out.version_mut() = parts.version;
    if post || !body.is_empty() {
        *out.body_mut() = Some(body.into());
    }
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
        Ok(Self {
            http,
            origin: Origin::new(config.api_base()),
        })
    }
}

impl FromConfig for Reqwest {
    fn from_config(config: &Config) -> Result<Self, Error> {
        Self::from_builder(reqwest::Client::builder(), config)
    }
}

/// Why an attempt over reqwest got no response: reqwest's error, or the attempt's time (the
/// instant the core gave) ran out first. It shows as reqwest's error does, with reqwest's
/// causes as its own, so that no text is printed twice in a chain.
#[derive(Debug)]
#[non_exhaustive]
pub enum AttemptError {
    /// reqwest's error.
    Reqwest(reqwest::Error),
    /// The attempt was not over by its instant.
    TimedOut,
}

impl fmt::Display for AttemptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Reqwest(e) => fmt::Display::fmt(e, f),
            Self::TimedOut => f.write_str("the attempt was not over in its time"),
        }
    }
}

impl std::error::Error for AttemptError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Reqwest(e) => e.source(),
            Self::TimedOut => None,
        }
    }
}

impl AsyncTransport for Reqwest {
    type Error = AttemptError;

    /// The request is converted and handed to reqwest before the future exists, so that the
    /// future holds only what is alive across its awaits (it is part of every call's state).
    fn send(
        &self,
        attempt: Attempt,
    ) -> impl Future<Output = Result<http::Response<Bytes>, SendError<AttemptError>>> + Send {
        let (max_body_bytes, by) = (attempt.max_body_bytes(), attempt.by());
        let pending = convert(self.origin.as_ref(), attempt.into_request())
            .map(|request| self.http.execute(request));
        async move {
            // The whole attempt, body included, is bounded: a timer of our own rather than
            // reqwest's request timeout, which costs an extension map and a boxed timer more.
            let read = read(pending, max_body_bytes);
            let result = match by {
                Some(by) => match tokio::time::timeout_at(by.into(), read).await {
                    Ok(result) => result.map_err(AttemptError::Reqwest),
                    Err(_) => Err(AttemptError::TimedOut),
                },
                None => read.await.map_err(AttemptError::Reqwest),
            };
            result.map_err(|e| SendError::new(classify(&e), e))
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

/// The whole response, at most `max_body_bytes` + 1 bytes of its body. A body that comes in
/// one chunk is kept as it came (no copy); more chunks are joined. Chunk by chunk keeps this
/// future small: it is boxed for every attempt, and an allocation of a kilobyte or more makes
/// the allocator tidy its free lists each time.
async fn read(
    pending: Result<impl Future<Output = reqwest::Result<reqwest::Response>>, reqwest::Error>,
    max_body_bytes: usize,
) -> reqwest::Result<http::Response<Bytes>> {
    let mut response = pending?.await?;
    let limit = max_body_bytes.saturating_add(1);
    let mut first = Bytes::new();
    let mut joined: Option<Vec<u8>> = None;
    while let Some(chunk) = response.chunk().await? {
        let len = match &mut joined {
            None if first.is_empty() => {
                first = chunk;
                first.len()
            }
            _ => {
                let body = joined.get_or_insert_with(|| first.to_vec());
                body.extend_from_slice(&chunk[..chunk.len().min(limit - body.len())]);
                body.len()
            }
        };
        if len >= limit {
            break;
        }
    }
    let mut body = joined.map_or(first, Bytes::from);
    body.truncate(limit);
    let mut out = http::Response::new(body);
    *out.status_mut() = response.status();
    *out.version_mut() = response.version();
    *out.headers_mut() = std::mem::take(response.headers_mut());
    Ok(out)
}

/// `Connect` only when the request surely never left: reqwest says so for failures of its
/// connector (DNS, refused, TLS handshake, connect timeout).
fn classify(error: &AttemptError) -> TransportError {
    match error {
        AttemptError::Reqwest(e) if e.is_connect() => TransportError::Connect,
        AttemptError::Reqwest(e) if !e.is_timeout() => TransportError::Io,
        _ => TransportError::Timeout,
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use proptest::prelude::*;
    use stripe_client::AsyncTransport;

    use super::{Origin, Reqwest};

    /// A sleep never ends before its instant (the core would only ask for another), on either
    /// runtime, for waits shorter and longer than a timer tick.
    #[test]
    fn a_sleep_ends_at_its_instant_not_before() {
        let config = stripe_core::Config::builder("sk_test_123")
            .build()
            .expect("config");
        let transport = Reqwest::from_builder(reqwest::Client::builder(), &config).expect("client");
        for multi in [false, true] {
            let rt = if multi {
                tokio::runtime::Builder::new_multi_thread()
            } else {
                tokio::runtime::Builder::new_current_thread()
            }
            .enable_all()
            .build()
            .expect("runtime");
            for us in [0, 300, 1_000, 1_700, 4_200] {
                let until = Instant::now() + Duration::from_micros(us);
                rt.block_on(transport.sleep_until(until));
                assert!(Instant::now() >= until, "woke before the instant ({us} µs)");
            }
        }
    }

    /// A path and query from the characters a URI may hold, the tricky ones often: dot
    /// segments, percent signs, characters the URL parser escapes.
    fn path_and_query() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("/".to_owned()),
            Just("/.".to_owned()),
            Just("/..".to_owned()),
            Just("%2e".to_owned()),
            Just("%".to_owned()),
            Just("?".to_owned()),
            Just("#".to_owned()),
            "[a-zA-Z0-9_~!$&'()*+,;=:@|^{}`\"<>\\[\\]\\\\ -]{0,6}",
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|p| format!("/{}", p.concat()))
    }

    proptest! {
        /// Under the origin, a request's URL is the one reqwest's own conversion (a whole
        /// parse of the URI's text) gives; elsewhere there is none.
        #[test]
        fn the_url_is_the_one_a_whole_parse_gives(
            base in prop_oneof![
                Just("https://api.stripe.com"),
                Just("http://127.0.0.1:12111"),
                Just("HTTPS://API.Stripe.COM:443"),
                Just("http://[::1]:8080/prefix"),
            ],
            other in any::<bool>(),
            path in path_and_query(),
        ) {
            let origin = Origin::new(base).expect("an origin");
            let host = if other { "http://other.example" } else { base };
            let Ok(uri) = format!("{host}{path}").parse::<http::Uri>() else {
                return Ok(());
            };
            let whole = reqwest::Url::parse(&uri.to_string()).ok();
            match origin.url(&uri) {
                Some(url) => prop_assert_eq!(Some(url), whole),
                None => prop_assert!(other, "{uri} is under {base}"),
            }
        }
    }
}
