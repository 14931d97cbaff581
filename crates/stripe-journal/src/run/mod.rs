//! Running a named operation through the journal over a `stripe_client` client: the loops that
//! drive the protocol's machine ([`crate::machine::Operation`]) with real I/O, blocking
//! (`blocking.rs`) and async (`nonblocking.rs`), and what they return.
//!
//! Neither loop starts a thread or a task: the lease is checked and renewed by the machine right
//! before each attempt, so a dropped future or a panicking transport leaves nothing running, and
//! the lease simply runs out.

mod blocking;
#[cfg(feature = "async")]
mod nonblocking;
mod outcome;
pub(crate) mod plan;

use std::time::{Instant, SystemTime};

use stripe_core::{Config, Request};

pub use outcome::{Outcome, RecoveryReport, Run, Source};

use crate::decide::BeginOptions;
use crate::error::JournalError;
use crate::intent::{Intent, IntentId};
use crate::journal::Journal;
use crate::machine::Operation;
use crate::store::{Cursor, Page};

/// How many rows a recovery pass reads at a time.
const BATCH: usize = 64;

impl Journal {
    /// The operation's id with its scope: the `Stripe-Account` the request names, or else the
    /// client's configuration's, is the scope of an id that has none, and the `Stripe-Context`
    /// (the request's, or else the configuration's) joins it (`acct_1#ctx`: two contexts never
    /// share an intent); an id whose scope names another account or context is refused
    /// (nothing sent).
    pub(crate) fn scoped(
        id: &IntentId,
        request: &Request,
        config: &Config,
    ) -> Result<IntentId, JournalError> {
        let (given_account, given_context) = plan::split_scope(id.scope());
        let account = request.stripe_account().or(config.stripe_account());
        let context = request.stripe_context().or(config.stripe_context());
        if let Some(account) = account.filter(|a| !given_account.is_empty() && given_account != *a)
        {
            return Err(JournalError::InvalidRequest(format!(
                "operation {id} is scoped to another account than the request's Stripe-Account {account:?}"
            )));
        }
        if let (Some(given), Some(context)) = (given_context, context)
            && given != context
        {
            return Err(JournalError::InvalidRequest(format!(
                "operation {id} is scoped to another context than the request's Stripe-Context {context:?}"
            )));
        }
        let scope = plan::join_scope(account.unwrap_or(given_account), context.or(given_context));
        IntentId::new(scope, id.op_id())
    }

    /// The machine for one run of `request` as `id`.
    pub(crate) fn operation(
        &self,
        id: IntentId,
        request: Request,
        config: &Config,
        options: BeginOptions,
        now: Instant,
    ) -> Result<Operation, JournalError> {
        let mut seed = [0u8; 32];
        stripe_client::fill_from_os(&mut seed);
        Operation::new(
            id,
            request,
            self.settings(config),
            options,
            seed,
            (now, SystemTime::now()),
        )
    }

    /// The machine of one run of `request` as operation `id` under `config` (whose
    /// `Stripe-Account`, as the request's, scopes the id), for a driver of its own: feed it
    /// inputs at the given times until it is [`crate::machine::Step::Done`] (or
    /// [`crate::machine::Step::Finish`], whose record it hands to the store). `seed` draws the random bytes
    /// of any new key, so one seed and one script of inputs give one trace. [`Journal::run`] and
    /// [`Journal::run_async`] are such drivers; `stripe-sim` drives many at once in virtual time.
    pub fn operation_at(
        &self,
        id: &IntentId,
        request: Request,
        config: &Config,
        (now, wall): (Instant, SystemTime),
        seed: [u8; 32],
    ) -> Result<Operation, JournalError> {
        let id = Self::scoped(id, &request, config)?;
        Operation::new(
            id,
            request,
            self.settings(config),
            BeginOptions::default(),
            seed,
            (now, wall),
        )
    }

    /// The request an intent stands for (its saved POST), as recovery runs it again.
    pub fn saved_request(row: &Intent) -> Result<Request, JournalError> {
        let saved = row.request().ok_or_else(|| JournalError::Unreconcilable {
            id: row.id().clone(),
            detail: "no request was saved with the intent".into(),
        })?;
        plan::rebuild(saved)
    }

    /// The machine of a recovery pass's run of a swept row: its saved request, as its id.
    pub(crate) fn recovery(
        &self,
        row: &Intent,
        config: &Config,
        now: Instant,
    ) -> Result<Operation, JournalError> {
        let request = Self::saved_request(row)?;
        self.operation(
            row.id().clone(),
            request,
            config,
            BeginOptions::default().over_a_row(),
            now,
        )
    }
}

/// A recovery pass's walk over the sweep: where it is, how many rows it may still take, and the
/// intents it already ran (a row this pass recorded moves past the cursor: it is not run twice).
pub(crate) struct Sweep {
    after: Cursor,
    left: usize,
    seen: std::collections::HashSet<IntentId>,
}

impl Sweep {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            after: Cursor::start(),
            left: limit,
            seen: std::collections::HashSet::new(),
        }
    }

    /// Whether the pass may read another page, and how many rows at most.
    pub(crate) fn batch(&self) -> Option<usize> {
        (self.left > 0).then(|| BATCH.min(self.left))
    }

    pub(crate) fn after(&self) -> &Cursor {
        &self.after
    }

    /// The rows of `page` to run: each intent once per pass; a row that cannot be read goes to
    /// the report's errors. `None` when the sweep is over.
    pub(crate) fn take(&mut self, page: Page, report: &mut RecoveryReport) -> Option<Vec<Intent>> {
        self.after = page.next?;
        let mut rows = Vec::new();
        for row in page.rows {
            match row {
                Ok(row) if self.left > 0 && self.seen.insert(row.id().clone()) => {
                    self.left -= 1;
                    rows.push(row);
                }
                Ok(_) => {}
                Err(e) => report
                    .errors
                    .push(("(unreadable row)".into(), e.to_string())),
            }
        }
        Some(rows)
    }
}
