//! Param encoding of any JSON value: encoded or a typed error, and only visible ASCII out.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(encoded) = stripe_core::params::encode(&value) {
            assert!(encoded.bytes().all(|b| b.is_ascii_graphic()));
        }
    }
    // A list of pairs, whose names may be in bracket form: at most 32 levels pass.
    if let Ok(pairs) = serde_json::from_slice::<Vec<(String, serde_json::Value)>>(data) {
        if let Ok(encoded) = stripe_core::params::encode(&pairs) {
            assert!(encoded.bytes().all(|b| b.is_ascii_graphic()));
            assert!(pairs.iter().all(|(name, _)| name.matches('[').count() < 32));
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(r) = stripe_core::Request::get("/v1/customers?") {
            if let Ok(r) = r.with_encoded_params(text) {
                assert!(r.path().len() <= stripe_core::MAX_PATH_BYTES);
            }
        }
        let _ = stripe_core::Request::get(text);
        if let Ok(r) = stripe_core::Request::new(stripe_core::Method::Post, "/v1/customers") {
            let _ = r.with_encoded_params(text);
        }
    }
});
