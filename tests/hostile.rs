//! Hostile configurations and policies on each client: durations up to `Duration::MAX`, a base
//! the HTTP client cannot carry, scripted answers that ask for waits beyond any window. Each
//! call ends, without a panic, with a failure kind that tells the truth.

#[macro_use]
mod support;

use std::time::Duration;

use proptest::prelude::*;
use stripe_core::{
    Advice, Backoff, Config, ErrorKind, KEY_LIFETIME, Request, RetryPolicy, Seed, TransportError,
};
use support::canned::Reply;
use support::wire::{KEY, canned, http};
use support::{Adapter, fast_policy};

const CENTURY: Duration = Duration::from_secs(100 * 365 * 86_400);

fn customer() -> Request {
    Request::post("/v1/customers", &[("email", "a@example.com")]).expect("valid")
}

/// Attempt and connect timeouts beyond what a clock can count, in the config or per request:
/// the call is made, as with any other bound.
fn timeouts_beyond_the_clock_never_panic(adapter: Adapter) {
    let fake = support::fake::fake();
    for (attempt, connect) in [
        (Duration::MAX, Duration::from_secs(30)),
        (CENTURY, Duration::from_secs(30)),
        (Duration::MAX, Duration::MAX),
        (Duration::from_secs(30), CENTURY),
    ] {
        let policy = fast_policy().with_attempt_timeout(Some(attempt));
        let config = Config::builder(KEY)
            .api_base(fake.base_url())
            .policy(policy.clone())
            .connect_timeout(connect)
            .build()
            .expect("a valid config");
        let client = adapter.client(config);
        let created = client.send(customer()).expect("created");
        assert_eq!(created.status(), 200, "[{}] {attempt:?}", adapter.name());
        let per_request = customer().with_policy(policy).expect("a valid policy");
        assert_eq!(client.send(per_request).expect("created").status(), 200);
    }
}

/// A base the config takes (`256.0.0.1` is a name, to a URI) but that an HTTP client may
/// refuse to make a request of (to a WHATWG URL it is a bad IPv4 address): reqwest refuses
/// before sending; that is invalid input, never "may have been processed".
fn a_request_the_http_client_refuses_is_invalid_input(adapter: Adapter) {
    let config = Config::builder(KEY)
        .api_base("https://256.0.0.1")
        .policy(fast_policy())
        .build()
        .expect("a base the URI parser takes");
    let error = adapter
        .client(config)
        .send(customer())
        .expect_err("nothing can be sent");
    let may_have_been_processed = matches!(
        error.kind(),
        ErrorKind::Transport(TransportError::Io | TransportError::Timeout)
    );
    assert!(!may_have_been_processed, "[{}] {error:?}", adapter.name());
    if adapter != Adapter::Ureq {
        assert_eq!(error.kind(), &ErrorKind::InvalidRequest, "{error:?}");
        assert_eq!(error.advice(), Advice::FixRequest);
        assert!(error.nothing_sent(), "{error:?}");
        assert!(
            error.idempotency_key().is_some(),
            "a POST's error keeps its key"
        );
        let source = std::error::Error::source(&error).expect("reqwest's own error");
        assert!(adapter.is_own_error(source), "{source:?}");
    }
}

/// What a scripted POST may meet: an answer asking for a retry, with or without a
/// `Retry-After` (none, now, a day, more than any clock), or a broken connection.
fn reply() -> impl Strategy<Value = Reply> {
    let retry_after = prop::sample::select(vec![
        None,
        Some("0"),
        Some("86400"),
        Some("99999999999999999999999"),
    ]);
    prop_oneof![
        (prop::sample::select(vec![409u16, 429, 503]), retry_after).prop_map(|(status, ra)| {
            let headers: Vec<(&str, &str)> = ra.map(|ra| ("Retry-After", ra)).into_iter().collect();
            http(status, &headers, "{}")
        }),
        Just(Reply::Send(Vec::new())),
    ]
}

/// Durations from the smallest to `Duration::MAX`, waits only those a test can sleep through
/// or those no clock can (a POST's wait past its key's 24 h is refused, never slept).
fn policy() -> impl Strategy<Value = RetryPolicy> {
    let huge = prop::sample::select(vec![Duration::MAX, CENTURY, Duration::MAX / 2]);
    let timeout = prop::option::of(prop_oneof![huge.clone(), Just(Duration::from_secs(5))]);
    let backoff = prop_oneof![
        Just(Backoff::Fixed(Duration::from_millis(5))),
        huge.clone().prop_map(Backoff::Fixed),
        huge.clone().prop_map(|d| Backoff::Doubling {
            initial: d / 2,
            max: d
        }),
    ];
    let cap = prop_oneof![Just(Duration::from_millis(5)), huge];
    (1..=4u32, timeout.clone(), timeout, backoff, cap).prop_map(
        |(tries, attempt, deadline, backoff, cap)| {
            let mut policy = RetryPolicy::default()
                .with_max_tries(tries)
                .with_attempt_timeout(attempt)
                .with_deadline(deadline)
                .with_backoff(backoff);
            policy.retry_after_cap = cap;
            policy
        },
    )
}

fn any_accepted_policy_ends_truthfully(adapter: Adapter) {
    let config = ProptestConfig::with_cases(24);
    proptest!(config, |(policy in policy(), replies in prop::collection::vec(reply(), 0..5))| {
        let server = canned(replies);
        let config = Config::builder(KEY)
            .api_base(server.base_url())
            .policy(policy.clone())
            .connect_timeout(Duration::MAX)
            .build()
            .expect("every policy here is accepted");
        let outcome = adapter.client(config).send(customer());
        if let Err(error) = outcome {
            match error.kind() {
                ErrorKind::DeadlineExceeded { .. } => prop_assert!(policy.deadline.is_some()),
                ErrorKind::KeyExpired { .. } => prop_assert!(false, "a fresh key: {error}"),
                ErrorKind::WaitTooLong { wait } => {
                    prop_assert!(*wait > Duration::from_secs(86_400) - Duration::from_secs(60));
                }
                _ => {}
            }
            prop_assert!(!error.to_string().contains("deadline") || policy.deadline.is_some());
        }
    });
}

/// Any duration, from none to `Duration::MAX`.
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        prop::sample::select(vec![
            Duration::ZERO,
            Duration::from_millis(1),
            Duration::from_secs(5),
            Duration::from_secs(3_600),
            Duration::from_secs(25 * 3_600),
            CENTURY,
            Duration::MAX / 2,
            Duration::MAX,
        ]),
        any::<u64>().prop_map(Duration::from_nanos),
        any::<u64>().prop_map(Duration::from_secs),
    ]
}

/// Any policy of any preset, each duration anything up to `Duration::MAX` (some contradict
/// themselves: the builder refuses those).
fn any_policy() -> impl Strategy<Value = RetryPolicy> {
    let backoff = prop_oneof![
        duration().prop_map(|cap| Backoff::PowerOfTwo { cap }),
        (duration(), duration()).prop_map(|(initial, max)| Backoff::Doubling { initial, max }),
        duration().prop_map(Backoff::Fixed),
    ];
    let bound = || prop::option::of(duration());
    (0..3u8, 0..=8u32, backoff, duration(), bound(), bound()).prop_map(
        |(preset, tries, backoff, cap, attempt, deadline)| {
            let mut policy = match preset {
                0 => RetryPolicy::default(),
                1 => RetryPolicy::conservative(),
                _ => RetryPolicy::official(),
            }
            .with_max_tries(tries)
            .with_backoff(backoff)
            .with_attempt_timeout(attempt)
            .with_deadline(deadline);
            policy.retry_after_cap = cap;
            policy
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// In virtual time, against the fake's model: any policy the builder accepts, with any
    /// fault schedule, ends a POST without a panic, and its failure tells the truth: a
    /// deadline only under one, an expired key only past its 24 h, a wait too long only one
    /// that would end past the key's window.
    #[test]
    fn any_accepted_policy_ends_truthfully_in_virtual_time(
        policy in any_policy(),
        schedule in stripe_sim::strategy::schedule(10),
        seed in any::<u64>(),
    ) {
        let config = Config::builder("sk_test_sim").policy(policy.clone()).build();
        prop_assume!(config.is_ok());
        let config = config.expect("accepted");
        let mut sim = stripe_sim::Sim::new(seed);
        let run = sim.run(customer(), &config, Seed::from_u64(seed), &schedule);
        prop_assert!(run.attempts <= policy.max_tries);
        let Err(error) = run.outcome else { return Ok(()) };
        match error.kind() {
            ErrorKind::DeadlineExceeded { .. } => prop_assert!(policy.deadline.is_some()),
            ErrorKind::KeyExpired { age } => prop_assert!(*age > KEY_LIFETIME, "{error}"),
            ErrorKind::WaitTooLong { wait } => {
                prop_assert!(run.elapsed.saturating_add(*wait) > KEY_LIFETIME, "{error}");
            }
            _ => {}
        }
        prop_assert!(!error.to_string().contains("deadline") || policy.deadline.is_some());
    }
}

run_on_adapters!(
    timeouts_beyond_the_clock_never_panic,
    a_request_the_http_client_refuses_is_invalid_input,
    any_accepted_policy_ends_truthfully,
);
