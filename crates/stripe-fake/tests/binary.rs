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
