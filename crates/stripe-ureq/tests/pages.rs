//! `Client::list` and `Client::on_retry` against the in-process fake Stripe.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stripe_core::{Backoff, RetryPolicy, RetryReason};
use stripe_fake::server::{self, ServerHandle};
use stripe_fake::{Fault, FaultPlan, Rule};
use stripe_ureq::{Client, Config, Error, PageProblem};

fn client(fake: &ServerHandle) -> Client {
    let policy = RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_millis(10)));
    let config = Config::builder("sk_test_pages")
        .api_base(fake.base_url())
        .policy(policy)
        .build()
        .expect("config");
    Client::new(config)
}

/// Creates `n` customers, returns their ids oldest first.
fn customers(client: &Client, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let email = format!("c{i}@example.com");
            let r = client
                .post("/v1/customers", &[("email", email.as_str())])
                .expect("create");
            assert_eq!(r.status, 200);
            r.json().expect("json")["id"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect()
}

fn list_gets(fake: &ServerHandle) -> Vec<String> {
    fake.log()
        .into_iter()
        .filter(|e| e.method == "GET" && e.path.starts_with("/v1/customers"))
        .map(|e| e.path)
        .collect()
}

#[test]
fn lists_every_object_newest_first_over_three_pages() {
    let fake = server::start().expect("fake");
    let client = client(&fake);
    let created = customers(&client, 25);

    let mut pages = client.list("/v1/customers", &[("limit", "10")]);
    let ids: Vec<String> = pages
        .by_ref()
        .map(|o| o.expect("object")["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(pages.pages(), 3);
    assert_eq!(ids.len(), 25);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 25, "ids distinct");
    let newest_first: Vec<String> = created.into_iter().rev().collect();
    assert_eq!(ids, newest_first);

    assert_eq!(list_gets(&fake).len(), 3);
    assert!(pages.next().is_none(), "fused");
}

#[test]
fn a_429_on_the_second_page_is_retried_transparently() {
    let fake = server::start().expect("fake");
    let client = client(&fake);
    customers(&client, 25);
    let notices = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&notices);
    let client = client.on_retry(move |n| seen.lock().expect("lock").push(*n));

    let mut pages = client.list("/v1/customers", &[("limit", "10")]);
    let id = |o: Result<serde_json::Value, Error>| {
        o.expect("object")["id"].as_str().expect("id").to_owned()
    };
    let mut ids: Vec<String> = pages.by_ref().take(10).map(id).collect();
    assert_eq!(pages.pages(), 1);
    // The first page is in; the next request (page 2) gets a 429.
    fake.set_plan(FaultPlan::from_rules(vec![
        Rule::new(Fault::status(429))
            .method(http::Method::GET)
            .path("/v1/customers"),
    ]));
    ids.extend(pages.by_ref().map(id));
    assert_eq!(pages.pages(), 3);
    assert_eq!(ids.len(), 25);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 25);

    let faulted: Vec<_> = fake
        .log()
        .into_iter()
        .filter(|e| e.method == "GET" && e.status == Some(429))
        .collect();
    assert_eq!(faulted.len(), 1, "the 429 was injected once");
    assert_eq!(list_gets(&fake).len(), 4, "3 pages + 1 retry");
    let notices = notices.lock().expect("lock");
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].attempt, 2);
    assert_eq!(notices[0].max_tries, 5);
    assert_eq!(
        notices[0].reason,
        RetryReason::Status(http::StatusCode::TOO_MANY_REQUESTS)
    );
    assert_eq!(notices[0].wait, Duration::from_millis(10));
}

#[test]
fn a_non_2xx_page_is_a_typed_error_then_the_walk_ends() {
    let fake = server::start().expect("fake");
    let client = client(&fake);
    customers(&client, 3);
    let mut pages = client.list("/v1/customers", &[("limit", "1000")]);
    let Some(Err(Error::Page(e))) = pages.next() else {
        panic!("expected a page error");
    };
    assert_eq!(e.problem, PageProblem::Status);
    assert_eq!(e.status(), 400);
    assert_eq!(e.page, 1);
    let api = e.api_error().expect("Stripe's error object");
    assert_eq!(api.kind, "invalid_request_error");
    assert!(e.to_string().contains("400"), "{e}");
    assert!(pages.next().is_none());
}

#[test]
fn a_body_that_is_not_a_list_is_a_typed_error() {
    let fake = server::start().expect("fake");
    let client = client(&fake);
    let id = customers(&client, 1).remove(0);
    let mut pages = client.list(&format!("/v1/customers/{id}"), &());
    let Some(Err(Error::Page(e))) = pages.next() else {
        panic!("expected a page error");
    };
    assert_eq!(e.problem, PageProblem::NotAList);
    assert_eq!(e.status(), 200);
    assert!(pages.next().is_none());
}

#[test]
fn an_invalid_path_is_an_error_before_any_request() {
    let fake = server::start().expect("fake");
    let client = client(&fake);
    let mut pages = client.list("v1/customers", &());
    assert!(matches!(pages.next(), Some(Err(Error::Request(_)))));
    assert!(pages.next().is_none());
    assert!(fake.log().is_empty());
}

#[test]
fn ending_before_walks_towards_newer_objects() {
    let fake = server::start().expect("fake");
    let client = client(&fake);
    let created = customers(&client, 7);
    let ids: Vec<String> = client
        .list(
            "/v1/customers",
            &[("limit", "2"), ("ending_before", created[0].as_str())],
        )
        .map(|o| o.expect("object")["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(
        ids,
        created[1..].to_vec(),
        "oldest to newest after the cursor"
    );
}

#[test]
fn a_user_cursor_starts_the_walk_there() {
    let fake = server::start().expect("fake");
    let client = client(&fake);
    let created = customers(&client, 6);
    let ids: Vec<String> = client
        .list(
            "/v1/customers?limit=2",
            &[("starting_after", created[4].as_str())],
        )
        .map(|o| o.expect("object")["id"].as_str().expect("id").to_owned())
        .collect();
    let expected: Vec<String> = created[..4].iter().rev().cloned().collect();
    assert_eq!(ids, expected);
}
