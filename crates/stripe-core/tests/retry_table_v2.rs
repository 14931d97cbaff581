//! The v2 column of the retry table and of the advice table (stripe-core's crate docs), one
//! case per row where v2 differs from v1, each beside its v1 twin: Stripe retries a v2
//! request's failed work to completion on a retry with the same key, and stores no failure
//! to replay, so a 5xx to a v2 POST or DELETE is retried with its key and never ends in
//! "reconcile".

mod common;

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use common::*;
use stripe_core::{
    Action, Advice, Config, ErrorKind, ErrorType, Input, Namespace, Request, RetryPolicy, Seed,
    Session, TransportError,
};

const REPLAYED: (&str, &str) = ("idempotent-replayed", "true");

#[test]
fn a_5xx_to_a_v2_post_or_delete_is_retried_with_its_key_to_completion() {
    for request in [post_v2(), delete_v2()] {
        let path = request.path().to_owned();
        let t = run(
            request,
            RetryPolicy::default(),
            &[status(500), status(502), status(200)],
        );
        assert_eq!(t.sent.len(), 3, "{path}");
        let k = keys(&t);
        assert!(
            k[0].is_some(),
            "{path}: a v2 {} carries a key",
            t.sent[0].method()
        );
        assert!(
            k.iter().all(|x| *x == k[0]),
            "{path}: the same key on every try"
        );
        assert_eq!(t.outcome.expect("done").advice(), Advice::Success, "{path}");
    }
}

#[test]
fn a_replayed_5xx_ends_a_v1_post_but_not_a_v2_one() {
    let replayed_500 = || http(500, &[REPLAYED], "{}");
    let v1 = run(
        post(),
        RetryPolicy::default(),
        &[replayed_500(), status(200)],
    );
    assert_eq!(v1.sent.len(), 1, "v1 would only replay the stored 500");
    assert_eq!(v1.outcome.expect("the replay").advice(), Advice::Reconcile);
    let v2 = run(
        post_v2(),
        RetryPolicy::default(),
        &[replayed_500(), status(200)],
    );
    assert_eq!(v2.sent.len(), 2, "v2 finishes the work on a retry");
    assert_eq!(v2.outcome.expect("done").advice(), Advice::Success);
}

#[test]
fn a_final_5xx_to_a_v2_keyed_request_says_retry_with_the_same_key_never_reconcile() {
    // Tries used up: the error carries the key and says to retry with it.
    for request in [post_v2(), delete_v2()] {
        let t = run(
            request,
            RetryPolicy::default().with_max_tries(2),
            &[status(503), status(503)],
        );
        let e = t.outcome.expect_err("exhausted");
        assert_eq!(e.kind(), &ErrorKind::RetriesExhausted);
        assert!(e.idempotency_key().is_some());
        assert_eq!(e.advice(), Advice::RetrySameKey);
    }
    // A policy that does not retry a 5xx (conservative): the answer, with the same advice.
    for (request, want) in [
        (post_v2(), Advice::RetrySameKey),
        (delete_v2(), Advice::RetrySameKey),
        (post(), Advice::Reconcile),
        (delete(), Advice::Retry),
        (get_v2(), Advice::Retry),
    ] {
        let path = request.path().to_owned();
        let t = run(request, RetryPolicy::conservative(), &[status(500)]);
        assert_eq!(t.sent.len(), 1, "{path}");
        assert_eq!(t.outcome.expect("the 500").advice(), want, "{path}");
    }
}

#[test]
fn a_v2_get_is_retried_without_a_key_and_a_v1_delete_keeps_none() {
    for request in [get_v2(), delete()] {
        let t = run(request, RetryPolicy::default(), &[status(500), status(200)]);
        assert_eq!(t.sent.len(), 2);
        assert!(keys(&t).iter().all(Option::is_none));
    }
    assert!(Namespace::V2.carries_key(stripe_core::Method::Delete));
    assert!(!Namespace::V1.carries_key(stripe_core::Method::Delete));
    let key = stripe_core::IdempotencyKey::new("resume-1").expect("valid");
    assert!(delete_v2().with_idempotency_key(key.clone()).is_ok());
    assert!(delete().with_idempotency_key(key).is_err());
}

#[test]
fn the_rest_of_the_advice_table_is_the_same_for_v2_keyed_requests() {
    for request in [post_v2, delete_v2] {
        assert_eq!(advice_of(request(), status(200)), Advice::Success);
        assert_eq!(advice_of(request(), status(409)), Advice::RetrySameKey);
        assert_eq!(advice_of(request(), status(429)), Advice::RetrySameKey);
        assert_eq!(advice_of(request(), status(400)), Advice::NewKeyAfterFix);
        assert_eq!(
            advice_of(request(), status(402)),
            Advice::NewKeyAfterCustomerAction
        );
        assert_eq!(
            advice_of(request(), Step::Net(TransportError::Timeout)),
            Advice::RetrySameKey
        );
    }
    assert_eq!(advice_of(get_v2(), status(404)), Advice::FixRequest);
}

/// A key reused with other parameters: Stripe's `idempotency_error`, typed, in the v1 body
/// shape and the v2 one; what to do is to fix the request and use a new key.
#[test]
fn a_key_reused_with_other_parameters_is_a_typed_idempotency_error_on_both() {
    let v1 = r#"{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}"#;
    // v2's shape, `{"error": {"type", "code", "message"}}`, with the type the official SDKs'
    // v2 errors share with v1 (stripe-node's generateV2Error falls back to v1's types).
    let v2 = r#"{"error":{"type":"idempotency_error","code":null,"message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}"#;
    for (request, body) in [(post(), v1), (post_v2(), v2), (delete_v2(), v2)] {
        let t = run(request, RetryPolicy::default(), &[http(400, &[], body)]);
        assert_eq!(t.sent.len(), 1, "an idempotency error is not retried");
        let response = t.outcome.expect("a 400 is a response");
        let error = response.error().expect("an error object");
        assert_eq!(error.error_type(), ErrorType::Idempotency, "{body}");
        assert_eq!(response.advice(), Advice::NewKeyAfterFix);
    }
    // A v2 error told by its code alone.
    let fields = r#"{"error":{"code":"invalid_fields","message":"Missing field."}}"#;
    let t = run(post_v2(), RetryPolicy::default(), &[http(400, &[], fields)]);
    let error = t
        .outcome
        .expect("a response")
        .error()
        .expect("an error object");
    assert_eq!(error.error_type(), ErrorType::InvalidRequest);
}

/// A 2xx whose body is over the cap: a v1 POST may have taken effect and its replay would be
/// over the cap again (reconcile); a v2 retry with the same key gives the answer again.
#[test]
fn a_2xx_over_the_cap_is_reconcile_for_v1_and_retry_same_key_for_v2() {
    let config = Config::builder(SECRET_KEY)
        .max_body_bytes(4)
        .build()
        .expect("config");
    for (request, want) in [
        (post(), Advice::Reconcile),
        (post_v2(), Advice::RetrySameKey),
    ] {
        let mut session = Session::new(config.clone(), Seed::from_u64(3));
        let now = Instant::now();
        let (mut call, first) = session
            .call(request, now, SystemTime::now())
            .expect("a call");
        assert!(matches!(first, Action::Send { .. }));
        let big = http::Response::builder()
            .status(200)
            .body(Bytes::from_static(br#"{"id":"x"}"#))
            .expect("valid");
        let Action::Fail(e) = call.handle(now + Duration::from_millis(5), Input::Response(big))
        else {
            panic!("an oversized body fails the call");
        };
        assert!(matches!(e.kind(), ErrorKind::ResponseTooLarge { .. }));
        assert_eq!(e.advice(), want);
    }
}

#[test]
fn pre_encoded_form_text_is_refused_for_a_v2_post() {
    let e = Request::new(stripe_core::Method::Post, "/v2/core/accounts")
        .expect("valid")
        .with_encoded_params("display_name=x")
        .expect_err("JSON body");
    assert!(
        matches!(e, stripe_core::RequestError::EncodedParamsInJson),
        "{e:?}"
    );
}
