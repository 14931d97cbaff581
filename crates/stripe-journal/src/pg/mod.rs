//! The PostgreSQL store, for a fleet: many processes share one table. Claims are
//! `INSERT .. ON CONFLICT DO NOTHING`, every change a conditional `UPDATE .. WHERE version = ..
//! RETURNING`, and a load returns the database's clock with the row (one clock for the fleet).
//!
//! Async-native over `tokio-postgres`, with a pool of connections (`deadpool-postgres`): each
//! connection is opened and driven on a runtime of the store's own (a thread), so the store can
//! be opened, used and dropped inside any tokio runtime, current-thread or multi-thread, or
//! outside one. A broken connection is replaced (see `ops.rs` for what is tried again). The
//! blocking face ([`Store`]) sends each call to that runtime and waits for its answer.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`PgStore`]: constructors and both faces |
//! | `connect.rs` | the URL's settings, TLS, the pool's connections |
//! | `bridge.rs` | the store's runtime and the blocking calls' way to it |
//! | `ops.rs` | the primitives over the pool, reconnecting |
//! | `sql.rs` | the statements and the row's columns |
//! | `migrate.rs` | migrations under an advisory lock; the namespace |

mod bridge;
mod connect;
mod migrate;
mod ops;
mod sql;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use deadpool::managed::Pool;

use self::bridge::Bridge;
use self::connect::{Manager, Settings};
use self::ops::Inner;
use self::sql::Sql;
use crate::error::JournalError;
use crate::intent::{Intent, IntentId, StateKind};
use crate::store::{AsyncStore, Cursor, Loaded, Page, Store, StoreFuture};

pub use self::connect::DEFAULT_POOL_SIZE;

/// The schema version this crate writes and reads.
pub const PG_SCHEMA_VERSION: i64 = 2;

/// The schema used when none is named.
pub const DEFAULT_SCHEMA: &str = "stripe_journal";

/// A journal in a PostgreSQL schema, over a pool of connections. Both a [`Store`] and an
/// [`AsyncStore`]: share one in an `Arc` (as [`crate::open_store`] does).
pub struct PgStore {
    inner: Arc<Inner>,
    bridge: Bridge,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("schema", &self.inner.schema)
            .field("pool_size", &self.pool_size())
            .finish_non_exhaustive()
    }
}

/// Checks a schema name: a lower-case SQL identifier of at most 63 bytes.
pub fn check_schema_name(name: &str) -> Result<(), JournalError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(JournalError::InvalidUrl(format!(
            "schema name {name:?}: lower-case letters, digits and '_', not starting with a digit, at most 63 bytes"
        )))
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user[:password]@host:port/db[?...]`) and migrates
    /// `schema`, blocking; works inside a tokio runtime as well as outside one. The URL's
    /// `journal_pool_size=N` sets the pool's size (default [`DEFAULT_POOL_SIZE`]); every other
    /// parameter goes to `tokio-postgres`. `sslmode=require` connects with rustls (feature
    /// `postgres-tls`; refused without it); otherwise no TLS. Without `connect_timeout` in the
    /// URL, a connection attempt gives up after 10 s.
    pub fn connect(url: &str, schema: &str) -> Result<Self, JournalError> {
        let store = Self::new(url, schema)?;
        let inner = Arc::clone(&store.inner);
        store.bridge.call(async move { inner.migrate().await })?;
        Ok(store)
    }

    /// [`PgStore::connect`] without blocking.
    pub async fn connect_async(url: &str, schema: &str) -> Result<Self, JournalError> {
        let store = Self::new(url, schema)?;
        store.inner.migrate().await?;
        Ok(store)
    }

    fn new(url: &str, schema: &str) -> Result<Self, JournalError> {
        check_schema_name(schema)?;
        let settings = Settings::parse(url)?;
        let bridge = Bridge::start()?;
        let pool = Pool::builder(Manager::new(&settings, bridge.spawner()))
            .max_size(settings.pool_size)
            .build()
            .map_err(JournalError::store)?;
        let inner = Arc::new(Inner {
            pool,
            sql: Sql::new(schema),
            schema: schema.to_owned(),
            behind: Mutex::default(),
        });
        Ok(Self { inner, bridge })
    }

    /// The schema name.
    pub fn schema(&self) -> &str {
        &self.inner.schema
    }

    /// The most connections the store opens at once.
    pub fn pool_size(&self) -> usize {
        self.inner.pool.status().max_size
    }

    /// Drops the schema and everything in it (tests clean up with it); blocking, like
    /// [`PgStore::connect`].
    pub fn drop_schema(&self) -> Result<(), JournalError> {
        let inner = Arc::clone(&self.inner);
        self.bridge.call(async move { inner.drop_schema().await })
    }

    /// Runs a primitive on the store's runtime, blocking.
    fn call<T: Send + 'static, F>(
        &self,
        f: impl FnOnce(Arc<Inner>) -> F + Send + 'static,
    ) -> Result<T, JournalError>
    where
        F: Future<Output = Result<T, JournalError>> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        self.bridge.call(async move { f(inner).await })
    }
}

/// How long dropping the store waits for final records still behind their answers (a process
/// that ends right after a run, as the CLI does, still records it).
const BEHIND_WAIT: Duration = Duration::from_secs(2);

impl Drop for PgStore {
    fn drop(&mut self) {
        let until = Instant::now() + BEHIND_WAIT;
        while self.inner.has_behind() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

impl Store for PgStore {
    fn load(&self, id: &IntentId) -> Result<Loaded, JournalError> {
        let id = id.clone();
        self.call(move |s| async move { s.load(&id).await })
    }

    fn insert(&self, intent: &Intent) -> Result<bool, JournalError> {
        let intent = intent.clone();
        self.call(move |s| async move { s.insert(&intent).await })
    }

    fn compare_and_set(&self, row: &Intent, expected: u64) -> Result<bool, JournalError> {
        let row = row.clone();
        self.call(move |s| async move { s.compare_and_set(&row, expected).await })
    }

    /// Sent behind the answer, on the store's runtime: no round trip waited for.
    fn compare_and_set_behind(&self, row: &Intent, expected: u64) -> Result<(), JournalError> {
        self.bridge.spawn(self.inner.behind(row.clone(), expected))
    }

    /// The database's clock: one clock for the whole fleet.
    fn clock(&self) -> Result<SystemTime, JournalError> {
        self.call(|s| async move { s.clock().await })
    }

    /// One statement: the row moved onto the database's clock and inserted.
    fn claim(
        &self,
        intent: &Intent,
        max_skew: Duration,
    ) -> Result<Option<SystemTime>, JournalError> {
        let intent = intent.clone();
        self.call(move |s| async move { s.claim(&intent, max_skew).await })
    }

    fn sweep(&self, now: SystemTime, after: &Cursor, limit: usize) -> Result<Page, JournalError> {
        let after = after.clone();
        self.call(move |s| async move { s.sweep(now, &after, limit).await })
    }

    fn list(&self, kind: StateKind, after: &Cursor, limit: usize) -> Result<Page, JournalError> {
        let after = after.clone();
        self.call(move |s| async move { s.list(kind, &after, limit).await })
    }

    fn prune(&self, before: SystemTime) -> Result<u64, JournalError> {
        self.call(move |s| async move { s.prune(before).await })
    }

    fn namespace(&self) -> Result<String, JournalError> {
        self.call(|s| async move { s.namespace().await })
    }
}

impl AsyncStore for PgStore {
    fn load<'a>(&'a self, id: &'a IntentId) -> StoreFuture<'a, Loaded> {
        Box::pin(self.inner.load(id))
    }

    fn insert<'a>(&'a self, intent: &'a Intent) -> StoreFuture<'a, bool> {
        Box::pin(self.inner.insert(intent))
    }

    fn compare_and_set<'a>(&'a self, row: &'a Intent, expected: u64) -> StoreFuture<'a, bool> {
        Box::pin(self.inner.compare_and_set(row, expected))
    }

    /// Sent behind the answer: no round trip waited for. On a multi-thread runtime its own
    /// workers write it (they drive the connections it opened: no hop to the store's thread and
    /// back; measured: 4 async workers on loopback, 2311-2377 -> 2456-2514 charges per second);
    /// anywhere else the store's runtime does. A runtime that ends first drops it: the row
    /// stays in flight under its key, as when the write fails.
    fn compare_and_set_behind<'a>(&'a self, row: &'a Intent, expected: u64) -> StoreFuture<'a, ()> {
        let job = self.inner.behind(row.clone(), expected);
        let handed = match connect::multi_thread_runtime() {
            Some(runtime) => {
                drop(runtime.spawn(job));
                Ok(())
            }
            None => self.bridge.spawn(job),
        };
        Box::pin(std::future::ready(handed))
    }

    fn sweep<'a>(
        &'a self,
        now: SystemTime,
        after: &'a Cursor,
        limit: usize,
    ) -> StoreFuture<'a, Page> {
        Box::pin(self.inner.sweep(now, after, limit))
    }

    /// The database's clock.
    fn clock(&self) -> StoreFuture<'_, SystemTime> {
        Box::pin(self.inner.clock())
    }

    /// One statement: the row moved onto the database's clock and inserted.
    fn claim<'a>(
        &'a self,
        intent: &'a Intent,
        max_skew: Duration,
    ) -> StoreFuture<'a, Option<SystemTime>> {
        Box::pin(self.inner.claim(intent, max_skew))
    }
}
