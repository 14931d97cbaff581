//! `journal-bench`: what the durable intent journal costs a charge, against the fake Stripe
//! (a child process, `journal-fake`).
//!
//! ```text
//! journal-bench [--quick] [--n N] [--blocks B] [--workers W] [--worker-secs S] [--rounds R]
//!               [--commit-charges M] [--database-url URL] [--dir DIR]
//! journal-bench --fsyncs N [--dir DIR]     N journaled charges on SQLite, nothing printed but
//!                                          a count (bench/journal.sh runs it under strace)
//! journal-bench --async-only [--workers W] [--worker-secs S] [--rounds R] [--database-url URL]
//!                                          only the async workers on PostgreSQL and their
//!                                          RATIO lines (to look at one figure quickly)
//! ```
//! Plain (`client.post`), journaled on SQLite and journaled on PostgreSQL run in alternating
//! blocks of N sequential charges (the order rotates per block); the ratios are medians of the
//! per-block ratios. PostgreSQL's transactions and row writes per charge come from
//! `pg_stat_database` of a database of the bench's own; then W workers charge in parallel for
//! S seconds, plain and journaled on PostgreSQL in alternating rounds, as threads (blocking
//! `run`) and as tokio tasks (`run_async` over one journal and its pool).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use stripe_bench_journal::async_workers;
use stripe_bench_journal::charge::{self, Mode};
use stripe_bench_journal::fake::FakeChild;
use stripe_bench_journal::pg::BenchDb;
use stripe_bench_journal::{SyncProbe, median, run_tag};
use stripe_journal::Journal;

struct Args {
    n: usize,
    blocks: usize,
    workers: usize,
    worker_secs: f64,
    rounds: usize,
    commit_charges: usize,
    database_url: String,
    dir: Option<PathBuf>,
    fsyncs: Option<usize>,
    async_only: bool,
}

fn parse() -> Result<Args, String> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let quick = raw.iter().any(|a| a == "--quick");
    let mut args = Args {
        n: if quick { 10 } else { 25 },
        blocks: if quick { 4 } else { 12 },
        workers: 4,
        worker_secs: if quick { 1.0 } else { 2.5 },
        rounds: if quick { 1 } else { 2 },
        commit_charges: if quick { 40 } else { 200 },
        database_url: std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned()),
        dir: None,
        fsyncs: None,
        async_only: false,
    };
    let mut it = raw.into_iter();
    while let Some(flag) = it.next() {
        if flag == "--quick" {
            continue;
        }
        if flag == "--async-only" {
            args.async_only = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let count = || {
            value
                .parse::<usize>()
                .ok()
                .filter(|&v| v > 0)
                .ok_or_else(|| format!("{flag}: expected a positive integer, got {value:?}"))
        };
        match flag.as_str() {
            "--n" => args.n = count()?,
            "--blocks" => args.blocks = count()?,
            "--workers" => args.workers = count()?,
            "--rounds" => args.rounds = count()?,
            "--commit-charges" => args.commit_charges = count()?,
            "--fsyncs" => args.fsyncs = Some(count()?),
            "--worker-secs" => {
                args.worker_secs = value
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0)
                    .ok_or_else(|| format!("--worker-secs: expected seconds, got {value:?}"))?;
            }
            "--database-url" => args.database_url = value,
            "--dir" => args.dir = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    Ok(args)
}

/// A directory of the run's own for the SQLite file, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new(parent: Option<&Path>, tag: &str) -> Result<Self, String> {
        let parent = parent.map_or_else(std::env::temp_dir, Path::to_path_buf);
        let dir = parent.join(format!("stripe-journal-bench-{tag}"));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("journal-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse()?;
    let tag = run_tag();
    let fake = FakeChild::start()?;
    let client = charge::client(fake.base_url())?;
    let dir = TempDir::new(args.dir.as_deref(), &tag)?;
    let sqlite_url = format!("sqlite:{}", dir.0.join("journal.db").display());
    let sqlite = Journal::open(&sqlite_url).map_err(|e| format!("{sqlite_url}: {e}"))?;
    if let Some(n) = args.fsyncs {
        charge::block(Mode::Journal(&sqlite), &client, &format!("{tag}-fsync"), n)?;
        println!("journaled {n} charges on SQLite");
        return Ok(());
    }
    let mut db = match BenchDb::create(&args.database_url) {
        Ok(db) => Some(db),
        Err(e) => {
            let bar = "=".repeat(72);
            eprintln!("{bar}\nSKIPPED: the PostgreSQL parts: {e}\n{bar}");
            None
        }
    };
    println!(
        "# journal bench: {} blocks of {} sequential charges per mode, order rotated per block; fake Stripe in a child process",
        args.blocks, args.n
    );
    if args.async_only {
        let db = db.as_ref().ok_or("--async-only needs PostgreSQL")?;
        let journal = db.journal("journal_bench_async")?;
        let shape = (args.workers, args.worker_secs, args.rounds);
        for (name, value) in async_workers::run(&journal, fake.base_url(), shape, &tag)? {
            println!("RATIO {name} {value:.3}");
        }
        return Ok(());
    }
    let pg = db
        .as_ref()
        .map(|d| d.journal("journal_bench"))
        .transpose()?;
    let probe = SyncProbe::create(&dir.0)?;
    let times = sequential(&args, &client, &sqlite, pg.as_ref(), &probe, &tag)?;
    drop(pg);
    let mut ratios = report_sequential(&times);
    if let Some(db) = db.as_mut() {
        ratios.extend(commits(db, &client, args.commit_charges, &tag)?);
        ratios.extend(workers(db, fake.base_url(), &args, &tag)?);
        let journal = db.journal("journal_bench_async")?;
        let shape = (args.workers, args.worker_secs, args.rounds);
        ratios.extend(async_workers::run(&journal, fake.base_url(), shape, &tag)?);
    }
    println!();
    for (name, value) in ratios {
        println!("RATIO {name} {value:.3}");
    }

    Ok(())
}

/// Per mode (plain, sqlite, postgres), the milliseconds per charge of each block.
type Times = Vec<(&'static str, Vec<f64>)>;

fn sequential(
    args: &Args,
    client: &stripe_ureq::Client,
    sqlite: &Journal,
    pg: Option<&Journal>,
    probe: &SyncProbe,
    tag: &str,
) -> Result<Times, String> {
    let mut modes: Vec<(&'static str, Mode<'_>)> = vec![
        ("plain", Mode::Plain),
        ("journal_sqlite", Mode::Journal(sqlite)),
    ];
    if let Some(pg) = pg {
        modes.push(("journal_postgres", Mode::Journal(pg)));
    }
    modes.push(("two_fdatasyncs", Mode::TwoSyncs(probe)));
    for (name, mode) in &modes {
        charge::block(*mode, client, &format!("{tag}-warm-{name}"), args.n.min(20))?;
    }
    let mut times: Times = modes.iter().map(|(name, _)| (*name, Vec::new())).collect();
    for b in 0..args.blocks {
        for k in 0..modes.len() {
            let i = (b + k) % modes.len();
            let (name, mode) = modes[i];
            let took = charge::block(mode, client, &format!("{tag}-b{b}-{name}"), args.n)?;
            #[allow(clippy::cast_precision_loss)]
            times[i].1.push(took.as_secs_f64() * 1000.0 / args.n as f64);
        }
    }
    Ok(times)
}

fn report_sequential(times: &Times) -> Vec<(String, f64)> {
    let plain = &times[0].1;
    let syncs = &times[times.len() - 1].1;
    println!();
    println!(
        "| mode | ms per charge | over plain | added ms | added over plain round trip | added over two fdatasyncs |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let mut ratios = Vec::new();
    for (name, ms) in times {
        if *name == "two_fdatasyncs" {
            println!(
                "| two_fdatasyncs (no charge: 2 x 4 KiB append + fdatasync, same directory) | {:.3} | | | | |",
                median(ms)
            );
            continue;
        }
        let per_block = |f: &dyn Fn(f64, f64, f64) -> f64| -> f64 {
            let v: Vec<f64> = (0..ms.len())
                .map(|b| f(ms[b], plain[b], syncs[b]))
                .collect();
            median(&v)
        };
        let over = per_block(&|j, p, _| j / p);
        let added = per_block(&|j, p, _| j - p);
        let added_over_rtt = per_block(&|j, p, _| (j - p) / p);
        let added_over_syncs = per_block(&|j, p, s| (j - p) / s);
        println!(
            "| {name} | {:.3} | {over:.3} | {added:.3} | {added_over_rtt:.3} | {added_over_syncs:.3} |",
            median(ms),
        );
        if *name != "plain" {
            ratios.push((format!("{name}_over_plain"), over));
            ratios.push((
                format!("{name}_added_ms_over_round_trip_ms"),
                added_over_rtt,
            ));
            ratios.push((
                format!("{name}_added_ms_over_two_fdatasyncs_ms"),
                added_over_syncs,
            ));
        }
    }
    println!("(ms: medians over blocks; ratios: medians of the per-block ratios)");
    ratios
}

/// PostgreSQL's transactions and row writes per journaled charge: the counters of the bench's
/// database around `m` charges on a connection of their own (closed, so its statistics are
/// reported), less those of opening and closing one connection.
fn commits(
    db: &mut BenchDb,
    client: &stripe_ureq::Client,
    m: usize,
    tag: &str,
) -> Result<Vec<(String, f64)>, String> {
    const SCHEMA: &str = "journal_commits";
    drop(db.journal(SCHEMA)?); // creates the schema: later opens only check it
    let c0 = db.counters()?;
    let journal = db.journal(SCHEMA)?;
    charge::block(
        Mode::Journal(&journal),
        client,
        &format!("{tag}-commits"),
        m,
    )?;
    drop(journal);
    let c1 = db.counters()?;
    drop(db.journal(SCHEMA)?);
    let c2 = db.counters()?;
    let (charges, open) = (c1.minus(c0), c2.minus(c1));
    #[allow(clippy::cast_precision_loss)]
    let per = |total: i64, open: i64| (total - open) as f64 / m as f64;
    let commits = per(charges.commits, open.commits);
    let writes = per(charges.row_writes, open.row_writes);
    println!();
    println!(
        "| PostgreSQL, per journaled charge ({m} charges, database {}) | value |",
        db.name()
    );
    println!("|---|---:|");
    println!("| transactions committed (`xact_commit`, read-only ones included) | {commits:.3} |");
    println!("| rows written (`tup_inserted + tup_updated + tup_deleted`) | {writes:.3} |");
    println!(
        "(opening a connection and checking the schema: {} transactions, not counted)",
        open.commits
    );
    Ok(vec![
        ("journal_postgres_commits_per_charge".into(), commits),
        ("journal_postgres_row_writes_per_charge".into(), writes),
    ])
}

/// `args.workers` threads charging distinct orders for `args.worker_secs`, plain and journaled
/// on one PostgreSQL schema, in alternating rounds.
fn workers(
    db: &BenchDb,
    base_url: &str,
    args: &Args,
    tag: &str,
) -> Result<Vec<(String, f64)>, String> {
    let mut plain_rates = Vec::new();
    let mut pg_rates = Vec::new();
    for r in 0..args.rounds {
        for journaled in [r % 2 == 1, r % 2 == 0] {
            let rate = worker_round(db, base_url, args, journaled, &format!("{tag}-r{r}"))?;
            if journaled {
                pg_rates.push(rate);
            } else {
                plain_rates.push(rate);
            }
        }
    }
    let over: Vec<f64> = pg_rates
        .iter()
        .zip(&plain_rates)
        .map(|(j, p)| j / p)
        .collect();
    let w = args.workers;
    println!();
    println!(
        "| {w} workers, {} s x {} round(s) each | charges/s |",
        args.worker_secs, args.rounds
    );
    println!("|---|---:|");
    println!("| plain | {:.0} |", median(&plain_rates));
    println!(
        "| journal_postgres (one schema, a connection per worker) | {:.0} |",
        median(&pg_rates)
    );
    Ok(vec![
        (
            format!("journal_postgres_{w}_workers_charges_per_s"),
            median(&pg_rates),
        ),
        (
            format!("plain_{w}_workers_charges_per_s"),
            median(&plain_rates),
        ),
        (
            format!("journal_postgres_{w}_workers_over_plain_{w}_workers"),
            median(&over),
        ),
    ])
}

/// One round: charges per second of all workers together.
fn worker_round(
    db: &BenchDb,
    base_url: &str,
    args: &Args,
    journaled: bool,
    prefix: &str,
) -> Result<f64, String> {
    let mut setups = Vec::new();
    for _ in 0..args.workers {
        let journal = if journaled {
            Some(db.journal("journal_bench")?)
        } else {
            None
        };
        setups.push((charge::client(base_url)?, journal));
    }
    let barrier = Barrier::new(args.workers);
    let secs = Duration::from_secs_f64(args.worker_secs);
    let results: Vec<Result<(usize, Duration), String>> = std::thread::scope(|s| {
        let handles: Vec<_> = setups
            .iter()
            .enumerate()
            .map(|(w, (client, journal))| {
                let barrier = &barrier;
                s.spawn(move || {
                    let mode = journal.as_ref().map_or(Mode::Plain, Mode::Journal);
                    let kind = if journal.is_some() { "j" } else { "p" };
                    barrier.wait();
                    let start = Instant::now();
                    let mut k = 0;
                    while start.elapsed() < secs {
                        charge::block(mode, client, &format!("{prefix}-{kind}{w}-{k}"), 1)?;
                        k += 1;
                    }
                    Ok((k, start.elapsed()))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a worker panicked".into())))
            .collect()
    });
    let mut charges = 0;
    let mut longest = Duration::ZERO;
    for r in results {
        let (k, took) = r?;
        charges += k;
        longest = longest.max(took);
    }
    #[allow(clippy::cast_precision_loss)]
    Ok(charges as f64 / longest.as_secs_f64())
}
