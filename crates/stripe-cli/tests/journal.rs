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

    // Two days: past the key window, the lease and the send grace; the intent is younger.
    let keep = cli(&["journal", "prune", "--older-than", "172800", "--db", &db]);
    assert_eq!(code(&keep), 0, "{}", stderr(&keep));
    assert_eq!(stdout(&keep).trim(), "pruned 0");
    let _ = std::fs::remove_dir_all(&dir);
}

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

/// The charge of `op` through the journal at `db`, with `extra` words.
fn journaled_charge<'a>(db: &'a str, op: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut words = vec![
        "post",
        "/v1/charges",
        "--op",
        op,
        "--db",
        db,
        "-d",
        "amount=900",
        "-d",
        "currency=usd",
        "-d",
        "source=tok_visa",
        "--backoff-ms",
        "1",
    ];
    words.extend_from_slice(extra);
    words
}

/// The `--api-base` and `--secret-key` words of `fake`, after `words`.
fn at_fake<'a>(base: &'a str, words: &[&'a str]) -> Vec<&'a str> {
    let mut all = words.to_vec();
    all.extend_from_slice(&["--api-base", base, "--secret-key", common::KEY]);
    all
}

fn json_lines(o: &std::process::Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
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
    let first = std::process::Command::new(env!("CARGO_BIN_EXE_stripe-cli"))
        .args(&words)
        .env_remove("STRIPE_SECRET_KEY")
        .env_remove("STRIPE_API_BASE")
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

/// `journal namespace`: the namespace the journal at `db` tags its objects with.
fn namespace(db: &str) -> String {
    let out = cli(&["journal", "namespace", "--db", db]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json(&out)["namespace"]
        .as_str()
        .expect("namespace")
        .to_owned()
}

#[test]
fn audit_reports_an_op_with_two_charges_and_refunds_the_extra_once() {
    let fake = server::start().expect("fake");
    let dir = scratch("audit");
    let db = db(&dir);
    let base = fake.base_url();
    // The journal's charge, then a second one carrying the same tags (as an old key executed
    // late would have made).
    let post = cli_at(&fake, &journaled_charge(&db, "order-3/charge", &[]));
    assert_eq!(code(&post), 0, "{}", stderr(&post));
    let recorded = json(&post)["id"].as_str().expect("id").to_owned();
    let ns = namespace(&db);
    let op_tag = "metadata[op]=order-3/charge".to_owned();
    let ns_tag = format!("metadata[op_ns]={ns}");
    let extra = cli_at(
        &fake,
        &[
            "post",
            "/v1/charges",
            "-d",
            "amount=900",
            "-d",
            "currency=usd",
            "-d",
            "source=tok_visa",
            "-d",
            &op_tag,
            "-d",
            &ns_tag,
        ],
    );
    assert_eq!(code(&extra), 0, "{}", stderr(&extra));
    let extra = json(&extra)["id"].as_str().expect("id").to_owned();
    // Another namespace's charge with the same op id is not this journal's.
    let foreign = cli_at(
        &fake,
        &[
            "post",
            "/v1/charges",
            "-d",
            "amount=900",
            "-d",
            "currency=usd",
            "-d",
            "source=tok_visa",
            "-d",
            &op_tag,
            "-d",
            "metadata[op_ns]=someone-else",
        ],
    );
    assert_eq!(code(&foreign), 0, "{}", stderr(&foreign));

    let audit = cli(&at_fake(
        &base,
        &["journal", "audit", "--since", "3600", "--db", &db],
    ));
    assert_eq!(code(&audit), 1, "{}", stderr(&audit));
    let report = json(&audit);
    let dups = report["duplicates"].as_array().expect("duplicates");
    assert_eq!(dups.len(), 1, "{report}");
    assert_eq!(dups[0]["op"], "order-3/charge");
    assert_eq!(dups[0]["resource"], "charges");
    let ids: Vec<&str> = dups[0]["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(ids, [recorded.as_str(), extra.as_str()], "{report}");
    assert_eq!(dups[0]["recorded"], recorded.as_str());
    assert_eq!(
        report["refunds"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );
    assert_eq!(fake.count(stripe_fake::Kind::Refund), 0);

    // Refunding the extra, twice: one refund, of the extra charge only.
    let refund = [
        "journal",
        "audit",
        "--since",
        "3600",
        "--refund-extras",
        "--db",
        &db,
    ];
    let first = cli(&at_fake(&base, &refund));
    assert_eq!(code(&first), 1, "{}", stderr(&first));
    let report = json(&first);
    let refunds = report["refunds"].as_array().expect("refunds");
    assert_eq!(refunds.len(), 1, "{report}");
    assert_eq!(
        (refunds[0]["object"].as_str(), refunds[0]["result"].as_str()),
        (Some(extra.as_str()), Some("refunded"))
    );
    let second = cli(&at_fake(&base, &refund));
    assert_eq!(code(&second), 1, "{}", stderr(&second));
    let report = json(&second);
    assert_eq!(
        report["refunds"][0]["result"], "already_refunded",
        "{report}"
    );
    assert_eq!(fake.count(stripe_fake::Kind::Refund), 1);
    let refunded: Vec<bool> = [&recorded, &extra]
        .iter()
        .map(|id| {
            let got = cli_at(&fake, &["get", &format!("/v1/charges/{id}")]);
            json(&got)["refunded"].as_bool().unwrap_or(false)
        })
        .collect();
    assert_eq!(refunded, [false, true]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn audit_without_duplicates_exits_zero_and_bad_flags_are_usage_errors() {
    let fake = server::start().expect("fake");
    let dir = scratch("audit-clean");
    let db = db(&dir);
    let base = fake.base_url();
    let post = cli_at(&fake, &journaled_charge(&db, "order-2/charge", &[]));
    assert_eq!(code(&post), 0, "{}", stderr(&post));
    let audit = cli(&at_fake(&base, &["journal", "audit", "--db", &db]));
    assert_eq!(code(&audit), 0, "{}", stderr(&audit));
    let report = json(&audit);
    assert_eq!(
        report["duplicates"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );
    assert!(report["tagged"].as_u64() >= Some(1), "{report}");
    for bad in [
        vec!["journal", "audit", "--db", &db, "--since", "soon"],
        vec!["journal", "audit", "--db", &db, "--refund-extras=yes"],
        vec!["journal", "audit", "--db", &db],
    ] {
        assert_eq!(code(&cli(&bad)), 2, "{bad:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
