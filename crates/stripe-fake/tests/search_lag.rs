//! Search trailing writes (`Model::set_search_lag`, `ServerOptions::search_lag`) while lists
//! and retrieves stay consistent.

mod common;

use std::time::{Duration, SystemTime};

use common::{get, json, post, t0};
use stripe_fake::server::{self, ServerOptions};
use stripe_fake::{Kind, Model};

const LAG: Duration = Duration::from_secs(60);
const SEARCH_X: &str = "/v1/charges/search?query=metadata['op']:'x'";

fn ids(list: &serde_json::Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect()
}

fn call(model: &mut Model, path: &str, at: SystemTime) -> serde_json::Value {
    let resp = model.handle(&get(path), at);
    assert_eq!(resp.status(), 200, "{path}: {:?}", resp.body());
    json(&resp)
}

fn charge(model: &mut Model, op: &str, at: SystemTime) -> String {
    let resp = model.handle(
        &post(
            "/v1/charges",
            &format!("amount=500&currency=usd&source=tok_visa&metadata[op]={op}"),
        ),
        at,
    );
    assert_eq!(resp.status(), 200, "{:?}", resp.body());
    json(&resp)["id"].as_str().expect("id").to_owned()
}

#[test]
fn without_a_lag_search_sees_a_charge_at_once() {
    let mut model = Model::new(21);
    assert_eq!(model.search_lag(), Duration::ZERO);
    let ch = charge(&mut model, "x", t0());
    assert_eq!(ids(&call(&mut model, SEARCH_X, t0())), [ch]);
}

#[test]
fn search_misses_a_new_charge_until_the_lag_has_passed_and_lists_do_not() {
    let mut model = Model::new(22);
    model.set_search_lag(LAG);
    assert_eq!(model.search_lag(), LAG);
    let t = t0() + Duration::from_millis(250);
    let ch = charge(&mut model, "x", t);
    // Consistent reads see it at once.
    assert_eq!(
        ids(&call(&mut model, "/v1/charges", t)),
        std::slice::from_ref(&ch)
    );
    assert_eq!(
        ids(&call(&mut model, "/v1/charges?created[gte]=1700000000", t)),
        std::slice::from_ref(&ch)
    );
    assert_eq!(call(&mut model, &format!("/v1/charges/{ch}"), t)["id"], *ch);
    // Search does not until `lag` later, to the millisecond.
    for at in [
        t,
        t + LAG - Duration::from_secs(1),
        t + LAG - Duration::from_millis(1),
    ] {
        let result = call(&mut model, SEARCH_X, at);
        assert_eq!(result["object"], "search_result");
        assert!(ids(&result).is_empty(), "{at:?}: {result}");
        assert_eq!(result["has_more"], false);
    }
    assert_eq!(
        ids(&call(&mut model, SEARCH_X, t + LAG)),
        std::slice::from_ref(&ch)
    );
    assert_eq!(
        ids(&call(
            &mut model,
            SEARCH_X,
            t + LAG + Duration::from_secs(3600)
        )),
        [ch]
    );
}

#[test]
fn search_sees_a_metadata_update_only_after_the_lag() {
    let mut model = Model::new(23);
    model.set_search_lag(LAG);
    let ch = charge(&mut model, "x", t0());
    let updated_at = t0() + Duration::from_secs(600);
    let resp = model.handle(
        &post(&format!("/v1/charges/{ch}"), "metadata[op]=y"),
        updated_at,
    );
    assert_eq!(resp.status(), 200);
    let search_y = "/v1/charges/search?query=metadata['op']:'y'";
    // Before the lag has passed, search still answers with the old metadata.
    let before = updated_at + LAG - Duration::from_secs(1);
    let old = call(&mut model, SEARCH_X, before);
    assert_eq!(ids(&old), std::slice::from_ref(&ch));
    assert_eq!(old["data"][0]["metadata"]["op"], "x");
    assert!(ids(&call(&mut model, search_y, before)).is_empty());
    // A retrieve is current.
    let current = call(&mut model, &format!("/v1/charges/{ch}"), before);
    assert_eq!(current["metadata"]["op"], "y");
    // Then the new.
    let after = updated_at + LAG;
    assert!(ids(&call(&mut model, SEARCH_X, after)).is_empty());
    assert_eq!(ids(&call(&mut model, search_y, after)), [ch]);
}

#[test]
fn lag_applies_to_customers_and_payment_intents_too() {
    let mut model = Model::new(24);
    model.set_search_lag(LAG);
    let resp = model.handle(&post("/v1/customers", "email=lag@example.com"), t0());
    let cus = json(&resp)["id"].as_str().expect("id").to_owned();
    let resp = model.handle(
        &post(
            "/v1/payment_intents",
            &format!("amount=900&currency=usd&customer={cus}"),
        ),
        t0(),
    );
    let pi = json(&resp)["id"].as_str().expect("id").to_owned();
    let by_email = "/v1/customers/search?query=email:'lag@example.com'";
    let by_customer = format!("/v1/payment_intents/search?query=customer:'{cus}'");
    let early = t0() + LAG - Duration::from_secs(1);
    assert!(ids(&call(&mut model, by_email, early)).is_empty());
    assert!(ids(&call(&mut model, &by_customer, early)).is_empty());
    assert_eq!(
        ids(&call(
            &mut model,
            &format!("/v1/payment_intents?customer={cus}"),
            early
        )),
        std::slice::from_ref(&pi)
    );
    assert_eq!(ids(&call(&mut model, by_email, t0() + LAG)), [cus]);
    assert_eq!(ids(&call(&mut model, &by_customer, t0() + LAG)), [pi]);
}

#[test]
fn setting_a_lag_later_indexes_existing_objects_at_their_creation() {
    let mut model = Model::new(25);
    let ch = charge(&mut model, "x", t0());
    model.set_search_lag(LAG);
    assert!(ids(&call(&mut model, SEARCH_X, t0() + Duration::from_secs(59))).is_empty());
    assert_eq!(
        ids(&call(&mut model, SEARCH_X, t0() + LAG)),
        std::slice::from_ref(&ch)
    );
    // Back to no lag: everything is searchable at once again.
    let fresh = charge(&mut model, "x", t0() + LAG);
    model.set_search_lag(Duration::ZERO);
    assert_eq!(ids(&call(&mut model, SEARCH_X, t0() + LAG)), [fresh, ch]);
}

#[test]
fn the_server_option_lags_search_and_not_lists() {
    let srv = server::start_with(ServerOptions {
        search_lag: LAG,
        ..common::pinned()
    })
    .expect("start");
    assert_eq!(srv.with_model(|m| m.search_lag()), LAG);
    let base = srv.base_url();
    let created = common::call(
        &base,
        "POST",
        "/v1/charges",
        &[],
        "amount=500&currency=usd&source=tok_visa&metadata[op]=x",
    )
    .expect("answer");
    assert_eq!(created.status, 200);
    let ch = created.json()["id"].as_str().expect("id").to_owned();
    let get = |path: &str| {
        let resp = common::call(&base, "GET", path, &[], "").expect("answer");
        assert_eq!(resp.status, 200, "{path}: {}", resp.body);
        resp.json()
    };
    assert_eq!(ids(&get("/v1/charges")), std::slice::from_ref(&ch));
    assert!(ids(&get(SEARCH_X)).is_empty());
    // The fake's clock is the wall clock plus any advance; less than a second has passed.
    srv.advance_clock(LAG - Duration::from_secs(1));
    assert!(ids(&get(SEARCH_X)).is_empty());
    srv.advance_clock(Duration::from_secs(1));
    assert_eq!(ids(&get(SEARCH_X)), [ch]);
    assert_eq!(srv.count(Kind::Charge), 1);
}
