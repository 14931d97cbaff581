//! `stripe-fake`: serve the fake Stripe API on a loopback port.
//!
//! ```text
//! stripe-fake [--port N] [--host ADDR] [--plan FILE] [--seed N] [--search-lag SECONDS]
//!             [--webhook-url URL] [--webhook-secret whsec_...]
//! ```
//! The first line on stdout is `listening on http://HOST:PORT`, the second `seed N`.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use stripe_fake::FaultPlan;
use stripe_fake::server::{ServerOptions, WebhookConfig, run_foreground};

const USAGE: &str = "\
usage: stripe-fake [--port N] [--host ADDR] [--plan FILE] [--seed N] [--search-lag SECONDS]
                   [--webhook-url URL] [--webhook-secret whsec_...]

Serves a fake Stripe API (customers, charges, payment_intents, refunds, payment_methods,
setup_intents, events, balance, search) with Stripe's idempotency rules and an optional
fault plan, and can POST signed events to a webhook endpoint.

options:
  --port N      port to listen on (default 0: any free port)
  --host ADDR   address to bind (default 127.0.0.1)
  --plan FILE   JSON fault plan, e.g.
                [{\"method\": \"POST\", \"path\": \"/v1/charges\", \"fault\": \"drop_after\", \"times\": 1}]
  --seed N      seed of the generated ids (default: random, printed at start;
                the same seed gives the same ids again)
  --search-lag SECONDS
                how far search results trail writes, as Stripe's index does (default 0;
                fractions allowed); lists and retrieves are never behind
  --webhook-url URL
                POST every event, signed (Stripe-Signature), to http://HOST:PORT/path
  --webhook-secret S
                the signing secret (default whsec_fake)
  -h, --help    show this help

The first line on stdout is `listening on http://HOST:PORT`, the second `seed N`.
Admin endpoints: POST /_fake/plan, GET /_fake/log, GET /_fake/counts, POST /_fake/clock,
POST /_fake/webhooks ({\"url\", \"secret\", \"faults\": [{\"type\", \"fault\": \"duplicate\"|\"late\", \"ms\", \"times\"}]}).";

fn parse(args: &[String]) -> Result<Option<ServerOptions>, String> {
    let mut options = ServerOptions::default();
    let mut webhook_url: Option<String> = None;
    let mut webhook_secret = "whsec_fake".to_owned();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        if !matches!(
            flag,
            "--port"
                | "--host"
                | "--plan"
                | "--seed"
                | "--search-lag"
                | "--webhook-url"
                | "--webhook-secret"
        ) {
            return Err(format!("unknown argument `{arg}`"));
        }
        let value = match inline.or_else(|| iter.next().cloned()) {
            Some(value) => value,
            None => return Err(format!("`{flag}` needs a value")),
        };
        match flag {
            "--port" => {
                options.port = value
                    .parse()
                    .map_err(|_| format!("invalid port `{value}` (expected 0..=65535)"))?;
            }
            "--host" => {
                options.host = value
                    .parse::<IpAddr>()
                    .map_err(|_| format!("invalid host `{value}` (expected an IP address)"))?;
            }
            "--seed" => {
                options.seed = value.parse().map_err(|_| {
                    format!("invalid seed `{value}` (expected an unsigned integer)")
                })?;
            }
            "--search-lag" => {
                options.search_lag = value
                    .parse::<f64>()
                    .ok()
                    .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
                    .ok_or_else(|| {
                        format!("invalid search lag `{value}` (expected seconds, 0 or more)")
                    })?;
            }
            "--webhook-url" => webhook_url = Some(value),
            "--webhook-secret" => webhook_secret = value,
            _ => {
                let text = std::fs::read_to_string(&value)
                    .map_err(|e| format!("cannot read plan file `{value}`: {e}"))?;
                options.plan = FaultPlan::from_json(&text)
                    .map_err(|e| format!("invalid plan file `{value}`: {e}"))?;
            }
        }
    }
    if let Some(url) = webhook_url {
        let json = serde_json::json!({"url": url, "secret": webhook_secret}).to_string();
        options.webhook = Some(
            WebhookConfig::from_json(&json).map_err(|e| format!("invalid `--webhook-url`: {e}"))?,
        );
    }
    Ok(Some(options))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args) {
        Ok(None) => {
            println!("{USAGE}");
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
            eprintln!("stripe-fake: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
