//! The review's findings on `run_async` (tokio, over reqwest), through the public API, over
//! SQLite files and the fake Stripe on loopback. Each test names the old behaviour it catches.

mod support;

use std::time::{Duration, Instant, SystemTime};

use http::Method;
use stripe_core::Request;
use stripe_fake::server::{self, ServerHandle};
use stripe_fake::{Fault, FaultPlan, Rule};
use stripe_journal::{IntentId, Run, Source, State};

use support::TempDb;
use support::findings::{self, journal};

/// The findings tests' client of the fake (2 tries, `support::findings::ATTEMPT` per attempt),
/// over reqwest.
fn client(fake: &ServerHandle) -> stripe_reqwest::Client {
    stripe_reqwest::Client::new(findings::config(fake, 2))
}

fn charge() -> Request {
    findings::charge("1000", "tok_visa")
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
