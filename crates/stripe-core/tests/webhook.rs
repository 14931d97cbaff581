//! Webhook signatures: round trips, every way a header can be wrong, and cross-checks with the
//! official npm and PyPI `stripe` packages (installed by `.ci/install-tools`).

mod common;

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use stripe_core::webhook::{DEFAULT_TOLERANCE, WebhookError, parse_header, sign, verify};

const SECRET: &str = "whsec_test_secret_0123456789";
const PAYLOAD: &[u8] = br#"{"id":"evt_1","object":"event","type":"charge.succeeded"}"#;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

#[test]
fn sign_then_verify() {
    let header = sign(PAYLOAD, SECRET, 1_700_000_000);
    assert!(header.starts_with("t=1700000000,v1="));
    let event = verify(
        PAYLOAD,
        &header,
        SECRET,
        at(1_700_000_100),
        Some(DEFAULT_TOLERANCE),
    )
    .expect("valid");
    assert_eq!(event["id"], "evt_1");
}

#[test]
fn known_vector() {
    // HMAC-SHA256("whsec_test_secret_0123456789", "1700000000.{payload}") computed independently
    // with Python's hmac module.
    let header = sign(PAYLOAD, SECRET, 1_700_000_000);
    assert_eq!(header, format!("t=1700000000,v1={}", expected_hex()));
}

fn expected_hex() -> &'static str {
    "e689d5059d757ad52774af9f7334c9be727dd723734d5abd33c5ab04a58ac985"
}

#[test]
fn every_way_a_header_can_be_wrong() {
    let now = at(1_700_000_000);
    let tol = Some(DEFAULT_TOLERANCE);
    let good = sign(PAYLOAD, SECRET, 1_700_000_000);
    let v1 = good.split_once(",v1=").expect("v1").1;
    type Check = fn(&WebhookError) -> bool;
    let cases: Vec<(String, Check)> = vec![
        (String::new(), |e| matches!(e, WebhookError::HeaderLength)),
        ("x".repeat(9000), |e| {
            matches!(e, WebhookError::HeaderLength)
        }),
        (format!("v1={v1}"), |e| {
            matches!(e, WebhookError::MissingTimestamp)
        }),
        (format!("t=soon,v1={v1}"), |e| {
            matches!(e, WebhookError::BadTimestamp)
        }),
        ("t=1700000000".to_owned(), |e| {
            matches!(e, WebhookError::NoSignatures)
        }),
        ("t=1700000000,v0=abcd".to_owned(), |e| {
            matches!(e, WebhookError::NoSignatures)
        }),
        ("t=1700000000,v1=zz".to_owned(), |e| {
            matches!(e, WebhookError::Mismatch)
        }),
        (format!("t=1700000001,v1={v1}"), |e| {
            matches!(e, WebhookError::Mismatch)
        }),
    ];
    for (header, check) in cases {
        let err = verify(PAYLOAD, &header, SECRET, now, tol).expect_err(&header);
        assert!(check(&err), "{header:?} gave {err:?}");
    }
    assert!(matches!(
        verify(b"{}", &good, SECRET, now, tol),
        Err(WebhookError::Mismatch)
    ));
    assert!(matches!(
        verify(PAYLOAD, &good, "whsec_other", now, tol),
        Err(WebhookError::Mismatch)
    ));
    assert!(matches!(
        verify(PAYLOAD, &good, "", now, tol),
        Err(WebhookError::EmptySecret)
    ));
    let late = verify(PAYLOAD, &good, SECRET, at(1_700_000_301), tol).expect_err("too old");
    assert!(matches!(
        late,
        WebhookError::OutsideTolerance { skew_secs: -301 }
    ));
    let early =
        verify(PAYLOAD, &good, SECRET, at(1_699_999_000), tol).expect_err("from the future");
    assert!(matches!(early, WebhookError::OutsideTolerance { .. }));
    assert!(
        verify(PAYLOAD, &good, SECRET, at(1_800_000_000), None).is_ok(),
        "no tolerance check"
    );
    let not_json = sign(b"not json", SECRET, 1_700_000_000);
    assert!(matches!(
        verify(b"not json", &not_json, SECRET, now, tol),
        Err(WebhookError::Payload(_))
    ));
}

#[test]
fn several_v1_signatures_for_secret_rotation() {
    let old = sign(PAYLOAD, "whsec_old", 1_700_000_000);
    let new = sign(PAYLOAD, SECRET, 1_700_000_000);
    let header = format!(
        "{},v1={},v0=ignored",
        old,
        new.split_once(",v1=").expect("v1").1
    );
    assert_eq!(parse_header(&header).expect("parses").v1.len(), 2);
    assert!(
        verify(
            PAYLOAD,
            &header,
            SECRET,
            at(1_700_000_000),
            Some(DEFAULT_TOLERANCE)
        )
        .is_ok()
    );
    assert!(
        verify(
            PAYLOAD,
            &header,
            "whsec_old",
            at(1_700_000_000),
            Some(DEFAULT_TOLERANCE)
        )
        .is_ok()
    );
}

/// Returns the tool path from the environment, or says loudly why the check is skipped. In CI
/// (`CI=true`) a missing tool is a failure: `.ci/install-tools` must have installed it.
pub fn tool(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "{var} is not set in CI: .ci/install-tools must install {what}"
            );
            eprintln!(
                "SKIPPED: {var} not set, {what} not installed; run `bash .ci/install-tools && source target/ci-tools/env`"
            );
            None
        }
    }
}

#[test]
fn signature_from_the_npm_stripe_package_verifies_here() {
    let Some(modules) = tool("STRIPE_TEST_NODE_MODULES", "the npm stripe package") else {
        return;
    };
    let script = r#"
        const Stripe = require('stripe');
        const stripe = Stripe('sk_test_unused');
        const payload = process.argv[1];
        const header = stripe.webhooks.generateTestHeaderString({ payload, secret: process.argv[2] });
        process.stdout.write(header);
    "#;
    let out = Command::new("node")
        .env("NODE_PATH", &modules)
        .args([
            "-e",
            script,
            std::str::from_utf8(PAYLOAD).expect("utf-8"),
            SECRET,
        ])
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let header = String::from_utf8(out.stdout).expect("utf-8");
    let event = verify(
        PAYLOAD,
        &header,
        SECRET,
        SystemTime::now(),
        Some(DEFAULT_TOLERANCE),
    )
    .unwrap_or_else(|e| panic!("{header}: {e}"));
    assert_eq!(event["type"], "charge.succeeded");
}

#[test]
fn signature_made_here_verifies_with_the_pypi_stripe_package() {
    let Some(python) = tool("STRIPE_TEST_PYTHON", "the PyPI stripe package") else {
        return;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after epoch")
        .as_secs();
    let header = sign(PAYLOAD, SECRET, i64::try_from(now).expect("fits"));
    let script = "import sys, stripe\n\
        stripe.WebhookSignature.verify_header(sys.argv[1], sys.argv[2], sys.argv[3], 300)\n\
        print('verified')";
    let run = |secret: &str| {
        Command::new(&python)
            .args([
                "-c",
                script,
                std::str::from_utf8(PAYLOAD).expect("utf-8"),
                &header,
                secret,
            ])
            .output()
            .expect("python runs")
    };
    let ok = run(SECRET);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), "verified");
    assert!(
        !run("whsec_wrong").status.success(),
        "a wrong secret must fail there too"
    );
}

mod fuzz {
    use proptest::prelude::*;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    use stripe_core::webhook::{parse_header, verify};

    fn header() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "(t=[0-9-]{0,12}|v1=[0-9a-f]{0,70}|v0=[a-z]{0,4}|[a-z0-9=, ]{0,10})(,(t=[0-9-]{0,12}|v1=[0-9a-fA-F]{0,66}|[ -~]{0,8})){0,5}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::common::fuzz_cases(20_000)))]

        /// Any header, any payload: a typed answer, never a panic, never a false accept.
        #[test]
        fn any_header_is_parsed_or_refused_typed(h in header(), payload in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_header(&h);
            let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
            prop_assert!(verify(&payload, &h, "whsec_fuzz", now, Some(Duration::from_secs(300))).is_err());
            let _ = SystemTime::now();
        }
    }
}
