//! `ListWalk` against scripted pages: a walk always ends, even when a server's cursors loop.

mod common;

use common::page;
use serde_json::json;
use stripe_core::list::{DEFAULT_MAX_PAGES, ListWalk, PageProblem};
use stripe_core::{ErrorKind, Response};

/// A list page holding objects with `ids`, saying `has_more: true`.
fn more(ids: &[&str]) -> Response {
    let data: Vec<_> = ids.iter().map(|id| json!({ "id": id })).collect();
    page(&json!({"object": "list", "data": data, "has_more": true}))
}

/// The page problem of a walk's error.
fn problem(e: &stripe_core::Error) -> PageProblem {
    match e.kind() {
        ErrorKind::Page(p) => *p,
        other => panic!("not a page error: {other:?}"),
    }
}

/// Drives `walk` against `answer` (which gets the page's cursor) for at most `limit` pages:
/// the problem that ended it, if any, and the pages fetched.
fn drive(
    walk: &mut ListWalk,
    limit: u32,
    mut answer: impl FnMut(Option<&str>) -> Response,
) -> (Option<PageProblem>, u32) {
    let mut fetched = 0;
    while let Some(request) = walk.next_request() {
        request.expect("a valid page request");
        assert!(
            fetched < limit,
            "the walk fetched {fetched} pages and goes on"
        );
        fetched += 1;
        let response = answer(walk.cursor());
        if let Err(e) = walk.absorb(response) {
            return (Some(problem(&e)), fetched);
        }
    }
    (None, fetched)
}

#[test]
fn cursors_alternating_between_two_ids_end_the_walk_with_a_typed_error() {
    let mut walk = ListWalk::new("/v1/customers", &[("limit", "1")]).expect("valid");
    // Page after `cus_a` ends at `cus_b`, page after `cus_b` ends at `cus_a`, and so on.
    let (problem, fetched) = drive(&mut walk, 50, |cursor| match cursor {
        Some("cus_a") => more(&["cus_b"]),
        _ => more(&["cus_a"]),
    });
    assert_eq!(problem, Some(PageProblem::CursorRepeated));
    assert_eq!(
        fetched, 3,
        "pages: first (-> a), after a (-> b), after b (-> a again)"
    );
    assert!(walk.is_done());
}

#[test]
fn the_same_cursor_twice_in_a_row_is_a_repeat_too() {
    let mut walk = ListWalk::new("/v1/customers", &()).expect("valid");
    let (problem, fetched) = drive(&mut walk, 50, |_| more(&["cus_same"]));
    assert_eq!(problem, Some(PageProblem::CursorRepeated));
    assert_eq!(fetched, 2);
}

#[test]
fn a_page_ending_at_the_starting_cursor_is_a_repeat() {
    let mut walk =
        ListWalk::new("/v1/customers", &[("starting_after", "cus_start")]).expect("valid");
    let (problem, fetched) = drive(&mut walk, 50, |_| more(&["cus_start"]));
    assert_eq!(problem, Some(PageProblem::CursorRepeated));
    assert_eq!(fetched, 1);
}

#[test]
fn an_endless_list_of_new_cursors_stops_at_the_page_cap() {
    let mut walk = ListWalk::new("/v1/customers", &())
        .expect("valid")
        .with_max_pages(5);
    assert_eq!(walk.max_pages(), 5);
    let mut n = 0u32;
    let (problem, fetched) = drive(&mut walk, 50, |_| {
        n += 1;
        more(&[&format!("cus_{n}")])
    });
    assert_eq!(problem, Some(PageProblem::TooManyPages));
    assert_eq!(fetched, 5, "never more pages than the cap");
    assert_eq!(walk.pages(), 5);
}

#[test]
fn a_list_that_fits_the_cap_ends_normally() {
    let mut walk = ListWalk::new("/v1/customers", &())
        .expect("valid")
        .with_max_pages(3);
    let mut n = 0u32;
    let (problem, fetched) = drive(&mut walk, 50, |_| {
        n += 1;
        if n < 3 {
            more(&[&format!("cus_{n}")])
        } else {
            page(&json!({"object": "list", "data": [{"id": "cus_last"}], "has_more": false}))
        }
    });
    assert_eq!(problem, None);
    assert_eq!(fetched, 3);
}

#[test]
fn the_default_cap_is_ten_thousand_pages() {
    let walk = ListWalk::new("/v1/customers", &()).expect("valid");
    assert_eq!(walk.max_pages(), DEFAULT_MAX_PAGES);
    assert_eq!(DEFAULT_MAX_PAGES, 10_000);
}

#[test]
fn the_errors_say_what_happened() {
    let mut walk = ListWalk::new("/v1/customers", &()).expect("valid");
    let _ = walk.absorb(more(&["cus_x"])).expect("a first page");
    let e = walk.absorb(more(&["cus_x"])).expect_err("a repeat");
    assert_eq!(e.page_cursor(), Some("cus_x"));
    assert!(e.to_string().contains("cus_x"), "{e}");
    let mut walk = ListWalk::new("/v1/customers", &())
        .expect("valid")
        .with_max_pages(1);
    let e = walk.absorb(more(&["cus_y"])).expect_err("past the cap");
    assert_eq!(problem(&e), PageProblem::TooManyPages);
    assert!(e.to_string().contains("page 1 of the list"), "{e}");
    assert!(e.to_string().contains("cap"), "{e}");
}
