//! `Retry-After` is monotonic: a longer wait asked never gives a shorter wait taken; both of
//! its forms (seconds and HTTP-date) are read strictly.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{http, run, status};
use stripe_core::retry::{parse_http_date, parse_retry_after};
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

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

#[test]
fn imf_fixdates_parse_to_their_instant() {
    for (text, secs) in [
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777),
        ("Wed, 21 Oct 2026 07:28:00 GMT", 1_792_567_680),
        ("Thu, 29 Feb 2024 00:00:00 GMT", 1_709_164_800),
        ("Tue, 29 Feb 2000 00:00:00 GMT", 951_782_400),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 253_402_300_799),
    ] {
        assert_eq!(parse_http_date(text), Some(at(secs)), "{text}");
    }
    // A leap second is one past the minute's last.
    assert_eq!(
        parse_http_date("Wed, 31 Dec 2025 23:59:60 GMT"),
        parse_http_date("Thu, 01 Jan 2026 00:00:00 GMT")
    );
    // Before the epoch: still an instant, long past.
    assert_eq!(
        parse_http_date("Wed, 31 Dec 1969 23:59:59 GMT"),
        UNIX_EPOCH.checked_sub(Duration::from_secs(1))
    );
}

#[test]
fn anything_but_a_well_formed_imf_fixdate_is_refused() {
    for bad in [
        "",
        "Wed, 21 Oct 2026 07:28:00",
        "Wed, 21 Oct 2026 07:28:00 UTC",
        "Wed, 21 Oct 2026 07:28:00 gmt",
        "wed, 21 Oct 2026 07:28:00 GMT",
        "Thu, 21 Oct 2026 07:28:00 GMT",
        "Wed, 21 oct 2026 07:28:00 GMT",
        "Wed,  21 Oct 2026 07:28:00 GMT",
        "Wed, 1 Oct 2026 07:28:00 GMT",
        "Wed, 21 Oct 26 07:28:00 GMT",
        "Wed, 21 Oct 2026 7:28:00 GMT",
        "Wed, 21 Oct 2026 24:00:00 GMT",
        "Wed, 21 Oct 2026 07:60:00 GMT",
        "Wed, 21 Oct 2026 07:28:61 GMT",
        "Wed, 00 Oct 2026 07:28:00 GMT",
        "Sun, 32 Oct 2026 07:28:00 GMT",
        "Sun, 31 Nov 2026 07:28:00 GMT",
        "Sun, 29 Feb 2026 00:00:00 GMT",
        "Mon, 29 Feb 2100 00:00:00 GMT",
        "Wed, 21 Oct 2026 07:28:00 GMT ",
        "Wednesday, 21-Oct-26 07:28:00 GMT",
        "Wed Oct 21 07:28:00 2026",
        "Wed, 21 Oct +026 07:28:00 GMT",
        "Wed, 21 Oct 2026 07:28:0\u{e9}GMT",
        "Wed, 21 Oct 2026 07:28:00 GMT\u{0}",
    ] {
        assert_eq!(parse_http_date(bad), None, "{bad:?}");
    }
}

#[test]
fn retry_after_as_a_date_is_the_time_left_and_a_past_date_is_zero() {
    let date = "Wed, 21 Oct 2026 07:28:00 GMT";
    let instant = 1_792_567_680;
    assert_eq!(
        parse_retry_after(date, at(instant - 30)),
        Some(Duration::from_secs(30))
    );
    assert_eq!(
        parse_retry_after(date, at(instant - 86_401)),
        Some(Duration::from_secs(86_401)),
        "the policy caps it, not the parser"
    );
    assert_eq!(parse_retry_after(date, at(instant)), Some(Duration::ZERO));
    assert_eq!(
        parse_retry_after(date, at(instant + 5)),
        Some(Duration::ZERO)
    );
    assert_eq!(
        parse_retry_after("Wed, 31 Dec 1969 23:59:59 GMT", at(instant)),
        Some(Duration::ZERO)
    );
    assert_eq!(
        parse_retry_after(" 120 ", at(instant)),
        Some(Duration::from_secs(120))
    );
    assert_eq!(
        parse_retry_after("1.5", at(instant)),
        Some(Duration::from_millis(1_500))
    );
    assert_eq!(parse_retry_after("soon", at(instant)), None);
    assert_eq!(parse_retry_after("Wed, 21 Oct 2026", at(instant)), None);
}
