//! The fake's request parsing under any input (`FUZZ_CASES`, default 20,000): any method,
//! path, headers and body get a response with a `request-id`, never a panic.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use proptest::prelude::*;
use stripe_fake::{FaultPlan, Model};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        "/v1/(customers|charges|payment_intents|refunds)(/[a-z_0-9]{0,12}){0,3}(\\?[a-z_\\[\\]=&%0-9]{0,30})?",
        "/[ -~]{0,40}",
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..128),
        "([a-z_\\[\\]0-9]{1,16}=[a-zA-Z0-9_%+]{0,12}&?){0,8}".prop_map(String::into_bytes),
        Just(b"amount=2000&currency=usd&source=tok_visa".to_vec()),
        Just(b"amount=abc&currency=usd&source=tok_chargeDeclined&metadata[a][b][c]=1".to_vec()),
    ]
}

fn request() -> impl Strategy<Value = http::Request<Bytes>> {
    (
        prop::sample::select(vec!["GET", "POST", "DELETE", "PUT", "PATCH"]),
        path(),
        prop::option::of("[ -~]{0,40}"),
        any::<bool>(),
        body(),
    )
        .prop_map(|(method, path, key, auth, body)| {
            let mut b = http::Request::builder().method(method).uri(path.as_str());
            if auth {
                b = b.header("authorization", "Bearer sk_test_fuzz");
            }
            if let Some(k) = key.and_then(|k| http::HeaderValue::from_str(&k).ok()) {
                b = b.header("idempotency-key", k);
            }
            b.body(Bytes::from(body.clone()))
                .unwrap_or_else(|_| http::Request::new(Bytes::from(body)))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn any_request_gets_a_response(reqs in prop::collection::vec(request(), 1..4), seed in any::<u64>()) {
        let mut model = Model::new(seed);
        let mut plan = FaultPlan::new();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for req in &reqs {
            let resp = model.handle(req, now);
            prop_assert!(resp.headers().contains_key("request-id"));
            prop_assert!(serde_json::from_slice::<serde_json::Value>(resp.body()).is_ok());
            let _ = model.serve(&mut plan, req, now);
        }
    }

    #[test]
    fn any_fault_plan_text_parses_or_fails_typed(text in "[ -~]{0,200}") {
        let _ = FaultPlan::from_json(&text);
    }
}
