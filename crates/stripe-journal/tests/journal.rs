//! The `Journal` facade with the real clock: open by URL, a whole call, lease renewal while a
//! slow call runs, pruning.

use std::time::Duration;

use stripe_journal::{
    Answer, BeginOptions, Begun, CallResult, Fingerprint, IntentId, Journal, Policy, State,
};

fn fp() -> Fingerprint {
    Fingerprint::of("POST", "/v1/payment_intents", b"amount=500&currency=eur")
}

#[test]
fn a_whole_call_then_a_redelivery_gets_the_first_answer() {
    let journal = Journal::open("sqlite::memory:").expect("open");
    let id = IntentId::op("job-7/charge").expect("id");
    let Begun::Proceed(claim) = journal
        .begin(&id, fp(), BeginOptions::default())
        .expect("begin")
    else {
        panic!("expected Proceed")
    };
    let claim = journal.mark_sent(&claim).expect("mark");
    let state = journal
        .record(
            &claim,
            CallResult::Answered(Answer::new(200, r#"{"id":"pi_7"}"#)),
        )
        .expect("record");
    assert!(matches!(state, State::Done(_)));
    match journal
        .begin(&id, fp(), BeginOptions::default())
        .expect("begin")
    {
        Begun::Done(a) => assert_eq!(a.object_id(), Some("pi_7")),
        other => panic!("expected Done, got {other:?}"),
    }
    assert_eq!(journal.prune(Duration::from_secs(3600)).expect("prune"), 0);
    // Rows are kept to the millisecond: let one pass.
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(journal.prune(Duration::ZERO).expect("prune"), 1);
    assert!(journal.load(&id).expect("load").is_none());
}

#[test]
fn renewal_keeps_a_slow_call_held_and_others_busy() {
    let policy = Policy::default().with_lease(Duration::from_millis(300));
    let journal = Journal::open("sqlite::memory:")
        .expect("open")
        .with_policy(policy);
    let other = IntentId::op("job-8/charge").expect("id");
    let Begun::Proceed(claim) = journal
        .begin(&other, fp(), BeginOptions::default())
        .expect("begin")
    else {
        panic!("expected Proceed")
    };
    let claim = journal.mark_sent(&claim).expect("mark");
    let (seen, renewed) = journal.with_renewal(&claim, |_| {
        // Four lease lengths pass while the "request" runs; a second process (another
        // holder name on the same store) must find it busy all along.
        let mut seen = Vec::new();
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(300));
            let probe = journal.store().begin(
                &stripe_journal::BeginInput::new(
                    &other,
                    fp(),
                    "rival",
                    std::time::SystemTime::now(),
                    [1; 10],
                )
                .with_options(BeginOptions::default()),
                &policy,
            );
            seen.push(matches!(probe, Ok(Begun::Busy { .. })));
        }
        seen
    });
    assert_eq!(seen, [true; 4]);
    let renewed = renewed.expect("renewals held");
    journal
        .record(&renewed, CallResult::NoResponse)
        .expect("record");
}
