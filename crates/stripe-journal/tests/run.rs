//! `Journal::run`, `run_async` and `recover` against the fake Stripe: one charge per operation
//! through lost answers, 500s before and after charging, crashes after sending, re-deliveries
//! and a lagging Search.

use std::time::{Duration, Instant, SystemTime};

use http::Method;
use stripe_client::Attempt;
use stripe_core::{Backoff, Config, Request, RetryPolicy};
use stripe_fake::server::{self, ServerHandle, ServerOptions};
use stripe_fake::{Fault, FaultPlan, Rule};
use stripe_journal::machine::{Input, Step, StoreOp};
use stripe_journal::{IntentId, Journal, JournalError, Policy, Run, Source, StateKind};

fn config(fake: &ServerHandle) -> Config {
    Config::builder("sk_test_run")
        .api_base(fake.base_url())
        .policy(
            RetryPolicy::default()
                .with_max_tries(3)
                .with_attempt_timeout(Some(Duration::from_millis(500)))
                .with_backoff(Backoff::Fixed(Duration::from_millis(10))),
        )
        .build()
        .expect("config")
}

/// Short leases and grace, so that a test can outlive them.
fn policy() -> Policy {
    Policy::new()
        .with_lease(Duration::from_millis(50))
        .with_attempt_margin(Duration::from_millis(20))
        .with_send_grace(Duration::from_millis(100))
}

fn journal() -> Journal {
    Journal::open("sqlite::memory:")
        .expect("journal")
        .with_policy(policy())
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

/// `n` plain charges of other orders (`other-<i>`), outside the journal.
fn charge_others(client: &stripe_ureq::Client, n: usize) {
    for i in 0..n {
        let answer = client.send(charge(&format!("other-{i}"))).expect("charge");
        assert_eq!(answer.status(), 200);
    }
}

fn on_charges(fake: &ServerHandle, fault: Fault, times: u32) {
    let rule = Rule::new(fault)
        .method(Method::POST)
        .path("/v1/charges")
        .times(times);
    fake.set_plan(FaultPlan::new().rule(rule));
}

fn done(run: Result<Run, JournalError>) -> stripe_journal::Outcome {
    match run {
        Ok(Run::Done(outcome)) => outcome,
        other => panic!("expected an outcome, got {other:?}"),
    }
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

/// A holder that claims `id`, sends its request (the fake charges it; the answer is not
/// recorded), then dies: its machine is dropped mid-call.
/// Drives one run of `request` to its end, and names each store primitive it performed.
fn store_steps(
    journal: &Journal,
    client: &stripe_ureq::Client,
    id: &IntentId,
    request: Request,
) -> (Run, Vec<&'static str>) {
    let times = (Instant::now(), SystemTime::now());
    let mut op = journal
        .operation_at(id, request, client.config(), times, [5; 32])
        .expect("operation");
    let mut steps = Vec::new();
    loop {
        let input = match op.poll() {
            Step::Store(primitive) => {
                steps.push(match &primitive {
                    StoreOp::Load(_) => "load",
                    StoreOp::Insert(_) => "insert",
                    StoreOp::Replace { .. } => "compare_and_set",
                    StoreOp::Claim { .. } => "claim",
                    _ => "other",
                });
                Input::Stored(primitive.perform(journal.store()))
            }
            Step::Call(request) => Input::Started(client.prepare(request).map(|p| p.into_call())),
            Step::Send { request, by } => {
                let attempt = Attempt::new(request, Some(by), 1 << 20);
                Input::Answer(
                    stripe_client::Transport::send(client.transport(), attempt)
                        .map_err(|e| e.kind()),
                )
            }
            Step::Done(run) => return (run.expect("the run"), steps),
            Step::Finish {
                result,
                row,
                expected,
            } => {
                steps.push("compare_and_set behind");
                journal
                    .store()
                    .compare_and_set_behind(&row, expected)
                    .expect("recorded");
                return (result.expect("the run"), steps);
            }
            other => panic!("unexpected step {other:?}"),
        };
        op.handle(Instant::now(), SystemTime::now(), input);
    }
}

/// The claim is waited for (nothing is sent before it is durable); the final record is the run's
/// last step and is sent behind the answer (`Step::Finish`): the run's latency holds one store
/// round trip.
#[test]
fn a_new_operation_costs_two_store_round_trips_the_claim_and_the_record() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal();
    let id = IntentId::op("order-7/charge").expect("id");
    let (run, steps) = store_steps(&journal, &client, &id, charge("7"));
    assert!(
        matches!(run, Run::Done(ref o) if o.status() == 200),
        "{run:?}"
    );
    assert_eq!(steps, ["claim", "compare_and_set behind"]);
    // A re-delivery finds the row: its claim inserts nothing, and the row it loads answers.
    let (run, steps) = store_steps(&journal, &client, &id, charge("7"));
    assert!(
        matches!(run, Run::Done(ref o) if o.is_replayed()),
        "{run:?}"
    );
    assert_eq!(steps, ["claim", "load"]);
    assert_eq!(charges_tagged(&fake, "order-7/charge"), 1);
}

fn die_after_sending(
    journal: &Journal,
    client: &stripe_ureq::Client,
    id: &IntentId,
    request: Request,
) {
    let times = (Instant::now(), SystemTime::now());
    let mut op = journal
        .operation_at(id, request, client.config(), times, [3; 32])
        .expect("operation");
    loop {
        let input = match op.poll() {
            Step::Store(primitive) => Input::Stored(primitive.perform(journal.store())),
            Step::Call(request) => Input::Started(client.prepare(request).map(|p| p.into_call())),
            Step::Send { request, by } => {
                let attempt = Attempt::new(request, Some(by), 1 << 20);
                let _lost = stripe_client::Transport::send(client.transport(), attempt);
                return;
            }
            other => panic!("unexpected step {other:?}"),
        };
        op.handle(Instant::now(), SystemTime::now(), input);
    }
}

#[test]
fn recovery_resumes_a_crashed_holder_with_its_key() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal();
    let id = IntentId::op("order-5/charge").expect("id");
    die_after_sending(&journal, &client, &id, charge("5"));
    assert_eq!(charges_tagged(&fake, "order-5/charge"), 1);
    // Before the lease ends, the intent is the dead holder's.
    let busy = journal.run(&client, &id, charge("5"));
    assert!(matches!(busy, Ok(Run::Busy { .. })), "{busy:?}");
    std::thread::sleep(Duration::from_millis(700));
    let report = journal.recover(&client, 100).expect("recover");
    assert_eq!(report.resumed(), 1, "{report}");
    let row = journal.load(&id).expect("load").expect("row");
    assert_eq!(row.state().kind(), StateKind::Done);
    assert_eq!(charges_tagged(&fake, "order-5/charge"), 1);
    assert_eq!(journal.recover(&client, 100).expect("again").total(), 0);
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

#[test]
fn run_waiting_waits_out_a_dead_holders_lease_blocking_and_async() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal();
    let id = IntentId::op("order-8/charge").expect("id");
    die_after_sending(&journal, &client, &id, charge("8"));
    // One try: the dead holder's lease is live, nothing is sent.
    let busy = journal.run_waiting(&client, &id, charge("8"), 1);
    assert!(matches!(busy, Ok(Run::Busy { .. })), "{busy:?}");
    // Three tries: the lease runs out, the intent is resumed with its key.
    let outcome = done(journal.run_waiting(&client, &id, charge("8"), 3));
    assert_eq!(outcome.status(), 200);
    assert_eq!(charges_tagged(&fake, "order-8/charge"), 1);

    let id = IntentId::op("order-9/charge").expect("id");
    die_after_sending(&journal, &client, &id, charge("9"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let async_client = stripe_reqwest::Client::new(config(&fake));
    let outcome = runtime.block_on(journal.run_waiting_async(&async_client, &id, charge("9"), 3));
    assert_eq!(done(outcome).status(), 200);
    assert_eq!(charges_tagged(&fake, "order-9/charge"), 1);
}

#[test]
fn a_lookup_reads_the_list_page_after_page() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal();
    let id = IntentId::op("order-10/charge").expect("id");
    // Executed, then 500; and the list that would settle it fails on every try: to reconcile.
    let plan = FaultPlan::new()
        .rule(
            Rule::new(Fault::ErrorAfter { should_retry: None })
                .method(Method::POST)
                .path("/v1/charges")
                .times(1),
        )
        .rule(
            Rule::new(Fault::status(500))
                .method(Method::GET)
                .path("/v1/charges")
                .times(3),
        );
    fake.set_plan(plan);
    let first = journal.run(&client, &id, charge("10"));
    assert!(
        matches!(first, Err(JournalError::Stripe { .. })),
        "{first:?}"
    );
    // 150 newer charges of other orders: the operation's is on the list's second page.
    charge_others(&client, 150);
    let lists_before = fake.with_model(|m| m.log().iter().filter(|e| e.method == "GET").count());
    let outcome = done(journal.run(&client, &id, charge("10")));
    assert_eq!(outcome.source(), Source::Reconciled);
    let pages =
        fake.with_model(|m| m.log().iter().filter(|e| e.method == "GET").count()) - lists_before;
    assert_eq!(pages, 2, "two pages of the list");
    assert_eq!(charges_tagged(&fake, "order-10/charge"), 1);
}

#[test]
fn an_audit_reads_every_page_of_each_list() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal();
    let since = SystemTime::now() - Duration::from_secs(3600);
    // Two charges tagged with this journal's op (the consequence the audit exists for), then
    // 120 newer untagged ones: the two are on the list's second page.
    let ns = journal.namespace().to_owned();
    let tagged = [
        ("amount", "700"),
        ("currency", "usd"),
        ("source", "tok_visa"),
        ("metadata[op]", "order-11/charge"),
        ("metadata[op_ns]", ns.as_str()),
    ];
    for _ in 0..2 {
        assert_eq!(
            client
                .post("/v1/charges", &tagged)
                .expect("charge")
                .status(),
            200
        );
    }
    charge_others(&client, 120);
    let report = stripe_journal::Audit::new(&journal, since)
        .run(&client)
        .expect("audit");
    let found: Vec<_> = report
        .duplicates()
        .iter()
        .map(|d| d.op().to_owned())
        .collect();
    assert_eq!(found, ["order-11/charge"], "{report:?}");
    assert_eq!(report.duplicates()[0].objects().len(), 2);
}
