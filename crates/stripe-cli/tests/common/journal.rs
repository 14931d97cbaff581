//! Helpers of the journal tests (`journal.rs`, `journal_recover.rs`, `journal_audit.rs`): a
//! scratch directory and its SQLite journal, a journaled charge's words, the fake's words.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::{KEY, stdout};

/// The SQLite journal in `dir`, as a `--db` value.
pub fn db(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("journal.db").display())
}

/// A fresh directory of this test process for the test `name`.
pub fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("stripe-cli-journal-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// The charge of `op` through the journal at `db`, with `extra` words.
pub fn journaled_charge<'a>(db: &'a str, op: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut words = vec![
        "post",
        "/v1/charges",
        "--op",
        op,
        "--db",
        db,
        "-d",
        "amount=900",
        "-d",
        "currency=usd",
        "-d",
        "source=tok_visa",
        "--backoff-ms",
        "1",
    ];
    words.extend_from_slice(extra);
    words
}

/// The `--api-base` and `--secret-key` words of `fake`, after `words`.
pub fn at_fake<'a>(base: &'a str, words: &[&'a str]) -> Vec<&'a str> {
    let mut all = words.to_vec();
    all.extend_from_slice(&["--api-base", base, "--secret-key", KEY]);
    all
}

/// Stdout's lines, each one JSON value.
pub fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}
