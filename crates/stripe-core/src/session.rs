//! The [`Session`]: what spans calls (as quinn-proto's `Endpoint` does for connections).

use std::fmt;
use std::time::{Instant, SystemTime};

use http::HeaderValue;

use crate::action::Action;
use crate::call::Call;
use crate::config::Config;
use crate::failure::Error;
use crate::request::Request;
use crate::response::Response;
use crate::seed::{Random, Seed};
use crate::telemetry::RequestMetrics;
use crate::wire::CallHeaders;

/// Owns what spans calls: the [`Config`], one seed (given once; each call draws from its own
/// ChaCha8 stream of it, numbered in the order calls start, so a whole client run is
/// deterministic from one seed, with no OS call and no draw to start a request), and the telemetry memory (the previous request's id and duration, sent as
/// `X-Stripe-Client-Telemetry` when the config's telemetry is on).
///
/// No clock, socket or global RNG: time comes in as arguments.
///
/// ```
/// use std::time::{Instant, SystemTime};
/// use stripe_core::{Action, Config, Request, Seed, Session};
///
/// let mut session = Session::new(Config::builder("sk_test_123").build()?, Seed::from_u64(7));
/// let (call, first) = session.call(
///     Request::post("/v1/charges", &[("amount", "2000")])?,
///     Instant::now(),
///     SystemTime::now(),
/// )?;
/// assert!(call.idempotency_key().is_some()); // known before anything is sent
/// assert!(matches!(first, Action::Send { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Session {
    config: Config,
    seed: Seed,
    /// Calls started so far: the next call's stream of `seed`.
    calls: u64,
    /// The telemetry header of the next call, built when the last answer was learnt: its own
    /// copy of the request id, so that no byte of the answer (or of the transport's read
    /// buffer it may share) outlives the answer.
    telemetry: Option<HeaderValue>,
    /// Room in each attempt's header map for the transport's own headers.
    header_room: usize,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("config", &self.config)
            .field("telemetry", &self.telemetry)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session of `config`, with every call's randomness drawn from `seed`.
    pub fn new(config: Config, seed: Seed) -> Self {
        Self {
            config,
            seed,
            calls: 0,
            telemetry: None,
            header_room: 0,
        }
    }

    /// Keeps room in each attempt's header map for `n` more headers: those the transport or
    /// its HTTP client adds (`Host`, its default headers), so that adding them does not make
    /// the map grow (a new allocation and every header hashed again, once per attempt). A hint
    /// for transports: it changes no byte of any request. 0 by default; at most 32 is kept.
    pub fn set_header_room(&mut self, n: usize) {
        self.header_room = n.min(32);
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Starts a call of `request` at monotonic time `now` and wall-clock time `wall` (the
    /// key's timestamp and age). Returns the call and its first action; an error only for
    /// input that cannot become a request (nothing exists yet, nothing was sent).
    pub fn call(
        &mut self,
        request: Request,
        now: Instant,
        wall: SystemTime,
    ) -> Result<(Call, Action), Error> {
        let random = Random::new(self.seed, self.calls);
        self.calls = self.calls.wrapping_add(1);
        Call::start(
            request,
            &self.config,
            random,
            CallHeaders {
                telemetry: self.telemetry.clone(),
                room: self.header_room,
                ..CallHeaders::default()
            },
            (now, wall),
        )
    }

    /// Learns the last answer of a call (a final response, or the one inside a failed call's
    /// error), for the next request's telemetry; an answer without a `request-id` forgets the
    /// older one rather than repeat it.
    pub fn learn(&mut self, response: &Response) {
        self.telemetry = if self.config.telemetry {
            response.metrics().as_ref().and_then(RequestMetrics::header)
        } else {
            None
        };
    }
}
