//! The no-double-charge simulation for API v2: `stripe-client`'s loop against the fake's pure
//! model, through the simulated network in virtual time, over random fault schedules, for a v2
//! POST (`/v2/core/accounts`, JSON) and a v2 DELETE (`/v2/core/event_destinations/{id}`, keyed as
//! the official SDKs key it).
//!
//! The v2 column of stripe-core's retry and advice tables is what is checked: a v2 request never
//! ends in `Reconcile` (Stripe finishes failed work on a retry with the same key, it does not
//! replay a stored 500), so every outcome is either done or "retry with the same key", and that
//! resume finishes it, once.
//!
//! `cargo test --test simulation_v2 -- --nocapture` prints the figures. CI runs 10,000 cases,
//! each a POST and a DELETE (the default); `SIM_CASES=1000000 cargo test --release --test
//! simulation_v2 -- --nocapture` runs a million.

use std::cell::RefCell;
use std::time::{Duration, Instant, SystemTime};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};
use stripe_core::{Action, Advice, Config, IdempotencyKey, Request, Seed, Session};
use stripe_sim::{Run, Sim, strategy};
use support::sim::{Stats, cases, runner};

mod support;

const REGRESSIONS: &str = "proptest-regressions/simulation_v2.txt";

const ACCOUNTS: &str = "v2.core.account";
const DESTINATIONS: &str = "v2.core.event_destination";

fn config() -> Config {
    Config::builder("sk_test_simulation_v2")
        .build()
        .expect("valid config")
}

fn create_account(key: Option<IdempotencyKey>) -> Request {
    let req = Request::post(
        "/v2/core/accounts",
        &json!({"display_name": "Shop", "metadata": {"order": "o-1"}}),
    )
    .expect("valid");
    match key {
        Some(k) => req.with_idempotency_key(k).expect("a v2 POST takes a key"),
        None => req,
    }
}

fn delete_destination(id: &str, key: Option<IdempotencyKey>) -> Request {
    let req = Request::delete(&format!("/v2/core/event_destinations/{id}")).expect("valid");
    match key {
        Some(k) => req
            .with_idempotency_key(k)
            .expect("a v2 DELETE takes a key"),
        None => req,
    }
}

/// A destination to delete, made without faults; its id.
fn destination(sim: &mut Sim, config: &Config) -> String {
    let create = Request::post(
        "/v2/core/event_destinations",
        &json!({
            "name": "hook",
            "type": "webhook_endpoint",
            "event_payload": "thin",
            "enabled_events": ["v2.core.account.created"],
            "webhook_endpoint": {"url": "https://example.com/hook"},
        }),
    )
    .expect("valid");
    let made = sim.run(create, config, Seed::from_u64(0), []);
    let made = made.outcome.expect("no faults: created");
    id_of(made.json()).expect("an id")
}

fn id_of(value: Option<&Value>) -> Option<String> {
    value?.get("id")?.as_str().map(str::to_owned)
}

/// The outcome's label, its advice and its key.
fn summary(run: &Run, what: &str) -> (String, Advice, Option<IdempotencyKey>, Option<u16>) {
    match &run.outcome {
        Ok(r) => (
            format!("{what}: done {}", r.status().as_u16()),
            r.advice(),
            r.idempotency_key().cloned(),
            Some(r.status().as_u16()),
        ),
        Err(f) => {
            let status = f.response().map(|r| r.status().as_u16());
            let kind = format!("{:?}", f.kind());
            let kind = kind
                .split(['{', '('])
                .next()
                .unwrap_or("")
                .trim()
                .to_owned();
            (
                format!("{what}: fail {kind} {status:?}"),
                f.advice(),
                f.idempotency_key().cloned(),
                status,
            )
        }
    }
}

/// Checks one finished keyed call against the model: done means done once; otherwise the
/// advice is "retry with the same key", and that resume (no faults) finishes it, once.
/// `held` answers what the model holds after the call; `resume` re-sends with the key.
fn check(
    run: &Run,
    what: &str,
    stats: &mut Stats,
    held: &mut dyn FnMut() -> usize,
    expected_after: usize,
    resume: &mut dyn FnMut(IdempotencyKey) -> Run,
) -> Result<(), TestCaseError> {
    let (label, advice, key, status) = summary(run, what);
    stats.count(label);
    let Some(key) = key else {
        stats.lost += 1;
        return Err(TestCaseError::fail(format!(
            "{what}: an outcome without its key"
        )));
    };
    if status.is_some_and(|c| c >= 500) {
        prop_assert_eq!(
            advice,
            Advice::RetrySameKey,
            "{}: a v2 5xx is resumed",
            what
        );
    }
    match advice {
        Advice::Success => {
            if held() != expected_after {
                stats.lost += 1;
                return Err(TestCaseError::fail(format!(
                    "{what}: 2xx but {} held",
                    held()
                )));
            }
        }
        Advice::RetrySameKey => {
            let again = resume(key.clone());
            let finished = again.outcome.as_ref().is_ok_and(|r| r.is_success());
            if !finished || held() != expected_after {
                stats.lost += 1;
                return Err(TestCaseError::fail(format!(
                    "{what}: resume with {key} did not finish it: {again:?}"
                )));
            }
            stats.count(format!("  {what}: of which resumed to 2xx"));
        }
        other => {
            return Err(TestCaseError::fail(format!(
                "{what}: advice {other:?} for a valid v2 request ({run:?})"
            )));
        }
    }
    Ok(())
}

#[test]
fn v2_posts_and_deletes_never_run_twice_and_never_end_unfinished() {
    let config = config();
    let stats = RefCell::new(Stats::default());
    let strategy = (
        strategy::policy_and_schedule(),
        strategy::schedule(8),
        any::<u64>(),
        any::<u64>(),
    );
    let result = runner(cases(), REGRESSIONS).run(
        &strategy,
        |((policy, schedule), delete_schedule, seed, model_seed)| {
            let mut s = stats.borrow_mut();
            s.cases += 1;
            let sim = RefCell::new(Sim::new(model_seed));

            // The POST.
            let post = create_account(None)
                .with_policy(policy.clone())
                .expect("policy");
            let run = sim
                .borrow_mut()
                .run(post, &config, Seed::from_u64(seed), &schedule);
            prop_assert!(run.attempts >= 1 && run.attempts <= policy.max_tries);
            sim.borrow_mut().settle();
            let accounts = sim.borrow().model().objects(ACCOUNTS).len();
            if accounts > 1 {
                s.duplicates += 1;
                return Err(TestCaseError::fail(format!("{accounts} accounts: {run:?}")));
            }
            let returned = run.outcome.as_ref().ok().and_then(|r| id_of(r.json()));
            if let Some(id) = &returned {
                let held = id_of(sim.borrow().model().objects(ACCOUNTS).first());
                prop_assert_eq!(
                    Some(id),
                    held.as_ref(),
                    "the account returned is the one held"
                );
            }
            check(
                &run,
                "v2 POST",
                &mut s,
                &mut || sim.borrow().model().objects(ACCOUNTS).len(),
                1,
                &mut |key| {
                    sim.borrow_mut().run(
                        create_account(Some(key)),
                        &config,
                        Seed::from_u64(seed ^ 1),
                        [],
                    )
                },
            )?;

            // The DELETE of an object that exists: never a 404 for a delete that executed.
            let id = destination(&mut sim.borrow_mut(), &config);
            let delete = delete_destination(&id, None)
                .with_policy(policy.clone())
                .expect("policy");
            let run =
                sim.borrow_mut()
                    .run(delete, &config, Seed::from_u64(seed ^ 2), &delete_schedule);
            sim.borrow_mut().settle();
            if let Some(r) = run.outcome.as_ref().ok().filter(|r| r.is_success()) {
                prop_assert_eq!(
                    r.json(),
                    Some(&json!({"id": id, "object": DESTINATIONS})),
                    "a DELETE answers the deletion"
                );
            }
            check(
                &run,
                "v2 DELETE",
                &mut s,
                &mut || sim.borrow().model().objects(DESTINATIONS).len(),
                0,
                &mut |key| {
                    sim.borrow_mut().run(
                        delete_destination(&id, Some(key)),
                        &config,
                        Seed::from_u64(seed ^ 3),
                        [],
                    )
                },
            )
        },
    );
    stats
        .into_inner()
        .finish("v2 (a POST and a DELETE each): ", result);
}

/// The controls: a naive client (no key, retries any transport error at once) against the same
/// kind of schedules must be caught creating twice on the POST, and answered a 404 for a
/// DELETE that did execute; or the harness proves nothing about v2.
#[test]
fn the_harness_catches_a_naive_v2_client() {
    let config = config();
    let (duplicates, false_404s) = (RefCell::new(0u64), RefCell::new(0u64));
    let cases = 2_000;
    let naive = |sim: &mut Sim, request: Request, schedule: &stripe_sim::Schedule| {
        let mut session = Session::new(config.clone(), Seed::from_u64(0));
        let first = session
            .call(request, Instant::now(), SystemTime::UNIX_EPOCH)
            .map(|(_, first)| first);
        let Ok(Action::Send {
            request: mut req, ..
        }) = first
        else {
            return None;
        };
        req.headers_mut().remove("idempotency-key");
        let mut last = None;
        for fault in schedule.faults().iter().take(5) {
            last = sim
                .attempt(&req, fault.as_ref(), Duration::from_secs(30))
                .ok();
            if last.is_some() {
                break;
            }
        }
        sim.settle();
        Some(last)
    };
    let result = runner(cases, REGRESSIONS).run(
        &(strategy::schedule(7), any::<u64>()),
        |(schedule, model_seed)| {
            let mut sim = Sim::new(model_seed);
            naive(&mut sim, create_account(None), &schedule)
                .ok_or_else(|| TestCaseError::fail("no send"))?;
            if sim.model().objects(ACCOUNTS).len() > 1 {
                *duplicates.borrow_mut() += 1;
            }
            let id = destination(&mut sim, &config);
            let answer = naive(&mut sim, delete_destination(&id, None), &schedule)
                .ok_or_else(|| TestCaseError::fail("no send"))?;
            let executed = sim.model().objects(DESTINATIONS).is_empty();
            if executed && answer.is_some_and(|r| r.status() == 404) {
                *false_404s.borrow_mut() += 1;
            }
            Ok(())
        },
    );
    result.expect("the control itself never fails");
    let (d, f) = (duplicates.into_inner(), false_404s.into_inner());
    println!(
        "naive v2 client: {cases} cases, {d} duplicate POSTs, {f} DELETEs answered 404 after they executed"
    );
    assert!(
        d > 0,
        "the harness must see the naive client's duplicate POSTs"
    );
    assert!(f > 0, "the harness must see the naive client's false 404s");
}
