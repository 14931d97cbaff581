//! `stripe-cli`: raw Stripe API requests from the command line, with the retries, idempotency
//! keys and advice of `stripe-core`, an embedded fake Stripe, and webhook signatures.
//! Run `stripe-cli --help` for the usage and the exit codes.

#![forbid(unsafe_code)]

mod args;
mod files_cmd;
mod help;
mod journal_cmd;
mod journal_print;
mod output;
mod run;
mod safe;
mod webhook_cmd;
mod words;

use std::process::ExitCode;

use args::Command;
use output::Exit;

fn main() -> ExitCode {
    let mut argv = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.into_string() {
            Ok(arg) => argv.push(arg),
            Err(_) => {
                output::error("arguments must be valid UTF-8");
                return Exit::Usage.into();
            }
        }
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let exit = match args::parse(&argv, &env) {
        Ok(Command::Help(topic)) => {
            output::out(&help::text(topic));
            Exit::Success
        }
        Ok(Command::Request(request)) => run::request(*request),
        Ok(Command::Fake(options)) => run::fake(*options),
        Ok(Command::Journal(journal)) => journal_cmd::run(journal),
        Ok(Command::WebhookSign(sign)) => webhook_cmd::sign(sign),
        Ok(Command::WebhookVerify(verify)) => webhook_cmd::verify(verify),
        Err(e) => {
            output::error(&e.to_string());
            output::err("run `stripe-cli --help` for the usage");
            Exit::Usage
        }
    };
    exit.into()
}
