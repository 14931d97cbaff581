//! What the journal commands print: intents, a run's value (done, busy, unsettled, conflict), a
//! journal error in the CLI's own words, an audit's report. Everything from the journal or a
//! server goes out as JSON (control characters escaped), never as raw text.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use stripe_journal::audit::AuditReport;
use stripe_journal::{Intent, JournalError, Outcome, Run, Source, State};

use crate::output::{self, Exit, Report};

/// Milliseconds since the epoch (0 before it).
pub fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One intent as a `journal list` line.
pub fn summary(row: &Intent) -> Value {
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

/// One intent as `journal show` prints it.
pub fn detail(row: &Intent) -> Value {
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
    v["namespace"] = json!(row.namespace());
    v["key_spent"] = json!(row.is_key_spent());
    v["send_limit_ms"] = json!(row.send_limit().map(millis));
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

/// A journaled post's run: the outcome (its body on stdout, exit 0 for 2xx, 1 otherwise), or
/// the value that stands in its way as a JSON object on stdout with a line on stderr saying what
/// happened: busy and unsettled exit 3, conflict 2.
pub fn run(run: &Run, op: &str, scope: &str, report: Report) -> Exit {
    let id = json!(op);
    match run {
        Run::Done(outcome) => {
            print_outcome(outcome, report);
            if outcome.is_success() {
                Exit::Success
            } else {
                Exit::Http
            }
        }
        Run::Busy { owner, until } => {
            output::json_line(&json!({
                "run": "busy", "op": op, "scope": scope, "owner": owner,
                "until_ms": millis(*until),
            }));
            output::error(&format!(
                "operation {id} is in flight at another holder ({}) until {} ms since the epoch: nothing was sent; run the same command after that",
                json!(owner),
                millis(*until)
            ));
            Exit::Failed
        }
        Run::Unsettled { reason, retry_at } => {
            output::json_line(&json!({
                "run": "unsettled", "op": op, "scope": scope, "reason": reason.as_str(),
                "retry_at_ms": millis(*retry_at),
            }));
            output::error(&format!(
                "operation {id}: its outcome is not known yet ({}) and its key may still execute on Stripe: nothing more was sent now; run the same command, or `stripe-cli journal recover`, after {} ms since the epoch",
                reason.as_str(),
                millis(*retry_at)
            ));
            Exit::Failed
        }
        Run::Conflict { stored, given } => {
            output::json_line(&json!({
                "run": "conflict", "op": op, "scope": scope,
                "stored": stored.to_hex(), "given": given.to_hex(),
            }));
            output::error(&format!(
                "operation {id} was begun for another request (method, path or parameters): nothing was sent; use another operation id"
            ));
            Exit::Usage
        }
        other => {
            output::error(&format!("operation {id}: {}", json!(format!("{other:?}"))));
            Exit::Failed
        }
    }
}

fn print_outcome(outcome: &Outcome, report: Report) {
    report.info(&format!("status: {}", outcome.status()));
    report.info(&format!(
        "source: {}",
        match outcome.source() {
            Source::Stripe => "stripe",
            Source::Journal => "journal (replayed, Stripe not called)",
            Source::Reconciled => "reconciled (found on Stripe)",
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

/// A journal error, in the CLI's words where the library's could be read as more or less than
/// what happened, with its exit status: 2 when nothing could be done for the caller's input
/// (nothing sent, nothing deleted), 3 when the outcome is pending or the store failed.
pub fn failed(e: &JournalError) -> Exit {
    match e {
        JournalError::Stripe { id, error } if error.nothing_sent() => output::error(&format!(
            "operation {}: the call failed before anything was sent; the intent keeps its key: run the same command again: {}",
            json!(id.to_string()),
            output::chain(error.as_ref())
        )),
        JournalError::Stripe { id, error } => output::error(&format!(
            "operation {}: no answer from Stripe: the request may have reached Stripe; the intent keeps its key, so running the same command again (or `stripe-cli journal recover`) resumes it with that key and Stripe runs it at most once: {}",
            json!(id.to_string()),
            output::chain(error.as_ref())
        )),
        JournalError::LeaseLost { id } => output::error(&format!(
            "operation {}: another holder took the operation over before this process recorded an outcome; whatever this process sent used the operation's key, so Stripe runs it at most once: run the same command again for the outcome",
            json!(id.to_string())
        )),
        other => output::error(&output::chain(other)),
    }
    match e {
        JournalError::InvalidId { .. }
        | JournalError::InvalidUrl(_)
        | JournalError::InvalidRequest(_)
        | JournalError::Conflict { .. }
        | JournalError::PruneTooYoung { .. } => Exit::Usage,
        _ => Exit::Failed,
    }
}

/// An audit's report as one JSON object.
pub fn audit(report: &AuditReport) -> Value {
    let duplicates: Vec<Value> = report
        .duplicates()
        .iter()
        .map(|d| {
            let objects: Vec<Value> = d
                .objects()
                .iter()
                .map(|o| json!({"id": o.id(), "created": o.created(), "status": o.status()}))
                .collect();
            json!({
                "resource": d.resource(), "op": d.op(), "objects": objects,
                "recorded": d.recorded(), "kept": d.kept(),
            })
        })
        .collect();
    let refunds: Vec<Value> = report
        .refunds()
        .iter()
        .map(|r| {
            let mut v = json!({
                "op": r.op(), "resource": r.resource(), "object": r.object(),
                "result": r.result().as_str(),
            });
            match r.result() {
                stripe_journal::audit::RefundResult::Refunded { refund, replayed } => {
                    v["refund"] = json!(refund);
                    v["replayed"] = json!(replayed);
                }
                stripe_journal::audit::RefundResult::NotRefundable { reason } => {
                    v["why"] = json!(reason)
                }
                stripe_journal::audit::RefundResult::Failed { detail } => v["why"] = json!(detail),
                _ => {}
            }
            v
        })
        .collect();
    json!({
        "namespace": report.namespace(),
        "since": millis(report.since()) / 1000,
        "tagged": report.tagged(),
        "duplicates": duplicates,
        "refunds": refunds,
    })
}
