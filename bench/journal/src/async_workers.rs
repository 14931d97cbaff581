//! W async workers (tokio tasks on one multi-threaded runtime) charging distinct orders for S
//! seconds: plain (`stripe_reqwest::Client::post`, what a service would write without the
//! journal) and journaled on PostgreSQL (`Journal::run_async`, one journal and its pool shared by
//! the tasks), in alternating rounds. The reqwest client is one per mode, shared by its tasks, as
//! a service holds one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use stripe_core::{Config, Request};
use stripe_journal::{IntentId, Journal, Run, Source};

use crate::median;

/// The async client every task of a round shares.
fn client(base_url: &str) -> Result<stripe_reqwest::Client, String> {
    let config = Config::builder("sk_test_journal_bench")
        .api_base(base_url)
        .build()
        .map_err(|e| format!("config: {e}"))?;
    stripe_reqwest::Client::try_new(config).map_err(|e| format!("client: {e}"))
}

fn params(order: &str) -> [(&'static str, &str); 4] {
    [
        ("amount", "2000"),
        ("currency", "usd"),
        ("source", "tok_visa"),
        ("metadata[order]", order),
    ]
}

async fn charge(
    client: &stripe_reqwest::Client,
    journal: Option<&Journal>,
    order: &str,
) -> Result<(), String> {
    let Some(journal) = journal else {
        let response = client
            .post("/v1/charges", &params(order))
            .await
            .map_err(|e| format!("plain charge {order}: {e}"))?;
        return if response.status() == 200 {
            Ok(())
        } else {
            Err(format!("plain charge {order}: {}", response.status()))
        };
    };
    let id = IntentId::op(format!("{order}/charge")).map_err(|e| format!("op id: {e}"))?;
    let request =
        Request::post("/v1/charges", &params(order)).map_err(|e| format!("request: {e}"))?;
    match journal.run_async(client, &id, request).await {
        Ok(Run::Done(o)) if o.status() == 200 && o.source() == Source::Stripe => Ok(()),
        other => Err(format!("journaled charge {order}: {other:?}")),
    }
}

/// One round: charges per second of all tasks together.
fn round(
    runtime: &tokio::runtime::Runtime,
    base_url: &str,
    journal: Option<&Journal>,
    (workers, secs): (usize, Duration),
    prefix: &str,
) -> Result<f64, String> {
    let client = Arc::new(client(base_url)?);
    let journal = journal.cloned().map(Arc::new);
    runtime.block_on(async {
        let start = Instant::now();
        let tasks: Vec<_> = (0..workers)
            .map(|w| {
                let (client, journal) = (Arc::clone(&client), journal.clone());
                let prefix = format!("{prefix}-a{w}");
                tokio::spawn(async move {
                    let mut k = 0usize;
                    while start.elapsed() < secs {
                        charge(&client, journal.as_deref(), &format!("{prefix}-{k}")).await?;
                        k += 1;
                    }
                    Ok::<_, String>(k)
                })
            })
            .collect();
        let mut charges = 0;
        for task in tasks {
            charges += task.await.map_err(|e| format!("a task failed: {e}"))??;
        }
        #[allow(clippy::cast_precision_loss)]
        Ok(charges as f64 / start.elapsed().as_secs_f64())
    })
}

/// The async rounds, and their ratios.
pub fn run(
    journal: &Journal,
    base_url: &str,
    (workers, secs, rounds): (usize, f64, usize),
    tag: &str,
) -> Result<Vec<(String, f64)>, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let shape = (workers, Duration::from_secs_f64(secs));
    // Warm both modes' connections.
    round(
        &runtime,
        base_url,
        None,
        (workers, Duration::from_millis(200)),
        &format!("{tag}-aw"),
    )?;
    round(
        &runtime,
        base_url,
        Some(journal),
        (workers, Duration::from_millis(200)),
        &format!("{tag}-awj"),
    )?;
    let (mut plain, mut journaled) = (Vec::new(), Vec::new());
    for r in 0..rounds {
        for with_journal in [r % 2 == 1, r % 2 == 0] {
            let prefix = format!("{tag}-ar{r}{}", if with_journal { "j" } else { "p" });
            let rate = round(
                &runtime,
                base_url,
                with_journal.then_some(journal),
                shape,
                &prefix,
            )?;
            if with_journal {
                journaled.push(rate);
            } else {
                plain.push(rate);
            }
        }
    }
    let over: Vec<f64> = journaled.iter().zip(&plain).map(|(j, p)| j / p).collect();
    println!();
    println!(
        "| {workers} async workers (tokio tasks), {secs} s x {rounds} round(s) each | charges/s |"
    );
    println!("|---|---:|");
    println!(
        "| plain (stripe-reqwest, one client) | {:.0} |",
        median(&plain)
    );
    println!(
        "| journal_postgres (run_async, one journal, its pool) | {:.0} |",
        median(&journaled)
    );
    Ok(vec![
        (
            format!("journal_postgres_{workers}_async_workers_charges_per_s"),
            median(&journaled),
        ),
        (
            format!("plain_{workers}_async_workers_charges_per_s"),
            median(&plain),
        ),
        (
            format!("journal_postgres_{workers}_async_workers_over_plain"),
            median(&over),
        ),
    ])
}
