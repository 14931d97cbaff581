//! `Stripe-Signature` parsing and verification: never a panic, never a false accept.
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (header, payload) = text.split_once('\n').unwrap_or((&text, "{}"));
    let _ = stripe_core::webhook::parse_header(header);
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let verdict = stripe_core::webhook::verify(payload.as_bytes(), header, "whsec_fuzz", now, Some(Duration::from_secs(300)));
    assert!(verdict.is_err(), "a random header must not verify");
});
