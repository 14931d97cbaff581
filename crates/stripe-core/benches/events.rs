//! Parsing events (feature `webhook`): ours beside what a user writes without us, side by side
//! in one run. The plain side is `serde_json::from_slice` into a struct a user would derive
//! for the same fields (unknown members ignored, the type a `String`); ours is
//! `EventNotification::from_slice` / `Event::<T>::from_slice` (unknown members kept, the
//! `object` checked). Signature verification is left out on both sides (it is the same HMAC
//! either way). `T` is a payment intent struct of 13 fields, and `serde_json::Value`.
//!
//! Method: short blocks of parses alternate between the two sides, so both see the same load;
//! each ratio is of the two sides' lower deciles of block times (see [`ratio`]). Ends with `RATIO <workload>_ours_over_plain <x>`
//! lines (target <= 1.05). Run: `bench/events.sh` (or `cargo bench -p stripe-core --features
//! webhook --bench events [-- --quick]`).

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;
use stripe_core::webhook::{Event, EventNotification};

const SNAPSHOT: &[u8] = include_bytes!("../tests/fixtures/event_payment_intent.json");
const THIN: &[u8] = include_bytes!("../tests/fixtures/thin_account_updated.json");

/// A payment intent as a user types it.
#[derive(Deserialize)]
#[allow(dead_code)]
struct PaymentIntent {
    id: String,
    object: String,
    amount: i64,
    amount_received: i64,
    currency: String,
    status: String,
    customer: Option<String>,
    description: Option<String>,
    latest_charge: Option<String>,
    payment_method: Option<String>,
    metadata: HashMap<String, String>,
    created: i64,
    livemode: bool,
}

/// The snapshot event a user writes without us: the same fields as ours.
#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainEvent<T> {
    id: String,
    object: String,
    #[serde(rename = "type")]
    event_type: String,
    created: i64,
    api_version: Option<String>,
    livemode: bool,
    pending_webhooks: u64,
    data: PlainData<T>,
    request: Option<PlainRequest>,
    account: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainData<T> {
    object: T,
    previous_attributes: Option<serde_json::Map<String, Value>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainRequest {
    id: Option<String>,
    idempotency_key: Option<String>,
}

/// The thin notification a user writes without us: the same fields as ours.
#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainThin {
    id: String,
    object: String,
    #[serde(rename = "type")]
    event_type: String,
    created: String,
    livemode: bool,
    context: Option<String>,
    related_object: Option<PlainRelated>,
    reason: Option<PlainReason>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainRelated {
    id: String,
    #[serde(rename = "type")]
    object_type: String,
    url: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainReason {
    #[serde(rename = "type")]
    reason_type: String,
    request: Option<PlainReasonRequest>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainReasonRequest {
    id: String,
    idempotency_key: Option<String>,
}

/// Time of `n` runs of `f`.
fn block(n: u32, f: &dyn Fn()) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed()
}

/// The `q` quantile (0..=1) of sorted times.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let at = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[at]
}

/// `pairs` alternating short blocks of ours and plain (ours first in even pairs). The ratio is
/// of each side's lower decile of block times: a short block's fastest runs are the ones no
/// other process interrupted, so the figure holds on a loaded machine; the median of the
/// pairs' ratios is printed beside it.
fn ratio(name: &str, pairs: usize, n: u32, ours: &dyn Fn(), plain: &dyn Fn()) -> f64 {
    for _ in 0..20 {
        block(n, ours);
        block(n, plain);
    }
    let (mut o, mut p) = (Vec::with_capacity(pairs), Vec::with_capacity(pairs));
    for i in 0..pairs {
        if i % 2 == 0 {
            o.push(block(n, ours));
            p.push(block(n, plain));
        } else {
            p.push(block(n, plain));
            o.push(block(n, ours));
        }
    }
    let mut pair_ratios: Vec<f64> = o
        .iter()
        .zip(&p)
        .map(|(o, p)| o.as_secs_f64() / p.as_secs_f64())
        .collect();
    pair_ratios.sort_by(f64::total_cmp);
    o.sort();
    p.sort();
    let (lo, lp) = (quantile(&o, 0.1), quantile(&p, 0.1));
    let ratio = lo.as_secs_f64() / lp.as_secs_f64();
    let per = |d: Duration| d.as_secs_f64() * 1e9 / f64::from(n);
    println!(
        "| {name} | {:.0} ns | {:.0} ns | {ratio:.3} | {:.3} |",
        per(lo),
        per(lp),
        pair_ratios[pair_ratios.len() / 2],
    );
    ratio
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (pairs, n) = if quick { (201, 100) } else { (1_001, 200) };
    // The workloads must parse before they are timed.
    assert!(EventNotification::from_slice(THIN).is_ok());
    assert!(Event::<PaymentIntent>::from_slice(SNAPSHOT).is_ok());
    assert!(serde_json::from_slice::<PlainEvent<PaymentIntent>>(SNAPSHOT).is_ok());
    assert!(serde_json::from_slice::<PlainThin>(THIN).is_ok());
    println!("events: {pairs} block pairs of {n} parses each side, alternating");
    println!(
        "| workload | ours (lower decile) | plain (lower decile) | ratio | median of pair ratios |"
    );
    println!("|---|---:|---:|---:|---:|");
    let results = [
        (
            "thin_notification",
            ratio(
                "thin notification (546 B)",
                pairs,
                n,
                &|| drop(black_box(EventNotification::from_slice(black_box(THIN)))),
                &|| {
                    drop(black_box(serde_json::from_slice::<PlainThin>(black_box(
                        THIN,
                    ))))
                },
            ),
        ),
        (
            "snapshot_event_typed",
            ratio(
                "snapshot Event<PaymentIntent> (2.1 KB)",
                pairs,
                n,
                &|| {
                    drop(black_box(Event::<PaymentIntent>::from_slice(black_box(
                        SNAPSHOT,
                    ))))
                },
                &|| {
                    drop(black_box(
                        serde_json::from_slice::<PlainEvent<PaymentIntent>>(black_box(SNAPSHOT)),
                    ))
                },
            ),
        ),
        (
            "snapshot_event_value",
            ratio(
                "snapshot Event<Value> (2.1 KB)",
                pairs,
                n,
                &|| drop(black_box(Event::<Value>::from_slice(black_box(SNAPSHOT)))),
                &|| {
                    drop(black_box(serde_json::from_slice::<PlainEvent<Value>>(
                        black_box(SNAPSHOT),
                    )))
                },
            ),
        ),
    ];
    for (name, r) in results {
        println!("RATIO {name}_ours_over_plain {r:.3}");
    }
}
