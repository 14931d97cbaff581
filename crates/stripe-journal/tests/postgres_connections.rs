//! The PostgreSQL store's connections through the journal against the fake Stripe: connections
//! killed by the server mid-use are replaced (a read right after a kill succeeds), and
//! concurrent runs use concurrent connections. The server and the tests' schemas:
//! `support/pg.rs`.

mod support;

use std::sync::Arc;

use stripe_fake::server;
use stripe_journal::{Journal, StateKind};

use support::common::{charge, op};
use support::pg::{charged, config, harness};

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
