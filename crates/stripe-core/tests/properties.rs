//! Property tests of the retry logic, each run with at least 1,000 cases
//! (`PROPTEST_CASES` raises it).

mod common;

use std::time::Duration;

use common::*;
use proptest::prelude::*;
use serde_json::{Map, Value};
use stripe_core::{
    Advice, ErrorKind, Method, Request, RetryPolicy, RetryReason, Seed, TransportError,
};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
        .max(1000)
}

fn policy() -> impl Strategy<Value = RetryPolicy> {
    (0..3u8, 1..8u32, prop::option::of(1..120u64)).prop_map(|(preset, tries, deadline)| {
        let p = match preset {
            0 => RetryPolicy::default(),
            1 => RetryPolicy::conservative(),
            _ => RetryPolicy::official(),
        };
        p.with_max_tries(tries)
            .with_deadline(deadline.map(Duration::from_secs))
    })
}

fn step() -> impl Strategy<Value = Step> {
    let status = prop::sample::select(vec![
        200u16, 201, 400, 401, 402, 404, 409, 429, 500, 502, 503,
    ]);
    let should = prop::sample::select(vec![None, Some("true"), Some("false"), Some("maybe")]);
    let retry_after = prop::sample::select(vec![
        None,
        Some("1"),
        Some("7"),
        Some("300"),
        Some("soon"),
        Some("-4"),
    ]);
    let net = prop::sample::select(vec![
        TransportError::Connect,
        TransportError::Timeout,
        TransportError::Io,
    ]);
    prop_oneof![
        3 => (status, should, any::<bool>(), retry_after).prop_map(|(s, should, replayed, ra)| {
            let mut h = vec![];
            if let Some(v) = should { h.push(("stripe-should-retry", v)); }
            if replayed { h.push(("idempotent-replayed", "true")); }
            if let Some(v) = ra { h.push(("retry-after", v)); }
            http(s, &h, "{\"error\":{\"type\":\"api_error\"}}")
        }),
        1 => net.prop_map(Step::Net),
    ]
}

fn method() -> impl Strategy<Value = Method> {
    prop::sample::select(vec![Method::Get, Method::Post, Method::Delete])
}

fn request(m: Method) -> Request {
    match m {
        Method::Post => post(),
        Method::Get => get(),
        Method::Delete => delete(),
        other => panic!("a method the tests do not know: {other}"),
    }
}

/// The advice table in stripe-core's crate docs, written out again independently of the crate.
fn expected_advice(m: Method, status: u16) -> Advice {
    let post = m == Method::Post;
    match status {
        200..=299 => Advice::Success,
        402 if post => Advice::NewKeyAfterCustomerAction,
        409 | 429 if post => Advice::RetrySameKey,
        409 | 429 => Advice::Retry,
        500..=599 if post => Advice::Reconcile,
        500..=599 => Advice::Retry,
        _ if post => Advice::NewKeyAfterFix,
        _ => Advice::FixRequest,
    }
}

/// The advice when no answer came back: the same key for a POST, a plain retry otherwise.
fn expected_no_response_advice(m: Method) -> Advice {
    if m == Method::Post {
        Advice::RetrySameKey
    } else {
        Advice::Retry
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn same_seed_same_inputs_same_trace(
        m in method(), p in policy(), seed in any::<u64>(), script in prop::collection::vec(step(), 0..10)
    ) {
        let a = run_with(request(m), p.clone(), Seed::from_u64(seed), &script, Duration::from_millis(250));
        let b = run_with(request(m), p, Seed::from_u64(seed), &script, Duration::from_millis(250));
        prop_assert_eq!(a.log, b.log);
    }

    #[test]
    fn attempts_never_exceed_max_tries(
        m in method(), p in policy(), script in prop::collection::vec(step(), 0..12)
    ) {
        let max = p.max_tries;
        let t = run(request(m), p, &script);
        prop_assert!(t.sent.len() as u32 <= max);
        let attempts = match &t.outcome { Ok(r) => r.attempts(), Err(f) => f.attempts() };
        prop_assert_eq!(attempts as usize, t.sent.len());
    }

    #[test]
    fn keys_same_on_every_post_attempt_and_absent_on_get_delete(
        m in method(), p in policy(), seed in any::<u64>(), script in prop::collection::vec(step(), 0..10)
    ) {
        let t = run_with(request(m), p, Seed::from_u64(seed), &script, Duration::from_millis(100));
        let k = keys(&t);
        if m == Method::Post {
            let first = k[0].clone();
            prop_assert!(first.is_some());
            prop_assert!(k.iter().all(|x| *x == first));
            let carried = match &t.outcome {
                Ok(r) => r.idempotency_key().map(|k| k.as_str().to_owned()),
                Err(f) => f.idempotency_key().map(|k| k.as_str().to_owned()),
            };
            prop_assert_eq!(carried, first);
        } else {
            prop_assert!(k.iter().all(Option::is_none));
            if let Err(f) = &t.outcome { prop_assert!(f.idempotency_key().is_none()); }
        }
    }

    #[test]
    fn should_retry_false_stops_at_once(
        m in method(), p in policy(), s in prop::sample::select(vec![409u16, 429, 500, 503]), rest in prop::collection::vec(step(), 0..4)
    ) {
        let mut script = vec![http(s, &[("stripe-should-retry", "false")], "{}")];
        script.extend(rest);
        let honors = p.honor_should_retry;
        let t = run(request(m), p, &script);
        if honors {
            prop_assert_eq!(t.sent.len(), 1);
            prop_assert_eq!(t.outcome.expect("a response").status().as_u16(), s);
        }
    }

    #[test]
    fn sleeps_within_bounds_and_each_followed_by_a_send(
        m in method(), p in policy(), seed in any::<u64>(), script in prop::collection::vec(step(), 0..10)
    ) {
        let t = run_with(request(m), p.clone(), Seed::from_u64(seed), &script, Duration::from_millis(100));
        for (i, line) in t.log.iter().enumerate() {
            if line.starts_with("sleep") {
                prop_assert!(t.log.get(i + 1).is_some_and(|next| next.starts_with("send")), "{:?}", t.log);
            }
        }
        for (i, d) in t.sleeps.iter().enumerate() {
            let n = i as u32 + 1;
            let (lo, hi) = wait_bounds(&p, n, t.sleep_after[i].as_deref());
            prop_assert!(*d >= lo && *d <= hi, "retry {} slept {:?}, bounds {:?}..{:?}", n, d, lo, hi);
            // Never more than the backoff's top or the Retry-After cap.
            let (_, backoff_hi) = backoff_bounds(&p.backoff, n);
            prop_assert!(*d <= backoff_hi.max(p.retry_after_cap));
        }
        if let Some(deadline) = p.deadline {
            let slept: Duration = t.sleeps.iter().sum();
            prop_assert!(slept <= deadline);
            // attempts take 100 ms each; the call never schedules a wake past the deadline
            prop_assert!(t.elapsed <= deadline + Duration::from_millis(100));
        }
    }

    #[test]
    fn advice_matches_the_table(
        m in method(), p in policy(), script in prop::collection::vec(step(), 0..10)
    ) {
        let t = run(request(m), p, &script);
        match &t.outcome {
            Ok(r) => prop_assert_eq!(r.advice(), expected_advice(m, r.status().as_u16())),
            Err(f) => {
                let want = match (f.kind(), f.response()) {
                    (ErrorKind::KeyExpired { .. }, _) => Advice::Reconcile,
                    (_, Some(r)) => expected_advice(m, r.status().as_u16()),
                    (_, None) => expected_no_response_advice(m),
                };
                prop_assert_eq!(f.advice(), want);
            }
        }
    }

    #[test]
    fn every_sleep_has_one_notice_that_tells_it(
        m in method(), p in policy(), seed in any::<u64>(), script in prop::collection::vec(step(), 0..10)
    ) {
        let t = run_with(request(m), p.clone(), Seed::from_u64(seed), &script, Duration::from_millis(100));
        prop_assert_eq!(t.notices.len(), t.sleeps.len());
        for (i, (notice, slept)) in t.notices.iter().zip(&t.sleeps).enumerate() {
            // This driver never wakes early, so every sleep is a retry with its notice.
            let notice = notice.expect("a notice on every retry");
            prop_assert_eq!(notice.wait(), *slept);
            prop_assert_eq!(notice.attempt() as usize, i + 2);
            prop_assert_eq!(notice.max_tries(), p.max_tries);
            // The reason is the answer to the attempt just made.
            match (notice.reason(), script.get(i)) {
                (RetryReason::Status(s), Some(Step::Http(code, _, _))) => prop_assert_eq!(s.as_u16(), *code),
                (RetryReason::Transport(e), Some(Step::Net(k))) => prop_assert_eq!(e, *k),
                (reason, step) => prop_assert!(false, "notice {:?} after {:?}", reason, step),
            }
        }
    }

    #[test]
    fn each_send_is_due_by_the_attempt_timeout_cut_to_the_deadline(
        m in method(), p in policy(), timeout in prop::option::of(1..100u64), script in prop::collection::vec(step(), 0..10)
    ) {
        let p = p.with_attempt_timeout(timeout.map(Duration::from_secs));
        let t = run(request(m), p.clone(), &script);
        prop_assert_eq!(t.bys.len(), t.sent.len());
        for (at, by) in t.sent_at.iter().zip(&t.bys) {
            let want = match (p.attempt_timeout.map(|a| *at + a), p.deadline) {
                (Some(a), Some(d)) => Some(a.min(d)),
                (a, d) => a.or(d),
            };
            prop_assert_eq!(*by, want, "sent at {:?}", at);
        }
    }

    #[test]
    fn encoded_params_decode_to_the_same_structure(v in params_value()) {
        let encoded = stripe_core::params::encode(&v).expect("encodable");
        prop_assert_eq!(decode(&encoded), stringify(&v));
        // And the same text goes out, untouched, in a POST body.
        let req = Request::post("/v1/customers", &v).expect("valid");
        prop_assert_eq!(req.body(), encoded.as_str());
    }

    #[test]
    fn nulls_and_empty_containers_send_nothing_and_leave_no_hole(v in params_value_with_gaps()) {
        let encoded = stripe_core::params::encode(&v).expect("encodable");
        let Value::Object(top) = &v else { unreachable!("the strategy makes objects") };
        let expected: Map<String, Value> = top
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), stringify(&prune(v)?))))
            .collect();
        prop_assert_eq!(decode(&encoded), Value::Object(expected));
    }
}

/// Like `params_value`, with `null`s and empty containers anywhere.
fn params_value_with_gaps() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![leaf(), Just(Value::Null)];
    let inner = leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map(key(), inner, 0..5)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// What a value sends: nothing for `null` and for containers left empty once pruned; arrays
/// close up over what is gone.
fn prune(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Array(a) => {
            let kept: Vec<Value> = a.iter().filter_map(prune).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        Value::Object(m) => {
            let kept: Map<String, Value> = m
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), prune(v)?)))
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        leaf => Some(leaf.clone()),
    }
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
    ]
}

fn key() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_ .-]{0,8}"
}

fn params_value() -> impl Strategy<Value = Value> {
    let inner = leaf().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 1..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map(key(), inner, 0..5)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// Leaves as the server sees them: strings.
fn stringify(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), stringify(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(stringify).collect()),
        Value::String(s) => Value::String(s.clone()),
        other => Value::String(other.to_string()),
    }
}

/// A server-side decoder of Stripe's bracket form, written independently of the encoder.
fn decode(encoded: &str) -> Value {
    let mut root = Value::Object(Map::new());
    for (name, value) in form_urlencoded::parse(encoded.as_bytes()) {
        let (head, rest) = name
            .split_once('[')
            .map_or((name.as_ref(), ""), |(h, r)| (h, r));
        let mut path = vec![head.to_owned()];
        path.extend(
            rest.split('[')
                .filter(|s| !s.is_empty())
                .map(|s| s.trim_end_matches(']').to_owned()),
        );
        let mut node = &mut root;
        for (i, seg) in path.iter().enumerate() {
            let map = node.as_object_mut().expect("object");
            if i + 1 == path.len() {
                map.insert(seg.clone(), Value::String(value.to_string()));
                break;
            }
            node = map
                .entry(seg.clone())
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
    arrays(root)
}

/// Objects whose keys are exactly 0..n become arrays.
fn arrays(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let is_array = !m.is_empty() && (0..m.len()).all(|i| m.contains_key(&i.to_string()));
            if is_array {
                let mut m = m;
                Value::Array(
                    (0..m.len())
                        .map(|i| arrays(m.remove(&i.to_string()).expect("index")))
                        .collect(),
                )
            } else {
                Value::Object(m.into_iter().map(|(k, v)| (k, arrays(v))).collect())
            }
        }
        other => other,
    }
}
