//! `stripe-cli journal list|show|namespace|recover|prune|audit --db URL`, and `post --op OP --db
//! URL`: raw requests made exactly-once through `stripe-journal`. What is printed is in
//! `journal_print.rs`.

use std::time::{Duration, SystemTime};

use serde_json::json;
use stripe_core::{Config, Request};
use stripe_journal::{Audit, IntentId, Journal, StateKind};

use crate::args::{ArgsError, Command, Secret};
use crate::help::Topic;
use crate::journal_print::{self as print, failed};
use crate::output::{self, Exit, Report};
use crate::words::{Words, invalid, number};

/// How far back `journal audit` looks by default: two days, past Stripe's 24 h key window.
const DEFAULT_AUDIT_SINCE: u64 = 2 * 24 * 3600;

/// How many intents `journal recover` takes in one pass by default.
const DEFAULT_RECOVER_LIMIT: usize = 10_000;

/// Where Stripe is, for the commands that call it.
#[derive(Debug)]
pub struct Remote {
    api_base: Option<String>,
    secret_key: Option<Secret>,
    stripe_account: Option<String>,
}

/// What `journal` does.
#[derive(Debug)]
pub enum Action {
    List {
        state: Option<StateKind>,
        limit: usize,
    },
    Show {
        op: String,
        scope: String,
    },
    Namespace,
    Recover {
        remote: Remote,
        search_lag: Duration,
        limit: usize,
    },
    Prune {
        older_than: Duration,
    },
    Audit {
        remote: Remote,
        since: Duration,
        refund_extras: bool,
    },
}

/// `stripe-cli journal ...`.
#[derive(Debug)]
pub struct JournalArgs {
    pub db: String,
    pub action: Action,
}

/// Parses the words after `journal`: the command, or its help (`-h`, `--help` anywhere).
pub fn parse(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> Result<Command, ArgsError> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        return Ok(Command::Help(Topic::Journal));
    }
    let verb = args.first().map(String::as_str);
    let (mut db, mut state, mut limit, mut op, mut scope) = (None, None, None, None, String::new());
    let (mut api_base, mut secret_key, mut account) = (None, None, None);
    let (mut lag, mut older, mut since, mut refund) = (60u64, None, DEFAULT_AUDIT_SINCE, false);
    let mut words = Words::new(args.get(1..).unwrap_or_default());
    while let Some((flag, inline)) = words.next() {
        if flag == "--refund-extras" {
            if let Some(value) = inline {
                return Err(invalid(flag, value, "no value"));
            }
            refund = true;
            continue;
        }
        let mut v = || words.value(flag, inline);
        match flag {
            "--db" => db = Some(v()?.to_owned()),
            "--state" => {
                let s = v()?;
                state = Some(StateKind::parse(s).ok_or_else(|| {
                    invalid(flag, s, "claimed, sent, done, failed or to_reconcile")
                })?);
            }
            "--limit" => limit = Some(number(flag, v()?, "a whole number")?),
            "--scope" => scope = v()?.to_owned(),
            "--api-base" => api_base = Some(v()?.to_owned()),
            "--secret-key" => secret_key = Some(Secret(v()?.to_owned())),
            "--stripe-account" => account = Some(v()?.to_owned()),
            "--search-lag" => lag = number(flag, v()?, "whole seconds")?,
            "--older-than" => older = Some(number::<u64>(flag, v()?, "whole seconds")?),
            "--since" => since = number(flag, v()?, "whole seconds")?,
            f if f.starts_with('-') => return Err(ArgsError::UnknownOption(f.to_owned())),
            word if verb == Some("show") && op.is_none() => op = Some(word.to_owned()),
            word => return Err(ArgsError::Extra(word.to_owned())),
        }
    }
    let db = db
        .or_else(|| env("STRIPE_JOURNAL_DB"))
        .ok_or(ArgsError::Missing(
            "--db sqlite:PATH|postgres://... (or STRIPE_JOURNAL_DB)",
        ))?;
    let remote = || Remote {
        api_base: api_base.clone().or_else(|| env("STRIPE_API_BASE")),
        secret_key: secret_key
            .clone()
            .or_else(|| env("STRIPE_SECRET_KEY").map(Secret)),
        stripe_account: account.clone(),
    };
    let action = match verb {
        Some("list") => Action::List {
            state,
            limit: limit.unwrap_or(100),
        },
        Some("show") => Action::Show {
            op: op.ok_or(ArgsError::Missing("the operation id (journal show OP)"))?,
            scope,
        },
        Some("namespace") => Action::Namespace,
        Some("recover") => Action::Recover {
            remote: remote(),
            search_lag: Duration::from_secs(lag),
            limit: limit.unwrap_or(DEFAULT_RECOVER_LIMIT),
        },
        Some("prune") => Action::Prune {
            older_than: Duration::from_secs(
                older.ok_or(ArgsError::Missing("--older-than SECONDS"))?,
            ),
        },
        Some("audit") => Action::Audit {
            remote: remote(),
            since: Duration::from_secs(since),
            refund_extras: refund,
        },
        Some(other) => return Err(ArgsError::UnknownCommand(format!("journal {other}"))),
        None => {
            return Err(ArgsError::UnknownCommand(
                "journal (list, show, namespace, recover, prune or audit?)".into(),
            ));
        }
    };
    Ok(Command::Journal(JournalArgs { db, action }))
}

/// Runs `journal ...`.
pub fn run(args: JournalArgs) -> Exit {
    let journal = match Journal::open(&args.db) {
        Ok(j) => j,
        Err(e) => return failed(&e),
    };
    match args.action {
        Action::List { state, limit } => list(&journal, state, limit),
        Action::Show { op, scope } => {
            let id = match IntentId::new(scope, op) {
                Ok(id) => id,
                Err(e) => return usage(&e),
            };
            match journal.load(&id) {
                Ok(Some(row)) => {
                    output::out(&output::pretty(&print::detail(&row)));
                    Exit::Success
                }
                Ok(None) => {
                    output::error(&format!(
                        "no intent for operation {}",
                        json!(id.to_string())
                    ));
                    Exit::Http
                }
                Err(e) => failed(&e),
            }
        }
        Action::Namespace => {
            output::json_line(&json!({"namespace": journal.namespace()}));
            Exit::Success
        }
        Action::Recover {
            remote,
            search_lag,
            limit,
        } => {
            let client = match client(&remote) {
                Ok(c) => c,
                Err(exit) => return exit,
            };
            match journal.with_search_lag(search_lag).recover(&client, limit) {
                Ok(report) => {
                    output::out(&report.to_string());
                    for (id, why) in report.errors() {
                        output::err(&format!("{}: {}", json!(id), json!(why)));
                    }
                    if report.errors().is_empty() {
                        Exit::Success
                    } else {
                        Exit::Failed
                    }
                }
                Err(e) => failed(&e),
            }
        }
        Action::Prune { older_than } => match journal.prune(older_than) {
            Ok(n) => {
                output::out(&format!("pruned {n}"));
                Exit::Success
            }
            Err(e) => failed(&e),
        },
        Action::Audit {
            remote,
            since,
            refund_extras,
        } => audit(&journal, &remote, since, refund_extras),
    }
}

fn list(journal: &Journal, state: Option<StateKind>, limit: usize) -> Exit {
    let kinds = match state {
        Some(k) => vec![k],
        None => vec![
            StateKind::Claimed,
            StateKind::Sent,
            StateKind::ToReconcile,
            StateKind::Failed,
            StateKind::Done,
        ],
    };
    let mut exit = Exit::Success;
    for kind in kinds {
        match journal.list(kind, limit) {
            Ok(rows) => {
                for row in rows {
                    match row {
                        Ok(row) => output::json_line(&print::summary(&row)),
                        // An unreadable row is reported; the others are still listed.
                        Err(e) => {
                            output::error(&output::chain(&e));
                            exit = Exit::Failed;
                        }
                    }
                }
            }
            Err(e) => return failed(&e),
        }
    }
    exit
}

/// `journal audit`: exit 0 when no operation has more than one object, 1 when some do, 3 when
/// the audit could not finish.
fn audit(journal: &Journal, remote: &Remote, since: Duration, refund: bool) -> Exit {
    let client = match client(remote) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let from = SystemTime::now()
        .checked_sub(since)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    match Audit::new(journal, from)
        .with_refund_extras(refund)
        .run(&client)
    {
        Ok(report) => {
            output::out(&output::pretty(&print::audit(&report)));
            if report.found_duplicates() {
                output::error(&format!(
                    "{} operation(s) with more than one object",
                    report.duplicates().len()
                ));
                Exit::Http
            } else {
                Exit::Success
            }
        }
        Err(e) => {
            output::error(&output::chain(&e));
            Exit::Failed
        }
    }
}

/// The blocking client of `recover` and `audit`.
fn client(remote: &Remote) -> Result<stripe_ureq::Client, Exit> {
    let Some(key) = &remote.secret_key else {
        return Err(usage(
            &"no secret key: set STRIPE_SECRET_KEY or --secret-key",
        ));
    };
    let mut builder = Config::builder(key.0.as_str());
    if let Some(base) = &remote.api_base {
        builder = builder.api_base(base.as_str());
    }
    if let Some(account) = &remote.stripe_account {
        builder = builder.stripe_account(account.as_str());
    }
    let config = builder.build().map_err(|e| usage(&e))?;
    stripe_ureq::Client::try_new(config).map_err(|e| usage(&e))
}

/// `post --op OP --db URL`: the request through the journal, over the blocking client. The
/// intent's scope is the `--stripe-account` (the client's config carries it), so recovery
/// resumes the request on that account.
pub fn post(
    client: &stripe_ureq::Client,
    request: Request,
    op: &str,
    db: &str,
    report: Report,
) -> Exit {
    let scope = request
        .stripe_account()
        .or(client.config().stripe_account())
        .unwrap_or_default()
        .to_owned();
    let result = IntentId::op(op)
        .and_then(|id| Journal::open(db).map(|j| (j, id)))
        .and_then(|(journal, id)| journal.run(client, &id, request));
    match result {
        Ok(run) => print::run(&run, op, &scope, report),
        Err(e) => failed(&e),
    }
}

fn usage(e: &dyn std::fmt::Display) -> Exit {
    output::error(&e.to_string());
    Exit::Usage
}
