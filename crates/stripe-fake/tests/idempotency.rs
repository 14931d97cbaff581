//! Stripe's idempotency rules in the pure model.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{header, json, post, post_key, t0};
use http::Request;
use stripe_fake::{Begin, Fault, KEY_LIFETIME, Kind, Model, Outcome};

const CHARGE: &str = "amount=2000&currency=usd&source=tok_visa&metadata[a]=1&metadata[b]=2";

fn executing(begin: Begin) -> stripe_fake::Pending {
    match begin {
        Begin::Executing(pending) => pending,
        Begin::Respond(resp) => panic!("expected Executing, got {}", resp.status()),
    }
}

fn responded(begin: Begin) -> http::Response<Bytes> {
    match begin {
        Begin::Respond(resp) => resp,
        Begin::Executing(_) => panic!("expected Respond"),
    }
}

#[test]
fn replay_returns_the_same_body_with_replay_headers() {
    let mut model = Model::new(21);
    let first = model.handle(&post_key("/v1/charges", CHARGE, "k1"), t0());
    assert_eq!(first.status(), 200);
    assert_eq!(header(&first, "idempotency-key"), Some("k1"));
    assert_eq!(header(&first, "idempotent-replayed"), None);
    // Same params in another order: still the same request.
    let reordered = "metadata[b]=2&source=tok_visa&currency=usd&metadata[a]=1&amount=2000";
    let second = model.handle(&post_key("/v1/charges", reordered, "k1"), t0());
    assert_eq!(second.status(), 200);
    assert_eq!(second.body(), first.body());
    assert_eq!(header(&second, "idempotent-replayed"), Some("true"));
    assert_eq!(
        header(&second, "original-request"),
        header(&first, "request-id")
    );
    assert_ne!(header(&second, "request-id"), header(&first, "request-id"));
    assert_eq!(model.successful_charges(), 1);
    assert!(model.log()[1].replayed);
    assert!(!model.log()[1].executed);
}

#[test]
fn other_params_or_path_is_400_idempotency_error() {
    let mut model = Model::new(21);
    let _ = model.handle(&post_key("/v1/charges", CHARGE, "k1"), t0());
    let other = model.handle(
        &post_key("/v1/charges", "amount=1&currency=usd&source=tok_visa", "k1"),
        t0(),
    );
    assert_eq!(other.status(), 400);
    let err = &json(&other)["error"];
    assert_eq!(err["type"], "idempotency_error");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("same parameters"))
    );
    let path = model.handle(&post_key("/v1/customers", CHARGE, "k1"), t0());
    assert_eq!(path.status(), 400);
    assert_eq!(json(&path)["error"]["type"], "idempotency_error");
    assert_eq!(model.count(Kind::Charge), 1);
    assert_eq!(model.count(Kind::Customer), 0);
}

#[test]
fn keys_are_scoped_by_secret_and_account() {
    let mut model = Model::new(21);
    let _ = model.handle(&post_key("/v1/customers", "name=a", "shared"), t0());
    let mut other_account = post_key("/v1/customers", "name=a", "shared");
    other_account
        .headers_mut()
        .insert("stripe-account", http::HeaderValue::from_static("acct_1"));
    let resp = model.handle(&other_account, t0());
    assert_eq!(header(&resp, "idempotent-replayed"), None);
    let other_secret = Request::builder()
        .method("POST")
        .uri("/v1/customers")
        .header("authorization", "Bearer sk_test_other")
        .header("idempotency-key", "shared")
        .body(Bytes::from_static(b"name=a"))
        .expect("request");
    let resp = model.handle(&other_secret, t0());
    assert_eq!(header(&resp, "idempotent-replayed"), None);
    assert_eq!(model.count(Kind::Customer), 3);
}

#[test]
fn in_flight_key_is_409_and_late_begin_replays() {
    let mut model = Model::new(21);
    let req = post_key("/v1/charges", CHARGE, "k2");
    let pending = executing(model.begin(&req, t0()));
    assert_eq!(pending.idempotency_key(), Some("k2"));
    let conflict = responded(model.begin(&req, t0()));
    assert_eq!(conflict.status(), 409);
    let err = &json(&conflict)["error"];
    assert_eq!(err["type"], "idempotency_error");
    assert_eq!(err["code"], "idempotency_key_in_use");
    let done = model.finish(pending, t0());
    assert_eq!(done.status(), 200);
    // A copy "delivered late" begins after the first finished: it is a replay.
    let late = responded(model.begin(&req, t0()));
    assert_eq!(header(&late, "idempotent-replayed"), Some("true"));
    assert_eq!(late.body(), done.body());
    assert_eq!(model.successful_charges(), 1);
}

#[test]
fn late_delivery_after_a_retry_with_a_new_key_doubles_the_charge() {
    let mut model = Model::new(21);
    let original = post_key("/v1/charges", CHARGE, "old");
    let retry = post_key("/v1/charges", CHARGE, "new");
    // The original is begun only after the retry was handled: both execute.
    assert_eq!(model.handle(&retry, t0()).status(), 200);
    let late = executing(model.begin(&original, t0()));
    assert_eq!(model.finish(late, t0()).status(), 200);
    assert_eq!(model.successful_charges(), 2);
}

#[test]
fn abandon_releases_the_key() {
    let mut model = Model::new(21);
    let req = post_key("/v1/charges", CHARGE, "k3");
    let pending = executing(model.begin(&req, t0()));
    model.abandon(pending);
    assert_eq!(model.count(Kind::Charge), 0);
    assert_eq!(model.handle(&req, t0()).status(), 200);
}

#[test]
fn failures_before_execution_are_not_stored() {
    let mut model = Model::new(21);
    // Validation failure, then the corrected request with the same key executes.
    let bad = model.handle(
        &post_key("/v1/charges", "currency=usd&source=tok_visa", "k4"),
        t0(),
    );
    assert_eq!(bad.status(), 400);
    let good = model.handle(&post_key("/v1/charges", CHARGE, "k4"), t0());
    assert_eq!(good.status(), 200);
    assert_eq!(header(&good, "idempotent-replayed"), None);

    // 401: not stored either.
    let unauthenticated = Request::builder()
        .method("POST")
        .uri("/v1/charges")
        .header("idempotency-key", "k5")
        .body(Bytes::from(CHARGE))
        .expect("request");
    assert_eq!(model.handle(&unauthenticated, t0()).status(), 401);
    let resp = model.handle(&post_key("/v1/charges", CHARGE, "k5"), t0());
    assert_eq!(header(&resp, "idempotent-replayed"), None);

    // An injected 429: answered without executing, not stored.
    let req = post_key("/v1/charges", CHARGE, "k6");
    let Outcome::Respond(limited) = model.apply(Some(&Fault::status(429)), &req, t0()) else {
        panic!("429 fault responds");
    };
    assert_eq!(limited.status(), 429);
    assert_eq!(json(&limited)["error"]["code"], "rate_limit");
    let resp = model.handle(&req, t0());
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "idempotent-replayed"), None);
    assert_eq!(model.successful_charges(), 3);
}

#[test]
fn card_errors_are_stored_and_replayed() {
    let mut model = Model::new(21);
    let req = post_key(
        "/v1/charges",
        "amount=100&currency=usd&source=tok_chargeDeclined",
        "k7",
    );
    let first = model.handle(&req, t0());
    assert_eq!(first.status(), 402);
    let again = model.handle(&req, t0());
    assert_eq!(again.status(), 402);
    assert_eq!(header(&again, "idempotent-replayed"), Some("true"));
    assert_eq!(model.count(Kind::Charge), 1);
}

#[test]
fn server_error_after_execution_is_stored_and_object_exists() {
    let mut model = Model::new(21);
    let req = post_key("/v1/charges", CHARGE, "k8");
    let fault = Fault::ErrorAfter {
        should_retry: Some(true),
    };
    let Outcome::Respond(first) = model.apply(Some(&fault), &req, t0()) else {
        panic!("error_after responds");
    };
    assert_eq!(first.status(), 500);
    assert_eq!(json(&first)["error"]["type"], "api_error");
    assert_eq!(header(&first, "stripe-should-retry"), Some("true"));
    assert_eq!(model.successful_charges(), 1);
    let replay = model.handle(&req, t0());
    assert_eq!(replay.status(), 500);
    assert_eq!(header(&replay, "idempotent-replayed"), Some("true"));
    assert_eq!(model.successful_charges(), 1);
}

#[test]
fn keys_expire_after_24_hours_of_the_model_clock() {
    let mut model = Model::new(21);
    let req = post_key("/v1/charges", CHARGE, "k9");
    let _ = model.handle(&req, t0());
    let just_before = model.handle(&req, t0() + KEY_LIFETIME - Duration::from_secs(1));
    assert_eq!(header(&just_before, "idempotent-replayed"), Some("true"));
    let after = model.handle(&req, t0() + KEY_LIFETIME);
    assert_eq!(after.status(), 200);
    assert_eq!(header(&after, "idempotent-replayed"), None);
    assert_eq!(model.successful_charges(), 2);
    // The expired key was re-used for a different request: allowed now.
    let other = model.handle(
        &post_key("/v1/customers", "", "k9"),
        t0() + KEY_LIFETIME * 3,
    );
    assert_eq!(other.status(), 200);
}

#[test]
fn get_ignores_idempotency_keys_and_invalid_keys_are_rejected() {
    let mut model = Model::new(21);
    let long = "x".repeat(256);
    let resp = model.handle(&post_key("/v1/customers", "", &long), t0());
    assert_eq!(resp.status(), 400);
    assert_eq!(model.count(Kind::Customer), 0);
    let get = common::request("GET", "/v1/customers", "", Some("g1"));
    let first = model.handle(&get, t0());
    let _ = model.handle(&post("/v1/customers", ""), t0());
    let second = model.handle(&get, t0());
    assert_eq!(header(&second, "idempotent-replayed"), None);
    assert_ne!(first.body(), second.body());
}
