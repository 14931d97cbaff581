//! Stripe's official Python SDK (PyPI `stripe`) pays through 3D Secure and through Checkout
//! Sessions (payment, setup and subscription mode) against the fake's binary:
//! `tests/sdk_checkout.py`. The script starts a webhook receiver, starts the binary with
//! `--webhook-url` pointing at it, and asserts the objects' states and the events received,
//! verified by the SDK, in order. The interpreter comes from `STRIPE_TEST_PYTHON` (`bash
//! .ci/install-tools && source target/ci-tools/env`); without it the test says SKIPPED and
//! passes, except under `CI`, where it fails.

mod common;

#[test]
fn the_official_python_sdk_pays_through_3ds_and_checkout_and_receives_the_webhooks_in_order() {
    let Some(stdout) = common::run_python("sdk_checkout.py", &[env!("CARGO_BIN_EXE_stripe-fake")])
    else {
        return;
    };
    assert!(
        stdout.contains(
            "checkout flows ok: 3DS payment, Checkout Session payment, Checkout Session setup, \
             Checkout Session subscription"
        ),
        "{stdout}"
    );
}
