//! Every list shape walked by one `ListWalk`: a v1 Search (`next_page` sent back as `page`) and
//! a v2 list (`next_page_url` followed), with the loop and page caps of a v1 list, and a
//! `next_page_url` that leaves the API base never followed.

mod common;

use common::page;
use serde_json::json;
use stripe_core::list::{ListWalk, PageProblem};
use stripe_core::{ErrorKind, Response};

fn search(ids: &[&str], next: Option<&str>) -> Response {
    let data: Vec<_> = ids.iter().map(|id| json!({ "id": id })).collect();
    page(
        &json!({"object": "search_result", "data": data, "has_more": next.is_some(),
        "next_page": next, "url": "/v1/customers/search"}),
    )
}

fn v2(ids: &[&str], next: Option<&str>) -> Response {
    let data: Vec<_> = ids.iter().map(|id| json!({ "id": id })).collect();
    page(&json!({"data": data, "next_page_url": next, "previous_page_url": null}))
}

/// Walks to the end: every request's path, every object's id, and the problem that ended it.
fn walk_all(
    mut walk: ListWalk,
    mut answer: impl FnMut(usize) -> Response,
) -> (Vec<String>, Vec<String>, Option<PageProblem>) {
    let (mut paths, mut ids) = (Vec::new(), Vec::new());
    while let Some(request) = walk.next_request() {
        paths.push(request.expect("a valid page request").path().to_owned());
        assert!(paths.len() < 50, "the walk goes on: {paths:?}");
        match walk.absorb(answer(paths.len() - 1)) {
            Ok(objects) => ids.extend(
                objects
                    .iter()
                    .map(|o| o["id"].as_str().unwrap_or("").to_owned()),
            ),
            Err(e) => {
                let ErrorKind::Page(problem) = e.kind() else {
                    panic!("{e}")
                };
                return (paths, ids, Some(*problem));
            }
        }
    }
    (paths, ids, None)
}

#[test]
fn a_search_is_walked_by_its_next_page_token_with_its_query_kept() {
    let walk = ListWalk::new(
        "/v1/customers/search",
        &[("query", "email:'a@b.c'"), ("limit", "2")],
    )
    .expect("valid");
    let pages = [
        search(&["cus_1", "cus_2"], Some("tok_2")),
        search(&["cus_3"], None),
    ];
    let mut pages = pages.into_iter();
    let (paths, ids, problem) = walk_all(walk, |_| pages.next().expect("two pages"));
    assert_eq!(problem, None);
    assert_eq!(ids, ["cus_1", "cus_2", "cus_3"]);
    assert_eq!(
        paths,
        [
            "/v1/customers/search?query=email%3A%27a%40b.c%27&limit=2",
            "/v1/customers/search?query=email%3A%27a%40b.c%27&limit=2&page=tok_2",
        ]
    );
}

#[test]
fn a_v2_list_follows_its_next_page_url_until_null() {
    let walk = ListWalk::new(
        "/v2/core/events",
        &json!({"limit": 2, "types": ["a.b", "c.d"]}),
    )
    .expect("valid");
    let mut pages = [
        v2(&["evt_1", "evt_2"], Some("/v2/core/events?page=p2")),
        v2(&["evt_3"], None),
    ]
    .into_iter();
    let (paths, ids, problem) = walk_all(walk, |_| pages.next().expect("two pages"));
    assert_eq!(problem, None);
    assert_eq!(ids, ["evt_1", "evt_2", "evt_3"]);
    assert_eq!(
        paths,
        [
            "/v2/core/events?limit=2&types=a.b&types=c.d",
            "/v2/core/events?page=p2"
        ]
    );
}

#[test]
fn looping_tokens_and_urls_end_the_walk_and_so_does_the_page_cap() {
    // A Search whose token comes back, a v2 list whose URL does.
    let walk = ListWalk::new("/v1/charges/search", &[("query", "amount>1")]).expect("valid");
    let (_, _, problem) = walk_all(walk, |n| {
        search(&["ch_x"], Some(if n % 2 == 0 { "t1" } else { "t2" }))
    });
    assert_eq!(problem, Some(PageProblem::CursorRepeated));
    let walk = ListWalk::new("/v2/core/events", &()).expect("valid");
    let (paths, _, problem) = walk_all(walk, |_| v2(&["evt_1"], Some("/v2/core/events?page=same")));
    assert_eq!(problem, Some(PageProblem::CursorRepeated));
    assert_eq!(paths.len(), 2);
    // Endless new tokens stop at the cap.
    let walk = ListWalk::new("/v2/core/events", &())
        .expect("valid")
        .with_max_pages(3);
    let (paths, _, problem) = walk_all(walk, |n| {
        v2(&["evt"], Some(&format!("/v2/core/events?page=p{n}")))
    });
    assert_eq!(problem, Some(PageProblem::TooManyPages));
    assert_eq!(paths.len(), 3);
}

#[test]
fn a_next_page_url_off_the_api_base_or_a_changing_shape_is_refused() {
    for url in [
        "https://evil.example/v2/core/events?page=p2",
        "//evil.example/v2/core/events",
        "/v2/../admin",
        "/v2/core/events?page=a\r\nHost: evil",
    ] {
        let walk = ListWalk::new("/v2/core/events", &()).expect("valid");
        let (paths, _, problem) = walk_all(walk, |_| v2(&["evt_1"], Some(url)));
        assert_eq!(problem, Some(PageProblem::NoCursor), "{url}");
        assert_eq!(paths.len(), 1, "{url} is never asked for");
    }
    // A search that says has_more without a token; a page of another shape mid-walk.
    let walk = ListWalk::new("/v1/customers/search", &[("query", "x")]).expect("valid");
    let (_, _, problem) = walk_all(walk, |_| {
        page(&json!({"object": "search_result", "data": [], "has_more": true, "next_page": null}))
    });
    assert_eq!(problem, Some(PageProblem::NoCursor));
    let walk = ListWalk::new("/v2/core/events", &()).expect("valid");
    let mut pages = [
        v2(&["evt_1"], Some("/v2/core/events?page=p2")),
        search(&["x"], None),
    ]
    .into_iter();
    let (_, _, problem) = walk_all(walk, |_| pages.next().expect("two pages"));
    assert_eq!(problem, Some(PageProblem::NotAList));
    // A v2 page whose next_page_url is neither text nor null.
    let walk = ListWalk::new("/v2/core/events", &()).expect("valid");
    let (_, _, problem) = walk_all(walk, |_| page(&json!({"data": [], "next_page_url": 7})));
    assert_eq!(problem, Some(PageProblem::NotAList));
}
