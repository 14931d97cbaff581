//! A PostgreSQL database of the bench's own (created at the start, dropped at the end), so
//! that `pg_stat_database` counts only the journal's transactions, whatever else runs on the
//! server.

use std::time::{Duration, Instant};

use std::sync::Arc;

use postgres::{Client, NoTls};
use stripe_journal::{Journal, PgStore};

/// The bench's database, reached through an administrative connection to the database the
/// URL names.
pub struct BenchDb {
    admin: Client,
    /// The URL of the bench's database (it may hold a password: never printed).
    url: String,
    name: String,
}

/// Database-wide counters from `pg_stat_database`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    /// `xact_commit`: transactions committed (read-only ones included).
    pub commits: i64,
    /// `tup_inserted + tup_updated + tup_deleted`: rows written.
    pub row_writes: i64,
}

impl Counters {
    /// `self - before`, counter by counter.
    pub fn minus(self, before: Self) -> Self {
        Self {
            commits: self.commits - before.commits,
            row_writes: self.row_writes - before.row_writes,
        }
    }
}

impl BenchDb {
    /// Connects to `url` and creates `stripe_journal_bench_<pid>` beside its database.
    pub fn create(url: &str) -> Result<Self, String> {
        let base: postgres::Config = url.parse().map_err(|e| format!("database URL: {e}"))?;
        let mut admin = base.connect(NoTls).map_err(|e| format!("connect: {e}"))?;
        let name = format!("stripe_journal_bench_{}", std::process::id());
        let url = with_dbname(url, &name)?;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| format!("CREATE DATABASE {name}: {e}"))?;
        Ok(Self { admin, url, name })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A journal with a pool of its own, in `schema` of the bench's database.
    pub fn journal(&self, schema: &str) -> Result<Journal, String> {
        let store = Arc::new(
            PgStore::connect(&self.url, schema)
                .map_err(|e| format!("connect to {}: {e}", self.name))?,
        );
        Journal::with_stores(Arc::clone(&store) as _, store).map_err(|e| format!("store: {e}"))
    }

    /// The counters once they are stable (backends report their statistics when they end or
    /// go idle, a little later): two reads 300 ms apart that agree, or the last after 10 s.
    pub fn counters(&mut self) -> Result<Counters, String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut last = self.read()?;
        loop {
            std::thread::sleep(Duration::from_millis(300));
            let now = self.read()?;
            if now == last || Instant::now() > deadline {
                return Ok(now);
            }
            last = now;
        }
    }

    fn read(&mut self) -> Result<Counters, String> {
        let row = self
            .admin
            .query_one(
                "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted \
                 FROM pg_stat_database WHERE datname = $1",
                &[&self.name],
            )
            .map_err(|e| format!("pg_stat_database: {e}"))?;
        Ok(Counters {
            commits: row.try_get(0).map_err(|e| format!("xact_commit: {e}"))?,
            row_writes: row.try_get(1).map_err(|e| format!("tup_*: {e}"))?,
        })
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = self.admin.batch_execute(&sql) {
            eprintln!("journal-bench: could not drop database {}: {e}", self.name);
        }
    }
}

/// `url` (a `postgres://` URL) naming database `name` instead of its own.
fn with_dbname(url: &str, name: &str) -> Result<String, String> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_at = base
        .find("://")
        .map(|i| i + 3)
        .ok_or("the database URL must be a postgres:// URL")?;
    let host_end = base[authority_at..]
        .find('/')
        .map_or(base.len(), |i| authority_at + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    Ok(out)
}
