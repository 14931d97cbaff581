//! The fake Stripe on a free loopback port, as a child process of `files-bench` (so that its
//! memory, which holds the uploaded files, is not the bench's). The first stdout line is
//! `listening on http://HOST:PORT`.

use std::process::ExitCode;

use stripe_fake::server::{ServerOptions, run_foreground};

fn main() -> ExitCode {
    match run_foreground(ServerOptions::default()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("files-fake: {e}");
            ExitCode::FAILURE
        }
    }
}
