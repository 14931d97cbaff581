//! `stripe-cli post --op` and the journal's records, through the binary, against the fake: a
//! journaled post charges once and replays, `journal list|show`, `journal prune` (and the
//! minimum age it refuses under), a busy lease and a conflict, a lost answer never reported as
//! not sent. Recovery: `journal_recover.rs`; the audit: `journal_audit.rs`.

mod common;

use common::journal::{at_fake, db, journaled_charge, json_lines, scratch};
use common::{cli, cli_at, code, command, json, stderr, stdout};
use stripe_fake::server;
use stripe_fake::{Fault, FaultPlan, Rule};

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
    let rows = json_lines(&list);
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

    // Two days: past the key window, the lease and the send grace; the intent is younger.
    let keep = cli(&["journal", "prune", "--older-than", "172800", "--db", &db]);
    assert_eq!(code(&keep), 0, "{}", stderr(&keep));
    assert_eq!(stdout(&keep).trim(), "pruned 0");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn prune_refuses_ages_under_the_minimum_and_deletes_nothing() {
    let fake = server::start().expect("fake");
    let dir = scratch("prune");
    let db = db(&dir);
    let post = cli_at(&fake, &journaled_charge(&db, "order-8/charge", &[]));
    assert_eq!(code(&post), 0, "{}", stderr(&post));
    for age in ["0", "3600"] {
        let prune = cli(&["journal", "prune", "--older-than", age, "--db", &db]);
        assert_eq!(code(&prune), 2, "{}", stderr(&prune));
        assert!(stdout(&prune).is_empty(), "{}", stdout(&prune));
        let text = stderr(&prune);
        assert!(text.contains("refusing to prune"), "{text}");
        assert!(text.contains("nothing deleted"), "{text}");
    }
    let list = cli(&["journal", "list", "--db", &db]);
    assert_eq!(json_lines(&list).len(), 1, "{}", stdout(&list));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn busy_and_conflict_are_printed_as_values_with_their_exit_codes() {
    let fake = server::start().expect("fake");
    let dir = scratch("busy");
    let db = db(&dir);
    let base = fake.base_url();
    // The first run holds its lease while Stripe takes three seconds to answer.
    fake.set_plan(FaultPlan::new().rule(Rule::new(Fault::Delay { ms: 3000 }).path("/v1/charges")));
    let words = at_fake(&base, &journaled_charge(&db, "order-5/charge", &[]));
    let first = command(&words)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = std::time::Instant::now();
    while !fake.log().iter().any(|e| e.path == "/v1/charges") {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "never sent"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let busy = cli(&words);
    assert_eq!(code(&busy), 3, "{}", stderr(&busy));
    let value = json(&busy);
    assert_eq!(value["run"], "busy", "{value}");
    assert!(value["until_ms"].as_u64().is_some(), "{value}");
    assert!(
        stderr(&busy).contains("nothing was sent"),
        "{}",
        stderr(&busy)
    );
    let first = first.wait_with_output().expect("first run");
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert_eq!(fake.successful_charges(), 1);

    // The same operation id for another amount: a conflict, nothing sent, a usage error.
    let mut other = journaled_charge(&db, "order-5/charge", &[]);
    other[7] = "amount=901";
    let conflict = cli(&at_fake(&base, &other));
    assert_eq!(code(&conflict), 2, "{}", stderr(&conflict));
    let value = json(&conflict);
    assert_eq!(value["run"], "conflict", "{value}");
    assert_ne!(value["stored"], value["given"], "{value}");
    assert_eq!(fake.successful_charges(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_lost_answer_is_reported_as_possibly_sent_never_as_not_sent() {
    let fake = server::start().expect("fake");
    let dir = scratch("truth");
    let db = db(&dir);
    fake.set_plan(FaultPlan::new().rule(Rule::new(Fault::DropAfter).path("/v1/charges")));
    let post = cli_at(
        &fake,
        &journaled_charge(&db, "order-4/charge", &["--max-tries", "1"]),
    );
    assert_eq!(code(&post), 3, "{}", stderr(&post));
    let text = stderr(&post);
    assert!(text.contains("may have reached Stripe"), "{text}");
    assert!(!text.contains("nothing was sent"), "{text}");
    assert!(!text.contains("do not send"), "{text}");
    assert!(text.contains("journal recover"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
