//! Golden tests: the exact request line, headers and body of a few requests.

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use serde_json::json;
use stripe_core::{Action, Config, Input, Request, Seed, Session};

fn wall() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123)
}

/// The first request of the first call of a fresh session seeded with 42.
fn first_send(request: Request, config: &Config) -> http::Request<Bytes> {
    let mut session = Session::new(config.clone(), Seed::from_u64(42));
    send_of(&mut session, request, Instant::now())
}

fn send_of(session: &mut Session, request: Request, now: Instant) -> http::Request<Bytes> {
    match session.call(request, now, wall()).expect("a valid call").1 {
        Action::Send { request, .. } => request,
        other => panic!("expected a send, got {other:?}"),
    }
}

fn render(req: &http::Request<bytes::Bytes>) -> String {
    let mut out = format!("{} {}\n", req.method(), req.uri());
    for (name, value) in req.headers() {
        out.push_str(&format!("{}: {}\n", name, value.to_str().expect("ascii")));
    }
    out.push('\n');
    out.push_str(std::str::from_utf8(req.body()).expect("utf-8"));
    out
}

fn client_ua() -> String {
    format!(
        r#"x-stripe-client-user-agent: {{"bindings_version":"0.1.0","lang":"rust","publisher":"stripe-sansio","uname":"{} {}"}}"#,
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

const KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

#[test]
fn post_with_nested_params_basic_auth() {
    let config = Config::builder(KEY).build().expect("config");
    let req = Request::post(
        "/v1/payment_intents",
        &json!({
            "amount": 2000,
            "currency": "usd",
            "capture": false,
            "metadata": {"order": "42", "note": "a b&c"},
            "payment_method_types": ["card"],
            "items": [{"price": "p_1", "quantity": 2}],
        }),
    )
    .expect("valid");
    let got = render(&first_send(req, &config));
    let want = "POST https://api.stripe.com/v1/payment_intents
authorization: Basic c2tfdGVzdF80ZUMzOUhxTHlqV0Rhcmp0VDF6ZHA3ZGM6
accept: application/json
content-type: application/x-www-form-urlencoded
idempotency-key: 018bcfe5-687b-78f7-96c6-7836ecff0d97
user-agent: stripe-core-rs/0.1.0
{ua}

amount=2000&capture=false&currency=usd&items%5B0%5D%5Bprice%5D=p_1&items%5B0%5D%5Bquantity%5D=2&metadata%5Bnote%5D=a+b%26c&metadata%5Border%5D=42&payment_method_types%5B0%5D=card".replace("{ua}", &client_ua());
    assert_eq!(got, want);
}

#[test]
fn get_with_query_bearer_auth() {
    let config = Config::builder(KEY)
        .bearer(true)
        .stripe_version("2024-06-20")
        .build()
        .expect("config");
    let req = Request::get("/v1/charges")
        .expect("valid")
        .with_params(&json!({"limit": 3, "customer": "cus_1"}))
        .expect("valid");
    let got = render(&first_send(req, &config));
    let want = "GET https://api.stripe.com/v1/charges?customer=cus_1&limit=3
authorization: Bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc
accept: application/json
stripe-version: 2024-06-20
user-agent: stripe-core-rs/0.1.0
{ua}

"
    .replace("{ua}", &client_ua());
    assert_eq!(got, want);
}

#[test]
fn stripe_account_from_config_and_overridden_per_request() {
    let config = Config::builder(KEY)
        .stripe_account("acct_config")
        .api_base("http://127.0.0.1:12111/")
        .build()
        .expect("config");
    let req = Request::delete("/v1/customers/cus_1").expect("valid");
    let got = render(&first_send(req.clone(), &config));
    assert!(
        got.starts_with("DELETE http://127.0.0.1:12111/v1/customers/cus_1\n"),
        "{got}"
    );
    assert!(got.contains("\nstripe-account: acct_config\n"), "{got}");
    assert!(!got.contains("idempotency-key"), "{got}");
    let got = render(&first_send(
        req.with_stripe_account("acct_other").expect("valid"),
        &config,
    ));
    assert!(got.contains("\nstripe-account: acct_other\n"), "{got}");
    assert!(!got.contains("acct_config"), "{got}");
}

#[test]
fn pre_encoded_params_are_sent_as_given() {
    let config = Config::builder(KEY).build().expect("config");
    let req = Request::new(stripe_core::Method::Post, "/v1/customers")
        .expect("valid")
        .with_encoded_params("email=a%40b.c&metadata[k]=v")
        .expect("valid");
    let sent = first_send(req, &config);
    assert_eq!(sent.body().as_ref(), b"email=a%40b.c&metadata[k]=v");
}

/// A session that finished one GET answered `request_id` after 87 ms, as `learn` saw it.
fn session_after(config: &Config, request_id: &str) -> (Session, Instant) {
    let mut session = Session::new(config.clone(), Seed::from_u64(42));
    let start = Instant::now();
    let (mut call, first) = session
        .call(Request::get("/v1/charges").expect("valid"), start, wall())
        .expect("a valid call");
    assert!(matches!(first, Action::Send { .. }));
    let answer = http::Response::builder()
        .status(200)
        .header("request-id", request_id)
        .body(Bytes::from_static(b"{}"))
        .expect("valid");
    let end = start + Duration::from_millis(87);
    match call.handle(end, Input::Response(answer)) {
        Action::Done(response) => session.learn(&response),
        other => panic!("expected done, got {other:?}"),
    }
    (session, end)
}

#[test]
fn telemetry_header_carries_the_previous_request_unless_switched_off() {
    let on = Config::builder(KEY).build().expect("config");
    let first = first_send(Request::get("/v1/charges").expect("valid"), &on);
    assert!(
        first.headers().get("x-stripe-client-telemetry").is_none(),
        "nothing learnt yet"
    );
    let (mut session, now) = session_after(&on, "req_abc123");
    let sent = send_of(
        &mut session,
        Request::get("/v1/charges").expect("valid"),
        now,
    );
    assert_eq!(
        sent.headers()["x-stripe-client-telemetry"],
        r#"{"last_request_metrics":{"request_id":"req_abc123","request_duration_ms":87}}"#
    );
    let off = Config::builder(KEY)
        .telemetry(false)
        .build()
        .expect("config");
    let (mut session, now) = session_after(&off, "req_abc123");
    assert!(
        send_of(
            &mut session,
            Request::get("/v1/charges").expect("valid"),
            now
        )
        .headers()
        .get("x-stripe-client-telemetry")
        .is_none()
    );
    // An id that could break out of the JSON (a header value cannot hold CR or LF at all),
    // and one too long to repeat.
    for hostile in [r#"req"},"x":{"#.to_owned(), "r".repeat(256)] {
        let (mut session, now) = session_after(&on, &hostile);
        assert!(
            send_of(
                &mut session,
                Request::get("/v1/charges").expect("valid"),
                now
            )
            .headers()
            .get("x-stripe-client-telemetry")
            .is_none(),
            "{hostile}"
        );
    }
}

#[test]
fn an_api_base_with_a_path_prefixes_every_request_path() {
    use std::time::{Instant, SystemTime};
    for base in [
        "https://proxy.example/stripe",
        "https://proxy.example/stripe/",
    ] {
        let config = stripe_core::Config::builder("sk_test_prefix")
            .api_base(base)
            .build()
            .expect("valid");
        let mut session = stripe_core::Session::new(config, stripe_core::Seed::from_u64(1));
        let request = stripe_core::Request::get("/v1/charges?limit=3").expect("valid");
        let (_, first) = session
            .call(request, Instant::now(), SystemTime::now())
            .expect("a call");
        let stripe_core::Action::Send { request, .. } = first else {
            panic!("a send first");
        };
        assert_eq!(
            request.uri().to_string(),
            "https://proxy.example/stripe/v1/charges?limit=3",
            "{base}"
        );
    }
}

/// A v2 POST: a JSON body with its members in the struct's order, `None` left out, numbers
/// and booleans typed, `Unset` as `null`; `application/json`; a key.
#[test]
fn v2_post_is_json_with_its_content_type_and_a_key() {
    #[derive(serde::Serialize)]
    struct Payload<'a> {
        stripe_customer_id: &'a str,
        value: &'a str,
    }
    #[derive(serde::Serialize)]
    struct MeterEvent<'a> {
        event_name: &'a str,
        identifier: Option<&'a str>,
        timestamp: Option<u64>,
        payload: Payload<'a>,
        livemode: bool,
        note: stripe_core::params::Unset,
    }
    let config = Config::builder(KEY)
        .stripe_version("2025-09-30.preview")
        .build()
        .expect("config");
    let event = MeterEvent {
        event_name: "api_call",
        identifier: None,
        timestamp: Some(1_700_000_000),
        payload: Payload {
            stripe_customer_id: "cus_1",
            value: "a \"quoted\" b&c",
        },
        livemode: false,
        note: stripe_core::params::Unset,
    };
    let req = Request::post("/v2/billing/meter_events", &event).expect("valid");
    let got = render(&first_send(req, &config));
    let want = r#"POST https://api.stripe.com/v2/billing/meter_events
authorization: Basic c2tfdGVzdF80ZUMzOUhxTHlqV0Rhcmp0VDF6ZHA3ZGM6
accept: application/json
content-type: application/json
idempotency-key: 018bcfe5-687b-78f7-96c6-7836ecff0d97
stripe-version: 2025-09-30.preview
user-agent: stripe-core-rs/0.1.0
{ua}

{"event_name":"api_call","timestamp":1700000000,"payload":{"stripe_customer_id":"cus_1","value":"a \"quoted\" b&c"},"livemode":false,"note":null}"#
        .replace("{ua}", &client_ua());
    assert_eq!(got, want);
    // Without params, the body is still an object.
    let empty = Request::post("/v2/core/accounts", &()).expect("valid");
    assert_eq!(first_send(empty, &config).body().as_ref(), b"{}");
}

/// A v2 DELETE carries a key (the official SDKs send one) and no body; a v1 DELETE none.
#[test]
fn v2_delete_carries_a_key_and_no_body() {
    let config = Config::builder(KEY).build().expect("config");
    let req = Request::delete("/v2/core/accounts/acct_1/persons/person_1").expect("valid");
    let got = render(&first_send(req, &config));
    let want = "DELETE https://api.stripe.com/v2/core/accounts/acct_1/persons/person_1
authorization: Basic c2tfdGVzdF80ZUMzOUhxTHlqV0Rhcmp0VDF6ZHA3ZGM6
accept: application/json
idempotency-key: 018bcfe5-687b-78f7-96c6-7836ecff0d97
user-agent: stripe-core-rs/0.1.0
{ua}

"
    .replace("{ua}", &client_ua());
    assert_eq!(got, want);
    let v1 = first_send(
        Request::delete("/v1/customers/cus_1").expect("valid"),
        &config,
    );
    assert!(v1.headers().get("idempotency-key").is_none());
}

/// A v2 GET's list params repeat their name (`include=a&include=b`), as the official SDKs
/// send v2 queries; a v1 GET's carry their index.
#[test]
fn v2_get_repeats_a_list_name_in_its_query() {
    let config = Config::builder(KEY).build().expect("config");
    let params = json!({"include": ["configuration.customer", "identity"], "limit": 2});
    let v2 = Request::get("/v2/core/accounts")
        .expect("valid")
        .with_params(&params)
        .expect("valid");
    let got = render(&first_send(v2, &config));
    let want = "GET https://api.stripe.com/v2/core/accounts?include=configuration.customer&include=identity&limit=2
authorization: Basic c2tfdGVzdF80ZUMzOUhxTHlqV0Rhcmp0VDF6ZHA3ZGM6
accept: application/json
user-agent: stripe-core-rs/0.1.0
{ua}

"
    .replace("{ua}", &client_ua());
    assert_eq!(got, want);
    let v1 = Request::get("/v1/customers")
        .expect("valid")
        .with_params(&json!({"expand": ["data.default_source"]}))
        .expect("valid");
    assert_eq!(v1.path(), "/v1/customers?expand%5B0%5D=data.default_source");
}

/// Per-request options in place of the configuration's: the API key (sent the
/// configuration's way, Basic here), `Stripe-Version`, `Stripe-Account` and `Stripe-Context`;
/// without them, the configuration's `Stripe-Context` and version.
#[test]
fn per_request_key_version_account_and_context_replace_the_configurations() {
    let config = Config::builder(KEY)
        .stripe_version("2024-06-20")
        .stripe_context("acct_config")
        .build()
        .expect("config");
    let req = Request::post("/v1/customers", &[("email", "jenny@example.com")])
        .expect("valid")
        .with_api_key("sk_test_other_0123456789")
        .expect("a key")
        .with_stripe_version("2025-09-30.clover")
        .expect("a version")
        .with_stripe_account("acct_1")
        .expect("an account")
        .with_stripe_context("acct_1/acct_2")
        .expect("a context");
    let got = render(&first_send(req, &config));
    let want = "POST https://api.stripe.com/v1/customers
authorization: Basic c2tfdGVzdF9vdGhlcl8wMTIzNDU2Nzg5Og==
accept: application/json
content-type: application/x-www-form-urlencoded
idempotency-key: 018bcfe5-687b-78f7-96c6-7836ecff0d97
stripe-version: 2025-09-30.clover
stripe-account: acct_1
stripe-context: acct_1/acct_2
user-agent: stripe-core-rs/0.1.0
{ua}

email=jenny%40example.com"
        .replace("{ua}", &client_ua());
    assert_eq!(got, want);
    let plain = render(&first_send(
        Request::get("/v2/core/events").expect("valid"),
        &config,
    ));
    assert!(
        plain.contains("\nstripe-version: 2024-06-20\nstripe-context: acct_config\n"),
        "{plain}"
    );
}
