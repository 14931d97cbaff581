//! Stripe's official Python SDK (PyPI `stripe`) runs a realistic flow against the fake's
//! loopback server: `tests/sdk_flow.py`. The interpreter comes from `STRIPE_TEST_PYTHON`
//! (`bash .ci/install-tools && source target/ci-tools/env`); without it the test says SKIPPED
//! and passes, except under `CI`, where it fails.

mod common;

use stripe_fake::server::{self, ServerOptions};

#[test]
fn the_official_python_sdk_runs_a_payments_flow_without_surprises() {
    // Pinned: the same ids run after run.
    let options = ServerOptions {
        seed: 0x5EED,
        ..ServerOptions::default()
    };
    let srv = server::start_with(options).expect("fake starts");
    let Some(stdout) = common::run_python("sdk_flow.py", &[&srv.base_url()]) else {
        return;
    };
    assert!(stdout.contains("flow ok:"), "{stdout}");
    assert!(stdout.contains("auto-pagination over"), "{stdout}");
}
