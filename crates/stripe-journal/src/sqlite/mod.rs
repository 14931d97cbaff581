//! The SQLite store: one file (or memory), WAL, `synchronous=FULL` so every write is on disk
//! (fsync) before the method returns, and thus before a request leaves.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::codec::{self, COLUMNS, Row, SWEEP_ORDER, millis};
use crate::error::JournalError;
use crate::intent::{Intent, IntentId, StateKind};
use crate::migrate::{self, Migrate, Migration};
use crate::store::{Cursor, Loaded, Page, Store};

/// The schema version this crate writes and reads.
pub const SQLITE_SCHEMA_VERSION: i64 = 2;

/// The migrations, in order.
const MIGRATIONS: [Migration; 2] = [
    Migration {
        version: 1,
        sql: include_str!("migrations/0001_intents.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("migrations/0002_fences_namespaces.sql"),
    },
];
const TABLE: &str = "journal_intents";

/// A journal in one SQLite database. Several processes may open the same file: writes are
/// serialised by SQLite, waits are bounded by the busy timeout, decisions by compare-and-set.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    insert: String,
    update: String,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (or creates) the journal in the file at `path`, with a 10 s busy timeout.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let conn = Connection::open(path).map_err(JournalError::store)?;
        // WAL: readers do not block the writer. Its answer is the mode now in force.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(JournalError::store)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(JournalError::Store(
                format!("SQLite refused WAL mode (got {mode:?})").into(),
            ));
        }
        Self::setup(conn)
    }

    /// A journal in memory, for tests: gone with the store.
    pub fn in_memory() -> Result<Self, JournalError> {
        Self::setup(Connection::open_in_memory().map_err(JournalError::store)?)
    }

    fn setup(mut conn: Connection) -> Result<Self, JournalError> {
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(JournalError::store)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(JournalError::store)?;
        migrate(&mut conn)?;
        let placeholder = |i: usize| format!("?{i}");
        Ok(Self {
            conn: Mutex::new(conn),
            insert: codec::insert_sql(TABLE, placeholder),
            update: codec::update_sql(TABLE, placeholder),
        })
    }

    /// Changes the busy timeout (how long a write waits for another connection's).
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<(), JournalError> {
        self.conn()
            .busy_timeout(timeout)
            .map_err(JournalError::store)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic elsewhere while holding the lock leaves the connection usable: every
        // statement is atomic on its own.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The rows a query selects, each decoded on its own: a bad value in one row is that row's
    /// error, and the page's cursor still moves past it.
    fn page(&self, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Result<Page, JournalError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(sql).map_err(JournalError::store)?;
        let rows = stmt
            .query_map(params, |r| {
                let cursor =
                    Cursor::after(r.get(6)?, r.get::<_, String>(0)?, r.get::<_, String>(1)?);
                Ok((cursor, read_row(r)))
            })
            .map_err(JournalError::store)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(JournalError::store)?;
        let next = rows.last().map(|(cursor, _)| cursor.clone());
        let rows = rows
            .into_iter()
            .map(|(_, row)| {
                row.map_err(|e| JournalError::Corrupt(format!("a column: {e}")))
                    .and_then(Row::into_intent)
            })
            .collect();
        Ok(Page { rows, next })
    }
}

/// Brings the schema up to date in one immediate transaction (several processes may start at
/// once), and writes the store's namespace if it has none.
fn migrate(conn: &mut Connection) -> Result<(), JournalError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(JournalError::store)?;
    let mut db = Tx(&tx);
    migrate::migrate(&mut db, &MIGRATIONS)?;
    tx.execute(
        "INSERT INTO journal_meta (name, value) VALUES ('namespace', ?1) ON CONFLICT (name) DO NOTHING",
        [migrate::new_namespace()],
    )
    .map_err(JournalError::store)?;
    tx.commit().map_err(JournalError::store)
}

/// The migrator's primitives in an SQLite transaction.
struct Tx<'a>(&'a rusqlite::Transaction<'a>);

impl Migrate for Tx<'_> {
    fn applied(&mut self) -> Result<Option<i64>, JournalError> {
        self.0
            .execute_batch("CREATE TABLE IF NOT EXISTS journal_schema (version INTEGER NOT NULL)")
            .map_err(JournalError::store)?;
        self.0
            .query_row("SELECT max(version) FROM journal_schema", [], |r| r.get(0))
            .optional()
            .map(Option::flatten)
            .map_err(JournalError::store)
    }
    fn apply(&mut self, migration: &Migration) -> Result<(), JournalError> {
        self.0
            .execute_batch(migration.sql)
            .map_err(JournalError::store)?;
        self.0
            .execute(
                "INSERT INTO journal_schema (version) VALUES (?1)",
                [migration.version],
            )
            .map(drop)
            .map_err(JournalError::store)
    }
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        scope: r.get(0)?,
        op: r.get(1)?,
        idem_key: r.get(2)?,
        key_created_ms: r.get(3)?,
        fingerprint: r.get(4)?,
        created_ms: r.get(5)?,
        updated_ms: r.get(6)?,
        state: r.get(7)?,
        status: r.get(8)?,
        object_id: r.get(9)?,
        body: r.get(10)?,
        advice: r.get(11)?,
        reason: r.get(12)?,
        attempts: r.get(13)?,
        lease_owner: r.get(14)?,
        lease_until_ms: r.get(15)?,
        epoch: r.get(16)?,
        version: r.get(17)?,
        request: r.get(18)?,
        namespace: r.get(19)?,
        send_limit_ms: r.get(20)?,
        key_spent: r.get(21)?,
    })
}

macro_rules! row_params {
    ($r:expr $(, $extra:expr)*) => {
        params![
            $r.scope, $r.op, $r.idem_key, $r.key_created_ms, $r.fingerprint, $r.created_ms,
            $r.updated_ms, $r.state, $r.status, $r.object_id, $r.body, $r.advice, $r.reason,
            $r.attempts, $r.lease_owner, $r.lease_until_ms, $r.epoch, $r.version, $r.request,
            $r.namespace, $r.send_limit_ms, $r.key_spent $(, $extra)*
        ]
    };
}

/// A time as rows keep it: whole milliseconds.
fn whole_millis(t: SystemTime) -> SystemTime {
    codec::time(millis(t))
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store for SqliteStore {
    fn insert(&self, intent: &Intent) -> Result<bool, JournalError> {
        let r = Row::from_intent(intent);
        let conn = self.conn();
        let n = conn
            .prepare_cached(&self.insert)
            .and_then(|mut s| s.execute(row_params!(r)))
            .map_err(JournalError::store)?;
        Ok(n == 1)
    }

    fn load(&self, id: &IntentId) -> Result<Loaded, JournalError> {
        let sql = format!("SELECT {COLUMNS} FROM {TABLE} WHERE scope = ?1 AND op = ?2");
        let now = SystemTime::now();
        let row = self
            .page(&sql, &[&id.scope(), &id.op_id()])?
            .rows
            .pop()
            .transpose()?;
        Ok(Loaded::new(row, now))
    }

    fn compare_and_set(&self, row: &Intent, expected: u64) -> Result<bool, JournalError> {
        let r = Row::from_intent(row);
        let expected = i64::try_from(expected).unwrap_or(i64::MAX);
        let conn = self.conn();
        let n = conn
            .prepare_cached(&self.update)
            .and_then(|mut s| s.execute(row_params!(r, expected)))
            .map_err(JournalError::store)?;
        Ok(n == 1)
    }

    /// The machine's own clock: an SQLite journal lives on one machine.
    fn clock(&self) -> Result<SystemTime, JournalError> {
        Ok(whole_millis(SystemTime::now()))
    }

    fn list(&self, kind: StateKind, after: &Cursor, n: usize) -> Result<Page, JournalError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {TABLE} WHERE state = ?1 AND (updated_ms, scope, op) > (?2, ?3, ?4) {SWEEP_ORDER} LIMIT ?5"
        );
        self.page(
            &sql,
            &[
                &kind.as_str(),
                &after.updated_ms,
                &after.scope,
                &after.op,
                &limit(n),
            ],
        )
    }

    fn sweep(&self, now: SystemTime, after: &Cursor, n: usize) -> Result<Page, JournalError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {TABLE} WHERE {} {SWEEP_ORDER} LIMIT ?5",
            codec::sweep_condition("?1", ["?2", "?3", "?4"])
        );
        self.page(
            &sql,
            &[
                &millis(now),
                &after.updated_ms,
                &after.scope,
                &after.op,
                &limit(n),
            ],
        )
    }

    fn prune(&self, before: SystemTime) -> Result<u64, JournalError> {
        let sql =
            format!("DELETE FROM {TABLE} WHERE state IN ('done', 'failed') AND updated_ms < ?1");
        let n = self
            .conn()
            .execute(&sql, [millis(before)])
            .map_err(JournalError::store)?;
        Ok(n as u64)
    }

    fn namespace(&self) -> Result<String, JournalError> {
        self.conn()
            .query_row(
                "SELECT value FROM journal_meta WHERE name = 'namespace'",
                [],
                |r| r.get(0),
            )
            .map_err(JournalError::store)
    }
}
