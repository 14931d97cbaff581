//! `Journal::run` and `run_async` against the fake Stripe: one charge per operation through
//! lost answers, 500s before and after charging, re-deliveries and a lagging Search; the scope
//! from the request's `Stripe-Account`, prune's minimum age, and creates of other objects found
//! by their lists.

mod support;

use std::time::Duration;

use http::Method;
use stripe_core::Request;
use stripe_fake::server::{self, ServerOptions};
use stripe_fake::{Fault, FaultPlan, Rule};
use stripe_journal::{IntentId, JournalError, Run, Source};

use support::common::{charge, done};
use support::run::{charges_tagged, config, journal, on_charges};

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
    let first = done(journal.run(&client, &id, charge("1")));
    assert_eq!((first.status(), first.source()), (200, Source::Stripe));
    let typed: Charge = first.deserialize().expect("typed");
    assert_eq!(
        (typed.amount, Some(typed.id.as_str())),
        (1000, first.object_id())
    );
    let again = done(journal.run(&client, &id, charge("1")));
    assert!(again.is_replayed());
    assert_eq!(again.object_id(), first.object_id());
    assert_eq!(charges_tagged(&fake, "order-1/charge"), 1);
    // Another request under the same operation id is refused before sending.
    let other = journal.run(&client, &id, charge("2"));
    assert!(matches!(other, Ok(Run::Conflict { .. })), "{other:?}");
    assert!(matches!(
        journal.run(&client, &id, Request::get("/v1/charges").expect("get")),
        Err(JournalError::InvalidRequest(_))
    ));
    // The intent is tagged with the journal's namespace.
    let row = journal.load(&id).expect("load").expect("row");
    assert_eq!(row.namespace(), journal.namespace());
    assert_eq!(row.attempts(), 0);
}

#[test]
fn a_500_after_charging_is_found_by_a_consistent_list_and_not_charged_again() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal();
    let id = IntentId::op("order-2/charge").expect("id");
    // Executed, then 500: every retry with the same key replays the 500.
    on_charges(&fake, Fault::ErrorAfter { should_retry: None }, 1);
    let outcome = done(journal.run(&client, &id, charge("2")));
    assert_eq!(
        (outcome.status(), outcome.source()),
        (200, Source::Reconciled)
    );
    assert!(outcome.object_id().is_some_and(|o| o.starts_with("ch_")));
    assert_eq!(charges_tagged(&fake, "order-2/charge"), 1);
    let searched = fake.with_model(|m| m.log().iter().any(|e| e.path.ends_with("/search")));
    assert!(!searched, "reconciliation reads Lists, not Search");
}

#[test]
fn a_500_before_charging_sends_the_same_key_again_not_a_new_one() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal();
    let id = IntentId::op("order-3/charge").expect("id");
    // Three 500s before executing: the list finds nothing while the key may still execute, so
    // the same key is sent again (rule 3), and it charges once.
    on_charges(&fake, Fault::status(500), 3);
    let outcome = done(journal.run(&client, &id, charge("3")));
    assert_eq!((outcome.status(), outcome.source()), (200, Source::Stripe));
    assert_eq!(charges_tagged(&fake, "order-3/charge"), 1);
    let keys: std::collections::BTreeSet<String> = fake.with_model(|m| {
        m.log()
            .iter()
            .filter(|e| e.method == "POST")
            .filter_map(|e| e.idempotency_key.clone())
            .collect()
    });
    assert_eq!(keys.len(), 1, "one key for the operation: {keys:?}");
}

#[test]
fn a_lagging_search_changes_nothing() {
    let options = ServerOptions {
        search_lag: Duration::from_secs(7200),
        ..ServerOptions::default()
    };
    let fake = server::start_with(options).expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal();
    let id = IntentId::op("order-4/charge").expect("id");
    on_charges(&fake, Fault::ErrorAfter { should_retry: None }, 1);
    let first = done(journal.run(&client, &id, charge("4")));
    assert_eq!(first.source(), Source::Reconciled);
    let again = done(journal.run(&client, &id, charge("4")));
    assert!(again.is_replayed());
    assert_eq!(charges_tagged(&fake, "order-4/charge"), 1);
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
    // The future is Send: it can be spawned on a multi-threaded runtime.
    let spawned = {
        let (journal, client, id) = (journal.clone(), client.clone(), id.clone());
        runtime.spawn(async move { journal.run_async(&client, &id, charge("6")).await })
    };
    runtime.block_on(async {
        let first = done(spawned.await.expect("task"));
        assert_eq!(first.source(), Source::Reconciled);
        let again = done(journal.run_async(&client, &id, charge("6")).await);
        assert!(again.is_replayed());
        assert_eq!(again.object_id(), first.object_id());
        let report = journal.recover_async(&client, 100).await.expect("recover");
        assert_eq!(report.total(), 0, "{report}");
    });
    assert_eq!(charges_tagged(&fake, "order-6/charge"), 1);
}

#[test]
fn the_scope_is_the_requests_stripe_account() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal();
    let id = IntentId::op("order-7/charge").expect("id");
    let request = charge("7").with_stripe_account("acct_1").expect("account");
    let outcome = done(journal.run(&client, &id, request.clone()));
    assert_eq!(outcome.status(), 200);
    let scoped = IntentId::new("acct_1", "order-7/charge").expect("id");
    assert!(
        journal.load(&scoped).expect("load").is_some(),
        "journaled under its account"
    );
    assert!(journal.load(&id).expect("load").is_none());
    let again = done(journal.run(&client, &id, request));
    assert!(again.is_replayed());
    // An id scoped to another account than the request's is refused before anything is sent.
    let other = IntentId::new("acct_2", "order-7/charge").expect("id");
    let refused = journal.run(
        &client,
        &other,
        charge("7").with_stripe_account("acct_1").expect("a"),
    );
    assert!(
        matches!(refused, Err(JournalError::InvalidRequest(_))),
        "{refused:?}"
    );
}

#[test]
fn prune_refuses_an_age_that_could_remove_a_resumable_intent() {
    let journal = journal();
    let refused = journal.prune(Duration::ZERO);
    assert!(
        matches!(refused, Err(JournalError::PruneTooYoung { .. })),
        "{refused:?}"
    );
    assert!(journal.prune(journal.min_prune_age()).is_ok());
}

#[test]
fn creates_of_payment_intents_customers_and_refunds_are_found_by_their_lists() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal();
    let customer = done(journal.run(
        &client,
        &IntentId::op("customer-1").expect("id"),
        Request::post("/v1/customers", &[("email", "a@example.com")]).expect("request"),
    ));
    let customer_id = customer.object_id().expect("customer id").to_owned();
    let charge = done(journal.run(&client, &IntentId::op("charge-1").expect("id"), charge("r")));
    let charge_id = charge.object_id().expect("charge id").to_owned();
    let cases = [
        (
            "/v1/payment_intents",
            vec![
                ("amount", "2500"),
                ("currency", "eur"),
                ("customer", customer_id.as_str()),
            ],
        ),
        ("/v1/customers", vec![("email", "b@example.com")]),
        (
            "/v1/refunds",
            vec![("charge", charge_id.as_str()), ("amount", "100")],
        ),
    ];
    for (i, (path, params)) in cases.into_iter().enumerate() {
        let rule = Rule::new(Fault::ErrorAfter { should_retry: None })
            .method(Method::POST)
            .path(path)
            .times(1);
        fake.set_plan(FaultPlan::new().rule(rule));
        let id = IntentId::op(format!("create-{i}")).expect("id");
        let request = Request::post(path, &params).expect("request");
        let outcome = done(journal.run(&client, &id, request.clone()));
        assert_eq!(outcome.source(), Source::Reconciled, "{path}");
        let found = outcome.object_id().expect("object").to_owned();
        let tagged = fake.with_model(|m| {
            let all = match path {
                "/v1/payment_intents" => m.payment_intents().to_vec(),
                "/v1/customers" => m.customers().to_vec(),
                _ => m.refunds().to_vec(),
            };
            all.into_iter()
                .filter(|o| o["metadata"]["op"] == id.op_id())
                .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        });
        assert_eq!(tagged, [found], "{path}: one object, the one recorded");
        let again = done(journal.run(&client, &id, request));
        assert!(again.is_replayed(), "{path}");
    }
    let searched = fake.with_model(|m| m.log().iter().any(|e| e.path.ends_with("/search")));
    assert!(!searched, "no Search");
}
