//! One conformance suite for every store's primitives: each function takes a way to open a new
//! connection to one fresh, empty journal, and checks one behaviour. Rows are made with the
//! journal's own decisions (`stripe_journal::decide`), as its machine makes them.

use std::sync::{Arc, Barrier};
use std::time::{Duration, SystemTime};

use stripe_journal::decide::{self, BeginInput, Begun, CallResult, Claim, Write};
use stripe_journal::store::Cursor;
use stripe_journal::{
    Answer, BeginOptions, Fingerprint, Intent, IntentId, Policy, State, StateKind, Store,
};

/// Opens a new connection to the journal under test.
pub type Connect<'a> = &'a (dyn Fn() -> Box<dyn Store> + Sync);

/// Writes one `#[test]` per suite function; `$connect(test_name)` returns a harness with an
/// `open(&self) -> Box<dyn Store>` method, or `None` when the store is not available here.
#[macro_export]
macro_rules! conformance_tests {
    ($connect:path) => {
        $crate::conformance_tests!(@each $connect,
            insert_once_then_load_the_same_row, compare_and_set_has_one_winner,
            every_field_of_every_state_round_trips, load_reads_the_stores_clock,
            sweep_finds_what_recovery_needs_page_by_page, list_pages_by_state,
            prune_never_touches_in_flight_or_to_reconcile, the_namespace_is_made_once,
            concurrent_inserts_on_many_connections_have_one_winner,
            concurrent_compare_and_sets_have_one_winner,
            a_claim_moves_the_row_onto_the_stores_clock);
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

/// The store's clock, truncated to the millisecond as rows keep it.
fn now(store: &dyn Store) -> SystemTime {
    store.clock().expect("clock")
}

/// A fresh claim of `op` by `owner` at `at`: the row to insert and the claim.
fn claim(op: &IntentId, owner: &str, at: SystemTime) -> (Intent, Claim) {
    let input = BeginInput::new(op, fp(1), owner, at, [7; 10]).with_namespace("ns-test");
    match decide::begin(None, &input, &Policy::default()).expect("begin") {
        (Begun::Proceed(claim), Write::Insert(row)) => (row, claim),
        other => panic!("expected a fresh claim, got {other:?}"),
    }
}

/// Applies a decision's write.
fn write(store: &dyn Store, w: Write) -> bool {
    match w {
        Write::Nothing => true,
        Write::Insert(row) => store.insert(&row).expect("insert"),
        Write::Replace { row, expected } => store.compare_and_set(&row, expected).expect("cas"),
    }
}

fn load(store: &dyn Store, op: &IntentId) -> Option<Intent> {
    store.load(op).expect("load").row().cloned()
}

/// Inserts a claimed row, then records `result` on it; returns the row as stored.
fn recorded(store: &dyn Store, op: &IntentId, at: SystemTime, result: CallResult) -> Intent {
    let (row, c) = claim(op, "holder", at);
    assert!(store.insert(&row).expect("insert"));
    let (_, w) = decide::record(Some(&row), &c, result, at).expect("record");
    assert!(write(store, w));
    load(store, op).expect("row")
}

pub fn insert_once_then_load_the_same_row(connect: Connect<'_>) {
    let store = connect();
    let op = id("order-1");
    let (row, _) = claim(&op, "a", now(store.as_ref()));
    assert!(store.insert(&row).expect("insert"));
    assert_eq!(load(store.as_ref(), &op).as_ref(), Some(&row));
    let (other, _) = claim(&op, "b", now(store.as_ref()));
    assert!(
        !store.insert(&other).expect("insert"),
        "a second insert must lose"
    );
    assert_eq!(
        load(store.as_ref(), &op).as_ref(),
        Some(&row),
        "the first row stays"
    );
    assert_eq!(load(store.as_ref(), &id("order-2")), None);
}

/// `a - b` in whole milliseconds, either way.
fn ms_between(a: SystemTime, b: SystemTime) -> i128 {
    match a.duration_since(b) {
        Ok(d) => i128::try_from(d.as_millis()).unwrap_or(i128::MAX),
        Err(e) => -i128::try_from(e.duration().as_millis()).unwrap_or(i128::MAX),
    }
}

pub fn a_claim_moves_the_row_onto_the_stores_clock(connect: Connect<'_>) {
    let store = connect();
    let max_skew = Policy::default().max_skew();
    let before = now(store.as_ref());
    // A holder whose clock is 3 s behind the store's: the row it decided is written on the
    // store's clock, every time moved by one amount.
    let op = id("order-1");
    let (row, _) = claim(&op, "a", before - Duration::from_secs(3));
    let at = store
        .claim(&row, max_skew)
        .expect("claim")
        .expect("a new operation is claimed");
    let after = now(store.as_ref());
    assert!(
        ms_between(at, before) >= -1 && ms_between(after, at) >= -1,
        "the claim's time {at:?} is the store's, between {before:?} and {after:?}"
    );
    let stored = load(store.as_ref(), &op).expect("the claimed row");
    assert!(ms_between(stored.updated_at(), at).abs() <= 1);
    for (got, want) in [
        (stored.created_at(), row.created_at()),
        (stored.key_created_at(), row.key_created_at()),
        (
            stored.lease().expect("a lease").until(),
            row.lease().expect("a lease").until(),
        ),
    ] {
        let moved = ms_between(got, stored.updated_at()) - ms_between(want, row.updated_at());
        assert!(
            moved.abs() <= 1,
            "each time keeps its distance to the change time"
        );
    }
    assert_eq!(stored.key(), row.key());
    // A second claim of the same operation inserts nothing and changes nothing.
    let (other, _) = claim(&op, "b", now(store.as_ref()));
    assert_eq!(store.claim(&other, max_skew).expect("claim"), None);
    assert_eq!(load(store.as_ref(), &op).as_ref(), Some(&stored));
    // A holder further from the store's clock than the skew allowed claims nothing.
    let far = id("order-2");
    let (row, _) = claim(&far, "c", now(store.as_ref()) - max_skew * 3);
    assert_eq!(store.claim(&row, max_skew).expect("claim"), None);
    assert_eq!(load(store.as_ref(), &far), None);
}

pub fn compare_and_set_has_one_winner(connect: Connect<'_>) {
    let store = connect();
    let op = id("order-1");
    let at = now(store.as_ref());
    let (row, c) = claim(&op, "a", at);
    assert!(store.insert(&row).expect("insert"));
    let (_, w) =
        decide::renew(Some(&row), &c, at, &Policy::default(), Duration::ZERO).expect("renew");
    let Write::Replace {
        row: next,
        expected,
    } = w
    else {
        panic!("a renewal replaces the row")
    };
    assert!(store.compare_and_set(&next, expected).expect("cas"));
    assert!(
        !store.compare_and_set(&next, expected).expect("cas"),
        "a stale version must lose"
    );
    assert_eq!(
        load(store.as_ref(), &op).map(|r| r.version()),
        Some(expected + 1)
    );
}

pub fn every_field_of_every_state_round_trips(connect: Connect<'_>) {
    let store = connect();
    let at = now(store.as_ref());
    let results = [
        CallResult::Answered(Answer::new(200, r#"{"id":"pi_1","amount":5}"#)),
        CallResult::Answered(Answer::new(402, r#"{"error":{"code":"card_declined"}}"#)),
        CallResult::Answered(Answer::new(400, "not json at all")),
        CallResult::Answered(Answer::new(500, r#"{"error":{}}"#)),
        CallResult::Replayed(Answer::new(500, r#"{"error":{}}"#)),
        CallResult::NoResponse,
        CallResult::Unknown,
    ];
    for (i, result) in results.into_iter().enumerate() {
        let op = id(&format!("order-{i}"));
        let row = recorded(store.as_ref(), &op, at, result);
        let again = connect();
        assert_eq!(load(again.as_ref(), &op), Some(row.clone()), "{i}");
        assert_eq!(row.namespace(), "ns-test");
        assert!(row.send_limit().is_some());
    }
    let spent = load(store.as_ref(), &id("order-4")).expect("row");
    assert!(spent.is_key_spent(), "a replayed 5xx spends the key");
    assert!(
        !load(store.as_ref(), &id("order-3"))
            .expect("row")
            .is_key_spent()
    );
}

pub fn load_reads_the_stores_clock(connect: Connect<'_>) {
    let store = connect();
    let loaded = store.load(&id("absent")).expect("load");
    let local = SystemTime::now();
    let gap = loaded
        .now()
        .duration_since(local)
        .or_else(|_| local.duration_since(loaded.now()))
        .expect("a gap");
    assert!(
        gap < Duration::from_secs(5),
        "the store's clock is {gap:?} from this machine's"
    );
}

pub fn sweep_finds_what_recovery_needs_page_by_page(connect: Connect<'_>) {
    let store = connect();
    let at = now(store.as_ref());
    let policy = Policy::default();
    // An expired claim, a live one, one to reconcile, one done, one released (no response).
    let old = at - Duration::from_secs(3600);
    let (expired, _) = claim(&id("expired"), "a", old);
    assert!(store.insert(&expired).expect("insert"));
    let (live, _) = claim(&id("live"), "b", at);
    assert!(store.insert(&live).expect("insert"));
    recorded(store.as_ref(), &id("reconcile"), old, CallResult::Unknown);
    recorded(
        store.as_ref(),
        &id("done"),
        old,
        CallResult::Answered(Answer::new(200, "{}")),
    );
    recorded(store.as_ref(), &id("released"), old, CallResult::NoResponse);
    let mut seen = Vec::new();
    let mut after = Cursor::start();
    for _ in 0..10 {
        let page = store.sweep(at, &after, 1).expect("sweep");
        let Some(next) = page.next else { break };
        assert_eq!(page.rows.len(), 1);
        for row in page.rows {
            seen.push(row.expect("row").id().op_id().to_owned());
        }
        assert!(next > after, "the cursor moves on");
        after = next;
    }
    seen.sort();
    assert_eq!(seen, ["expired", "reconcile", "released"]);
    let _ = policy;
}

pub fn list_pages_by_state(connect: Connect<'_>) {
    let store = connect();
    let at = now(store.as_ref());
    for i in 0..5 {
        let op = id(&format!("done-{i}"));
        recorded(
            store.as_ref(),
            &op,
            at,
            CallResult::Answered(Answer::new(200, "{}")),
        );
    }
    recorded(
        store.as_ref(),
        &id("failed"),
        at,
        CallResult::Answered(Answer::new(400, "{}")),
    );
    let first = store
        .list(StateKind::Done, &Cursor::start(), 3)
        .expect("list");
    assert_eq!(first.rows.len(), 3);
    let rest = store
        .list(StateKind::Done, first.next.as_ref().expect("cursor"), 10)
        .expect("list");
    assert_eq!(rest.rows.len(), 2);
    let failed = store
        .list(StateKind::Failed, &Cursor::start(), 10)
        .expect("list");
    assert_eq!(failed.rows.len(), 1);
    assert!(matches!(
        failed.rows[0].as_ref().map(Intent::state),
        Ok(State::Failed(..))
    ));
}

pub fn prune_never_touches_in_flight_or_to_reconcile(connect: Connect<'_>) {
    let store = connect();
    let at = now(store.as_ref());
    let old = at - Duration::from_secs(90_000);
    recorded(
        store.as_ref(),
        &id("done"),
        old,
        CallResult::Answered(Answer::new(200, "{}")),
    );
    recorded(
        store.as_ref(),
        &id("failed"),
        old,
        CallResult::Answered(Answer::new(402, "{}")),
    );
    recorded(store.as_ref(), &id("reconcile"), old, CallResult::Unknown);
    recorded(store.as_ref(), &id("sent"), old, CallResult::NoResponse);
    let (claimed, _) = claim(&id("claimed"), "a", old);
    assert!(store.insert(&claimed).expect("insert"));
    recorded(
        store.as_ref(),
        &id("young"),
        at,
        CallResult::Answered(Answer::new(200, "{}")),
    );
    let deleted = store.prune(at - Duration::from_secs(3600)).expect("prune");
    assert_eq!(deleted, 2);
    for kept in ["reconcile", "sent", "claimed", "young"] {
        assert!(
            load(store.as_ref(), &id(kept)).is_some(),
            "{kept} was pruned"
        );
    }
}

pub fn the_namespace_is_made_once(connect: Connect<'_>) {
    let a = connect().namespace().expect("namespace");
    let b = connect().namespace().expect("namespace");
    assert!(!a.is_empty());
    assert_eq!(a, b, "every connection to one store shares its namespace");
}

pub fn concurrent_inserts_on_many_connections_have_one_winner(connect: Connect<'_>) {
    let stores: Vec<Arc<dyn Store>> = (0..4).map(|_| Arc::from(connect())).collect();
    let op = id("contended");
    let at = now(stores[0].as_ref());
    let barrier = Arc::new(Barrier::new(stores.len()));
    let handles: Vec<_> = stores
        .into_iter()
        .enumerate()
        .map(|(i, store)| {
            let (barrier, op) = (Arc::clone(&barrier), op.clone());
            std::thread::spawn(move || {
                let (row, _) = claim(&op, &format!("h{i}"), at);
                barrier.wait();
                store.insert(&row).expect("insert")
            })
        })
        .collect();
    let wins = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .filter(|won| *won)
        .count();
    assert_eq!(wins, 1);
}

pub fn concurrent_compare_and_sets_have_one_winner(connect: Connect<'_>) {
    let first = connect();
    let op = id("contended");
    let at = now(first.as_ref());
    let (row, c) = claim(&op, "a", at);
    assert!(first.insert(&row).expect("insert"));
    let stores: Vec<Arc<dyn Store>> = (0..4).map(|_| Arc::from(connect())).collect();
    let barrier = Arc::new(Barrier::new(stores.len()));
    let handles: Vec<_> = stores
        .into_iter()
        .map(|store| {
            let (barrier, row, c) = (Arc::clone(&barrier), row.clone(), c.clone());
            std::thread::spawn(move || {
                let (_, w) = decide::renew(Some(&row), &c, at, &Policy::default(), Duration::ZERO)
                    .expect("renew");
                barrier.wait();
                write(store.as_ref(), w)
            })
        })
        .collect();
    let wins = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .filter(|won| *won)
        .count();
    assert_eq!(wins, 1);
    let _ = BeginOptions::default();
}
