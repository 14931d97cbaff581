//! The PostgreSQL store through the public API (`Journal::open`, `run`, `run_async`) against
//! the fake Stripe, in runtimes: opened, used and dropped inside a current-thread runtime, a
//! multi-thread runtime and outside one; records behind their answers read back and flushed on
//! drop; connections and records of a runtime that ended. The server and the tests' schemas:
//! `support/pg.rs`.

mod support;

use std::time::{Duration, Instant};

use stripe_core::{Backoff, Config, RetryPolicy};
use stripe_fake::server::{self, ServerHandle};
use stripe_journal::{IntentId, Journal, Policy, StateKind};

use support::common::{charge, op};
use support::pg::{charged, config, harness};

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
