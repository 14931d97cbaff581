//! `Journal::run`, `run_async` and `recover` against the fake Stripe: one charge per operation
//! through lost answers, 500s after charging, crashes after sending, and re-deliveries.

use std::time::Duration;

use http::Method;
use stripe_core::{Backoff, Config, Request, RetryPolicy};
use stripe_fake::server::{self, ServerHandle};
use stripe_fake::{Fault, FaultPlan, Rule};
use stripe_journal::{
    BeginOptions, Begun, Fingerprint, IntentId, Journal, JournalError, Policy, SavedRequest,
    Source, StateKind,
};

fn config(fake: &ServerHandle) -> Config {
    Config::builder("sk_test_run")
        .api_base(fake.base_url())
        .policy(
            RetryPolicy::default()
                .with_max_tries(3)
                .with_backoff(Backoff::Fixed(Duration::from_millis(10))),
        )
        .build()
        .expect("config")
}

fn journal() -> Journal {
    Journal::open("sqlite::memory:")
        .expect("journal")
        .with_search_lag(Duration::ZERO)
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

fn charges_tagged(fake: &ServerHandle, op: &str) -> usize {
    fake.with_model(|m| {
        m.charges()
            .iter()
            .filter(|c| c["metadata"]["op"] == op && c["status"] == "succeeded")
            .count()
    })
}

fn on_charges(fake: &ServerHandle, fault: Fault, times: u32) {
    let rule = Rule::new(fault)
        .method(Method::POST)
        .path("/v1/charges")
        .times(times);
    fake.set_plan(FaultPlan::new().rule(rule));
}

#[derive(serde::Deserialize)]
struct Charge {
    id: String,
    amount: u64,
}

#[test]
fn a_run_charges_once_and_a_redelivery_replays_from_the_journal() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal();
    let id = IntentId::op("order-1/charge").expect("id");
    on_charges(&fake, Fault::DropAfter, 1);
    let first = journal.run(&client, &id, charge("1")).expect("run");
    assert_eq!((first.status(), first.source()), (200, Source::Stripe));
    let typed: Charge = first.deserialize().expect("typed");
    assert_eq!(
        (typed.amount, Some(typed.id.as_str())),
        (1000, first.object_id())
    );
    let again = journal.run(&client, &id, charge("1")).expect("run");
    assert!(again.is_replayed());
    assert_eq!(again.object_id(), first.object_id());
    assert_eq!(charges_tagged(&fake, "order-1/charge"), 1);
    // Another request under the same operation id is refused before sending.
    let other = journal.run(&client, &id, charge("2"));
    assert!(
        matches!(other, Err(JournalError::Conflict { .. })),
        "{other:?}"
    );
    assert!(matches!(
        journal.run(&client, &id, Request::get("/v1/charges").expect("get")),
        Err(JournalError::InvalidRequest(_))
    ));
}

#[test]
fn a_500_after_charging_is_settled_by_search_not_charged_again() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal();
    let id = IntentId::op("order-2/charge").expect("id");
    // Executed, then 500: every retry with the same key replays the 500.
    on_charges(&fake, Fault::ErrorAfter { should_retry: None }, 1);
    let outcome = journal.run(&client, &id, charge("2")).expect("run");
    assert_eq!(
        (outcome.status(), outcome.source()),
        (200, Source::Reconciled)
    );
    assert!(outcome.object_id().is_some_and(|o| o.starts_with("ch_")));
    assert_eq!(charges_tagged(&fake, "order-2/charge"), 1);
    // A 503 before executing: Search finds nothing, so a new key charges once.
    let id = IntentId::op("order-3/charge").expect("id");
    on_charges(&fake, Fault::status(500), 3);
    let outcome = journal.run(&client, &id, charge("3")).expect("run");
    assert_eq!((outcome.status(), outcome.source()), (200, Source::Stripe));
    assert_eq!(charges_tagged(&fake, "order-3/charge"), 1);
}

#[test]
fn search_lag_leaves_a_young_unknown_outcome_unsettled() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal().with_search_lag(Duration::from_secs(3600));
    let id = IntentId::op("order-4/charge").expect("id");
    on_charges(&fake, Fault::ErrorAfter { should_retry: None }, 1);
    let first = journal.run(&client, &id, charge("4"));
    // The 500 itself comes back, advice Reconcile (the journal holds the intent to reconcile).
    let first = first.expect("the last answer");
    assert_eq!(
        (first.status(), first.advice()),
        (500, stripe_core::Advice::Reconcile)
    );
    let again = journal.run(&client, &id, charge("4"));
    assert!(
        matches!(again, Err(JournalError::Unsettled { .. })),
        "{again:?}"
    );
    assert_eq!(charges_tagged(&fake, "order-4/charge"), 1);
}

#[test]
fn recovery_resumes_a_crashed_holder_with_its_key() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal().with_policy(Policy::new().with_lease(Duration::from_millis(50)));
    let id = IntentId::op("order-5/charge").expect("id");
    let request = charge("5");
    // A holder claims, sends (the fake charges, the answer is lost), then dies unrecorded.
    let saved = SavedRequest::new(request.path(), request.body());
    let fp = Fingerprint::of("POST", saved.path(), saved.body().as_bytes());
    let Begun::Proceed(claim) = journal
        .begin_saved(&id, fp, saved, BeginOptions::default())
        .expect("begin")
    else {
        panic!("expected a claim");
    };
    let sent = request
        .clone()
        .with_params(&[("metadata[op]", "order-5/charge")])
        .and_then(|r| r.with_idempotency_key(claim.key().clone()))
        .expect("sent");
    client.send(sent).expect("the first holder's call");
    std::thread::sleep(Duration::from_millis(80));
    let report = journal.recover(&client).expect("recover");
    assert_eq!(report.resumed(), 1, "{report}");
    let row = journal.load(&id).expect("load").expect("row");
    assert_eq!(row.state().kind(), StateKind::Done);
    assert_eq!(charges_tagged(&fake, "order-5/charge"), 1);
    assert_eq!(journal.recover(&client).expect("again").total(), 0);
}

#[test]
fn run_async_does_the_same_over_reqwest() {
    let fake = server::start().expect("fake");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let client = stripe_reqwest::Client::new(config(&fake));
    let journal = journal();
    let id = IntentId::op("order-6/charge").expect("id");
    on_charges(&fake, Fault::ErrorAfter { should_retry: None }, 1);
    runtime.block_on(async {
        let first = journal
            .run_async(&client, &id, charge("6"))
            .await
            .expect("run");
        assert_eq!(first.source(), Source::Reconciled);
        let again = journal
            .run_async(&client, &id, charge("6"))
            .await
            .expect("run");
        assert!(again.is_replayed());
        assert_eq!(again.object_id(), first.object_id());
        let report = journal.recover_async(&client).await.expect("recover");
        assert_eq!(report.total(), 0, "{report}");
    });
    assert_eq!(charges_tagged(&fake, "order-6/charge"), 1);
}
