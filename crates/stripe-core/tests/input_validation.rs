//! Bad input is a typed error before any request exists, and never a panic: a request's path
//! (only relative Stripe paths; one length limit), its headers and per-request options, the
//! config (secret key, headers, API base, policy), secrets never shown. Params:
//! `input_params.rs`; idempotency keys: `input_keys.rs`.

use stripe_core::{Config, ConfigError, HeaderProblem, Request, RequestError, RetryPolicy};

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
