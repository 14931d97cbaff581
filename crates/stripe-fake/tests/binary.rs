//! The `stripe-fake` binary: listening line, serving, argument errors.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_stripe-fake");

#[test]
fn prints_the_listening_line_and_serves() {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--seed", "3"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let resp = common::call(&url, "POST", "/v1/customers", &[], "name=bin");
    child.kill().expect("kill");
    let _ = child.wait();
    let resp = resp.expect("answer");
    assert_eq!(resp.status, 200);
    assert!(
        resp.json()["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("cus_"))
    );
}

#[test]
fn loads_a_plan_file() {
    let path = std::env::temp_dir().join(format!("stripe-fake-plan-{}.json", std::process::id()));
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(br#"[{"path": "/v1/", "fault": "status", "status": 503}]"#))
        .expect("write plan");
    let mut child = Command::new(BIN)
        .arg("--plan")
        .arg(&path)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("line");
    let url = line.trim().trim_start_matches("listening on ").to_owned();
    let resp = common::call(&url, "GET", "/v1/charges", &[], "");
    child.kill().expect("kill");
    let _ = child.wait();
    let _ = std::fs::remove_file(&path);
    assert_eq!(resp.expect("answer").status, 503);
}

#[test]
fn search_lag_flag_delays_search_and_not_lists() {
    let mut child = Command::new(BIN)
        .args(["--search-lag", "3600"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("line");
    let url = line.trim().trim_start_matches("listening on ").to_owned();
    let created = common::call(
        &url,
        "POST",
        "/v1/charges",
        &[],
        "amount=500&currency=usd&source=tok_visa&metadata[op]=x",
    );
    let listed = common::call(&url, "GET", "/v1/charges", &[], "");
    let searched = common::call(
        &url,
        "GET",
        "/v1/charges/search?query=metadata['op']:'x'",
        &[],
        "",
    );
    child.kill().expect("kill");
    let _ = child.wait();
    let id = created.expect("answer").json()["id"].clone();
    assert!(id.is_string());
    assert_eq!(listed.expect("answer").json()["data"][0]["id"], id);
    let searched = searched.expect("answer");
    assert_eq!(searched.status, 200);
    assert_eq!(searched.json()["data"], serde_json::json!([]));
}

#[test]
fn help_and_bad_arguments() {
    let help = Command::new(BIN).arg("--help").output().expect("run");
    assert!(help.status.success());
    let usage = String::from_utf8_lossy(&help.stdout);
    assert!(usage.contains("usage: stripe-fake"));
    assert!(usage.contains("--search-lag SECONDS"));
    for args in [
        &["--bogus"][..],
        &["--port"],
        &["--port", "99999"],
        &["--host", "nowhere"],
        &["--plan", "/nonexistent/plan.json"],
        &["--search-lag", "-1"],
        &["--search-lag", "soon"],
        &["--search-lag", "NaN"],
    ] {
        let out = Command::new(BIN).args(args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("stripe-fake:"),
            "{args:?}"
        );
    }
}

/// The first two lines of a binary run with `args`, and the id of the customer it creates.
fn run_and_create(args: &[&str]) -> (String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let (mut listening, mut seed) = (String::new(), String::new());
    out.read_line(&mut listening).expect("first line");
    out.read_line(&mut seed).expect("second line");
    let url = listening
        .trim()
        .trim_start_matches("listening on ")
        .to_owned();
    let resp = common::call(&url, "POST", "/v1/customers", &[], "name=seeded");
    child.kill().expect("kill");
    let _ = child.wait();
    let id = resp.expect("answer").json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    (seed.trim().to_owned(), id)
}

#[test]
fn the_default_seed_is_random_and_printed_and_seed_pins_it() {
    let (first_seed, first_id) = run_and_create(&[]);
    let (second_seed, second_id) = run_and_create(&[]);
    assert!(first_seed.starts_with("seed "), "{first_seed}");
    assert_ne!(first_seed, second_seed, "a restarted fake draws a new seed");
    assert_ne!(first_id, second_id, "and hands out other ids");
    let printed = first_seed.trim_start_matches("seed ");
    let (pinned_seed, pinned_id) = run_and_create(&["--seed", printed]);
    assert_eq!(pinned_seed, first_seed);
    assert_eq!(
        pinned_id, first_id,
        "the printed seed gives the same ids again"
    );
}
