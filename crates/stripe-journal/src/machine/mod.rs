//! The journal's protocol as a sans-IO machine: one [`Operation`] is one run of one named
//! operation (begin, send with the journal's key, record; settle an unknown outcome by a
//! consistent look at Stripe). It performs no I/O and reads no clock: it says what to do next
//! ([`Step`]: a store primitive, a Stripe call to start, an attempt to send before an instant, a
//! sleep, the end) and is told what happened ([`Input`], with the monotonic and the wall time).
//! The blocking and async loops of [`crate::Journal`] drive it, as does `stripe-sim`'s
//! simulation of many holders over one store.
//!
//! The rules it keeps (the crate docs number them):
//! - every decision is made on the store's clock, read with each row; a holder whose wall clock
//!   is further than [`Policy::max_skew`] from it refuses to work;
//! - right before each attempt the holder checks, on its monotonic clock, that its lease outlasts
//!   the attempt's bound by [`Policy::attempt_margin`]; if not, it renews first (on the store's
//!   clock), and it never sends without that much lease left;
//! - an unknown outcome is settled by consistent reads (List, retrieve); "absent" leads to a new
//!   key only once the old one can never execute again (a replayed answer, or past its send
//!   limit plus [`Policy::send_grace`]); before that, the same key is sent again.

mod apply;
mod gate;
pub(crate) mod lookup;
mod settle;
mod step;

pub use step::{Input, Step, StoreOp, Stored};

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use stripe_core::{Action, Call, Request};

use crate::decide::{BeginOptions, Claim, Policy};
use crate::error::JournalError;
use crate::fingerprint::Fingerprint;
use crate::intent::{IntentId, SavedRequest};
use crate::run::{Outcome, Run};
use apply::Decision;
use settle::Look;

/// How many times one run goes round begin / settle before giving up (each round follows a
/// change another holder or a reconciliation made).
const MAX_ROUNDS: u32 = 8;

/// The bound the journal gives an attempt whose policy bounds nothing: a lease must cover it.
const UNBOUNDED_ATTEMPT: Duration = Duration::from_secs(80);

/// The shortest attempt worth sending (or half the one asked for, if shorter) when the lease
/// cannot be stretched to the policy's bound.
const MIN_ATTEMPT: Duration = Duration::from_secs(1);

/// The rules a run keeps. Every rule is on in a journal; a control run of the simulation turns
/// some off to show that the simulation finds what each one prevents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rules {
    /// Check (and renew) the lease before each attempt.
    pub(crate) gate: bool,
    /// "Absent" means a new key only once the old one can never execute again.
    pub(crate) fence: bool,
    /// Look with consistent reads (List), not Search.
    pub(crate) consistent: bool,
    /// Decide on the store's clock, not the holder's.
    pub(crate) store_clock: bool,
}

impl Rules {
    pub(crate) const ALL: Self = Self {
        gate: true,
        fence: true,
        consistent: true,
        store_clock: true,
    };
}

/// What the journal's settings give a run.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) owner: String,
    pub(crate) namespace: String,
    pub(crate) metadata_key: String,
    pub(crate) policy: Policy,
    pub(crate) search_lag: Duration,
    pub(crate) rules: Rules,
    /// How long the first attempt may take (the client's attempt timeout): a lease granted for
    /// an attempt covers it, so that it is sent without a renewal.
    pub(crate) attempt: Duration,
}

impl Settings {
    /// The lease a claim asks for: the first attempt's bound and the margin after it.
    pub(crate) fn lease_at_least(&self) -> Duration {
        self.attempt + self.policy.attempt_margin() * 2
    }
}

/// The lease this run holds: the claim, and its end on the holder's monotonic clock (measured
/// from before the store was asked, so never later than the store's own end).
#[derive(Debug, Clone)]
struct Held {
    claim: Claim,
    end: Instant,
}

/// What the call being driven is for.
#[derive(Debug)]
enum Purpose {
    /// The operation's POST.
    Post,
    /// A look at Stripe for an intent to reconcile.
    Look(Box<Look>),
}

/// What the machine waits for.
#[derive(Debug)]
// Moved once per step, each of which is a store round trip or an HTTP attempt.
#[allow(clippy::large_enum_variant)]
enum Wait {
    Nothing,
    Store(apply::Applying),
    Started(Purpose),
    Answer(Call, Purpose),
    Woke(Call, Purpose),
}

/// One run of one named operation through the journal (see the module docs).
#[derive(Debug)]
pub struct Operation {
    id: IntentId,
    fingerprint: Fingerprint,
    saved: SavedRequest,
    request: Request,
    settings: Settings,
    options: BeginOptions,
    rng: ChaCha8Rng,
    rounds: u32,
    /// Whether the first begin claims a new row in one store round trip (a run of a new
    /// operation) rather than loading first (a recovery, or a control run on the holder's clock).
    claim_first: bool,
    held: Option<Held>,
    /// The row this run last wrote (see `apply::Cached`).
    cached: Option<apply::Cached>,
    /// An attempt waiting for a renewal before it may be sent.
    parked: Option<(Call, http::Request<Bytes>, Instant)>,
    next: Option<Step>,
    wait: Wait,
    now: Instant,
    wall: SystemTime,
}

impl Operation {
    /// A run of `request` (a POST) as operation `id`, starting at `now` / `wall`; `seed` draws
    /// the random bytes of any new key.
    pub(crate) fn new(
        id: IntentId,
        request: Request,
        settings: Settings,
        options: BeginOptions,
        seed: [u8; 32],
        (now, wall): (Instant, SystemTime),
    ) -> Result<Self, JournalError> {
        let (saved, fingerprint) = crate::run::plan::save_and_fingerprint(&request)?;
        let claim_first = settings.rules.store_clock && !options.known_row();
        let mut op = Self {
            id,
            fingerprint,
            saved,
            request,
            settings,
            options,
            rng: ChaCha8Rng::from_seed(seed),
            rounds: 0,
            claim_first,
            held: None,
            cached: None,
            parked: None,
            next: None,
            wait: Wait::Nothing,
            now,
            wall,
        };
        op.apply(Decision::Begin);
        Ok(op)
    }

    /// The operation.
    pub fn id(&self) -> &IntentId {
        &self.id
    }

    /// The next step. After [`Step::Done`], every poll is `Done` with an error.
    pub fn poll(&mut self) -> Step {
        self.next.take().unwrap_or_else(|| {
            Step::Done(Err(JournalError::Store(
                "the journal's machine was polled without an input to answer".into(),
            )))
        })
    }

    /// What happened, at `now` (monotonic) and `wall` (the holder's wall clock).
    pub fn handle(&mut self, now: Instant, wall: SystemTime, input: Input) {
        self.now = now;
        self.wall = wall;
        match (std::mem::replace(&mut self.wait, Wait::Nothing), input) {
            (Wait::Store(applying), Input::Stored(result)) => self.stored(applying, result),
            (Wait::Started(purpose), Input::Started(Ok((call, action)))) => {
                self.act(call, purpose, action);
            }
            (Wait::Started(Purpose::Post), Input::Started(Err(error))) => {
                // Refused before anything was sent: give the lease back at once.
                self.finish_call(Err(error));
            }
            (Wait::Started(Purpose::Look(_)), Input::Started(Err(error)))
            | (Wait::Answer(..) | Wait::Woke(..), Input::Started(Err(error))) => {
                self.fail(JournalError::Stripe {
                    id: self.id.clone(),
                    error: Box::new(error),
                });
            }
            (Wait::Answer(mut call, purpose), Input::Answer(answer)) => {
                let action = call.handle(now, stripe_core::Input::from(answer));
                self.act(call, purpose, action);
            }
            (Wait::Woke(mut call, purpose), Input::Woke) => {
                let action = call.handle(now, stripe_core::Input::Woke);
                self.act(call, purpose, action);
            }
            (_, _) => self.fail(JournalError::Store(
                "the journal's machine was given an input it did not ask for".into(),
            )),
        }
    }

    fn done(&mut self, result: Result<Run, JournalError>) {
        self.wait = Wait::Nothing;
        self.next = Some(Step::Done(result));
    }

    fn fail(&mut self, error: JournalError) {
        self.done(Err(error));
    }

    fn finished(&mut self, outcome: Outcome) {
        self.done(Ok(Run::Done(outcome)));
    }

    /// Starts a Stripe call.
    fn start(&mut self, request: Request, purpose: Purpose) {
        self.wait = Wait::Started(purpose);
        self.next = Some(Step::Call(request));
    }

    /// Begins the operation again (a new round), after the row moved on.
    fn again(&mut self) {
        self.rounds += 1;
        self.held = None;
        self.cached = None;
        if self.rounds >= MAX_ROUNDS {
            self.fail(JournalError::Contention {
                id: self.id.clone(),
            });
        } else {
            self.apply(Decision::Begin);
        }
    }

    /// The core's next action for the call being driven.
    fn act(&mut self, call: Call, purpose: Purpose, action: Action) {
        match action {
            Action::Send { request, by } => match purpose {
                Purpose::Post => self.gate(call, request, by, false),
                look => self.send(
                    call,
                    look,
                    request,
                    by.unwrap_or(self.now + UNBOUNDED_ATTEMPT),
                ),
            },
            Action::Sleep { until, .. } => {
                self.wait = Wait::Woke(call, purpose);
                self.next = Some(Step::Sleep(until));
            }
            Action::Done(response) => self.called(purpose, Ok(response)),
            Action::Fail(error) => self.called(purpose, Err(error)),
            _ => self.fail(JournalError::Store(
                "the core asked for an action the journal does not know".into(),
            )),
        }
    }

    fn send(&mut self, call: Call, purpose: Purpose, request: http::Request<Bytes>, by: Instant) {
        self.wait = Wait::Answer(call, purpose);
        self.next = Some(Step::Send { request, by });
    }

    /// A call ended.
    fn called(
        &mut self,
        purpose: Purpose,
        result: Result<stripe_core::Response, stripe_core::Error>,
    ) {
        match purpose {
            Purpose::Post => self.finish_call(result),
            Purpose::Look(look) => match result {
                Ok(response) => self.looked(look, &response),
                Err(error) => self.fail(JournalError::Stripe {
                    id: self.id.clone(),
                    error: Box::new(error),
                }),
            },
        }
    }

    /// Records how the POST ended.
    fn finish_call(&mut self, result: Result<stripe_core::Response, stripe_core::Error>) {
        let recorded = crate::run::plan::call_result(&result);
        self.apply(Decision::Record {
            result: recorded,
            outcome: result,
        });
    }

    /// The outgoing POST for the held claim.
    fn post(&mut self) {
        let Some(held) = &self.held else {
            return self.fail(JournalError::LeaseLost {
                id: self.id.clone(),
            });
        };
        let outgoing = crate::run::plan::outgoing(
            self.request.clone(),
            &self.id,
            held.claim.key(),
            &self.settings.metadata_key,
            &self.settings.namespace,
        );
        match outgoing {
            Ok(request) => self.start(request, Purpose::Post),
            Err(e) => {
                // Nothing can be sent: record nothing, the lease runs out (no send happened).
                self.fail(e);
            }
        }
    }

    fn random10(&mut self) -> [u8; 10] {
        let mut bytes = [0u8; 10];
        self.rng.fill_bytes(&mut bytes);
        bytes
    }
}
