//! The conformance suite against SQLite files (several connections to one file per test).

mod conformance;

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use stripe_journal::{SqliteStore, Store, open_store};

/// A fresh database file, deleted (with its WAL files) at the end of the test.
struct Harness {
    path: PathBuf,
}

impl Harness {
    fn open(&self) -> Box<dyn Store> {
        Box::new(SqliteStore::open(&self.path).expect("open SQLite journal"))
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

fn harness(test: &str) -> Option<Harness> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = std::env::temp_dir().join(format!(
        "stripe-journal-{test}-{}-{nanos}.db",
        std::process::id()
    ));
    Some(Harness { path })
}

conformance_tests!(harness);

#[test]
fn urls_open_sqlite_stores() {
    let h = harness("urls").expect("harness");
    let url = format!("sqlite:{}", h.path.display());
    let a = open_store(&url).expect("open file");
    let b = open_store(&url).expect("open again: the schema is already there");
    assert!(
        a.list(stripe_journal::StateKind::Done, 1)
            .expect("list")
            .is_empty()
    );
    assert!(
        b.list(stripe_journal::StateKind::Done, 1)
            .expect("list")
            .is_empty()
    );
    let m = open_store("sqlite::memory:").expect("memory");
    assert!(m.sweep(SystemTime::now(), 1).expect("sweep").is_empty());
}

#[test]
fn in_memory_store_passes_the_single_connection_cases() {
    // One connection only: the cases that open a second one run against files above.
    let store = SqliteStore::in_memory().expect("memory");
    let shared: std::sync::Arc<dyn Store> = std::sync::Arc::new(store);
    let connect = || -> Box<dyn Store> { Box::new(Shared(std::sync::Arc::clone(&shared))) };
    conformance::claim_send_done_then_replay(&connect);
    conformance::concurrent_claims_on_one_connection(&connect);
    conformance::expired_lease_is_taken_over_with_the_same_key(&connect);
}

/// A second handle on one store (the in-memory database cannot be opened twice).
struct Shared(std::sync::Arc<dyn Store>);

impl Store for Shared {
    fn claim(&self, i: &stripe_journal::Intent) -> Result<bool, stripe_journal::JournalError> {
        self.0.claim(i)
    }
    fn load(
        &self,
        id: &stripe_journal::IntentId,
    ) -> Result<Option<stripe_journal::Intent>, stripe_journal::JournalError> {
        self.0.load(id)
    }
    fn compare_and_set(
        &self,
        row: &stripe_journal::Intent,
        expected: u64,
    ) -> Result<bool, stripe_journal::JournalError> {
        self.0.compare_and_set(row, expected)
    }
    fn list(
        &self,
        kind: stripe_journal::StateKind,
        limit: usize,
    ) -> Result<Vec<stripe_journal::Intent>, stripe_journal::JournalError> {
        self.0.list(kind, limit)
    }
    fn sweep(
        &self,
        now: SystemTime,
        limit: usize,
    ) -> Result<Vec<stripe_journal::Intent>, stripe_journal::JournalError> {
        self.0.sweep(now, limit)
    }
    fn prune(&self, before: SystemTime) -> Result<u64, stripe_journal::JournalError> {
        self.0.prune(before)
    }
}
