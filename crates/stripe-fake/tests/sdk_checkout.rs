//! Stripe's official Python SDK (PyPI `stripe`) pays through 3D Secure and through Checkout
//! Sessions (payment, setup and subscription mode) against the fake's binary:
//! `tests/sdk_checkout.py`. The script starts a webhook receiver, starts the binary with
//! `--webhook-url` pointing at it, and asserts the objects' states and the events received,
//! verified by the SDK, in order. The interpreter comes from `STRIPE_TEST_PYTHON` (`bash
//! .ci/install-tools && source target/ci-tools/env`); without it the test says SKIPPED and
//! passes, except under `CI`, where it fails.

mod common;

use std::process::Command;

use common::python;

#[test]
fn the_official_python_sdk_pays_through_3ds_and_checkout_and_receives_the_webhooks_in_order() {
    let Some(python) = python() else { return };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk_checkout.py");
    let out = Command::new(&python)
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_stripe-fake"))
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "SDK checkout flows failed:\n{stdout}\n{stderr}"
    );
    println!("{}", stdout.trim());
    assert!(
        stdout.contains(
            "checkout flows ok: 3DS payment, Checkout Session payment, Checkout Session setup, \
             Checkout Session subscription"
        ),
        "{stdout}"
    );
}
