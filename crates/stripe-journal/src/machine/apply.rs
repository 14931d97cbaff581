//! Applying a decision to the stored row: load (with the store's clock), decide, write with
//! compare-and-set; again while another writer wins, a bounded number of times.

use std::time::{Duration, Instant, SystemTime};

use super::{Held, Operation, StoreOp, Stored};
use crate::decide::{self, BeginInput, Begun, CallResult, Claim, Resolution, Write};
use crate::error::JournalError;
use crate::intent::{Intent, State, StateKind, skew};
use crate::run::{Outcome, Run, Source};

/// How many times one decision reloads and decides again after losing a compare-and-set.
const MAX_TRIES: u32 = 32;

/// A decision to apply to the row.
#[derive(Debug)]
// One lives per store round trip, each of which costs far more than a move of it.
#[allow(clippy::large_enum_variant)]
pub(super) enum Decision {
    Begin,
    Renew {
        at_least: Duration,
    },
    Record {
        result: CallResult,
        outcome: Result<stripe_core::Response, stripe_core::Error>,
    },
    Settle,
    Resolve {
        version: u64,
        resolution: Resolution,
    },
    RetrySame {
        version: u64,
    },
}

/// What a decision answered, kept until its write is durable.
#[derive(Debug)]
pub(super) enum Decided {
    Begun(Begun),
    Renewed(Claim),
    Recorded(State),
    Settle(Box<Intent>, SystemTime),
    Resolved(Resolution),
    Again,
}

/// A decision being applied.
#[derive(Debug)]
pub(crate) struct Applying {
    decision: Decision,
    /// When the load was asked for, on the monotonic clock: a lease granted from the store's
    /// time of that load ends no earlier than this plus its length.
    asked: Instant,
    tries: u32,
    decided: Option<Decided>,
    /// The row being written, and the store's time it was decided at.
    writing: Option<(Intent, SystemTime)>,
}

/// The row this run last wrote, the store's time it was decided at, and when (monotonic) that
/// time was read: a record decides on it without a load of its own, and falls back to a load if
/// the row changed meanwhile (its compare-and-set fails).
#[derive(Debug, Clone)]
pub(super) struct Cached {
    row: Intent,
    store_now: SystemTime,
    at: Instant,
}

impl Operation {
    /// Loads the row to apply `decision` to it.
    pub(super) fn apply(&mut self, decision: Decision) {
        let applying = Applying {
            decision,
            asked: self.now,
            tries: 0,
            decided: None,
            writing: None,
        };
        // A record only writes the outcome and the row's change time: it may decide on the row
        // this run last wrote (the store's time estimated on the monotonic clock) and save a
        // load. Grants of a lease always load, for the store's own time.
        match (&applying.decision, self.cached.take()) {
            (Decision::Begin, None) if self.claim_first => {
                self.claim_first = false;
                self.claim(applying);
            }
            (Decision::Record { .. }, Some(cached)) => {
                let now = cached.store_now + self.now.saturating_duration_since(cached.at);
                match self.decide(&applying.decision, Some(cached.row), now) {
                    // The row as this run left it does not take the record: the store's does.
                    Err(_) => self.load(applying),
                    result => self.decided(applying, result, now),
                }
            }
            _ => self.load(applying),
        }
    }

    /// A new operation's first begin: the claim decided on the holder's clock as if no row
    /// existed, and inserted by the store on its own clock in one round trip. If a row exists
    /// (or the clocks are too far apart), it is loaded and decided on as always.
    fn claim(&mut self, mut applying: Applying) {
        match self.decide(&applying.decision, None, self.wall) {
            Ok((decided, Write::Insert(row))) => {
                applying.asked = self.now;
                applying.decided = Some(decided);
                applying.writing = Some((row.clone(), self.wall));
                self.wait = super::Wait::Store(applying);
                let max_skew = self.settings.policy.max_skew();
                self.next = Some(super::Step::Store(StoreOp::Claim { row, max_skew }));
            }
            _ => self.load(applying),
        }
    }

    fn load(&mut self, mut applying: Applying) {
        applying.asked = self.now;
        applying.decided = None;
        applying.writing = None;
        self.wait = super::Wait::Store(applying);
        self.next = Some(super::Step::Store(StoreOp::Load(self.id.clone())));
    }

    /// A store primitive's result.
    pub(super) fn stored(&mut self, mut applying: Applying, result: Result<Stored, JournalError>) {
        match result {
            Err(e) => self.fail(e),
            Ok(Stored::Loaded(loaded)) => {
                let (row, store_now) = loaded.into_parts();
                let rules = self.settings.rules;
                if rules.store_clock && skew(store_now, self.wall) > self.settings.policy.max_skew()
                {
                    return self.fail(JournalError::ClockSkew {
                        local: self.wall,
                        store: store_now,
                        max: self.settings.policy.max_skew(),
                    });
                }
                let now = if rules.store_clock {
                    store_now
                } else {
                    self.wall
                };
                let result = self.decide(&applying.decision, row, now);
                self.decided(applying, result, now);
            }
            Ok(Stored::Written(true)) => self.written(applying),
            Ok(Stored::Claimed(Some(store_now))) => {
                // The store wrote the row on its clock: so does this run's copy and its claim.
                if let Some((row, _)) = applying.writing.take() {
                    let from = row.updated_at();
                    applying.writing = Some((row.rebased(store_now), store_now));
                    applying.decided = applying.decided.take().map(|decided| match decided {
                        Decided::Begun(Begun::Proceed(claim)) => {
                            Decided::Begun(Begun::Proceed(claim.rebased(from, store_now)))
                        }
                        other => other,
                    });
                }
                self.written(applying);
            }
            Ok(Stored::Claimed(None)) => self.load(applying),
            Ok(Stored::Written(false)) => {
                applying.tries += 1;
                if applying.tries >= MAX_TRIES {
                    return self.fail(JournalError::Contention {
                        id: self.id.clone(),
                    });
                }
                self.load(applying);
            }
        }
    }

    /// A write took effect: this run's copy of the row is what it wrote; act on the decision.
    fn written(&mut self, mut applying: Applying) {
        if let Some((row, store_now)) = applying.writing.take() {
            self.cached = Some(Cached {
                row,
                store_now,
                at: applying.asked,
            });
        }
        match applying.decided.take() {
            Some(decided) => self.applied(applying, decided),
            None => self.fail(JournalError::Store("a write with no decision".into())),
        }
    }

    /// Acts on a decision made at the store's `now`: refused, done, or its write to make.
    fn decided(
        &mut self,
        mut applying: Applying,
        result: Result<(Decided, Write), JournalError>,
        now: SystemTime,
    ) {
        match result {
            Err(e) => self.refused(applying, e),
            Ok((decided, Write::Nothing)) => self.applied(applying, decided),
            // A final record: the run's outcome does not hang on it, so it is written behind
            // the answer (the store's `compare_and_set_behind`).
            Ok((Decided::Recorded(state), Write::Replace { row, expected }))
                if matches!(state.kind(), StateKind::Done | StateKind::Failed) =>
            {
                self.applied(applying, Decided::Recorded(state));
                self.next = match self.next.take() {
                    Some(super::Step::Done(result)) => Some(super::Step::Finish {
                        result,
                        row,
                        expected,
                    }),
                    other => other,
                };
            }
            Ok((decided, write)) => {
                applying.decided = Some(decided);
                self.next = Some(super::Step::Store(match write {
                    Write::Insert(row) => {
                        applying.writing = Some((row.clone(), now));
                        StoreOp::Insert(row)
                    }
                    Write::Replace { row, expected } => {
                        applying.writing = Some((row.clone(), now));
                        StoreOp::Replace { row, expected }
                    }
                    Write::Nothing => StoreOp::Load(self.id.clone()),
                }));
                self.wait = super::Wait::Store(applying);
            }
        }
    }

    /// The decision over the row at the store's `now`.
    fn decide(
        &mut self,
        decision: &Decision,
        row: Option<Intent>,
        now: SystemTime,
    ) -> Result<(Decided, Write), JournalError> {
        let policy = self.settings.policy;
        let row = row.as_ref();
        let held = || {
            self.held
                .as_ref()
                .map(|h| h.claim.clone())
                .ok_or_else(|| JournalError::LeaseLost {
                    id: self.id.clone(),
                })
        };
        match decision {
            Decision::Begin => {
                let random = self.random10();
                let input = BeginInput::new(
                    &self.id,
                    self.fingerprint,
                    &self.settings.owner,
                    now,
                    random,
                )
                .with_options(self.options)
                .with_request(self.saved.clone())
                .with_namespace(&self.settings.namespace)
                .with_lease_at_least(self.settings.lease_at_least());
                decide::begin(row, &input, &policy).map(|(b, w)| (Decided::Begun(b), w))
            }
            Decision::Renew { at_least } => decide::renew(row, &held()?, now, &policy, *at_least)
                .map(|(c, w)| (Decided::Renewed(c), w)),
            Decision::Record { result, .. } => decide::record(row, &held()?, result.clone(), now)
                .map(|(s, w)| (Decided::Recorded(s), w)),
            Decision::Settle => match row {
                Some(row) => Ok((Decided::Settle(Box::new(row.clone()), now), Write::Nothing)),
                None => Err(JournalError::NotFound {
                    id: self.id.clone(),
                }),
            },
            Decision::Resolve {
                version,
                resolution,
            } => {
                if row.map(Intent::version) != Some(*version) {
                    return Ok((Decided::Again, Write::Nothing));
                }
                // Without the fence rule (a control run), "absent" is taken at once.
                let fenced = self.settings.rules.fence;
                decide::resolve_with(row, &self.id, resolution.clone(), now, &policy, fenced)
                    .map(|w| (Decided::Resolved(resolution.clone()), w))
            }
            Decision::RetrySame { version } => {
                if row.map(Intent::version) != Some(*version) {
                    return Ok((Decided::Again, Write::Nothing));
                }
                let at_least = self.settings.lease_at_least();
                decide::retry_same_key(row, &self.id, &self.settings.owner, now, &policy, at_least)
                    .map(|(b, w)| (Decided::Begun(b), w))
            }
        }
    }

    /// A decision refused (the row is not what it needs).
    fn refused(&mut self, applying: Applying, error: JournalError) {
        match (applying.decision, error) {
            // The lease was lost: this holder sends nothing more.
            (Decision::Renew { .. }, e) => {
                self.parked = None;
                self.fail(e);
            }
            // Another holder moved the row on since the look: begin again.
            (
                Decision::RetrySame { .. } | Decision::Resolve { .. },
                JournalError::WrongState { .. },
            ) => {
                self.again();
            }
            (_, e) => self.fail(e),
        }
    }

    /// A decision is durable: act on what it answered.
    fn applied(&mut self, applying: Applying, decided: Decided) {
        match (applying.decision, decided) {
            (_, Decided::Again) => self.again(),
            (_, Decided::Begun(begun)) => self.begun(begun, applying.asked),
            (_, Decided::Renewed(claim)) => {
                let end = applying.asked + claim.lease_length();
                self.held = Some(Held { claim, end });
                match self.parked.take() {
                    Some((call, request, by)) => self.gate(call, request, Some(by), true),
                    None => self.fail(JournalError::Store("a renewal with no attempt".into())),
                }
            }
            (Decision::Record { outcome, .. }, Decided::Recorded(state)) => {
                self.held = None;
                self.recorded(state, outcome);
            }
            (_, Decided::Settle(row, now)) => self.settle(&row, now),
            (_, Decided::Resolved(Resolution::Applied(answer))) => {
                let state_answer = answer;
                self.finished(Outcome::new(state_answer, Source::Reconciled));
            }
            (_, Decided::Resolved(_)) => self.again(),
            (_, Decided::Recorded(_)) => {
                self.fail(JournalError::Store("a record with no call".into()));
            }
        }
    }

    fn begun(&mut self, begun: Begun, asked: Instant) {
        match begun {
            Begun::Proceed(claim) => {
                let end = asked + claim.lease_length();
                self.held = Some(Held { claim, end });
                self.post();
            }
            Begun::Done(answer) | Begun::Failed(_, Some(answer)) => {
                self.finished(Outcome::new(answer, Source::Journal));
            }
            Begun::Failed(advice, None) => self.fail(JournalError::WrongState {
                id: self.id.clone(),
                state: crate::intent::StateKind::Failed,
                expected: match advice {
                    crate::intent::FailureAdvice::NotApplied => "claimable (not applied)",
                    _ => "an answer with the failure",
                },
            }),
            Begun::Busy { owner, until } => self.done(Ok(Run::Busy { owner, until })),
            Begun::Conflict { stored, given } => self.done(Ok(Run::Conflict { stored, given })),
            Begun::ToReconcile(..) => self.apply(Decision::Settle),
        }
    }

    fn recorded(
        &mut self,
        state: State,
        outcome: Result<stripe_core::Response, stripe_core::Error>,
    ) {
        match state {
            State::Done(answer) | State::Failed(_, Some(answer)) => {
                self.finished(Outcome::new(answer, Source::Stripe));
            }
            State::ToReconcile(..) => self.apply(Decision::Settle),
            _ => match outcome {
                Ok(response) => {
                    self.finished(Outcome::new(
                        crate::run::plan::answer(&response),
                        Source::Stripe,
                    ));
                }
                Err(error) => self.fail(JournalError::Stripe {
                    id: self.id.clone(),
                    error: Box::new(error),
                }),
            },
        }
    }
}
