//! The blocking loop over `stripe_client::Client`.

use std::time::SystemTime;

use stripe_client::{Attempt, Client, Transport};
use stripe_core::Request;

use super::{RecoveryReport, Run, Sweep};
use crate::decide::BeginOptions;
use crate::error::JournalError;
use crate::intent::IntentId;
use crate::journal::Journal;
use crate::machine::{Input, Operation, Step};

impl Journal {
    /// Runs operation `id` (a POST) through the journal: Stripe executes it at most once, and the
    /// outcome recorded is Stripe's, whatever crashes, pauses, restarts and re-deliveries happen
    /// around it (see the crate docs for the rules and the one assumption they rest on).
    ///
    /// - New (or abandoned by a dead holder): the claim is written (durably) before any byte
    ///   leaves; the request goes with the journal's key, `metadata[op]` and `metadata[op_ns]`
    ///   when it creates an object, the scope as `Stripe-Account`; before each attempt the lease
    ///   is checked (and renewed if the attempt could outlast it); the outcome is recorded.
    /// - Done or failed with an answer: that answer ([`crate::Outcome::is_replayed`]), Stripe not
    ///   called.
    /// - In flight elsewhere: [`Run::Busy`]; begun for another request: [`Run::Conflict`].
    /// - Outcome unknown (a 5xx, an expired key): settled by a consistent look at Stripe (List,
    ///   or a retrieve): found, it is done with that object (a failed charge is its decline);
    ///   absent, the same key is sent again while it may still execute, and a new key only once
    ///   it never can. [`Run::Unsettled`] when neither can happen yet.
    ///
    /// The scope is the id's, or the `Stripe-Account` of the request or of the client's config.
    /// A call that ends without a known outcome (no response) is [`JournalError::Stripe`]: the
    /// intent keeps its key, and running the same operation again resumes it.
    pub fn run<T: Transport>(
        &self,
        client: &Client<T>,
        id: &IntentId,
        request: Request,
    ) -> Result<Run, JournalError> {
        self.run_with(client, id, request, BeginOptions::default())
    }

    /// [`Journal::run`] with the caller's options (for example a new attempt of an operation
    /// that failed with a final answer: [`BeginOptions::with_retry_failed`]).
    pub fn run_with<T: Transport>(
        &self,
        client: &Client<T>,
        id: &IntentId,
        request: Request,
        options: BeginOptions,
    ) -> Result<Run, JournalError> {
        let id = Self::scoped(id, &request, client.config())?;
        let op = self.operation(
            id,
            request,
            client.config(),
            options,
            client.transport().now(),
        )?;
        self.drive(client, op)
    }

    /// [`Journal::run`], waiting out a live holder's lease (at most `tries` runs in all): for a
    /// caller that needs the outcome now rather than leave the operation to its holder.
    pub fn run_waiting<T: Transport>(
        &self,
        client: &Client<T>,
        id: &IntentId,
        request: Request,
        tries: u32,
    ) -> Result<Run, JournalError> {
        let mut run = self.run(client, id, request.clone())?;
        for _ in 1..tries.max(1) {
            let Run::Busy { until, .. } = &run else {
                break;
            };
            let wait = until.duration_since(SystemTime::now()).unwrap_or_default();
            client
                .transport()
                .sleep_until(client.transport().now() + wait);
            run = self.run(client, id, request.clone())?;
        }
        Ok(run)
    }

    /// Drives one run's machine to its end.
    fn drive<T: Transport>(
        &self,
        client: &Client<T>,
        mut op: Operation,
    ) -> Result<Run, JournalError> {
        let transport = client.transport();
        loop {
            let input = match op.poll() {
                Step::Store(primitive) => Input::Stored(primitive.perform(self.store())),
                Step::Call(request) => {
                    Input::Started(client.prepare(request).map(|p| p.into_call()))
                }
                Step::Send { request, by } => {
                    let attempt = Attempt::new(request, Some(by), client.config().max_body_bytes());
                    Input::Answer(transport.send(attempt).map_err(|e| e.kind()))
                }
                Step::Sleep(until) => {
                    transport.sleep_until(until);
                    Input::Woke
                }
                Step::Done(result) => return result,
                // The outcome stands whether or not the record lands (`compare_and_set_behind`).
                Step::Finish {
                    result,
                    row,
                    expected,
                } => {
                    let _ = self.store().compare_and_set_behind(&row, expected);
                    return result;
                }
            };
            op.handle(transport.now(), SystemTime::now(), input);
        }
    }

    /// Finishes abandoned intents, at most `limit` of them in this pass: each in-flight intent
    /// whose holder's lease ended is run again from its saved request (the same key while it may
    /// execute), each to reconcile is settled by a consistent look at Stripe, each found not
    /// applied is sent with a new key. One bounded run per intent; what is left unfinished is
    /// counted, and a later pass resumes after the rows this one saw, so rows that cannot be
    /// settled yet never hide the others. A corrupt row is reported and skipped.
    pub fn recover<T: Transport>(
        &self,
        client: &Client<T>,
        limit: usize,
    ) -> Result<RecoveryReport, JournalError> {
        let mut report = RecoveryReport::default();
        let mut sweep = Sweep::new(limit);
        while let Some(batch) = sweep.batch() {
            let page = self
                .store()
                .sweep(self.store().clock()?, sweep.after(), batch)?;
            let Some(rows) = sweep.take(page, &mut report) else {
                break;
            };
            for row in rows {
                let result = self
                    .recovery(&row, client.config(), client.transport().now())
                    .and_then(|op| self.drive(client, op));
                report.count(row.id(), result);
            }
        }
        Ok(report)
    }
}
