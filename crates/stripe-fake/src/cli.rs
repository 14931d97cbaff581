//! The command-line options of the fake's server, parsed once for every program that serves
//! it: the `stripe-fake` binary and `stripe-cli fake`.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use crate::fault::{FaultPlan, FaultPlanError};
use crate::server::{ServerOptions, WebhookConfig, WebhookEvents};

/// The help of a program that serves the fake with these options, named `program`
/// (`stripe-fake`, `stripe-cli fake`): its usage, what it does, every option.
pub fn help(program: &str) -> String {
    format!("usage: {program} [options]\n\n{ABOUT}\n\n{OPTIONS_HELP}")
}

const ABOUT: &str = "\
Serves a fake Stripe API (customers, charges, payment_intents, refunds, payment_methods,
setup_intents, disputes, checkout/sessions, events, balance, search; products, prices, coupons, subscriptions,
invoices, invoice items, test clocks that renew subscriptions; API v2 core/accounts,
core/events and billing/meter_events) with Stripe's idempotency rules and an optional
fault plan, and can POST signed events to a webhook endpoint.";

const OPTIONS_HELP: &str = "\
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
  --webhook-events snapshot|thin|both
                send snapshot events (default), thin notifications of v2 events
                (v2.core.event, fetched from GET /v2/core/events/ID), or both
  -h, --help    show this help

The first line on stdout is `listening on http://HOST:PORT`, the second `seed N`.
Admin endpoints: POST /_fake/plan, GET /_fake/log, GET /_fake/counts, POST /_fake/clock,
POST /_fake/webhooks ({\"url\", \"secret\", \"events\", \"faults\": [{\"type\", \"fault\": \"duplicate\"|\"late\", \"ms\", \"times\"}]}),
POST /_fake/payment_intents/{id}/authenticate and /_fake/setup_intents/{id}/authenticate
({\"outcome\": \"succeed\"|\"fail\"}: answers a 3D Secure challenge),
GET /_fake/checkout/sessions/{id} (a session's url: the session and its line items),
POST /_fake/checkout/sessions/{id}/complete ({\"payment_method\": \"pm_card_visa\"|\"tok_visa\"|\"pm_...\",
\"email\", \"name\"}: pays as the customer would).";

/// Why the options were refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum OptionsError {
    /// An option the server does not take, or a word that is no option.
    Unknown(String),
    /// An option given without its value.
    MissingValue(&'static str),
    /// An option's value is unusable.
    Invalid {
        /// The option.
        option: &'static str,
        /// The value given.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
    /// The plan file cannot be read.
    PlanFile {
        /// Its path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The plan file is not a fault plan.
    Plan {
        /// Its path.
        path: String,
        /// What is wrong with it.
        source: FaultPlanError,
    },
    /// `--webhook-url` is not `http://HOST:PORT/path`.
    WebhookUrl(String),
}

impl fmt::Display for OptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(arg) => write!(f, "unknown argument {arg:?}"),
            Self::MissingValue(option) => write!(f, "{option} needs a value"),
            Self::Invalid {
                option,
                value,
                expected,
            } => write!(f, "invalid {option} {value:?} (expected {expected})"),
            Self::PlanFile { path, source } => {
                write!(f, "cannot read plan file {path:?}: {source}")
            }
            Self::Plan { path, source } => write!(f, "invalid plan file {path:?}: {source}"),
            Self::WebhookUrl(why) => write!(f, "invalid --webhook-url: {why}"),
        }
    }
}

impl std::error::Error for OptionsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::PlanFile { source, .. } => Some(source),
            Self::Plan { source, .. } => Some(source),
            _ => None,
        }
    }
}

const OPTIONS: [&str; 8] = [
    "--port",
    "--host",
    "--plan",
    "--seed",
    "--search-lag",
    "--webhook-url",
    "--webhook-secret",
    "--webhook-events",
];

/// Parses the server's options (`--port 0`, `--port=0`, ...): `None` when `-h` or `--help` asks
/// for the help ([`help`]), the options otherwise.
pub fn parse_args(args: &[String]) -> Result<Option<ServerOptions>, OptionsError> {
    let mut options = ServerOptions::default();
    let mut webhook_url: Option<String> = None;
    let mut webhook_secret = "whsec_fake".to_owned();
    let mut webhook_events = WebhookEvents::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let Some(&flag) = OPTIONS.iter().find(|o| **o == flag) else {
            return Err(OptionsError::Unknown(arg.clone()));
        };
        let value = inline
            .or_else(|| iter.next().cloned())
            .ok_or(OptionsError::MissingValue(flag))?;
        let invalid = |expected| OptionsError::Invalid {
            option: flag,
            value: value.clone(),
            expected,
        };
        match flag {
            "--port" => options.port = value.parse().map_err(|_| invalid("0..=65535"))?,
            "--host" => {
                options.host = value
                    .parse::<IpAddr>()
                    .map_err(|_| invalid("an IP address"))?;
            }
            "--seed" => options.seed = value.parse().map_err(|_| invalid("an unsigned integer"))?,
            "--search-lag" => {
                options.search_lag = value
                    .parse::<f64>()
                    .ok()
                    .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
                    .ok_or_else(|| invalid("seconds, 0 or more"))?;
            }
            "--webhook-url" => webhook_url = Some(value),
            "--webhook-secret" => webhook_secret = value,
            "--webhook-events" => {
                webhook_events = WebhookEvents::parse(&value)
                    .ok_or_else(|| invalid("snapshot, thin or both"))?;
            }
            _ => {
                let text =
                    std::fs::read_to_string(&value).map_err(|source| OptionsError::PlanFile {
                        path: value.clone(),
                        source,
                    })?;
                options.plan =
                    FaultPlan::from_json(&text).map_err(|source| OptionsError::Plan {
                        path: value.clone(),
                        source,
                    })?;
            }
        }
    }
    if let Some(url) = webhook_url {
        let json = serde_json::json!({"url": url, "secret": webhook_secret}).to_string();
        let config = WebhookConfig::from_json(&json).map_err(OptionsError::WebhookUrl)?;
        options.webhook = Some(config.with_events(webhook_events));
    }
    Ok(Some(options))
}
