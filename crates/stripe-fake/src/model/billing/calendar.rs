//! Billing periods on the civil calendar (UTC), as Stripe counts them: a period of `n` months
//! from a billing cycle anchor ends on the anchor's day of the month, or on the month's last day
//! when it has none (an anchor on January 31 renews on February 28 or 29, then on March 31);
//! days and weeks are whole multiples of 86,400 seconds.

use serde_json::Value;

const DAY: i64 = 86_400;

/// How often a recurring price bills: `interval_count` times its `interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Interval {
    unit: Unit,
    count: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Day,
    Week,
    Month,
    Year,
}

impl Interval {
    /// The interval of a recurring price (`recurring.interval`, `recurring.interval_count`);
    /// `None` for a one-time price.
    pub(crate) fn of_price(price: &Value) -> Option<Self> {
        let recurring = &price["recurring"];
        let unit = match recurring["interval"].as_str()? {
            "day" => Unit::Day,
            "week" => Unit::Week,
            "month" => Unit::Month,
            "year" => Unit::Year,
            _ => return None,
        };
        let count = recurring["interval_count"].as_i64().unwrap_or(1).max(1);
        Some(Self { unit, count })
    }

    /// `count` years (the longest a test clock without subscriptions may move at once is two).
    pub(crate) fn years(count: i64) -> Self {
        Self {
            unit: Unit::Year,
            count,
        }
    }

    /// A rough length in seconds, to compare intervals and to guess a period's index.
    fn approx_seconds(self) -> i64 {
        let unit = match self.unit {
            Unit::Day => DAY,
            Unit::Week => 7 * DAY,
            Unit::Month => 30 * DAY,
            Unit::Year => 365 * DAY,
        };
        unit.saturating_mul(self.count)
    }

    /// Whether this interval is shorter than `other`.
    pub(crate) fn shorter_than(self, other: Self) -> bool {
        self.approx_seconds() < other.approx_seconds()
    }

    /// The instant `n` intervals after `anchor`.
    pub(crate) fn after(self, anchor: i64, n: i64) -> i64 {
        let steps = self.count.saturating_mul(n);
        match self.unit {
            Unit::Day => anchor.saturating_add(steps.saturating_mul(DAY)),
            Unit::Week => anchor.saturating_add(steps.saturating_mul(7 * DAY)),
            Unit::Month => add_months(anchor, steps),
            Unit::Year => add_months(anchor, steps.saturating_mul(12)),
        }
    }

    /// The first period boundary of a billing cycle anchored at `anchor` that is later than
    /// `instant` (the anchor itself when `instant` is before it).
    pub(crate) fn next_boundary(self, anchor: i64, instant: i64) -> i64 {
        if instant < anchor {
            return anchor;
        }
        let mut n = (instant - anchor) / self.approx_seconds().max(1);
        while n > 0 && self.after(anchor, n) > instant {
            n -= 1;
        }
        while self.after(anchor, n) <= instant {
            n += 1;
        }
        self.after(anchor, n)
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month 1..=12, day 1..=31) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let next = if month == 12 {
        days_from_civil(year + 1, 1, 1)
    } else {
        days_from_civil(year, month + 1, 1)
    };
    next - days_from_civil(year, month, 1)
}

/// `instant` moved by `months` calendar months, its day clamped to the target month's length
/// and its time of day kept.
fn add_months(instant: i64, months: i64) -> i64 {
    let days = instant.div_euclid(DAY);
    let time = instant.rem_euclid(DAY);
    let (year, month, day) = civil_from_days(days);
    let index = year * 12 + (month - 1) + months;
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
    let day = day.min(days_in_month(year, month));
    days_from_civil(year, month, day) * DAY + time
}

/// `instant` as Stripe's proration descriptions write a date: `14 Nov 2023`.
pub(crate) fn date_text(instant: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (year, month, day) = civil_from_days(instant.div_euclid(DAY));
    let name = usize::try_from(month - 1)
        .ok()
        .and_then(|i| MONTHS.get(i))
        .copied()
        .unwrap_or("???");
    format!("{day:02} {name} {year}")
}

/// `amount` scaled by `part / whole` seconds, rounded half away from zero as Stripe rounds
/// prorations (0 for an empty period).
pub(crate) fn prorate(amount: i64, part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    let scaled = i128::from(amount) * i128::from(part.clamp(0, whole));
    let whole = i128::from(whole);
    let half = whole / 2;
    let rounded = if scaled >= 0 {
        (scaled + half) / whole
    } else {
        (scaled - half) / whole
    };
    i64::try_from(rounded).unwrap_or_default()
}
