//! What the run, findings and PostgreSQL tests share: an operation's id, a charge of an order,
//! and a run's outcome.

use stripe_core::Request;
use stripe_journal::{IntentId, JournalError, Run};

/// The id of operation `name`, unscoped.
pub fn op(name: &str) -> IntentId {
    IntentId::op(name).expect("operation id")
}

/// A charge of $10 with a test card, tagged with its `order`.
pub fn charge(order: &str) -> Request {
    Request::post(
        "/v1/charges",
        &[
            ("amount", "1000"),
            ("currency", "usd"),
            ("source", "tok_visa"),
            ("metadata[order]", order),
        ],
    )
    .expect("request")
}

/// The outcome of a run that must have one.
pub fn done(run: Result<Run, JournalError>) -> stripe_journal::Outcome {
    match run {
        Ok(Run::Done(outcome)) => outcome,
        other => panic!("expected an outcome, got {other:?}"),
    }
}
