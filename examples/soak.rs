//! Soak: both adapters against the loopback fake under a seeded random fault plan.
//!
//! `cargo run --release --example soak -- [--charges N] [--seed S] [--max-seconds T]`
//! (defaults: 10,000 logical charges per adapter, seed 1, 600 s). Each logical charge is one
//! order (`metadata[order]`); a call that ends with "retry with the same key" is resumed with
//! its key, as a careful caller would. At the end the fake's own records are checked: an order
//! with two charges is a duplicate; an order the client saw succeed whose charge does not
//! exist, or a failure without a key, is lost. Prints `N charges, D duplicates, L lost` per
//! adapter and exits non-zero unless both are zero.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use stripe_core::{Advice, Backoff, Config, IdempotencyKey, Request, RetryPolicy};
use stripe_fake::server::{self, ServerOptions};
use stripe_fake::{Fault, FaultPlan, RandomFaults};

struct Outcome {
    advice: Advice,
    key: Option<IdempotencyKey>,
    charge: Option<String>,
}

fn args() -> (u32, u64, u64) {
    let mut a = std::env::args().skip(1);
    let (mut charges, mut seed, mut secs) = (10_000, 1, 600);
    while let Some(flag) = a.next() {
        let value = a.next().and_then(|v| v.parse::<u64>().ok());
        match (flag.as_str(), value) {
            ("--charges", Some(v)) => charges = u32::try_from(v).unwrap_or(u32::MAX),
            ("--seed", Some(v)) => seed = v,
            ("--max-seconds", Some(v)) => secs = v,
            _ => {
                eprintln!("usage: soak [--charges N] [--seed S] [--max-seconds T]");
                std::process::exit(2);
            }
        }
    }
    (charges, seed, secs)
}

fn plan(seed: u64) -> FaultPlan {
    FaultPlan::new().random(
        RandomFaults::new(seed)
            .with(Fault::DropAfter, 0.04)
            .with(Fault::DropBefore, 0.03)
            .with(Fault::status(429), 0.04)
            .with(Fault::status(503), 0.03)
            .with(Fault::ErrorAfter { should_retry: None }, 0.01)
            .with(Fault::Delay { ms: 400 }, 0.005),
    )
}

fn config(base: &str) -> Config {
    let policy = RetryPolicy::default()
        .with_backoff(Backoff::Fixed(Duration::from_millis(1)))
        .with_attempt_timeout(Some(Duration::from_millis(250)));
    Config::builder("sk_test_soak")
        .api_base(base)
        .policy(policy)
        .build()
        .expect("valid config")
}

fn request(order: u32, key: Option<IdempotencyKey>) -> Request {
    let order = order.to_string();
    let req = Request::post(
        "/v1/charges",
        &[
            ("amount", "1000"),
            ("currency", "usd"),
            ("source", "tok_visa"),
            ("metadata[order]", order.as_str()),
        ],
    )
    .expect("valid request");
    match key {
        Some(k) => req.with_idempotency_key(k).expect("POST"),
        None => req,
    }
}

/// What a careful caller keeps of one call: the advice, the key, the charge id.
fn outcome(
    result: Result<stripe_core::Response, (Option<Advice>, Option<IdempotencyKey>)>,
) -> Outcome {
    match result {
        Ok(r) => Outcome {
            advice: r.advice(),
            charge: r.json().and_then(|j| j["id"].as_str().map(str::to_owned)),
            key: r.idempotency_key().cloned(),
        },
        // No failure at all means invalid input: nothing was sent.
        Err((advice, key)) => Outcome {
            advice: advice.unwrap_or(Advice::NewKeyAfterFix),
            key,
            charge: None,
        },
    }
}

/// Runs `n` logical charges with `send`, resuming "retry with the same key" outcomes.
fn soak<S: FnMut(Request) -> Outcome>(
    name: &str,
    n: u32,
    seed: u64,
    deadline: Instant,
    make: impl FnOnce(Config) -> S,
) -> bool {
    let fake = server::start_with(ServerOptions {
        plan: plan(seed),
        seed,
        ..ServerOptions::default()
    })
    .expect("fake starts");
    let mut send = make(config(&fake.base_url()));
    let started = Instant::now();
    let mut seen: HashMap<u32, Outcome> = HashMap::new();
    let mut done = 0;
    for order in 0..n {
        if Instant::now() > deadline {
            eprintln!("{name}: time bound reached after {done} charges");
            break;
        }
        let mut out = send(request(order, None));
        for _ in 0..20 {
            if out.advice != Advice::RetrySameKey {
                break;
            }
            out = send(request(order, out.key.clone()));
        }
        seen.insert(order, out);
        done += 1;
    }
    // Let delayed executions finish, then read the fake's records.
    std::thread::sleep(Duration::from_millis(500));
    let mut per_order: HashMap<u32, Vec<String>> = HashMap::new();
    fake.with_model(|m| {
        for c in m.charges() {
            let order = c["metadata"]["order"].as_str().and_then(|o| o.parse().ok());
            if let (Some(order), Some(id)) = (order, c["id"].as_str()) {
                per_order.entry(order).or_default().push(id.to_owned());
            }
        }
    });
    let duplicates = per_order.values().filter(|ids| ids.len() > 1).count();
    let lost = seen
        .iter()
        .filter(|(order, o)| match (&o.advice, &o.charge) {
            (Advice::Success, Some(id)) => {
                !per_order.get(order).is_some_and(|ids| ids.contains(id))
            }
            (Advice::Success, None) => true,
            _ => o.key.is_none(),
        })
        .count();
    let mut by_advice: HashMap<String, u32> = HashMap::new();
    for o in seen.values() {
        *by_advice.entry(format!("{:?}", o.advice)).or_default() += 1;
    }
    let charges: usize = per_order.values().map(Vec::len).sum();
    println!(
        "{name}: {done} charges, {duplicates} duplicates, {lost} lost ({charges} charge objects, {} requests, {:.1} s; outcomes {by_advice:?})",
        fake.log().len(),
        started.elapsed().as_secs_f64()
    );
    duplicates == 0 && lost == 0
}

fn main() {
    let (n, seed, secs) = args();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let ok_ureq = soak("stripe-ureq", n, seed, deadline, |config| {
        let client = stripe_ureq::Client::new(config);
        move |req| {
            outcome(
                client
                    .send(req)
                    .map_err(|e| (Some(e.advice()), e.idempotency_key().cloned())),
            )
        }
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let ok_reqwest = soak("stripe-reqwest", n, seed ^ 0x5eed, deadline, |config| {
        let client = stripe_reqwest::Client::new(config);
        move |req| {
            outcome(
                rt.block_on(client.send(req))
                    .map_err(|e| (Some(e.advice()), e.idempotency_key().cloned())),
            )
        }
    });
    if !(ok_ureq && ok_reqwest) {
        std::process::exit(1);
    }
}
