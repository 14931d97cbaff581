//! The statements of one schema, built once, and the row's columns to and from PostgreSQL's
//! types.

use tokio_postgres::types::ToSql;

use crate::codec::{self, COLUMNS, Row, SWEEP_ORDER};
use crate::error::JournalError;
use crate::store::{Cursor, Page};

/// The store's clock in milliseconds since the epoch, as SQL.
const NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/// The statements of one schema, built once.
#[derive(Debug)]
pub(super) struct Sql {
    pub(super) insert: String,
    /// [`crate::Store::claim`] in one statement.
    pub(super) claim: String,
    pub(super) update: String,
    /// [`Sql::update`] for a final record: committed without waiting for the WAL flush.
    pub(super) update_final: String,
    pub(super) load: String,
    pub(super) clock: String,
    pub(super) list: String,
    pub(super) sweep: String,
    pub(super) prune: String,
    pub(super) namespace: String,
}

impl Sql {
    pub(super) fn new(schema: &str) -> Self {
        let table = format!("{schema}.journal_intents");
        let placeholder = |i: usize| format!("${i}");
        Self {
            insert: codec::insert_sql(&table, placeholder),
            claim: claim_sql(&table),
            update: format!(
                "{} RETURNING version",
                codec::update_sql(&table, placeholder)
            ),
            // The same compare-and-set in one statement whose transaction commits without
            // waiting for its WAL flush (`set_config(.., true)` lasts to the end of the
            // statement's implicit transaction, and the commit reads it).
            update_final: format!(
                "{} RETURNING version",
                codec::update_sql(&table, placeholder).replacen(
                    " WHERE ",
                    " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed WHERE ",
                    1
                )
            ),
            // One round trip: the row (if any) and the database's clock at the read.
            load: format!(
                "SELECT {NOW_MS}, t.* FROM (SELECT 1) AS one LEFT JOIN \
                 (SELECT {COLUMNS} FROM {table} WHERE scope = $1 AND op = $2) AS t ON true"
            ),
            clock: format!("SELECT {NOW_MS}"),
            list: format!(
                "SELECT {COLUMNS} FROM {table} WHERE state = $1 AND (updated_ms, scope, op) > ($2, $3, $4) \
                 {SWEEP_ORDER} LIMIT $5"
            ),
            sweep: format!(
                "SELECT {COLUMNS} FROM {table} WHERE {} {SWEEP_ORDER} LIMIT $5",
                codec::sweep_condition("$1", ["$2", "$3", "$4"])
            ),
            prune: format!(
                "DELETE FROM {table} WHERE state IN ('done', 'failed') AND updated_ms < $1"
            ),
            namespace: format!("SELECT value FROM {schema}.journal_meta WHERE name = 'namespace'"),
        }
    }
}

/// The claim: the row's values, its times moved by the database's clock minus its
/// `updated_ms` (read once), inserted unless that shift is over the skew allowed (the last
/// parameter, in ms) or the id has a row; returns the database's clock when it inserted.
fn claim_sql(table: &str) -> String {
    let columns: Vec<&str> = COLUMNS.split(',').map(str::trim).collect();
    let updated = columns
        .iter()
        .position(|&c| c == "updated_ms")
        .map_or(0, |i| i + 1);
    let values: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let ty = match c {
                "status" => "integer",
                "attempts" | "epoch" | "version" | "key_spent" => "bigint",
                _ if c.ends_with("_ms") => "bigint",
                _ => "text",
            };
            let value = format!("${}::{ty}", i + 1);
            if c.ends_with("_ms") {
                format!("{value} + c.shift")
            } else {
                value
            }
        })
        .collect();
    format!(
        "INSERT INTO {table} ({COLUMNS}) SELECT {} FROM (SELECT {NOW_MS} - ${updated}::bigint AS shift) AS c \
         WHERE abs(c.shift) <= ${}::bigint ON CONFLICT (scope, op) DO NOTHING RETURNING updated_ms",
        values.join(", "),
        columns.len() + 1
    )
}

/// A row count or limit as PostgreSQL's `bigint`.
pub(super) fn bigint(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The row's columns, starting at column `at`.
pub(super) fn read_row(r: &tokio_postgres::Row, at: usize) -> Result<Row, JournalError> {
    let get = |e: tokio_postgres::Error| JournalError::Corrupt(format!("column type: {e}"));
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

/// The row's values in the order of [`crate::codec::COLUMNS`], then `extra`.
pub(super) fn row_params<'a>(
    r: &'a Row,
    extra: Option<&'a (dyn ToSql + Sync)>,
) -> Vec<&'a (dyn ToSql + Sync)> {
    let mut params: Vec<&'a (dyn ToSql + Sync)> = vec![
        &r.scope,
        &r.op,
        &r.idem_key,
        &r.key_created_ms,
        &r.fingerprint,
        &r.created_ms,
        &r.updated_ms,
        &r.state,
        &r.status,
        &r.object_id,
        &r.body,
        &r.advice,
        &r.reason,
        &r.attempts,
        &r.lease_owner,
        &r.lease_until_ms,
        &r.epoch,
        &r.version,
        &r.request,
        &r.namespace,
        &r.send_limit_ms,
        &r.key_spent,
    ];
    params.extend(extra);
    params
}

/// The rows a sweep or listing selected, each decoded on its own (a bad row is its error, and
/// the others are still read); the page ends after the last row.
pub(super) fn page(rows: &[tokio_postgres::Row]) -> Page {
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
    Page { rows, next }
}
