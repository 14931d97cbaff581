//! Running a named operation through the journal over a `stripe_client` client: begin, send
//! with the journal's key, record; replay what is done; settle what is unknown by asking Stripe.
//!
//! The steps between the I/O are pure functions here, shared by the blocking flow
//! ([`Journal::run`], `blocking.rs`) and the async one ([`Journal::run_async`], `nonblocking.rs`).

mod blocking;
#[cfg(feature = "async")]
mod nonblocking;
mod outcome;
pub(crate) mod plan;

use std::time::{Duration, SystemTime};

use stripe_core::{Error, Response};

pub use outcome::{Outcome, RecoveryReport, Source};

use crate::decide::{self, Begun, Claim, Resolution};
use crate::error::JournalError;
use crate::intent::{Answer, FailureAdvice, Intent, IntentId, State, StateKind};
use crate::journal::Journal;
use crate::store::{self, Store};
use plan::Lookup;

/// How many times one run goes round begin / settle before giving up (each round follows a
/// change another holder or a reconciliation made).
const MAX_ROUNDS: usize = 8;

/// How many abandoned intents a recovery pass takes at a time, and at most in all per phase.
const BATCH: usize = 64;
const MAX_PER_PHASE: usize = 100_000;

/// What to do after `begin`.
enum Next {
    Send(Claim),
    Answer(Outcome),
    Settle,
}

fn after_begin(id: &IntentId, begun: Begun) -> Result<Next, JournalError> {
    match begun {
        Begun::Proceed(claim) => Ok(Next::Send(claim)),
        Begun::Done(answer) => Ok(Next::Answer(Outcome::new(answer, Source::Journal))),
        Begun::Failed(_, Some(answer)) => Ok(Next::Answer(Outcome::new(answer, Source::Journal))),
        Begun::Failed(advice, None) => Err(JournalError::WrongState {
            id: id.clone(),
            state: StateKind::Failed,
            expected: match advice {
                FailureAdvice::NotApplied => "claimable (not applied)",
                _ => "an answer with the failure",
            },
        }),
        Begun::Busy { owner, until } => Err(JournalError::Busy {
            id: id.clone(),
            owner,
            until,
        }),
        Begun::ToReconcile(..) => Ok(Next::Settle),
    }
}

/// What to do after the call's outcome was recorded.
enum AfterCall {
    Done(Result<Outcome, JournalError>),
    Settle(Result<Outcome, JournalError>),
}

fn after_record(id: &IntentId, state: &State, result: Result<Response, Error>) -> AfterCall {
    let plain = match result {
        Ok(response) => Ok(Outcome::new(plan::answer(&response), Source::Stripe)),
        Err(error) => Err(JournalError::Stripe {
            id: id.clone(),
            error: Box::new(error),
        }),
    };
    match state {
        State::Done(answer) | State::Failed(_, Some(answer)) => {
            AfterCall::Done(Ok(Outcome::new(answer.clone(), Source::Stripe)))
        }
        State::ToReconcile(..) => AfterCall::Settle(plain),
        _ => AfterCall::Done(plain),
    }
}

/// What a settle needs next, from the stored row.
enum SettlePlan {
    /// The row moved on (settled elsewhere, or not to reconcile): begin again.
    Again,
    /// Look at Stripe, then resolve if the row is still at this version.
    Look(Lookup, u64),
}

impl Journal {
    /// `begin` for `request` (a POST): saves it with the claim and fingerprints it, as
    /// [`Journal::run`] does. For callers that drive the steps themselves.
    pub fn begin_request(
        &self,
        id: &IntentId,
        request: &stripe_core::Request,
    ) -> Result<Begun, JournalError> {
        let (saved, fingerprint) = Self::save_and_fingerprint(request)?;
        self.begin_saved(id, fingerprint, saved, crate::BeginOptions::default())
    }

    /// The request as [`Journal::run`] sends it for `claim`: the claim's key,
    /// `metadata[<key>]=<op>` on a create, the scope as `Stripe-Account`.
    pub fn outgoing(
        &self,
        id: &IntentId,
        claim: &Claim,
        request: stripe_core::Request,
    ) -> Result<stripe_core::Request, JournalError> {
        plan::outgoing(request, id, claim.key(), self.metadata_key())
    }

    fn settle_plan(&self, id: &IntentId, row: Option<Intent>) -> Result<SettlePlan, JournalError> {
        let Some(row) = row else {
            return Err(JournalError::NotFound { id: id.clone() });
        };
        let State::ToReconcile(reason, _) = row.state() else {
            return Ok(SettlePlan::Again);
        };
        let saved = row.request().ok_or_else(|| JournalError::Unreconcilable {
            id: id.clone(),
            detail: "no request was saved with the intent".into(),
        })?;
        let lookup = Lookup::plan(saved, id, self.metadata_key())?;
        if lookup.lags() {
            let retry_at = row.updated_at() + self.search_lag();
            if SystemTime::now() < retry_at {
                return Err(JournalError::Unsettled {
                    id: id.clone(),
                    reason: *reason,
                    retry_at,
                });
            }
        }
        Ok(SettlePlan::Look(lookup, row.version()))
    }

    /// Settles the intent with what the lookup found, if the row has not changed since it was
    /// read (another settler may have moved it on: then `Ok(None)`, begin again).
    fn settle_with(
        &self,
        id: &IntentId,
        version: u64,
        resolution: Resolution,
    ) -> Result<Option<Outcome>, JournalError> {
        let now = SystemTime::now();
        let applied = match &resolution {
            Resolution::Applied(answer) => Some(answer.clone()),
            _ => None,
        };
        let result = store::apply(self.store(), id, |row| {
            if row.map(Intent::version) != Some(version) {
                return Err(JournalError::WrongState {
                    id: id.clone(),
                    state: row.map_or(StateKind::ToReconcile, |r| r.state().kind()),
                    expected: "unchanged since the lookup",
                });
            }
            decide::resolve(row, id, resolution.clone(), now).map(|w| ((), w))
        });
        match result {
            Ok(()) => Ok(applied.map(|a: Answer| Outcome::new(a, Source::Reconciled))),
            Err(JournalError::WrongState { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn save_and_fingerprint(
        request: &stripe_core::Request,
    ) -> Result<(crate::intent::SavedRequest, crate::Fingerprint), JournalError> {
        let saved = plan::save(request)?;
        let fp = crate::Fingerprint::of("POST", saved.path(), saved.body().as_bytes());
        Ok((saved, fp))
    }
}

/// Adds one intent's result to a recovery report.
fn tally(report: &mut RecoveryReport, id: &IntentId, result: Result<(), JournalError>) {
    match result {
        Ok(()) => {}
        Err(JournalError::Unsettled { .. }) => report.unsettled += 1,
        Err(JournalError::Stripe { .. } | JournalError::Busy { .. }) => report.unfinished += 1,
        Err(e) => report.errors.push((id.clone(), e.to_string())),
    }
}

/// The period of lease renewals while a call runs: a third of the lease.
pub(crate) fn renewal_period(lease: Duration) -> Duration {
    (lease / 3).max(Duration::from_millis(10))
}

/// The intents a recovery pass settles or re-runs after taking over the dead holders': those
/// to reconcile, and those reconciliation found not applied.
fn leftovers(store: &dyn Store) -> Result<Vec<Intent>, JournalError> {
    let mut rows = store.list(StateKind::ToReconcile, MAX_PER_PHASE)?;
    rows.extend(
        store
            .list(StateKind::Failed, MAX_PER_PHASE)?
            .into_iter()
            .filter(|r| matches!(r.state(), State::Failed(FailureAdvice::NotApplied, _))),
    );
    Ok(rows)
}
