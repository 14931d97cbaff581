//! `Client::list` (a stream) and `Client::on_retry` against the in-process fake Stripe.

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_core::{FusedStream, Stream};
use stripe_core::{Backoff, RetryPolicy, RetryReason};
use stripe_fake::server::{self, ServerHandle};
use stripe_fake::{Fault, FaultPlan, Rule};
use stripe_reqwest::{Client, Config, Error, PageProblem, Pages};

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
async fn customers(client: &Client, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let email = format!("c{i}@example.com");
        let r = client
            .post("/v1/customers", &[("email", email.as_str())])
            .await
            .expect("create");
        assert_eq!(r.status, 200);
        ids.push(
            r.json().expect("json")["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    ids
}

/// Up to `max` ids from the stream; every item must be an object.
async fn take_ids(pages: &mut Pages<'_>, max: usize) -> Vec<String> {
    let mut ids = Vec::new();
    while ids.len() < max {
        let Some(object) = pages.next().await else {
            break;
        };
        let object = object.expect("object");
        ids.push(object["id"].as_str().expect("id").to_owned());
    }
    ids
}

fn list_gets(fake: &ServerHandle) -> usize {
    fake.log()
        .into_iter()
        .filter(|e| e.method == "GET" && e.path.starts_with("/v1/customers"))
        .count()
}

#[tokio::test]
async fn lists_every_object_newest_first_over_three_pages() {
    let fake = server::start().expect("fake");
    let client = client(&fake);
    let created = customers(&client, 25).await;

    let mut pages = client.list("/v1/customers", &[("limit", "10")]);
    let ids = take_ids(&mut pages, usize::MAX).await;
    assert_eq!(pages.pages(), 3);
    assert_eq!(ids.len(), 25);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 25, "ids distinct");
    let newest_first: Vec<String> = created.into_iter().rev().collect();
    assert_eq!(ids, newest_first);
    assert_eq!(list_gets(&fake), 3);
    assert!(pages.is_terminated());
    assert!(pages.next().await.is_none(), "fused");
}

#[tokio::test]
async fn a_429_on_the_second_page_is_retried_transparently() {
    let fake = server::start().expect("fake");
    let client = client(&fake);
    customers(&client, 25).await;
    let notices = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&notices);
    let client = client.on_retry(move |n| seen.lock().expect("lock").push(*n));

    let mut pages = client.list("/v1/customers", &[("limit", "10")]);
    let mut ids = take_ids(&mut pages, 10).await;
    assert_eq!(pages.pages(), 1);
    // The first page is in; the next request (page 2) gets a 429.
    fake.set_plan(FaultPlan::from_rules(vec![
        Rule::new(Fault::status(429))
            .method(http::Method::GET)
            .path("/v1/customers"),
    ]));
    ids.extend(take_ids(&mut pages, usize::MAX).await);
    assert_eq!(pages.pages(), 3);
    assert_eq!(ids.len(), 25);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 25);

    let faulted = fake
        .log()
        .into_iter()
        .filter(|e| e.method == "GET" && e.status == Some(429))
        .count();
    assert_eq!(faulted, 1, "the 429 was injected once");
    assert_eq!(list_gets(&fake), 4, "3 pages + 1 retry");
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

#[tokio::test]
async fn a_non_2xx_page_is_a_typed_error_then_the_stream_ends() {
    let fake = server::start().expect("fake");
    let client = client(&fake);
    customers(&client, 3).await;
    let mut pages = client.list("/v1/customers", &[("limit", "1000")]);
    let Some(Err(Error::Page(e))) = pages.next().await else {
        panic!("expected a page error");
    };
    assert_eq!(e.problem, PageProblem::Status);
    assert_eq!(e.status(), 400);
    assert_eq!(e.page, 1);
    let api = e.api_error().expect("Stripe's error object");
    assert_eq!(api.kind, "invalid_request_error");
    assert!(e.to_string().contains("400"), "{e}");
    assert!(pages.next().await.is_none());
}

#[tokio::test]
async fn a_body_that_is_not_a_list_is_a_typed_error() {
    let fake = server::start().expect("fake");
    let client = client(&fake);
    let id = customers(&client, 1).await.remove(0);
    let mut pages = client.list(&format!("/v1/customers/{id}"), &());
    let Some(Err(Error::Page(e))) = pages.next().await else {
        panic!("expected a page error");
    };
    assert_eq!(e.problem, PageProblem::NotAList);
    assert_eq!(e.status(), 200);
    assert!(pages.next().await.is_none());
}

#[tokio::test]
async fn an_invalid_path_is_an_error_before_any_request() {
    let fake = server::start().expect("fake");
    let client = client(&fake);
    let mut pages = client.list("v1/customers", &());
    assert!(matches!(pages.next().await, Some(Err(Error::Request(_)))));
    assert!(pages.next().await.is_none());
    assert!(fake.log().is_empty());
}

#[tokio::test]
async fn ending_before_walks_towards_newer_objects() {
    let fake = server::start().expect("fake");
    let client = client(&fake);
    let created = customers(&client, 7).await;
    let mut pages = client.list(
        "/v1/customers",
        &[("limit", "2"), ("ending_before", created[0].as_str())],
    );
    let ids = take_ids(&mut pages, usize::MAX).await;
    assert_eq!(
        ids,
        created[1..].to_vec(),
        "oldest to newest after the cursor"
    );
}

#[tokio::test]
async fn the_stream_is_polled_through_the_trait_and_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let fake = server::start().expect("fake");
    let client = client(&fake);
    customers(&client, 3).await;
    let mut pages = client.list("/v1/customers", &[("limit", "2")]);
    assert_send(&pages);
    let mut count = 0;
    while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut pages).poll_next(cx)).await {
        item.expect("object");
        count += 1;
    }
    assert_eq!(count, 3);
    assert_eq!(pages.pages(), 2);
}
