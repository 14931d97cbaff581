//! The fake's request parsing: any method, path, headers and body get a JSON response.
#![no_main]

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\n');
    let method = parts.next().unwrap_or("GET");
    let path = parts.next().unwrap_or("/");
    let key = parts.next().unwrap_or("");
    let body = parts.next().unwrap_or("");
    let mut b = http::Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", "Bearer sk_test_fuzz");
    if !key.is_empty() {
        b = b.header("idempotency-key", key);
    }
    let Ok(req) = b.body(Bytes::from(body.to_owned())) else { return };
    let mut model = stripe_fake::Model::new(1);
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for _ in 0..2 {
        let resp = model.handle(&req, now);
        assert!(resp.headers().contains_key("request-id"));
        assert!(serde_json::from_slice::<serde_json::Value>(resp.body()).is_ok());
    }
});
