//! List pagination through the pure model: limit, starting_after, ending_before.

mod common;

use common::{get, json, post, t0};
use stripe_fake::Model;

fn ids(list: &serde_json::Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect()
}

/// A model with 25 charges; returns it and their ids newest first.
fn model_with_charges() -> (Model, Vec<String>) {
    let mut model = Model::new(11);
    for i in 1..=25 {
        let resp = model.handle(
            &post(
                "/v1/charges",
                &format!("amount={i}00&currency=usd&source=tok_visa"),
            ),
            t0(),
        );
        assert_eq!(resp.status(), 200);
    }
    let newest_first = model
        .charges()
        .iter()
        .rev()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect();
    (model, newest_first)
}

#[test]
fn default_limit_is_ten_newest_first() {
    let (mut model, all) = model_with_charges();
    let list = json(&model.handle(&get("/v1/charges"), t0()));
    assert_eq!(list["object"], "list");
    assert_eq!(list["has_more"], true);
    assert_eq!(ids(&list), all[..10].to_vec());
}

#[test]
fn starting_after_walks_all_pages() {
    let (mut model, all) = model_with_charges();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/v1/charges?limit=7".to_owned(),
            Some(c) => format!("/v1/charges?limit=7&starting_after={c}"),
        };
        let list = json(&model.handle(&get(&path), t0()));
        let page = ids(&list);
        seen.extend(page.iter().cloned());
        if list["has_more"] == false {
            break;
        }
        cursor = page.last().cloned();
    }
    assert_eq!(seen, all);
}

#[test]
fn ending_before_returns_the_page_just_newer() {
    let (mut model, all) = model_with_charges();
    let list = json(&model.handle(
        &get(&format!("/v1/charges?limit=3&ending_before={}", all[10])),
        t0(),
    ));
    assert_eq!(ids(&list), all[7..10].to_vec());
    assert_eq!(list["has_more"], true);
    let list = json(&model.handle(
        &get(&format!("/v1/charges?limit=5&ending_before={}", all[2])),
        t0(),
    ));
    assert_eq!(ids(&list), all[..2].to_vec());
    assert_eq!(list["has_more"], false);
}

#[test]
fn bad_list_parameters() {
    let (mut model, all) = model_with_charges();
    for limit in ["0", "101", "x", "-1"] {
        let resp = model.handle(&get(&format!("/v1/charges?limit={limit}")), t0());
        assert_eq!(resp.status(), 400, "limit={limit}");
        assert_eq!(json(&resp)["error"]["param"], "limit");
    }
    let ok = model.handle(&get("/v1/charges?limit=100"), t0());
    assert_eq!(json(&ok)["data"].as_array().expect("data").len(), 25);
    let both = model.handle(
        &get(&format!(
            "/v1/charges?starting_after={0}&ending_before={0}",
            all[0]
        )),
        t0(),
    );
    assert_eq!(both.status(), 400);
    let unknown = model.handle(&get("/v1/charges?starting_after=ch_nope"), t0());
    assert_eq!(unknown.status(), 400);
    assert_eq!(json(&unknown)["error"]["code"], "resource_missing");
    assert_eq!(json(&unknown)["error"]["param"], "starting_after");
}
