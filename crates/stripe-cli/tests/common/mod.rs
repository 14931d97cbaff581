//! Helpers of the `stripe-cli` binary tests: run it, read its exit code and stderr lines;
//! `journal.rs`: what the journal tests share.
#![allow(dead_code)]

pub mod journal;

use std::process::{Command, Output};

use stripe_fake::server::ServerHandle;

pub const KEY: &str = "sk_test_cli_0123456789abcdef";

/// The binary with `args` and no `STRIPE_*` variables from the outside, to run or spawn.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stripe-cli"));
    command
        .args(args)
        .env_remove("STRIPE_SECRET_KEY")
        .env_remove("STRIPE_API_BASE")
        .env_remove("STRIPE_WEBHOOK_SECRET");
    command
}

/// Runs the binary with no `STRIPE_*` variables from the outside.
pub fn cli(args: &[&str]) -> Output {
    command(args).output().expect("run stripe-cli")
}

/// Runs the binary against `fake` with the test key.
pub fn cli_at(fake: &ServerHandle, args: &[&str]) -> Output {
    let base = fake.base_url();
    let mut all = vec!["--api-base", base.as_str(), "--secret-key", KEY];
    all.extend_from_slice(args);
    cli(&all)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

/// The value of the last `name: value` line on stderr.
pub fn line_value(o: &Output, name: &str) -> Option<String> {
    let prefix = format!("{name}: ");
    stderr(o)
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).expect("stdout is JSON")
}
