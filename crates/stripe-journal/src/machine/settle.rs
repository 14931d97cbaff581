//! Settling an unknown outcome: plan a consistent look at Stripe from the row, read its pages,
//! and decide: found (done, or the decline), absent while the key may execute (the same key
//! again), absent once it never can (not applied: a new key), or not yet (unsettled).

use std::time::SystemTime;

use super::apply::Decision;
use super::lookup::{Looked, Lookup};
use super::{Operation, Purpose};
use crate::error::JournalError;
use crate::intent::{Intent, ReconcileReason};
use crate::run::Run;

/// A lookup in progress and what the row said when it began.
#[derive(Debug, Clone)]
pub(super) struct Look {
    lookup: Lookup,
    version: u64,
    reason: ReconcileReason,
    /// The key can never execute again (spent, or past its fence when the row was read).
    dead: bool,
    /// The key may still be sent (young and not spent).
    resumable: bool,
    fence: Option<SystemTime>,
    store_now: SystemTime,
}

impl Operation {
    /// The row, at the store's `now`, is to reconcile: plan the look.
    pub(super) fn settle(&mut self, row: &Intent, store_now: SystemTime) {
        let crate::intent::State::ToReconcile(reason, _) = row.state() else {
            return self.again();
        };
        let Some(saved) = row.request() else {
            return self.fail(JournalError::Unreconcilable {
                id: self.id.clone(),
                detail: "no request was saved with the intent".into(),
            });
        };
        let policy = &self.settings.policy;
        let lookup = if self.settings.rules.consistent {
            Lookup::plan(
                saved,
                &self.id,
                row.namespace(),
                &self.settings.metadata_key,
                (row.created_at(), store_now),
            )
        } else {
            Lookup::search(saved, &self.id, &self.settings.metadata_key)
        };
        let lookup = match lookup {
            Ok(lookup) => lookup,
            Err(e) => return self.fail(e),
        };
        let dead = if self.settings.rules.fence {
            crate::decide::key_dead(row, store_now, policy)
        } else {
            // Today's rules before this journal: a look that finds nothing means a new key.
            let lagged = row.updated_at() + self.settings.search_lag;
            if lookup.lags() && store_now < lagged {
                return self.done(Ok(Run::Unsettled {
                    reason: *reason,
                    retry_at: lagged,
                }));
            }
            true
        };
        let look = Look {
            version: row.version(),
            reason: *reason,
            dead,
            resumable: !row.is_key_spent() && policy.key_resumable(row.key_created_at(), store_now),
            fence: policy.fence(row.send_limit()),
            store_now,
            lookup,
        };
        match look.lookup.request(&self.id) {
            Ok(request) => self.start(request, Purpose::Look(Box::new(look))),
            Err(e) => self.fail(e),
        }
    }

    /// One lookup answer.
    pub(super) fn looked(&mut self, mut look: Box<Look>, response: &stripe_core::Response) {
        use crate::decide::Resolution;
        match look.lookup.interpret(&self.id, response) {
            Err(e) => self.fail(e),
            Ok(Looked::More) => match look.lookup.request(&self.id) {
                Ok(request) => self.start(request, Purpose::Look(look)),
                Err(e) => self.fail(e),
            },
            Ok(Looked::Settled(Resolution::NotApplied)) if !look.dead => {
                if look.resumable {
                    // Not found while the key may still execute: the same key again (rule 3).
                    self.apply(Decision::RetrySame {
                        version: look.version,
                    });
                } else {
                    let retry_at = look.fence.unwrap_or(look.store_now);
                    self.done(Ok(Run::Unsettled {
                        reason: look.reason,
                        retry_at,
                    }));
                }
            }
            Ok(Looked::Settled(resolution)) => self.apply(Decision::Resolve {
                version: look.version,
                resolution,
            }),
        }
    }
}
