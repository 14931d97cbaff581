//! Stripe's official Python SDK (PyPI `stripe`, pinned in `.ci/requirements.txt`) runs a
//! subscription's life on a test clock against the `stripe-fake` binary, receiving and
//! verifying its webhooks: `tests/sdk_billing.py` (it starts the fake with `--webhook-url`
//! pointing at its own receiver). The interpreter comes from `STRIPE_TEST_PYTHON`; without it
//! the test says SKIPPED and passes, except under `CI`, where it fails.

mod common;

#[test]
fn the_official_python_sdk_lives_a_subscription_on_a_test_clock_and_its_webhooks_arrive_in_order() {
    let Some(stdout) = common::run_python("sdk_billing.py", &[env!("CARGO_BIN_EXE_stripe-fake")])
    else {
        return;
    };
    assert!(stdout.contains("billing flow ok:"), "{stdout}");
    assert!(stdout.contains("canceled at period end"), "{stdout}");
    assert!(stdout.contains("webhooks verified in order"), "{stdout}");
}
