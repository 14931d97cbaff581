//! Holders driven step by step against the fake Stripe: the store round trips of a new
//! operation and of a re-delivery, and a holder that dies after sending, then finished by
//! `recover` or waited out by `run_waiting` (blocking and async).

mod support;

use std::time::{Duration, Instant, SystemTime};

use stripe_client::Attempt;
use stripe_core::Request;
use stripe_fake::server;
use stripe_journal::machine::{Input, Step, StoreOp};
use stripe_journal::{IntentId, Journal, Run, StateKind};

use support::common::{charge, done};
use support::run::{charges_tagged, config, journal};

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

/// A holder that claims `id`, sends its request (the fake charges it; the answer is not
/// recorded), then dies: its machine is dropped mid-call.
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
