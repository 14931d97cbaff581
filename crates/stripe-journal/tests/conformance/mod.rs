//! One conformance suite for every store: each function takes a way to open a new connection to
//! one fresh, empty journal, and checks one behaviour.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use stripe_journal::{
    Answer, BeginInput, BeginOptions, Begun, CallResult, Claim, FailureAdvice, Fingerprint,
    IntentId, JournalError, Policy, ReconcileReason, Resolution, State, StateKind, Store,
};

/// Opens a new connection to the journal under test.
pub type Connect<'a> = &'a (dyn Fn() -> Box<dyn Store> + Sync);

/// Writes one `#[test]` per suite function; `$connect(test_name)` returns a harness with an
/// `open(&self) -> Box<dyn Store>` method, or `None` when the store is not available here.
#[macro_export]
macro_rules! conformance_tests {
    ($connect:path) => {
        $crate::conformance_tests!(@each $connect,
            claim_send_done_then_replay, conflict_sends_nothing, live_lease_is_busy,
            expired_lease_is_taken_over_with_the_same_key, renewal_keeps_others_out,
            old_sent_key_goes_to_reconcile, old_claimed_key_is_reconciled,
            failure_is_replayed_unless_retry_is_asked, no_response_releases_for_the_same_key,
            server_error_goes_to_reconcile, prune_never_touches_in_flight,
            sweep_and_recover_dead_holders, concurrent_claims_on_one_connection,
            concurrent_claims_on_many_connections, concurrent_take_overs_have_one_winner);
    };
    (@each $connect:path, $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                if let Some(harness) = $connect(stringify!($name)) {
                    $crate::conformance::$name(&|| harness.open());
                }
            }
        )*
    };
}

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_750_000_000)
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn fp(amount: u32) -> Fingerprint {
    Fingerprint::of(
        "POST",
        "/v1/payment_intents",
        format!("amount={amount}&currency=usd").as_bytes(),
    )
}

fn id(op: &str) -> IntentId {
    IntentId::new("acct_1", op).expect("valid id")
}

fn random() -> [u8; 10] {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut out = [0u8; 10];
    out[..8].copy_from_slice(&n.to_le_bytes());
    out
}

fn begin_with(
    store: &dyn Store,
    op: &IntentId,
    fingerprint: Fingerprint,
    owner: &str,
    now: SystemTime,
    options: BeginOptions,
) -> Result<Begun, JournalError> {
    let input = BeginInput::new(op, fingerprint, owner, now, random()).with_options(options);
    store.begin(&input, &Policy::default())
}

fn begin(store: &dyn Store, op: &IntentId, owner: &str, now: SystemTime) -> Begun {
    begin_with(store, op, fp(100), owner, now, BeginOptions::default()).expect("begin")
}

fn proceed(b: Begun) -> Claim {
    match b {
        Begun::Proceed(c) => c,
        other => panic!("expected Proceed, got {other:?}"),
    }
}

fn sent(store: &dyn Store, op: &IntentId, owner: &str, now: SystemTime) -> Claim {
    let c = proceed(begin(store, op, owner, now));
    store
        .mark_sent(&c, now, &Policy::default())
        .expect("mark sent")
}

fn ok_body(object: &str) -> Answer {
    Answer::new(
        200,
        format!(r#"{{"id":"{object}","object":"payment_intent"}}"#),
    )
}

/// Claim, mark sent, record 2xx; every later begin gets the first answer, Stripe untouched.
pub fn claim_send_done_then_replay(connect: Connect<'_>) {
    let s = connect();
    let op = id("order-1/charge");
    let c = sent(&*s, &op, "a", t0());
    let state = s
        .record(&c, CallResult::Answered(ok_body("pi_1")), t0() + secs(1))
        .expect("record");
    assert!(matches!(state, State::Done(_)));
    let other = connect();
    match begin(&*other, &op, "b", t0() + secs(2)) {
        Begun::Done(a) => {
            assert_eq!(a.object_id(), Some("pi_1"));
            assert_eq!(a.status(), 200);
        }
        x => panic!("expected Done, got {x:?}"),
    }
    let row = other.load(&op).expect("load").expect("row");
    assert_eq!(row.key(), c.key());
    assert_eq!(row.attempts(), 1);
    assert!(row.lease().is_none());
}

/// The same op with another request is a typed conflict and changes nothing.
pub fn conflict_sends_nothing(connect: Connect<'_>) {
    let s = connect();
    let op = id("order-2/charge");
    proceed(begin(&*s, &op, "a", t0()));
    let before = s.load(&op).expect("load");
    let r = begin_with(
        &*s,
        &op,
        fp(999),
        "b",
        t0() + secs(60),
        BeginOptions::default(),
    );
    assert!(matches!(r, Err(JournalError::Conflict { .. })), "{r:?}");
    assert_eq!(s.load(&op).expect("load"), before);
}

/// A live lease makes everyone else wait, the holder's own process included.
pub fn live_lease_is_busy(connect: Connect<'_>) {
    let s = connect();
    let op = id("order-3/charge");
    let c = proceed(begin(&*s, &op, "a", t0()));
    for who in ["b", "a"] {
        match begin(&*s, &op, who, t0() + secs(29)) {
            Begun::Busy { owner, until } => {
                assert_eq!(owner, "a");
                assert_eq!(until, c.lease_until());
            }
            x => panic!("expected Busy, got {x:?}"),
        }
    }
}

/// A dead holder's intent is resumed with the same key; the old holder is fenced off.
pub fn expired_lease_is_taken_over_with_the_same_key(connect: Connect<'_>) {
    let s = connect();
    let op = id("order-4/charge");
    let a = sent(&*s, &op, "a", t0());
    let b = proceed(begin(&*s, &op, "b", t0() + secs(31)));
    assert_eq!(b.key(), a.key());
    assert!(b.is_resumed());
    assert!(b.epoch() > a.epoch());
    let late = s.record(&a, CallResult::Answered(ok_body("pi_4")), t0() + secs(32));
    assert!(
        matches!(late, Err(JournalError::LeaseLost { .. })),
        "{late:?}"
    );
    let renew = s.renew(&a, t0() + secs(32), &Policy::default());
    assert!(
        matches!(renew, Err(JournalError::LeaseLost { .. })),
        "{renew:?}"
    );
    let b = s
        .mark_sent(&b, t0() + secs(33), &Policy::default())
        .expect("mark");
    s.record(&b, CallResult::Answered(ok_body("pi_4")), t0() + secs(34))
        .expect("record");
    let row = s.load(&op).expect("load").expect("row");
    assert_eq!(row.attempts(), 2);
    assert!(matches!(row.state(), State::Done(_)));
}

/// Renewing keeps the lease; once renewals stop, it can be taken over.
pub fn renewal_keeps_others_out(connect: Connect<'_>) {
    let s = connect();
    let op = id("order-5/charge");
    let a = sent(&*s, &op, "a", t0());
    let a = s
        .renew(&a, t0() + secs(20), &Policy::default())
        .expect("renew");
    assert!(matches!(
        begin(&*s, &op, "b", t0() + secs(40)),
        Begun::Busy { .. }
    ));
    let b = proceed(begin(&*s, &op, "b", t0() + secs(51)));
    assert_eq!(b.key(), a.key());
}

/// A sent key too old to resume safely: reconcile, and a new key only once settled.
pub fn old_sent_key_goes_to_reconcile(connect: Connect<'_>) {
    let s = connect();
    let op = id("order-6/charge");
    let a = sent(&*s, &op, "a", t0());
    let late = t0() + secs(23 * 3600 + 1);
    assert_eq!(
        begin(&*s, &op, "b", late),
        Begun::ToReconcile(ReconcileReason::KeyExpired, None)
    );
    assert_eq!(
        begin(&*s, &op, "c", late + secs(1)),
        Begun::ToReconcile(ReconcileReason::KeyExpired, None)
    );
    s.resolve(&op, Resolution::NotApplied, late + secs(2))
        .expect("resolve");
    let c = proceed(begin(&*s, &op, "c", late + secs(3)));
    assert_ne!(c.key(), a.key());
    assert!(!c.is_resumed());
    // Just under the limit, the same key is still resumed.
    let op2 = id("order-6b/charge");
    let a2 = sent(&*s, &op2, "a", t0());
    let b2 = proceed(begin(&*s, &op2, "b", t0() + secs(23 * 3600 - 1)));
    assert_eq!(b2.key(), a2.key());
}

/// A claim whose key is too old is reconciled: the hot path does not mark a claim sent, so a
/// claimed intent may have left.
pub fn old_claimed_key_is_reconciled(connect: Connect<'_>) {
    let s = connect();
    let op = id("order-7/charge");
    let _a = proceed(begin(&*s, &op, "a", t0()));
    let b = begin(&*s, &op, "b", t0() + secs(24 * 3600));
    assert_eq!(b, Begun::ToReconcile(ReconcileReason::KeyExpired, None));
    let row = s.load(&op).expect("load").expect("row");
    assert_eq!(row.state().kind(), StateKind::ToReconcile);
}

/// A 4xx failure is replayed; a new key only when the caller asks.
pub fn failure_is_replayed_unless_retry_is_asked(connect: Connect<'_>) {
    let s = connect();
    let op = id("order-8/charge");
    let a = sent(&*s, &op, "a", t0());
    let declined = Answer::new(402, r#"{"error":{"code":"card_declined"}}"#);
    s.record(&a, CallResult::Answered(declined.clone()), t0() + secs(1))
        .expect("record");
    assert_eq!(
        begin(&*s, &op, "b", t0() + secs(2)),
        Begun::Failed(FailureAdvice::CustomerAction, Some(declined))
    );
    let retry = BeginOptions::default().with_retry_failed(true);
    let b = proceed(begin_with(&*s, &op, fp(100), "b", t0() + secs(3), retry).expect("begin"));
    assert_ne!(b.key(), a.key());
    let bad = Answer::new(400, r#"{"error":{"type":"invalid_request_error"}}"#);
    let b = s
        .mark_sent(&b, t0() + secs(3), &Policy::default())
        .expect("mark");
    let state = s
        .record(&b, CallResult::Answered(bad), t0() + secs(4))
        .expect("record");
    assert!(matches!(state, State::Failed(FailureAdvice::FixRequest, _)));
}

/// No response (or 409/429): still sent, lease released, resumed at once with the same key.
pub fn no_response_releases_for_the_same_key(connect: Connect<'_>) {
    let s = connect();
    let op = id("order-9/charge");
    let a = sent(&*s, &op, "a", t0());
    assert_eq!(
        s.record(&a, CallResult::NoResponse, t0() + secs(1))
            .expect("record"),
        State::Sent
    );
    let b = proceed(begin(&*s, &op, "b", t0() + secs(2)));
    assert_eq!(b.key(), a.key());
    let b = s
        .mark_sent(&b, t0() + secs(2), &Policy::default())
        .expect("mark");
    let state = s
        .record(
            &b,
            CallResult::Answered(Answer::new(429, "{}")),
            t0() + secs(3),
        )
        .expect("record");
    assert_eq!(state, State::Sent);
    let c = proceed(begin(&*s, &op, "c", t0() + secs(4)));
    assert_eq!(c.key(), a.key());
}

/// A 5xx on the POST or an unknown outcome: to reconcile; `Applied` settles it as done.
pub fn server_error_goes_to_reconcile(connect: Connect<'_>) {
    let s = connect();
    let op = id("order-10/charge");
    let a = sent(&*s, &op, "a", t0());
    let err = Answer::new(500, r#"{"error":{"type":"api_error"}}"#);
    s.record(&a, CallResult::Answered(err.clone()), t0() + secs(1))
        .expect("record");
    assert_eq!(
        begin(&*s, &op, "b", t0() + secs(2)),
        Begun::ToReconcile(ReconcileReason::ServerError, Some(err))
    );
    s.resolve(&op, Resolution::Applied(ok_body("pi_10")), t0() + secs(3))
        .expect("resolve");
    assert!(
        matches!(begin(&*s, &op, "b", t0() + secs(4)), Begun::Done(a) if a.object_id() == Some("pi_10"))
    );
    let twice = s.resolve(&op, Resolution::NotApplied, t0() + secs(5));
    assert!(
        matches!(twice, Err(JournalError::WrongState { .. })),
        "{twice:?}"
    );
    let op2 = id("order-10b/charge");
    let c = sent(&*s, &op2, "a", t0());
    s.record(&c, CallResult::Unknown, t0() + secs(1))
        .expect("record");
    assert_eq!(
        begin(&*s, &op2, "b", t0() + secs(2)),
        Begun::ToReconcile(ReconcileReason::UnknownOutcome, None)
    );
}

/// Pruning removes old done and failed intents and nothing else, however old.
pub fn prune_never_touches_in_flight(connect: Connect<'_>) {
    let s = connect();
    let done = sent(&*s, &id("p/done"), "a", t0());
    s.record(&done, CallResult::Answered(ok_body("pi_p")), t0())
        .expect("record");
    let failed = sent(&*s, &id("p/failed"), "a", t0());
    s.record(&failed, CallResult::Answered(Answer::new(400, "{}")), t0())
        .expect("record");
    let rec = sent(&*s, &id("p/reconcile"), "a", t0());
    s.record(&rec, CallResult::Unknown, t0()).expect("record");
    sent(&*s, &id("p/sent"), "a", t0());
    proceed(begin(&*s, &id("p/claimed"), "a", t0()));
    let recent = sent(&*s, &id("p/recent"), "a", t0() + secs(7200));
    s.record(
        &recent,
        CallResult::Answered(ok_body("pi_r")),
        t0() + secs(7200),
    )
    .expect("record");
    assert_eq!(s.prune(t0() + secs(3600)).expect("prune"), 2);
    for gone in ["p/done", "p/failed"] {
        assert!(s.load(&id(gone)).expect("load").is_none(), "{gone}");
    }
    for kept in ["p/reconcile", "p/sent", "p/claimed", "p/recent"] {
        assert!(s.load(&id(kept)).expect("load").is_some(), "{kept}");
    }
    // Even far in the future, in-flight and to-reconcile rows stay.
    assert_eq!(s.prune(t0() + secs(10 * 365 * 86_400)).expect("prune"), 1);
    assert_eq!(s.list(StateKind::Sent, 10).expect("list").len(), 1);
    assert_eq!(s.list(StateKind::Claimed, 10).expect("list").len(), 1);
    assert_eq!(s.list(StateKind::ToReconcile, 10).expect("list").len(), 1);
}

/// Recovery finds dead holders' intents and takes each over exactly once.
pub fn sweep_and_recover_dead_holders(connect: Connect<'_>) {
    let s = connect();
    let dead = sent(&*s, &id("r/dead"), "a", t0());
    let live = sent(&*s, &id("r/live"), "a", t0() + secs(20));
    let rec = sent(&*s, &id("r/reconcile"), "a", t0());
    s.record(&rec, CallResult::Unknown, t0()).expect("record");
    let now = t0() + secs(35);
    let swept = s.sweep(now, 10).expect("sweep");
    let mut names: Vec<&str> = swept.iter().map(|i| i.id().op_id()).collect();
    names.sort_unstable();
    assert_eq!(names, ["r/dead", "r/reconcile"]);
    let policy = Policy::default();
    let got = s.recover("c", now, &policy, 10).expect("recover");
    assert_eq!(got.len(), 1, "{got:?}");
    let (op, begun) = &got[0];
    assert_eq!(op, &id("r/dead"));
    assert!(matches!(begun, Begun::Proceed(c) if c.key() == dead.key() && c.owner() == "c"));
    let again = connect().recover("d", now, &policy, 10).expect("recover");
    assert!(again.is_empty(), "{again:?}");
    assert!(
        matches!(begin(&*s, &id("r/live"), "b", now), Begun::Busy { owner, .. } if owner == "a")
    );
    let _ = live;
}

fn race(stores: Vec<Arc<dyn Store>>, op: &IntentId, threads: usize, now: SystemTime) -> Vec<Begun> {
    let barrier = Barrier::new(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let store = Arc::clone(&stores[i % stores.len()]);
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    begin(&*store, op, &format!("owner-{i}"), now)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    })
}

fn one_winner(results: &[Begun]) -> usize {
    let winners = results
        .iter()
        .filter(|b| matches!(b, Begun::Proceed(_)))
        .count();
    let busy = results
        .iter()
        .filter(|b| matches!(b, Begun::Busy { .. }))
        .count();
    assert_eq!(winners, 1, "{results:?}");
    assert_eq!(busy, results.len() - 1, "{results:?}");
    winners
}

/// Threads sharing one connection: exactly one claim wins.
pub fn concurrent_claims_on_one_connection(connect: Connect<'_>) {
    let shared: Arc<dyn Store> = Arc::from(connect());
    for round in 0..5 {
        let op = id(&format!("c1/{round}"));
        let results = race(vec![Arc::clone(&shared)], &op, 8, t0());
        one_winner(&results);
    }
}

/// Threads with their own connections: exactly one claim wins.
pub fn concurrent_claims_on_many_connections(connect: Connect<'_>) {
    let stores: Vec<Arc<dyn Store>> = (0..4).map(|_| Arc::from(connect())).collect();
    for round in 0..5 {
        let op = id(&format!("cn/{round}"));
        let results = race(stores.clone(), &op, 8, t0());
        one_winner(&results);
    }
}

/// Many processes find one dead holder at once: one takes it over, with the same key.
pub fn concurrent_take_overs_have_one_winner(connect: Connect<'_>) {
    let stores: Vec<Arc<dyn Store>> = (0..4).map(|_| Arc::from(connect())).collect();
    for round in 0..5 {
        let op = id(&format!("ct/{round}"));
        let a = sent(&*stores[0], &op, "dead", t0());
        let results = race(stores.clone(), &op, 8, t0() + secs(31));
        one_winner(&results);
        let winner = results.iter().find_map(|b| match b {
            Begun::Proceed(c) => Some(c),
            _ => None,
        });
        assert_eq!(winner.map(Claim::key), Some(a.key()));
    }
}
