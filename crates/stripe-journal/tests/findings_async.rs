//! The review's findings on `run_async` (tokio, over reqwest), through the public API, over
//! SQLite files and the fake Stripe on loopback. Each test names the old behaviour it catches.

mod support;

use std::time::{Duration, Instant, SystemTime};

use http::Method;
use stripe_core::{Backoff, Config, Request, RetryPolicy};
use stripe_fake::server::{self, ServerHandle};
use stripe_fake::{Fault, FaultPlan, Rule};
use stripe_journal::{IntentId, Journal, Policy, Run, Source, SqliteStore, State};

use support::TempDb;

/// A journal on the file with its own connection and holder name; short lease and grace.
fn journal(db: &TempDb, owner: &str) -> Journal {
    let store = SqliteStore::open(&db.path).expect("open SQLite journal");
    Journal::new(store)
        .expect("journal")
        .with_policy(
            Policy::new()
                .with_lease(Duration::from_millis(300))
                .with_send_grace(Duration::from_millis(200))
                .with_attempt_margin(Duration::from_millis(100)),
        )
        .with_owner(owner)
}

/// Each attempt's bound: short, so that a claim's lease (which covers the first attempt plus
/// twice the margin) ends soon. Not 1 s: see `attempt_timeout_of_one_second_still_sends`.
const ATTEMPT: Duration = Duration::from_millis(1500);

/// The fake's URL, 2 tries, 10 ms between them, `ATTEMPT` per attempt.
fn client(fake: &ServerHandle) -> stripe_reqwest::Client {
    let config = Config::builder("sk_test_findings_async")
        .api_base(fake.base_url())
        .policy(
            RetryPolicy::default()
                .with_max_tries(2)
                .with_backoff(Backoff::Fixed(Duration::from_millis(10)))
                .with_attempt_timeout(Some(ATTEMPT)),
        )
        .build()
        .expect("config");
    stripe_reqwest::Client::new(config)
}

fn charge() -> Request {
    Request::post(
        "/v1/charges",
        &[
            ("amount", "1000"),
            ("currency", "usd"),
            ("source", "tok_visa"),
        ],
    )
    .expect("request")
}

// ---------------------------------------------------------------------------------------------
// Finding 8: a dropped `run_async` leaves nothing renewing the lease.

/// Old behaviour caught: `run_async` renewed the lease from a task spawned with `tokio::spawn`
/// and aborted it only after the call returned; a dropped future (a timeout, a cancelled
/// request handler) left the task renewing forever, so every other holder got `Busy` for the
/// operation for as long as the process lived. Now nothing outlives the future: after the
/// lease's end another journal (another holder, the same file) resumes with the same key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_8_a_dropped_run_async_leaves_nothing_renewing() {
    let fake = server::start().expect("fake");
    let db = TempDb::new("f8");
    let first = journal(&db, "holder-f8-first");
    let client = client(&fake);
    let id = IntentId::op("order-8/charge").expect("id");
    fake.set_plan(
        FaultPlan::new().rule(
            Rule::new(Fault::Hang)
                .method(Method::POST)
                .path("/v1/charges")
                .times(1),
        ),
    );
    let dropped = tokio::time::timeout(
        Duration::from_millis(500),
        first.run_async(&client, &id, charge()),
    )
    .await;
    assert!(
        dropped.is_err(),
        "the hung POST outlives the timeout: {dropped:?}"
    );
    let row = first
        .load(&id)
        .expect("load")
        .expect("claimed before the POST");
    assert_eq!(row.state(), &State::Claimed);
    let key = row.key().as_str().to_owned();
    let hung: Vec<_> = fake
        .log()
        .into_iter()
        .filter(|e| e.method == "POST")
        .collect();
    assert_eq!(hung.len(), 1, "{hung:?}");
    assert_eq!(hung[0].idempotency_key.as_deref(), Some(key.as_str()));

    // Another holder: busy until the lease ends (no longer: nothing renews it), then it
    // resumes with the same key and finishes.
    let second = journal(&db, "holder-f8-second");
    let lease_end = row.lease().expect("a lease").until();
    let deadline = Instant::now() + Duration::from_secs(10);
    let outcome = loop {
        match second.run_async(&client, &id, charge()).await {
            Ok(Run::Done(outcome)) => break outcome,
            Ok(Run::Busy { until, .. }) if Instant::now() < deadline => {
                assert!(
                    until <= lease_end,
                    "the lease was renewed after the future was dropped"
                );
                let left = until.duration_since(SystemTime::now()).unwrap_or_default();
                tokio::time::sleep(left + Duration::from_millis(20)).await;
            }
            other => panic!("{other:?}"),
        }
    };
    assert_eq!((outcome.status(), outcome.source()), (200, Source::Stripe));
    let posts: Vec<_> = fake
        .log()
        .into_iter()
        .filter(|e| e.method == "POST")
        .collect();
    assert!(
        posts
            .iter()
            .all(|e| e.idempotency_key.as_deref() == Some(key.as_str())),
        "the same key: {posts:?}"
    );
    let charges = fake.with_model(|m| {
        m.charges()
            .iter()
            .filter(|c| c["metadata"]["op"] == "order-8/charge")
            .count()
    });
    assert_eq!(charges, 1);
}
