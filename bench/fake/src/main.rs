//! `fake-bench --before BIN --now BIN [--orders N] [--blocks B]`: drives two fake Stripe
//! binaries with the same payments workload, in alternating blocks, and prints
//! `RATIO fake_registry_rps_over_before <x>` (the median over blocks of this tree's requests per
//! second over the earlier fake's) and `RATIO fake_registry_cpu_per_req_over_before <x>` (the
//! fakes' own CPU per request, from `/proc/<pid>/stat`).
//!
//! One order is 9 requests on one keep-alive connection, what a payments integration does:
//! create a customer with a card; create a manual-capture payment intent, confirm it, capture
//! it, retrieve it, list the customer's intents; charge the customer; refund the charge;
//! retrieve the charge. Every POST carries a fresh `Idempotency-Key`. The client is a few lines
//! of HTTP/1.1 over `std::net`, the same for both fakes.

use std::time::Instant;

use stripe_bench_fake::{Error, Fake, id};

/// One order: 9 requests.
fn order(fake: &mut Fake, n: usize) -> Result<(), Error> {
    let body = format!("email=o{n}%40example.com&source=tok_visa&metadata[order]={n}");
    let cus = id(&fake.call("POST", "/v1/customers", &body)?, "cus_")?;
    let body = format!(
        "amount=2000&currency=usd&customer={cus}&payment_method=pm_card_visa&capture_method=manual&metadata[order]={n}"
    );
    let pi = id(&fake.call("POST", "/v1/payment_intents", &body)?, "pi_")?;
    fake.call("POST", &format!("/v1/payment_intents/{pi}/confirm"), "")?;
    fake.call("POST", &format!("/v1/payment_intents/{pi}/capture"), "")?;
    fake.call("GET", &format!("/v1/payment_intents/{pi}"), "")?;
    fake.call("GET", &format!("/v1/payment_intents?customer={cus}&limit=3"), "")?;
    let body = format!("amount=500&currency=usd&customer={cus}&description=order+{n}");
    let ch = id(&fake.call("POST", "/v1/charges", &body)?, "ch_")?;
    fake.call("POST", "/v1/refunds", &format!("charge={ch}"))?;
    fake.call("GET", &format!("/v1/charges/{ch}"), "")?;
    Ok(())
}

const PER_ORDER: usize = 9;

/// Requests per second and CPU per request of one block of `orders` orders.
fn block(fake: &mut Fake, first: usize, orders: usize) -> Result<(f64, f64), Error> {
    let cpu = fake.cpu()?;
    let start = Instant::now();
    for n in first..first + orders {
        order(fake, n)?;
    }
    let wall = start.elapsed().as_secs_f64();
    let requests = (orders * PER_ORDER) as f64;
    let cpu = fake.cpu()?.saturating_sub(cpu).as_secs_f64();
    Ok((requests / wall, cpu / requests))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let before = arg("--before").ok_or("--before BIN")?;
    let now = arg("--now").ok_or("--now BIN")?;
    let orders: usize = arg("--orders").map_or(Ok(200), |v| v.parse())?;
    let blocks: usize = arg("--blocks").map_or(Ok(10), |v| v.parse())?;
    let mut old = Fake::start("before", &before)?;
    let mut new = Fake::start("registry", &now)?;
    // Warm-up: one block each, not counted.
    block(&mut old, 0, orders / 4 + 1)?;
    block(&mut new, 0, orders / 4 + 1)?;
    println!(
        "# {blocks} blocks of {orders} orders ({} requests) per fake, alternating, first side rotating",
        orders * PER_ORDER
    );
    println!("| block | before req/s | registry req/s | ratio | before CPU us/req | registry CPU us/req |");
    println!("|---:|---:|---:|---:|---:|---:|");
    let (mut rps, mut cpu) = (Vec::new(), Vec::new());
    for b in 0..blocks {
        let first = (b + 1) * orders;
        let (o, n) = if b % 2 == 0 {
            let o = block(&mut old, first, orders)?;
            (o, block(&mut new, first, orders)?)
        } else {
            let n = block(&mut new, first, orders)?;
            (block(&mut old, first, orders)?, n)
        };
        println!(
            "| {b} | {:.0} | {:.0} | {:.3} | {:.1} | {:.1} |",
            o.0,
            n.0,
            n.0 / o.0,
            o.1 * 1e6,
            n.1 * 1e6
        );
        rps.push(n.0 / o.0);
        if o.1 > 0.0 {
            cpu.push(n.1 / o.1);
        }
    }
    println!("# objects per fake at the end: {} customers", (blocks + 1) * orders + orders / 4 + 1);
    println!("# target: RATIO fake_registry_rps_over_before >= 0.8");
    println!("RATIO fake_registry_rps_over_before {:.3}", median(rps));
    if !cpu.is_empty() {
        println!("RATIO fake_registry_cpu_per_req_over_before {:.3}", median(cpu));
    }
    Ok(())
}
