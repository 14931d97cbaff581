//! `list` (an iterator over ureq, a stream over reqwest) and the retry hook, on every adapter,
//! against the in-process fake Stripe; then what only the stream has.

#[macro_use]
mod support;

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_core::{FusedStream, Stream};
use serde_json::Value;
use stripe_core::list::PageProblem;
use stripe_core::{Backoff, Error, ErrorKind, RetryPolicy, RetryReason};
use stripe_fake::server::ServerHandle;
use stripe_fake::{Fault, FaultPlan, Rule};
use support::fake::fake;
use support::{Adapter, Client, config};

fn client(adapter: Adapter, fake: &ServerHandle) -> Client {
    let policy = RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_millis(10)));
    adapter.with(&fake.base_url(), policy)
}

/// Creates `n` customers, returns their ids oldest first.
fn customers(client: &Client, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let email = format!("c{i}@example.com");
            let r = client
                .post("/v1/customers", &[("email", email.as_str())])
                .expect("create");
            assert_eq!(r.status(), 200);
            r.json().expect("json")["id"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect()
}

fn id(object: Result<Value, Error>) -> String {
    object.expect("object")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// The list requests the fake saw.
fn list_gets(fake: &ServerHandle) -> usize {
    fake.log()
        .into_iter()
        .filter(|e| e.method == "GET" && e.path.starts_with("/v1/customers"))
        .count()
}

fn lists_every_object_newest_first_over_three_pages(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake);
    let created = customers(&client, 25);

    let mut pages = client.list("/v1/customers", &[("limit", "10")]);
    let ids: Vec<String> = pages.by_ref().map(id).collect();
    assert_eq!(pages.pages(), 3);
    assert_eq!(ids.len(), 25);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 25, "ids distinct");
    let newest_first: Vec<String> = created.into_iter().rev().collect();
    assert_eq!(ids, newest_first);

    assert_eq!(list_gets(&fake), 3);
    assert!(pages.next().is_none(), "fused");
}

fn a_429_on_the_second_page_is_retried_transparently(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake);
    customers(&client, 25);
    let notices = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&notices);
    let client = client.with_retry_hook(move |n| seen.lock().expect("lock").push(*n));

    let mut pages = client.list("/v1/customers", &[("limit", "10")]);
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

    let faulted = fake
        .log()
        .into_iter()
        .filter(|e| e.method == "GET" && e.status == Some(429))
        .count();
    assert_eq!(faulted, 1, "the 429 was injected once");
    assert_eq!(list_gets(&fake), 4, "3 pages + 1 retry");
    let notices = notices.lock().expect("lock");
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].attempt(), 2);
    assert_eq!(notices[0].max_tries(), 5);
    assert_eq!(
        notices[0].reason(),
        RetryReason::Status(http::StatusCode::TOO_MANY_REQUESTS)
    );
    assert_eq!(notices[0].wait(), Duration::from_millis(10));
}

fn a_non_2xx_page_is_a_typed_error_then_the_walk_ends(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake);
    customers(&client, 3);
    let mut pages = client.list("/v1/customers", &[("limit", "1000")]);
    let Some(Err(e)) = pages.next() else {
        panic!("expected a page error");
    };
    assert_eq!(e.kind(), &ErrorKind::Page(PageProblem::Status), "{e:?}");
    let page = e.response().expect("the page's answer");
    assert_eq!(page.status(), 400);
    assert_eq!(e.page(), Some(1));
    let api = page.error().expect("Stripe's error object");
    assert_eq!(api.kind, "invalid_request_error");
    assert!(e.to_string().contains("400"), "{e}");
    assert!(pages.next().is_none());
}

fn a_body_that_is_not_a_list_is_a_typed_error(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake);
    let id = customers(&client, 1).remove(0);
    let mut pages = client.list(&format!("/v1/customers/{id}"), &());
    let Some(Err(e)) = pages.next() else {
        panic!("expected a page error");
    };
    assert_eq!(e.kind(), &ErrorKind::Page(PageProblem::NotAList), "{e:?}");
    assert_eq!(e.response().expect("the page").status(), 200);
    assert!(pages.next().is_none());
}

fn an_invalid_path_is_an_error_before_any_request(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake);
    let mut pages = client.list("v1/customers", &());
    let Some(Err(e)) = pages.next() else {
        panic!("expected an error");
    };
    assert_eq!(e.kind(), &ErrorKind::InvalidRequest, "{e:?}");
    assert!(pages.next().is_none());
    assert!(fake.log().is_empty());
}

fn ending_before_walks_towards_newer_objects(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake);
    let created = customers(&client, 7);
    let ids: Vec<String> = client
        .list(
            "/v1/customers",
            &[("limit", "2"), ("ending_before", created[0].as_str())],
        )
        .map(id)
        .collect();
    assert_eq!(
        ids,
        created[1..].to_vec(),
        "oldest to newest after the cursor"
    );
}

fn a_user_cursor_starts_the_walk_there(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake);
    let created = customers(&client, 6);
    let ids: Vec<String> = client
        .list(
            "/v1/customers?limit=2",
            &[("starting_after", created[4].as_str())],
        )
        .map(id)
        .collect();
    let expected: Vec<String> = created[..4].iter().rev().cloned().collect();
    assert_eq!(ids, expected);
}

/// A Search is walked by its `next_page` token (`page`), the query kept on every page, through
/// `list` as a v1 list is: every match once, no other object.
fn a_search_is_walked_page_by_page_like_a_list(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake);
    let created = customers(&client, 7);
    client
        .post("/v1/customers", &[("email", "other@example.org")])
        .expect("create");
    let query = [("query", "email~'@example.com'"), ("limit", "3")];
    let mut pages = client.list("/v1/customers/search", &query);
    let ids: HashSet<String> = pages.by_ref().map(id).collect();
    assert_eq!(pages.pages(), 3);
    assert_eq!(ids, created.into_iter().collect::<HashSet<_>>());
    let searches = (fake.log().into_iter())
        .filter(|e| e.path.starts_with("/v1/customers/search"))
        .count();
    assert_eq!(searches, 3, "one request per page");
}

run_on_adapters!(
    a_search_is_walked_page_by_page_like_a_list,
    lists_every_object_newest_first_over_three_pages,
    a_429_on_the_second_page_is_retried_transparently,
    a_non_2xx_page_is_a_typed_error_then_the_walk_ends,
    a_body_that_is_not_a_list_is_a_typed_error,
    an_invalid_path_is_an_error_before_any_request,
    ending_before_walks_towards_newer_objects,
    a_user_cursor_starts_the_walk_there,
);

// ---------------------------------------------------------------------------------------------
// The stream only

fn reqwest_client(fake: &ServerHandle) -> stripe_reqwest::Client {
    let policy = RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_millis(10)));
    stripe_reqwest::Client::new(config(&fake.base_url(), policy))
}

async fn create_customers(client: &stripe_reqwest::Client, n: usize) {
    for i in 0..n {
        let email = format!("c{i}@example.com");
        let r = client
            .post("/v1/customers", &[("email", email.as_str())])
            .await
            .expect("create");
        assert_eq!(r.status(), 200);
    }
}

/// Polled through `Stream` itself (not the inherent `next`), `Send`, and terminated (the
/// `FusedStream` says so) once the last page is used up.
#[tokio::test]
async fn the_stream_is_polled_through_the_trait_is_send_and_fused() {
    fn assert_send<T: Send>(_: &T) {}
    let fake = fake();
    let client = reqwest_client(&fake);
    create_customers(&client, 3).await;
    let mut pages = client.list("/v1/customers", &[("limit", "2")]);
    assert_send(&pages);
    assert!(!pages.is_terminated());
    let mut count = 0;
    while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut pages).poll_next(cx)).await {
        item.expect("object");
        count += 1;
    }
    assert_eq!(count, 3);
    assert_eq!(pages.pages(), 2);
    assert!(pages.is_terminated());
    assert!(pages.next().await.is_none(), "fused");
}
