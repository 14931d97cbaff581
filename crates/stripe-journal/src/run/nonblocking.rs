//! The async loop over `stripe_client::AsyncClient`: the same machine, the store's async
//! primitives. No task is spawned: dropping the future stops everything, and the lease runs out.

use std::time::SystemTime;

use stripe_client::{AsyncClient, AsyncTransport, Attempt};
use stripe_core::Request;

use super::{RecoveryReport, Run, Sweep};
use crate::decide::BeginOptions;
use crate::error::JournalError;
use crate::intent::IntentId;
use crate::journal::Journal;
use crate::machine::{Input, Operation, Step};

impl Journal {
    /// [`Journal::run`] over an async client, with the store's async primitives (PostgreSQL's
    /// natively, SQLite's on tokio's blocking pool). Cancel-safe: dropping the future sends
    /// nothing more, and the lease runs out by itself.
    pub async fn run_async<T: AsyncTransport>(
        &self,
        client: &AsyncClient<T>,
        id: &IntentId,
        request: Request,
    ) -> Result<Run, JournalError> {
        let id = Self::scoped(id, &request, client.config())?;
        let op = self.operation(
            id,
            request,
            client.config(),
            BeginOptions::default(),
            client.transport().now(),
        )?;
        self.drive_async(client, op).await
    }

    /// [`Journal::run_async`], waiting out a live holder's lease (at most `tries` runs in all),
    /// as [`Journal::run_waiting`] does.
    pub async fn run_waiting_async<T: AsyncTransport>(
        &self,
        client: &AsyncClient<T>,
        id: &IntentId,
        request: Request,
        tries: u32,
    ) -> Result<Run, JournalError> {
        let mut run = self.run_async(client, id, request.clone()).await?;
        for _ in 1..tries.max(1) {
            let Run::Busy { until, .. } = &run else {
                break;
            };
            let wait = until.duration_since(SystemTime::now()).unwrap_or_default();
            client
                .transport()
                .sleep_until(client.transport().now() + wait)
                .await;
            run = self.run_async(client, id, request.clone()).await?;
        }
        Ok(run)
    }

    async fn drive_async<T: AsyncTransport>(
        &self,
        client: &AsyncClient<T>,
        mut op: Operation,
    ) -> Result<Run, JournalError> {
        let transport = client.transport();
        loop {
            let input = match op.poll() {
                Step::Store(primitive) => {
                    Input::Stored(primitive.perform_async(self.async_store()).await)
                }
                Step::Call(request) => {
                    Input::Started(client.prepare(request).map(|p| p.into_call()))
                }
                Step::Send { request, by } => {
                    let attempt = Attempt::new(request, Some(by), client.config().max_body_bytes());
                    Input::Answer(transport.send(attempt).await.map_err(|e| e.kind()))
                }
                Step::Sleep(until) => {
                    transport.sleep_until(until).await;
                    Input::Woke
                }
                Step::Done(result) => return result,
                // The outcome stands whether or not the record lands (`compare_and_set_behind`).
                Step::Finish {
                    result,
                    row,
                    expected,
                } => {
                    let _ = self
                        .async_store()
                        .compare_and_set_behind(&row, expected)
                        .await;
                    return result;
                }
            };
            op.handle(transport.now(), SystemTime::now(), input);
        }
    }

    /// [`Journal::recover`] over an async client.
    pub async fn recover_async<T: AsyncTransport>(
        &self,
        client: &AsyncClient<T>,
        limit: usize,
    ) -> Result<RecoveryReport, JournalError> {
        let mut report = RecoveryReport::default();
        let mut sweep = Sweep::new(limit);
        let store = self.async_store();
        while let Some(batch) = sweep.batch() {
            let now = store.clock().await?;
            let page = store.sweep(now, sweep.after(), batch).await?;
            let Some(rows) = sweep.take(page, &mut report) else {
                break;
            };
            for row in rows {
                let result = match self.recovery(&row, client.config(), client.transport().now()) {
                    Ok(op) => self.drive_async(client, op).await,
                    Err(e) => Err(e),
                };
                report.count(row.id(), result);
            }
        }
        Ok(report)
    }
}
