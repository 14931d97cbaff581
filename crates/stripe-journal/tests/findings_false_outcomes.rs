//! The review's findings 6 and 7, each a false outcome recorded, through the public API,
//! blocking, over SQLite files and the fake Stripe on loopback: a decline answered 500 recorded as
//! a success, another shop's object taken as this operation's. Each test names the old behaviour
//! it catches (the journal before the sans-IO rewrite).

mod support;

use std::time::{Duration, Instant};

use stripe_fake::Fault;
use stripe_fake::server;
use stripe_journal::{FailureAdvice, Run, Source, State};

use support::TempDb;
use support::common::{done, op};
use support::findings::{charge, charges_of, client, journal, on, wait_past};

// ---------------------------------------------------------------------------------------------
// Finding 6: a decline answered 500 is recorded as the decline.

/// Old behaviour caught: reconciliation took any object Search found as applied and recorded it
/// as a 200 success, so a declined charge whose answer was a 500 became a done intent with a
/// "successful" outcome (the failed charge's body). Now it is the 402 decline, failed with
/// customer action.
#[test]
fn finding_6_a_decline_answered_500_is_recorded_as_the_decline() {
    let fake = server::start().expect("fake");
    let db = TempDb::new("f6");
    let journal = journal(&db, "holder-f6");
    let client = client(&fake, 3);
    let id = op("order-6/charge");
    on(
        &fake,
        "/v1/charges",
        Fault::ErrorAfter { should_retry: None },
        1,
    );
    let outcome = done(journal.run(&client, &id, charge("1000", "tok_chargeDeclined")));
    assert_eq!(outcome.status(), 402, "{}", outcome.body());
    assert!(!outcome.is_success());
    let row = journal.load(&id).expect("load").expect("row");
    assert!(
        matches!(
            row.state(),
            State::Failed(FailureAdvice::CustomerAction, Some(_))
        ),
        "{:?}",
        row.state()
    );
    let charges = charges_of(&fake, "order-6/charge");
    assert_eq!(charges.len(), 1, "{charges:?}");
    assert_eq!(charges[0]["status"], "failed");
    // A re-delivery gets the decline back without calling Stripe.
    let again = done(journal.run(&client, &id, charge("1000", "tok_chargeDeclined")));
    assert_eq!((again.status(), again.source()), (402, Source::Journal));
}

// ---------------------------------------------------------------------------------------------
// Finding 7: another shop's object with the same op id is not taken.

/// Old behaviour caught: Search on `metadata['op']` alone took the first object carrying the
/// operation id, whoever made it and for whatever amount, so after a 503 the journal recorded
/// another shop's charge as its own outcome (and this charge was never made). Now the object
/// must carry this journal's namespace and the request's amount and currency.
#[test]
fn finding_7_another_shops_object_is_not_taken() {
    let fake = server::start().expect("fake");
    let db = TempDb::new("f7");
    let journal = journal(&db, "holder-f7");
    let client = client(&fake, 3);
    let op_id = "order-7/charge";
    let ours = journal.namespace().to_owned();
    // Made directly on Stripe: the same op id under another namespace, and under this
    // journal's namespace for another amount.
    let foreign_ns = client
        .post(
            "/v1/charges",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("source", "tok_visa"),
                ("metadata[op]", op_id),
                ("metadata[op_ns]", "another-shop"),
            ],
        )
        .expect("foreign charge");
    let foreign_amount = client
        .post(
            "/v1/charges",
            &[
                ("amount", "999"),
                ("currency", "usd"),
                ("source", "tok_visa"),
                ("metadata[op]", op_id),
                ("metadata[op_ns]", ours.as_str()),
            ],
        )
        .expect("foreign charge");
    let foreign: Vec<String> = [foreign_ns, foreign_amount]
        .iter()
        .map(|r| {
            r.json().expect("json")["id"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect();
    // 503 before executing on every try of the first call: the journal must reconcile.
    on(&fake, "/v1/charges", Fault::status(503), 3);
    let id = op(op_id);
    let deadline = Instant::now() + Duration::from_secs(10);
    let outcome = loop {
        match journal.run(&client, &id, charge("1000", "tok_visa")) {
            Ok(Run::Done(outcome)) => break outcome,
            Ok(Run::Unsettled { retry_at, .. }) if Instant::now() < deadline => wait_past(retry_at),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(outcome.status(), 200);
    let got = outcome.object_id().expect("object id").to_owned();
    assert!(!foreign.contains(&got), "took another shop's charge {got}");
    let ours_charges: Vec<_> = charges_of(&fake, op_id)
        .into_iter()
        .filter(|c| c["metadata"]["op_ns"] == ours.as_str() && c["amount"] == 1000)
        .collect();
    assert_eq!(ours_charges.len(), 1, "{ours_charges:?}");
    assert_eq!(ours_charges[0]["id"].as_str(), Some(got.as_str()));
}
