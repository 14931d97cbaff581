//! `stripe-cli post --op` and `stripe-cli journal ...`, through the binary, against the fake.

mod common;

use common::{cli, cli_at, code, json, stderr, stdout};
use stripe_fake::server;
use stripe_fake::{Fault, FaultPlan, Rule};

fn db(dir: &std::path::Path) -> String {
    format!("sqlite:{}", dir.join("journal.db").display())
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("stripe-cli-journal-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

#[test]
fn a_journaled_post_charges_once_and_replays_then_list_show_prune() {
    let fake = server::start().expect("fake");
    let dir = scratch("post");
    let db = db(&dir);
    let charge = [
        "post",
        "/v1/charges",
        "--op",
        "order-9/charge",
        "--db",
        &db,
        "-d",
        "amount=700",
        "-d",
        "currency=usd",
        "-d",
        "source=tok_visa",
    ];
    // The answer of the first attempt is lost: the same key gets it back.
    fake.set_plan(FaultPlan::new().rule(Rule::new(Fault::DropAfter).path("/v1/charges")));
    let first = cli_at(&fake, &charge);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert!(
        stderr(&first).contains("source: stripe"),
        "{}",
        stderr(&first)
    );
    let id = json(&first)["id"].as_str().expect("id").to_owned();
    let again = cli_at(&fake, &charge);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(
        stderr(&again).contains("source: journal"),
        "{}",
        stderr(&again)
    );
    assert_eq!(json(&again)["id"], id.as_str());
    assert_eq!(fake.successful_charges(), 1);

    let list = cli(&["journal", "list", "--db", &db]);
    assert_eq!(code(&list), 0, "{}", stderr(&list));
    let rows: Vec<serde_json::Value> = stdout(&list)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0]["op"].as_str(), rows[0]["state"].as_str()),
        (Some("order-9/charge"), Some("done"))
    );
    assert_eq!(rows[0]["object"], id.as_str());

    let show = cli(&["journal", "show", "order-9/charge", "--db", &db]);
    assert_eq!(code(&show), 0, "{}", stderr(&show));
    let shown = json(&show);
    assert_eq!(
        (shown["status"].as_u64(), shown["body"]["id"].as_str()),
        (Some(200), Some(id.as_str()))
    );
    assert_eq!(shown["request"]["path"], "/v1/charges");
    assert_eq!(code(&cli(&["journal", "show", "nope", "--db", &db])), 1);

    let keep = cli(&["journal", "prune", "--older-than", "3600", "--db", &db]);
    assert_eq!(stdout(&keep).trim(), "pruned 0");
    let prune = cli(&["journal", "prune", "--older-than", "0", "--db", &db]);
    assert_eq!(stdout(&prune).trim(), "pruned 1");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recover_settles_a_500_after_charging_and_bad_lines_are_usage_errors() {
    let fake = server::start().expect("fake");
    let dir = scratch("recover");
    let db = db(&dir);
    // Executed, then 500 on every replay: the run leaves the intent to reconcile (Search lag).
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
    assert_eq!(code(&post), 1, "{}", stderr(&post));
    let list = cli(&["journal", "list", "--state", "to_reconcile", "--db", &db]);
    assert_eq!(stdout(&list).lines().count(), 1, "{}", stdout(&list));
    let base = fake.base_url();
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
        stdout(&recover).contains("reconciled applied 1"),
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
    ] {
        assert_eq!(code(&cli(&bad)), 2, "{bad:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
