//! Authentication and routing through the pure model.

mod common;

use bytes::Bytes;
use common::{header, json, post, t0};
use http::Request;
use stripe_fake::{Kind, Model};

fn with_auth(auth: Option<&str>) -> Request<Bytes> {
    let mut builder = Request::builder().method("POST").uri("/v1/customers");
    if let Some(auth) = auth {
        builder = builder.header("authorization", auth);
    }
    builder
        .body(Bytes::from_static(b"name=x"))
        .expect("request")
}

#[test]
fn bearer_and_basic_are_accepted() {
    let mut model = Model::new(1);
    assert_eq!(
        model
            .handle(&with_auth(Some("Bearer sk_test_abc")), t0())
            .status(),
        200
    );
    // base64("sk_test_abc:")
    assert_eq!(
        model
            .handle(&with_auth(Some("Basic c2tfdGVzdF9hYmM6")), t0())
            .status(),
        200
    );
    assert_eq!(model.count(Kind::Customer), 2);
}

#[test]
fn anything_else_is_401_and_not_executed() {
    let mut model = Model::new(1);
    for auth in [
        None,
        Some("Bearer sk_live_abc"),
        Some("Bearer pk_test_abc"),
        Some("Bearer "),
        Some("Basic !!!"),
        Some("Token sk_test_abc"),
    ] {
        let resp = model.handle(&with_auth(auth), t0());
        assert_eq!(resp.status(), 401, "{auth:?}");
        assert!(header(&resp, "request-id").is_some());
        let err = &json(&resp)["error"];
        assert_eq!(err["type"], "invalid_request_error");
        assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(model.count(Kind::Customer), 0);
    assert!(
        model
            .log()
            .iter()
            .all(|e| e.status == Some(401) && !e.executed)
    );
}

#[test]
fn unknown_path_is_404() {
    let mut model = Model::new(1);
    let resp = model.handle(&post("/v1/widgets", ""), t0());
    assert_eq!(resp.status(), 404);
    let err = &json(&resp)["error"];
    assert_eq!(err["type"], "invalid_request_error");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("/v1/widgets"))
    );
    let resp = model.handle(&common::request("PUT", "/v1/charges", "", None), t0());
    assert_eq!(resp.status(), 404);
}

#[test]
fn refunds_search_is_an_unknown_url_as_at_stripe() {
    // Stripe has no `/v1/refunds/search`; the fake answers it as any unknown URL, not as a
    // retrieve of a refund named `search`, and executes nothing.
    let mut model = Model::new(1);
    let resp = model.handle(
        &common::get("/v1/refunds/search?query=metadata['op']:'x'"),
        t0(),
    );
    assert_eq!(resp.status(), 404);
    assert!(header(&resp, "request-id").is_some());
    let err = &json(&resp)["error"];
    assert_eq!(err["type"], "invalid_request_error");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Unrecognized request URL (GET: /v1/refunds/search)")),
        "{err}"
    );
    assert!(err.get("code").is_none(), "{err}");
    assert!(model.log().iter().all(|e| !e.executed));
}

#[test]
fn garbage_input_never_panics() {
    let mut model = Model::new(1);
    let bodies = [
        "%",
        "a=%ZZ&&&==",
        "metadata[=1",
        "metadata[a][b]=1",
        "amount=99999999999999999999999",
        "\u{0}\u{ff}",
    ];
    let paths = [
        "/v1/charges",
        "/v1/customers/",
        "/v1/customers//",
        "/v1/payment_intents/x/confirm/y",
        "/",
        "/v1/refunds",
    ];
    for path in paths {
        for body in bodies {
            let resp = model.handle(&post(path, body), t0());
            assert!(resp.status().is_client_error(), "{path} {body}");
            assert!(serde_json::from_slice::<serde_json::Value>(resp.body()).is_ok());
        }
    }
}
