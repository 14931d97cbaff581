//! The worker `tests/chaos.rs` starts, kills (SIGKILL) at random moments and restarts: it
//! charges each order of its queue file once, against the API base it is given.
//!
//! ```text
//! chaos_worker journal --api-base URL --db sqlite:PATH|postgres://... --queue FILE
//!                      [--store-ahead-ms N]
//! chaos_worker plain   --api-base URL --done-file FILE --queue FILE
//! ```
//! `journal`: each order runs through `stripe_journal::Journal::run` (operation `<order>/charge`).
//! `plain`, the control: a new idempotency key per run and a file of finished orders, as a job
//! without the journal would do it. The queue file holds one order id per line; an order that
//! did not finish (busy elsewhere, no response) goes to the back of the queue. Exits 0 once
//! every order has a successful charge, 2 on bad arguments. `--store-ahead-ms N` makes this
//! worker's clock N ms behind its store's (a skewed machine of the fleet): the journal judges
//! leases and key ages on the store's clock, and refuses to work past `Policy::max_skew`.

use std::collections::{HashSet, VecDeque};
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use stripe_core::{Backoff, Config, Request, RetryPolicy};
use stripe_journal::store::{Cursor, Loaded, Page};
use stripe_journal::{Intent, IntentId, Journal, JournalError, Policy, Run, StateKind, Store};

/// The lease the chaos uses: short, so a killed worker's orders are taken over soon.
const LEASE: Duration = Duration::from_millis(1500);

struct Args {
    mode: String,
    api_base: String,
    db: Option<String>,
    done_file: Option<String>,
    queue: String,
    store_ahead: Duration,
}

fn args() -> Result<Args, String> {
    let mut argv = std::env::args().skip(1);
    let mode = argv.next().ok_or("mode: journal or plain")?;
    let (mut api_base, mut db, mut done_file, mut queue) = (None, None, None, None);
    let mut store_ahead = Duration::ZERO;
    while let Some(flag) = argv.next() {
        let value = argv.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--api-base" => api_base = Some(value),
            "--db" => db = Some(value),
            "--done-file" => done_file = Some(value),
            "--queue" => queue = Some(value),
            "--store-ahead-ms" => {
                let ms = value
                    .parse()
                    .map_err(|_| format!("--store-ahead-ms: {value:?}"))?;
                store_ahead = Duration::from_millis(ms);
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(Args {
        mode,
        api_base: api_base.ok_or("--api-base is required")?,
        db,
        done_file,
        queue: queue.ok_or("--queue is required")?,
        store_ahead,
    })
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("chaos_worker: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chaos_worker: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    // Short attempts and waits: a hanging request is cut after 300 ms, retried twice.
    let policy = RetryPolicy::default()
        .with_max_tries(3)
        .with_attempt_timeout(Some(Duration::from_millis(300)))
        .with_backoff(Backoff::Fixed(Duration::from_millis(100)));
    let config = Config::builder("sk_test_chaos")
        .api_base(args.api_base.as_str())
        .policy(policy)
        .build()?;
    let client = stripe_ureq::Client::new(config);
    let mut queue: VecDeque<String> = std::fs::read_to_string(&args.queue)?
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    match args.mode.as_str() {
        "journal" => {
            let db = args.db.as_deref().ok_or("--db is required")?;
            let (store, _) = stripe_journal::open_store(db)?;
            let journal = Journal::new(Ahead {
                store,
                by: args.store_ahead,
            })?
            .with_policy(Policy::new().with_lease(LEASE));
            while let Some(order) = queue.pop_front() {
                let id = IntentId::op(format!("{order}/charge"))?;
                match journal.run(&client, &id, charge(&order)?) {
                    Ok(Run::Done(outcome)) if outcome.is_success() => {}
                    // Another holder has it, or its outcome is not settled yet: later.
                    Ok(Run::Done(_) | Run::Busy { .. } | Run::Unsettled { .. }) => {
                        requeue(&mut queue, order);
                    }
                    // No answer (the key is kept), or taken over by another holder: later.
                    Err(JournalError::Stripe { .. } | JournalError::LeaseLost { .. }) => {
                        requeue(&mut queue, order);
                    }
                    Ok(run) => {
                        return Err(run
                            .into_outcome(&id)
                            .err()
                            .map_or_else(|| "an unexpected run".into(), |e| e.into()));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        "plain" => {
            let path = args.done_file.as_deref().ok_or("--done-file is required")?;
            let done: HashSet<String> = std::fs::read_to_string(path)
                .unwrap_or_default()
                .lines()
                .map(str::to_owned)
                .collect();
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            while let Some(order) = queue.pop_front() {
                if done.contains(&order) {
                    continue;
                }
                match client.send(charge(&order)?) {
                    Ok(response) if response.is_success() => {
                        writeln!(file, "{order}")?;
                        file.sync_data()?;
                    }
                    _ => requeue(&mut queue, order),
                }
            }
        }
        other => return Err(format!("unknown mode {other}").into()),
    }
    Ok(())
}

fn requeue(queue: &mut VecDeque<String>, order: String) {
    queue.push_back(order);
    std::thread::sleep(Duration::from_millis(20));
}

fn charge(order: &str) -> Result<Request, stripe_core::RequestError> {
    Request::post(
        "/v1/charges",
        &[
            ("amount", "1000"),
            ("currency", "usd"),
            ("source", "tok_visa"),
            ("metadata[order]", order),
        ],
    )
}

/// The store as a machine whose clock is `by` behind the store's sees it.
struct Ahead {
    store: std::sync::Arc<dyn Store>,
    by: Duration,
}

impl Store for Ahead {
    fn load(&self, id: &IntentId) -> Result<Loaded, JournalError> {
        let loaded = self.store.load(id)?;
        Ok(Loaded::new(loaded.row().cloned(), loaded.now() + self.by))
    }
    fn insert(&self, intent: &Intent) -> Result<bool, JournalError> {
        self.store.insert(intent)
    }
    fn compare_and_set(&self, row: &Intent, expected: u64) -> Result<bool, JournalError> {
        self.store.compare_and_set(row, expected)
    }
    fn clock(&self) -> Result<SystemTime, JournalError> {
        Ok(self.store.clock()? + self.by)
    }
    fn sweep(&self, now: SystemTime, after: &Cursor, limit: usize) -> Result<Page, JournalError> {
        self.store.sweep(now, after, limit)
    }
    fn list(&self, kind: StateKind, after: &Cursor, limit: usize) -> Result<Page, JournalError> {
        self.store.list(kind, after, limit)
    }
    fn prune(&self, before: SystemTime) -> Result<u64, JournalError> {
        self.store.prune(before)
    }
    fn namespace(&self) -> Result<String, JournalError> {
        self.store.namespace()
    }
}
