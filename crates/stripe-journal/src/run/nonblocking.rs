//! The async flow over `stripe_client::AsyncClient`: the same steps as `blocking.rs`, with
//! every store call on tokio's blocking pool (`spawn_blocking`) and lease renewals in a task.

use stripe_client::{AsyncClient, AsyncTransport};
use stripe_core::Request;

use super::{
    AfterCall, BATCH, MAX_PER_PHASE, MAX_ROUNDS, Next, Outcome, RecoveryReport, SettlePlan, Source,
    after_begin, after_record, leftovers, plan, renewal_period, tally,
};
use crate::decide::{BeginOptions, Begun, CallResult, Claim};
use crate::error::JournalError;
use crate::intent::{Intent, IntentId};
use crate::journal::Journal;

impl Journal {
    /// Runs `f` on a clone of the journal on tokio's blocking pool.
    async fn blocking<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Journal) -> Result<R, JournalError> + Send + 'static,
    ) -> Result<R, JournalError> {
        let journal = self.clone();
        tokio::task::spawn_blocking(move || f(&journal))
            .await
            .unwrap_or_else(|e| {
                Err(JournalError::Store(
                    format!("a store call failed: {e}").into(),
                ))
            })
    }

    /// [`Journal::run`] over an async client; the store is called through
    /// `tokio::task::spawn_blocking` (a multi-threaded or current-thread runtime both work).
    pub async fn run_async<T: AsyncTransport>(
        &self,
        client: &AsyncClient<T>,
        id: &IntentId,
        request: Request,
    ) -> Result<Outcome, JournalError> {
        let (saved, fingerprint) = Self::save_and_fingerprint(&request)?;
        for _ in 0..MAX_ROUNDS {
            let (op, saved) = (id.clone(), saved.clone());
            let begun = self
                .blocking(move |j| j.begin_saved(&op, fingerprint, saved, BeginOptions::default()))
                .await?;
            let next = match after_begin(id, begun)? {
                Next::Answer(outcome) => return Ok(outcome),
                Next::Send(claim) => self.call_async(client, id, &claim, request.clone()).await?,
                Next::Settle => self.settle_async(client, id).await?,
            };
            if let Some(outcome) = next {
                return Ok(outcome);
            }
        }
        Err(JournalError::Contention { id: id.clone() })
    }

    async fn call_async<T: AsyncTransport>(
        &self,
        client: &AsyncClient<T>,
        id: &IntentId,
        claim: &Claim,
        request: Request,
    ) -> Result<Option<Outcome>, JournalError> {
        let outgoing = match plan::outgoing(request, id, claim.key(), self.metadata_key()) {
            Ok(r) => r,
            Err(e) => {
                let c = claim.clone();
                self.blocking(move |j| j.release(&c)).await?;
                return Err(e);
            }
        };
        let renewer = {
            let (journal, mut current) = (self.clone(), claim.clone());
            let period = renewal_period(self.policy().lease());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(period).await;
                    let c = current.clone();
                    match journal.blocking(move |j| j.renew(&c)).await {
                        Ok(renewed) => current = renewed,
                        // Lost or failing: the record below tells.
                        Err(_) => return,
                    }
                }
            })
        };
        let result = client.send(outgoing).await;
        renewer.abort();
        let (c, call_result): (Claim, CallResult) = (claim.clone(), plan::call_result(&result));
        let state = self.blocking(move |j| j.record(&c, call_result)).await?;
        match after_record(id, &state, result) {
            AfterCall::Done(outcome) => outcome.map(Some),
            AfterCall::Settle(fallback) => match self.settle_async(client, id).await {
                Err(JournalError::Unsettled { .. }) => fallback.map(Some),
                other => other,
            },
        }
    }

    async fn settle_async<T: AsyncTransport>(
        &self,
        client: &AsyncClient<T>,
        id: &IntentId,
    ) -> Result<Option<Outcome>, JournalError> {
        let op = id.clone();
        let row = self.blocking(move |j| j.load(&op)).await?;
        match self.settle_plan(id, row)? {
            SettlePlan::Again => Ok(None),
            SettlePlan::Look(lookup, version) => {
                let response = client.send(lookup.request(id)?).await.map_err(|error| {
                    JournalError::Stripe {
                        id: id.clone(),
                        error: Box::new(error),
                    }
                })?;
                let resolution = lookup.interpret(id, &response)?;
                let op = id.clone();
                self.blocking(move |j| j.settle_with(&op, version, resolution))
                    .await
            }
        }
    }

    /// [`Journal::recover`] over an async client.
    pub async fn recover_async<T: AsyncTransport>(
        &self,
        client: &AsyncClient<T>,
    ) -> Result<RecoveryReport, JournalError> {
        let mut report = RecoveryReport::default();
        let mut taken_in_all = 0;
        while taken_in_all < MAX_PER_PHASE {
            let taken = self.blocking(|j| j.take_over_abandoned(BATCH)).await?;
            if taken.is_empty() {
                break;
            }
            taken_in_all += taken.len();
            for (id, begun) in taken {
                if let Begun::Proceed(claim) = begun {
                    let result = self.resume_async(client, &id, &claim).await;
                    if result.is_ok() {
                        report.resumed += 1;
                    }
                    tally(&mut report, &id, result);
                }
            }
        }
        let rows = self.blocking(|j| leftovers(j.store())).await?;
        for row in rows {
            let id = row.id().clone();
            let result = match row.request().map(plan::rebuild) {
                Some(Ok(request)) => self.run_async(client, &id, request).await,
                Some(Err(e)) => Err(e),
                None => Err(JournalError::Unreconcilable {
                    id: id.clone(),
                    detail: "no request was saved with the intent".into(),
                }),
            };
            match &result {
                Ok(o) if o.source() == Source::Reconciled => report.reconciled_applied += 1,
                Ok(o) if o.source() == Source::Stripe => report.reconciled_not_applied += 1,
                _ => {}
            }
            tally(&mut report, &id, result.map(|_| ()));
        }
        Ok(report)
    }

    async fn resume_async<T: AsyncTransport>(
        &self,
        client: &AsyncClient<T>,
        id: &IntentId,
        claim: &Claim,
    ) -> Result<(), JournalError> {
        let op = id.clone();
        let row: Option<Intent> = self.blocking(move |j| j.load(&op)).await?;
        let Some(saved) = row.and_then(|r| r.request().cloned()) else {
            let c = claim.clone();
            self.blocking(move |j| j.release(&c)).await?;
            return Err(JournalError::Unreconcilable {
                id: id.clone(),
                detail: "no request was saved with the intent".into(),
            });
        };
        let request = plan::rebuild(&saved)?;
        match self.call_async(client, id, claim, request.clone()).await? {
            Some(_) => Ok(()),
            None => self.run_async(client, id, request).await.map(|_| ()),
        }
    }
}
