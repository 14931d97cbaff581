//! Stores chosen by URL: `sqlite:PATH`, `sqlite::memory:`, `postgres://...`.

use std::sync::Arc;

use crate::error::JournalError;
#[cfg(feature = "sqlite")]
use crate::store::OnBlockingPool;
use crate::store::{AsyncStore, Store};

/// A store's blocking and async faces.
pub type Stores = (Arc<dyn Store>, Arc<dyn AsyncStore>);

#[cfg(feature = "sqlite")]
fn blocking(store: impl Store + 'static) -> Stores {
    let store: Arc<dyn Store> = Arc::new(store);
    (Arc::clone(&store), Arc::new(OnBlockingPool(store)))
}

const FORMS: &str = "expected sqlite:PATH, sqlite::memory: or \
     postgres://user@host:port/db[?journal_schema=NAME&journal_pool_size=N]";

/// Opens the store a URL names:
///
/// | URL | store |
/// |---|---|
/// | `sqlite::memory:` | SQLite in memory (tests) |
/// | `sqlite:PATH` or `sqlite://PATH` | SQLite file at `PATH`, created if missing |
/// | `postgres://...` or `postgresql://...` | PostgreSQL, feature `postgres` (see `PgStore::connect`); the schema is the query parameter `journal_schema` (default `stripe_journal`), the pool's size `journal_pool_size` (default 16), every other part goes to the driver (TLS with `sslmode=require` and the feature `postgres-tls`) |
pub fn open_store(url: &str) -> Result<Stores, JournalError> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        return open_sqlite(rest.strip_prefix("//").unwrap_or(rest));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let (url, schema) = split_schema(url);
        return open_postgres(&url, &schema);
    }
    Err(JournalError::InvalidUrl(FORMS.to_owned()))
}

#[cfg(feature = "sqlite")]
fn open_sqlite(path: &str) -> Result<Stores, JournalError> {
    use crate::sqlite::SqliteStore;
    if path == ":memory:" {
        return Ok(blocking(SqliteStore::in_memory()?));
    }
    if path.is_empty() {
        return Err(JournalError::InvalidUrl(format!(
            "empty SQLite path; {FORMS}"
        )));
    }
    Ok(blocking(SqliteStore::open(path)?))
}

#[cfg(not(feature = "sqlite"))]
fn open_sqlite(_: &str) -> Result<Stores, JournalError> {
    Err(JournalError::InvalidUrl(
        "this build has no SQLite store (feature `sqlite`)".into(),
    ))
}

#[cfg(feature = "postgres")]
fn open_postgres(url: &str, schema: &str) -> Result<Stores, JournalError> {
    // Async-native: one store, both faces.
    let store = Arc::new(crate::pg::PgStore::connect(url, schema)?);
    Ok((Arc::clone(&store) as Arc<dyn Store>, store))
}

#[cfg(not(feature = "postgres"))]
fn open_postgres(_: &str, _: &str) -> Result<Stores, JournalError> {
    Err(JournalError::InvalidUrl(
        "this build has no PostgreSQL store (feature `postgres`)".into(),
    ))
}

/// Takes `journal_schema=NAME` out of a URL's query; the rest is left for the driver.
pub(crate) fn split_schema(url: &str) -> (String, String) {
    let (url, schema) = take_param(url, "journal_schema");
    (url, schema.unwrap_or_else(|| "stripe_journal".to_owned()))
}

/// Takes the query parameter `name` out of a URL (its last value, if any); the rest of the URL
/// is left as it was, for the driver.
pub(crate) fn take_param(url: &str, name: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut value = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.split_once('=') {
            Some((key, v)) if key == name => {
                value = Some(v.to_owned());
                false
            }
            _ => !pair.is_empty(),
        })
        .collect();
    if kept.is_empty() {
        (base.to_owned(), value)
    } else {
        (format!("{base}?{}", kept.join("&")), value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_comes_out_of_the_query() {
        let (u, s) = split_schema("postgres://p@h/db?journal_schema=abc&connect_timeout=5");
        assert_eq!(
            (u.as_str(), s.as_str()),
            ("postgres://p@h/db?connect_timeout=5", "abc")
        );
        let (u, s) = split_schema("postgres://p@h/db");
        assert_eq!(
            (u.as_str(), s.as_str()),
            ("postgres://p@h/db", "stripe_journal")
        );
        let (u, s) = split_schema("postgres://p@h/db?journal_schema=x");
        assert_eq!((u.as_str(), s.as_str()), ("postgres://p@h/db", "x"));
    }

    #[test]
    fn a_param_comes_out_and_the_rest_stays() {
        let (u, v) = take_param(
            "postgres://p@h/db?a=1&journal_pool_size=4&b=2",
            "journal_pool_size",
        );
        assert_eq!(
            (u.as_str(), v.as_deref()),
            ("postgres://p@h/db?a=1&b=2", Some("4"))
        );
        let (u, v) = take_param("postgres://p@h/db?a=1", "journal_pool_size");
        assert_eq!((u.as_str(), v), ("postgres://p@h/db?a=1", None));
    }

    #[test]
    fn unknown_urls_are_typed_errors() {
        for url in ["", "mysql://x", "sqlite:", "redis://h"] {
            assert!(
                matches!(open_store(url), Err(JournalError::InvalidUrl(_))),
                "{url}"
            );
        }
    }

    #[test]
    fn a_bad_schema_name_is_refused_before_connecting() {
        let r = open_store("postgres://nobody@127.0.0.1:1/x?journal_schema=a;drop");
        assert!(matches!(r, Err(JournalError::InvalidUrl(_))));
    }
}
