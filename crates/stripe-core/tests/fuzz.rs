//! Fuzzing with proptest at high case counts (`FUZZ_CASES`, default 20,000 per target): any
//! response, any input order, any JSON params, any `Stripe-Signature` header. The only
//! property: a typed answer, never a panic. The coverage-guided targets in `fuzz/` go deeper.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use proptest::prelude::*;
use serde_json::Value;
use stripe_core::{Action, Call, Input, Request, RetryPolicy, Seed, TransportError};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "retry-after",
            "stripe-should-retry",
            "idempotent-replayed",
            "request-id",
            "content-type",
            "idempotency-key",
            "original-request",
        ])
        .prop_map(str::to_owned),
        "[a-z-]{1,12}",
    ]
}

fn response() -> impl Strategy<Value = http::Response<Bytes>> {
    (
        100u16..=999,
        prop::collection::vec(
            (header_name(), prop::collection::vec(any::<u8>(), 0..24)),
            0..6,
        ),
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..256),
            any::<String>().prop_map(String::into_bytes),
            Just(br#"{"error":{"type":"card_error","code":"card_declined"}}"#.to_vec()),
            Just(b"{\"id\":\"ch_1\",\"nested\":[1,2,{\"a\":null}]}".to_vec()),
        ],
    )
        .prop_map(|(status, headers, body)| {
            let mut b = http::Response::builder().status(status);
            for (name, value) in headers {
                if let Ok(v) = http::HeaderValue::from_bytes(&value) {
                    b = b.header(name, v);
                }
            }
            b.body(Bytes::from(body))
                .unwrap_or_else(|_| http::Response::new(Bytes::new()))
        })
}

#[derive(Debug, Clone)]
enum AnyInput {
    Resp(http::Response<Bytes>),
    Net(u8),
    Woke,
}

fn any_input() -> impl Strategy<Value = AnyInput> {
    prop_oneof![
        3 => response().prop_map(AnyInput::Resp),
        1 => (0u8..3).prop_map(AnyInput::Net),
        1 => Just(AnyInput::Woke),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn any_response_gets_an_action(resp in response(), preset in 0..3u8, max in 1..6u32, post in any::<bool>()) {
        let policy = match preset { 0 => RetryPolicy::default(), 1 => RetryPolicy::conservative(), _ => RetryPolicy::official() }.with_max_tries(max);
        let req = if post { common::post() } else { common::get() };
        let now = Instant::now();
        let (mut call, _) = Call::new(req.policy(policy), &config(), Seed::from_u64(9), now, wall());
        match call.handle(now + Duration::from_millis(5), Input::Response(resp)) {
            Action::Sleep(d) => prop_assert!(d <= Duration::from_secs(60)),
            Action::Done(r) => prop_assert!(r.attempts == 1),
            Action::Fail(f) => prop_assert_eq!(f.idempotency_key().is_some(), post),
            Action::Send(_) => prop_assert!(false, "a response never sends at once"),
        }
    }

    #[test]
    fn any_input_order_gets_an_action(inputs in prop::collection::vec(any_input(), 0..12)) {
        let mut now = Instant::now();
        let (mut call, _) = Call::new(common::post(), &config(), Seed::from_u64(10), now, wall());
        for input in inputs {
            now += Duration::from_secs(3);
            let input = match input {
                AnyInput::Resp(r) => Input::Response(r),
                AnyInput::Net(k) => Input::Transport([TransportError::Connect, TransportError::Timeout, TransportError::Io][usize::from(k)]),
                AnyInput::Woke => Input::Woke,
            };
            if let Action::Fail(f) = call.handle(now, input) {
                prop_assert!(f.idempotency_key().is_some());
            }
        }
    }

    #[test]
    fn any_json_params_encode_or_fail_typed(v in any_json()) {
        if let Ok(req) = Request::post("/v1/customers", &v) {
            prop_assert!(req.body().bytes().all(|b| b.is_ascii_graphic()));
        }
    }

    #[test]
    fn any_path_is_accepted_or_refused_typed(path in any::<String>()) {
        if let Ok(req) = Request::get(&path) {
            prop_assert!(req.path().starts_with("/v"));
        }
    }
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
