//! One charge, plain or journaled, and timed blocks of them.

use std::time::{Duration, Instant};

use stripe_core::{Config, Request};
use stripe_journal::{IntentId, Journal, Source};

use crate::SyncProbe;

/// The client every mode uses: the fake's base URL, default retry policy.
pub fn client(base_url: &str) -> Result<stripe_ureq::Client, String> {
    let config = Config::builder("sk_test_journal_bench")
        .api_base(base_url)
        .build()
        .map_err(|e| format!("config: {e}"))?;
    stripe_ureq::Client::try_new(config).map_err(|e| format!("client: {e}"))
}

/// The charge's parameters (the journal adds `metadata[op]` to them).
fn params(order: &str) -> [(&'static str, &str); 4] {
    [
        ("amount", "2000"),
        ("currency", "usd"),
        ("source", "tok_visa"),
        ("metadata[order]", order),
    ]
}

/// A plain charge: `client.post("/v1/charges", ...)` with the client's own key.
pub fn plain(client: &stripe_ureq::Client, order: &str) -> Result<(), String> {
    let response = client
        .post("/v1/charges", &params(order))
        .map_err(|e| format!("plain charge {order}: {e}"))?;
    if response.status() == 200 {
        Ok(())
    } else {
        Err(format!(
            "plain charge {order}: status {}",
            response.status()
        ))
    }
}

/// A journaled charge: `journal.run(&client, &op, request)`, operation `<order>/charge`.
pub fn journaled(
    journal: &Journal,
    client: &stripe_ureq::Client,
    order: &str,
) -> Result<(), String> {
    let id = IntentId::op(format!("{order}/charge")).map_err(|e| format!("op id: {e}"))?;
    let request =
        Request::post("/v1/charges", &params(order)).map_err(|e| format!("request: {e}"))?;
    let outcome = journal
        .run(client, &id, request)
        .and_then(|run| run.into_outcome(&id))
        .map_err(|e| format!("journaled charge {order}: {e}"))?;
    if outcome.status() == 200 && outcome.source() == Source::Stripe {
        Ok(())
    } else {
        Err(format!(
            "journaled charge {order}: status {} from {:?}",
            outcome.status(),
            outcome.source()
        ))
    }
}

/// How a block charges: plain, or through one journal.
#[derive(Clone, Copy)]
pub enum Mode<'a> {
    /// `client.post`.
    Plain,
    /// `journal.run`.
    Journal(&'a Journal),
    /// No charge: two durable appends to a file (what the journal's two writes cost bare).
    TwoSyncs(&'a SyncProbe),
}

/// `n` sequential charges of orders `<prefix>-0..n`; the wall time they took.
pub fn block(
    mode: Mode<'_>,
    client: &stripe_ureq::Client,
    prefix: &str,
    n: usize,
) -> Result<Duration, String> {
    let start = Instant::now();
    for i in 0..n {
        let order = format!("{prefix}-{i}");
        match mode {
            Mode::Plain => plain(client, &order)?,
            Mode::Journal(journal) => journaled(journal, client, &order)?,
            Mode::TwoSyncs(probe) => {
                probe.write()?;
                probe.write()?;
            }
        }
    }
    Ok(start.elapsed())
}
