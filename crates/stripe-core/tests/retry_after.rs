//! `Retry-After` is monotonic: a longer wait asked never gives a shorter wait taken; both of
//! its forms (seconds and HTTP-date) are read strictly.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{http, run, status};
use stripe_core::{Backoff, Request, RetryPolicy};

fn post() -> Request {
    Request::post("/v1/charges", &[("amount", "100")]).expect("valid")
}

/// The one sleep of a call answered 429 with `Retry-After: value`, then 200.
fn slept(value: &str) -> Duration {
    let policy = RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_secs(1)));
    let t = run(
        post(),
        policy,
        &[http(429, &[("retry-after", value)], "{}"), status(200)],
    );
    assert_eq!(t.sleeps.len(), 1, "{value:?}: {:?}", t.sleeps);
    t.sleeps[0]
}

#[test]
fn any_number_of_seconds_past_the_cap_waits_the_cap() {
    for value in [
        "100",
        "86400",
        "86401",
        "999999",
        "4294967296",
        "99999999999999999999999999999999",
        "86401.5",
    ] {
        assert_eq!(slept(value), Duration::from_secs(60), "{value:?}");
    }
}

#[test]
fn the_wait_never_shrinks_as_retry_after_grows() {
    let mut last = Duration::ZERO;
    for secs in [
        0u64, 1, 2, 30, 59, 60, 61, 3_600, 86_399, 86_400, 86_401, 10_000_000,
    ] {
        let wait = slept(&secs.to_string());
        assert!(wait >= last, "Retry-After {secs}: {wait:?} after {last:?}");
        last = wait;
    }
}

#[test]
fn malformed_seconds_are_ignored() {
    for junk in [
        "-1", "soon", "1e3", "+5", "NaN", "inf", "1.", ".5", "1 2", "0x10", "",
    ] {
        assert_eq!(slept(junk), Duration::from_secs(1), "{junk:?}: the backoff");
    }
}
