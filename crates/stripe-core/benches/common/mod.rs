//! The core workloads, ours and the hand-written baseline side by side. Shared by the criterion
//! timing bench (`benches/core.rs`) and the allocation counter (`bench/loopback`, binary
//! `core-alloc`), which includes this file by path so both measure exactly the same code.
//!
//! The baseline does by hand, with `http`, `form_urlencoded`, `uuid`, `rand_chacha` and
//! `serde_json`, what a careful hand-written client does for the same request: the same
//! headers (constant ones prepared once), the same bracket-encoded body, a UUID v7 key from a
//! ChaCha8 stream seeded the same way, and the body parsed into `serde_json::Value` with the
//! headers a retry decision needs read.

#![allow(dead_code)]

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use serde_json::{Value, json};
use stripe_core::{Action, Call, Config, Input, Request, Seed, Session};

/// A typical charge as Stripe returns it (about 2.5 KB, pretty-printed).
pub const CHARGE_JSON: &[u8] = include_bytes!("../charge.json");

/// The secret key of every bench (a test-mode placeholder).
pub const SECRET_KEY: &str = "sk_test_bench_0123456789abcdefghijklmnop";

/// The fixed seed (its source, the OS, is the drivers' cost, not the core's).
pub const SEED: [u8; 32] = [7; 32];

/// The configuration both sides use: defaults, Stripe's API base.
pub fn config() -> Config {
    match Config::builder(SECRET_KEY).build() {
        Ok(c) => c,
        Err(e) => panic!("bench config: {e}"),
    }
}

/// The session every "ours" workload runs in, as a client keeps one for all its calls: each
/// call draws its own seed from it.
pub fn session() -> Session {
    Session::new(config(), Seed::from_bytes(SEED))
}

/// POST params with 20 leaves, nested as Stripe's are (metadata, line items, shipping).
pub fn nested_params() -> Value {
    json!({
        "amount": 2000,
        "currency": "usd",
        "customer": "cus_QSLZ9mC4Hc2pXY",
        "description": "Order 42 & co",
        "capture": true,
        "metadata": { "order_id": "42", "customer_ref": "A-1009", "note": "gift wrap" },
        "shipping": {
            "name": "Jenny Rosen",
            "address": {
                "line1": "510 Townsend St",
                "city": "San Francisco",
                "postal_code": "94103",
                "country": "US"
            }
        },
        "items": [
            { "price": "price_1", "quantity": 2 },
            { "price": "price_2", "quantity": 1 },
            { "price": "price_3", "quantity": 5 }
        ]
    })
}

/// The small params of a whole call.
pub const SMALL_PARAMS: &[(&str, &str)] = &[
    ("amount", "2000"),
    ("currency", "usd"),
    ("source", "tok_visa"),
];

/// A 200 answer carrying the 2.5 KB charge, as a driver hands it to the core.
pub fn charge_response() -> http::Response<Bytes> {
    let mut resp = http::Response::new(Bytes::from_static(CHARGE_JSON));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert("request-id", HeaderValue::from_static("req_8Hn2bQx1LkdIwH"));
    h.insert(
        "idempotency-key",
        HeaderValue::from_static("0190b1a2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"),
    );
    h.insert("stripe-version", HeaderValue::from_static("2024-06-20"));
    resp
}

// ---------------------------------------------------------------- ours

/// Ours: the request of a POST with `params` (a `Request`, then the first action of the
/// session's call).
pub fn ours_build_post(
    session: &mut Session,
    params: &Value,
    now: Instant,
) -> (Call, http::Request<Bytes>) {
    let request = match Request::post("/v1/charges", params) {
        Ok(r) => r,
        Err(e) => panic!("bench request: {e}"),
    };
    match session.call(request, now, SystemTime::now()) {
        Ok((call, Action::Send { request, .. })) => (call, request),
        Ok((_, other)) => panic!("expected a send, got {other:?}"),
        Err(e) => panic!("bench call: {e}"),
    }
}

/// Ours: feed a response to a call awaiting it; the final `Response`.
pub fn ours_interpret(
    mut call: Call,
    resp: http::Response<Bytes>,
    now: Instant,
) -> stripe_core::Response {
    match call.handle(now, Input::Response(resp)) {
        // The body read as JSON, as the baseline reads it (ours parses it only on demand).
        Action::Done(r) => {
            std::hint::black_box(r.json());
            r
        }
        other => panic!("expected done, got {other:?}"),
    }
}

/// Ours: a whole call, started from the session, send, 2xx response, done.
pub fn ours_whole_call(
    session: &mut Session,
    resp: http::Response<Bytes>,
    now: Instant,
) -> stripe_core::Response {
    let request = match Request::post("/v1/charges", SMALL_PARAMS) {
        Ok(r) => r,
        Err(e) => panic!("bench request: {e}"),
    };
    let (mut call, first) = match session.call(request, now, SystemTime::now()) {
        Ok(started) => started,
        Err(e) => panic!("bench call: {e}"),
    };
    let Action::Send { request: req, .. } = first else {
        panic!("expected a send");
    };
    std::hint::black_box(req);
    match call.handle(now, Input::Response(resp)) {
        // The body read as JSON, as the baseline reads it (ours parses it only on demand).
        Action::Done(r) => {
            std::hint::black_box(r.json());
            r
        }
        other => panic!("expected done, got {other:?}"),
    }
}

// ---------------------------------------------------------------- baseline

/// What a hand-written client prepares once: the constant header values and the base.
pub struct Baseline {
    api_base: &'static str,
    authorization: HeaderValue,
    user_agent: HeaderValue,
    client_user_agent: HeaderValue,
}

impl Baseline {
    /// The same header values as ours (captured from one request of a session of `config`).
    pub fn new(config: &Config) -> Self {
        let mut session = Session::new(config.clone(), Seed::from_bytes(SEED));
        let (_, req) = ours_build_post(&mut session, &json!({}), Instant::now());
        let h = req.headers();
        Self {
            api_base: "https://api.stripe.com",
            authorization: h[header::AUTHORIZATION].clone(),
            user_agent: h[header::USER_AGENT].clone(),
            client_user_agent: h["x-stripe-client-user-agent"].clone(),
        }
    }

    /// By hand: the request of a POST with `params`, bracket-encoded, with a UUID v7 key.
    pub fn build_post(&self, params: &Value) -> http::Request<Bytes> {
        let mut form = form_urlencoded::Serializer::new(String::new());
        if let Value::Object(map) = params {
            for (k, v) in map {
                flatten(k, v, &mut form);
            }
        }
        self.build("/v1/charges", form.finish())
    }

    /// By hand: the request of a POST with `pairs`.
    pub fn build_post_pairs(&self, pairs: &[(&str, &str)]) -> http::Request<Bytes> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.build("/v1/charges", body)
    }

    fn build(&self, path: &str, body: String) -> http::Request<Bytes> {
        let mut rng = ChaCha8Rng::from_seed(SEED);
        let mut random = [0u8; 10];
        rng.fill_bytes(&mut random);
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let key = uuid::Builder::from_unix_timestamp_millis(millis, &random)
            .into_uuid()
            .hyphenated()
            .to_string();
        let mut h = HeaderMap::with_capacity(10);
        h.insert(header::AUTHORIZATION, self.authorization.clone());
        h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        if let Ok(v) = HeaderValue::try_from(key) {
            h.insert("idempotency-key", v);
        }
        h.insert(header::USER_AGENT, self.user_agent.clone());
        h.insert("x-stripe-client-user-agent", self.client_user_agent.clone());
        let uri: http::Uri = match format!("{}{}", self.api_base, path).parse() {
            Ok(u) => u,
            Err(e) => panic!("bench uri: {e}"),
        };
        let mut req = http::Request::new(Bytes::from(body));
        *req.method_mut() = http::Method::POST;
        *req.uri_mut() = uri;
        *req.headers_mut() = h;
        req
    }

    /// By hand: a whole call, build then interpret.
    pub fn whole_call(&self, resp: http::Response<Bytes>) -> Interpreted {
        std::hint::black_box(self.build_post_pairs(SMALL_PARAMS));
        interpret(resp)
    }
}

/// Stripe's bracket form, walked by hand.
fn flatten(prefix: &str, value: &Value, out: &mut form_urlencoded::Serializer<'_, String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{prefix}[{k}]"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::String(s) => {
            out.append_pair(prefix, s);
        }
        Value::Number(n) => {
            out.append_pair(prefix, &n.to_string());
        }
        Value::Bool(b) => {
            out.append_pair(prefix, if *b { "true" } else { "false" });
        }
        Value::Null => {
            out.append_pair(prefix, "");
        }
    }
}

/// What the baseline keeps of an answer: what ours keeps, read by hand.
#[derive(Debug)]
pub struct Interpreted {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The parsed body.
    pub body: Value,
    /// `request-id`.
    pub request_id: Option<String>,
    /// Whether to retry (the headers and the status a retry decision reads).
    pub retry: bool,
}

/// By hand: parse the body into `serde_json::Value` and read the headers a retry needs.
pub fn interpret(resp: http::Response<Bytes>) -> Interpreted {
    let (parts, bytes) = resp.into_parts();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let should_retry = parts
        .headers
        .get("stripe-should-retry")
        .and_then(|v| v.to_str().ok())
        .map(|v| v == "true");
    let replayed = parts
        .headers
        .get("idempotent-replayed")
        .is_some_and(|v| v.as_bytes() == b"true");
    let code = body
        .get("error")
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let retry = should_retry.unwrap_or(
        parts.status.is_server_error() && !replayed
            || parts.status == StatusCode::TOO_MANY_REQUESTS
            || code.as_deref() == Some("lock_timeout"),
    );
    let request_id = parts
        .headers
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Interpreted {
        status: parts.status,
        headers: parts.headers,
        body,
        request_id,
        retry,
    }
}
