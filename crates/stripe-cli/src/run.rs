//! Executing a request (either adapter), a list walk (`--all`), or the fake server.

use stripe_core::{
    Backoff, Config, DEFAULT_API_BASE, Failure, FailureKind, IdempotencyKey, Method, Request,
    Response, RetryPolicy,
};
use stripe_fake::server::{self, ServerHandle, ServerOptions};

use crate::args::{Adapter, FakeArgs, PolicyName, RequestArgs};
use crate::output::{self, Exit, Report};

/// The key used against the embedded fake.
const EMBEDDED_KEY: &str = "sk_test_embedded";

/// How a call ended, whichever adapter made it.
enum Sent {
    Done(Response),
    Failed(Failure, Option<String>),
    Invalid(String),
    /// A local failure before anything was sent (no runtime, no TLS backend).
    Local(String),
}

/// Sends the request of `args` and reports it; returns the exit status.
pub fn request(args: RequestArgs) -> Exit {
    let report = Report { quiet: args.quiet };
    let encoded = encode(&args);
    let request = match build(&args, &encoded) {
        Ok(r) => r,
        Err(e) => return usage(&e),
    };
    let key = match (&args.secret_key, &args.api_base) {
        (Some(key), _) => key.0.clone(),
        (None, None) => EMBEDDED_KEY.to_owned(),
        (None, Some(_)) => return usage("no secret key: set STRIPE_SECRET_KEY or --secret-key"),
    };
    // Everything is checked before anything starts or is sent.
    if let Err(e) = config(&args, "http://127.0.0.1", &key) {
        return usage(&e);
    }
    let mut _embedded: Option<ServerHandle> = None;
    let base = match (&args.api_base, &args.secret_key) {
        (Some(base), _) => base.clone(),
        (None, Some(_)) => DEFAULT_API_BASE.to_owned(),
        (None, None) => match server::start() {
            Ok(fake) => {
                let base = fake.base_url();
                report.info(&format!(
                    "no STRIPE_SECRET_KEY: using the embedded fake Stripe at {base}"
                ));
                _embedded = Some(fake);
                base
            }
            Err(e) => {
                output::error(&format!("cannot start the embedded fake Stripe: {e}"));
                return Exit::Failed;
            }
        },
    };
    let config = match config(&args, &base, &key) {
        Ok(c) => c,
        Err(e) => return usage(&e),
    };
    if args.all {
        let path = match (encoded.is_empty(), args.path.contains('?')) {
            (true, _) => args.path.clone(),
            (false, true) => format!("{}&{encoded}", args.path),
            (false, false) => format!("{}?{encoded}", args.path),
        };
        return all(&args, config, &path, report);
    }
    let sent = match args.adapter {
        Adapter::Ureq => ureq(config, request, report),
        Adapter::Reqwest => reqwest(config, request, report),
    };
    match sent {
        Sent::Done(response) => {
            report.response(&response);
            if response.is_success() {
                Exit::Success
            } else {
                Exit::Http
            }
        }
        Sent::Failed(failure, transport) => {
            report.failure(&failure, transport.as_deref());
            match failure.kind() {
                FailureKind::KeyExpired { .. } if failure.attempts() == 0 => Exit::Usage,
                _ => Exit::Failed,
            }
        }
        Sent::Invalid(e) => usage(&e),
        Sent::Local(e) => {
            output::error(&e);
            Exit::Failed
        }
    }
}

fn usage(message: &str) -> Exit {
    output::error(message);
    Exit::Usage
}

/// The `-d` pairs form-encoded (brackets escaped), then the `--data-raw` strings.
fn encode(args: &RequestArgs) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &args.params {
        form.append_pair(k, v);
    }
    let mut encoded = form.finish();
    for raw in args.data_raw.iter().filter(|r| !r.is_empty()) {
        if !encoded.is_empty() {
            encoded.push('&');
        }
        encoded.push_str(raw);
    }
    encoded
}

fn build(args: &RequestArgs, encoded: &str) -> Result<Request, String> {
    let mut request = Request::new(args.method, &args.path)
        .and_then(|r| r.encoded_params(encoded))
        .map_err(|e| e.to_string())?;
    if let Some(key) = &args.idempotency_key {
        let key = IdempotencyKey::new(key.as_str()).map_err(|e| e.to_string())?;
        request = request.idempotency_key(key).map_err(|e| e.to_string())?;
    }
    Ok(request)
}

fn policy(args: &RequestArgs) -> RetryPolicy {
    let mut policy = match args.policy {
        PolicyName::Default => RetryPolicy::default(),
        PolicyName::Conservative => RetryPolicy::conservative(),
        PolicyName::Official => RetryPolicy::official(),
    };
    if let Some(n) = args.max_tries {
        policy = policy.with_max_tries(n);
    }
    if let Some(t) = args.timeout {
        policy = policy.with_attempt_timeout(Some(t));
    }
    if let Some(b) = args.backoff {
        policy = policy.with_backoff(Backoff::Fixed(b));
    }
    policy
}

/// The configuration; its errors never show the key, nor an API base (which may carry
/// credentials).
fn config(args: &RequestArgs, base: &str, key: &str) -> Result<Config, String> {
    let mut builder = Config::builder(key)
        .api_base(base)
        .bearer(args.bearer)
        .policy(policy(args));
    if let Some(v) = &args.stripe_version {
        builder = builder.stripe_version(v.as_str());
    }
    if let Some(a) = &args.stripe_account {
        builder = builder.stripe_account(a.as_str());
    }
    builder.build().map_err(|e| match e {
        stripe_core::ConfigError::ApiBase { reason, .. } => format!("invalid API base: {reason}"),
        stripe_core::ConfigError::SecretKey(problem) => format!("invalid secret key: {problem}"),
        other => other.to_string(),
    })
}

fn ureq(config: Config, request: Request, report: Report) -> Sent {
    let client = stripe_ureq::Client::new(config).on_retry(move |n| {
        report.retry(n.attempt, n.max_tries, n.reason, n.wait);
    });
    let prepared = client.prepare(request);
    report.key(prepared.idempotency_key());
    match prepared.run() {
        Ok(response) => Sent::Done(response),
        Err(stripe_ureq::Error::Call(e)) => {
            Sent::Failed(e.failure, e.transport.map(|t| t.to_string()))
        }
        Err(e) => Sent::Invalid(e.to_string()),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

fn reqwest_client(config: Config, report: Report) -> Result<stripe_reqwest::Client, String> {
    let client = stripe_reqwest::Client::try_new(config)
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    Ok(client.on_retry(move |n| report.retry(n.attempt, n.max_tries, n.reason, n.wait)))
}

fn reqwest(config: Config, request: Request, report: Report) -> Sent {
    let (runtime, client) = match runtime().and_then(|rt| Ok((rt, reqwest_client(config, report)?)))
    {
        Ok(pair) => pair,
        Err(e) => return Sent::Local(e),
    };
    let prepared = client.prepare(request);
    report.key(prepared.idempotency_key());
    match runtime.block_on(prepared.run()) {
        Ok(response) => Sent::Done(response),
        Err(stripe_reqwest::Error::Call(e)) => {
            Sent::Failed(e.failure, e.transport.map(|t| t.to_string()))
        }
        Err(e) => Sent::Invalid(e.to_string()),
    }
}

/// One object of a list walk, or why the walk stopped.
enum Item {
    Object(serde_json::Value),
    Page(Box<Response>, String),
    Failed(Failure, Option<String>),
    Invalid(String),
}

/// `--all`: every object of the list as a JSON line.
fn all(args: &RequestArgs, config: Config, path: &str, report: Report) -> Exit {
    let mut count = 0u64;
    let mut emit = |item: Item| -> Option<Exit> {
        match item {
            Item::Object(v) => {
                output::out(&v.to_string());
                count += 1;
                None
            }
            Item::Page(response, message) => {
                output::error(&message);
                report.info(&output::status_line(&response));
                if let Some(id) = &response.request_id {
                    report.info(&format!("request-id: {id}"));
                }
                let advice = stripe_core::Advice::for_status(Method::Get, response.status);
                report.info(&format!("advice: {}", advice.describe()));
                output::body(&response.body);
                Some(Exit::Http)
            }
            Item::Failed(failure, transport) => {
                report.failure(&failure, transport.as_deref());
                Some(Exit::Failed)
            }
            Item::Invalid(e) => Some(usage(&e)),
        }
    };
    let (pages, exit) = match args.adapter {
        Adapter::Ureq => {
            let client = stripe_ureq::Client::new(config).on_retry(move |n| {
                report.retry(n.attempt, n.max_tries, n.reason, n.wait);
            });
            let mut pages = client.list(path, &());
            let exit = pages.by_ref().find_map(|item| emit(ureq_item(item)));
            (pages.pages(), exit)
        }
        Adapter::Reqwest => {
            let (runtime, client) =
                match runtime().and_then(|rt| Ok((rt, reqwest_client(config, report)?))) {
                    Ok(pair) => pair,
                    Err(e) => {
                        output::error(&e);
                        return Exit::Failed;
                    }
                };
            let mut pages = client.list(path, &());
            let exit = runtime.block_on(async {
                while let Some(item) = pages.next().await {
                    if let Some(exit) = emit(reqwest_item(item)) {
                        return Some(exit);
                    }
                }
                None
            });
            (pages.pages(), exit)
        }
    };
    report.info(&format!("pages: {pages}"));
    report.info(&format!("objects: {count}"));
    exit.unwrap_or(Exit::Success)
}

fn ureq_item(item: Result<serde_json::Value, stripe_ureq::Error>) -> Item {
    match item {
        Ok(v) => Item::Object(v),
        Err(stripe_ureq::Error::Page(e)) => {
            let message = e.to_string();
            Item::Page(Box::new(e.response), message)
        }
        Err(stripe_ureq::Error::Call(e)) => {
            Item::Failed(e.failure, e.transport.map(|t| t.to_string()))
        }
        Err(e) => Item::Invalid(e.to_string()),
    }
}

fn reqwest_item(item: Result<serde_json::Value, stripe_reqwest::Error>) -> Item {
    match item {
        Ok(v) => Item::Object(v),
        Err(stripe_reqwest::Error::Page(e)) => {
            let message = e.to_string();
            Item::Page(Box::new(e.response), message)
        }
        Err(stripe_reqwest::Error::Call(e)) => {
            Item::Failed(e.failure, e.transport.map(|t| t.to_string()))
        }
        Err(e) => Item::Invalid(e.to_string()),
    }
}

/// `stripe-cli fake`: serves in the foreground until killed.
pub fn fake(args: FakeArgs) -> Exit {
    let mut options = ServerOptions::default();
    if let Some(port) = args.port {
        options.port = port;
    }
    if let Some(host) = args.host {
        options.host = host;
    }
    if let Some(seed) = args.seed {
        options.seed = seed;
    }
    if let Some(file) = &args.plan {
        let plan = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read the plan file {}: {e}", file.display()))
            .and_then(|text| {
                stripe_fake::FaultPlan::from_json(&text)
                    .map_err(|e| format!("invalid plan file {}: {e}", file.display()))
            });
        match plan {
            Ok(plan) => options.plan = plan,
            Err(e) => return usage(&e),
        }
    }
    match server::run_foreground(options) {
        Ok(()) => Exit::Success,
        Err(e) => {
            output::error(&format!("cannot serve the fake Stripe: {e}"));
            Exit::Failed
        }
    }
}
