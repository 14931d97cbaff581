//! Fuzzing with proptest at high case counts (`FUZZ_CASES`, default 20,000 per target): any
//! response, any input order, any JSON params, any path. The first property: a typed answer,
//! never a panic. Paths are also drawn mostly valid, to check that those are accepted and kept
//! as given, and hostile, to check that those are refused. The coverage-guided targets in
//! `fuzz/` go deeper.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use proptest::prelude::*;
use serde_json::Value;
use stripe_core::{
    Action, Input, Request, RequestError, RetryPolicy, Seed, Session, TransportError,
};

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
    #![proptest_config(ProptestConfig::with_cases(common::fuzz_cases(20_000)))]

    #[test]
    fn any_response_gets_an_action(resp in response(), preset in 0..3u8, max in 1..6u32, post in any::<bool>()) {
        let policy = match preset { 0 => RetryPolicy::default(), 1 => RetryPolicy::conservative(), _ => RetryPolicy::official() }.with_max_tries(max);
        let req = if post { common::post() } else { common::get() };
        let now = Instant::now();
        let mut session = Session::new(config(), Seed::from_u64(9));
        let (mut call, _) = session.call(req.with_policy(policy).expect("valid"), now, wall()).expect("valid");
        let later = now + Duration::from_millis(5);
        match call.handle(later, Input::Response(resp)) {
            Action::Sleep { until, notice } => {
                prop_assert!(until - later <= Duration::from_secs(60));
                prop_assert!(notice.is_some_and(|n| n.wait() == until - later && n.attempt() == 2));
            }
            Action::Done(r) => prop_assert!(r.attempts() == 1),
            Action::Fail(f) => prop_assert_eq!(f.idempotency_key().is_some(), post),
            Action::Send { .. } => prop_assert!(false, "a response never sends at once"),
            other => prop_assert!(false, "an unknown action {:?}", other),
        }
    }

    #[test]
    fn any_input_order_gets_an_action(inputs in prop::collection::vec(any_input(), 0..12)) {
        let mut now = Instant::now();
        let mut session = Session::new(config(), Seed::from_u64(10));
        let (mut call, _) = session.call(common::post(), now, wall()).expect("valid");
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
        match Request::post("/v1/customers", &v) {
            Ok(req) => prop_assert!(req.body().bytes().all(|b| b.is_ascii_graphic())),
            Err(e) => prop_assert!(matches!(e, RequestError::Params(_)), "{:?}", e),
        }
    }

    #[test]
    fn any_path_is_accepted_or_refused_typed(path in any::<String>()) {
        match Request::get(&path) {
            Ok(req) => {
                prop_assert!(req.path().starts_with("/v"));
                prop_assert_eq!(req.path(), path.as_str());
            }
            Err(e) => prop_assert!(matches!(e, RequestError::Path { .. } | RequestError::TooLong { .. }), "{:?}", e),
        }
    }

    #[test]
    fn valid_paths_are_accepted_as_given_and_hostile_ones_refused(path in drawn_path()) {
        match path {
            Drawn::Valid(path) => {
                let req = Request::get(&path);
                prop_assert!(req.is_ok(), "{:?} refused: {:?}", path, req.err());
                let req = req.expect("accepted");
                prop_assert_eq!(req.path(), path.as_str());
                // And it goes out as given, under the API base.
                let mut session = Session::new(config(), Seed::from_u64(11));
                let (_, first) = session.call(req, Instant::now(), wall()).expect("a call");
                match first {
                    Action::Send { request, .. } => {
                        prop_assert_eq!(request.uri().host(), Some("api.stripe.com"));
                        prop_assert_eq!(request.uri().path_and_query().map(|p| p.as_str()), Some(path.as_str()));
                    }
                    other => prop_assert!(false, "expected a send, got {:?}", other),
                }
            }
            Drawn::Hostile(path) => {
                let refused = Request::get(&path);
                prop_assert!(matches!(refused, Err(RequestError::Path { .. } | RequestError::TooLong { .. })), "{:?} gave {:?}", path, refused);
            }
        }
    }
}

/// A path drawn for the path property, and what it should get.
#[derive(Debug, Clone)]
enum Drawn {
    /// `/v<digits>/` + segments of `[A-Za-z0-9_-]` + an optional query of valid pairs.
    Valid(String),
    /// A valid path spoiled by one hostile piece.
    Hostile(String),
}

fn valid_path() -> impl Strategy<Value = String> {
    let segment = "[A-Za-z0-9_-]{1,12}";
    let pair = prop_oneof![
        ("[a-z_]{1,10}", "[A-Za-z0-9_.-]{0,10}").prop_map(|(k, v)| format!("{k}={v}")),
        "[a-z_]{1,8}".prop_map(|k| format!("expand[]=data.{k}")),
        ("[a-z]{1,6}", "[a-z0-9]{1,6}", "[0-9A-F]{2}")
            .prop_map(|(k, n, v)| format!("metadata[{k}]={n}%{v}")),
    ];
    (
        prop::sample::select(vec!["1", "1", "1", "2", "10"]),
        prop::collection::vec(segment, 1..5),
        prop::option::of(prop::collection::vec(pair, 1..5)),
    )
        .prop_map(|(version, segments, query)| {
            let mut path = format!("/v{version}/{}", segments.join("/"));
            if let Some(pairs) = query {
                path.push('?');
                path.push_str(&pairs.join("&"));
            }
            path
        })
}

/// One piece that makes any path invalid, and where it goes.
fn hostile_path() -> impl Strategy<Value = String> {
    // Anywhere: what may never be in a path at all.
    let anywhere = prop::sample::select(vec![
        " ",
        "\r\n",
        "\r\nHost: evil.example",
        "\0",
        "\t",
        "\u{7f}",
        "\u{e9}",
        "\u{202e}",
        "#frag",
        "\\",
    ]);
    // In place of a segment: what could escape the API root or name another host.
    let segment = prop::sample::select(vec![
        "..",
        ".",
        "%2e%2e",
        "%2E.",
        "%2F",
        "%2fetc",
        "%5C",
        "%00",
        "%0d%0a",
        "%20",
        "%zz",
        "%",
        "%4",
        "user:pw@evil.example",
    ]);
    // In front: no longer a relative path with a version.
    let prefix = prop::sample::select(vec![
        "https://evil.example",
        "http://evil.example",
        "//evil.example",
        "evil.example",
        "v1",
        "/vx",
        "/v",
        "/1",
        "/charges",
        "/v1.0",
    ]);
    prop_oneof![
        (valid_path(), anywhere, any::<prop::sample::Index>()).prop_map(|(path, piece, at)| {
            let at = at.index(path.len() + 1).max(1);
            format!("{}{piece}{}", &path[..at], &path[at..])
        }),
        (valid_path(), segment, any::<prop::sample::Index>()).prop_map(|(path, piece, at)| {
            let (route, query) = path
                .split_once('?')
                .map_or((path.as_str(), None), |(r, q)| (r, Some(q)));
            let mut segments: Vec<&str> = route.split('/').collect();
            // segments[0] is "" and segments[1] the version: the piece goes anywhere after them.
            let at = 2 + at.index(segments.len() - 1);
            segments.insert(at, piece);
            let mut out = segments.join("/");
            if let Some(q) = query {
                out.push('?');
                out.push_str(q);
            }
            out
        }),
        (prefix, valid_path()).prop_map(|(prefix, path)| {
            let rest = path.split_once('/').map_or("", |(_, r)| r);
            let rest = rest.split_once('/').map_or("", |(_, r)| r);
            format!("{prefix}/{rest}")
        }),
        Just("/v1/".to_owned()),
        Just(String::new()),
        valid_path().prop_map(|p| format!("{p}{}", "x".repeat(stripe_core::MAX_PATH_BYTES + 1))),
    ]
}

fn drawn_path() -> impl Strategy<Value = Drawn> {
    prop_oneof![
        3 => valid_path().prop_map(Drawn::Valid),
        2 => hostile_path().prop_map(Drawn::Hostile),
    ]
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
