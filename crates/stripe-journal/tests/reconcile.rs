//! Settling an unknown outcome by retrieve, against the fake Stripe: `.../capture`,
//! `.../confirm` and `.../cancel` take no metadata, so when Stripe answers 5xx the journal
//! retrieves the object the path names and reads its status. Executed then 500: found applied,
//! done with the object, never sent again. The retrieve itself failing: left to reconcile, and a later `recover` settles
//! it. Every case ends with exactly one capture, confirmation or cancellation at the fake. A 5xx
//! before executing is found not applied while its key may still execute: the same key is sent
//! again, never a second one.
#![cfg(feature = "sqlite")]

use std::time::Duration;

use http::Method;
use serde_json::Value;
use stripe_core::{Backoff, Config, Request, RetryPolicy};
use stripe_fake::server::{self, ServerHandle};
use stripe_fake::{Fault, FaultPlan, Rule};
use stripe_journal::{
    IntentId, Journal, JournalError, Outcome, Policy, Run, Source, State, StateKind,
};

const MAX_TRIES: u32 = 3;

fn config(fake: &ServerHandle) -> Config {
    Config::builder("sk_test_reconcile")
        .api_base(fake.base_url())
        .policy(
            RetryPolicy::default()
                .with_max_tries(MAX_TRIES)
                .with_attempt_timeout(Some(Duration::from_millis(500)))
                .with_backoff(Backoff::Fixed(Duration::from_millis(5))),
        )
        .build()
        .expect("config")
}

fn setup() -> (ServerHandle, stripe_ureq::Client, Journal) {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    // Search is never used here: a lag of an hour shows that retrieves do not wait for it.
    let journal = Journal::open("sqlite::memory:")
        .expect("journal")
        .with_search_lag(Duration::from_secs(3600))
        .with_policy(
            Policy::new()
                .with_lease(Duration::from_millis(50))
                .with_send_grace(Duration::from_millis(100)),
        );
    (fake, client, journal)
}

fn done(run: Result<Run, JournalError>) -> Outcome {
    match run {
        Ok(Run::Done(outcome)) => outcome,
        other => panic!("expected an outcome, got {other:?}"),
    }
}

fn op(name: &str) -> IntentId {
    IntentId::op(name).expect("id")
}

fn action(path: &str) -> Request {
    Request::post(path, &()).expect("request")
}

/// A payment intent made outside the journal, answered 200; its id.
fn payment_intent(client: &stripe_ureq::Client, params: &[(&str, &str)]) -> String {
    let response = client
        .post("/v1/payment_intents", params)
        .expect("payment intent");
    assert_eq!(response.status(), 200);
    let json = response.json().expect("json");
    json["id"].as_str().expect("id").to_owned()
}

/// A card payment intent authorised, not captured (`requires_capture`).
fn authorised(client: &stripe_ureq::Client) -> String {
    payment_intent(
        client,
        &[
            ("amount", "4200"),
            ("currency", "usd"),
            ("payment_method", "pm_card_visa"),
            ("capture_method", "manual"),
            ("confirm", "true"),
        ],
    )
}

/// `fault` on the next `times` requests `method path...`.
fn fault(fake: &ServerHandle, rules: Vec<(Method, String, Fault, u32)>) {
    let plan = rules
        .into_iter()
        .fold(FaultPlan::new(), |plan, (method, path, fault, times)| {
            plan.rule(Rule::new(fault).method(method).path(&path).times(times))
        });
    fake.set_plan(plan);
}

fn error_after() -> Fault {
    Fault::ErrorAfter { should_retry: None }
}

/// The object as the fake holds it now.
fn object(fake: &ServerHandle, id: &str) -> Value {
    fake.with_model(|m| m.find(id).cloned()).expect("object")
}

/// How many `POST path` requests reached the endpoint's logic, and under how many keys.
fn executed(fake: &ServerHandle, path: &str) -> (usize, usize) {
    let log = fake.log();
    let posts: Vec<_> = log
        .iter()
        .filter(|e| e.method == "POST" && e.path == path)
        .collect();
    let mut keys: Vec<_> = posts
        .iter()
        .filter_map(|e| e.idempotency_key.clone())
        .collect();
    keys.sort();
    keys.dedup();
    (posts.iter().filter(|e| e.executed).count(), keys.len())
}

fn events(fake: &ServerHandle, kind: &str, object_id: &str) -> usize {
    fake.with_model(|m| {
        m.events()
            .iter()
            .filter(|e| e["type"] == kind && e["data"]["object"]["id"] == object_id)
            .count()
    })
}

#[test]
fn a_capture_that_ran_before_its_500_is_found_captured_and_not_sent_again() {
    let (fake, client, journal) = setup();
    let pi = authorised(&client);
    let path = format!("/v1/payment_intents/{pi}/capture");
    // Executed and stored, then 500: every retry with the same key replays the 500.
    fault(&fake, vec![(Method::POST, path.clone(), error_after(), 1)]);
    let id = op("order-10/capture");
    let outcome = done(journal.run(&client, &id, action(&path)));
    assert_eq!(
        (outcome.status(), outcome.source(), outcome.object_id()),
        (200, Source::Reconciled, Some(pi.as_str()))
    );
    let body: Value = outcome.deserialize().expect("json");
    assert_eq!(body["status"], "succeeded");
    // The retrieve that settled it, and nothing else after the POSTs.
    let retrieves = fake
        .log()
        .iter()
        .filter(|e| e.method == "GET" && e.path == format!("/v1/payment_intents/{pi}"))
        .count();
    assert_eq!(retrieves, 1);
    assert_eq!(executed(&fake, &path), (1, 1), "one capture, one key");
    assert_eq!(events(&fake, "payment_intent.succeeded", &pi), 1);
    let pi_now = object(&fake, &pi);
    assert_eq!(pi_now["amount_received"], 4200);
    // A re-delivered job gets the settled answer from the journal.
    let again = done(journal.run(&client, &id, action(&path)));
    assert_eq!(again.source(), Source::Journal);
    assert_eq!(again.object_id(), Some(pi.as_str()));
    assert_eq!(executed(&fake, &path), (1, 1));
}

#[test]
fn a_capture_refused_with_500_before_running_is_sent_again_with_the_same_key() {
    let (fake, client, journal) = setup();
    let pi = authorised(&client);
    let path = format!("/v1/payment_intents/{pi}/capture");
    // Every attempt of the first key: 500 before executing.
    fault(
        &fake,
        vec![(Method::POST, path.clone(), Fault::status(500), MAX_TRIES)],
    );
    let id = op("order-11/capture");
    let outcome = done(journal.run(&client, &id, action(&path)));
    // The retrieve found `requires_capture` while the key may still execute: the same key
    // captured it (a second key would be a second capture if the first were only late).
    assert_eq!((outcome.status(), outcome.source()), (200, Source::Stripe));
    assert_eq!(object(&fake, &pi)["status"], "succeeded");
    assert_eq!(
        executed(&fake, &path),
        (1, 1),
        "one capture, under the one key"
    );
    assert_eq!(events(&fake, "payment_intent.succeeded", &pi), 1);
    let row = journal.load(&id).expect("load").expect("row");
    assert_eq!(row.state().kind(), StateKind::Done);
}

#[test]
fn a_capture_whose_retrieve_fails_is_left_to_reconcile_and_settled_by_recover() {
    let (fake, client, journal) = setup();
    let pi = authorised(&client);
    let path = format!("/v1/payment_intents/{pi}/capture");
    fault(
        &fake,
        vec![
            (Method::POST, path.clone(), error_after(), 1),
            // The settling retrieve gets 500 on every attempt.
            (
                Method::GET,
                format!("/v1/payment_intents/{pi}"),
                Fault::status(500),
                MAX_TRIES,
            ),
        ],
    );
    let id = op("order-12/capture");
    let first = journal.run(&client, &id, action(&path));
    assert!(
        matches!(first, Err(JournalError::Stripe { .. })),
        "{first:?}"
    );
    let row = journal.load(&id).expect("load").expect("row");
    assert_eq!(row.state().kind(), StateKind::ToReconcile);
    assert_eq!(executed(&fake, &path), (1, 1));

    // Later (the fault plan is spent), a recovery pass retrieves it and finds it captured.
    let report = journal.recover(&client, 100).expect("recover");
    assert_eq!(report.reconciled_applied(), 1, "{report}");
    let row = journal.load(&id).expect("load").expect("row");
    assert_eq!(row.state().kind(), StateKind::Done);
    let State::Done(answer) = row.state() else {
        panic!("expected done, got {:?}", row.state())
    };
    assert_eq!(answer.object_id(), Some(pi.as_str()));
    assert_eq!(executed(&fake, &path), (1, 1), "never sent again");
    assert_eq!(events(&fake, "payment_intent.succeeded", &pi), 1);
    assert_eq!(journal.recover(&client, 100).expect("again").total(), 0);
}

#[test]
fn a_confirm_that_ran_before_its_500_is_found_confirmed() {
    let (fake, client, journal) = setup();
    let pi = payment_intent(
        &client,
        &[
            ("amount", "1500"),
            ("currency", "usd"),
            ("payment_method", "pm_card_visa"),
        ],
    );
    assert_eq!(object(&fake, &pi)["status"], "requires_confirmation");
    let path = format!("/v1/payment_intents/{pi}/confirm");
    fault(&fake, vec![(Method::POST, path.clone(), error_after(), 1)]);
    let outcome = done(journal.run(&client, &op("order-13/confirm"), action(&path)));
    assert_eq!(
        (outcome.source(), outcome.object_id()),
        (Source::Reconciled, Some(pi.as_str()))
    );
    assert_eq!(object(&fake, &pi)["status"], "succeeded");
    assert_eq!(executed(&fake, &path), (1, 1));
    let charges = fake.with_model(|m| {
        m.charges()
            .iter()
            .filter(|c| c["payment_intent"] == pi.as_str())
            .count()
    });
    assert_eq!(charges, 1, "one confirmation, one charge");
}

#[test]
fn cancels_are_settled_by_status_whether_or_not_they_ran() {
    let (fake, client, journal) = setup();
    let params = [("amount", "900"), ("currency", "usd")];
    // Ran, then 500: found canceled.
    let ran = payment_intent(&client, &params);
    let ran_path = format!("/v1/payment_intents/{ran}/cancel");
    fault(
        &fake,
        vec![(Method::POST, ran_path.clone(), error_after(), 1)],
    );
    let outcome = done(journal.run(&client, &op("order-14/cancel"), action(&ran_path)));
    assert_eq!(outcome.source(), Source::Reconciled);
    let body: Value = outcome.deserialize().expect("json");
    assert_eq!(body["status"], "canceled");
    assert_eq!(executed(&fake, &ran_path), (1, 1));
    // Refused before running: found open, canceled with the same key sent again.
    let not_ran = payment_intent(&client, &params);
    let path = format!("/v1/payment_intents/{not_ran}/cancel");
    fault(
        &fake,
        vec![(Method::POST, path.clone(), Fault::status(503), MAX_TRIES)],
    );
    let outcome = done(journal.run(&client, &op("order-15/cancel"), action(&path)));
    assert_eq!((outcome.status(), outcome.source()), (200, Source::Stripe));
    assert_eq!(object(&fake, &not_ran)["status"], "canceled");
    assert_eq!(executed(&fake, &path), (1, 1));
    assert_eq!(events(&fake, "payment_intent.canceled", &not_ran), 1);
}

#[test]
fn a_charge_capture_is_settled_by_its_captured_flag() {
    let (fake, client, journal) = setup();
    let created = client
        .post(
            "/v1/charges",
            &[
                ("amount", "700"),
                ("currency", "usd"),
                ("source", "tok_visa"),
                ("capture", "false"),
            ],
        )
        .expect("charge");
    let ch = created.json().expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(object(&fake, &ch)["captured"], false);
    let path = format!("/v1/charges/{ch}/capture");
    fault(&fake, vec![(Method::POST, path.clone(), error_after(), 1)]);
    let outcome = done(journal.run(&client, &op("order-16/capture"), action(&path)));
    assert_eq!(
        (outcome.source(), outcome.object_id()),
        (Source::Reconciled, Some(ch.as_str()))
    );
    assert_eq!(object(&fake, &ch)["captured"], true);
    assert_eq!(executed(&fake, &path), (1, 1));
    assert_eq!(events(&fake, "charge.captured", &ch), 1);
}

#[test]
fn a_declined_confirm_whose_answer_was_lost_is_not_sent_again() {
    let (fake, client, journal) = setup();
    let pi = payment_intent(
        &client,
        &[
            ("amount", "1500"),
            ("currency", "usd"),
            ("payment_method", "pm_card_chargeDeclined"),
        ],
    );
    let path = format!("/v1/payment_intents/{pi}/confirm");
    // The confirm runs, the card is declined, and Stripe's answer is a 500: the outcome is
    // unknown, and the payment intent is back at `requires_payment_method`.
    fault(&fake, vec![(Method::POST, path.clone(), error_after(), 1)]);
    let outcome = journal.run(&client, &op("order-14/confirm"), action(&path));
    assert_eq!(object(&fake, &pi)["status"], "requires_payment_method");
    assert!(
        !object(&fake, &pi)["last_payment_error"].is_null(),
        "the fake records the decline"
    );
    // The decline is the outcome: the card is not tried a second time under a new key.
    assert_eq!(executed(&fake, &path), (1, 1), "{outcome:?}");
    let outcome = done(outcome);
    assert_eq!(outcome.source(), Source::Reconciled);
    assert_eq!(
        outcome.status(),
        402,
        "the decline, as Stripe would have answered it"
    );
    let again = done(journal.run(&client, &op("order-14/confirm"), action(&path)));
    assert_eq!(again.source(), Source::Journal);
    assert_eq!(executed(&fake, &path), (1, 1));
}
