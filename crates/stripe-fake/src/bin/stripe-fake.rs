//! `stripe-fake`: serve the fake Stripe API on a loopback port.
//!
//! ```text
//! stripe-fake [--port N] [--host ADDR] [--plan FILE] [--seed N] [--search-lag SECONDS]
//!             [--webhook-url URL] [--webhook-secret whsec_...]
//! ```
//! The first line on stdout is `listening on http://HOST:PORT`, the second `seed N`.

use std::process::ExitCode;

use stripe_fake::cli::{help, parse_args};
use stripe_fake::server::run_foreground;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse_args(&args) {
        Ok(None) => {
            println!("{}", help("stripe-fake"));
            ExitCode::SUCCESS
        }
        Ok(Some(options)) => match run_foreground(options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("stripe-fake: {e}");
                ExitCode::FAILURE
            }
        },
        Err(message) => {
            eprintln!("stripe-fake: {message}\n\n{}", help("stripe-fake"));
            ExitCode::from(2)
        }
    }
}
