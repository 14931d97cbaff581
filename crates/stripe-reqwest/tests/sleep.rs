//! The transport's sleep: it never ends before its instant (the core would only ask for another
//! sleep), on either runtime, for waits shorter and longer than a timer tick.

use std::time::{Duration, Instant};

use stripe_client::{AsyncTransport, FromConfig};
use stripe_reqwest::{Config, Reqwest};

#[test]
fn a_sleep_ends_at_its_instant_not_before() {
    let config = Config::builder("sk_test_123").build().expect("config");
    let transport = Reqwest::from_config(&config).expect("transport");
    for multi in [false, true] {
        let runtime = if multi {
            tokio::runtime::Builder::new_multi_thread()
        } else {
            tokio::runtime::Builder::new_current_thread()
        }
        .enable_all()
        .build()
        .expect("runtime");
        for micros in [0, 300, 1_000, 1_700, 4_200] {
            let until = Instant::now() + Duration::from_micros(micros);
            runtime.block_on(transport.sleep_until(until));
            let woke = Instant::now();
            assert!(woke >= until, "woke before the instant ({micros} µs)");
        }
    }
}
