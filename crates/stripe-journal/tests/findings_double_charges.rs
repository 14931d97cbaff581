//! The review's findings 2 to 5, each a way the journal charged twice (or could), through the
//! public API, blocking, over SQLite files and the fake Stripe on loopback: the `Stripe-Account`
//! scope journaled and sent by recovery, a lagging Search, prune's minimum age, a holder whose
//! clock is far from the store's. Each test names the old behaviour it catches (the journal
//! before the sans-IO rewrite).

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use stripe_client::{Attempt, FromConfig, SendError, Transport};
use stripe_core::Config;
use stripe_fake::Fault;
use stripe_fake::server::{self, ServerOptions};
use stripe_journal::store::{Cursor, Loaded, Page};
use stripe_journal::{
    Intent, IntentId, Journal, JournalError, Source, SqliteStore, State, StateKind, Store,
};

use support::TempDb;
use support::common::{done, op};
use support::findings::{
    abandon, charge, charges_of, client, config, journal, lease_end, on, policy, posts, wait_past,
};

// ---------------------------------------------------------------------------------------------
// A transport recording the wire (finding 2)

/// One request a recording transport saw: method, path, `Stripe-Account`, idempotency key.
type Seen = (String, String, Option<String>, Option<String>);

/// ureq, recording each attempt's headers (the fake does not log `Stripe-Account`).
struct Recording {
    inner: stripe_ureq::Ureq,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn header(request: &http::Request<Bytes>, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

impl Transport for Recording {
    type Error = <stripe_ureq::Ureq as Transport>::Error;
    fn send(&self, attempt: Attempt) -> Result<http::Response<Bytes>, SendError<Self::Error>> {
        let r = attempt.request();
        self.seen.lock().expect("lock").push((
            r.method().to_string(),
            r.uri().path().to_owned(),
            header(r, "stripe-account"),
            header(r, "idempotency-key"),
        ));
        self.inner.send(attempt)
    }
    fn sleep_until(&self, until: Instant) {
        self.inner.sleep_until(until);
    }
}

fn recording(config: Config) -> (stripe_client::Client<Recording>, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let inner = stripe_ureq::Ureq::from_config(&config).expect("ureq");
    let transport = Recording {
        inner,
        seen: Arc::clone(&seen),
    };
    (
        stripe_client::Client::with_transport(config, transport),
        seen,
    )
}

// ---------------------------------------------------------------------------------------------
// Finding 2: the Stripe-Account scope is journaled and recovery sends with it.

/// Old behaviour caught: the journal kept no scope from the request's or the config's
/// `Stripe-Account` (the id's scope was whatever the caller wrote, empty here) and recovery
/// rebuilt the saved request without the header, so a dead holder's charge on a connected
/// account was resumed on the platform account. Here the intent's scope is the account, and the
/// recovered POST carries `Stripe-Account` with the same key.
#[test]
fn finding_2_stripe_account_scope_is_journaled_and_recovery_sends_it() {
    const ACCT: &str = "acct_1Finding2";
    let fake = server::start().expect("fake");
    let db = TempDb::new("f2");
    let journal = journal(&db, "holder-f2");
    let (client, seen) = recording(config(&fake, 2));

    // A run with the request's Stripe-Account: the intent is scoped to that account.
    let request = charge("1200", "tok_visa")
        .with_stripe_account(ACCT)
        .expect("account");
    let outcome = done(journal.run(&client, &op("order-2a/charge"), request));
    assert_eq!((outcome.status(), outcome.source()), (200, Source::Stripe));
    let row = journal
        .load(&IntentId::new(ACCT, "order-2a/charge").expect("id"))
        .expect("load")
        .expect("the intent is stored under the account's scope");
    assert_eq!(row.id().scope(), ACCT);
    assert!(
        journal
            .load(&op("order-2a/charge"))
            .expect("load")
            .is_none(),
        "no unscoped row"
    );

    // A client whose config names the account: the same.
    let scoped_config = Config::builder("sk_test_findings")
        .api_base(fake.base_url())
        .stripe_account(ACCT)
        .build()
        .expect("config");
    let scoped_client = stripe_ureq::Client::new(scoped_config);
    done(journal.run(
        &scoped_client,
        &op("order-2c/charge"),
        charge("1300", "tok_visa"),
    ));
    let row = journal
        .load(&IntentId::new(ACCT, "order-2c/charge").expect("id"))
        .expect("load")
        .expect("scoped by the config's account");
    assert_eq!(row.id().scope(), ACCT);

    // A holder dies as it is about to send: the request it would have sent names the account.
    let id = IntentId::new(ACCT, "order-2b/charge").expect("id");
    let request = charge("1400", "tok_visa")
        .with_stripe_account(ACCT)
        .expect("account");
    let about_to_send = abandon(&journal, &client, &op("order-2b/charge"), request);
    assert_eq!(
        header(&about_to_send, "stripe-account").as_deref(),
        Some(ACCT)
    );
    let row = journal.load(&id).expect("load").expect("claimed");
    assert_eq!(row.state(), &State::Claimed);
    assert_eq!(row.id().scope(), ACCT);
    let saved = Journal::saved_request(&row).expect("saved request");
    assert_eq!(saved.path(), "/v1/charges");
    let key = row.key().as_str().to_owned();

    // After its lease, recovery resends with the same key and the account's header.
    wait_past(lease_end(&journal, &id));
    seen.lock().expect("lock").clear();
    let deadline = Instant::now() + Duration::from_secs(10);
    let report = loop {
        let report = journal.recover(&client, 10).expect("recover");
        if report.resumed() > 0 || Instant::now() > deadline {
            break report;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(report.resumed(), 1, "{report}");
    let posts: Vec<Seen> = seen
        .lock()
        .expect("lock")
        .iter()
        .filter(|s| s.0 == "POST")
        .cloned()
        .collect();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0].1, "/v1/charges");
    assert_eq!(
        posts[0].2.as_deref(),
        Some(ACCT),
        "recovery's Stripe-Account"
    );
    assert_eq!(posts[0].3.as_deref(), Some(key.as_str()), "the same key");
    let row = journal.load(&id).expect("load").expect("row");
    assert!(matches!(row.state(), State::Done(_)), "{:?}", row.state());
    assert_eq!(charges_of(&fake, "order-2b/charge").len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Finding 3: a lagging Search does not lead to a second charge.

/// Old behaviour caught: an unknown outcome was settled with Search; with Search's index 2 h
/// behind and the intent past the configured lag (zero here), Search found nothing, the journal
/// took "absent" as "not applied" and charged again under a new key: two charges. The consistent
/// List finds the one charge.
#[test]
fn finding_3_lagging_search_does_not_charge_twice() {
    let fake = server::start_with(ServerOptions {
        search_lag: Duration::from_secs(7200),
        ..Default::default()
    })
    .expect("fake");
    let db = TempDb::new("f3");
    let journal = journal(&db, "holder-f3").with_search_lag(Duration::ZERO);
    let client = client(&fake, 3);
    let id = op("order-3/charge");
    // Executed, then 500 on the first POST and on every retry with its key (a replay).
    on(
        &fake,
        "/v1/charges",
        Fault::ErrorAfter { should_retry: None },
        1,
    );
    let first = journal.run(&client, &id, charge("1000", "tok_visa"));
    let again = journal.run(&client, &id, charge("1000", "tok_visa"));
    let charges = charges_of(&fake, "order-3/charge");
    assert_eq!(charges.len(), 1, "exactly one charge: {charges:?}");
    for run in [first, again] {
        let outcome = done(run);
        assert!(
            matches!(
                outcome.source(),
                Source::Reconciled | Source::Stripe | Source::Journal
            ),
            "{outcome:?}"
        );
        assert_eq!(outcome.status(), 200);
        assert_eq!(outcome.object_id(), charges[0]["id"].as_str());
    }
}

// ---------------------------------------------------------------------------------------------
// Finding 4: prune refuses ages under the minimum.

/// Old behaviour caught: `prune(age)` deleted every done intent older than any age given,
/// `Duration::ZERO` included, so a re-delivered job found no record and charged again.
#[test]
fn finding_4_prune_refuses_ages_under_the_minimum() {
    let fake = server::start().expect("fake");
    let db = TempDb::new("f4");
    let journal = journal(&db, "holder-f4");
    let client = client(&fake, 2);
    let id = op("order-4/charge");
    done(journal.run(&client, &id, charge("1000", "tok_visa")));
    match journal.prune(Duration::ZERO) {
        Err(JournalError::PruneTooYoung { asked, minimum }) => {
            assert_eq!(asked, Duration::ZERO);
            assert_eq!(minimum, journal.min_prune_age());
        }
        other => panic!("prune(0) must be refused: {other:?}"),
    }
    let row = journal.load(&id).expect("load").expect("still there");
    assert_eq!(row.state().kind(), StateKind::Done);
    assert_eq!(
        journal.prune(journal.min_prune_age()).expect("accepted"),
        0,
        "nothing that old"
    );
    assert!(journal.load(&id).expect("load").is_some());
}

// ---------------------------------------------------------------------------------------------
// Finding 5: a holder whose clock is far from the store's refuses to work.

/// A SQLite store whose clock runs 2 h ahead of this machine's.
struct AheadStore {
    inner: Arc<SqliteStore>,
    ahead: Duration,
}

impl Store for AheadStore {
    fn load(&self, id: &IntentId) -> Result<Loaded, JournalError> {
        let loaded = self.inner.load(id)?;
        Ok(Loaded::new(
            loaded.row().cloned(),
            loaded.now() + self.ahead,
        ))
    }
    fn insert(&self, intent: &Intent) -> Result<bool, JournalError> {
        self.inner.insert(intent)
    }
    fn compare_and_set(&self, row: &Intent, expected: u64) -> Result<bool, JournalError> {
        self.inner.compare_and_set(row, expected)
    }
    fn clock(&self) -> Result<SystemTime, JournalError> {
        Ok(self.inner.clock()? + self.ahead)
    }
    fn sweep(&self, now: SystemTime, after: &Cursor, limit: usize) -> Result<Page, JournalError> {
        self.inner.sweep(now, after, limit)
    }
    fn list(&self, kind: StateKind, after: &Cursor, limit: usize) -> Result<Page, JournalError> {
        self.inner.list(kind, after, limit)
    }
    fn prune(&self, before: SystemTime) -> Result<u64, JournalError> {
        self.inner.prune(before)
    }
    fn namespace(&self) -> Result<String, JournalError> {
        self.inner.namespace()
    }
}

/// Old behaviour caught: leases and key ages were judged on each holder's own wall clock and
/// nothing compared it with the store's, so a holder 2 h off went ahead (and could take over
/// live leases or judge a young key expired). Now it refuses with `ClockSkew`, nothing sent.
#[test]
fn finding_5_a_store_clock_two_hours_ahead_is_refused() {
    let fake = server::start().expect("fake");
    let db = TempDb::new("f5");
    let store = AheadStore {
        inner: Arc::new(db.store()),
        ahead: Duration::from_secs(7200),
    };
    let journal = Journal::new(store).expect("journal").with_policy(policy());
    let client = client(&fake, 2);
    let id = op("order-5/charge");
    let run = journal.run(&client, &id, charge("1000", "tok_visa"));
    match run {
        Err(JournalError::ClockSkew { local, store, max }) => {
            assert_eq!(max, journal.policy().max_skew());
            let gap = store.duration_since(local).expect("the store is ahead");
            assert!(gap > Duration::from_secs(7000), "{gap:?}");
        }
        other => panic!("expected ClockSkew, got {other:?}"),
    }
    assert_eq!(posts(&fake), 0, "nothing reached Stripe: {:?}", fake.log());
    assert!(
        journal.load(&id).expect("load").is_none(),
        "nothing claimed"
    );
}
