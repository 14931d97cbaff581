//! What the tool prints: the body on stdout, everything else on stderr, never a secret.
//! Write errors (a closed pipe) are ignored: printing never panics.
//!
//! Text from a server is data, never terminal control: every stderr line shows its control
//! characters escaped (so only our lines start a line), and stdout does too when it is a
//! terminal; a pipe gets the body's bytes as they are.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use serde_json::Value;
use stripe_core::{Advice, Error, IdempotencyKey, Response, RetryReason};

use crate::safe;

/// The exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// A 2xx answer (or a valid signature, a finished command).
    Success = 0,
    /// Any other HTTP answer (or an invalid signature).
    Http = 1,
    /// Invalid input or usage: nothing was sent.
    Usage = 2,
    /// No response, or retries exhausted: the idempotency key was printed.
    Failed = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// Writes lines to stdout (JSON, or our own text); on a terminal, controls other than newline
/// and tab are shown as JSON escapes (`\u001b`), which keep JSON the same JSON.
pub fn out(line: &str) {
    let terminal = io::stdout().is_terminal();
    let line = if terminal {
        safe::escape_json(line)
    } else {
        line.into()
    };
    let _ = writeln!(io::stdout().lock(), "{line}");
}

/// Writes one line to stderr, every control character shown escaped (`\x1b`, `\n`,
/// `\u{202e}`): server text inside it can neither act on the terminal nor start a line.
pub fn err(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{}", safe::escape(line));
}

/// An `error: ...` line on stderr (printed even with `--quiet`).
pub fn error(message: &str) {
    err(&format!("stripe-cli: error: {message}"));
}

/// The stderr lines of a request; `quiet` keeps only the errors.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    pub quiet: bool,
}

impl Report {
    /// An informational line (suppressed by `--quiet`).
    pub fn info(self, line: &str) {
        if !self.quiet {
            err(line);
        }
    }

    /// `idempotency-key: KEY`, printed before the first byte is sent.
    pub fn key(self, key: Option<&IdempotencyKey>) {
        if let Some(key) = key {
            self.info(&format!("idempotency-key: {key}"));
        }
    }

    /// The live line before a retry: `attempt 2/5 after 429: retrying in 2.4 s`.
    pub fn retry(self, attempt: u32, max_tries: u32, reason: RetryReason, wait: Duration) {
        let after = match reason {
            RetryReason::Status(status) => status.as_u16().to_string(),
            RetryReason::Transport(e) => format!("no response ({e})"),
            _ => "an answer".to_owned(),
        };
        self.info(&format!(
            "attempt {attempt}/{max_tries} after {after}: retrying in {}",
            human(wait)
        ));
    }

    /// The stderr lines of a final answer, then its body on stdout.
    pub fn response(self, response: &Response) {
        self.info(&status_line(response));
        if let Some(id) = response.request_id() {
            self.info(&format!("request-id: {id}"));
        }
        if response.is_replayed() {
            self.info("idempotent-replayed: true");
        }
        self.info(&format!("attempts: {}", response.attempts()));
        self.info(&format!("advice: {}", response.advice().describe()));
        api_error(response);
        body(response);
    }

    /// A failed call: the reason and its causes (each once), the key to resume with (always,
    /// even with `--quiet`), the attempts, the advice, and the last answer's body if any.
    pub fn failure(self, failure: &Error) {
        error(&chain(failure));
        if let Some(last) = failure.response() {
            self.info(&format!("last answer: {}", status_line(last)));
            if let Some(id) = last.request_id() {
                self.info(&format!("request-id: {id}"));
            }
            api_error(last);
        }
        if let Some(key) = failure.idempotency_key() {
            err(&format!("idempotency-key: {key}"));
        }
        err(&format!("attempts: {}", failure.attempts()));
        err(&format!("advice: {}", failure.advice().describe()));
        if let (Some(key), Advice::RetrySameKey) = (failure.idempotency_key(), failure.advice()) {
            err(&format!(
                "resume safely: run the same command with --idempotency-key {key}"
            ));
        }
        if let Some(last) = failure.response() {
            body(last);
        }
    }
}

/// Stripe's error object of an answer, if it has one, as an error line (server text: escaped
/// like every stderr line).
fn api_error(response: &Response) {
    if let Some(e) = response.error() {
        let mut line = e.kind;
        for part in [e.code, e.decline_code].into_iter().flatten() {
            line.push_str(&format!(" ({part})"));
        }
        if let Some(message) = e.message {
            line.push_str(&format!(": {message}"));
        }
        error(&format!("{}: {line}", response.status()));
    }
}

/// An error and its causes, each once: `a: b: c`.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(&format!(": {e}"));
        cause = e.source();
    }
    text
}

/// `HTTP 402 Payment Required`.
pub fn status_line(response: &Response) -> String {
    format!("HTTP {}", response.status())
}

/// A body on stdout: JSON pretty-printed; anything else as its bytes on a pipe, and on a
/// terminal as text with every control escaped (one line).
pub fn body(response: &Response) {
    match response.json() {
        Some(v) => out(&pretty(v)),
        None if response.bytes().is_empty() => {}
        None => raw(response.bytes()),
    }
}

/// One JSON value on one line (`--all`).
pub fn json_line(v: &Value) {
    out(&v.to_string());
}

fn raw(bytes: &[u8]) {
    let terminal = io::stdout().is_terminal();
    let mut stdout = io::stdout().lock();
    let _ = if terminal {
        writeln!(stdout, "{}", safe::escape(&String::from_utf8_lossy(bytes)))
    } else {
        stdout
            .write_all(bytes)
            .and_then(|()| stdout.write_all(b"\n"))
    };
}

/// JSON, pretty-printed.
pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// `250 ms`, `2.4 s`.
fn human(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}
