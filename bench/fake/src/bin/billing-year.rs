//! `billing-year --fake BIN [--subscriptions N]`: a year of monthly renewals on one test clock,
//! timed. The fake (a release build, a child process) gets N customers (default 1,000) on a
//! clock, each with a card and a monthly subscription; then the clock advances from
//! 2024-01-01 to 2025-01-01 02:00 UTC, two months at a time (the most Stripe lets a clock with
//! monthly subscriptions move at once) and two hours at the end, so that every renewal of the
//! year is invoiced, finalized and paid: 12 per subscription, each an invoice, a payment
//! intent, a charge and their events. Prints each advance's time, the year's total, checks
//! what the fake billed, and ends with
//! `RATIO fake_clock_year_seconds_over_2s_limit <x>` (target <= 1).

use std::time::Instant;

use stripe_bench_fake::{Error, Fake, id};

/// 2024-01-01T00:00:00Z: the clock's start, and every subscription's billing cycle anchor.
const START: i64 = 1_704_067_200;
/// The first of March, May, July, September, November 2024 and January 2025, 00:00 UTC.
const TWO_MONTHS_LATER: [i64; 6] = [
    1_709_251_200,
    1_714_521_600,
    1_719_792_000,
    1_725_148_800,
    1_730_419_200,
    1_735_689_600,
];
/// How long the year may take, in seconds.
const LIMIT: f64 = 2.0;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let bin = arg("--fake").ok_or("--fake BIN")?;
    let subscriptions: usize = arg("--subscriptions").map_or(Ok(1000), |v| v.parse())?;
    let mut fake = Fake::start("fake", &bin)?;
    let body = format!("frozen_time={START}&name=year");
    let clock = id(&fake.call("POST", "/v1/test_helpers/test_clocks", &body)?, "clock_")?;
    let product = id(&fake.call("POST", "/v1/products", "name=Monthly")?, "prod_")?;
    let body = format!("product={product}&currency=usd&unit_amount=1500&recurring[interval]=month");
    let price = id(&fake.call("POST", "/v1/prices", &body)?, "price_")?;
    let setup = Instant::now();
    for n in 0..subscriptions {
        let body = format!("test_clock={clock}&source=tok_visa&email=s{n}%40example.com");
        let customer = id(&fake.call("POST", "/v1/customers", &body)?, "cus_")?;
        let body = format!("customer={customer}&items[0][price]={price}");
        fake.call("POST", "/v1/subscriptions", &body)?;
    }
    println!(
        "# {subscriptions} customers and monthly subscriptions on one clock in {:.2} s (each first invoice paid)",
        setup.elapsed().as_secs_f64()
    );
    println!("| advance to | seconds |");
    println!("|---|---:|");
    let mut total = 0.0;
    let path = format!("/v1/test_helpers/test_clocks/{clock}/advance");
    let last = TWO_MONTHS_LATER[TWO_MONTHS_LATER.len() - 1];
    for to in TWO_MONTHS_LATER.into_iter().chain([last + 7200]) {
        let start = Instant::now();
        fake.call("POST", &path, &format!("frozen_time={to}"))?;
        let seconds = start.elapsed().as_secs_f64();
        total += seconds;
        println!("| {to} | {seconds:.3} |");
    }
    // What was billed: every subscription in its thirteenth period, every invoice paid.
    let mut paid = 0usize;
    let mut after = String::new();
    loop {
        let page = fake.call("GET", &format!("/v1/invoices?status=paid&limit=100{after}"), "")?;
        let count = page.matches("\"object\":\"invoice\"").count();
        paid += count;
        if !page.contains("\"has_more\":true") || count == 0 {
            break;
        }
        let last_id = page.rmatch_indices("\"id\":\"in_").next().map(|(at, _)| &page[at..]).ok_or("no invoice id")?;
        after = format!("&starting_after={}", id(last_id, "in_")?);
    }
    let sample = fake.call("GET", "/v1/subscriptions?limit=1", "")?;
    let period_start = format!("\"current_period_start\":{last}");
    let expected = subscriptions * 13;
    println!("# paid invoices: {paid} (expected {expected}: the first and 12 renewals each)");
    if paid != expected || !sample.contains(&period_start) || !sample.contains("\"status\":\"active\"") {
        return Err(format!("the fake did not bill the year: {paid} paid invoices, a subscription: {sample}").into());
    }
    println!("BENCH fake_clock_year_{subscriptions}_subscriptions_seconds {total:.3} (limit {LIMIT} s)");
    println!("RATIO fake_clock_year_seconds_over_2s_limit {:.3}", total / LIMIT);
    Ok(())
}
