//! Schema migrations: ordered files, applied once each, the version recorded in a table. A
//! backend provides the primitives ([`Migrate`]) inside one transaction under its lock; the
//! algorithm lives here, once.

use crate::error::JournalError;

/// One migration: its version and its SQL (`{schema}` stands for the store's schema name where
/// the backend has schemas).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) sql: &'static str,
}

/// What a backend does for the migrator, inside the transaction it holds.
#[cfg(feature = "sqlite")]
pub(crate) trait Migrate {
    /// The highest version applied, if any (the version table is created if missing).
    fn applied(&mut self) -> Result<Option<i64>, JournalError>;
    /// Runs a migration's SQL and records its version.
    fn apply(&mut self, migration: &Migration) -> Result<(), JournalError>;
}

/// Brings the schema to the last of `migrations` (ordered by version); refuses a schema newer
/// than this build knows.
#[cfg(feature = "sqlite")]
pub(crate) fn migrate(db: &mut impl Migrate, migrations: &[Migration]) -> Result<(), JournalError> {
    for migration in pending(db.applied()?, migrations)? {
        db.apply(migration)?;
    }
    Ok(())
}

/// The migrations still to apply, in order, over a schema at version `applied` (`None`: a new
/// one); a schema newer than this build knows is refused. Async backends, which cannot
/// implement the blocking `Migrate`, walk this themselves.
pub(crate) fn pending(
    applied: Option<i64>,
    migrations: &[Migration],
) -> Result<impl Iterator<Item = &Migration>, JournalError> {
    let known = migrations.last().map_or(0, |m| m.version);
    let applied = applied.unwrap_or(0);
    if applied > known {
        return Err(JournalError::Store(
            format!("journal schema version {applied}, this build knows up to {known}").into(),
        ));
    }
    Ok(migrations.iter().filter(move |m| m.version > applied))
}

/// A fresh namespace: 16 random hex digits, written once when a store is created.
pub(crate) fn new_namespace() -> String {
    let mut bytes = [0u8; 8];
    stripe_client::fill_from_os(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
