//! The retry policy: which outcomes are retried, how many times, and how long to wait. The
//! presets and their rules are tabled once, in the crate docs ("Retry table").

use std::time::Duration;

use crate::seed::Random;

/// When a 429 is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Retry429 {
    /// Always (nothing was executed or stored).
    Always,
    /// Only when `Stripe-Should-Retry: true` says so or the error code is `lock_timeout`
    /// (the official SDKs).
    WhenToldOrLockTimeout,
    /// Never.
    Never,
}

/// When a 5xx answer to a POST is retried (always with the same key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Retry5xxPost {
    /// Retry until the answer is an idempotent replay (`idempotent-replayed: true`), which ends
    /// the call at once, even with `Stripe-Should-Retry: true`: further tries would only replay
    /// the same stored answer.
    UntilReplay,
    /// Retry every 5xx (the official SDKs).
    Always,
    /// Never.
    Never,
}

/// The wait before retry `n` (1-based), before `Retry-After` is taken into account. Named for
/// what it does; the presets say whose schedule each one is.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Backoff {
    /// `min(2^n + U[0,1), cap)` seconds: doubling whole seconds plus up to one second of
    /// jitter (the Racket library's schedule, with a 32 s cap, in the default and conservative
    /// presets).
    PowerOfTwo {
        /// Upper bound of one wait.
        cap: Duration,
    },
    /// `min(initial·2^(n-1), max)` times a factor drawn from `[0.5, 1]`, never under
    /// `initial` (the official SDKs' schedule, 0.5 s to 5 s, in the official preset).
    Doubling {
        /// Wait before the first retry, also the floor.
        initial: Duration,
        /// Upper bound before jitter.
        max: Duration,
    },
    /// A fixed wait, without jitter (handy in tests and simulations).
    Fixed(Duration),
}

impl Backoff {
    pub(crate) fn wait(&self, n: u32, random: &mut Random) -> Duration {
        match *self {
            Self::PowerOfTwo { cap } => {
                let jitter = Duration::from_secs_f64(random.unit());
                (pow2_secs(n) + jitter).min(cap)
            }
            Self::Doubling { initial, max } => {
                let top = initial.saturating_mul(pow2(n.saturating_sub(1))).min(max);
                // Through f64 a wait near `Duration::MAX` may round above it: kept at `top`.
                let jittered = top.as_secs_f64() * (0.5 + 0.5 * random.unit());
                (Duration::try_from_secs_f64(jittered).map_or(top, |d| d.min(top))).max(initial)
            }
            Self::Fixed(d) => d,
        }
    }
}

fn pow2(n: u32) -> u32 {
    1u32.checked_shl(n.min(31)).unwrap_or(u32::MAX)
}

fn pow2_secs(n: u32) -> Duration {
    Duration::from_secs(1u64.checked_shl(n.min(62)).unwrap_or(u64::MAX))
}

/// Which outcomes are retried, how many attempts in all, and how long to wait.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_tries: u32,
    /// Honour `Stripe-Should-Retry` (`false` overrides every other rule; `true` retries).
    pub honor_should_retry: bool,
    /// When a 429 is retried.
    pub retry_429: Retry429,
    /// Retry a 409 (a request with this key in flight, a lock conflict).
    pub retry_409: bool,
    /// Retry a 5xx on GET or DELETE.
    pub retry_5xx_get_delete: bool,
    /// When a 5xx on a POST is retried.
    pub retry_5xx_post: Retry5xxPost,
    /// Retry after a transport error (no response); POSTs keep their key.
    pub retry_transport: bool,
    /// The wait schedule.
    pub backoff: Backoff,
    /// Honour `Retry-After` as a lower bound of the wait.
    pub honor_retry_after: bool,
    /// `Retry-After` is taken up to this much; a longer ask is cut to it.
    pub retry_after_cap: Duration,
    /// Bound on one attempt (the driver enforces it); `None` leaves it to the transport. A
    /// bound beyond what the clock can count (`Duration::MAX`) is no bound.
    pub attempt_timeout: Option<Duration>,
    /// Bound on the whole call, attempts and waits together (beyond the clock: no bound).
    pub deadline: Option<Duration>,
}

impl Default for RetryPolicy {
    /// The table of the crate docs: 429, 409, transport errors, 5xx on GET/DELETE, 5xx on POST
    /// until a replay; `Stripe-Should-Retry` honoured; 5 tries; the Racket backoff.
    fn default() -> Self {
        Self {
            max_tries: 5,
            honor_should_retry: true,
            retry_429: Retry429::Always,
            retry_409: true,
            retry_5xx_get_delete: true,
            retry_5xx_post: Retry5xxPost::UntilReplay,
            retry_transport: true,
            backoff: Backoff::PowerOfTwo {
                cap: Duration::from_secs(32),
            },
            honor_retry_after: true,
            retry_after_cap: Duration::from_secs(60),
            attempt_timeout: Some(Duration::from_secs(80)),
            deadline: None,
        }
    }
}

impl RetryPolicy {
    /// Exactly the Racket library: only 429 is retried (5 tries, its backoff); headers are not
    /// consulted; a transport error ends the call at once with the key.
    pub fn conservative() -> Self {
        Self {
            honor_should_retry: false,
            retry_429: Retry429::Always,
            retry_409: false,
            retry_5xx_get_delete: false,
            retry_5xx_post: Retry5xxPost::Never,
            retry_transport: false,
            honor_retry_after: false,
            ..Self::default()
        }
    }

    /// What stripe-ruby, stripe-node and stripe-python do: transport errors,
    /// `Stripe-Should-Retry: true`, 409 and any 5xx with the same key; 429 only when told or on
    /// `lock_timeout`; 3 tries; `min(0.5 s·2^(n-1), 5 s)` jittered to 50-100 %, at least 0.5 s.
    pub fn official() -> Self {
        Self {
            max_tries: 3,
            retry_429: Retry429::WhenToldOrLockTimeout,
            retry_5xx_post: Retry5xxPost::Always,
            backoff: Backoff::Doubling {
                initial: Duration::from_millis(500),
                max: Duration::from_secs(5),
            },
            ..Self::default()
        }
    }

    /// No retry at all: one attempt.
    pub fn never() -> Self {
        Self {
            max_tries: 1,
            ..Self::conservative()
        }
    }

    /// The same policy with another `max_tries`.
    #[must_use]
    pub fn with_max_tries(mut self, max_tries: u32) -> Self {
        self.max_tries = max_tries;
        self
    }

    /// The same policy with another backoff.
    #[must_use]
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The same policy with a total deadline.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// The same policy with a per-attempt timeout.
    #[must_use]
    pub fn with_attempt_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The wait before retry `n`: the backoff, raised to `Retry-After` (capped) if asked.
    pub(crate) fn wait(
        &self,
        n: u32,
        retry_after: Option<Duration>,
        random: &mut Random,
    ) -> Duration {
        let wait = self.backoff.wait(n, random);
        match retry_after {
            Some(ra) if self.honor_retry_after => wait.max(ra.min(self.retry_after_cap)),
            _ => wait,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), &'static str> {
        if self.max_tries == 0 {
            return Err("max_tries must be at least 1");
        }
        if self.max_tries > 100 {
            return Err("max_tries above 100 is surely a mistake");
        }
        if let Backoff::Doubling { initial, max } = self.backoff
            && initial > max
        {
            return Err("doubling backoff: initial above max");
        }
        Ok(())
    }
}
