//! The conformance suite against PostgreSQL, each test in its own schema (dropped at its end),
//! plus what only PostgreSQL offers: claims inside the caller's transaction and recoverers that
//! skip each other's rows.
//!
//! The server is `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`). Missing, it
//! fails the run under `CI=true` and prints a loud `SKIPPED` line elsewhere.

mod conformance;

use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use stripe_journal::{
    BeginInput, Begun, Fingerprint, IntentId, PgStore, Policy, Store, open_store,
};

fn url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A schema of its own for one test, dropped at the end.
struct Harness {
    url: String,
    schema: String,
}

impl Harness {
    fn open(&self) -> Box<dyn Store> {
        Box::new(self.pg())
    }

    fn pg(&self) -> PgStore {
        PgStore::connect(&self.url, &self.schema).expect("connect to PostgreSQL")
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Ok(store) = PgStore::connect(&self.url, &self.schema) {
            let _ = store.drop_schema();
        }
    }
}

fn harness(test: &str) -> Option<Harness> {
    let url = url();
    if let Err(e) = postgres::Client::connect(&url, postgres::NoTls) {
        let msg = format!("SKIPPED: {test}: no PostgreSQL at DATABASE_URL ({e})");
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{msg} (CI=true)"
        );
        // Straight to stderr, past the test harness's capture, so the skip is seen.
        let bar = "=".repeat(72);
        let _ = writeln!(std::io::stderr(), "\n{bar}\n{msg}\n{bar}");
        return None;
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let short: String = test.chars().take(30).collect();
    let schema = format!("journal_test_{}_{nanos}_{short}", std::process::id());
    Some(Harness { url, schema })
}

conformance_tests!(harness);

fn input<'a>(id: &'a IntentId, owner: &'a str, now: SystemTime) -> BeginInput<'a> {
    BeginInput::new(
        id,
        Fingerprint::of("POST", "/v1/charges", b"amount=1"),
        owner,
        now,
        [7; 10],
    )
}

#[test]
fn claim_in_commits_and_rolls_back_with_the_callers_transaction() {
    let Some(h) = harness("claim_in") else { return };
    let store = h.pg();
    let mut client = postgres::Client::connect(&h.url, postgres::NoTls).expect("connect");
    client
        .batch_execute(&format!(
            "CREATE TABLE {}.orders (id TEXT PRIMARY KEY)",
            h.schema
        ))
        .expect("orders table");
    let now = SystemTime::now();
    let policy = Policy::default();

    let rolled = IntentId::op("order-rolled-back").expect("id");
    let mut tx = client.transaction().expect("tx");
    tx.execute(
        &format!("INSERT INTO {}.orders VALUES ($1)", h.schema),
        &[&"rolled"],
    )
    .expect("order");
    let got = store
        .claim_in(&mut tx, &input(&rolled, "a", now), &policy)
        .expect("claim");
    assert!(matches!(got, Begun::Proceed(_)));
    tx.rollback().expect("rollback");
    assert!(store.load(&rolled).expect("load").is_none());

    let kept = IntentId::op("order-committed").expect("id");
    let mut tx = client.transaction().expect("tx");
    tx.execute(
        &format!("INSERT INTO {}.orders VALUES ($1)", h.schema),
        &[&"kept"],
    )
    .expect("order");
    let got = store
        .claim_in(&mut tx, &input(&kept, "a", now), &policy)
        .expect("claim");
    // Not visible outside before the commit.
    assert!(store.load(&kept).expect("load").is_none());
    tx.commit().expect("commit");
    let Begun::Proceed(claim) = got else {
        panic!("expected Proceed, got {got:?}")
    };
    let row = store.load(&kept).expect("load").expect("row");
    assert_eq!(row.key(), claim.key());
    let n: i64 = client
        .query_one(&format!("SELECT count(*) FROM {}.orders", h.schema), &[])
        .and_then(|r| r.try_get(0))
        .expect("count");
    assert_eq!(n, 1);
}

#[test]
fn concurrent_recoverers_take_disjoint_rows() {
    let Some(h) = harness("recoverers") else {
        return;
    };
    let store = h.pg();
    let t0 = UNIX_EPOCH + Duration::from_secs(1_750_000_000);
    let policy = Policy::default();
    let ids: Vec<IntentId> = (0..40)
        .map(|i| IntentId::op(format!("dead-{i}")).expect("id"))
        .collect();
    for id in &ids {
        let Begun::Proceed(c) = store.begin(&input(id, "dead", t0), &policy).expect("begin") else {
            panic!("expected Proceed")
        };
        store.mark_sent(&c, t0, &policy).expect("mark");
    }
    let now = t0 + Duration::from_secs(60);
    let mut taken: Vec<IntentId> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let h = &h;
                let policy = &policy;
                s.spawn(move || {
                    let store = h.pg();
                    let mut all = Vec::new();
                    loop {
                        let got = store
                            .recover(&format!("r{i}"), now, policy, 3)
                            .expect("recover");
                        if got.is_empty() {
                            break all;
                        }
                        all.extend(got.into_iter().map(|(id, _)| id));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    });
    taken.sort();
    let before = taken.len();
    taken.dedup();
    assert_eq!(before, taken.len(), "a row was taken over twice");
    assert_eq!(taken.len(), ids.len());
}

#[test]
fn url_picks_the_schema_and_a_second_open_reuses_it() {
    let Some(h) = harness("url") else { return };
    let sep = if h.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}journal_schema={}", h.url, h.schema);
    let a = open_store(&url).expect("open");
    let b = open_store(&url).expect("open again");
    let id = IntentId::op("via-url").expect("id");
    let now = SystemTime::now();
    assert!(matches!(
        a.begin(&input(&id, "a", now), &Policy::default())
            .expect("begin"),
        Begun::Proceed(_)
    ));
    assert!(matches!(
        b.begin(&input(&id, "b", now), &Policy::default())
            .expect("begin"),
        Begun::Busy { .. }
    ));
}
