//! Chaos: worker processes charge orders against a faulty fake Stripe while this test (the
//! supervisor) SIGKILLs them at random moments and restarts them. With the journal, every order
//! ends with exactly one succeeded charge and every intent done; without it (the control),
//! duplicates appear.
//!
//! Sizes: `CHAOS_ORDERS` (default 100) and `CHAOS_KILLS` (default 20, per store); `CHAOS_SEED`
//! fixes the randomness (printed). PostgreSQL: `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), a schema of its own per run, dropped at the end;
//! without a server the fleet test prints SKIPPED, and fails under `CI=true`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use stripe_fake::server::{self, ServerHandle, ServerOptions};
use stripe_fake::{Fault, FaultPlan, RandomFaults};
use stripe_journal::{Journal, StateKind};

/// How long one chaos run may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(150);

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small seeded generator (xorshift64*): the supervisor's kill times and victims.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn seed() -> u64 {
    std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(7, |d| d.as_nanos() as u64)
        })
}

/// A fake Stripe whose every request may get a fault: lost answers after charging, hangs,
/// 500 after charging, 503 and 429 before.
fn faulty_fake(seed: u64) -> ServerHandle {
    let faults = RandomFaults::new(seed)
        .with(Fault::DropAfter, 0.12)
        .with(Fault::Hang, 0.03)
        .with(Fault::ErrorAfter { should_retry: None }, 0.03)
        .with(Fault::status(503), 0.05)
        .with(Fault::status(429), 0.05);
    let options = ServerOptions {
        plan: FaultPlan::new().random(faults),
        seed,
        ..ServerOptions::default()
    };
    server::start_with(options).expect("start the fake")
}

fn orders(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("order-{i}")).collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "stripe-chaos-{name}-{}-{}",
        std::process::id(),
        seed()
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn write_queue(path: &Path, orders: &[String]) {
    std::fs::write(path, orders.join("\n")).expect("queue file");
}

/// What the supervisor does to the workers besides SIGKILL.
#[derive(Clone, Copy)]
struct Mischief {
    /// SIGSTOP a random worker this many times, each for 0.2..4 s (beyond the 1.5 s lease, often),
    /// then SIGCONT it.
    stops: usize,
    /// Something to run about every second while the workers run (the connection killer).
    every_second: Option<&'static (dyn Fn() + Sync)>,
}

/// Sends `signal` (`STOP`, `CONT`) to a process.
fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status();
    assert!(status.is_ok_and(|s| s.success()), "kill -{signal}");
}

/// Runs the workers to their end while killing one at random every 10..120 ms until `kills`
/// kills were made (a killed or failed worker is restarted at once), and pausing one now and
/// then. Returns the kills and the pauses made.
fn supervise(
    commands: &[Command],
    kills: usize,
    rng: &mut Rng,
    mischief: Mischief,
) -> (usize, usize) {
    let spawn = |i: usize| -> Child {
        let mut c = Command::new(commands[i].get_program());
        c.args(commands[i].get_args())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        c.spawn().expect("spawn a worker")
    };
    let mut children: Vec<Option<Child>> = (0..commands.len()).map(|i| Some(spawn(i))).collect();
    let started = Instant::now();
    let mut killed = 0;
    let (mut stopped, mut paused): (Vec<Option<Instant>>, usize) = (vec![None; commands.len()], 0);
    let mut last_mischief = Instant::now();
    loop {
        for (i, until) in stopped.iter_mut().enumerate() {
            if until.is_some_and(|u| Instant::now() >= u) {
                if let Some(child) = children[i].as_ref() {
                    signal(child, "CONT");
                }
                *until = None;
            }
        }
        if let Some(f) = mischief.every_second
            && last_mischief.elapsed() > Duration::from_secs(1)
        {
            f();
            last_mischief = Instant::now();
        }
        for (i, slot) in children.iter_mut().enumerate() {
            if let Some(child) = slot {
                match child.try_wait().expect("wait") {
                    Some(status) if status.success() => *slot = None,
                    Some(status) => {
                        eprintln!("worker {i} ended with {status}: restarted");
                        *slot = Some(spawn(i));
                    }
                    None => {}
                }
            }
        }
        let live: Vec<usize> = (0..children.len())
            .filter(|i| children[*i].is_some())
            .collect();
        if live.is_empty() {
            return (killed, paused);
        }
        if started.elapsed() > DEADLINE {
            for child in children.iter_mut().flatten() {
                signal(child, "CONT");
                let _ = child.kill();
                let _ = child.wait();
            }
            panic!("the workers did not finish within {DEADLINE:?} ({killed} kills)");
        }
        std::thread::sleep(Duration::from_millis(10 + rng.below(110)));
        if killed < kills {
            let victim = live[rng.below(live.len() as u64) as usize];
            if let Some(child) = children[victim].as_mut() {
                // SIGKILL: no destructor, no flush, no goodbye.
                if child.kill().is_ok() {
                    let _ = child.wait();
                    killed += 1;
                    stopped[victim] = None;
                    children[victim] = Some(spawn(victim));
                }
            }
        }
        if paused < mischief.stops && rng.below(4) == 0 {
            let victim = live[rng.below(live.len() as u64) as usize];
            if let (Some(child), None) = (children[victim].as_ref(), stopped[victim]) {
                // SIGSTOP: the process is frozen mid-step, its lease runs out, others take over;
                // SIGCONT later, and it must send nothing it no longer holds.
                signal(child, "STOP");
                stopped[victim] =
                    Some(Instant::now() + Duration::from_millis(200 + rng.below(3800)));
                paused += 1;
            }
        }
    }
}

/// Succeeded charges per order (`metadata[order]`).
fn charges_per_order(fake: &ServerHandle) -> HashMap<String, usize> {
    fake.with_model(|m| {
        let mut counts = HashMap::new();
        for charge in m.charges() {
            if charge["status"] == "succeeded"
                && let Some(order) = charge["metadata"]["order"].as_str()
            {
                *counts.entry(order.to_owned()).or_insert(0) += 1;
            }
        }
        counts
    })
}

/// (duplicates, lost) over `orders`, and the line the test prints.
fn figures(fake: &ServerHandle, orders: &[String], kills: usize, what: &str) -> (usize, usize) {
    let counts = charges_per_order(fake);
    let duplicates: usize = orders
        .iter()
        .map(|o| counts.get(o).copied().unwrap_or(0).saturating_sub(1))
        .sum();
    let lost = orders.iter().filter(|o| !counts.contains_key(*o)).count();
    println!(
        "{what}: {} orders, {kills} kills, {duplicates} duplicates, {lost} lost",
        orders.len()
    );
    (duplicates, lost)
}

fn client(fake: &ServerHandle) -> stripe_ureq::Client {
    let config = stripe_core::Config::builder("sk_test_chaos")
        .api_base(fake.base_url())
        .policy(
            stripe_core::RetryPolicy::default()
                .with_attempt_timeout(Some(Duration::from_millis(300)))
                .with_backoff(stripe_core::Backoff::Fixed(Duration::from_millis(50))),
        )
        .build()
        .expect("config");
    stripe_ureq::Client::new(config)
}

/// Recovery after the chaos, then: every intent done, none in flight or left to settle.
fn recover_and_check(fake: &ServerHandle, db: &str, n: usize) {
    let journal = Journal::open(db)
        .expect("open the journal")
        .with_search_lag(Duration::ZERO);
    let client = client(fake);
    for _ in 0..20 {
        let report = journal.recover(&client, 10 * n + 100).expect("recover");
        println!("recovery: {report}");
        if report.total() == 0 {
            break;
        }
        if report.busy() + report.unsettled() + report.unfinished() > 0 {
            // A killed worker's lease, or a key that may still execute: wait, then again.
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    let count = |kind| journal.list(kind, n + 1).expect("list").len();
    assert_eq!(count(StateKind::Done), n, "every intent done");
    for kind in [
        StateKind::Claimed,
        StateKind::Sent,
        StateKind::Failed,
        StateKind::ToReconcile,
    ] {
        assert_eq!(count(kind), 0, "no intent {}", kind.as_str());
    }
}

/// Connections ended by the connection killer.
static TERMINATED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Ends every connection whose `application_name` is `app` (the fleet's), from a connection of
/// its own; how many were ended.
fn terminate_connections(base: &str, app: &str) -> usize {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let Ok((client, connection)) = tokio_postgres::connect(base, tokio_postgres::NoTls).await
        else {
            return 0;
        };
        tokio::spawn(connection);
        client
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                &[&app],
            )
            .await
            .map_or(0, |rows| rows.len())
    })
}

fn worker() -> &'static str {
    env!("CARGO_BIN_EXE_chaos_worker")
}

/// (a) Two worker processes on one SQLite file, each order handed to both.
#[test]
fn sqlite_workers_under_sigkill_and_sigstop_charge_every_order_once() {
    let (n, k, seed) = (
        env_number("CHAOS_ORDERS", 100),
        env_number("CHAOS_KILLS", 20),
        seed(),
    );
    println!("seed {seed}");
    let fake = faulty_fake(seed);
    let dir = scratch("sqlite");
    let db = format!("sqlite:{}", dir.join("journal.db").display());
    let orders = orders(n);
    let mut rng = Rng::new(seed);
    let commands: Vec<Command> = (0..2)
        .map(|w| {
            let mut mine = orders.clone();
            if w == 1 {
                mine.reverse();
            }
            let queue = dir.join(format!("queue-{w}"));
            write_queue(&queue, &mine);
            let mut cmd = Command::new(worker());
            cmd.arg("journal")
                .args(["--api-base", &fake.base_url(), "--db", &db])
                .arg("--queue")
                .arg(queue);
            cmd
        })
        .collect();
    let mischief = Mischief {
        stops: k / 2,
        every_second: None,
    };
    let (kills, pauses) = supervise(&commands, k, &mut rng, mischief);
    recover_and_check(&fake, &db, n);
    let what = format!("sqlite, 2 workers, {pauses} SIGSTOPs");
    let (duplicates, lost) = figures(&fake, &orders, kills, &what);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(kills >= k, "only {kills} kills: the workers finished first");
    assert_eq!((duplicates, lost), (0, 0));
}

/// (c) The control: the same chaos without the journal (a new key per run, a file of
/// finished orders) charges some orders twice.
#[test]
fn control_without_the_journal_charges_twice() {
    let (n, k, seed) = (
        env_number("CHAOS_ORDERS", 100),
        env_number("CHAOS_KILLS", 20),
        seed().wrapping_add(1),
    );
    println!("seed {seed}");
    let fake = faulty_fake(seed);
    let dir = scratch("control");
    let queue = dir.join("queue");
    let orders = orders(n);
    write_queue(&queue, &orders);
    let mut cmd = Command::new(worker());
    cmd.arg("plain")
        .args(["--api-base", &fake.base_url()])
        .arg("--done-file")
        .arg(dir.join("done"))
        .arg("--queue")
        .arg(&queue);
    let mischief = Mischief {
        stops: k / 2,
        every_second: None,
    };
    let (kills, _) = supervise(&[cmd], k, &mut Rng::new(seed), mischief);
    let (duplicates, lost) = figures(&fake, &orders, kills, "control, no journal");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(lost, 0, "the control loses nothing, it only repeats");
    assert!(duplicates > 0, "the control should show duplicates");
}

/// (b) A fleet: 4 workers share one PostgreSQL schema and one queue in which every order is
/// handed to two workers (a re-delivering queue).
#[test]
fn postgres_fleet_under_sigkill_charges_every_order_once() {
    let (n, k, seed) = (
        env_number("CHAOS_ORDERS", 100),
        env_number("CHAOS_KILLS", 20),
        seed().wrapping_add(2),
    );
    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let schema = format!("chaos_{}_{}", std::process::id(), seed % 1_000_000);
    let sep = if base.contains('?') { '&' } else { '?' };
    let db = format!("{base}{sep}journal_schema={schema}&application_name={schema}");
    let store = match stripe_journal::PgStore::connect(&base, &schema) {
        Ok(store) => store,
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("PostgreSQL at DATABASE_URL is required under CI: {e}")
        }
        Err(e) => {
            eprintln!("\n*** SKIPPED postgres fleet chaos: no PostgreSQL ({e}) ***\n");
            return;
        }
    };
    println!("seed {seed}, schema {schema}");
    let fake = faulty_fake(seed);
    let dir = scratch("fleet");
    let orders = orders(n);
    let mut rng = Rng::new(seed);
    let workers = 4;
    let commands: Vec<Command> = (0..workers)
        .map(|w| {
            let mut mine: Vec<String> = orders
                .iter()
                .enumerate()
                .filter(|(i, _)| i % workers == w || i % workers == (w + 1) % workers)
                .map(|(_, o)| o.clone())
                .collect();
            for i in (1..mine.len()).rev() {
                mine.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let queue = dir.join(format!("queue-{w}"));
            write_queue(&queue, &mine);
            let mut cmd = Command::new(worker());
            cmd.arg("journal")
                .args(["--api-base", &fake.base_url(), "--db", &db])
                .arg("--queue")
                .arg(queue);
            if w == 3 {
                // One machine of the fleet whose clock is 3 s behind the database's.
                cmd.args(["--store-ahead-ms", "3000"]);
            }
            cmd
        })
        .collect();
    // Every second, the database ends every connection of the fleet (pg_terminate_backend).
    let killer: &'static (dyn Fn() + Sync) = Box::leak(Box::new({
        let (base, schema) = (base.clone(), schema.clone());
        move || {
            let ended = terminate_connections(&base, &schema);
            TERMINATED.fetch_add(ended, std::sync::atomic::Ordering::Relaxed);
        }
    }));
    let mischief = Mischief {
        stops: k / 2,
        every_second: Some(killer),
    };
    let (kills, pauses) = supervise(&commands, k, &mut rng, mischief);
    recover_and_check(&fake, &db, n);
    let terminated = TERMINATED.load(std::sync::atomic::Ordering::Relaxed);
    assert!(terminated > 0, "no connection was terminated");
    let what = format!(
        "postgres, 4 workers (one 3 s skewed), {pauses} SIGSTOPs, {terminated} connections terminated"
    );
    let (duplicates, lost) = figures(&fake, &orders, kills, &what);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = store.drop_schema();
    assert!(kills >= k, "only {kills} kills: the workers finished first");
    assert_eq!((duplicates, lost), (0, 0));
}
