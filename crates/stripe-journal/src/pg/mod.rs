//! The PostgreSQL store, for a fleet: many processes share one table. Claims are
//! `INSERT .. ON CONFLICT DO NOTHING`, every change a conditional `UPDATE .. WHERE version = ..
//! RETURNING`, recovery `SELECT .. FOR UPDATE SKIP LOCKED` so recoverers never take the same
//! row. A caller may write its intent inside its own transaction ([`PgStore::claim_in`]).

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use postgres::ToStatement;
use postgres::{Client, GenericClient, NoTls, Statement, Transaction};

use crate::codec::{self, COLUMNS, Row, SWEEP_ORDER, millis};
use crate::error::JournalError;
use crate::intent::{Intent, IntentId, StateKind};
use crate::migrate::{self, Migrate, Migration};
use crate::store::{Cursor, Loaded, Page, Store};

/// The schema version this crate writes and reads.
pub const PG_SCHEMA_VERSION: i64 = 2;

/// The schema used when none is named.
pub const DEFAULT_SCHEMA: &str = "stripe_journal";

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

/// The store's clock in milliseconds since the epoch, as SQL.
const NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/// The statements of one schema, built once.
#[derive(Debug)]
struct Sql {
    table: String,
    insert: String,
    update: String,
    load: String,
}

impl Sql {
    fn new(schema: &str) -> Self {
        let table = format!("{schema}.journal_intents");
        let placeholder = |i: usize| format!("${i}");
        Self {
            insert: codec::insert_sql(&table, placeholder),
            update: format!(
                "{} RETURNING version",
                codec::update_sql(&table, placeholder)
            ),
            load: format!(
                "SELECT {NOW_MS}, t.* FROM (SELECT 1) AS one LEFT JOIN \
                 (SELECT {COLUMNS} FROM {table} WHERE scope = $1 AND op = $2) AS t ON true"
            ),
            table,
        }
    }
}

/// The hot path's statements, prepared once on the store's own connection: each runs in one
/// exchange with the server instead of a prepare and a run.
struct Prepared {
    insert: Statement,
    update: Statement,
    load: Statement,
}

/// A journal in a PostgreSQL schema.
pub struct PgStore {
    client: Mutex<Client>,
    schema: String,
    sql: Sql,
    prepared: Prepared,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("schema", &self.schema)
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
    /// Connects without TLS (`postgres://user@host:port/db`) and migrates `schema`.
    pub fn connect(url: &str, schema: &str) -> Result<Self, JournalError> {
        check_schema_name(schema)?;
        let client = Client::connect(url, NoTls).map_err(JournalError::store)?;
        Self::with_client(client, schema)
    }

    /// Uses a connected client (for example one made with TLS) and migrates `schema`.
    pub fn with_client(mut client: Client, schema: &str) -> Result<Self, JournalError> {
        check_schema_name(schema)?;
        migrate(&mut client, schema)?;
        let sql = Sql::new(schema);
        let prepare = |c: &mut Client, text: &str| c.prepare(text).map_err(JournalError::store);
        let prepared = Prepared {
            insert: prepare(&mut client, &sql.insert)?,
            update: prepare(&mut client, &sql.update)?,
            load: prepare(&mut client, &sql.load)?,
        };
        Ok(Self {
            client: Mutex::new(client),
            schema: schema.to_owned(),
            sql,
            prepared,
        })
    }

    /// The schema name.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Drops the schema and everything in it (tests clean up with it).
    pub fn drop_schema(self) -> Result<(), JournalError> {
        let mut client = self
            .client
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
            .map_err(JournalError::store)
    }

    fn client(&self) -> MutexGuard<'_, Client> {
        // A panic elsewhere while holding the lock leaves the client usable: no transaction
        // is left open across calls.
        self.client.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The rows a query selects, each decoded on its own (a bad row is its error).
    fn page(
        &self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Page, JournalError> {
        let rows = self
            .client()
            .query(sql, params)
            .map_err(JournalError::store)?;
        let next = rows.last().map(|r| {
            Cursor::after(
                r.try_get(6).unwrap_or_default(),
                r.try_get::<_, String>(0).unwrap_or_default(),
                r.try_get::<_, String>(1).unwrap_or_default(),
            )
        });
        let rows = rows
            .iter()
            .map(|r| read_row(r, 0).and_then(Row::into_intent))
            .collect();
        Ok(Page { rows, next })
    }
}

/// Brings the schema up to date under an advisory lock (a fleet starts at once) and writes the
/// store's namespace if it has none.
fn migrate(client: &mut Client, schema: &str) -> Result<(), JournalError> {
    let mut tx = client.transaction().map_err(JournalError::store)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        &[&format!("stripe_journal:{schema}")],
    )
    .map_err(JournalError::store)?;
    tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
        .map_err(JournalError::store)?;
    migrate::migrate(
        &mut PgTx {
            tx: &mut tx,
            schema,
        },
        &MIGRATIONS,
    )?;
    tx.execute(
        &format!(
            "INSERT INTO {schema}.journal_meta (name, value) VALUES ('namespace', $1) ON CONFLICT (name) DO NOTHING"
        ),
        &[&migrate::new_namespace()],
    )
    .map_err(JournalError::store)?;
    tx.commit().map_err(JournalError::store)
}

/// The migrator's primitives in a PostgreSQL transaction.
struct PgTx<'a, 'b> {
    tx: &'a mut Transaction<'b>,
    schema: &'a str,
}

impl Migrate for PgTx<'_, '_> {
    fn applied(&mut self) -> Result<Option<i64>, JournalError> {
        let schema = self.schema;
        self.tx
            .batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {schema}.journal_schema (version BIGINT NOT NULL)"
            ))
            .map_err(JournalError::store)?;
        self.tx
            .query_one(
                &format!("SELECT max(version) FROM {schema}.journal_schema"),
                &[],
            )
            .and_then(|r| r.try_get(0))
            .map_err(JournalError::store)
    }
    fn apply(&mut self, migration: &Migration) -> Result<(), JournalError> {
        let schema = self.schema;
        self.tx
            .batch_execute(&migration.sql.replace("{schema}", schema))
            .map_err(JournalError::store)?;
        self.tx
            .execute(
                &format!("INSERT INTO {schema}.journal_schema (version) VALUES ($1)"),
                &[&migration.version],
            )
            .map(drop)
            .map_err(JournalError::store)
    }
}

/// The row's columns, starting at column `at`.
fn read_row(r: &postgres::Row, at: usize) -> Result<Row, JournalError> {
    let get = |e: postgres::Error| JournalError::Corrupt(format!("column type: {e}"));
    Ok(Row {
        scope: r.try_get(at).map_err(get)?,
        op: r.try_get(at + 1).map_err(get)?,
        idem_key: r.try_get(at + 2).map_err(get)?,
        key_created_ms: r.try_get(at + 3).map_err(get)?,
        fingerprint: r.try_get(at + 4).map_err(get)?,
        created_ms: r.try_get(at + 5).map_err(get)?,
        updated_ms: r.try_get(at + 6).map_err(get)?,
        state: r.try_get(at + 7).map_err(get)?,
        status: r.try_get(at + 8).map_err(get)?,
        object_id: r.try_get(at + 9).map_err(get)?,
        body: r.try_get(at + 10).map_err(get)?,
        advice: r.try_get(at + 11).map_err(get)?,
        reason: r.try_get(at + 12).map_err(get)?,
        attempts: r.try_get(at + 13).map_err(get)?,
        lease_owner: r.try_get(at + 14).map_err(get)?,
        lease_until_ms: r.try_get(at + 15).map_err(get)?,
        epoch: r.try_get(at + 16).map_err(get)?,
        version: r.try_get(at + 17).map_err(get)?,
        request: r.try_get(at + 18).map_err(get)?,
        namespace: r.try_get(at + 19).map_err(get)?,
        send_limit_ms: r.try_get(at + 20).map_err(get)?,
        key_spent: r.try_get(at + 21).map_err(get)?,
    })
}

macro_rules! row_params {
    ($r:expr $(, $extra:expr)*) => {
        [
            &$r.scope as &(dyn postgres::types::ToSql + Sync), &$r.op, &$r.idem_key,
            &$r.key_created_ms, &$r.fingerprint, &$r.created_ms, &$r.updated_ms, &$r.state,
            &$r.status, &$r.object_id, &$r.body, &$r.advice, &$r.reason, &$r.attempts,
            &$r.lease_owner, &$r.lease_until_ms, &$r.epoch, &$r.version, &$r.request,
            &$r.namespace, &$r.send_limit_ms, &$r.key_spent $(, $extra)*
        ]
    };
}

fn insert<S: ToStatement + ?Sized>(
    c: &mut impl GenericClient,
    statement: &S,
    intent: &Intent,
) -> Result<bool, JournalError> {
    let r = Row::from_intent(intent);
    let n = c
        .execute(statement, &row_params!(r))
        .map_err(JournalError::store)?;
    Ok(n == 1)
}

fn load<S: ToStatement + ?Sized>(
    c: &mut impl GenericClient,
    statement: &S,
    id: &IntentId,
) -> Result<Loaded, JournalError> {
    let r = c
        .query_one(statement, &[&id.scope(), &id.op_id()])
        .map_err(JournalError::store)?;
    let now_ms: i64 = r.try_get(0).map_err(JournalError::store)?;
    let now = SystemTime::UNIX_EPOCH
        + std::time::Duration::from_millis(u64::try_from(now_ms).unwrap_or(0));
    let present: Option<String> = r.try_get(1).map_err(JournalError::store)?;
    let row = match present {
        Some(_) => Some(read_row(&r, 1)?.into_intent()?),
        None => None,
    };
    Ok(Loaded::new(row, now))
}

fn cas<S: ToStatement + ?Sized>(
    c: &mut impl GenericClient,
    statement: &S,
    row: &Intent,
    expected: u64,
) -> Result<bool, JournalError> {
    let r = Row::from_intent(row);
    let expected = i64::try_from(expected).unwrap_or(i64::MAX);
    let done = c
        .query_opt(statement, &row_params!(r, &expected))
        .map_err(JournalError::store)?;
    Ok(done.is_some())
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store for PgStore {
    fn insert(&self, intent: &Intent) -> Result<bool, JournalError> {
        insert(&mut *self.client(), &self.prepared.insert, intent)
    }

    fn load(&self, id: &IntentId) -> Result<Loaded, JournalError> {
        load(&mut *self.client(), &self.prepared.load, id)
    }

    fn compare_and_set(&self, row: &Intent, expected: u64) -> Result<bool, JournalError> {
        cas(&mut *self.client(), &self.prepared.update, row, expected)
    }

    /// The database's clock: one clock for the whole fleet.
    fn clock(&self) -> Result<SystemTime, JournalError> {
        let r = self
            .client()
            .query_one(&format!("SELECT {NOW_MS}"), &[])
            .map_err(JournalError::store)?;
        let ms: i64 = r.try_get(0).map_err(JournalError::store)?;
        Ok(SystemTime::UNIX_EPOCH
            + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
    }

    fn list(&self, kind: StateKind, after: &Cursor, n: usize) -> Result<Page, JournalError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE state = $1 AND (updated_ms, scope, op) > ($2, $3, $4) {SWEEP_ORDER} LIMIT $5",
            self.sql.table
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
            "SELECT {COLUMNS} FROM {} WHERE {} {SWEEP_ORDER} LIMIT $5",
            self.sql.table,
            codec::sweep_condition("$1", ["$2", "$3", "$4"])
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
        let sql = format!(
            "DELETE FROM {} WHERE state IN ('done', 'failed') AND updated_ms < $1",
            self.sql.table
        );
        self.client()
            .execute(&sql, &[&millis(before)])
            .map_err(JournalError::store)
    }

    fn namespace(&self) -> Result<String, JournalError> {
        let sql = format!(
            "SELECT value FROM {}.journal_meta WHERE name = 'namespace'",
            self.schema
        );
        self.client()
            .query_one(&sql, &[])
            .and_then(|r| r.try_get(0))
            .map_err(JournalError::store)
    }
}
