//! One attempt over ureq, the reduction of ureq's errors to the core's three kinds, the sleep.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use bytes::Bytes;
use stripe_client::{Attempt, FromConfig, SendError, StreamAttempt, Streamed, Transport};
use stripe_core::{Config, Error, TransportError};
use ureq::SendBody;
use ureq::unversioned::transport::DefaultConnector;

use crate::resolver::CachingResolver;

/// The ureq transport: an agent (which pools connections) and what of its settings is known to
/// be right already. Cloning shares the pool.
#[derive(Debug, Clone)]
pub struct Ureq {
    agent: ureq::Agent,
    /// The agent answers 4xx/5xx as responses and follows no redirect.
    plain: bool,
}

impl From<ureq::Agent> for Ureq {
    /// Your agent, its pool, proxy and TLS settings kept. Attempts whose agent settings would
    /// follow a redirect, fail on 4xx/5xx, or not bound the attempt get per-request settings.
    fn from(agent: ureq::Agent) -> Self {
        let plain = !agent.config().http_status_as_error() && agent.config().max_redirects() == 0;
        Self { agent, plain }
    }
}

impl FromConfig for Ureq {
    /// An agent with 4xx/5xx as responses, no redirects, the config's connect timeout, the
    /// policy's attempt timeout as its overall timeout, and a name cache.
    fn from_config(config: &Config) -> Result<Self, Error> {
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(config.connect_timeout()).filter(|t| *t < HORIZON))
            .timeout_global(config.policy().attempt_timeout.filter(|t| *t < HORIZON))
            .build();
        let resolver = CachingResolver::default();
        let agent = ureq::Agent::with_parts(agent_config, DefaultConnector::default(), resolver);
        Ok(Self::from(agent))
    }
}

impl Transport for Ureq {
    type Error = ureq::Error;

    fn send(&self, attempt: Attempt) -> Result<http::Response<Bytes>, SendError<ureq::Error>> {
        self.attempt(attempt)
            .map_err(|e| SendError::new(classify(&e), e))
    }

    fn sleep_until(&self, until: Instant) {
        std::thread::sleep(until.saturating_duration_since(Instant::now()));
    }

    /// The body read as it is sent (its length declared by the core), the answer's body left
    /// to read: ureq's bounds (the agent's overall timeout, or the request's) cover reading it.
    fn send_streamed(&self, attempt: StreamAttempt) -> Streamed<Box<dyn Read>> {
        let left = attempt.time_left(Instant::now());
        let body = |b: Option<_>| b.map_or_else(SendBody::none, SendBody::from_owned_reader);
        let response = self.run(attempt.into_request().map(body), left);
        let response = response.map_err(|e| SendError::new(classify(&e), e.into()))?;
        Ok(response.map(|body| Box::new(body.into_reader()) as Box<dyn Read>))
    }
}

impl Ureq {
    fn attempt(&self, attempt: Attempt) -> Result<http::Response<Bytes>, ureq::Error> {
        let left = attempt.time_left(Instant::now());
        let max_body_bytes = attempt.max_body_bytes();
        let (parts, body) = attempt.into_request().into_parts();
        // A GET or DELETE goes without a body, as a plain client sends it (no
        // `content-length: 0`); a POST always declares its length.
        let response = if body.is_empty() && parts.method != http::Method::POST {
            self.run(http::Request::from_parts(parts, ()), left)?
        } else {
            self.run(http::Request::from_parts(parts, &body[..]), left)?
        };
        let (parts, body) = response.into_parts();
        let declared = body.content_length();
        let bytes = stripe_client::read_capped(body.into_reader(), declared, max_body_bytes)?;
        Ok(http::Response::from_parts(parts, bytes))
    }

    /// Runs `request` bounded by `left`. The agent's own overall timeout may already end the
    /// attempt in time (with [`SLACK`] for the time between the core's decision and now):
    /// then the request runs as it is, with no per-request settings.
    fn run(
        &self,
        request: http::Request<impl ureq::AsSendBody>,
        left: Option<Duration>,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let global = self.agent.config().timeouts().global;
        let bounded = left.is_none_or(|l| global.is_some_and(|g| g <= l + SLACK));
        if self.plain && bounded {
            self.agent.run(request)
        } else {
            let config = self.agent.configure_request(request);
            let config = config.http_status_as_error(false).max_redirects(0);
            self.agent
                .run(config.timeout_global(left.or(global)).build())
        }
    }
}

/// A bound this long or longer is no bound: ureq adds its bounds to its clock, which a
/// `Duration::MAX` overflows (a panic). The core's own bounds are instants, always in range.
const HORIZON: Duration = Duration::from_secs(1 << 32);

/// Slack between the core's decision and the request's start.
const SLACK: Duration = Duration::from_millis(10);

/// `Connect` only when the request surely never left: no address, refused, unreachable, or
/// the connect timeout.
fn classify(error: &ureq::Error) -> TransportError {
    use ureq::{Error as E, Timeout as T};
    match error {
        E::HostNotFound | E::ConnectionFailed | E::Timeout(T::Resolve | T::Connect) => {
            TransportError::Connect
        }
        E::Timeout(_) => TransportError::Timeout,
        E::BadUri(_) | E::Http(_) => TransportError::Refused,
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
