//! `Retry-After` is monotonic: a longer wait asked never gives a shorter wait taken; both of
//! its forms (seconds and HTTP-date) are read strictly.

mod common;

use std::time::{Duration, UNIX_EPOCH};

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

#[test]
fn an_http_date_is_read_against_the_calls_wall_clock() {
    // The scripted driver's wall clock starts at 1,700,000,000 s: Tue, 14 Nov 2023 22:13:20 GMT.
    assert_eq!(
        common::wall(),
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    );
    let wait = slept("Tue, 14 Nov 2023 22:13:50 GMT");
    assert!(
        wait > Duration::from_secs(29) && wait <= Duration::from_secs(30),
        "30 s ahead of the answer's time, less the attempt's own time: {wait:?}"
    );
    assert_eq!(
        slept("Tue, 14 Nov 2023 22:13:00 GMT"),
        Duration::from_secs(1),
        "a past date asks nothing: the backoff"
    );
    assert_eq!(
        slept("Wed, 15 Nov 2023 22:13:20 GMT"),
        Duration::from_secs(60),
        "a day ahead waits the cap"
    );
}
