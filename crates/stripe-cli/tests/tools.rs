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

/// The command words of a usage line (`journal list`, `get`, ...), `|` alternatives expanded:
/// the words after `stripe-cli` up to the first option, placeholder or bracket.
fn commands_of(line: &str) -> Vec<Vec<String>> {
    let Some((_, rest)) = line.split_once("stripe-cli") else {
        return Vec::new();
    };
    let words: Vec<&str> = rest
        .split_whitespace()
        .skip_while(|w| *w == "[options]")
        .take_while(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '|'))
        .collect();
    let Some((first, subs)) = words.split_first() else {
        return Vec::new();
    };
    first
        .split('|')
        .map(|c| {
            std::iter::once(c)
                .chain(subs.iter().copied())
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

/// The usage lines at the top of a help text.
fn synopsis(help: &str) -> Vec<&str> {
    help.split("\n\n")
        .next()
        .unwrap_or_default()
        .lines()
        .collect()
}

#[test]
fn every_command_and_subcommand_answers_help_with_its_usage() {
    let all = cli(&["--help"]);
    let listed: Vec<Vec<String>> = synopsis(&stdout(&all))
        .into_iter()
        .flat_map(commands_of)
        .collect();
    // What the usage lists, so that a command dropped from it is noticed too.
    for expected in [
        "get",
        "post",
        "delete",
        "upload",
        "fake",
        "webhook sign",
        "webhook verify",
        "journal list",
        "journal show",
        "journal namespace",
        "journal recover",
        "journal prune",
        "journal audit",
    ] {
        assert!(
            listed.iter().any(|c| c.join(" ") == expected),
            "{expected} not in {listed:?}"
        );
    }
    let mut asked = listed.clone();
    for command in &listed {
        asked.push(vec![command[0].clone()]);
    }
    asked.dedup();
    for command in &asked {
        for flag in ["--help", "-h"] {
            let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
            args.push(flag);
            let o = cli(&args);
            let text = stdout(&o);
            assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
            assert!(text.starts_with("usage: stripe-cli"), "{args:?}: {text}");
            let own = synopsis(&text)
                .into_iter()
                .flat_map(commands_of)
                .any(|c| c.starts_with(&command[..1]) && (command.len() == 1 || c == *command));
            assert!(own, "{args:?} printed no usage line of its own: {text}");
            assert!(
                text.len() < stdout(&all).len() || command[0] == "fake",
                "{args:?} printed the whole usage, not its own"
            );
        }
    }
    // The help of a subcommand whose required options are missing is still the help.
    assert_eq!(code(&cli(&["journal", "prune", "--help"])), 0);
    assert_eq!(code(&cli(&["help", "journal"])), 0);
    let fake = stdout(&cli(&["fake", "--help"]));
    for option in [
        "--webhook-url",
        "--webhook-secret",
        "--search-lag",
        "--plan",
    ] {
        assert!(fake.contains(option), "fake --help lacks {option}: {fake}");
    }
}

#[test]
fn fake_takes_the_binarys_webhook_options_and_delivers_signed_events() {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::time::{Duration, SystemTime};

    let hook = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", hook.local_addr().expect("addr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_stripe-cli"))
        .args(["fake", "--port", "0", "--webhook-url", &url])
        .args(["--webhook-secret", "whsec_cli_test", "--search-lag", "0.5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    let out = child.stdout.take().expect("stdout");
    BufReader::new(out).read_line(&mut line).expect("line");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening");
    let o = cli(&[
        "--api-base",
        base,
        "--secret-key",
        common::KEY,
        "post",
        "/v1/customers",
        "-d",
        "email=jenny@example.com",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    let (mut conn, _) = hook.accept().expect("a delivery");
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    let (head, body) = loop {
        let n = conn.read(&mut buf).expect("read");
        assert!(n > 0, "the delivery ended early");
        request.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&request).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse().ok())
                .expect("content-length");
            if body.len() >= len {
                break (head.to_owned(), body[..len].to_owned());
            }
        }
    };
    conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
        .expect("answer");
    let _ = child.kill();
    let _ = child.wait();
    let signature = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("stripe-signature")
                .then(|| value.trim().to_owned())
        })
        .expect("Stripe-Signature");
    let event: stripe_core::webhook::Event = stripe_core::webhook::parse_event(
        body.as_bytes(),
        &signature,
        "whsec_cli_test",
        SystemTime::now(),
        Some(stripe_core::webhook::DEFAULT_TOLERANCE),
    )
    .unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(event.event_type(), "customer.created");
    assert_eq!(event.object()["email"], "jenny@example.com");
}
