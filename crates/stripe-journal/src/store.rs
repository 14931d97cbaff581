//! The store traits: a handful of atomic primitives and nothing else. Every decision of the
//! protocol is made once, by [`crate::decide`] inside the journal's machine, over rows read with
//! [`Store::load`] and written with [`Store::insert`] or [`Store::compare_and_set`]; no store can
//! bypass it.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use crate::error::JournalError;
use crate::intent::{Intent, IntentId, StateKind};

/// A row as a load found it, with the store's clock at the read: every lease and key age is
/// judged on that clock (one clock for a whole fleet: the database's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    row: Option<Intent>,
    now: SystemTime,
}

impl Loaded {
    /// What a load found, and the store's time of the read.
    pub fn new(row: Option<Intent>, now: SystemTime) -> Self {
        Self { row, now }
    }
    /// The row, if there is one.
    pub fn row(&self) -> Option<&Intent> {
        self.row.as_ref()
    }
    /// The store's clock at the read.
    pub fn now(&self) -> SystemTime {
        self.now
    }
    pub(crate) fn into_parts(self) -> (Option<Intent>, SystemTime) {
        (self.row, self.now)
    }
}

/// Where a sweep stopped: the next sweep resumes after it, so rows that cannot be settled yet
/// never hide the ones behind them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub(crate) updated_ms: i64,
    pub(crate) scope: String,
    pub(crate) op: String,
}

impl Cursor {
    /// Before every row.
    pub fn start() -> Self {
        Self {
            updated_ms: i64::MIN,
            scope: String::new(),
            op: String::new(),
        }
    }
    /// The cursor just past a row with these columns.
    pub fn after(updated_ms: i64, scope: impl Into<String>, op: impl Into<String>) -> Self {
        Self {
            updated_ms,
            scope: scope.into(),
            op: op.into(),
        }
    }
    /// The position's `updated` time, in milliseconds since the epoch.
    pub fn updated_ms(&self) -> i64 {
        self.updated_ms
    }
    /// The position's scope.
    pub fn scope(&self) -> &str {
        &self.scope
    }
    /// The position's operation id.
    pub fn op(&self) -> &str {
        &self.op
    }
}

/// One page of a sweep or a listing: the rows read (a row that could not be decoded is its
/// error, reported, and does not stop the others), and where the page ended.
#[derive(Debug, Default)]
pub struct Page {
    /// Each row, or why it could not be read.
    pub rows: Vec<Result<Intent, JournalError>>,
    /// After the last row of the page (`None`: the page was empty).
    pub next: Option<Cursor>,
}

/// A durable home for intents, blocking. Each method is one atomic step; its return means the
/// write is durable (as durable as the backend is configured).
pub trait Store: Send + Sync {
    /// The row with this id, if any, and the store's clock at the read.
    fn load(&self, id: &IntentId) -> Result<Loaded, JournalError>;

    /// Inserts `intent` if no row has its id; `true` if it was inserted.
    fn insert(&self, intent: &Intent) -> Result<bool, JournalError>;

    /// Replaces the row with `row`'s id by `row` if the stored version is `expected`; `true`
    /// if it was replaced.
    fn compare_and_set(&self, row: &Intent, expected: u64) -> Result<bool, JournalError>;

    /// A final record that nobody waits for: [`Store::compare_and_set`] of a done or failed
    /// row whose outcome the run has already returned. A store may send it behind the answer
    /// (PostgreSQL does: the run's second round trip leaves its latency), and must then make its
    /// own loads of that row wait for it. If it never lands, the row stays in flight under the
    /// same key, and the next run or recovery resends that key and records Stripe's replay (the
    /// crate docs, "Cost"). By default the compare-and-set, here and now; its error, if any,
    /// is returned to the driver, which keeps the run's outcome.
    fn compare_and_set_behind(&self, row: &Intent, expected: u64) -> Result<(), JournalError> {
        self.compare_and_set(row, expected).map(drop)
    }

    /// The store's clock.
    fn clock(&self) -> Result<SystemTime, JournalError>;

    /// A new operation's first write: inserts `intent` if no row has its id, with its times
    /// moved onto the store's clock `now` at the write (each time `t` becomes
    /// `now + (t - intent.updated_at())`), unless `now` is more than `max_skew` from
    /// `intent.updated_at()`. `Some(now)` if it inserted; `None` if not (a row exists, or the
    /// clocks are too far apart), and the journal then loads the row and decides on it as
    /// always. One round trip where the store can (PostgreSQL: one statement); by default
    /// [`Store::clock`], then [`Store::insert`].
    fn claim(
        &self,
        intent: &Intent,
        max_skew: Duration,
    ) -> Result<Option<SystemTime>, JournalError> {
        let now = self.clock()?;
        match on_clock(intent, now, max_skew) {
            Some(row) => Ok(self.insert(&row)?.then_some(now)),
            None => Ok(None),
        }
    }

    /// Up to `limit` candidates for recovery after `after`, in cursor order: in-flight rows
    /// whose lease ended by `now` or was released, rows to reconcile, rows found not applied.
    fn sweep(&self, now: SystemTime, after: &Cursor, limit: usize) -> Result<Page, JournalError>;

    /// Up to `limit` rows in state `kind` after `after`, in cursor order.
    fn list(&self, kind: StateKind, after: &Cursor, limit: usize) -> Result<Page, JournalError>;

    /// Deletes done and failed rows last changed before `before` (the store's clock); never an
    /// in-flight row or one to reconcile. Returns how many were deleted. The journal decides
    /// `before` (never closer than the key window plus the lease: see [`crate::Journal::prune`]).
    fn prune(&self, before: SystemTime) -> Result<u64, JournalError>;

    /// The store's namespace: made once, when the store was created, and the same for every
    /// process that opens it. The journal tags the objects it creates on Stripe with it, so two
    /// journals on one Stripe account never settle each other's operations.
    fn namespace(&self) -> Result<String, JournalError>;
}

/// A boxed future of a store call.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, JournalError>> + Send + 'a>>;

/// The same primitives as [`Store`], async: what [`crate::Journal::run_async`] uses. A blocking
/// store serves as one through tokio's blocking pool; PostgreSQL is async-native.
pub trait AsyncStore: Send + Sync {
    /// See [`Store::load`].
    fn load<'a>(&'a self, id: &'a IntentId) -> StoreFuture<'a, Loaded>;
    /// See [`Store::insert`].
    fn insert<'a>(&'a self, intent: &'a Intent) -> StoreFuture<'a, bool>;
    /// See [`Store::compare_and_set`].
    fn compare_and_set<'a>(&'a self, row: &'a Intent, expected: u64) -> StoreFuture<'a, bool>;
    /// See [`Store::compare_and_set_behind`]: over once the write is handed on (PostgreSQL) or
    /// done (by default).
    fn compare_and_set_behind<'a>(&'a self, row: &'a Intent, expected: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.compare_and_set(row, expected).await.map(drop) })
    }
    /// See [`Store::sweep`].
    fn sweep<'a>(
        &'a self,
        now: SystemTime,
        after: &'a Cursor,
        limit: usize,
    ) -> StoreFuture<'a, Page>;
    /// See [`Store::clock`].
    fn clock(&self) -> StoreFuture<'_, SystemTime>;
    /// See [`Store::claim`]; by default [`AsyncStore::clock`], then [`AsyncStore::insert`].
    fn claim<'a>(
        &'a self,
        intent: &'a Intent,
        max_skew: Duration,
    ) -> StoreFuture<'a, Option<SystemTime>> {
        Box::pin(async move {
            let now = self.clock().await?;
            match on_clock(intent, now, max_skew) {
                Some(row) => Ok(self.insert(&row).await?.then_some(now)),
                None => Ok(None),
            }
        })
    }
}

/// `intent` moved onto the store's clock `now`, if its own clock is within `max_skew` of it:
/// what [`Store::claim`] inserts.
pub(crate) fn on_clock(intent: &Intent, now: SystemTime, max_skew: Duration) -> Option<Intent> {
    (crate::intent::skew(now, intent.updated_at()) <= max_skew).then(|| intent.rebased(now))
}

/// A blocking store's primitives as async ones: on tokio's blocking pool with the `async`
/// feature (a multi-threaded or current-thread runtime both work), inline without it.
pub(crate) struct OnBlockingPool(pub(crate) std::sync::Arc<dyn Store>);

impl OnBlockingPool {
    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store) -> Result<T, JournalError> + Send + 'static,
    ) -> StoreFuture<'_, T> {
        let store = std::sync::Arc::clone(&self.0);
        #[cfg(feature = "async")]
        {
            Box::pin(async move {
                tokio::task::spawn_blocking(move || f(store.as_ref()))
                    .await
                    .unwrap_or_else(|e| {
                        Err(JournalError::Store(
                            format!("a store call failed: {e}").into(),
                        ))
                    })
            })
        }
        #[cfg(not(feature = "async"))]
        {
            let result = f(store.as_ref());
            Box::pin(std::future::ready(result))
        }
    }
}

impl AsyncStore for OnBlockingPool {
    fn load<'a>(&'a self, id: &'a IntentId) -> StoreFuture<'a, Loaded> {
        let id = id.clone();
        self.run(move |s| s.load(&id))
    }
    fn insert<'a>(&'a self, intent: &'a Intent) -> StoreFuture<'a, bool> {
        let intent = intent.clone();
        self.run(move |s| s.insert(&intent))
    }
    fn compare_and_set<'a>(&'a self, row: &'a Intent, expected: u64) -> StoreFuture<'a, bool> {
        let row = row.clone();
        self.run(move |s| s.compare_and_set(&row, expected))
    }
    fn compare_and_set_behind<'a>(&'a self, row: &'a Intent, expected: u64) -> StoreFuture<'a, ()> {
        let row = row.clone();
        self.run(move |s| s.compare_and_set_behind(&row, expected))
    }
    fn sweep<'a>(
        &'a self,
        now: SystemTime,
        after: &'a Cursor,
        limit: usize,
    ) -> StoreFuture<'a, Page> {
        let after = after.clone();
        self.run(move |s| s.sweep(now, &after, limit))
    }
    fn clock(&self) -> StoreFuture<'_, SystemTime> {
        self.run(|s| s.clock())
    }
    fn claim<'a>(
        &'a self,
        intent: &'a Intent,
        max_skew: Duration,
    ) -> StoreFuture<'a, Option<SystemTime>> {
        let intent = intent.clone();
        self.run(move |s| s.claim(&intent, max_skew))
    }
}

/// A shared store is a store (so a caller can keep a handle on the one a journal uses).
impl<S: Store + ?Sized> Store for std::sync::Arc<S> {
    fn load(&self, id: &IntentId) -> Result<Loaded, JournalError> {
        (**self).load(id)
    }
    fn insert(&self, intent: &Intent) -> Result<bool, JournalError> {
        (**self).insert(intent)
    }
    fn compare_and_set(&self, row: &Intent, expected: u64) -> Result<bool, JournalError> {
        (**self).compare_and_set(row, expected)
    }
    fn compare_and_set_behind(&self, row: &Intent, expected: u64) -> Result<(), JournalError> {
        (**self).compare_and_set_behind(row, expected)
    }
    fn clock(&self) -> Result<SystemTime, JournalError> {
        (**self).clock()
    }
    fn claim(
        &self,
        intent: &Intent,
        max_skew: Duration,
    ) -> Result<Option<SystemTime>, JournalError> {
        (**self).claim(intent, max_skew)
    }
    fn sweep(&self, now: SystemTime, after: &Cursor, limit: usize) -> Result<Page, JournalError> {
        (**self).sweep(now, after, limit)
    }
    fn list(&self, kind: StateKind, after: &Cursor, limit: usize) -> Result<Page, JournalError> {
        (**self).list(kind, after, limit)
    }
    fn prune(&self, before: SystemTime) -> Result<u64, JournalError> {
        (**self).prune(before)
    }
    fn namespace(&self) -> Result<String, JournalError> {
        (**self).namespace()
    }
}
