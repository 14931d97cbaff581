//! The list filters that find a lost create by consistent reads (no Search lag): charges by
//! `created` window and `customer` or `payment_intent`, payment intents by `created` and
//! `customer`, customers by `created`, refunds by `charge` or `payment_intent`; each walked
//! page by page with `starting_after` and `has_more`.

mod common;

use std::time::{Duration, SystemTime};

use common::{get, json, post, t0};
use serde_json::Value;
use stripe_fake::Model;

/// Seconds of `t0()` since the Unix epoch.
const T0: u64 = 1_700_000_000;

fn at(secs: u64) -> SystemTime {
    t0() + Duration::from_secs(secs)
}

fn ok(model: &mut Model, req: &http::Request<bytes::Bytes>, when: SystemTime) -> Value {
    let resp = model.handle(req, when);
    assert_eq!(resp.status(), 200, "{:?}", resp.body());
    json(&resp)
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(id)
        .collect()
}

/// Every object the list `path` (with its filters) returns, walked `page` at a time with
/// `starting_after`; checks `has_more` is true on every page but the last.
fn walk(model: &mut Model, path: &str, page: usize) -> Vec<String> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let url = match &cursor {
            None => format!("{path}&limit={page}"),
            Some(c) => format!("{path}&limit={page}&starting_after={c}"),
        };
        let list = ok(model, &get(&url), at(1000));
        assert_eq!(list["object"], "list");
        let got = ids(&list);
        assert!(got.len() <= page, "{url}");
        all.extend(got.iter().cloned());
        if list["has_more"] == false {
            return all;
        }
        assert_eq!(got.len(), page, "a page before the last is full: {url}");
        cursor = got.last().cloned();
    }
    panic!("{path}: more than 100 pages");
}

fn customer(model: &mut Model, when: SystemTime) -> String {
    id(&ok(model, &post("/v1/customers", "source=tok_visa"), when))
}

fn charge(model: &mut Model, cus: &str, when: SystemTime) -> String {
    let body = format!("amount=1000&currency=usd&customer={cus}");
    id(&ok(model, &post("/v1/charges", &body), when))
}

#[test]
fn charges_by_created_window_and_customer() {
    let mut model = Model::new(31);
    let a = customer(&mut model, at(0));
    let b = customer(&mut model, at(0));
    // A's charges at 10, 20, ..., 80 s; B's at the same seconds.
    let mut a_charges = Vec::new();
    for s in 1..=8 {
        a_charges.push(charge(&mut model, &a, at(s * 10)));
        charge(&mut model, &b, at(s * 10));
    }
    // The window [30, 60] holds A's 3rd..6th, listed newest first.
    let window: Vec<String> = a_charges[2..6].iter().rev().cloned().collect();
    let path = format!(
        "/v1/charges?created[gte]={}&created[lte]={}&customer={a}",
        T0 + 30,
        T0 + 60
    );
    let list = ok(&mut model, &get(&format!("{path}&limit=100")), at(1000));
    assert_eq!(ids(&list), window);
    assert_eq!(list["has_more"], false);
    assert_eq!(list["url"], "/v1/charges");
    assert!(
        list["data"]
            .as_array()
            .expect("data")
            .iter()
            .all(|c| c["customer"] == *a)
    );
    assert_eq!(walk(&mut model, &path, 3), window);
    assert_eq!(walk(&mut model, &path, 1), window);
    // Strict bounds exclude the edges.
    let strict = format!(
        "/v1/charges?created[gt]={}&created[lt]={}&customer={a}&limit=100",
        T0 + 30,
        T0 + 60
    );
    assert_eq!(ids(&ok(&mut model, &get(&strict), at(1000))), window[1..3]);
    // A window with nothing in it is an empty list, not an error.
    let empty = format!("/v1/charges?created[gte]={}&customer={a}", T0 + 81);
    let list = ok(&mut model, &get(&empty), at(1000));
    assert!(ids(&list).is_empty());
    assert_eq!(list["has_more"], false);
}

#[test]
fn charges_and_payment_intents_by_payment_intent_and_customer() {
    let mut model = Model::new(32);
    let cus = customer(&mut model, at(0));
    let mut intents = Vec::new();
    for s in 1..=5 {
        let body = format!(
            "amount=700&currency=usd&customer={cus}&payment_method=pm_card_visa&confirm=true"
        );
        intents.push(ok(
            &mut model,
            &post("/v1/payment_intents", &body),
            at(s * 10),
        ));
    }
    // A payment intent of nobody's, in the same window.
    let other = ok(
        &mut model,
        &post(
            "/v1/payment_intents",
            "amount=700&currency=usd&payment_method=pm_card_visa&confirm=true",
        ),
        at(30),
    );
    let third = &intents[2];
    let list = ok(
        &mut model,
        &get(&format!(
            "/v1/charges?payment_intent={}&limit=100",
            id(third)
        )),
        at(1000),
    );
    assert_eq!(
        ids(&list),
        [third["latest_charge"].as_str().expect("charge")]
    );
    assert_eq!(list["data"][0]["payment_intent"], third["id"]);
    assert_eq!(list["data"][0]["customer"], *cus);
    assert_eq!(list["has_more"], false);
    // Payment intents of the customer created at or after 20 s: the 2nd..5th, newest first.
    let path = format!(
        "/v1/payment_intents?created[gte]={}&customer={cus}",
        T0 + 20
    );
    let want: Vec<String> = intents[1..].iter().rev().map(id).collect();
    let list = ok(&mut model, &get(&format!("{path}&limit=100")), at(1000));
    assert_eq!(ids(&list), want);
    assert!(!ids(&list).contains(&id(&other)));
    assert_eq!(list["url"], "/v1/payment_intents");
    assert_eq!(walk(&mut model, &path, 2), want);
    // By customer alone, every charge of theirs: one per intent.
    let charges = walk(&mut model, &format!("/v1/charges?customer={cus}"), 2);
    assert_eq!(charges.len(), 5);
}

#[test]
fn customers_by_created() {
    let mut model = Model::new(33);
    let made: Vec<String> = (0..7).map(|s| customer(&mut model, at(s * 10))).collect();
    let path = format!("/v1/customers?created[gte]={}", T0 + 20);
    let want: Vec<String> = made[2..].iter().rev().cloned().collect();
    let list = ok(&mut model, &get(&format!("{path}&limit=100")), at(1000));
    assert_eq!(ids(&list), want);
    assert_eq!(list["has_more"], false);
    assert_eq!(walk(&mut model, &path, 2), want);
    // An exact `created` is a filter too.
    let exact = format!("/v1/customers?created={}", T0 + 30);
    assert_eq!(
        ids(&ok(&mut model, &get(&exact), at(1000))),
        [made[3].clone()]
    );
    // A deleted customer is no longer listed.
    let resp = model.handle(
        &common::delete(&format!("/v1/customers/{}", made[6])),
        at(90),
    );
    assert_eq!(resp.status(), 200);
    assert_eq!(walk(&mut model, &path, 2), want[1..]);
}

#[test]
fn refunds_by_charge_and_by_payment_intent() {
    let mut model = Model::new(34);
    let pi = ok(
        &mut model,
        &post(
            "/v1/payment_intents",
            "amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true",
        ),
        at(0),
    );
    let ch = pi["latest_charge"].as_str().expect("charge").to_owned();
    let pi = id(&pi);
    // Three partial refunds: by payment intent, by charge, by payment intent.
    let mut refunds = Vec::new();
    for (s, target) in [
        (10, format!("payment_intent={pi}")),
        (20, format!("charge={ch}")),
        (30, format!("payment_intent={pi}")),
    ] {
        let body = format!("{target}&amount=100");
        refunds.push(id(&ok(&mut model, &post("/v1/refunds", &body), at(s))));
    }
    // A refund of another charge.
    let someone = customer(&mut model, at(0));
    let other = charge(&mut model, &someone, at(0));
    let stray = id(&ok(
        &mut model,
        &post("/v1/refunds", &format!("charge={other}")),
        at(40),
    ));
    let want: Vec<String> = refunds.iter().rev().cloned().collect();
    for filter in [format!("charge={ch}"), format!("payment_intent={pi}")] {
        let path = format!("/v1/refunds?{filter}");
        let list = ok(&mut model, &get(&format!("{path}&limit=100")), at(1000));
        assert_eq!(ids(&list), want, "{filter}");
        assert_eq!(list["has_more"], false);
        assert_eq!(list["url"], "/v1/refunds");
        for refund in list["data"].as_array().expect("data") {
            assert_eq!(refund["charge"], *ch);
            assert_eq!(refund["payment_intent"], *pi);
        }
        assert_eq!(walk(&mut model, &path, 2), want, "{filter}");
        assert_eq!(walk(&mut model, &path, 1), want, "{filter}");
    }
    let list = ok(
        &mut model,
        &get(&format!("/v1/refunds?charge={other}")),
        at(1000),
    );
    assert_eq!(ids(&list), [stray]);
}
