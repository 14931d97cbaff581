//! The PostgreSQL store, for a fleet: many processes share one table. Claims are
//! `INSERT .. ON CONFLICT DO NOTHING`, every change a conditional `UPDATE .. WHERE version = ..
//! RETURNING`, recovery `SELECT .. FOR UPDATE SKIP LOCKED` so recoverers never take the same
//! row. A caller may write its intent inside its own transaction ([`PgStore::claim_in`]).

use std::cell::RefCell;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use postgres::ToStatement;
use postgres::{Client, GenericClient, NoTls, Statement, Transaction};

use crate::codec::{self, COLUMNS, Row, millis};
use crate::decide::{self, BeginInput, Begun, Policy};
use crate::error::JournalError;
use crate::intent::{Intent, IntentId, StateKind};
use crate::store::{self, Rows, Store};

/// The schema version this crate writes and reads.
pub const PG_SCHEMA_VERSION: i64 = 1;

/// The schema used when none is named.
pub const DEFAULT_SCHEMA: &str = "stripe_journal";

const SCHEMA_V1: &str = include_str!("schema_v1.sql");

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
            load: format!("SELECT {COLUMNS} FROM {table} WHERE scope = $1 AND op = $2"),
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

    /// `begin` inside the caller's transaction: the intent commits (or rolls back) with the
    /// caller's own rows. Send nothing before that transaction has committed.
    pub fn claim_in(
        &self,
        tx: &mut Transaction<'_>,
        input: &BeginInput<'_>,
        policy: &Policy,
    ) -> Result<Begun, JournalError> {
        let rows = TxRows {
            tx: RefCell::new(tx),
            sql: &self.sql,
        };
        store::apply(&rows, input.id, |row| decide::begin(row, input, policy))
    }

    fn client(&self) -> MutexGuard<'_, Client> {
        // A panic elsewhere while holding the lock leaves the client usable: no transaction
        // is left open across calls.
        self.client.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn query(
        &self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Intent>, JournalError> {
        let rows = self
            .client()
            .query(sql, params)
            .map_err(JournalError::store)?;
        rows.iter().map(|r| read_row(r)?.into_intent()).collect()
    }
}

/// Creates the schema, or checks its version, under an advisory lock (a fleet starts at once).
fn migrate(client: &mut Client, schema: &str) -> Result<(), JournalError> {
    let mut tx = client.transaction().map_err(JournalError::store)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        &[&format!("stripe_journal:{schema}")],
    )
    .map_err(JournalError::store)?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {schema};
         CREATE TABLE IF NOT EXISTS {schema}.journal_schema (version BIGINT NOT NULL);"
    ))
    .map_err(JournalError::store)?;
    let version: Option<i64> = tx
        .query_one(
            &format!("SELECT max(version) FROM {schema}.journal_schema"),
            &[],
        )
        .and_then(|r| r.try_get(0))
        .map_err(JournalError::store)?;
    match version {
        None => {
            tx.batch_execute(&SCHEMA_V1.replace("{schema}", schema))
                .map_err(JournalError::store)?;
            tx.execute(
                &format!("INSERT INTO {schema}.journal_schema (version) VALUES ($1)"),
                &[&PG_SCHEMA_VERSION],
            )
            .map_err(JournalError::store)?;
        }
        Some(v) if v == PG_SCHEMA_VERSION => {}
        Some(v) => {
            return Err(JournalError::Store(
                format!("journal schema version {v}, this build knows {PG_SCHEMA_VERSION}").into(),
            ));
        }
    }
    tx.commit().map_err(JournalError::store)
}

fn read_row(r: &postgres::Row) -> Result<Row, JournalError> {
    let get = |e: postgres::Error| JournalError::Corrupt(format!("column type: {e}"));
    Ok(Row {
        scope: r.try_get(0).map_err(get)?,
        op: r.try_get(1).map_err(get)?,
        idem_key: r.try_get(2).map_err(get)?,
        key_created_ms: r.try_get(3).map_err(get)?,
        fingerprint: r.try_get(4).map_err(get)?,
        created_ms: r.try_get(5).map_err(get)?,
        updated_ms: r.try_get(6).map_err(get)?,
        state: r.try_get(7).map_err(get)?,
        status: r.try_get(8).map_err(get)?,
        object_id: r.try_get(9).map_err(get)?,
        body: r.try_get(10).map_err(get)?,
        advice: r.try_get(11).map_err(get)?,
        reason: r.try_get(12).map_err(get)?,
        attempts: r.try_get(13).map_err(get)?,
        lease_owner: r.try_get(14).map_err(get)?,
        lease_until_ms: r.try_get(15).map_err(get)?,
        epoch: r.try_get(16).map_err(get)?,
        version: r.try_get(17).map_err(get)?,
        request: r.try_get(18).map_err(get)?,
    })
}

macro_rules! row_params {
    ($r:expr $(, $extra:expr)*) => {
        [
            &$r.scope as &(dyn postgres::types::ToSql + Sync), &$r.op, &$r.idem_key,
            &$r.key_created_ms, &$r.fingerprint, &$r.created_ms, &$r.updated_ms, &$r.state,
            &$r.status, &$r.object_id, &$r.body, &$r.advice, &$r.reason, &$r.attempts,
            &$r.lease_owner, &$r.lease_until_ms, &$r.epoch, &$r.version, &$r.request $(, $extra)*
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
) -> Result<Option<Intent>, JournalError> {
    let row = c
        .query_opt(statement, &[&id.scope(), &id.op_id()])
        .map_err(JournalError::store)?;
    row.map(|r| read_row(&r)?.into_intent()).transpose()
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

/// The primitives inside a caller's transaction.
struct TxRows<'a, 'b> {
    tx: RefCell<&'a mut Transaction<'b>>,
    sql: &'a Sql,
}

impl Rows for TxRows<'_, '_> {
    fn load_row(&self, id: &IntentId) -> Result<Option<Intent>, JournalError> {
        load(*self.tx.borrow_mut(), self.sql.load.as_str(), id)
    }
    fn insert_row(&self, intent: &Intent) -> Result<bool, JournalError> {
        insert(*self.tx.borrow_mut(), self.sql.insert.as_str(), intent)
    }
    fn cas_row(&self, row: &Intent, expected: u64) -> Result<bool, JournalError> {
        cas(
            *self.tx.borrow_mut(),
            self.sql.update.as_str(),
            row,
            expected,
        )
    }
}

impl Store for PgStore {
    fn claim(&self, intent: &Intent) -> Result<bool, JournalError> {
        insert(&mut *self.client(), &self.prepared.insert, intent)
    }

    fn load(&self, id: &IntentId) -> Result<Option<Intent>, JournalError> {
        load(&mut *self.client(), &self.prepared.load, id)
    }

    fn compare_and_set(&self, row: &Intent, expected: u64) -> Result<bool, JournalError> {
        cas(&mut *self.client(), &self.prepared.update, row, expected)
    }

    fn list(&self, kind: StateKind, n: usize) -> Result<Vec<Intent>, JournalError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE state = $1 ORDER BY updated_ms LIMIT $2",
            self.sql.table
        );
        self.query(&sql, &[&kind.as_str(), &limit(n)])
    }

    fn sweep(&self, now: SystemTime, n: usize) -> Result<Vec<Intent>, JournalError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE {} ORDER BY updated_ms LIMIT $2",
            self.sql.table,
            codec::sweep_condition("$1")
        );
        self.query(&sql, &[&millis(now), &limit(n)])
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

    /// Takes over dead holders' intents in one transaction; rows another recoverer has locked
    /// are skipped (`FOR UPDATE SKIP LOCKED`), so recoverers across the fleet never collide.
    fn recover(
        &self,
        owner: &str,
        now: SystemTime,
        policy: &Policy,
        n: usize,
    ) -> Result<Vec<(IntentId, Begun)>, JournalError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE state IN ('claimed', 'sent') \
             AND (lease_until_ms IS NULL OR lease_until_ms <= $1) \
             ORDER BY updated_ms LIMIT $2 FOR UPDATE SKIP LOCKED",
            self.sql.table
        );
        let mut client = self.client();
        let mut tx = client.transaction().map_err(JournalError::store)?;
        let rows = tx
            .query(&sql, &[&millis(now), &limit(n)])
            .map_err(JournalError::store)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let row = read_row(r)?.into_intent()?;
            let (begun, write) = decide::take_over(&row, owner, now, policy)?;
            let rows = TxRows {
                tx: RefCell::new(&mut tx),
                sql: &self.sql,
            };
            if store::write_row(&rows, &write)? {
                out.push((row.id().clone(), begun));
            }
        }
        tx.commit().map_err(JournalError::store)?;
        Ok(out)
    }
}
