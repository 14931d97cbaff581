//! Command-line parsing into typed commands; every problem is a typed [`ArgsError`].
//! Secrets (API key, webhook secret) are never echoed back in an error.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use stripe_core::Method;
use stripe_fake::ServerOptions;
use stripe_fake::cli::OptionsError;

use crate::help::Topic;
use crate::words::{Words, invalid, number, seconds};

/// The usage text (`--help`).
pub const USAGE: &str = include_str!("usage.txt");

/// A secret given on the command line or in the environment: never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<hidden>)")
    }
}

/// What to do.
#[derive(Debug)]
pub enum Command {
    /// Print the usage, or one command's.
    Help(Topic),
    /// Send one request (or walk a list).
    Request(Box<RequestArgs>),
    /// Serve the fake Stripe in the foreground (the `stripe-fake` binary's options).
    Fake(Box<ServerOptions>),
    /// Print a `Stripe-Signature` header for a payload.
    WebhookSign(SignArgs),
    /// Check a payload against a `Stripe-Signature` header.
    WebhookVerify(VerifyArgs),
    /// Look at or maintain a journal.
    Journal(crate::journal_cmd::JournalArgs),
}

/// The retry policy preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyName {
    /// The table of the design: 429, 409, transport errors, 5xx.
    #[default]
    Default,
    /// The Racket library's: 429 only.
    Conservative,
    /// The official SDKs'.
    Official,
}

/// Which driver sends the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Adapter {
    /// Blocking, `stripe-ureq`.
    #[default]
    Ureq,
    /// Async, `stripe-reqwest` on a current-thread Tokio runtime.
    Reqwest,
}

/// A request to send.
#[derive(Debug)]
pub struct RequestArgs {
    pub method: Method,
    pub path: String,
    /// `upload`: a file to the files base (its FILE and options in `files`).
    pub upload: bool,
    /// The options of `upload` and of `get --output`.
    pub files: crate::files_cmd::FileArgs,
    pub files_base: Option<String>,
    /// `-d` pairs, in order.
    pub params: Vec<(String, String)>,
    /// `--data-raw` strings, in order.
    pub data_raw: Vec<String>,
    pub api_base: Option<String>,
    pub secret_key: Option<Secret>,
    pub bearer: bool,
    pub stripe_version: Option<String>,
    pub stripe_account: Option<String>,
    pub idempotency_key: Option<String>,
    pub max_tries: Option<u32>,
    pub policy: PolicyName,
    pub timeout: Option<Duration>,
    pub backoff: Option<Duration>,
    pub adapter: Adapter,
    pub all: bool,
    pub quiet: bool,
    /// `--op`: the operation id of a journaled POST.
    pub op: Option<String>,
    /// `--db`: the journal of `--op`.
    pub db: Option<String>,
}

/// `stripe-cli webhook sign`.
#[derive(Debug)]
pub struct SignArgs {
    pub secret: Secret,
    pub payload_file: PathBuf,
    pub timestamp: Option<i64>,
}

/// `stripe-cli webhook verify`.
#[derive(Debug)]
pub struct VerifyArgs {
    pub secret: Secret,
    pub header: String,
    pub payload_file: PathBuf,
    pub tolerance: Duration,
}

/// Why the command line was refused.
#[derive(Debug)]
pub enum ArgsError {
    /// Nothing to do.
    NoCommand,
    /// The first word is not a known command.
    UnknownCommand(String),
    /// An option this command does not know.
    UnknownOption(String),
    /// An option given without its value.
    MissingValue(String),
    /// An option's value is unusable.
    InvalidValue {
        option: String,
        value: String,
        expected: &'static str,
    },
    /// A required option is absent.
    Missing(&'static str),
    /// `get`, `post` or `delete` without a path.
    MissingPath,
    /// A word after the path.
    Extra(String),
    /// A `-d` that is not `key=value` with a well-formed key.
    BadData { data: String, reason: &'static str },
    /// `--all` on anything but `get`.
    AllNeedsGet,
    /// `fake`'s options (the `stripe-fake` binary's) are refused.
    Fake(OptionsError),
}

impl fmt::Display for ArgsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoCommand => {
                f.write_str("no command given (get, post, delete, upload, fake, webhook)")
            }
            Self::UnknownCommand(c) => write!(f, "unknown command {c:?}"),
            Self::UnknownOption(o) => write!(f, "unknown option {o:?}"),
            Self::MissingValue(o) => write!(f, "{o} needs a value"),
            Self::InvalidValue {
                option,
                value,
                expected,
            } => write!(f, "invalid {option} {value:?}: expected {expected}"),
            Self::Missing(o) => write!(f, "{o} is required"),
            Self::MissingPath => f.write_str("a PATH such as /v1/customers is required"),
            Self::Extra(a) => write!(f, "unexpected argument {a:?}"),
            Self::BadData { data, reason } => write!(f, "invalid -d {data:?}: {reason}"),
            Self::AllNeedsGet => f.write_str("--all only applies to get"),
            Self::Fake(e) => write!(f, "fake: {e}"),
        }
    }
}

impl std::error::Error for ArgsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Fake(e) => Some(e),
            _ => None,
        }
    }
}

/// Parses the arguments (without the program name); `env` reads environment variables.
pub fn parse(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> Result<Command, ArgsError> {
    match args.first().map(String::as_str) {
        None => Err(ArgsError::NoCommand),
        Some("-h" | "--help") => Ok(Command::Help(Topic::All)),
        Some("help") => Ok(Command::Help(
            args.get(1).and_then(|c| Topic::of(c)).unwrap_or(Topic::All),
        )),
        Some("fake") => fake(&args[1..]),
        Some("webhook") => webhook(&args[1..], env),
        Some("journal") => crate::journal_cmd::parse(&args[1..], env),
        Some(_) => request(args, env),
    }
}

fn request(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> Result<Command, ArgsError> {
    let mut r = RequestArgs {
        method: Method::Get,
        path: String::new(),
        upload: false,
        files: crate::files_cmd::FileArgs::default(),
        files_base: None,
        params: Vec::new(),
        data_raw: Vec::new(),
        api_base: None,
        secret_key: None,
        bearer: false,
        stripe_version: None,
        stripe_account: None,
        idempotency_key: None,
        max_tries: None,
        policy: PolicyName::Default,
        timeout: None,
        backoff: None,
        adapter: Adapter::Ureq,
        all: false,
        quiet: false,
        op: None,
        db: None,
    };
    let mut positionals = Vec::new();
    let mut words = Words::new(args);
    while let Some((flag, inline)) = words.next() {
        let mut value = || words.value(flag, inline).map(str::to_owned);
        match flag {
            "-h" | "--help" => {
                let upload = args.iter().any(|a| a == "upload");
                return Ok(Command::Help(if upload {
                    Topic::Upload
                } else {
                    Topic::Request
                }));
            }
            "-d" | "--data" => r.params.push(data(&value()?)?),
            "--data-raw" => r.data_raw.push(value()?),
            "--api-base" => r.api_base = Some(value()?),
            "--files-base" => r.files_base = Some(value()?),
            f if crate::files_cmd::FLAGS.contains(&f) => r.files.set(f, &value()?)?,
            "--secret-key" => r.secret_key = Some(Secret(value()?)),
            "--stripe-version" => r.stripe_version = Some(value()?),
            "--stripe-account" => r.stripe_account = Some(value()?),
            "--idempotency-key" => r.idempotency_key = Some(value()?),
            "--op" => r.op = Some(value()?),
            "--db" => r.db = Some(value()?),
            "--max-tries" => r.max_tries = Some(number(flag, &value()?, "a whole number")?),
            "--timeout" => r.timeout = Some(seconds(flag, &value()?)?),
            "--backoff-ms" => {
                let ms: u64 = number(flag, &value()?, "milliseconds")?;
                r.backoff = Some(Duration::from_millis(ms));
            }
            "--policy" => {
                r.policy = match value()?.as_str() {
                    "default" => PolicyName::Default,
                    "conservative" => PolicyName::Conservative,
                    "official" => PolicyName::Official,
                    v => return Err(invalid(flag, v, "default, conservative or official")),
                }
            }
            "--adapter" => {
                r.adapter = match value()?.as_str() {
                    "ureq" => Adapter::Ureq,
                    "reqwest" => Adapter::Reqwest,
                    v => return Err(invalid(flag, v, "ureq or reqwest")),
                }
            }
            "--bearer" | "--all" | "--quiet" if inline.is_some() => {
                return Err(invalid(flag, inline.unwrap_or_default(), "no value"));
            }
            "--bearer" => r.bearer = true,
            "--all" => r.all = true,
            "--quiet" | "-q" => r.quiet = true,
            f if f.starts_with('-') && f.len() > 1 => {
                return Err(ArgsError::UnknownOption(f.to_owned()));
            }
            word => positionals.push(word.to_owned()),
        }
    }
    let mut positionals = positionals.into_iter();
    r.method = match positionals.next().as_deref() {
        Some("get") => Method::Get,
        Some("post") => Method::Post,
        Some("delete") => Method::Delete,
        Some("upload") => {
            r.upload = true;
            Method::Post
        }
        Some(other) => return Err(ArgsError::UnknownCommand(other.to_owned())),
        None => return Err(ArgsError::NoCommand),
    };
    if r.upload {
        let file = positionals.next().ok_or(ArgsError::Missing("FILE"))?;
        r.files.file = Some(PathBuf::from(file));
        r.path = "/v1/files".to_owned();
    } else {
        r.path = positionals.next().ok_or(ArgsError::MissingPath)?;
    }
    let get = r.method == Method::Get && !r.all;
    r.files.check(r.upload, get)?;
    if r.upload && (r.op.is_some() || !r.data_raw.is_empty()) {
        return Err(invalid("upload", "--op/--data-raw", "-d params only"));
    }
    if let Some(extra) = positionals.next() {
        return Err(ArgsError::Extra(extra));
    }
    if r.all && r.method != Method::Get {
        return Err(ArgsError::AllNeedsGet);
    }
    if let Some(op) = &r.op {
        if r.method != Method::Post {
            return Err(invalid("--op", op, "a POST (only POSTs are journaled)"));
        }
        if r.idempotency_key.is_some() {
            return Err(invalid(
                "--op",
                op,
                "no --idempotency-key: the journal owns the key",
            ));
        }
        if r.adapter != Adapter::Ureq {
            return Err(invalid(
                "--op",
                op,
                "the ureq adapter (journaled posts are blocking)",
            ));
        }
        r.db = r.db.or_else(|| env("STRIPE_JOURNAL_DB"));
        if r.db.is_none() {
            return Err(ArgsError::Missing("--db with --op (or STRIPE_JOURNAL_DB)"));
        }
    }
    r.api_base = r.api_base.or_else(|| env("STRIPE_API_BASE"));
    r.files_base = r.files_base.or_else(|| env("STRIPE_FILES_BASE"));
    r.secret_key = r
        .secret_key
        .or_else(|| env("STRIPE_SECRET_KEY").map(Secret));
    Ok(Command::Request(Box::new(r)))
}

/// `key=value`; the key's bracket form is checked by the core when the request is built.
fn data(arg: &str) -> Result<(String, String), ArgsError> {
    let (key, value) = arg.split_once('=').ok_or_else(|| ArgsError::BadData {
        data: arg.to_owned(),
        reason: "expected key=value",
    })?;
    Ok((key.to_owned(), value.to_owned()))
}

fn fake(args: &[String]) -> Result<Command, ArgsError> {
    match stripe_fake::cli::parse_args(args) {
        Ok(Some(options)) => Ok(Command::Fake(Box::new(options))),
        Ok(None) => Ok(Command::Help(Topic::Fake)),
        Err(e) => Err(ArgsError::Fake(e)),
    }
}

fn webhook(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> Result<Command, ArgsError> {
    let sign = match args.first().map(String::as_str) {
        Some("sign") => true,
        Some("verify") => false,
        Some("-h" | "--help") => return Ok(Command::Help(Topic::Webhook)),
        Some(other) => return Err(ArgsError::UnknownCommand(format!("webhook {other}"))),
        None => {
            return Err(ArgsError::UnknownCommand(
                "webhook (sign or verify?)".to_owned(),
            ));
        }
    };
    let (mut secret, mut header, mut payload, mut timestamp, mut tolerance) =
        (None, None, None, None, None);
    let mut words = Words::new(&args[1..]);
    while let Some((flag, inline)) = words.next() {
        match flag {
            "-h" | "--help" => return Ok(Command::Help(Topic::Webhook)),
            "--secret" => secret = Some(Secret(words.value(flag, inline)?.to_owned())),
            "--payload-file" => payload = Some(PathBuf::from(words.value(flag, inline)?)),
            "--header" if !sign => header = Some(words.value(flag, inline)?.to_owned()),
            "--tolerance" if !sign => {
                let v = words.value(flag, inline)?;
                tolerance = Some(Duration::from_secs(number(flag, v, "whole seconds")?));
            }
            "--timestamp" if sign => {
                timestamp = Some(number(flag, words.value(flag, inline)?, "unix seconds")?);
            }
            f if f.starts_with('-') => return Err(ArgsError::UnknownOption(f.to_owned())),
            word => return Err(ArgsError::Extra(word.to_owned())),
        }
    }
    let secret = secret
        .or_else(|| env("STRIPE_WEBHOOK_SECRET").map(Secret))
        .filter(|s| !s.0.is_empty())
        .ok_or(ArgsError::Missing("--secret (or STRIPE_WEBHOOK_SECRET)"))?;
    let payload_file = payload.ok_or(ArgsError::Missing("--payload-file"))?;
    if sign {
        return Ok(Command::WebhookSign(SignArgs {
            secret,
            payload_file,
            timestamp,
        }));
    }
    Ok(Command::WebhookVerify(VerifyArgs {
        secret,
        header: header.ok_or(ArgsError::Missing("--header"))?,
        payload_file,
        tolerance: tolerance.unwrap_or(stripe_core::webhook::DEFAULT_TOLERANCE),
    }))
}
