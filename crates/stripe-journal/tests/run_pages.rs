//! Reading Stripe's lists page after page against the fake Stripe: a lookup that settles an
//! unknown outcome, and an audit for duplicates.

mod support;

use std::time::{Duration, SystemTime};

use http::Method;
use stripe_fake::server;
use stripe_fake::{Fault, FaultPlan, Rule};
use stripe_journal::{IntentId, JournalError, Source};

use support::common::{charge, done};
use support::run::{charges_tagged, config, journal};

/// `n` plain charges of other orders (`other-<i>`), outside the journal.
fn charge_others(client: &stripe_ureq::Client, n: usize) {
    for i in 0..n {
        let answer = client.send(charge(&format!("other-{i}"))).expect("charge");
        assert_eq!(answer.status(), 200);
    }
}

#[test]
fn a_lookup_reads_the_list_page_after_page() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal();
    let id = IntentId::op("order-10/charge").expect("id");
    // Executed, then 500; and the list that would settle it fails on every try: to reconcile.
    let plan = FaultPlan::new()
        .rule(
            Rule::new(Fault::ErrorAfter { should_retry: None })
                .method(Method::POST)
                .path("/v1/charges")
                .times(1),
        )
        .rule(
            Rule::new(Fault::status(500))
                .method(Method::GET)
                .path("/v1/charges")
                .times(3),
        );
    fake.set_plan(plan);
    let first = journal.run(&client, &id, charge("10"));
    assert!(
        matches!(first, Err(JournalError::Stripe { .. })),
        "{first:?}"
    );
    // 150 newer charges of other orders: the operation's is on the list's second page.
    charge_others(&client, 150);
    let lists_before = fake.with_model(|m| m.log().iter().filter(|e| e.method == "GET").count());
    let outcome = done(journal.run(&client, &id, charge("10")));
    assert_eq!(outcome.source(), Source::Reconciled);
    let pages =
        fake.with_model(|m| m.log().iter().filter(|e| e.method == "GET").count()) - lists_before;
    assert_eq!(pages, 2, "two pages of the list");
    assert_eq!(charges_tagged(&fake, "order-10/charge"), 1);
}

#[test]
fn an_audit_reads_every_page_of_each_list() {
    let fake = server::start().expect("fake");
    let client = stripe_ureq::Client::new(config(&fake));
    let journal = journal();
    let since = SystemTime::now() - Duration::from_secs(3600);
    // Two charges tagged with this journal's op (the consequence the audit exists for), then
    // 120 newer untagged ones: the two are on the list's second page.
    let ns = journal.namespace().to_owned();
    let tagged = [
        ("amount", "700"),
        ("currency", "usd"),
        ("source", "tok_visa"),
        ("metadata[op]", "order-11/charge"),
        ("metadata[op_ns]", ns.as_str()),
    ];
    for _ in 0..2 {
        assert_eq!(
            client
                .post("/v1/charges", &tagged)
                .expect("charge")
                .status(),
            200
        );
    }
    charge_others(&client, 120);
    let report = stripe_journal::Audit::new(&journal, since)
        .run(&client)
        .expect("audit");
    let found: Vec<_> = report
        .duplicates()
        .iter()
        .map(|d| d.op().to_owned())
        .collect();
    assert_eq!(found, ["order-11/charge"], "{report:?}");
    assert_eq!(report.duplicates()[0].objects().len(), 2);
}
