//! The fake's request parsing under any input (`FUZZ_CASES`, default 20,000): any method,
//! path, headers and body get a response with a `request-id`, never a panic.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::Method;
use proptest::prelude::*;
use stripe_fake::{Fault, FaultPlan, FaultPlanError, Model, Rule};

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
    fn a_written_fault_plan_reads_back_as_written(rules in prop::collection::vec(rule(), 0..6)) {
        let text = serde_json::Value::Array(rules.iter().map(rule_json).collect()).to_string();
        let plan = FaultPlan::from_json(&text);
        prop_assert!(plan.is_ok(), "{text}: {plan:?}");
        prop_assert_eq!(plan.map(|p| p.rules().to_vec()).unwrap_or_default(), rules);
    }

    #[test]
    fn a_broken_fault_plan_fails_with_the_error_that_names_its_fault(
        rules in prop::collection::vec(rule(), 1..4),
        at in any::<prop::sample::Index>(),
        breakage in 0..4u8,
    ) {
        let i = at.index(rules.len());
        let mut items: Vec<serde_json::Value> = rules.iter().map(rule_json).collect();
        let object = items[i].as_object_mut().expect("a rule is an object");
        let at = format!("rule {i}");
        let expected = match breakage {
            0 => {
                object.insert("colour".into(), "red".into());
                "unknown field `colour`"
            }
            1 => {
                object.insert("fault".into(), "explode".into());
                "unknown fault `explode`"
            }
            2 => {
                object.remove("fault");
                "missing field `fault`"
            }
            _ => {
                object.insert("path".into(), "no-slash".into());
                "field `path`: must start with `/`"
            }
        };
        let text = serde_json::Value::Array(items).to_string();
        let err = FaultPlan::from_json(&text).err();
        let message = err.as_ref().map(ToString::to_string).unwrap_or_default();
        prop_assert!(message.starts_with(&format!("{at}: {expected}")), "{text}: {message}");
        let typed = matches!(
            (&err, breakage),
            (Some(FaultPlanError::Invalid { .. }), 0..=2) | (Some(FaultPlanError::InvalidValue { field: "path", .. }), 3..)
        );
        prop_assert!(typed, "{err:?}");
    }

    #[test]
    fn any_text_is_a_plan_or_a_typed_error(text in "[ -~]{0,200}") {
        match FaultPlan::from_json(&text) {
            // Printable junk is almost never a plan; when it is, it reads back the same.
            Ok(plan) => prop_assert!(plan.rules().len() <= text.len()),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

/// Any rule the JSON form can carry.
fn rule() -> impl Strategy<Value = Rule> {
    let fault = prop_oneof![
        (
            prop::sample::select(vec![409u16, 429, 500, 502, 503, 504]),
            prop::option::of(any::<bool>()),
            prop::option::of("[a-z_]{1,12}"),
        )
            .prop_map(|(status, should_retry, code)| Fault::Status {
                status,
                should_retry,
                code
            }),
        prop::option::of(any::<bool>()).prop_map(|should_retry| Fault::ErrorAfter { should_retry }),
        Just(Fault::DropBefore),
        Just(Fault::DropAfter),
        (0..100_000u64).prop_map(|ms| Fault::Delay { ms }),
        Just(Fault::Hang),
        Just(Fault::DeliverLate),
    ];
    (
        fault,
        prop::option::of(prop::sample::select(vec![
            Method::GET,
            Method::POST,
            Method::DELETE,
        ])),
        "/(v1/[a-z_]{1,12})?",
        0..1_000u32,
    )
        .prop_map(|(fault, method, path, times)| {
            let mut rule = Rule::new(fault).path(&path).times(times);
            if let Some(m) = method {
                rule = rule.method(m);
            }
            rule
        })
}

/// A rule in the plan's JSON form, written independently of the parser.
fn rule_json(rule: &Rule) -> serde_json::Value {
    let mut o = serde_json::Map::new();
    o.insert("fault".into(), rule.fault.name().into());
    o.insert("path".into(), rule.path.clone().into());
    o.insert("times".into(), rule.times.into());
    if let Some(m) = &rule.method {
        o.insert("method".into(), m.as_str().to_ascii_lowercase().into());
    }
    match &rule.fault {
        Fault::Status {
            status,
            should_retry,
            code,
        } => {
            o.insert("status".into(), (*status).into());
            if let Some(b) = should_retry {
                o.insert("should_retry".into(), (*b).into());
            }
            if let Some(c) = code {
                o.insert("code".into(), c.clone().into());
            }
        }
        Fault::ErrorAfter {
            should_retry: Some(b),
        } => {
            o.insert("should_retry".into(), (*b).into());
        }
        Fault::Delay { ms } => {
            o.insert("ms".into(), (*ms).into());
        }
        _ => {}
    }
    serde_json::Value::Object(o)
}
