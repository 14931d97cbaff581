//! Response interpretation: any status, headers and body, fed to a call in any state.
#![no_main]

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use stripe_core::{
    Action, Backoff, Config, ErrorKind, Input, KEY_LIFETIME, Request, RetryPolicy, Seed, Session,
    TransportError,
};

fuzz_target!(|data: &[u8]| {
    // A policy whose durations reach `Duration::MAX`, picked by the input's length.
    let huge = Duration::MAX;
    let mut policy = RetryPolicy::default();
    match data.len() % 5 {
        1 => policy.retry_after_cap = huge,
        2 => policy = policy.with_backoff(Backoff::Fixed(huge)),
        3 => policy = policy.with_backoff(Backoff::Doubling { initial: huge / 2, max: huge }),
        4 => policy = policy.with_attempt_timeout(Some(huge)),
        _ => {}
    }
    let Ok(config) = Config::builder("sk_test_fuzz").policy(policy).build() else { return };
    let Ok(req) = Request::post("/v1/charges", &[("amount", "1")]) else { return };
    let now = Instant::now();
    let mut session = Session::new(config, Seed::from_bytes([7; 32]));
    let Ok((mut call, _)) = session.call(req, now, SystemTime::UNIX_EPOCH) else { return };
    // Each chunk separated by 0xff is one input: a response (status, headers, body) or a
    // transport error or a wake-up.
    for (i, chunk) in data.split(|&b| b == 0xff).enumerate() {
        let at = now + Duration::from_secs(i as u64 * 40);
        let input = match chunk.first().copied().unwrap_or(0) % 6 {
            0 => Input::Woke,
            1 => Input::Transport(TransportError::Io),
            2 => Input::Transport(TransportError::Timeout),
            5 => Input::Transport(TransportError::Refused),
            _ => {
                let status = chunk.get(1..3).map_or(200, |s| u16::from_le_bytes([s[0], s[1]]) % 1000);
                let mut b = http::Response::builder().status(status.max(100));
                let text = String::from_utf8_lossy(chunk.get(3..).unwrap_or_default());
                let (head, body) = text.split_once("\n\n").unwrap_or(("", &text));
                for line in head.lines() {
                    if let Some((k, v)) = line.split_once(':') {
                        b = b.header(k.trim(), v.trim());
                    }
                }
                match b.body(Bytes::from(body.to_owned())) {
                    Ok(r) => Input::Response(r),
                    Err(_) => Input::Woke,
                }
            }
        };
        if let Action::Fail(f) = call.handle(at, input) {
            assert!(f.idempotency_key().is_some(), "a POST failure always carries its key");
            // No deadline is set; the key is as old as the inputs' clock.
            assert!(!matches!(f.kind(), ErrorKind::DeadlineExceeded { .. }), "{f}");
            if let ErrorKind::KeyExpired { age } = f.kind() {
                assert!(*age > KEY_LIFETIME && at - now > KEY_LIFETIME, "{f}");
            }
        }
    }
});
