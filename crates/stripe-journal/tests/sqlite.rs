//! The conformance suite against SQLite files (several connections to one file per test).

mod conformance;
mod support;

use std::sync::Arc;
use std::time::SystemTime;

use support::TempDb;

use stripe_journal::store::Cursor;
use stripe_journal::{IntentId, SqliteStore, State, StateKind, Store, open_store};

/// A fresh database file per test (deleted with its WAL files at the end).
fn harness(test: &str) -> Option<TempDb> {
    Some(TempDb::new(test))
}

conformance_tests!(harness);

#[test]
fn urls_open_sqlite_stores() {
    let h = harness("urls").expect("harness");
    let url = format!("sqlite:{}", h.path.display());
    let (a, _) = open_store(&url).expect("open file");
    let (b, _) = open_store(&url).expect("open again: the schema is already there");
    let start = Cursor::start();
    assert!(
        a.list(StateKind::Done, &start, 1)
            .expect("list")
            .rows
            .is_empty()
    );
    assert!(
        b.list(StateKind::Done, &start, 1)
            .expect("list")
            .rows
            .is_empty()
    );
    assert_eq!(a.namespace().expect("ns"), b.namespace().expect("ns"));
    let (m, _) = open_store("sqlite::memory:").expect("memory");
    let swept = m.sweep(SystemTime::now(), &start, 1).expect("sweep");
    assert!(swept.rows.is_empty() && swept.next.is_none());
}

#[test]
fn in_memory_store_passes_the_single_connection_cases() {
    // One connection only (an in-memory database cannot be opened twice), a fresh one per case:
    // the cases that open a second connection run against files above.
    let cases: [fn(conformance::Connect<'_>); 4] = [
        conformance::insert_once_then_load_the_same_row,
        conformance::compare_and_set_has_one_winner,
        conformance::every_field_of_every_state_round_trips,
        conformance::sweep_finds_what_recovery_needs_page_by_page,
    ];
    for case in cases {
        let shared = Arc::new(SqliteStore::in_memory().expect("memory"));
        let connect = || -> Box<dyn Store> { Box::new(Arc::clone(&shared)) };
        case(&connect);
    }
}

/// A schema-1 database (as the previous release wrote it) with one done intent.
const SCHEMA_1: &str = "
CREATE TABLE journal_schema (version INTEGER NOT NULL);
INSERT INTO journal_schema (version) VALUES (1);
CREATE TABLE journal_intents (
    scope TEXT NOT NULL, op TEXT NOT NULL, idem_key TEXT NOT NULL, key_created_ms INTEGER NOT NULL,
    fingerprint TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    state TEXT NOT NULL, status INTEGER, object_id TEXT, body TEXT, advice TEXT, reason TEXT,
    attempts INTEGER NOT NULL, lease_owner TEXT, lease_until_ms INTEGER, epoch INTEGER NOT NULL,
    version INTEGER NOT NULL, request TEXT, PRIMARY KEY (scope, op));
INSERT INTO journal_intents VALUES ('', 'order-1', 'key-1', 1700000000000,
    '0000000000000000000000000000000000000000000000000000000000000000', 1700000000000,
    1700000000000, 'done', 200, 'ch_1', '{\"id\":\"ch_1\"}', NULL, NULL, 0, NULL, NULL, 1, 3,
    'POST /v1/charges
amount=5');
";

#[test]
fn a_schema_1_database_migrates_and_keeps_its_rows() {
    let h = harness("migrate").expect("harness");
    let conn = rusqlite::Connection::open(&h.path).expect("sqlite");
    conn.execute_batch(SCHEMA_1).expect("schema 1");
    drop(conn);
    let store = SqliteStore::open(&h.path).expect("open migrates");
    let id = IntentId::op("order-1").expect("id");
    let row = store
        .load(&id)
        .expect("load")
        .row()
        .cloned()
        .expect("row kept");
    assert_eq!(row.namespace(), "", "intents of schema 1 had no namespace");
    assert_eq!(row.send_limit(), None);
    assert!(matches!(row.state(), State::Done(a) if a.object_id() == Some("ch_1")));
    assert!(!store.namespace().expect("namespace").is_empty());
    let conn = rusqlite::Connection::open(&h.path).expect("sqlite");
    let version: i64 = conn
        .query_row("SELECT max(version) FROM journal_schema", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, stripe_journal::sqlite::SQLITE_SCHEMA_VERSION);
    drop(store);
    // A newer schema than this build knows is refused, not misread.
    conn.execute("INSERT INTO journal_schema (version) VALUES (99)", [])
        .expect("bump");
    assert!(SqliteStore::open(&h.path).is_err());
}

#[test]
fn a_corrupt_row_is_its_own_error_and_the_others_are_read() {
    let h = harness("corrupt").expect("harness");
    let store = SqliteStore::open(&h.path).expect("open");
    let conn = rusqlite::Connection::open(&h.path).expect("sqlite");
    conn.execute_batch(SCHEMA_1_ROWS).expect("rows");
    let done = store
        .list(StateKind::Done, &Cursor::start(), 10)
        .expect("list despite a bad row");
    let (good, bad): (Vec<_>, Vec<_>) = done.rows.into_iter().partition(Result::is_ok);
    assert_eq!(
        (good.len(), bad.len()),
        (1, 1),
        "one good row, one reported"
    );
    assert!(
        bad[0]
            .as_ref()
            .is_err_and(|e| e.to_string().contains("corrupt"))
    );
}

/// Two done rows in the current schema, one with a fingerprint that is not hex.
const SCHEMA_1_ROWS: &str = "
INSERT INTO journal_intents (scope, op, idem_key, key_created_ms, fingerprint, created_ms,
    updated_ms, state, status, object_id, body, attempts, epoch, version, request)
VALUES ('', 'good', 'key-1', 1, '0000000000000000000000000000000000000000000000000000000000000000',
    1, 1, 'done', 200, 'ch_1', '{}', 0, 1, 1, 'POST /v1/charges
'),
    ('', 'bad', 'key-2', 1, 'not hex', 1, 2, 'done', 200, 'ch_2', '{}', 0, 1, 1, NULL);
";
