//! The blocking flow over `stripe_client::Client`.

use stripe_client::{Client, Transport};
use stripe_core::Request;

use super::{
    AfterCall, BATCH, MAX_PER_PHASE, MAX_ROUNDS, Next, Outcome, RecoveryReport, SettlePlan, Source,
    after_begin, after_record, leftovers, plan, tally,
};
use crate::decide::{BeginOptions, Begun, Claim};
use crate::error::JournalError;
use crate::intent::IntentId;
use crate::journal::Journal;

impl Journal {
    /// Runs operation `id` (a POST) through the journal: Stripe sees it at most once, under one
    /// idempotency key per attempt that may have taken effect, whatever crashes, restarts and
    /// re-deliveries happen around it.
    ///
    /// - New (or abandoned by a dead holder): the claim is written (durably) before any byte
    ///   leaves; the request goes with the journal's key, `metadata[op]=<op>` when it creates an
    ///   object, the scope as `Stripe-Account`; the lease is renewed only if the call outlasts
    ///   a third of it; the outcome is recorded. Two durable writes per call.
    /// - Done or failed with an answer: that answer ([`Outcome::is_replayed`]), Stripe not called.
    /// - In flight elsewhere: [`JournalError::Busy`] with the holder's lease end.
    /// - Outcome unknown (a 5xx, an expired key): settled by asking Stripe (Search on the
    ///   metadata, or a retrieve for confirm / capture / cancel): found, it is done with that
    ///   object; absent, it is sent again with a new key. Too young for Search:
    ///   [`JournalError::Unsettled`].
    ///
    /// A call that ends without a known outcome (no response) is [`JournalError::Stripe`]: the
    /// intent keeps its key, and running the same operation again resumes it.
    pub fn run<T: Transport>(
        &self,
        client: &Client<T>,
        id: &IntentId,
        request: Request,
    ) -> Result<Outcome, JournalError> {
        let (saved, fingerprint) = Self::save_and_fingerprint(&request)?;
        for _ in 0..MAX_ROUNDS {
            let begun =
                self.begin_saved(id, fingerprint, saved.clone(), BeginOptions::default())?;
            let next = match after_begin(id, begun)? {
                Next::Answer(outcome) => return Ok(outcome),
                Next::Send(claim) => self.call(client, id, &claim, request.clone())?,
                Next::Settle => self.settle(client, id)?,
            };
            if let Some(outcome) = next {
                return Ok(outcome);
            }
        }
        Err(JournalError::Contention { id: id.clone() })
    }

    /// Sends the held intent's request and records the outcome; `None` if it had to be
    /// reconciled and was found not applied (begin again: a new key).
    fn call<T: Transport>(
        &self,
        client: &Client<T>,
        id: &IntentId,
        claim: &Claim,
        request: Request,
    ) -> Result<Option<Outcome>, JournalError> {
        let outgoing = match plan::outgoing(request, id, claim.key(), self.metadata_key()) {
            Ok(r) => r,
            Err(e) => {
                self.release(claim)?;
                return Err(e);
            }
        };
        let (result, _renewed) = self.with_renewal(claim, |_| client.send(outgoing));
        let state = self.record(claim, plan::call_result(&result))?;
        match after_record(id, &state, result) {
            AfterCall::Done(outcome) => outcome.map(Some),
            AfterCall::Settle(fallback) => match self.settle(client, id) {
                Err(JournalError::Unsettled { .. }) => fallback.map(Some),
                other => other,
            },
        }
    }

    /// Settles an intent to reconcile by asking Stripe: `Some` if found applied, `None` if not
    /// applied (or settled elsewhere meanwhile): begin again.
    fn settle<T: Transport>(
        &self,
        client: &Client<T>,
        id: &IntentId,
    ) -> Result<Option<Outcome>, JournalError> {
        match self.settle_plan(id, self.load(id)?)? {
            SettlePlan::Again => Ok(None),
            SettlePlan::Look(lookup, version) => {
                let response =
                    client
                        .send(lookup.request(id)?)
                        .map_err(|error| JournalError::Stripe {
                            id: id.clone(),
                            error: Box::new(error),
                        })?;
                let resolution = lookup.interpret(id, &response)?;
                self.settle_with(id, version, resolution)
            }
        }
    }

    /// Finishes abandoned intents: those whose holder died (lease expired) are taken over and
    /// sent again with their key (or reconciled when the key is too old); those to reconcile
    /// are settled by asking Stripe, then done or sent again with a new key. Safe to run from
    /// every instance at once (takeovers are compare-and-set; PostgreSQL skips rows another
    /// recoverer has locked). Intents too young for Search are left for a later pass.
    pub fn recover<T: Transport>(
        &self,
        client: &Client<T>,
    ) -> Result<RecoveryReport, JournalError> {
        let mut report = RecoveryReport::default();
        let mut taken_in_all = 0;
        while taken_in_all < MAX_PER_PHASE {
            let taken = self.take_over_abandoned(BATCH)?;
            if taken.is_empty() {
                break;
            }
            taken_in_all += taken.len();
            for (id, begun) in taken {
                if let Begun::Proceed(claim) = begun {
                    let result = self.resume(client, &id, &claim);
                    if result.is_ok() {
                        report.resumed += 1;
                    }
                    tally(&mut report, &id, result);
                }
            }
        }
        for row in leftovers(self.store())? {
            let id = row.id().clone();
            let result = row
                .request()
                .ok_or_else(|| JournalError::Unreconcilable {
                    id: id.clone(),
                    detail: "no request was saved with the intent".into(),
                })
                .and_then(plan::rebuild)
                .and_then(|request| self.run(client, &id, request));
            match &result {
                Ok(o) if o.source() == Source::Reconciled => report.reconciled_applied += 1,
                Ok(o) if o.source() == Source::Stripe => report.reconciled_not_applied += 1,
                _ => {}
            }
            tally(&mut report, &id, result.map(|_| ()));
        }
        Ok(report)
    }

    /// Re-sends a taken-over intent's saved request with its key.
    fn resume<T: Transport>(
        &self,
        client: &Client<T>,
        id: &IntentId,
        claim: &Claim,
    ) -> Result<(), JournalError> {
        let saved = self.load(id)?.and_then(|row| row.request().cloned());
        let Some(saved) = saved else {
            self.release(claim)?;
            return Err(JournalError::Unreconcilable {
                id: id.clone(),
                detail: "no request was saved with the intent".into(),
            });
        };
        let request = plan::rebuild(&saved)?;
        match self.call(client, id, claim, request.clone())? {
            Some(_) => Ok(()),
            None => self.run(client, id, request).map(|_| ()),
        }
    }
}
