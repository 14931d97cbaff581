//! The retry decision for one answer, and the Stripe headers it reads.
//!
//! Malformed `Stripe-Should-Retry` and `Retry-After` values are ignored, never fatal.
//! [`parse_retry_after`] and [`parse_http_date`] are pure: the wall-clock time is passed in.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderName, StatusCode};

use crate::policy::{Retry5xxPost, Retry429, RetryPolicy};
use crate::request::{Method, Namespace};

/// What the retry rules read from one answer.
pub(crate) struct Answer<'a> {
    pub status: StatusCode,
    pub should_retry: Option<bool>,
    pub replayed: bool,
    pub code: Option<&'a str>,
}

/// Whether `policy` retries `answer` to a request of `method` in `namespace` (tries left
/// aside).
pub(crate) fn wants_retry(
    policy: &RetryPolicy,
    (namespace, method): (Namespace, Method),
    answer: &Answer<'_>,
) -> bool {
    let status = answer.status.as_u16();
    if status < 400 {
        return false;
    }
    let v2 = namespace == Namespace::V2;
    // A v1 replay is Stripe's stored answer: the same key can only replay it again, whatever
    // `Stripe-Should-Retry` says, so under `UntilReplay` it ends the call at once. v2 stores no
    // failure: a retry with the same key finishes the work.
    if !v2 && answer.replayed && policy.retry_5xx_post == Retry5xxPost::UntilReplay {
        return false;
    }
    if policy.honor_should_retry {
        match answer.should_retry {
            Some(false) => return false,
            Some(true) => return true,
            None => {}
        }
    }
    match status {
        429 => match policy.retry_429 {
            Retry429::Always => true,
            Retry429::WhenToldOrLockTimeout => answer.code == Some("lock_timeout"),
            Retry429::Never => false,
        },
        409 => policy.retry_409,
        500..=599 if !namespace.carries_key(method) => policy.retry_5xx_get_delete,
        // A v2 POST or DELETE: retried with the same key to completion.
        500..=599 if v2 => policy.retry_5xx_post != Retry5xxPost::Never,
        500..=599 => match policy.retry_5xx_post {
            Retry5xxPost::UntilReplay => !answer.replayed,
            Retry5xxPost::Always => true,
            Retry5xxPost::Never => false,
        },
        _ => false,
    }
}

const SHOULD_RETRY: HeaderName = HeaderName::from_static("stripe-should-retry");
const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");

/// A header's value as trimmed text; looked up by a prepared name (no parsing per answer).
fn header<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// `Stripe-Should-Retry: true|false`; anything else is ignored.
pub(crate) fn should_retry(headers: &HeaderMap) -> Option<bool> {
    let v = header(headers, &SHOULD_RETRY)?;
    if v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// `idempotent-replayed: true`.
pub(crate) fn replayed(headers: &HeaderMap) -> bool {
    header(headers, &REPLAYED).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// `Retry-After` of `headers` at wall-clock time `now`: see [`parse_retry_after`].
pub(crate) fn retry_after_at(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    parse_retry_after(header(headers, &http::header::RETRY_AFTER)?, now)
}

/// The wait a `Retry-After` value asks for at wall-clock time `now`, or `None` when the
/// value is malformed (then it is ignored, never fatal).
///
/// - Seconds: digits, optionally with a decimal fraction (`120`, `1.5`); any size, however
///   large (saturating): the [`RetryPolicy`] caps the wait, so a longer
///   wait asked never gives a shorter wait taken.
/// - An HTTP-date in the IMF-fixdate form (`Wed, 21 Oct 2026 07:28:00 GMT`, see
///   [`parse_http_date`]): the time left until then, zero for a date not after `now`. The
///   obsolete RFC 850 and asctime forms are not read.
///
/// Optional whitespace around the value is ignored.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim_matches([' ', '\t']);
    if let Some(wait) = seconds(value) {
        return Some(wait);
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `digits` or `digits.digits`, as a duration (saturating).
fn seconds(value: &str) -> Option<Duration> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (value.contains('.') && !digits(fraction)) {
        return None;
    }
    let Ok(whole) = whole.parse::<u64>() else {
        // Only digits, so it overflowed: longer than any cap.
        return Some(Duration::MAX);
    };
    // At most nine digits of the fraction count (nanoseconds).
    let nanos = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(9)
        .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
    Some(Duration::new(whole, 0).saturating_add(Duration::from_nanos(u64::from(nanos))))
}

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// An HTTP-date in the IMF-fixdate form of RFC 9110, section 5.6.7
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), read strictly: exactly that layout, case included, a
/// real calendar date whose day name matches, hours to 23, minutes to 59, seconds to 60 (a
/// leap second). Anything else is `None`.
pub(crate) fn parse_http_date(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() != 29 || !text.is_ascii() {
        return None;
    }
    // `Www, DD Mmm YYYY hh:mm:ss GMT`
    let layout_ok = b[3] == b',' && b[4] == b' ' && b[7] == b' ' && b[11] == b' ';
    if !layout_ok || b[16] != b' ' || b[19] != b':' || b[22] != b':' || &text[25..] != " GMT" {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let day = number(5..7)?;
    let month = MONTHS.iter().position(|m| *m == &text[8..11])? + 1;
    let year = number(12..16)?;
    let (hour, minute, second) = (number(17..19)?, number(20..22)?, number(23..25)?);
    let month = u32::try_from(month).ok()?;
    if day == 0 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_epoch(year, month, day);
    let weekday = usize::try_from(days.rem_euclid(7)).ok()?;
    if DAYS[weekday] != &text[..3] {
        return None;
    }
    let secs = days * 86_400 + i64::from(hour * 3_600 + minute * 60 + second);
    match u64::try_from(secs) {
        Ok(secs) => SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs)),
        Err(_) => SystemTime::UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs())),
    }
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given date of the proleptic Gregorian calendar: whole years
/// of 365 days, plus a day per leap year between, plus the days of the year so far.
fn days_from_epoch(year: u32, month: u32, day: u32) -> i64 {
    // Leap days in the years before `y` (from year 1).
    let leaps_before =
        |y: i64| (y - 1).div_euclid(4) - (y - 1).div_euclid(100) + (y - 1).div_euclid(400);
    let y = i64::from(year);
    let year_days = (y - 1970) * 365 + leaps_before(y) - leaps_before(1970);
    let month_days: u32 = (1..month).map(|m| days_in_month(year, m)).sum();
    year_days + i64::from(month_days) + i64::from(day) - 1
}

/// Stripe's `request-id`.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    header(headers, &REQUEST_ID)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

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
}
