//! The baselines: plain ureq 3 and plain reqwest as a user writes them without us. Default
//! clients (`Agent::new_with_defaults()`, `reqwest::Client::new()`: no timeout, no redirect or
//! status setting, nothing of ours), the same requests as ours (same path and form or JSON
//! body, the secret key as a bearer token, a random UUID `Idempotency-Key` on each POST), the
//! body read whole and parsed into `serde_json::Value`.

use serde_json::{Value, json};

/// The charge every GET retrieves.
pub const GET_PATH: &str = "/v1/charges/ch_3PbQx2LkdIwHu7ix0rbXyZ1a";
/// Where every POST goes.
pub const POST_PATH: &str = "/v1/charges";
/// The form params of every POST.
pub const PARAMS: &[(&str, &str)] = &[
    ("amount", "2000"),
    ("currency", "usd"),
    ("source", "tok_visa"),
    ("description", "bench"),
];
/// Where every v2 POST goes.
pub const V2_PATH: &str = "/v2/billing/meter_events";

/// The params of every v2 POST: both sides serialize this same value per request, ours into
/// its JSON body, the plain clients with `serde_json::to_vec`.
pub fn v2_event() -> Value {
    json!({
        "event_name": "api_call",
        "identifier": "idmp_bench_0123456789",
        "payload": {"stripe_customer_id": "cus_NciAYcXfLnqBoz", "value": "25"},
    })
}

/// The secret key of every client (a test-mode placeholder).
pub const SECRET: &str = "sk_test_bench_0123456789abcdefghijklmnop";

fn idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Plain ureq: a default agent.
pub struct PlainUreq {
    agent: ureq::Agent,
    base: String,
    authorization: String,
}

impl PlainUreq {
    /// A default agent for the API at `base`.
    pub fn new(base: &str) -> Self {
        Self {
            agent: ureq::Agent::new_with_defaults(),
            base: base.to_owned(),
            authorization: format!("Bearer {SECRET}"),
        }
    }

    /// `GET path`, the body parsed: (status, value).
    pub fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .call();
        read(response)
    }

    /// `POST path` with the form params and a fresh idempotency key: (status, value).
    pub fn post(&self, path: &str) -> (u16, Value) {
        let response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .header("Idempotency-Key", idempotency_key())
            .send_form(PARAMS.iter().copied());
        read(response)
    }
}

impl PlainUreq {
    /// `POST path` with `event` as its JSON body and a fresh idempotency key.
    pub fn post_json(&self, path: &str, event: &Value) -> (u16, Value) {
        let body = serde_json::to_vec(event).expect("json");
        let response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .header("Idempotency-Key", idempotency_key())
            .header("Content-Type", "application/json")
            .send(&body[..]);
        read(response)
    }
}

fn read(response: Result<http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut response = response.expect("plain ureq");
    let bytes = response.body_mut().read_to_vec().expect("body");
    let value = serde_json::from_slice(&bytes).expect("json");
    (response.status().as_u16(), value)
}

/// Plain reqwest: `reqwest::Client::new()`.
#[derive(Clone)]
pub struct PlainReqwest {
    http: reqwest::Client,
    base: String,
}

impl PlainReqwest {
    /// A default client for the API at `base`.
    pub fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.to_owned(),
        }
    }

    /// `GET path`, the body parsed: (status, value).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(SECRET)
            .send()
            .await;
        read_async(response).await
    }

    /// `POST path` with the form params and a fresh idempotency key: (status, value).
    pub async fn post(&self, path: &str) -> (u16, Value) {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(PARAMS)
            .finish();
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(SECRET)
            .header("Idempotency-Key", idempotency_key())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await;
        read_async(response).await
    }
}

impl PlainReqwest {
    /// `POST path` with `event` as its JSON body and a fresh idempotency key.
    pub async fn post_json(&self, path: &str, event: &Value) -> (u16, Value) {
        let body = serde_json::to_vec(event).expect("json");
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(SECRET)
            .header("Idempotency-Key", idempotency_key())
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await;
        read_async(response).await
    }
}

async fn read_async(response: Result<reqwest::Response, reqwest::Error>) -> (u16, Value) {
    let response = response.expect("plain reqwest");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body");
    (status, serde_json::from_slice(&bytes).expect("json"))
}
