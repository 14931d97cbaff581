//! `stripe-cli journal list|show|recover|prune --db URL`, and `post --op OP --db URL`: raw
//! requests made exactly-once through `stripe-journal`. Everything printed that comes from the
//! journal or a server is JSON (control characters escaped), never raw text.

use std::time::Duration;

use serde_json::{Value, json};
use stripe_core::{Config, Request};
use stripe_journal::{Intent, IntentId, Journal, JournalError, Outcome, State, StateKind};

use crate::args::{ArgsError, Secret};
use crate::output::{self, Exit, Report};
use crate::words::{Words, invalid, number};

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
    Recover {
        api_base: Option<String>,
        secret_key: Option<Secret>,
        search_lag: Duration,
    },
    Prune {
        older_than: Duration,
    },
}

/// `stripe-cli journal ...`.
#[derive(Debug)]
pub struct JournalArgs {
    pub db: String,
    pub action: Action,
}

/// Parses the words after `journal`.
pub fn parse(
    args: &[String],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<JournalArgs, ArgsError> {
    let verb = args.first().map(String::as_str);
    let (mut db, mut state, mut limit, mut op, mut scope) =
        (None, None, 100usize, None, String::new());
    let (mut api_base, mut secret_key, mut lag, mut older) = (None, None, 60u64, None);
    let mut words = Words::new(args.get(1..).unwrap_or_default());
    while let Some((flag, inline)) = words.next() {
        let mut v = || words.value(flag, inline);
        match flag {
            "--db" => db = Some(v()?.to_owned()),
            "--state" => {
                let s = v()?;
                state = Some(StateKind::parse(s).ok_or_else(|| {
                    invalid(flag, s, "claimed, sent, done, failed or to_reconcile")
                })?);
            }
            "--limit" => limit = number(flag, v()?, "a whole number")?,
            "--scope" => scope = v()?.to_owned(),
            "--api-base" => api_base = Some(v()?.to_owned()),
            "--secret-key" => secret_key = Some(Secret(v()?.to_owned())),
            "--search-lag" => lag = number(flag, v()?, "whole seconds")?,
            "--older-than" => older = Some(number::<u64>(flag, v()?, "whole seconds")?),
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
    let action = match verb {
        Some("list") => Action::List { state, limit },
        Some("show") => Action::Show {
            op: op.ok_or(ArgsError::Missing("the operation id (journal show OP)"))?,
            scope,
        },
        Some("recover") => Action::Recover {
            api_base: api_base.or_else(|| env("STRIPE_API_BASE")),
            secret_key: secret_key.or_else(|| env("STRIPE_SECRET_KEY").map(Secret)),
            search_lag: Duration::from_secs(lag),
        },
        Some("prune") => Action::Prune {
            older_than: Duration::from_secs(
                older.ok_or(ArgsError::Missing("--older-than SECONDS"))?,
            ),
        },
        Some(other) => return Err(ArgsError::UnknownCommand(format!("journal {other}"))),
        None => {
            return Err(ArgsError::UnknownCommand(
                "journal (list, show, recover or prune?)".into(),
            ));
        }
    };
    Ok(JournalArgs { db, action })
}

/// Runs `journal ...`.
pub fn run(args: JournalArgs) -> Exit {
    let journal = match Journal::open(&args.db) {
        Ok(j) => j,
        Err(e) => return failed(&e),
    };
    match args.action {
        Action::List { state, limit } => {
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
            for kind in kinds {
                match journal.list(kind, limit) {
                    Ok(rows) => rows.iter().for_each(|r| output::json_line(&summary(r))),
                    Err(e) => return failed(&e),
                }
            }
            Exit::Success
        }
        Action::Show { op, scope } => {
            let id = match IntentId::new(scope, op) {
                Ok(id) => id,
                Err(e) => return usage(&e),
            };
            match journal.load(&id) {
                Ok(Some(row)) => {
                    output::out(&output::pretty(&detail(&row)));
                    Exit::Success
                }
                Ok(None) => {
                    output::error(&format!("no intent for operation {id}"));
                    Exit::Http
                }
                Err(e) => failed(&e),
            }
        }
        Action::Recover {
            api_base,
            secret_key,
            search_lag,
        } => {
            let Some(key) = secret_key else {
                return usage(&"no secret key: set STRIPE_SECRET_KEY or --secret-key");
            };
            let mut builder = Config::builder(key.0.as_str());
            if let Some(base) = &api_base {
                builder = builder.api_base(base.as_str());
            }
            let config = match builder.build() {
                Ok(c) => c,
                Err(e) => return usage(&e),
            };
            let client = match stripe_ureq::Client::try_new(config) {
                Ok(c) => c,
                Err(e) => return usage(&e),
            };
            match journal.with_search_lag(search_lag).recover(&client) {
                Ok(report) => {
                    output::out(&report.to_string());
                    for (id, why) in report.errors() {
                        output::err(&format!("{}: {}", json!(id.op_id()), json!(why)));
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
    }
}

/// `post --op OP --db URL`: the request through the journal, over the blocking client.
pub fn post(
    client: &stripe_ureq::Client,
    request: Request,
    op: &str,
    db: &str,
    report: Report,
) -> Exit {
    let result = IntentId::op(op)
        .and_then(|id| Journal::open(db).map(|j| (j, id)))
        .and_then(|(journal, id)| journal.run(client, &id, request));
    match result {
        Ok(outcome) => {
            print_outcome(&outcome, report);
            if outcome.is_success() {
                Exit::Success
            } else {
                Exit::Http
            }
        }
        Err(e) => failed(&e),
    }
}

fn print_outcome(outcome: &Outcome, report: Report) {
    report.info(&format!("status: {}", outcome.status()));
    report.info(&format!(
        "source: {}",
        match outcome.source() {
            stripe_journal::Source::Stripe => "stripe",
            stripe_journal::Source::Journal => "journal (replayed, Stripe not called)",
            stripe_journal::Source::Reconciled => "reconciled (found on Stripe)",
            _ => "other",
        }
    ));
    if let Some(id) = outcome.object_id() {
        report.info(&format!("object: {}", json!(id)));
    }
    report.info(&format!("advice: {}", outcome.advice().describe()));
    match serde_json::from_str::<Value>(outcome.body()) {
        Ok(v) => output::out(&output::pretty(&v)),
        Err(_) => output::out(&json!(outcome.body()).to_string()),
    }
}

fn millis(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn summary(row: &Intent) -> Value {
    let object = match row.state() {
        State::Done(a) | State::Failed(_, Some(a)) | State::ToReconcile(_, Some(a)) => {
            a.object_id().map(str::to_owned)
        }
        _ => None,
    };
    json!({
        "op": row.id().op_id(),
        "scope": row.id().scope(),
        "state": row.state().kind().as_str(),
        "key": row.key().as_str(),
        "object": object,
        "updated_ms": millis(row.updated_at()),
    })
}

fn detail(row: &Intent) -> Value {
    let mut v = summary(row);
    let (status, body, why) = match row.state() {
        State::Done(a) => (Some(a.status()), Some(a.body()), None),
        State::Failed(adv, a) => (
            a.as_ref().map(|a| a.status()),
            a.as_ref().map(|a| a.body()),
            Some(adv.as_str()),
        ),
        State::ToReconcile(r, a) => (
            a.as_ref().map(|a| a.status()),
            a.as_ref().map(|a| a.body()),
            Some(r.as_str()),
        ),
        _ => (None, None, None),
    };
    v["status"] = json!(status);
    v["body"] = body.map_or(Value::Null, |b| {
        serde_json::from_str(b).unwrap_or_else(|_| json!(b))
    });
    v["why"] = json!(why);
    v["attempts"] = json!(row.attempts());
    v["epoch"] = json!(row.epoch());
    v["created_ms"] = json!(millis(row.created_at()));
    v["lease"] = row.lease().map_or(
        Value::Null,
        |l| json!({"owner": l.owner(), "until_ms": millis(l.until())}),
    );
    v["request"] = row.request().map_or(
        Value::Null,
        |r| json!({"method": "POST", "path": r.path(), "body": r.body()}),
    );
    v
}

fn usage(e: &dyn std::fmt::Display) -> Exit {
    output::error(&e.to_string());
    Exit::Usage
}

/// A journal error's exit status: 2 when nothing could be sent for the caller's input, 3 when
/// the outcome is pending (busy, unsettled, no response) or the store failed.
fn failed(e: &JournalError) -> Exit {
    output::error(&output::chain(e));
    match e {
        JournalError::InvalidId { .. }
        | JournalError::InvalidUrl(_)
        | JournalError::InvalidRequest(_)
        | JournalError::Conflict { .. } => Exit::Usage,
        _ => Exit::Failed,
    }
}
