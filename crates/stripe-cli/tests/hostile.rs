//! A hostile server's text is data, never terminal control: its error messages cannot clear
//! the screen or forge our lines on stderr, and its raw bodies reach a terminal escaped (a
//! pipe gets their bytes as they are).

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::thread;

use common::{KEY, code, stderr};

/// Serves `reply` (a whole HTTP/1.1 answer) to every connection, on a background thread.
fn serve(reply: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            read_request(&mut stream);
            let _ = stream.write_all(&reply);
            let _ = stream.flush();
        }
    });
    base
}

/// Reads the head and a `content-length` body.
fn read_request(stream: &mut std::net::TcpStream) {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    while !raw.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&raw).to_ascii_lowercase();
    let head_end = text.find("\r\n\r\n").map_or(0, |i| i + 4);
    let length: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut have = raw.len() - head_end;
    while have < length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => have += n,
        }
    }
}

fn answer(status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} Hostile\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
         request-id: req_hostile\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// The arguments of a request to `base` with the test key, no retry.
fn args<'a>(base: &'a str, request: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--api-base", base, "--secret-key", KEY, "--max-tries", "1"];
    all.extend_from_slice(request);
    all
}

/// A Stripe error whose `message`, `code` and `decline_code` try to take over the terminal.
fn hostile_error() -> serde_json::Value {
    serde_json::json!({"error": {
        "type": "card_error\u{1b}[2J",
        "code": "card_declined\u{1b}]0;pwned\u{7}",
        "decline_code": "x\r\nadvice: success",
        "message": "Declined.\nidempotency-key: forged-key\nadvice: success\u{1b}[1A\u{1b}[2K\
                    \u{9b}31m\u{202e}txt.exe\u{2028}\u{7f}",
    }})
}

/// Characters that may control a terminal rather than show as text.
fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Every stderr line is one of ours, and no server byte controls the terminal.
fn assert_stderr_is_ours(o: &Output) {
    let err = stderr(o);
    let ours = [
        "idempotency-key: ",
        "HTTP ",
        "request-id: ",
        "attempts: ",
        "advice: ",
        "last answer: ",
        "resume safely: ",
        "pages: ",
        "objects: ",
        "stripe-cli: error: ",
    ];
    for line in err.lines() {
        assert!(
            ours.iter().any(|p| line.starts_with(p)),
            "a line not of ours: {line:?}\n{err}"
        );
        assert!(!line.chars().any(is_control), "a control in {line:?}");
    }
    assert!(
        err.lines().filter(|l| l.starts_with("advice: ")).count() <= 1,
        "{err}"
    );
    // The forged text is shown, inside the error line, never as a line of its own.
    for forged in ["idempotency-key: forged", "advice: success"] {
        assert!(!err.lines().any(|l| l.starts_with(forged)), "{err}");
    }
}

#[test]
fn server_error_text_on_stderr_is_escaped_and_never_starts_a_line() {
    let body = hostile_error();
    let base = serve(answer(402, "application/json", body.to_string().as_bytes()));
    let o = common::cli(&args(
        &base,
        &[
            "post",
            "/v1/charges",
            "-d",
            "amount=100",
            "-d",
            "currency=usd",
        ],
    ));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_stderr_is_ours(&o);
    let err = stderr(&o);
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("idempotency-key: "))
            .count(),
        1,
        "{err}"
    );
    // The text is all there, visible.
    for visible in [
        "card_error\\x1b[2J",
        "card_declined\\x1b]0;pwned\\x07",
        "x\\r\\nadvice: success",
        "Declined.\\nidempotency-key: forged-key\\nadvice: success\\x1b[1A\\x1b[2K",
        "\\u{9b}31m\\u{202e}txt.exe\\u{2028}\\x7f",
    ] {
        assert!(err.contains(visible), "{visible} missing from\n{err}");
    }
    // A pipe gets the body as JSON meaning the same.
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(printed, body);
}

#[test]
fn a_hostile_page_error_in_a_list_walk_is_escaped_too() {
    let base = serve(answer(
        400,
        "application/json",
        hostile_error().to_string().as_bytes(),
    ));
    let o = common::cli(&args(&base, &["get", "/v1/customers", "--all"]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_stderr_is_ours(&o);
    assert!(stderr(&o).contains("\\nidempotency-key: forged-key"));
}

const RAW: &[u8] =
    b"oops \x1b[2J\x1b[31mred\x1b[0m \xff\xfe\r\nidempotency-key: forged \xc2\x9b end";

#[test]
fn a_raw_body_keeps_its_bytes_on_a_pipe() {
    let base = serve(answer(500, "text/plain", RAW));
    let o = common::cli(&args(&base, &["get", "/v1/charges/ch_1"]));
    assert_eq!(code(&o), 3, "a 500 is retried, here once: {}", stderr(&o));
    let mut expected = RAW.to_vec();
    expected.push(b'\n');
    assert_eq!(
        o.stdout,
        expected,
        "{:?}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_stderr_is_ours(&o);
}

/// Runs the binary with its stdout and stderr on a terminal (util-linux `script`); `None`
/// when `script` is missing (a loud SKIPPED; a failure under `CI=true`).
fn on_a_terminal(args: &[&str]) -> Option<Vec<u8>> {
    let quote = |a: &str| format!("'{}'", a.replace('\'', r"'\''"));
    let mut line = quote(env!("CARGO_BIN_EXE_stripe-cli"));
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    let run = Command::new("script")
        .args(["-q", "-e", "-f", "-c", &line, "/dev/null"])
        .env_remove("STRIPE_SECRET_KEY")
        .env_remove("STRIPE_API_BASE")
        .env_remove("STRIPE_WEBHOOK_SECRET")
        .stdin(Stdio::null())
        .output();
    match run {
        Ok(o) => Some(o.stdout),
        Err(e) => {
            eprintln!("SKIPPED: no `script` (util-linux) to give stdout a terminal: {e}");
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "`script` is required under CI=true"
            );
            None
        }
    }
}

#[test]
fn a_raw_body_is_escaped_on_a_terminal() {
    let base = serve(answer(500, "text/plain", RAW));
    let Some(seen) = on_a_terminal(&args(&base, &["get", "/v1/charges/ch_1"])) else {
        return;
    };
    let text = String::from_utf8_lossy(&seen);
    assert!(
        text.contains("stripe-cli") || text.contains("HTTP 500"),
        "{text:?}"
    );
    assert!(
        !seen.contains(&0x1b),
        "an escape byte reached the terminal: {text:?}"
    );
    assert!(
        !text.contains('\u{9b}'),
        "a C1 control reached the terminal: {text:?}"
    );
    assert!(
        text.contains("oops \\x1b[2J\\x1b[31mred\\x1b[0m"),
        "{text:?}"
    );
    assert!(text.contains("\\u{9b} end"), "{text:?}");
    // The forged line stays on the body's line.
    assert!(text.contains("\\r\\nidempotency-key: forged"), "{text:?}");
}

#[test]
fn a_json_body_on_a_terminal_shows_controls_as_json_escapes() {
    let body = serde_json::json!({"id": "cus_1", "name": "a\u{1b}b\u{9b}c\u{202e}d\u{7f}"});
    let base = serve(answer(200, "application/json", body.to_string().as_bytes()));
    let Some(seen) = on_a_terminal(&args(&base, &["get", "/v1/customers/cus_1"])) else {
        return;
    };
    let text = String::from_utf8_lossy(&seen);
    assert!(!seen.contains(&0x1b), "{text:?}");
    assert!(
        !text
            .chars()
            .any(|c| is_control(c) && !matches!(c, '\n' | '\r')),
        "{text:?}"
    );
    assert!(
        text.contains(r#""name": "a\u001bb\u009bc\u202ed\u007f""#),
        "{text:?}"
    );
}
