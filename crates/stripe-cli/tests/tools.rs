//! The other commands of the `stripe-cli` binary: help, `webhook sign|verify`, `fake`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{cli, code, json, stderr, stdout};

#[test]
fn help_exits_0() {
    let o = cli(&["--help"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("usage: stripe-cli"));
    assert!(stdout(&o).contains("--backoff-ms"));
}

#[test]
fn webhook_sign_then_verify_round_trips_and_a_tampered_payload_fails() {
    let dir = std::env::temp_dir().join(format!("stripe-cli-webhook-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let payload = dir.join("event.json");
    let tampered = dir.join("tampered.json");
    std::fs::write(&payload, br#"{"id":"evt_1","type":"charge.succeeded"}"#).expect("write");
    std::fs::write(&tampered, br#"{"id":"evt_1","type":"charge.refunded"}"#).expect("write");
    let (payload, tampered) = (payload.to_string_lossy(), tampered.to_string_lossy());

    let o = cli(&[
        "webhook",
        "sign",
        "--secret",
        "whsec_test",
        "--payload-file",
        &payload,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let header = stdout(&o).trim().to_owned();
    assert!(
        header.starts_with("t=") && header.contains(",v1="),
        "{header}"
    );

    let verify = |file: &str, secret: &str| {
        cli(&[
            "webhook",
            "verify",
            "--secret",
            secret,
            "--header",
            &header,
            "--payload-file",
            file,
        ])
    };
    let o = verify(&payload, "whsec_test");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["type"], "charge.succeeded");
    let o = verify(&tampered, "whsec_test");
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("no v1 signature matches"),
        "{}",
        stderr(&o)
    );
    assert_eq!(code(&verify(&payload, "whsec_other")), 1);

    let old = cli(&[
        "webhook",
        "sign",
        "--secret",
        "whsec_test",
        "--payload-file",
        &payload,
        "--timestamp",
        "1000",
    ]);
    let old_header = stdout(&old).trim().to_owned();
    let o = cli(&[
        "webhook",
        "verify",
        "--secret",
        "whsec_test",
        "--header",
        &old_header,
        "--payload-file",
        &payload,
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("outside the tolerance"),
        "{}",
        stderr(&o)
    );

    assert_eq!(
        code(&cli(&[
            "webhook",
            "verify",
            "--secret",
            "whsec_test",
            "--payload-file",
            &payload
        ])),
        2
    );
    assert_eq!(
        code(&cli(&["webhook", "sign", "--payload-file", &payload])),
        2
    );
    assert_eq!(
        code(&cli(&[
            "webhook",
            "sign",
            "--secret",
            "s",
            "--payload-file",
            "/nonexistent/x"
        ])),
        2
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fake_prints_its_listening_line_first() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stripe-cli"))
        .args(["fake", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    let read = child
        .stdout
        .take()
        .map(|out| BufReader::new(out).read_line(&mut line));
    let _ = child.kill();
    let _ = child.wait();
    assert!(matches!(read, Some(Ok(n)) if n > 0));
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening line");
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    assert!(
        base.rsplit(':')
            .next()
            .and_then(|p| p.parse::<u16>().ok())
            .is_some_and(|p| p > 0)
    );
}

#[test]
fn fake_refuses_a_bad_plan_file() {
    let o = cli(&["fake", "--plan", "/nonexistent/plan.json"]);
    assert_eq!(code(&o), 2);
    assert_eq!(code(&cli(&["fake", "--port", "70000"])), 2);
}
