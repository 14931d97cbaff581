//! The store's own runtime, on a thread of its own: it opens and drives every connection, and
//! runs the blocking face's calls. Work reaches it over a channel: a blocking call sends its
//! job and waits for the answer on a plain channel, so it never enters a runtime and works from
//! any thread, inside a caller's runtime (current-thread or multi-thread) or outside one.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::{mpsc, oneshot};

use crate::error::JournalError;

type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The way to the store's runtime. Dropping it closes the channel: the thread finishes the jobs
/// it has, stops its runtime (closing the connections it drives) and ends, on its own thread,
/// so that no runtime is ever dropped inside a caller's.
pub(super) struct Bridge {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Bridge {
    /// Starts the thread and its runtime (without waiting for them).
    pub(super) fn start() -> Result<Self, JournalError> {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job>();
        std::thread::Builder::new()
            .name("stripe-journal-pg".into())
            .spawn(move || {
                // A runtime that cannot be built drops the queue: every call then fails with
                // `stopped()`.
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                runtime.block_on(async move {
                    while let Some(job) = queue.recv().await {
                        tokio::spawn(job);
                    }
                });
            })
            .map_err(JournalError::store)?;
        Ok(Self { jobs })
    }

    /// A handle that runs work on the store's runtime from async code (and does not keep the
    /// runtime alive).
    pub(super) fn spawner(&self) -> Spawner {
        Spawner(self.jobs.downgrade())
    }

    /// Runs `job` on the store's runtime without waiting for it.
    pub(super) fn spawn(
        &self,
        job: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), JournalError> {
        self.jobs.send(Box::pin(job)).map_err(|_| stopped())
    }

    /// Runs `job` on the store's runtime and waits for its answer, blocking this thread.
    pub(super) fn call<T: Send + 'static>(
        &self,
        job: impl Future<Output = Result<T, JournalError>> + Send + 'static,
    ) -> Result<T, JournalError> {
        let (answer, answered) = std::sync::mpsc::sync_channel(1);
        self.jobs
            .send(Box::pin(async move {
                let _ = answer.send(job.await);
            }))
            .map_err(|_| stopped())?;
        // A job that panicked drops its sender: an error here, not a hang.
        answered.recv().map_err(|_| stopped())?
    }
}

/// Runs work on the store's runtime from async code of any runtime.
#[derive(Clone)]
pub(super) struct Spawner(mpsc::WeakUnboundedSender<Job>);

impl Spawner {
    /// Runs `job` on the store's runtime; its answer, awaited here.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        job: impl Future<Output = T> + Send + 'static,
    ) -> Result<T, JournalError> {
        let (answer, answered) = oneshot::channel();
        let jobs = self.0.upgrade().ok_or_else(stopped)?;
        jobs.send(Box::pin(async move {
            let _ = answer.send(job.await);
        }))
        .map_err(|_| stopped())?;
        drop(jobs);
        answered.await.map_err(|_| stopped())
    }
}

fn stopped() -> JournalError {
    JournalError::Store("the PostgreSQL store's runtime stopped (or could not start)".into())
}
