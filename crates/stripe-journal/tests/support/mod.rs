//! What several test files share: a fresh SQLite file per test (here), and the helpers of the
//! test files split by concern, each in one place:
//!
//! | file | what it holds |
//! | --- | --- |
//! | `common.rs` | an operation's id, a charge of an order, a run's outcome |
//! | `findings.rs` | the findings tests' journal, client, fault rules and dying holder |
//! | `run.rs` | the run tests' journal and client, a fault on charges, charges counted |
//! | `pg.rs` | the PostgreSQL tests' server, schema of their own and client |
//!
//! Each test binary compiles all of it and uses a part: the helper modules allow dead code.

#[allow(dead_code)] // each test binary uses a part of it
pub mod common;
#[allow(dead_code)]
pub mod findings;
#[cfg(feature = "postgres")]
#[allow(dead_code)]
pub mod pg;
#[allow(dead_code)]
pub mod run;

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use stripe_journal::SqliteStore;

/// A fresh SQLite file under the temp dir, removed (with its WAL files) at the end.
pub struct TempDb {
    pub path: PathBuf,
}

impl TempDb {
    /// A new file for `test` (the process id and the clock make it unique).
    #[allow(dead_code)] // not every test file makes one (the run tests' journal is in memory)
    pub fn new(test: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!(
            "stripe-journal-{test}-{}-{nanos}.db",
            std::process::id()
        ));
        Self { path }
    }

    /// A connection to it.
    #[allow(dead_code)] // not every test file opens the store this way
    pub fn store(&self) -> SqliteStore {
        SqliteStore::open(&self.path).expect("open SQLite journal")
    }

    /// A connection to it, as the conformance suite opens stores.
    #[allow(dead_code)] // only the conformance suite's harness
    pub fn open(&self) -> Box<dyn stripe_journal::Store> {
        Box::new(self.store())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}
