//! Hostile input, as a hostile caller would give it: each value is refused with a typed error
//! that names where and why, or kept exactly as given; no duration or instant overflows.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use serde::ser::{Serialize, SerializeMap, Serializer};
use stripe_core::params::encode;
use stripe_core::{
    Backoff, Config, ConfigError, ErrorKind, HeaderProblem, MAX_PATH_BYTES, ParamsError, Request,
    RequestError, RetryPolicy, Seed,
};

// ---------------------------------------------------------------- the API base's port

#[test]
fn a_port_out_of_range_is_a_config_error() {
    for bad in [
        "http://127.0.0.1:99999",
        "http://127.0.0.1:65536",
        "http://127.0.0.1:0",
        "https://api.stripe.com:4294967297",
        "http://[::1]:70000",
    ] {
        match Config::builder("sk_test_123").api_base(bad).build() {
            Err(ConfigError::ApiBase { reason, .. }) => {
                assert!(reason.contains("port"), "{bad}: {reason}");
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    for good in [
        "http://127.0.0.1:65535",
        "http://127.0.0.1:1",
        "https://api.stripe.com:443",
    ] {
        assert!(
            Config::builder("sk_test_123")
                .api_base(good)
                .build()
                .is_ok(),
            "{good}"
        );
    }
}

// ---------------------------------------------------------------- nesting through pair names

/// `metadata[k][k]...`: a name of `levels` levels (the head is the first).
fn deep_name(levels: usize) -> String {
    format!("metadata{}", "[k]".repeat(levels - 1))
}

/// A JSON value whose one leaf is `levels` levels down, under `metadata`.
fn deep_json(levels: usize) -> serde_json::Value {
    let mut value = serde_json::json!("v");
    for _ in 1..levels {
        value = serde_json::json!({ "k": value });
    }
    serde_json::json!({ "metadata": value })
}

#[test]
fn a_pair_name_counts_its_brackets_toward_the_nesting_limit() {
    // The limit as a nested value meets it: 32 levels pass, 33 do not.
    assert!(encode(&deep_json(32)).is_ok());
    assert!(matches!(encode(&deep_json(33)), Err(ParamsError::TooDeep)));
    // The same names written as pairs meet the same limit.
    let at_limit = [(deep_name(32), "v")];
    assert_eq!(
        encode(&at_limit).expect("32 levels"),
        encode(&deep_json(32)).expect("32 levels")
    );
    for levels in [33, 200, 10_000] {
        let pairs = [(deep_name(levels), "v")];
        assert!(
            matches!(encode(&pairs), Err(ParamsError::TooDeep)),
            "{levels} levels"
        );
        let refused = Request::post("/v1/customers", &pairs);
        assert!(
            matches!(refused, Err(RequestError::Params(ParamsError::TooDeep))),
            "{levels} levels"
        );
    }
    // A container under a deep name counts from the name's depth; `name[]` is a level too.
    let under = [(deep_name(31), serde_json::json!({ "k": "v" }))];
    assert!(encode(&under).is_ok());
    let under = [(deep_name(32), serde_json::json!({ "k": "v" }))];
    assert!(matches!(encode(&under), Err(ParamsError::TooDeep)));
    assert!(encode(&[(format!("{}[]", deep_name(31)), "v")]).is_ok());
    let list = [(format!("{}[]", deep_name(32)), "v")];
    assert!(matches!(encode(&list), Err(ParamsError::TooDeep)));
}

// ---------------------------------------------------------------- floats

#[derive(serde::Serialize)]
struct Price {
    unit_amount_decimal: f32,
}

#[test]
fn an_f32_prints_as_the_f32_it_is() {
    assert_eq!(
        encode(&[("unit_amount_decimal", 0.1f32)]).expect("a float"),
        "unit_amount_decimal=0.1"
    );
    let price = Price {
        unit_amount_decimal: 12.34,
    };
    assert_eq!(
        encode(&price).expect("a float"),
        "unit_amount_decimal=12.34"
    );
    let map = BTreeMap::from([("a", f32::MAX), ("b", f32::MIN_POSITIVE)]);
    assert_eq!(
        encode(&map).expect("floats"),
        format!("a={}&b={}", f32::MAX, f32::MIN_POSITIVE)
    );
    assert!(matches!(
        encode(&[("x", f32::NAN)]),
        Err(ParamsError::Unsupported(_))
    ));
}

// ---------------------------------------------------------------- map keys

/// A one-entry map with any key type (most cannot be keys of a std map).
struct OneEntry<K>(K);

impl<K: Serialize> Serialize for OneEntry<K> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(&self.0, "v")?;
        map.end()
    }
}

#[derive(serde::Serialize)]
struct Under<K> {
    metadata: OneEntry<K>,
}

#[derive(serde::Serialize)]
enum Variant {
    Wrapped(u8),
}

fn key_error<K: Serialize>(key: K) -> (String, String) {
    let nested = encode(&Under {
        metadata: OneEntry(&key),
    });
    let top = encode(&OneEntry(&key));
    let text = |r: Result<String, ParamsError>| match r {
        Err(e @ ParamsError::KeyType { .. }) => e.to_string(),
        other => panic!("a key of the wrong type: {other:?}"),
    };
    (text(nested), text(top))
}

#[test]
fn a_key_of_the_wrong_type_is_named_with_its_place_and_type() {
    for (nested, top, found) in [
        (key_error(1.5f64), "a float"),
        (key_error(1.5f32), "a float"),
        (key_error((1u8, 2u8)), "a tuple"),
        (key_error(None::<&str>), "none"),
        (key_error(vec![1u8, 2]), "a sequence"),
        (key_error(()), "a unit"),
        (key_error(Variant::Wrapped(1)), "an enum variant with data"),
        (key_error(BTreeMap::from([("a", 1)])), "a map"),
    ]
    .map(|((nested, top), found)| (nested, top, found))
    {
        for text in [&nested, &top] {
            assert!(text.contains(found), "{text}");
            assert!(!text.contains("is empty or holds"), "{text}");
        }
        assert!(nested.contains("\"metadata\""), "{nested}");
        assert!(top.contains("top level"), "{top}");
    }
    // A pair whose name is not text says so, at the top level.
    let err = encode(&[(1.5f64, "v")]).expect_err("a float name");
    assert!(matches!(err, ParamsError::KeyType { .. }), "{err:?}");
    assert!(err.to_string().contains("a float"), "{err}");
}

// ---------------------------------------------------------------- the path's length

#[test]
fn a_path_of_exactly_max_path_bytes_is_accepted_however_it_was_built() {
    for base in ["/v1/customers", "/v1/customers?", "/v1/customers?limit=3"] {
        // The separator written between the path and the params, if any.
        let sep = usize::from(!base.ends_with('?'));
        let room = MAX_PATH_BYTES - base.len() - sep - "q=".len();
        let fits = Request::get(base)
            .and_then(|r| r.with_params(&[("q", "x".repeat(room))]))
            .unwrap_or_else(|e| panic!("{base}: {e}"));
        assert_eq!(fits.path().len(), MAX_PATH_BYTES, "{base}");
        match Request::get(base).and_then(|r| r.with_params(&[("q", "x".repeat(room + 1))])) {
            Err(RequestError::TooLong { len, max }) => {
                assert_eq!((len, max), (MAX_PATH_BYTES + 1, MAX_PATH_BYTES), "{base}");
            }
            other => panic!("{base}: {other:?}"),
        }
        let encoded = format!("q={}", "x".repeat(room));
        let fits = Request::delete(base).and_then(|r| r.with_encoded_params(&encoded));
        assert_eq!(fits.expect("fits").path().len(), MAX_PATH_BYTES, "{base}");
    }
}

// ---------------------------------------------------------------- waits beyond the clock

fn failure(trace: &Trace) -> &stripe_core::Error {
    trace.outcome.as_ref().expect_err("the call fails")
}

#[test]
fn a_wait_beyond_the_clock_is_never_a_deadline_exceeded() {
    for backoff in [
        Backoff::Fixed(Duration::MAX),
        Backoff::Doubling {
            initial: Duration::MAX / 2,
            max: Duration::MAX,
        },
    ] {
        let policy = RetryPolicy::default().with_backoff(backoff);
        for request in [get(), post()] {
            let trace = run(request, policy.clone(), &[status(503)]);
            let error = failure(&trace);
            assert!(
                matches!(error.kind(), ErrorKind::WaitTooLong { .. }),
                "{backoff:?}: {error:?}"
            );
            assert!(!error.to_string().contains("deadline"), "{error}");
            assert_eq!(error.attempts(), 1);
            assert_eq!(error.response().map(|r| r.status().as_u16()), Some(503));
        }
    }
}

#[test]
fn a_retry_past_the_keys_window_is_not_an_expired_key() {
    let mut policy = RetryPolicy::default();
    policy.retry_after_cap = Duration::MAX;
    let trace = run(
        post(),
        policy.clone(),
        &[http(503, &[("Retry-After", "86400")], "{}")],
    );
    let error = failure(&trace);
    match error.kind() {
        ErrorKind::WaitTooLong { wait } => assert!(*wait >= Duration::from_secs(86_400)),
        other => panic!("{other:?}: {error}"),
    }
    let text = error.to_string();
    assert!(text.contains("24 h"), "{text}");
    assert!(!text.contains("24 h old"), "{text}");
    assert!(error.idempotency_key().is_some());
    // A GET has no key: a day's wait is honoured.
    let trace = run(
        get(),
        policy,
        &[http(503, &[("Retry-After", "86400")], "{}")],
    );
    assert_eq!(trace.sleeps, [Duration::from_secs(86_400)]);
    assert!(trace.outcome.is_ok());
}

#[test]
fn an_attempt_timeout_beyond_the_clock_leaves_the_attempt_unbounded() {
    let policy = RetryPolicy::default().with_attempt_timeout(Some(Duration::MAX));
    let trace = run_with(
        post(),
        policy,
        Seed::from_u64(3),
        &[status(200)],
        Duration::from_secs(1),
    );
    assert_eq!(trace.bys, [None]);
    assert!(trace.outcome.is_ok());
}

// ---------------------------------------------------------------- Stripe-Account

#[test]
fn one_stripe_account_limit_for_config_and_request() {
    let long = "a".repeat(256);
    assert_eq!(
        Config::builder("sk_test_123")
            .stripe_account(&long)
            .build()
            .expect_err("256 characters"),
        ConfigError::Header {
            name: "Stripe-Account",
            problem: HeaderProblem::TooLong
        }
    );
    assert!(matches!(
        Request::get("/v1/balance").and_then(|r| r.with_stripe_account(&long)),
        Err(RequestError::Header {
            problem: HeaderProblem::TooLong,
            ..
        })
    ));
    let most = "a".repeat(255);
    assert!(
        Config::builder("sk_test_123")
            .stripe_account(&most)
            .build()
            .is_ok()
    );
    assert!(
        Request::get("/v1/balance")
            .and_then(|r| r.with_stripe_account(&most))
            .is_ok()
    );
}
