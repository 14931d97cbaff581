//! Param encoding of any JSON value: encoded or a typed error, and only visible ASCII out.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(encoded) = stripe_core::params::encode(&value) {
            assert!(encoded.bytes().all(|b| b.is_ascii_graphic()));
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = stripe_core::Request::get(text);
        if let Ok(r) = stripe_core::Request::new(stripe_core::Method::Post, "/v1/customers") {
            let _ = r.with_encoded_params(text);
        }
    }
});
