//! The PostgreSQL store through the public API (`Journal::open`, `run`, `run_async`) against
//! the fake Stripe: opened, used and dropped inside a current-thread runtime, a multi-thread
//! runtime and outside one; connections killed by the server mid-use; concurrent runs on
//! concurrent connections; the migration from schema 1; one namespace per schema; the URL's
//! settings and secrets.
//!
//! The server is `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`). Each test
//! works in a schema of its own, dropped at its end, and finds its own connections by their
//! `application_name`. A missing server fails the run under `CI=true` and prints a loud
//! `SKIPPED` banner elsewhere.

mod conformance;

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use stripe_core::{Backoff, Config, Request, RetryPolicy};
use stripe_fake::server::{self, ServerHandle};
use stripe_journal::{
    Fingerprint, IntentId, Journal, JournalError, PgStore, Policy, Run, StateKind, Store,
    open_store,
};
use tokio_postgres::NoTls;

fn url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A schema of its own for one test (its name is also the application name of the journal's
/// connections), dropped at the end.
struct Harness {
    url: String,
    schema: String,
}

impl Harness {
    /// The URL a journal opens: the test's schema and application name, then `extra`.
    fn journal_url(&self, extra: &str) -> String {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!(
            "{}{sep}journal_schema={s}&application_name={s}{extra}",
            self.url,
            s = self.schema
        )
    }

    fn journal(&self) -> Journal {
        Journal::open(&self.journal_url(""))
            .expect("open the journal")
            .with_search_lag(Duration::ZERO)
    }

    /// A connection of the test's own, driven on the current runtime.
    async fn admin(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.url, NoTls)
            .await
            .expect("admin connection");
        tokio::spawn(connection);
        client
    }

    /// How many connections the journal has open now.
    async fn journal_connections(&self, admin: &tokio_postgres::Client) -> i64 {
        admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                &[&self.schema],
            )
            .await
            .and_then(|r| r.try_get(0))
            .expect("pg_stat_activity")
    }

    /// Has the server end every connection of the journal (as a restart or a failover would),
    /// and waits until they are gone.
    async fn kill_journal_connections(&self, admin: &tokio_postgres::Client) -> usize {
        let killed = admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid() \
                 AND application_name = $1",
                &[&self.schema],
            )
            .await
            .expect("pg_terminate_backend")
            .len();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.journal_connections(admin).await > 0 {
            assert!(Instant::now() < deadline, "terminated backends linger");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        killed
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        // Blocking, and fine inside a runtime: the store's calls run on a thread of its own.
        if let Ok(store) = PgStore::connect(&self.url, &self.schema) {
            let _ = store.drop_schema();
        }
    }
}

/// The test's schema, or `None` (with a banner) when no server is there; under `CI=true` a
/// missing server fails the test.
async fn harness(test: &str) -> Option<Harness> {
    let url = url();
    match tokio_postgres::connect(&url, NoTls).await {
        Ok((_client, connection)) => drop(connection),
        Err(e) => {
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
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let short: String = test.chars().take(24).collect();
    let schema = format!("jt_{}_{nanos}_{short}", std::process::id());
    Some(Harness { url, schema })
}

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

fn config(fake: &ServerHandle) -> Config {
    Config::builder("sk_test_pg")
        .api_base(fake.base_url())
        .policy(
            RetryPolicy::default()
                .with_max_tries(3)
                .with_backoff(Backoff::Fixed(Duration::from_millis(10))),
        )
        .build()
        .expect("config")
}

fn charge(order: &str) -> Request {
    Request::post(
        "/v1/charges",
        &[
            ("amount", "1000"),
            ("currency", "usd"),
            ("source", "tok_visa"),
            ("metadata[order]", order),
        ],
    )
    .expect("request")
}

fn op(name: &str) -> IntentId {
    IntentId::op(name).expect("operation id")
}

fn charged(run: Run, id: &IntentId) -> String {
    let outcome = run.into_outcome(id).expect("an outcome");
    assert_eq!(outcome.status(), 200, "{}", outcome.body());
    outcome.object_id().expect("a charge id").to_owned()
}

/// Runs charges through both faces of the store, from async code: `run_async`, then the
/// blocking `run` and `load` (blocking calls are allowed in a runtime; they must not panic).
async fn charge_both_ways(journal: &Journal, fake: &ServerHandle, tag: &str) {
    let async_client = stripe_reqwest::Client::new(config(fake));
    let id = op(&format!("{tag}-async/charge"));
    let first = journal
        .run_async(&async_client, &id, charge(tag))
        .await
        .expect("run_async");
    let object = charged(first, &id);
    let again = journal
        .run_async(&async_client, &id, charge(tag))
        .await
        .expect("run_async again");
    assert_eq!(charged(again, &id), object, "a re-run replays");

    let blocking_client = stripe_ureq::Client::new(config(fake));
    let id = op(&format!("{tag}-blocking/charge"));
    let run = journal
        .run(&blocking_client, &id, charge(tag))
        .expect("run");
    charged(run, &id);
    let row = journal.load(&id).expect("load").expect("a row");
    assert_eq!(row.state().kind(), StateKind::Done);
}

#[tokio::test(flavor = "current_thread")]
async fn opens_runs_and_drops_in_a_current_thread_runtime() {
    let Some(h) = harness("current_thread").await else {
        return;
    };
    let fake = server::start().expect("fake");
    let journal = h.journal();
    charge_both_ways(&journal, &fake, "ct").await;
    let report = journal
        .recover_async(&stripe_reqwest::Client::new(config(&fake)), 100)
        .await
        .expect("recover_async");
    assert_eq!(report.total(), 0, "{report}");
    drop(journal);
    assert_eq!(fake.successful_charges(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opens_runs_and_drops_in_a_multi_thread_runtime() {
    let Some(h) = harness("multi_thread").await else {
        return;
    };
    let fake = server::start().expect("fake");
    let journal = h.journal();
    charge_both_ways(&journal, &fake, "mt").await;
    drop(journal);
    assert_eq!(fake.successful_charges(), 2);
}

/// Opened outside any runtime, used in one runtime that then ends (the store's connections do
/// not live in it), then in another, and blocking outside both; dropped outside.
#[test]
fn opens_runs_and_drops_outside_a_runtime_and_across_runtimes() {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    };
    let Some(h) = runtime().block_on(harness("outside")) else {
        return;
    };
    let fake = server::start().expect("fake");
    let journal = h.journal();
    runtime().block_on(charge_both_ways(&journal, &fake, "rt1"));
    runtime().block_on(charge_both_ways(&journal, &fake, "rt2"));
    let client = stripe_ureq::Client::new(config(&fake));
    let id = op("outside/charge");
    charged(
        journal.run(&client, &id, charge("outside")).expect("run"),
        &id,
    );
    drop(journal);
    assert_eq!(fake.successful_charges(), 5);
}

/// A run's final record goes behind its answer (`Store::compare_and_set_behind`): a load in the
/// same process right after the run waits for it, and dropping the store waits for the records
/// still behind, so that another process finds every row done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_behind_their_answers_are_read_back_and_flushed_on_drop() {
    let Some(h) = harness("behind").await else {
        return;
    };
    let fake = server::start().expect("fake");
    let client = stripe_reqwest::Client::new(config(&fake));
    let journal = h.journal();
    let ids: Vec<IntentId> = (0..20).map(|i| op(&format!("behind-{i}/charge"))).collect();
    for id in &ids[..10] {
        let run = journal
            .run_async(&client, id, charge("behind"))
            .await
            .expect("run_async");
        charged(run, id);
        let row = journal.load(id).expect("load").expect("a row");
        assert_eq!(row.state().kind(), StateKind::Done, "read back at once");
    }
    for id in &ids[10..] {
        let run = journal
            .run_async(&client, id, charge("behind"))
            .await
            .expect("run_async");
        charged(run, id);
    }
    drop(journal);
    let other = h.journal();
    for id in &ids {
        let row = other.load(id).expect("load").expect("a row");
        assert_eq!(row.state().kind(), StateKind::Done, "{id} flushed on drop");
    }
    assert_eq!(fake.successful_charges(), 20);
}

/// Connections opened from a multi-thread runtime are driven by it: they serve a current-thread
/// runtime while it lives (its workers run them), and once it ends they are closed and the
/// pool replaces them, for either face.
#[test]
fn connections_of_a_runtime_that_ended_are_replaced() {
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let Some(h) = current.block_on(harness("ended_runtime")) else {
        return;
    };
    let fake = server::start().expect("fake");
    let journal = h.journal();
    let client = stripe_reqwest::Client::new(config(&fake));
    let charge_in = |rt: &tokio::runtime::Runtime, tag: &str| {
        let id = op(&format!("{tag}/charge"));
        let run = rt
            .block_on(journal.run_async(&client, &id, charge(tag)))
            .expect("run_async");
        charged(run, &id);
    };
    charge_in(&multi, "multi");
    charge_in(&current, "current-while-multi-lives");
    drop(multi);
    charge_in(&current, "current-after-multi");
    let blocking = stripe_ureq::Client::new(config(&fake));
    let id = op("blocking/charge");
    charged(journal.run(&blocking, &id, charge("b")).expect("run"), &id);
    drop(journal);
    assert_eq!(fake.successful_charges(), 4);
}

/// On a multi-thread runtime the final record behind a run's answer is written by that
/// runtime. One that ends first drops it: the row stays in flight under its key (the next run
/// gets Stripe's replay: one charge), and nothing waits for the record no runtime will write,
/// neither a load nor dropping the journal.
#[test]
fn a_record_dropped_with_its_runtime_leaves_the_row_in_flight_and_nothing_waiting() {
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let Some(h) = current.block_on(harness("record_dropped")) else {
        return;
    };
    let fake = server::start().expect("fake");
    // Leases of under 2 s (an attempt's bound of 1.5 s and a short grace): a row left in
    // flight is taken over soon.
    let journal = h.journal().with_policy(
        Policy::new()
            .with_lease(Duration::from_millis(300))
            .with_send_grace(Duration::from_millis(200))
            .with_attempt_margin(Duration::from_millis(100)),
    );
    let config = || {
        Config::builder("sk_test_pg")
            .api_base(fake.base_url())
            .policy(
                RetryPolicy::default()
                    .with_max_tries(3)
                    .with_backoff(Backoff::Fixed(Duration::from_millis(10)))
                    .with_attempt_timeout(Some(Duration::from_millis(1500))),
            )
            .build()
            .expect("config")
    };
    let mut charges = Vec::new();
    for i in 0..8 {
        let id = op(&format!("dropped-{i}/charge"));
        let multi = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let client = stripe_reqwest::Client::new(config());
        let run = multi
            .block_on(journal.run_async(&client, &id, charge(&i.to_string())))
            .expect("run_async");
        charges.push((id.clone(), charged(run, &id)));
        // Its record may still be behind: the runtime ends without writing it.
        multi.shutdown_background();
        let started = Instant::now();
        let row = journal.load(&id).expect("load").expect("the row");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "the load waited {:?} for a record no runtime will write",
            started.elapsed()
        );
        assert!(
            matches!(row.state().kind(), StateKind::Done | StateKind::Claimed),
            "{id}: {:?}",
            row.state()
        );
    }
    // The rows left in flight are taken over once their leases end.
    std::thread::sleep(Duration::from_secs(2));
    let client = stripe_reqwest::Client::new(config());
    for (i, (id, object)) in charges.iter().enumerate() {
        let run = current
            .block_on(journal.run_async(&client, id, charge(&i.to_string())))
            .expect("run_async again");
        assert_eq!(&charged(run, id), object, "{id}: a re-run replays");
    }
    let started = Instant::now();
    drop(journal);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "dropping the journal waited {:?} for records no runtime will write",
        started.elapsed()
    );
    assert_eq!(fake.successful_charges(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_connections_are_replaced() {
    let Some(h) = harness("killed").await else {
        return;
    };
    let fake = server::start().expect("fake");
    let async_client = stripe_reqwest::Client::new(config(&fake));
    let blocking_client = stripe_ureq::Client::new(config(&fake));
    let admin = h.admin().await;
    let journal = h.journal();
    let before = op("before-kill/charge");
    let first = journal
        .run_async(&async_client, &before, charge("a"))
        .await
        .expect("run");
    let object = charged(first, &before);
    // Its record went behind the answer: the load waits for it, so nothing is in flight at
    // the kill.
    journal.load(&before).expect("load");

    assert!(
        h.kill_journal_connections(&admin).await > 0,
        "nothing to kill"
    );
    // The async face: a read, then a whole run (reads and writes).
    let row = journal.load(&before).expect("load after the kill");
    assert_eq!(row.map(|r| r.state().kind()), Some(StateKind::Done));
    let after = op("after-kill/charge");
    let run = journal
        .run_async(&async_client, &after, charge("b"))
        .await
        .expect("run_async after the kill");
    charged(run, &after);
    journal.load(&after).expect("load");

    assert!(
        h.kill_journal_connections(&admin).await > 0,
        "nothing to kill"
    );
    // The blocking face: a replay (reads), then a new run.
    let replay = journal
        .run(&blocking_client, &before, charge("a"))
        .expect("run after the second kill");
    assert_eq!(charged(replay, &before), object);
    let third = op("after-second-kill/charge");
    let run = journal
        .run(&blocking_client, &third, charge("c"))
        .expect("run after the second kill");
    charged(run, &third);
    assert_eq!(fake.successful_charges(), 3);
}

/// Killed without waiting for the backend to go: the next read may meet the dying connection
/// (then it is tried once more on a fresh one) or find it already closed; either way it
/// succeeds. One connection in the pool, so every read meets the killed one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_right_after_a_kill_succeeds() {
    let Some(h) = harness("read_after_kill").await else {
        return;
    };
    let admin = h.admin().await;
    let journal = Journal::open(&h.journal_url("&journal_pool_size=1")).expect("open");
    let id = op("some/charge");
    for round in 0..20 {
        journal.load(&id).expect("load");
        admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                &[&h.schema],
            )
            .await
            .expect("pg_terminate_backend");
        assert!(journal.load(&id).is_ok(), "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_use_concurrent_connections() {
    let Some(h) = harness("concurrent").await else {
        return;
    };
    let fake = server::start().expect("fake");
    let client = Arc::new(stripe_reqwest::Client::new(config(&fake)));
    let admin = h.admin().await;
    let journal = h.journal();
    let mut runs = tokio::task::JoinSet::new();
    for i in 0..8 {
        let journal = journal.clone();
        let client = Arc::clone(&client);
        runs.spawn(async move {
            let id = op(&format!("order-{i}/charge"));
            let run = journal
                .run_async(&client, &id, charge(&i.to_string()))
                .await
                .expect("run_async");
            charged(run, &id)
        });
    }
    let mut objects = Vec::new();
    while let Some(done) = runs.join_next().await {
        objects.push(done.expect("task"));
    }
    objects.sort();
    objects.dedup();
    assert_eq!(objects.len(), 8);
    assert_eq!(fake.successful_charges(), 8);
    // Idle connections stay in the pool: more than one means the runs did not queue on one.
    let connections = h.journal_connections(&admin).await;
    assert!(
        connections > 1,
        "8 concurrent runs used {connections} connection(s)"
    );
    assert!(connections <= 16, "more connections than the pool's size");
}

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
