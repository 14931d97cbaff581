//! Bad input is a typed error before any request exists, and never a panic.

use std::collections::HashMap;

use serde_json::json;
use stripe_core::{
    Config, ConfigError, HeaderProblem, IdempotencyKey, ParamsError, Request, RequestError,
    RetryPolicy,
};

fn path_err(path: &str) -> bool {
    matches!(Request::get(path), Err(RequestError::Path { .. }))
}

#[test]
fn only_relative_stripe_paths() {
    for bad in [
        "",
        "v1/charges",
        "https://evil.example/v1/charges",
        "//evil.example/v1/charges",
        "/v1/../admin",
        "/v1/charges/%2e%2e/x",
        "/v1/charges/%2Fetc",
        "/v1/charges\r\nHost: evil",
        "/v1/char ges",
        "/v1/charges\0",
        "/v1/charges#frag",
        "/v1/",
        "/charges",
        "/vx/charges",
        "/v1/ch\u{e9}",
        "/v1/charges/%zz",
        "/v1/user:pw@evil",
        "/v1\\charges",
    ] {
        assert!(path_err(bad), "{bad:?} should be rejected");
    }
    for good in [
        "/v1/charges",
        "/v1/charges/ch_1",
        "/v1/charges?limit=3&expand[]=data.customer",
        "/v2/core/events",
    ] {
        assert!(Request::get(good).is_ok(), "{good:?} should be accepted");
    }
}

#[test]
fn params_that_cannot_be_encoded() {
    assert!(matches!(
        Request::post("/v1/customers", &json!([1, 2])),
        Err(RequestError::Params(ParamsError::NotAMap { .. }))
    ));
    assert!(matches!(
        Request::post("/v1/customers", &json!("x")),
        Err(RequestError::Params(ParamsError::NotAMap { .. }))
    ));
    assert!(matches!(
        Request::post("/v1/customers", &json!({"meta[x]": 1})),
        Err(RequestError::Params(ParamsError::Key { .. }))
    ));
    assert!(matches!(
        Request::post("/v1/customers", &json!({"": 1})),
        Err(RequestError::Params(ParamsError::Key { .. }))
    ));
    let mut bad_keys = HashMap::new();
    bad_keys.insert(vec![1u8], 2);
    assert!(matches!(
        Request::post("/v1/customers", &bad_keys),
        Err(RequestError::Params(ParamsError::KeyType {
            found: "a sequence",
            ..
        }))
    ));
    let mut deep = json!(1);
    for _ in 0..40 {
        deep = json!({ "a": deep });
    }
    assert!(matches!(
        Request::post("/v1/customers", &deep),
        Err(RequestError::Params(ParamsError::TooDeep))
    ));
    let enc = Request::new(stripe_core::Method::Post, "/v1/customers").expect("valid");
    // The last two were found by cargo-fuzz: a `%` followed by a multi-byte character.
    for bad in [
        "a=b c",
        "a=%zz",
        "a=\r\n",
        "a=\u{e9}",
        "a=b#c",
        "a=%\u{e9}",
        "%1\u{e9}",
    ] {
        assert!(
            matches!(
                enc.clone().with_encoded_params(bad),
                Err(RequestError::Params(ParamsError::Encoded { .. }))
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn pairs_may_use_bracket_names_but_only_well_formed() {
    let r = Request::post(
        "/v1/charges",
        &[
            ("amount", "100"),
            ("metadata[order]", "42"),
            ("items[0][price]", "p_1"),
        ],
    )
    .expect("valid");
    assert_eq!(
        r.body(),
        "amount=100&metadata%5Border%5D=42&items%5B0%5D%5Bprice%5D=p_1"
    );
    // Empty brackets end a name only (`expand[]`, `a[b][]`): see tests/params_forms.rs.
    for bad in ["metadata[", "meta]data", "[x]", "a[b]c", "a[][b]"] {
        assert!(
            matches!(
                Request::post("/v1/charges", &[(bad, "1")]),
                Err(RequestError::Params(ParamsError::Key { .. }))
            ),
            "{bad}"
        );
    }
}

#[test]
fn structs_keep_their_field_order_and_leave_none_out() {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Capture {
        Automatic,
        Manual,
    }
    #[derive(serde::Serialize)]
    struct Shipping<'a> {
        name: &'a str,
        phone: Option<&'a str>,
    }
    #[derive(serde::Serialize)]
    struct NewIntent<'a> {
        amount: u64,
        currency: &'a str,
        description: Option<&'a str>,
        capture_method: Capture,
        shipping: Shipping<'a>,
        payment_method_types: Vec<&'a str>,
        metadata: std::collections::BTreeMap<&'a str, u32>,
        nothing: (),
        unset_me: stripe_core::params::Unset,
    }
    let params = NewIntent {
        amount: 2000,
        currency: "eur",
        description: None,
        capture_method: Capture::Manual,
        shipping: Shipping {
            name: "Jenny Rosen",
            phone: None,
        },
        payment_method_types: vec!["card", "sepa_debit"],
        metadata: [("order", 42)].into_iter().collect(),
        nothing: (),
        unset_me: stripe_core::params::Unset,
    };
    let r = Request::post("/v1/payment_intents", &params).expect("valid");
    assert_eq!(
        r.body(),
        "amount=2000&currency=eur&capture_method=manual&shipping%5Bname%5D=Jenny+Rosen\
         &payment_method_types%5B0%5D=card&payment_method_types%5B1%5D=sepa_debit\
         &metadata%5Border%5D=42&unset_me="
    );
    let _ = Capture::Automatic;
}

#[test]
fn what_the_form_cannot_carry_is_a_typed_error() {
    let bytes = RawBytes(vec![0, 1]);
    assert!(matches!(
        Request::post("/v1/files", &[("file", bytes)]),
        Err(RequestError::Params(ParamsError::Unsupported(_)))
    ));
    assert!(
        matches!(Request::post("/v1/x", &json!({"a": 1})).map(|r| r.body().to_owned()), Ok(b) if b == "a=1")
    );
    assert!(matches!(
        Request::post("/v1/x", &[("ratio", f64::NAN)]),
        Err(RequestError::Params(ParamsError::Unsupported(_)))
    ));
    assert!(matches!(
        Request::post("/v1/x", &[("a", "1", "2")]),
        Err(RequestError::Params(ParamsError::NotAMap { .. }))
    ));
    assert!(matches!(
        Request::post("/v1/x", &42),
        Err(RequestError::Params(ParamsError::NotAMap {
            found: "a number"
        }))
    ));
    let ints: std::collections::BTreeMap<u32, &str> = [(7, "x")].into_iter().collect();
    assert_eq!(
        Request::post("/v1/x", &json!({"m": ints}))
            .expect("integer keys are text")
            .body(),
        "m%5B7%5D=x"
    );
}

/// A `Serialize` that emits bytes, as `serde_bytes` does, without another dependency.
struct RawBytes(Vec<u8>);

impl serde::Serialize for RawBytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

/// Empty values once were sent as `name=`, which Stripe reads as an unset (an empty
/// `metadata` wiped every key): now they send nothing, and an unset is asked with `Unset`.
#[test]
fn empty_containers_and_null_send_nothing_and_unset_is_explicit() {
    use stripe_core::params::Unset;
    let r = Request::post(
        "/v1/customers/cus_1",
        &json!({"metadata": {}, "tax_ids": [], "email": null}),
    )
    .expect("valid");
    assert_eq!(r.body(), "");
    let r = Request::post(
        "/v1/customers/cus_1",
        &json!({"metadata": Unset, "tax_ids": Unset, "email": Unset}),
    )
    .expect("valid");
    assert_eq!(r.body(), "email=&metadata=&tax_ids=");
}

#[test]
fn idempotency_keys_are_validated() {
    assert!(matches!(
        IdempotencyKey::new(""),
        Err(RequestError::IdempotencyKey(HeaderProblem::Empty))
    ));
    assert!(matches!(
        IdempotencyKey::new("a".repeat(256)),
        Err(RequestError::IdempotencyKey(HeaderProblem::TooLong))
    ));
    assert!(IdempotencyKey::new("a".repeat(255)).is_ok());
    assert!(matches!(
        IdempotencyKey::new("a b"),
        Err(RequestError::IdempotencyKey(HeaderProblem::Whitespace))
    ));
    assert!(matches!(
        IdempotencyKey::new("a\r\nb"),
        Err(RequestError::IdempotencyKey(
            HeaderProblem::ControlOrNonAscii
        ))
    ));
    assert!(matches!(
        IdempotencyKey::new("clé"),
        Err(RequestError::IdempotencyKey(
            HeaderProblem::ControlOrNonAscii
        ))
    ));
    let key = IdempotencyKey::new("order-42").expect("valid");
    assert!(matches!(
        Request::get("/v1/charges")
            .expect("valid")
            .with_idempotency_key(key),
        Err(RequestError::KeyOnIdempotentMethod)
    ));
}

#[test]
fn uuid_v7_keys_tell_their_age() {
    let key = IdempotencyKey::new("018bcfe5-687b-78f7-96c6-7836ecff0d97").expect("valid");
    let created = key.created_at().expect("a v7 key knows its time");
    assert_eq!(
        created
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after epoch")
            .as_millis(),
        1_700_000_000_123
    );
    assert!(!key.is_expired(created + stripe_core::KEY_LIFETIME));
    assert!(
        key.is_expired(created + stripe_core::KEY_LIFETIME + std::time::Duration::from_secs(1))
    );
    assert!(
        IdempotencyKey::new("order-42")
            .expect("valid")
            .created_at()
            .is_none()
    );
}

#[test]
fn header_values_are_validated() {
    let k = "sk_test_123";
    assert!(matches!(
        Config::builder("sk_test\r\nX: y").build(),
        Err(ConfigError::SecretKey(_))
    ));
    assert!(matches!(
        Config::builder("").build(),
        Err(ConfigError::SecretKey(HeaderProblem::Empty))
    ));
    assert!(matches!(
        Config::builder(k).stripe_version("2024\n").build(),
        Err(ConfigError::Header {
            name: "Stripe-Version",
            ..
        })
    ));
    assert!(matches!(
        Config::builder(k).stripe_account("acct\r").build(),
        Err(ConfigError::Header {
            name: "Stripe-Account",
            ..
        })
    ));
    assert!(matches!(
        Config::builder(k).user_agent("me\n").build(),
        Err(ConfigError::Header {
            name: "User-Agent",
            ..
        })
    ));
    assert!(Config::builder(k).user_agent("my app/1.0").build().is_ok());
    let r = Request::get("/v1/charges").expect("valid");
    assert!(matches!(
        r.with_stripe_account("acct_1\r\n"),
        Err(RequestError::Header {
            name: "Stripe-Account",
            ..
        })
    ));
}

#[test]
fn api_base_must_be_https_or_loopback_http() {
    let k = "sk_test_123";
    for bad in [
        "http://api.example.com",
        "ftp://x",
        "api.stripe.com",
        "https://user:pw@api.stripe.com",
        "https://api.stripe.com?x=1",
        "https://a b",
    ] {
        assert!(
            matches!(
                Config::builder(k).api_base(bad).build(),
                Err(ConfigError::ApiBase { .. })
            ),
            "{bad}"
        );
    }
    for good in [
        "https://api.stripe.com",
        "http://127.0.0.1:12111",
        "http://localhost:8080/",
        "http://[::1]:9",
    ] {
        assert!(Config::builder(k).api_base(good).build().is_ok(), "{good}");
    }
    assert!(
        Config::builder(k)
            .api_base("http://10.0.0.5")
            .allow_insecure_http(true)
            .build()
            .is_ok()
    );
}

#[test]
fn policy_contradictions_are_config_errors() {
    let r = Config::builder("sk_test_123")
        .policy(RetryPolicy::default().with_max_tries(0))
        .build();
    assert!(matches!(r, Err(ConfigError::Policy(_))));
}

#[test]
fn secrets_never_shown() {
    let secret = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";
    let config = Config::builder(secret).build().expect("valid");
    let debug = format!("{config:?}");
    assert!(!debug.contains(secret), "{debug}");
    assert!(debug.contains("sk_test_...p7dc"), "{debug}");
    assert_eq!(config.secret_key().to_string(), "sk_test_...p7dc");
    assert!(!format!("{:?}", Config::builder(secret)).contains(secret));
    let err = Config::builder("sk_test_abc\ndef")
        .build()
        .expect_err("bad");
    assert!(!format!("{err} {err:?}").contains("abc"));
}

#[test]
fn a_generated_key_tells_the_same_age_as_its_text() {
    let wall = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
    let config = Config::builder("sk_test_123").build().expect("valid");
    let req = Request::post("/v1/charges", &[("amount", "1")]).expect("valid");
    let mut session = stripe_core::Session::new(config, stripe_core::Seed::from_u64(5));
    let (call, _) = session
        .call(req, std::time::Instant::now(), wall)
        .expect("a valid call");
    let generated = call.idempotency_key().expect("a POST key").clone();
    assert_eq!(generated.created_at(), Some(wall));
    let reread = IdempotencyKey::new(generated.as_str()).expect("valid");
    assert_eq!(reread.created_at(), generated.created_at());
}

#[test]
fn params_after_a_bare_question_mark_make_one_separator() {
    let r = Request::get("/v1/charges?")
        .and_then(|r| r.with_params(&[("limit", "3")]))
        .expect("valid");
    assert_eq!(r.path(), "/v1/charges?limit=3");
    let r = Request::get("/v1/charges?limit=3&")
        .and_then(|r| r.with_params(&[("customer", "cus_1")]))
        .expect("valid");
    assert_eq!(r.path(), "/v1/charges?limit=3&customer=cus_1");
}

#[test]
fn one_length_limit_however_the_path_was_built() {
    let long = format!("/v1/charges/{}", "x".repeat(stripe_core::MAX_PATH_BYTES));
    assert!(matches!(
        Request::get(&long),
        Err(stripe_core::RequestError::TooLong { .. })
    ));
    let query = "x".repeat(stripe_core::MAX_PATH_BYTES);
    assert!(matches!(
        Request::get("/v1/charges").and_then(|r| r.with_params(&[("q", query.as_str())])),
        Err(stripe_core::RequestError::TooLong { .. })
    ));
}

/// Per-request options are checked before anything exists: a bad value is a typed error that
/// names the header and never shows a key; a request's own key is masked when shown.
#[test]
fn per_request_options_are_checked_and_a_key_is_never_shown() {
    let post = || Request::post("/v1/charges", &[("amount", "1")]).expect("valid");
    let secret = "sk_test_hidden\r\nX-Evil: 1";
    let e = post()
        .with_api_key(secret)
        .expect_err("a control character");
    assert!(
        matches!(
            e,
            RequestError::Header {
                name: "API key",
                problem: stripe_core::HeaderProblem::ControlOrNonAscii
            }
        ),
        "{e:?}"
    );
    assert!(!format!("{e} {e:?}").contains("hidden"), "{e}");
    let e = post().with_api_key("").expect_err("empty");
    assert!(
        matches!(
            e,
            RequestError::Header {
                name: "API key",
                ..
            }
        ),
        "{e:?}"
    );
    for (bad, what) in [
        ("acct_1 acct_2", "Whitespace"),
        ("acct\u{1}", "ControlOrNonAscii"),
        ("", "Empty"),
    ] {
        let e = post().with_stripe_context(bad).expect_err("bad context");
        assert!(
            matches!(
                e,
                RequestError::Header {
                    name: "Stripe-Context",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(format!("{e:?}").contains(what), "{e:?}");
        let e = post().with_stripe_version(bad).expect_err("bad version");
        assert!(
            matches!(
                e,
                RequestError::Header {
                    name: "Stripe-Version",
                    ..
                }
            ),
            "{e:?}"
        );
    }
    assert!(post().with_stripe_context(&"a".repeat(1025)).is_err());
    let e = stripe_core::Config::builder("sk_test_123")
        .stripe_context("acct 1")
        .build()
        .expect_err("bad context");
    assert!(
        matches!(
            e,
            stripe_core::ConfigError::Header {
                name: "Stripe-Context",
                ..
            }
        ),
        "{e:?}"
    );

    let with_key = post()
        .with_api_key("sk_test_abcdefghijklmnop1234")
        .expect("a key");
    let shown = format!("{with_key:?}");
    assert!(shown.contains("sk_test_...1234"), "{shown}");
    assert!(!shown.contains("abcdefghijklmnop"), "{shown}");
    assert_eq!(
        with_key.api_key().map(|k| k.expose()),
        Some("sk_test_abcdefghijklmnop1234")
    );
}
