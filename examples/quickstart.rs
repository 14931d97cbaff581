//! Quickstart: a customer, a charge whose response is lost on the way back, the retry that
//! gets Stripe's stored answer instead of charging twice, the proof, a declined card, and a
//! process that crashes after Stripe charged, restarted through the journal (`stripe-journal`).
//!
//! ```text
//! cargo run --example quickstart                                  # an embedded fake Stripe
//! STRIPE_SECRET_KEY=sk_test_... cargo run --example quickstart    # Stripe's test mode
//! ```
//! Steps 1-3 use the blocking client (`stripe-ureq`), steps 4-5 the async one
//! (`stripe-reqwest`), step 6 the journal over the blocking client (SQLite in a temporary
//! directory). It exits non-zero if anything is not as it says.

use std::process::ExitCode;

use serde_json::Value;
use std::time::Duration;
use stripe_core::{Advice, Config, Request, Response, RetryPolicy};
use stripe_fake::server::{self, ServerHandle};
use stripe_fake::{Fault, FaultPlan, Rule};
use stripe_journal::{IntentId, Journal, JournalError, Policy};

type Error = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nquickstart FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Fails the example with `message` unless `ok`.
fn check(ok: bool, message: &str) -> Result<(), Error> {
    if ok { Ok(()) } else { Err(message.into()) }
}

fn field<'a>(response: &'a Response, name: &str) -> &'a str {
    response
        .json()
        .and_then(|v| v.get(name))
        .and_then(Value::as_str)
        .unwrap_or("?")
}

/// With the fake only: a fault on the next `POST /v1/charges`.
fn fault_next_charge(fake: Option<&ServerHandle>, fault: Fault) {
    if let Some(fake) = fake {
        let rule = Rule::new(fault)
            .method(http::Method::POST)
            .path("/v1/charges");
        fake.set_plan(FaultPlan::new().rule(rule));
    }
}

fn run() -> Result<(), Error> {
    // The default retry table, with the official SDKs' 0.5 s backoff to keep the demo short.
    let policy = RetryPolicy::default().with_backoff(RetryPolicy::official().backoff);
    let key = std::env::var("STRIPE_SECRET_KEY")
        .ok()
        .filter(|k| !k.is_empty());
    let (config, fake) = match key {
        Some(key) if key.contains("_live_") => {
            return Err("STRIPE_SECRET_KEY is a live key: this demo makes charges, \
                        so it only runs with a test-mode key (sk_test_...)"
                .into());
        }
        Some(key) => {
            println!("Running against Stripe's test mode (STRIPE_SECRET_KEY is set).");
            (Config::builder(key).policy(policy).build()?, None)
        }
        None => {
            let fake = server::start()?;
            println!(
                "No STRIPE_SECRET_KEY set: running against the embedded fake Stripe at {}\n\
                 (set STRIPE_SECRET_KEY=sk_test_... to use Stripe's test mode instead).",
                fake.base_url()
            );
            let config = Config::builder("sk_test_quickstart_demo_key")
                .api_base(fake.base_url())
                .policy(policy)
                .build()?;
            (config, Some(fake))
        }
    };
    let blocking = stripe_ureq::Client::new(config.clone());

    println!("\n1. Create a customer (blocking client, stripe-ureq).");
    // A card on file: Stripe (and the fake) refuse to charge a customer without one.
    let params = vec![
        ("name", "Ada Lovelace"),
        ("email", "ada@example.com"),
        ("source", "tok_visa"),
    ];
    let customer = blocking.post("/v1/customers", &params)?;
    check(customer.is_success(), "the customer was not created")?;
    let customer_id = field(&customer, "id").to_owned();
    println!(
        "   {customer_id} created (request {})",
        customer.request_id().unwrap_or("?")
    );

    println!("\n2. Charge them $20.00.");
    let charge_params = [
        ("amount", "2000"),
        ("currency", "usd"),
        ("customer", customer_id.as_str()),
        ("description", "quickstart order #1"),
    ];
    fault_next_charge(fake.as_ref(), Fault::DropAfter);
    let prepared = blocking.prepare(Request::post("/v1/charges", &charge_params)?)?;
    let key = prepared
        .idempotency_key()
        .ok_or("a POST has a key")?
        .clone();
    println!("   idempotency key {key} (known before sending: persist it first)");
    let charge = match &fake {
        Some(fake) => {
            println!("   The fake will execute the charge, then drop the connection (drop_after).");
            let charge = prepared.run()?;
            for (n, entry) in fake
                .log()
                .iter()
                .filter(|e| e.idempotency_key.as_deref() == Some(key.as_str()))
                .enumerate()
            {
                match entry.status {
                    None => println!(
                        "   attempt {}: the charge was made, but the answer was lost (connection dropped)",
                        n + 1
                    ),
                    Some(status) => println!(
                        "   attempt {}: same key -> {status}, idempotent-replayed: {}",
                        n + 1,
                        entry.replayed
                    ),
                }
            }
            check(charge.attempts() == 2, "expected two attempts")?;
            charge
        }
        None => {
            // Stripe will not lose a response on demand: send the same request again with the
            // same key, as the retry after a lost response would.
            let first = prepared.run()?;
            println!(
                "   attempt 1: {}; suppose that answer was lost on the way back",
                first.status()
            );
            let again =
                Request::post("/v1/charges", &charge_params)?.with_idempotency_key(key.clone())?;
            let charge = blocking.send(again)?;
            println!(
                "   retry with the same key -> {}, idempotent-replayed: {}",
                charge.status(),
                charge.is_replayed()
            );
            check(
                field(&first, "id") == field(&charge, "id"),
                "the replay is another charge",
            )?;
            charge
        }
    };
    check(
        charge.is_success() && charge.is_replayed(),
        "expected a replayed 2xx",
    )?;
    let charge_id = field(&charge, "id").to_owned();
    println!(
        "   result: {charge_id}, {}, after {} attempt(s), replayed = {}",
        field(&charge, "status"),
        charge.attempts(),
        charge.is_replayed()
    );

    println!("\n3. Exactly one charge? GET /v1/charges?customer={customer_id}");
    let list = blocking.get(&format!("/v1/charges?customer={customer_id}"))?;
    let ids: Vec<&str> = list
        .json()
        .and_then(|v| v["data"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str())
        .collect();
    println!("   {} charge(s): {}", ids.len(), ids.join(", "));
    check(ids == [charge_id.as_str()], "not exactly one charge")?;

    // The async half: the same core, driven by stripe-reqwest on a Tokio runtime.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async_half(config.clone(), fake.as_ref(), &customer_id))?;

    crash_and_restart(&blocking, fake.as_ref(), &customer_id)?;

    println!("\nAll checked: every payment was charged once, lost answers included.");
    Ok(())
}

/// Step 6: the process dies after Stripe charged and before it wrote the outcome down; the
/// restarted process runs the same order through the journal and gets that one charge.
fn crash_and_restart(
    client: &stripe_ureq::Client,
    fake: Option<&ServerHandle>,
    customer: &str,
) -> Result<(), Error> {
    let dir = std::env::temp_dir().join(format!("stripe-quickstart-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = format!("sqlite:{}", dir.join("journal.db").display());
    // An operation id the caller owns: unique per order (here, per run of the demo).
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let id = IntentId::op(format!("quickstart-{nonce}/order-3/charge"))?;
    let request = Request::post(
        "/v1/charges",
        &[
            ("amount", "3000"),
            ("currency", "usd"),
            ("customer", customer),
            ("description", "quickstart order #3"),
        ],
    )?;
    // A short lease, so a restart never waits long for a dead process's.
    let lease = Policy::new().with_lease(Duration::from_secs(1));
    println!("\n6. A crash after Stripe charged, then a restart (stripe-journal, {db}).");

    // The first process: the journal writes the claim (its key) to disk before any byte leaves,
    // sends once, and the answer never comes back: the process dies with the outcome unknown.
    let first = Journal::open(&db)?.with_policy(lease);
    let once = RetryPolicy::default().with_max_tries(1);
    fault_next_charge(fake, Fault::DropAfter);
    match first.run(client, &id, request.clone().with_policy(once)?) {
        Err(JournalError::Stripe { .. }) => println!(
            "   process 1: the fake charged, then dropped the connection; the process dies"
        ),
        Ok(run) => println!("   process 1: {run:?}; the process dies"),
        Err(e) => return Err(e.into()),
    }
    let claimed = first.load(&id)?.ok_or("the claim is on disk")?;
    println!(
        "   process 1 left {id} {} with key {} (durable)",
        claimed.state().kind().as_str(),
        claimed.key()
    );
    drop(first); // the crash

    // The restart: the same order, through the journal (waiting out a live lease, if any).
    let journal = Journal::open(&db)?.with_policy(lease);
    let outcome = journal
        .run_waiting(client, &id, request.clone(), 5)?
        .into_outcome(&id)?;
    println!(
        "   process 2: {} {} ({:?}: resumed with the same key, Stripe replayed its answer)",
        outcome.status(),
        outcome.object_id().unwrap_or("?"),
        outcome.source()
    );
    let list = client.get(&format!("/v1/charges?customer={customer}&limit=100"))?;
    let tagged: Vec<&str> = list
        .json()
        .and_then(|v| v["data"].as_array())
        .into_iter()
        .flatten()
        .filter(|c| c["metadata"]["op"] == id.op_id())
        .filter_map(|c| c["id"].as_str())
        .collect();
    println!(
        "   charges of {id} (metadata[op]): {} -> {}",
        tagged.len(),
        tagged.join(", ")
    );
    let _ = std::fs::remove_dir_all(&dir);
    check(
        tagged.len() == 1 && Some(tagged[0]) == outcome.object_id(),
        "the crash and restart did not end with exactly one charge",
    )?;
    println!("   exactly one charge, though the process died after Stripe charged.");
    Ok(())
}

async fn async_half(
    config: Config,
    fake: Option<&ServerHandle>,
    customer: &str,
) -> Result<(), Error> {
    let client = stripe_reqwest::Client::new(config);

    println!("\n4. A second order with the async client (stripe-reqwest).");
    fault_next_charge(fake, Fault::status(503));
    if fake.is_some() {
        println!("   The fake answers 503 before doing anything; the client waits and retries.");
    }
    let params = [
        ("amount", "1500"),
        ("currency", "usd"),
        ("customer", customer),
        ("description", "quickstart order #2"),
    ];
    let second = client.post("/v1/charges", &params).await?;
    check(second.is_success(), "the second charge failed")?;
    println!(
        "   {} after {} attempt(s), both with key {}",
        field(&second, "id"),
        second.attempts(),
        second.idempotency_key().map_or("?", |k| k.as_str())
    );
    let list = client
        .get(&format!("/v1/charges?customer={customer}"))
        .await?;
    let count = list
        .json()
        .and_then(|v| v["data"].as_array())
        .map_or(0, Vec::len);
    println!("   the customer now has {count} charges (one per order)");
    check(count == 2, "expected exactly two charges")?;

    println!("\n5. A declined card (source=tok_chargeDeclined).");
    let declined = client
        .post(
            "/v1/charges",
            &[
                ("amount", "2000"),
                ("currency", "usd"),
                ("source", "tok_chargeDeclined"),
            ],
        )
        .await?;
    let error = declined.error().unwrap_or_default();
    println!(
        "   {} {}: {}",
        declined.status(),
        error.kind,
        error.message.as_deref().unwrap_or("?")
    );
    println!("   advice: {}", declined.advice().describe());
    check(
        declined.status() == 402 && declined.advice() == Advice::NewKeyAfterCustomerAction,
        "expected a 402 card error",
    )?;
    Ok(())
}
