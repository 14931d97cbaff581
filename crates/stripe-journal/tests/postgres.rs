//! The PostgreSQL store itself: the conformance suite of the store primitives, the migration
//! from schema 1, one namespace per schema, the URL's settings and secrets, TLS. The server and
//! the tests' schemas: `support/pg.rs`; the store through the journal in runtimes and across
//! killed connections: `postgres_runtimes.rs` and `postgres_connections.rs`.

mod conformance;
mod support;

#[cfg(feature = "postgres-tls")]
use std::io::Write;
use std::time::UNIX_EPOCH;

use stripe_journal::{Fingerprint, JournalError, PgStore, StateKind, Store, open_store};

use support::common::op;
use support::pg::{Harness, harness};

impl Harness {
    /// A new connection to the test's schema: what the conformance suite opens.
    fn open(&self) -> Box<dyn Store> {
        Box::new(PgStore::connect(&self.url, &self.schema).expect("connect the store"))
    }
}

/// [`harness`] outside a runtime, for the conformance suite.
fn blocking_harness(test: &str) -> Option<Harness> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(harness(test))
}

// The store's primitives, as every store must keep them.
conformance_tests!(blocking_harness);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_1_database_is_migrated_and_its_rows_kept() {
    let Some(h) = harness("migrate_v1").await else {
        return;
    };
    let admin = h.admin().await;
    let s = &h.schema;
    let v1 = include_str!("../src/pg/migrations/0001_intents.sql").replace("{schema}", s);
    admin
        .batch_execute(&format!(
            "CREATE SCHEMA {s}; {v1}; \
             CREATE TABLE {s}.journal_schema (version BIGINT NOT NULL); \
             INSERT INTO {s}.journal_schema (version) VALUES (1);"
        ))
        .await
        .expect("schema 1");
    let fingerprint = Fingerprint::of("POST", "/v1/charges", b"amount=1").to_hex();
    admin
        .execute(
            &format!(
                "INSERT INTO {s}.journal_intents (scope, op, idem_key, key_created_ms, fingerprint, \
                 created_ms, updated_ms, state, status, object_id, body, attempts, epoch, version) \
                 VALUES ('', 'legacy/charge', 'legacy-key-0001', 1750000000000, $1, 1750000000000, \
                 1750000000000, 'done', 200, 'ch_legacy', '{{\"id\":\"ch_legacy\"}}', 1, 1, 3)"
            ),
            &[&fingerprint],
        )
        .await
        .expect("a schema-1 row");

    let journal = h.journal();
    let row = journal
        .load(&op("legacy/charge"))
        .expect("load")
        .expect("the old row");
    assert_eq!(row.namespace(), "");
    assert_eq!(row.state().kind(), StateKind::Done);
    assert_eq!(row.key().as_str(), "legacy-key-0001");
    assert_eq!(row.version(), 3);
    assert!(!journal.namespace().is_empty(), "the store got a namespace");
    let version: i64 = admin
        .query_one(&format!("SELECT max(version) FROM {s}.journal_schema"), &[])
        .await
        .and_then(|r| r.try_get(0))
        .expect("version");
    assert_eq!(version, stripe_journal::pg::PG_SCHEMA_VERSION);
    assert_eq!(version, 2);

    // A row that cannot be decoded is its error in a listing; the others are still read.
    admin
        .execute(
            &format!(
                "INSERT INTO {s}.journal_intents (scope, op, idem_key, key_created_ms, fingerprint, \
                 created_ms, updated_ms, state, attempts, epoch, version) \
                 VALUES ('', 'broken/charge', 'broken-key', 1, $1, 1, 1, 'done', 1, 1, 1)"
            ),
            &[&fingerprint],
        )
        .await
        .expect("a done row without an answer");
    let listed = journal.list(StateKind::Done, 10).expect("list");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(matches!(
        listed.iter().find(|r| r.is_err()),
        Some(Err(JournalError::Corrupt(_)))
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn stores_on_one_schema_share_one_namespace() {
    let Some(h) = harness("namespace").await else {
        return;
    };
    let url = h.journal_url("");
    let (a, _) = open_store(&url).expect("open");
    let (b, b_async) = open_store(&url).expect("open again");
    let c = PgStore::connect_async(&h.url, &h.schema)
        .await
        .expect("connect_async");
    let namespace = a.namespace().expect("namespace");
    assert_eq!(namespace.len(), 16);
    assert_eq!(b.namespace().expect("namespace"), namespace);
    assert_eq!(Store::namespace(&c).expect("namespace"), namespace);
    assert_eq!(h.journal().namespace(), namespace);
    // Both faces of one open are one store: the clock answers through either.
    let now = b_async.clock().await.expect("clock");
    assert!(now.duration_since(UNIX_EPOCH).is_ok());
}

#[tokio::test(flavor = "current_thread")]
async fn the_url_sets_the_pool_and_keeps_its_secrets() {
    let Some(h) = harness("url").await else {
        return;
    };
    let sep = if h.url.contains('?') { '&' } else { '?' };
    let store = PgStore::connect(&format!("{}{sep}journal_pool_size=3", h.url), &h.schema)
        .expect("connect");
    assert_eq!(store.pool_size(), 3);
    assert_eq!(
        PgStore::connect_async(&h.url, &h.schema)
            .await
            .expect("connect")
            .pool_size(),
        stripe_journal::pg::DEFAULT_POOL_SIZE
    );
    for bad in ["0", "x", ""] {
        let url = format!("{}{sep}journal_pool_size={bad}", h.url);
        assert!(
            matches!(
                PgStore::connect(&url, &h.schema),
                Err(JournalError::InvalidUrl(_))
            ),
            "journal_pool_size={bad}"
        );
    }
    #[cfg(not(feature = "postgres-tls"))]
    assert!(matches!(
        PgStore::connect(&format!("{}{sep}sslmode=require", h.url), &h.schema),
        Err(JournalError::InvalidUrl(_))
    ));
    // Nobody listens on port 1: the error names neither the password nor the URL.
    let secret = "s3cr3t-pw";
    let err = PgStore::connect_async(
        &format!("postgres://someone:{secret}@127.0.0.1:1/x?connect_timeout=2"),
        &h.schema,
    )
    .await
    .expect_err("no server on port 1");
    assert!(matches!(err, JournalError::Store(_)), "{err:?}");
    let shown = format!("{err} {err:?} {store:?}");
    assert!(!shown.contains(secret), "{shown}");
}

/// With `postgres-tls`, `sslmode=require` goes through rustls: a server without TLS, or with a
/// certificate no public root vouches for (a test server's), is an error, never a panic and
/// never a silent fall-back to plain text.
#[cfg(feature = "postgres-tls")]
#[tokio::test(flavor = "current_thread")]
async fn sslmode_require_goes_through_rustls() {
    let Some(h) = harness("tls").await else {
        return;
    };
    let sep = if h.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}sslmode=require", h.url);
    match PgStore::connect_async(&url, &h.schema).await {
        Err(JournalError::Store(e)) => {
            let _ = writeln!(std::io::stderr(), "sslmode=require refused: {e}");
        }
        // A server with a publicly trusted certificate: then TLS is up.
        Ok(store) => assert_eq!(store.pool_size(), stripe_journal::pg::DEFAULT_POOL_SIZE),
        Err(other) => panic!("{other:?}"),
    }
}
