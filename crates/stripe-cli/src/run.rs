//! Executing a request or a list walk (`--all`) through either adapter, by one path; the fake
//! server. Every decision (validation, advice, list walking) is the core's.

use std::ops::ControlFlow;

use stripe_core::{
    Backoff, Config, ConfigBuilder, DEFAULT_API_BASE, Error, ErrorKind, IdempotencyKey, Request,
    Response, RetryPolicy,
};
use stripe_fake::server::{self, ServerHandle, ServerOptions};

use crate::args::{Adapter, PolicyName, RequestArgs};
use crate::output::{self, Exit, Report};

/// The key used against the embedded fake.
const EMBEDDED_KEY: &str = "sk_test_embedded";

/// Either client, behind one interface.
pub(crate) enum Driver {
    Blocking(stripe_ureq::Client),
    Async(tokio::runtime::Runtime, stripe_reqwest::Client),
}

impl Driver {
    fn new(adapter: Adapter, config: Config, report: Report) -> Result<Self, Error> {
        let hook = move |n: &stripe_core::RetryNotice| {
            report.retry(n.attempt(), n.max_tries(), n.reason(), n.wait());
        };
        Ok(match adapter {
            Adapter::Ureq => {
                Self::Blocking(stripe_ureq::Client::try_new(config)?.with_retry_hook(hook))
            }
            Adapter::Reqwest => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(Error::local)?;
                let client = stripe_reqwest::Client::try_new(config)?.with_retry_hook(hook);
                Self::Async(runtime, client)
            }
        })
    }

    /// Prepares the call, prints its key before anything is sent, then runs it.
    fn send(&self, request: Request, report: Report) -> Result<Response, Error> {
        match self {
            Self::Blocking(client) => {
                let prepared = client.prepare(request)?;
                report.key(prepared.idempotency_key());
                prepared.run()
            }
            Self::Async(runtime, client) => {
                let prepared = client.prepare(request)?;
                report.key(prepared.idempotency_key());
                runtime.block_on(prepared.run())
            }
        }
    }

    /// Every object of the list at `path`, given to `each` until it breaks; the pages read.
    fn list(
        &self,
        path: &str,
        mut each: impl FnMut(Result<serde_json::Value, Error>) -> ControlFlow<Exit>,
    ) -> (u32, Option<Exit>) {
        match self {
            Self::Blocking(client) => {
                let mut pages = client.list(path, &());
                let exit = pages.by_ref().find_map(|item| each(item).break_value());
                (pages.pages(), exit)
            }
            Self::Async(runtime, client) => {
                let mut pages = client.list(path, &());
                let exit = runtime.block_on(async {
                    while let Some(item) = pages.next().await {
                        if let ControlFlow::Break(exit) = each(item) {
                            return Some(exit);
                        }
                    }
                    None
                });
                (pages.pages(), exit)
            }
        }
    }
}

/// Sends the request of `args` and reports it; returns the exit status.
pub fn request(args: RequestArgs) -> Exit {
    let report = Report { quiet: args.quiet };
    let request = match build(&args) {
        Ok(r) => r,
        Err(e) => return usage(&e),
    };
    let key = match (&args.secret_key, &args.api_base) {
        (Some(key), _) => key.0.clone(),
        (None, None) => EMBEDDED_KEY.to_owned(),
        (None, Some(_)) => return usage("no secret key: set STRIPE_SECRET_KEY or --secret-key"),
    };
    let builder = builder(&args, &key);
    // Everything is checked before anything starts or is sent.
    if let Err(e) = config(
        builder.clone(),
        args.api_base.as_deref(),
        args.files_base.as_deref(),
    ) {
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
    // The embedded fake serves the files host too.
    let files_base = args
        .files_base
        .clone()
        .or(_embedded.as_ref().map(|_| base.clone()));
    let driver = match config(builder, Some(&base), files_base.as_deref())
        .map_err(|e| (Exit::Usage, e))
        .and_then(|c| {
            Driver::new(args.adapter, c, report).map_err(|e| (Exit::Failed, output::chain(&e)))
        }) {
        Ok(driver) => driver,
        Err((exit, e)) => {
            output::error(&e);
            return exit;
        }
    };
    if args.all {
        return all(&driver, request.path(), report);
    }
    if let Some(file) = &args.files.file {
        return crate::files_cmd::upload(&driver, request, file, report);
    }
    if let Some(output) = &args.files.output {
        let request = crate::files_cmd::download_request(request, args.files.max_bytes);
        return crate::files_cmd::download(&driver, request, output, report);
    }
    if let (Some(op), Some(db), Driver::Blocking(client)) = (&args.op, &args.db, &driver) {
        return crate::journal_cmd::post(client, request, op, db, report);
    }
    match driver.send(request, report) {
        Ok(response) => {
            report.response(&response);
            if response.is_success() {
                Exit::Success
            } else {
                Exit::Http
            }
        }
        Err(e) => fail(&e, report),
    }
}

/// The exit status of an error, which the core classified.
pub(crate) fn fail(error: &Error, report: Report) -> Exit {
    report.failure(error);
    match error.kind() {
        ErrorKind::InvalidRequest => Exit::Usage,
        ErrorKind::Page(_) => Exit::Http,
        _ => Exit::Failed,
    }
}

fn usage(message: &str) -> Exit {
    output::error(message);
    Exit::Usage
}

/// The request, built and checked by the core: `-d` pairs (an upload's beside its file), then
/// the `--data-raw` strings.
fn build(args: &RequestArgs) -> Result<Request, String> {
    let mut request = match &args.files.file {
        Some(file) => crate::files_cmd::upload_request(args, file)?,
        None => Request::new(args.method, &args.path)
            .and_then(|r| r.with_params(&args.params))
            .map_err(|e| e.to_string())?,
    };
    for raw in args.data_raw.iter().filter(|r| !r.is_empty()) {
        request = request
            .with_encoded_params(raw)
            .map_err(|e| e.to_string())?;
    }
    if let Some(key) = &args.idempotency_key {
        let key = IdempotencyKey::new(key.as_str()).map_err(|e| e.to_string())?;
        request = request
            .with_idempotency_key(key)
            .map_err(|e| e.to_string())?;
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

fn builder(args: &RequestArgs, key: &str) -> ConfigBuilder {
    let mut builder = Config::builder(key)
        .bearer(args.bearer)
        .policy(policy(args));
    if let Some(v) = &args.stripe_version {
        builder = builder.stripe_version(v.as_str());
    }
    if let Some(a) = &args.stripe_account {
        builder = builder.stripe_account(a.as_str());
    }
    builder
}

/// The configuration at `base` and `files` (Stripe's when none is given); its errors never
/// show the key, nor a base (which may carry credentials).
fn config(
    builder: ConfigBuilder,
    base: Option<&str>,
    files: Option<&str>,
) -> Result<Config, String> {
    let builder = match base {
        Some(base) => builder.api_base(base),
        None => builder,
    };
    let builder = match files {
        Some(files) => builder.files_base(files),
        None => builder,
    };
    builder.build().map_err(|e| match e {
        stripe_core::ConfigError::ApiBase { reason, .. } => format!("invalid API base: {reason}"),
        stripe_core::ConfigError::FilesBase { reason, .. } => {
            format!("invalid files base: {reason}")
        }
        stripe_core::ConfigError::SecretKey(problem) => format!("invalid secret key: {problem}"),
        other => other.to_string(),
    })
}

/// `--all`: every object of the list as a JSON line.
fn all(driver: &Driver, path: &str, report: Report) -> Exit {
    let mut count = 0u64;
    let (pages, exit) = driver.list(path, |item| match item {
        Ok(v) => {
            output::json_line(&v);
            count += 1;
            ControlFlow::Continue(())
        }
        Err(e) => ControlFlow::Break(fail(&e, report)),
    });
    report.info(&format!("pages: {pages}"));
    report.info(&format!("objects: {count}"));
    exit.unwrap_or(Exit::Success)
}

/// `stripe-cli fake`: serves in the foreground until killed.
pub fn fake(options: ServerOptions) -> Exit {
    match server::run_foreground(options) {
        Ok(()) => Exit::Success,
        Err(e) => {
            output::error(&format!("cannot serve the fake Stripe: {e}"));
            Exit::Failed
        }
    }
}
