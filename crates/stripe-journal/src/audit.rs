//! `journal audit`: finds the operations that have more than one object on Stripe, and (opt-in)
//! refunds the extra payments.
//!
//! The journal makes a new key for an operation only once the old one can never execute, on one
//! assumption: no holder pauses longer than the send grace between its lease check and its
//! request reaching Stripe, and Stripe executes no request that much later than it was sent. If
//! that assumption fails, the old key may execute after the new one did, and the operation has
//! two objects. The audit finds that consequence: it lists each resource the journal tags
//! (charges, payment intents, customers, refunds) created since a given time (consistent List
//! reads, page by page), keeps the objects tagged with the journal's namespace, groups them by
//! operation id and reports every operation with more than one object, oldest first, with the
//! one the journal recorded when its intent is done. With [`Audit::with_refund_extras`], every
//! extra charge or payment intent that succeeded and is not refunded yet is refunded, with an
//! idempotency key made from the object's id (`audit-refund-<id>`), so two audits never refund
//! one object twice.
//!
//! The walk is a sans-IO machine (`walk.rs`); [`Audit::run`] drives it over a blocking client and
//! [`Audit::run_async`] over an async one.

mod report;
mod walk;

use std::fmt;
use std::time::SystemTime;

use stripe_client::{Client, Transport};

pub use report::{AuditObject, AuditRefund, AuditReport, Duplicate, RefundResult};

use crate::error::JournalError;
use crate::journal::Journal;
use walk::{Next, Walk};

/// An audit of what the journal's operations created on Stripe (see the module docs).
#[derive(Debug, Clone)]
pub struct Audit {
    journal: Journal,
    since: SystemTime,
    refund_extras: bool,
}

impl Audit {
    /// An audit of the objects created since `since` (Stripe's clock), tagged with `journal`'s
    /// namespace and metadata key. It reports only, unless [`Audit::with_refund_extras`].
    pub fn new(journal: &Journal, since: SystemTime) -> Self {
        Self {
            journal: journal.clone(),
            since,
            refund_extras: false,
        }
    }

    /// Whether to refund every extra charge and payment intent that succeeded and is not
    /// refunded (all but the one the journal recorded, or the oldest when it recorded none).
    #[must_use]
    pub fn with_refund_extras(mut self, refund: bool) -> Self {
        self.refund_extras = refund;
        self
    }

    /// The earliest creation time looked at.
    pub fn since(&self) -> SystemTime {
        self.since
    }

    /// Whether extras are refunded.
    pub fn refunds_extras(&self) -> bool {
        self.refund_extras
    }

    fn walk(&self, stripe_account: Option<&str>) -> Walk {
        Walk::new(
            self.journal.namespace(),
            self.journal.metadata_key(),
            stripe_account.unwrap_or_default(),
            self.since,
            self.refund_extras,
        )
    }

    /// Runs the audit over a blocking client (the account is the client's `Stripe-Account`, or
    /// the key's own).
    pub fn run<T: Transport>(&self, client: &Client<T>) -> Result<AuditReport, AuditError> {
        let mut walk = self.walk(client.config().stripe_account());
        loop {
            match walk.next() {
                Next::Call(request) => walk.answered(client.send(request)),
                Next::Load(id) => walk.loaded(self.journal.load(&id)),
                Next::Done(result) => return result,
            }
        }
    }

    /// [`Audit::run`] over an async client, with the store's async primitives.
    #[cfg(feature = "async")]
    pub async fn run_async<T: stripe_client::AsyncTransport>(
        &self,
        client: &stripe_client::AsyncClient<T>,
    ) -> Result<AuditReport, AuditError> {
        let mut walk = self.walk(client.config().stripe_account());
        loop {
            match walk.next() {
                Next::Call(request) => walk.answered(client.send(request).await),
                Next::Load(id) => {
                    let loaded = self.journal.async_store().load(&id).await;
                    walk.loaded(loaded.map(|l| l.row().cloned()));
                }
                Next::Done(result) => return result,
            }
        }
    }
}

/// Why an audit could not finish. Refunds already made stay made; the audit can be run again
/// (its refunds are idempotent).
#[derive(Debug)]
#[non_exhaustive]
pub enum AuditError {
    /// A list call to Stripe failed.
    Stripe {
        /// What was being read.
        what: String,
        /// The client's error.
        error: Box<stripe_core::Error>,
    },
    /// Stripe's answer to a list call was not a list.
    Unreadable {
        /// What was being read.
        what: String,
        /// What was wrong.
        detail: String,
    },
    /// The journal could not be read.
    Journal(JournalError),
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Stripe { what, .. } => write!(f, "audit: reading {what} failed"),
            Self::Unreadable { what, detail } => {
                write!(f, "audit: reading {what}: unreadable answer ({detail})")
            }
            Self::Journal(_) => f.write_str("audit: reading the journal failed"),
        }
    }
}

impl std::error::Error for AuditError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Stripe { error, .. } => Some(error.as_ref()),
            Self::Journal(e) => Some(e),
            Self::Unreadable { .. } => None,
        }
    }
}
