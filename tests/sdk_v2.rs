//! API v2 side by side with Stripe's official Python SDK (PyPI `stripe`, pinned in
//! `.ci/requirements.txt`), against the fake over loopback: `tests/sdk_v2.py` makes a raw v2
//! request (`StripeClient.raw_request` on `/v2/core/accounts`), typed v2 calls (meter events,
//! event destinations and their keyed DELETE), and receives the account's thin notification as a
//! webhook, which it verifies, parses and follows (`fetch_event`, `fetch_related_object`).
//! The same raw notification is then parsed by stripe-core and followed by our client
//! (`stripe_ureq::Client::fetch_event`, `fetch_related_object`): both must agree on every field of
//! the notification and on the event and object fetched.
//!
//! The interpreter comes from `STRIPE_TEST_PYTHON` (`bash .ci/install-tools && source
//! target/ci-tools/env`); without it the test says SKIPPED and passes, except under `CI`, where
//! it fails.

use std::io::Write;
use std::process::Command;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use stripe_core::Config;
use stripe_core::webhook::parse_event_notification;
use stripe_fake::server::{self, ServerOptions};

const WEBHOOK_SECRET: &str = "whsec_sdk_v2_side_by_side";

fn python() -> Option<String> {
    if let Some(p) = std::env::var_os("STRIPE_TEST_PYTHON") {
        return Some(p.to_string_lossy().into_owned());
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but STRIPE_TEST_PYTHON is not: CI must run `bash .ci/install-tools` and \
         `source target/ci-tools/env` before the tests"
    );
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: STRIPE_TEST_PYTHON not set (run `bash .ci/install-tools && source \
         target/ci-tools/env` to run the official Python SDK's v2 calls against the fake) ***\n"
    );
    None
}

#[test]
fn the_official_python_sdk_and_ours_agree_on_api_v2_and_thin_events() {
    let Some(python) = python() else { return };
    let fake = server::start_with(ServerOptions {
        seed: 0x5EED,
        ..ServerOptions::default()
    })
    .expect("fake starts");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk_v2.py");
    let out = Command::new(&python)
        .arg(script)
        .arg(fake.base_url())
        .arg(WEBHOOK_SECRET)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "SDK v2 run failed:\n{stdout}\n{stderr}"
    );
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("SDKV2 "))
        .expect("the SDK's report");
    let sdk: Value = serde_json::from_str(line).expect("JSON report");
    println!("{}", stdout.lines().last().unwrap_or_default());

    // The same delivery, parsed by stripe-core: the same notification.
    let body = sdk["body"].as_str().expect("body");
    let signature = sdk["signature"].as_str().expect("signature");
    let note = parse_event_notification(
        body.as_bytes(),
        signature,
        WEBHOOK_SECRET,
        SystemTime::now(),
        Some(Duration::from_secs(300)),
    )
    .expect("stripe-core verifies what the SDK verified");
    let theirs = &sdk["notification"];
    assert_eq!(note.id(), theirs["id"]);
    assert_eq!(note.event_type().as_str(), theirs["type"]);
    assert_eq!(note.created(), theirs["created"]);
    assert_eq!(note.context(), theirs["context"].as_str());
    let related = note.related_object().expect("a related object");
    assert_eq!(related.id(), theirs["related_object"]["id"]);
    assert_eq!(related.object_type(), theirs["related_object"]["type"]);
    assert_eq!(related.url(), theirs["related_object"]["url"]);
    assert!(
        parse_event_notification(
            body.as_bytes(),
            signature,
            "whsec_wrong",
            SystemTime::now(),
            Some(Duration::from_secs(300)),
        )
        .is_err(),
        "another secret is refused by both"
    );

    // Followed by our client: the same event and the same object the SDK fetched.
    let config = Config::builder("sk_test_sdkv2")
        .api_base(fake.base_url())
        .build()
        .expect("config");
    let client = stripe_ureq::Client::new(config);
    let event = client.fetch_event(&note).expect("the event");
    assert_eq!(event.status(), 200);
    assert_eq!(event.json(), Some(&sdk["event"]), "the fetched event");
    let object = client
        .fetch_related_object(&note)
        .expect("the object")
        .expect("a related object to fetch");
    assert_eq!(object.json(), Some(&sdk["related"]), "the fetched object");
    assert_eq!(
        object.json().map(|o| &o["display_name"]),
        Some(&Value::from("Shop"))
    );
}
