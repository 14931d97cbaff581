//! Properties of the pure decisions: any interleaving of begin, mark-sent, renew, record,
//! release, resolve, crash, recovery and time passing, by several holders, keeps
//! - at most one holder that believes its lease is live, at every instant;
//! - never a second key for one operation while an earlier key can still succeed (it was sent
//!   and its outcome is not a known failure), and never a resumed key older than the policy
//!   allows;
//! - a done operation done forever, with one key and one answer;
//! - a conflicting request refused without a write;
//! - "not applied" accepted only once the key can never execute again (a replayed answer, or
//!   past the end of its last lease plus the send grace), and no lease granted on a key too old.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use stripe_journal::decide::{self, BeginInput, Begun, CallResult, Claim, Resolution, Write};
use stripe_journal::{
    Answer, BeginOptions, Fingerprint, Intent, IntentId, JournalError, Policy, State,
};

const OWNERS: usize = 3;

#[derive(Debug, Clone)]
enum Step {
    Wait(u64),
    Begin {
        owner: usize,
        retry: bool,
        other_request: bool,
    },
    MarkSent(usize),
    Renew(usize),
    Record(usize, u8),
    Release(usize),
    Resolve(bool),
    Crash(usize),
    Recover(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let owner = 0..OWNERS;
    prop_oneof![
        3 => (0u64..40).prop_map(Step::Wait),
        1 => (0u64..100_000).prop_map(Step::Wait),
        4 => (owner.clone(), any::<bool>(), prop::bool::weighted(0.1)).prop_map(
            |(owner, retry, other_request)| Step::Begin { owner, retry, other_request }
        ),
        3 => owner.clone().prop_map(Step::MarkSent),
        2 => owner.clone().prop_map(Step::Renew),
        3 => (owner.clone(), 0u8..8).prop_map(|(o, r)| Step::Record(o, r)),
        1 => owner.clone().prop_map(Step::Release),
        1 => any::<bool>().prop_map(Step::Resolve),
        1 => owner.clone().prop_map(Step::Crash),
        1 => owner.prop_map(Step::Recover),
    ]
}

fn result(code: u8) -> CallResult {
    match code {
        0 => CallResult::Answered(Answer::new(200, r#"{"id":"pi_1"}"#)),
        1 => CallResult::Answered(Answer::new(402, "{}")),
        2 => CallResult::Answered(Answer::new(400, "{}")),
        3 => CallResult::Answered(Answer::new(429, "{}")),
        4 => CallResult::Answered(Answer::new(500, "{}")),
        5 => CallResult::NoResponse,
        6 => CallResult::Replayed(Answer::new(500, "{}")),
        _ => CallResult::Unknown,
    }
}

/// What the model knows of each key ever issued for the operation.
#[derive(Debug)]
struct Key {
    key: String,
    sent: bool,
    /// Known never to succeed from now on: a final failure answer, or reconciled not applied.
    settled: bool,
}

struct World {
    row: Option<Intent>,
    now: SystemTime,
    claims: [Option<Claim>; OWNERS],
    keys: Vec<Key>,
    done_answer: Option<Answer>,
    policy: Policy,
    random: u64,
    id: IntentId,
}

impl World {
    fn apply(&mut self, write: Write) {
        match write {
            Write::Nothing => {}
            Write::Insert(row) => {
                assert!(self.row.is_none(), "insert over an existing row");
                self.row = Some(row);
            }
            Write::Replace { row, expected } => {
                let stored = self.row.as_ref().map(Intent::version);
                assert_eq!(stored, Some(expected), "compare-and-set from a stale row");
                assert_eq!(row.version(), expected + 1);
                self.row = Some(row);
            }
        }
    }

    fn key_random(&mut self) -> [u8; 10] {
        self.random += 1;
        let mut r = [0u8; 10];
        r[..8].copy_from_slice(&self.random.to_le_bytes());
        r
    }

    /// Checks a granted claim, then hands it to `owner`.
    fn granted(&mut self, owner: usize, claim: Claim) {
        let key = claim.key().as_str().to_owned();
        if let Some(k) = self.keys.iter().find(|k| k.key == key) {
            assert!(
                self.policy.key_resumable(
                    self.row.as_ref().map_or(self.now, Intent::key_created_at),
                    self.now
                ),
                "resumed a key past the policy's limit"
            );
            assert!(!k.settled, "resumed a settled key");
        } else {
            for k in &self.keys {
                assert!(
                    !k.sent || k.settled,
                    "new key {key} while {} was sent and may still succeed",
                    k.key
                );
            }
            assert!(self.done_answer.is_none(), "new key after done");
            self.keys.push(Key {
                key,
                sent: false,
                settled: false,
            });
        }
        self.claims[owner] = Some(claim);
    }

    fn settle_current(&mut self) {
        let key = self.row.as_ref().map(|r| r.key().as_str().to_owned());
        for k in &mut self.keys {
            if Some(&k.key) == key.as_ref() {
                k.settled = true;
            }
        }
    }

    fn holder_op(
        &mut self,
        owner: usize,
        op: impl FnOnce(
            &World,
            &Claim,
        ) -> Result<(Option<Claim>, Write, Option<(State, bool)>), JournalError>,
    ) {
        let Some(claim) = self.claims[owner].clone() else {
            return;
        };
        match op(self, &claim) {
            Ok((next, write, state)) => {
                let current = self.row.as_ref().map(Intent::epoch);
                assert_eq!(current, Some(claim.epoch()), "a stale holder wrote");
                self.apply(write);
                if let Some((state, spent)) = state {
                    match state {
                        State::Done(a) => self.done_answer = Some(a),
                        State::Failed(..) => self.settle_current(),
                        _ if spent => self.settle_current(),
                        _ => {}
                    }
                }
                self.claims[owner] = next;
            }
            Err(JournalError::LeaseLost { .. } | JournalError::WrongState { .. }) => {
                self.claims[owner] = None;
            }
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }

    fn run(&mut self, step: Step) {
        match step {
            Step::Wait(s) => self.now += Duration::from_secs(s),
            Step::Begin {
                owner,
                retry,
                other_request,
            } => {
                if self.claims[owner].is_some() {
                    return; // a holder does not begin its own op again
                }
                let fingerprint = if other_request { fp(2) } else { fp(1) };
                let key_random = self.key_random();
                let owner_name = name(owner);
                let input =
                    BeginInput::new(&self.id, fingerprint, &owner_name, self.now, key_random)
                        .with_options(BeginOptions::default().with_retry_failed(retry));
                let before = self.row.clone();
                match decide::begin(self.row.as_ref(), &input, &self.policy) {
                    Ok((Begun::Conflict { .. }, write)) => {
                        let stored = before.as_ref().map(Intent::fingerprint);
                        assert!(
                            stored.is_some_and(|f| f != &fingerprint),
                            "a false conflict"
                        );
                        assert_eq!(write, Write::Nothing, "a conflict wrote");
                    }
                    Ok((begun, write)) => {
                        if let Some(row) = &before {
                            assert_eq!(row.fingerprint(), &fingerprint, "conflict not seen");
                        }
                        self.apply(write);
                        match begun {
                            Begun::Proceed(c) => self.granted(owner, c),
                            Begun::Done(a) => assert_eq!(Some(a), self.done_answer),
                            _ => assert!(self.done_answer.is_none()),
                        }
                    }
                    Err(e) => panic!("unexpected error {e:?}"),
                }
            }
            Step::MarkSent(o) => {
                self.holder_op(o, |w, c| {
                    decide::mark_sent(w.row.as_ref(), c, w.now, &w.policy)
                        .map(|(c, wr)| (Some(c), wr, None))
                });
                if let Some(c) = &self.claims[o] {
                    let key = c.key().as_str().to_owned();
                    if let Some(k) = self.keys.iter_mut().find(|k| k.key == key) {
                        k.sent = true;
                    }
                }
            }
            Step::Renew(o) => self.holder_op(o, |w, c| {
                decide::renew(w.row.as_ref(), c, w.now, &w.policy, Duration::ZERO)
                    .map(|(c, wr)| (Some(c), wr, None))
            }),
            Step::Record(o, code) => self.holder_op(o, |w, c| {
                decide::record(w.row.as_ref(), c, result(code), w.now).map(|(s, wr)| {
                    let spent = matches!(result(code), CallResult::Replayed(_));
                    (None, wr, Some((s, spent)))
                })
            }),
            Step::Release(o) => self.holder_op(o, |w, c| {
                decide::release(w.row.as_ref(), c, w.now).map(|wr| (None, wr, None))
            }),
            Step::Crash(o) => self.claims[o] = None,
            Step::Resolve(applied) => {
                let res = if applied {
                    Resolution::Applied(Answer::new(200, r#"{"id":"pi_found"}"#))
                } else {
                    Resolution::NotApplied
                };
                if let Ok(write) = decide::resolve(
                    self.row.as_ref(),
                    &self.id,
                    res.clone(),
                    self.now,
                    &self.policy,
                ) {
                    if let (Resolution::NotApplied, Some(row)) = (&res, &self.row) {
                        assert!(
                            decide::key_dead(row, self.now, &self.policy),
                            "not applied accepted while the key may still execute"
                        );
                    }
                    self.apply(write);
                    match res {
                        Resolution::Applied(a) => self.done_answer = Some(a),
                        _ => self.settle_current(),
                    }
                }
            }
            Step::Recover(owner) => {
                if self.claims[owner].is_some() {
                    return;
                }
                let Some(row) = self.row.clone() else { return };
                if let Ok((begun, write)) =
                    decide::take_over(&row, &name(owner), self.now, &self.policy, Duration::ZERO)
                {
                    self.apply(write);
                    if let Begun::Proceed(c) = begun {
                        self.granted(owner, c);
                    }
                }
            }
        }
        self.check();
    }

    fn check(&self) {
        let live = self
            .claims
            .iter()
            .flatten()
            .filter(|c| c.lease_until() > self.now)
            .count();
        assert!(live <= 1, "{live} holders believe their lease is live");
        if let Some(answer) = &self.done_answer {
            match self.row.as_ref().map(Intent::state) {
                Some(State::Done(a)) => assert_eq!(a, answer),
                other => panic!("done became {other:?}"),
            }
        }
    }
}

fn name(owner: usize) -> String {
    format!("owner-{owner}")
}

fn fp(n: u8) -> Fingerprint {
    Fingerprint::of("POST", "/v1/charges", format!("amount={n}").as_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn interleavings_keep_one_holder_and_one_live_key(steps in prop::collection::vec(step(), 1..80)) {
        let mut world = World {
            row: None,
            now: UNIX_EPOCH + Duration::from_secs(1_750_000_000),
            claims: [None, None, None],
            keys: Vec::new(),
            done_answer: None,
            policy: Policy::default(),
            random: 0,
            id: IntentId::op("order-1/charge").map_err(|e| TestCaseError::fail(e.to_string()))?,
        };
        for s in steps {
            world.run(s);
        }
    }
}

#[test]
fn the_model_reaches_every_interesting_state() {
    // Guard against a vacuous property: a fixed schedule that takes over, fails, retries,
    // reconciles and finishes must pass through the checks above.
    let mut w = World {
        row: None,
        now: UNIX_EPOCH + Duration::from_secs(1_750_000_000),
        claims: [None, None, None],
        keys: Vec::new(),
        done_answer: None,
        policy: Policy::default(),
        random: 0,
        id: IntentId::op("fixed").expect("id"),
    };
    let b = |owner, retry| Step::Begin {
        owner,
        retry,
        other_request: false,
    };
    for s in [
        b(0, false),
        Step::MarkSent(0),
        Step::Wait(31),
        b(1, false),
        Step::MarkSent(1),
        Step::Record(1, 1),
        b(2, true),
        Step::MarkSent(2),
        Step::Record(2, 4),
        Step::Wait(200),
        Step::Resolve(false),
        Step::Crash(0),
        b(0, false),
        Step::MarkSent(0),
        Step::Record(0, 0),
        b(1, false),
    ] {
        w.run(s);
    }
    assert_eq!(w.keys.len(), 3, "{:?}", w.keys);
    assert!(w.done_answer.is_some());
}
