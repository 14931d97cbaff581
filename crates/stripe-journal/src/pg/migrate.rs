//! The schema's migrations, in one transaction under an advisory lock (a fleet starting at once
//! migrates once), and the store's namespace, written once. The order and the refusal of a
//! newer schema are [`crate::migrate::pending`]'s.

use super::ops::Inner;
use crate::error::JournalError;
use crate::migrate::{self, Migration};

/// The migrations, in order.
pub(super) const MIGRATIONS: [Migration; 2] = [
    Migration {
        version: 1,
        sql: include_str!("migrations/0001_intents.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("migrations/0002_fences_namespaces.sql"),
    },
];

impl Inner {
    /// Brings the schema up to date and writes the store's namespace if it has none.
    pub(super) async fn migrate(&self) -> Result<(), JournalError> {
        let schema = &self.schema;
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(JournalError::store)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            &[&format!("stripe_journal:{schema}")],
        )
        .await
        .map_err(JournalError::store)?;
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {schema}; \
             CREATE TABLE IF NOT EXISTS {schema}.journal_schema (version BIGINT NOT NULL)"
        ))
        .await
        .map_err(JournalError::store)?;
        let applied: Option<i64> = tx
            .query_one(
                &format!("SELECT max(version) FROM {schema}.journal_schema"),
                &[],
            )
            .await
            .and_then(|r| r.try_get(0))
            .map_err(JournalError::store)?;
        for migration in migrate::pending(applied, &MIGRATIONS)? {
            tx.batch_execute(&migration.sql.replace("{schema}", schema))
                .await
                .map_err(JournalError::store)?;
            tx.execute(
                &format!("INSERT INTO {schema}.journal_schema (version) VALUES ($1)"),
                &[&migration.version],
            )
            .await
            .map_err(JournalError::store)?;
        }
        tx.execute(
            &format!(
                "INSERT INTO {schema}.journal_meta (name, value) VALUES ('namespace', $1) \
                 ON CONFLICT (name) DO NOTHING"
            ),
            &[&migrate::new_namespace()],
        )
        .await
        .map_err(JournalError::store)?;
        tx.commit().await.map_err(JournalError::store)
    }
}
