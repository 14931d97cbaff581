//! Test clocks through the pure model: create, retrieve, list, advance (advancing then ready,
//! with their events in order), delete; customers on a clock; an advance backwards refused.

mod common;

use common::{delete, get, json, ok, post, t0};
use serde_json::Value;
use stripe_fake::Model;

const START: i64 = 1_700_000_000;
const MONTH_LATER: i64 = START + 30 * 24 * 60 * 60;

fn new_clock(model: &mut Model) -> String {
    let clock = ok(
        model,
        &post(
            "/v1/test_helpers/test_clocks",
            &format!("frozen_time={START}&name=Renewals"),
        ),
    );
    clock["id"].as_str().expect("id").to_owned()
}

fn events_of(model: &Model, prefix: &str) -> Vec<(String, Value)> {
    model
        .events()
        .iter()
        .filter_map(|e| {
            let kind = e["type"].as_str()?;
            kind.starts_with(prefix)
                .then(|| (kind.to_owned(), e["data"]["object"].clone()))
        })
        .collect()
}

#[test]
fn a_clock_is_created_advanced_through_advancing_to_ready_and_deleted() {
    let mut model = Model::new(21);
    let id = new_clock(&mut model);
    assert!(id.starts_with("clock_"));
    let clock = ok(
        &mut model,
        &get(&format!("/v1/test_helpers/test_clocks/{id}")),
    );
    assert_eq!(clock["object"], "test_helpers.test_clock");
    assert_eq!(
        (clock["frozen_time"].as_i64(), clock["status"].as_str()),
        (Some(START), Some("ready"))
    );
    assert_eq!(clock["name"], "Renewals");
    assert!(clock["deletes_after"].as_i64() > clock["created"].as_i64());
    let answer = ok(
        &mut model,
        &post(
            &format!("/v1/test_helpers/test_clocks/{id}/advance"),
            &format!("frozen_time={MONTH_LATER}"),
        ),
    );
    // The advance answers while the clock moves, as Stripe's; a retrieve sees it arrived.
    assert_eq!(
        (answer["status"].as_str(), answer["frozen_time"].as_i64()),
        (Some("advancing"), Some(MONTH_LATER))
    );
    let after = ok(
        &mut model,
        &get(&format!("/v1/test_helpers/test_clocks/{id}")),
    );
    assert_eq!(
        (after["status"].as_str(), after["frozen_time"].as_i64()),
        (Some("ready"), Some(MONTH_LATER))
    );
    let listed = ok(&mut model, &get("/v1/test_helpers/test_clocks"));
    assert_eq!(listed["data"][0], after);
    let stub = ok(
        &mut model,
        &delete(&format!("/v1/test_helpers/test_clocks/{id}")),
    );
    assert_eq!(stub["deleted"], true);
    assert_eq!(
        model
            .handle(&get(&format!("/v1/test_helpers/test_clocks/{id}")), t0())
            .status(),
        404
    );
    let events = events_of(&model, "test_helpers.test_clock.");
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "test_helpers.test_clock.created",
            "test_helpers.test_clock.advancing",
            "test_helpers.test_clock.ready",
            "test_helpers.test_clock.deleted",
        ]
    );
    assert_eq!(events[1].1["status"], "advancing");
    assert_eq!(
        (
            events[2].1["status"].as_str(),
            events[2].1["frozen_time"].as_i64()
        ),
        (Some("ready"), Some(MONTH_LATER))
    );
}

#[test]
fn an_advance_to_an_earlier_or_the_same_time_is_a_typed_400_and_changes_nothing() {
    let mut model = Model::new(22);
    let id = new_clock(&mut model);
    let events_before = model.events().len();
    for to in [START - 1, START] {
        let resp = model.handle(
            &post(
                &format!("/v1/test_helpers/test_clocks/{id}/advance"),
                &format!("frozen_time={to}"),
            ),
            t0(),
        );
        assert_eq!(resp.status().as_u16(), 400);
        let err = &json(&resp)["error"];
        assert_eq!(err["type"], "invalid_request_error");
        assert_eq!(err["param"], "frozen_time");
        let message = err["message"].as_str().expect("a message");
        assert!(message.contains("must be after"), "{message}");
    }
    for bad in ["frozen_time=soon", ""] {
        let resp = model.handle(
            &post(&format!("/v1/test_helpers/test_clocks/{id}/advance"), bad),
            t0(),
        );
        assert_eq!(
            (
                resp.status().as_u16(),
                json(&resp)["error"]["param"].as_str()
            ),
            (400, Some("frozen_time")),
            "{bad}"
        );
    }
    let clock = ok(
        &mut model,
        &get(&format!("/v1/test_helpers/test_clocks/{id}")),
    );
    assert_eq!(
        (clock["frozen_time"].as_i64(), clock["status"].as_str()),
        (Some(START), Some("ready"))
    );
    assert_eq!(
        model.events().len(),
        events_before,
        "a refused advance records nothing"
    );
    let resp = model.handle(
        &post(
            "/v1/test_helpers/test_clocks/clock_nope/advance",
            "frozen_time=1",
        ),
        t0(),
    );
    assert_eq!(
        (
            resp.status().as_u16(),
            json(&resp)["error"]["code"].as_str()
        ),
        (404, Some("resource_missing"))
    );
}

#[test]
fn customers_join_a_clock_on_create_and_are_listed_by_it() {
    let mut model = Model::new(23);
    let id = new_clock(&mut model);
    let on_clock = ok(
        &mut model,
        &post(
            "/v1/customers",
            &format!("test_clock={id}&email=c@example.com"),
        ),
    );
    assert_eq!(on_clock["test_clock"], id.as_str());
    let plain = ok(&mut model, &post("/v1/customers", "email=d@example.com"));
    assert_eq!(plain["test_clock"], Value::Null);
    let listed = ok(&mut model, &get(&format!("/v1/customers?test_clock={id}")));
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["data"][0]["id"], on_clock["id"]);
    let events = model.events();
    let event = events
        .iter()
        .rev()
        .find(|e| e["type"] == "customer.created" && e["data"]["object"]["id"] == on_clock["id"]);
    assert_eq!(
        event.map(|e| e["data"]["object"]["test_clock"].clone()),
        Some(Value::from(id.as_str()))
    );
    let resp = model.handle(&post("/v1/customers", "test_clock=clock_nope"), t0());
    let err = &json(&resp)["error"];
    assert_eq!(
        (
            resp.status().as_u16(),
            err["code"].as_str(),
            err["param"].as_str()
        ),
        (400, Some("resource_missing"), Some("test_clock"))
    );
    // Stripe sets a customer's clock on create only.
    let cus = on_clock["id"].as_str().expect("id");
    let resp = model.handle(
        &post(&format!("/v1/customers/{cus}"), &format!("test_clock={id}")),
        t0(),
    );
    assert_eq!(
        (
            resp.status().as_u16(),
            json(&resp)["error"]["code"].as_str()
        ),
        (400, Some("parameter_unknown"))
    );
}
