//! The one error type: invalid input is an `Error` of kind `InvalidRequest` that keeps the
//! `RequestError`; `Display` gives the error's own words once and leaves its cause to
//! `source()`; limits that are checked when a request is built.

mod common;

use std::error::Error as _;

use common::*;
use stripe_core::{
    Advice, Config, ConfigError, Error, ErrorKind, MAX_PATH_BYTES, Request, RequestError,
    RetryPolicy, TransportError,
};

/// Every text of an error and its causes, outermost first.
fn chain(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push(c.to_string());
        cause = c.source();
    }
    out
}

#[test]
fn an_over_long_get_or_delete_query_is_too_long_at_build_time() {
    // "/v1/charges" + "?" + "q=" + n bytes: exactly the maximum is accepted, one more is not.
    let fill = |n: usize| [("q", "x".repeat(n))];
    let at_max = MAX_PATH_BYTES - "/v1/charges?q=".len();
    for request in [Request::get, Request::delete] {
        let ok = request("/v1/charges")
            .expect("valid")
            .with_params(&fill(at_max))
            .expect("exactly the maximum");
        assert_eq!(ok.path().len(), MAX_PATH_BYTES);
        let refused = request("/v1/charges")
            .expect("valid")
            .with_params(&fill(at_max + 1));
        assert!(
            matches!(
                refused,
                Err(RequestError::TooLong { len, max }) if len == MAX_PATH_BYTES + 1 && max == MAX_PATH_BYTES
            ),
            "{refused:?}"
        );
    }
    // Pre-encoded params and params added to a query already there count the same way.
    let long = format!("q={}", "x".repeat(MAX_PATH_BYTES));
    assert!(matches!(
        Request::get("/v1/charges")
            .expect("valid")
            .with_encoded_params(&long),
        Err(RequestError::TooLong { .. })
    ));
    let with_query = Request::get("/v1/charges?limit=3").expect("valid");
    let room = MAX_PATH_BYTES - "/v1/charges?limit=3&q=".len();
    assert!(with_query.clone().with_params(&fill(room)).is_ok());
    assert!(matches!(
        with_query.with_params(&fill(room + 1)),
        Err(RequestError::TooLong { len, .. }) if len == MAX_PATH_BYTES + 1
    ));
    // A POST's params go to the body, which has no such limit.
    let body = Request::post("/v1/charges", &fill(2 * MAX_PATH_BYTES)).expect("a body");
    assert_eq!(body.body().len(), 2 * MAX_PATH_BYTES + 2);
    // As the one error type: invalid input, nothing sent.
    let e = Error::from(
        Request::get("/v1/charges")
            .expect("valid")
            .with_params(&fill(MAX_PATH_BYTES))
            .expect_err("too long"),
    );
    assert_eq!(e.kind(), &ErrorKind::InvalidRequest);
    assert!(matches!(
        e.request_error(),
        Some(RequestError::TooLong { .. })
    ));
}

/// What a caller's function returning `stripe_core::Error` sees for bad input.
fn charge(path: &str) -> Result<Request, Error> {
    Ok(Request::post(path, &[("amount", "2000")])?.with_stripe_account("acct_1")?)
}

#[test]
fn invalid_input_is_an_error_of_kind_invalid_request_with_its_request_error() {
    let e = charge("/v1/../admin").expect_err("a bad path");
    assert_eq!(e.kind(), &ErrorKind::InvalidRequest);
    let Some(RequestError::Path { path, .. }) = e.request_error() else {
        panic!("the request error is kept: {e:?}");
    };
    assert_eq!(path, "/v1/../admin");
    assert_eq!(e.advice(), Advice::FixRequest);
    assert!(e.nothing_sent());
    assert_eq!(e.attempts(), 0);
    assert!(e.idempotency_key().is_none(), "no key existed yet");
    assert!(e.response().is_none());
    // What was wrong is in the error's own words, once: not again as its source.
    let problem = e.request_error().expect("kept").to_string();
    assert!(e.to_string().contains(&problem), "{e}");
    assert!(e.source().is_none(), "{:?}", e.source());
    // Any other kind has no request error.
    let t = run(
        post(),
        RetryPolicy::never(),
        &[Step::Net(TransportError::Io)],
    );
    let f = t.outcome.expect_err("no response");
    assert!(f.request_error().is_none());
    assert!(!f.nothing_sent());
}

#[test]
fn display_says_what_was_wrong_and_what_to_do_each_cause_once() {
    // Invalid input: what was wrong (the path, escaped: no control character reaches a
    // terminal) and what to do, in `{e}` alone; no source repeats it.
    let e = charge("/v1/charges\r\nHost: evil").expect_err("a bad path");
    let own = e.to_string();
    assert_eq!(
        own,
        "invalid request, nothing sent: path \"/v1/charges\\r\\nHost: evil\": holds a control \
         character or a non-ASCII byte; advice: the request itself is wrong: fix it, then send it again"
    );
    assert_eq!(chain(&e), vec![own.clone()]);
    // A params problem: its words once, inside the request error's.
    let e =
        Error::from(Request::post("/v1/charges", &[("metadata[", "x")]).expect_err("a bad name"));
    let texts = chain(&e);
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(
        texts[0].contains("params: key at \"metadata[\""),
        "{texts:?}"
    );
    assert!(
        texts[0].ends_with(Advice::FixRequest.describe()),
        "{texts:?}"
    );

    // No response: the kind's words, the attempts, the key, the advice; the transport's
    // words only in the source.
    let t = run(
        post(),
        RetryPolicy::conservative(),
        &[Step::Net(TransportError::Timeout)],
    );
    let f = t.outcome.expect_err("no response");
    let key = f.idempotency_key().expect("a POST key").to_string();
    let own = f.to_string();
    assert!(own.starts_with("no response from Stripe"), "{own}");
    assert!(own.contains("after 1 attempt(s)"), "{own}");
    assert_eq!(own.matches(key.as_str()).count(), 1, "{own}");
    assert!(own.contains(Advice::RetrySameKey.describe()), "{own}");
    let cause = TransportError::Timeout.to_string();
    assert!(!own.contains(&cause), "{own:?} repeats {cause:?}");
    assert_eq!(chain(&f), vec![own.clone(), cause.clone()]);

    // The transport's own error, as a driver attaches it, replaces the kind as the cause.
    let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "peer reset the link");
    let f = f.with_source(Box::new(io));
    let texts = chain(&f);
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert_eq!(texts[1], "peer reset the link");
    assert!(!texts[0].contains("peer reset"), "{texts:?}");

    // Every text of the chain once, for each kind with a cause.
    let deadline = RetryPolicy::default().with_deadline(Some(std::time::Duration::from_secs(1)));
    let t = run(get(), deadline, &[Step::Net(TransportError::Connect)]);
    let f = t.outcome.expect_err("deadline");
    assert!(matches!(
        f.kind(),
        ErrorKind::DeadlineExceeded {
            last_transport: Some(TransportError::Connect)
        }
    ));
    let texts = chain(&f);
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(!texts[0].contains(&texts[1]), "{texts:?}");

    let local = Error::local("no TLS backend compiled in");
    assert_eq!(local.kind(), &ErrorKind::Local);
    assert!(local.nothing_sent());
    let texts = chain(&local);
    assert_eq!(texts[1], "no TLS backend compiled in");
    assert!(!texts[0].contains("TLS"), "{texts:?}");
}

#[test]
fn display_of_an_answer_kept_names_its_status() {
    let t = run(
        post(),
        RetryPolicy::default().with_max_tries(2),
        &[status(429), status(429)],
    );
    let f = t.outcome.expect_err("exhausted");
    assert_eq!(f.kind(), &ErrorKind::RetriesExhausted);
    let own = f.to_string();
    assert!(own.contains("last status 429"), "{own}");
    assert!(own.contains("after 2 attempt(s)"), "{own}");
    assert!(
        f.source().is_none(),
        "an HTTP answer is no cause: {:?}",
        f.source()
    );
}
#[test]
fn per_request_policy_contradictions_are_request_errors() {
    let post = || Request::post("/v1/charges", &[("amount", "1")]).expect("valid");
    for bad in [
        RetryPolicy::default().with_max_tries(0),
        RetryPolicy::official().with_max_tries(101),
        RetryPolicy::default().with_backoff(stripe_core::Backoff::Doubling {
            initial: std::time::Duration::from_secs(6),
            max: std::time::Duration::from_secs(5),
        }),
    ] {
        let refused = post().with_policy(bad.clone());
        assert!(
            matches!(refused, Err(RequestError::Policy(_))),
            "{bad:?} gave {refused:?}"
        );
        // The same rule as the configuration's.
        assert!(matches!(
            Config::builder("sk_test_123").policy(bad).build(),
            Err(ConfigError::Policy(_))
        ));
    }
    for good in [
        RetryPolicy::never(),
        RetryPolicy::default().with_max_tries(100),
        RetryPolicy::official(),
    ] {
        assert!(post().with_policy(good).is_ok());
    }
}
