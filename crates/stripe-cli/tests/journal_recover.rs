//! Settling a journaled post whose outcome was unknown, through the binary, against the fake:
//! a 500 after charging settled by a List at once, `journal recover` resuming a post on its
//! intent's `Stripe-Account`, and the journal command lines that are usage errors.

mod common;

use common::journal::{at_fake, db, journaled_charge, json_lines, scratch};
use common::{cli, cli_at, code, json, stderr, stdout};
use stripe_fake::server;
use stripe_fake::{Fault, FaultPlan, Rule};

#[test]
fn a_500_after_charging_is_settled_by_a_list_and_bad_lines_are_usage_errors() {
    let fake = server::start().expect("fake");
    let dir = scratch("recover");
    let db = db(&dir);
    // Executed, then 500 on every replay: the run settles it at once by a consistent List (the
    // charge carries the operation's tags), without waiting for Search.
    fake.set_plan(
        FaultPlan::new()
            .rule(Rule::new(Fault::ErrorAfter { should_retry: None }).path("/v1/charges")),
    );
    let post = cli_at(
        &fake,
        &[
            "post",
            "/v1/charges",
            "--op",
            "o-1/charge",
            "--db",
            &db,
            "-d",
            "amount=500",
            "-d",
            "currency=usd",
            "-d",
            "source=tok_visa",
            "--backoff-ms",
            "1",
        ],
    );
    assert_eq!(code(&post), 0, "{}", stderr(&post));
    assert!(
        stderr(&post).contains("source: reconciled"),
        "{}",
        stderr(&post)
    );
    let base = fake.base_url();
    // --search-lag is still accepted, and changes nothing: there is nothing left to recover.
    let recover = cli(&[
        "journal",
        "recover",
        "--search-lag",
        "0",
        "--db",
        &db,
        "--api-base",
        &base,
        "--secret-key",
        common::KEY,
    ]);
    assert_eq!(code(&recover), 0, "{}", stderr(&recover));
    assert!(
        stdout(&recover).contains("resumed 0, reconciled applied 0"),
        "{}",
        stdout(&recover)
    );
    assert_eq!(fake.successful_charges(), 1);
    let done = cli(&["journal", "list", "--state", "done", "--db", &db]);
    assert_eq!(stdout(&done).lines().count(), 1);

    for bad in [
        vec!["get", "/v1/charges", "--op", "x", "--db", &db],
        vec!["post", "/v1/charges", "--op", "x"],
        vec![
            "post",
            "/v1/charges",
            "--op",
            "x",
            "--db",
            &db,
            "--idempotency-key",
            "k",
        ],
        vec!["journal", "list"],
        vec!["journal", "list", "--db", &db, "--state", "nope"],
        vec!["journal", "frobnicate", "--db", &db],
        vec!["journal", "list", "--db", "mysql://x"],
        vec!["journal", "recover", "--db", &db, "--search-lag", "soon"],
        vec!["journal", "prune", "--db", &db],
    ] {
        assert_eq!(code(&cli(&bad)), 2, "{bad:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recover_resumes_a_post_on_its_stripe_account() {
    let fake = server::start().expect("fake");
    let dir = scratch("scope");
    let db = db(&dir);
    // Executed under acct_cli1, the answer lost, no second attempt: the outcome is unknown.
    fake.set_plan(FaultPlan::new().rule(Rule::new(Fault::DropAfter).path("/v1/charges")));
    let words = journaled_charge(
        &db,
        "order-7/charge",
        &["--stripe-account", "acct_cli1", "--max-tries", "1"],
    );
    let post = cli_at(&fake, &words);
    assert_eq!(code(&post), 3, "{}", stderr(&post));
    assert_eq!(fake.successful_charges(), 1);
    // The scope is journaled with the intent.
    let list = cli(&["journal", "list", "--db", &db]);
    let rows = json_lines(&list);
    assert_eq!(rows.len(), 1, "{}", stdout(&list));
    assert_eq!(
        (rows[0]["scope"].as_str(), rows[0]["state"].as_str()),
        (Some("acct_cli1"), Some("sent"))
    );
    let key = rows[0]["key"].as_str().expect("key").to_owned();
    // Recover has no --stripe-account: the intent's scope puts it back on the request, so the
    // same key on the same account gets Stripe's stored answer instead of charging again.
    let base = fake.base_url();
    let recover = cli(&at_fake(&base, &["journal", "recover", "--db", &db]));
    assert_eq!(code(&recover), 0, "{}", stderr(&recover));
    assert!(
        stdout(&recover).contains("resumed 1"),
        "{}",
        stdout(&recover)
    );
    assert_eq!(fake.successful_charges(), 1);
    let resent: Vec<_> = fake
        .log()
        .into_iter()
        .filter(|e| e.method == "POST" && e.idempotency_key.as_deref() == Some(key.as_str()))
        .collect();
    assert_eq!(resent.len(), 2, "{resent:?}");
    assert!(resent[1].replayed, "{resent:?}");
    let show = cli(&[
        "journal",
        "show",
        "order-7/charge",
        "--scope",
        "acct_cli1",
        "--db",
        &db,
    ]);
    assert_eq!(code(&show), 0, "{}", stderr(&show));
    assert_eq!(json(&show)["state"], "done");
    let _ = std::fs::remove_dir_all(&dir);
}
