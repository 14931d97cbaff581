//! Requests through the `stripe-cli` binary: exit codes, stderr lines, resuming with a key,
//! the embedded fake, `--all`, both adapters, secrets never shown.

mod common;

use std::net::TcpListener;

use common::{KEY, cli, cli_at, code, json, line_value, stderr, stdout};
use stripe_fake::server;
use stripe_fake::{Fault, FaultPlan, Kind, Rule};

#[test]
fn post_with_the_embedded_fake_exits_0_and_prints_the_key() {
    let o = cli(&[
        "post",
        "/v1/customers",
        "-d",
        "email=a@b.c",
        "-d",
        "metadata[order]=42",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("no STRIPE_SECRET_KEY: using the embedded fake Stripe at http://127.0.0.1:"),
        "{err}"
    );
    let key = line_value(&o, "idempotency-key").expect("key line");
    assert_eq!(key.len(), 36, "a UUID: {key}");
    assert!(err.contains("HTTP 200 OK"), "{err}");
    assert!(line_value(&o, "request-id").is_some_and(|id| id.starts_with("req_")));
    assert_eq!(line_value(&o, "attempts").as_deref(), Some("1"));
    assert_eq!(line_value(&o, "advice").as_deref(), Some("success"));
    let body = json(&o);
    assert_eq!(body["email"], "a@b.c");
    assert_eq!(
        body["metadata"]["order"], "42",
        "bracket names pass through"
    );
}

#[test]
fn quiet_keeps_stderr_empty_on_success() {
    let o = cli(&["--quiet", "post", "/v1/customers", "-d", "email=q@b.c"]);
    assert_eq!(code(&o), 0);
    assert_eq!(stderr(&o), "");
    assert_eq!(json(&o)["object"], "customer");
}

#[test]
fn a_declined_card_exits_1_with_advice() {
    let o = cli(&[
        "post",
        "/v1/charges",
        "-d",
        "amount=100",
        "-d",
        "currency=usd",
        "-d",
        "source=tok_chargeDeclined",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let advice = line_value(&o, "advice").expect("advice");
    assert!(
        advice.starts_with("card error: after the customer acts"),
        "{advice}"
    );
    assert!(stderr(&o).contains("HTTP 402"), "{}", stderr(&o));
    assert!(line_value(&o, "idempotency-key").is_some());
    assert_eq!(json(&o)["error"]["code"], "card_declined");
}

#[test]
fn invalid_input_exits_2_and_sends_nothing() {
    let fake = server::start().expect("fake");
    // A GET whose query cannot be sent (over stripe_core::MAX_PATH_BYTES): refused when built.
    let long = format!("q={}", "x".repeat(9_000));
    let cases: &[&[&str]] = &[
        &["get", "/v1/customers", "-d", &long],
        &["delete", "/v1/customers/cus_1", "--data-raw", &long],
        &["get", "customers"],
        &["get", "/v1/../v2/x"],
        &["--bogus", "get", "/v1/customers"],
        &["post", "/v1/customers", "--idempotency-key", "has space"],
        &["post", "/v1/customers", "-d", "novalue"],
        &["post", "/v1/customers", "-d", "metadata[order=1"],
        &["get", "/v1/customers", "--idempotency-key", "k1"],
        &["post", "/v1/customers", "--max-tries", "0"],
        &["post", "/v1/customers", "--policy", "eager"],
        &["--all", "post", "/v1/customers"],
        &["get"],
        &["patch", "/v1/customers"],
    ];
    for args in cases {
        let o = cli_at(&fake, args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("error"), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{args:?}");
    }
    assert!(
        fake.log().is_empty(),
        "nothing reached the server: {:?}",
        fake.log()
    );
    assert_eq!(code(&cli(&[])), 2, "no arguments");
}

#[test]
fn a_dead_port_exits_3_with_the_key() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let o = cli(&[
        "--api-base",
        &base,
        "--secret-key",
        KEY,
        "--max-tries",
        "2",
        "--backoff-ms",
        "10",
        "post",
        "/v1/charges",
        "-d",
        "amount=100",
        "-d",
        "currency=usd",
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let key = line_value(&o, "idempotency-key").expect("key printed");
    let err = stderr(&o);
    assert!(err.contains(&format!("--idempotency-key {key}")), "{err}");
    assert!(
        err.contains("attempt 2/2 after no response (could not connect)"),
        "{err}"
    );
    assert_eq!(line_value(&o, "attempts").as_deref(), Some("2"));
}

#[test]
fn a_lost_response_is_resumed_with_the_printed_key() {
    let fake = server::start().expect("fake");
    fake.set_plan(FaultPlan::from_rules(vec![
        Rule::new(Fault::DropAfter)
            .method(http::Method::POST)
            .path("/v1/charges"),
    ]));
    let charge = [
        "post",
        "/v1/charges",
        "-d",
        "amount=2000",
        "-d",
        "currency=usd",
        "-d",
        "source=tok_visa",
    ];
    let mut first = vec!["--max-tries", "1"];
    first.extend_from_slice(&charge);
    let o = cli_at(&fake, &first);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let key = line_value(&o, "idempotency-key").expect("key printed");
    assert_eq!(
        fake.count(Kind::Charge),
        1,
        "the charge ran; its answer was lost"
    );

    let mut again = vec!["--idempotency-key", key.as_str()];
    again.extend_from_slice(&charge);
    let o = cli_at(&fake, &again);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        line_value(&o, "idempotency-key").as_deref(),
        Some(key.as_str())
    );
    assert_eq!(
        line_value(&o, "idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(json(&o)["object"], "charge");
    assert_eq!(fake.count(Kind::Charge), 1, "exactly one charge");
    assert_eq!(fake.successful_charges(), 1);
}

fn retry_line_after_a_429(adapter: &str) {
    let fake = server::start().expect("fake");
    fake.set_plan(FaultPlan::from_rules(vec![
        Rule::new(Fault::status(429))
            .method(http::Method::POST)
            .path("/v1/customers"),
    ]));
    let o = cli_at(
        &fake,
        &[
            "--adapter",
            adapter,
            "--policy",
            "default",
            "--backoff-ms",
            "50",
            "post",
            "/v1/customers",
            "-d",
            "email=r@b.c",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("attempt 2/5 after 429: retrying in 50 ms"),
        "{err}"
    );
    assert_eq!(line_value(&o, "attempts").as_deref(), Some("2"));
    let keys: Vec<_> = fake.log().into_iter().map(|e| e.idempotency_key).collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "the retry kept the key");
}

#[test]
fn the_live_retry_line_appears_after_a_429_ureq() {
    retry_line_after_a_429("ureq");
}

#[test]
fn the_live_retry_line_appears_after_a_429_reqwest() {
    retry_line_after_a_429("reqwest");
}

#[test]
fn all_prints_every_object_as_json_lines() {
    let fake = server::start().expect("fake");
    for i in 0..12 {
        let email = format!("email=c{i}@b.c");
        assert_eq!(
            code(&cli_at(
                &fake,
                &["--quiet", "post", "/v1/customers", "-d", &email]
            )),
            0
        );
    }
    // A list (has_more, starting_after) and a Search (next_page, page), walked alike.
    let lists = [
        ["/v1/customers", "limit=5", "created[gte]=0"],
        ["/v1/customers/search", "limit=5", "query=email~'@b.c'"],
    ];
    for (adapter, [path, limit, more]) in ["ureq", "reqwest"]
        .into_iter()
        .flat_map(|a| lists.map(|l| (a, l)))
    {
        let args = [
            "--adapter",
            adapter,
            "--all",
            "get",
            path,
            "-d",
            limit,
            "-d",
            more,
        ];
        let o = cli_at(&fake, &args);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let ids: Vec<String> = stdout(&o)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
                v["id"].as_str().expect("id").to_owned()
            })
            .collect();
        assert_eq!(ids.len(), 12, "{adapter} {path}");
        assert_eq!(
            ids.iter().collect::<std::collections::HashSet<_>>().len(),
            12
        );
        assert_eq!(line_value(&o, "pages").as_deref(), Some("3"), "{path}");
        assert_eq!(line_value(&o, "objects").as_deref(), Some("12"));
    }
}

#[test]
fn reqwest_works_as_ureq_for_a_simple_post() {
    let o = cli(&[
        "--adapter",
        "reqwest",
        "post",
        "/v1/customers",
        "-d",
        "email=r@b.c",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(line_value(&o, "idempotency-key").is_some());
    assert_eq!(line_value(&o, "attempts").as_deref(), Some("1"));
    assert_eq!(json(&o)["email"], "r@b.c");
}

#[test]
fn the_secret_key_is_never_printed() {
    let secret = "sk_test_TOPSECRETvalue987654321";
    let fake = server::start().expect("fake");
    let base = fake.base_url();
    let runs = [
        cli(&[
            "--api-base",
            &base,
            "--secret-key",
            secret,
            "post",
            "/v1/customers",
        ]),
        cli(&[
            "--api-base",
            "http://127.0.0.1:1",
            "--secret-key",
            secret,
            "--max-tries",
            "1",
            "get",
            "/v1/customers",
        ]),
        cli(&[
            "--api-base",
            &base,
            "--secret-key",
            "sk_test_TOPSECRET with space",
            "get",
            "/v1/customers",
        ]),
        cli(&[
            "--api-base",
            "https://user:TOPSECRET@example.com",
            "--secret-key",
            secret,
            "get",
            "/v1/x",
        ]),
    ];
    for o in &runs {
        let all = format!("{}{}", stdout(o), stderr(o));
        assert!(!all.contains("TOPSECRET"), "{all}");
    }
    assert_eq!(code(&runs[2]), 2);
    assert_eq!(code(&runs[3]), 2);
}
