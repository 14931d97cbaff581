//! Stripe's official Python SDK (PyPI `stripe`) runs a realistic flow against the fake's
//! loopback server: `tests/sdk_flow.py`. The interpreter comes from `STRIPE_TEST_PYTHON`
//! (`bash .ci/install-tools && source target/ci-tools/env`); without it the test says SKIPPED
//! and passes, except under `CI`, where it fails.

mod common;

use std::process::Command;

use common::python;
use stripe_fake::server::{self, ServerOptions};

#[test]
fn the_official_python_sdk_runs_a_payments_flow_without_surprises() {
    let Some(python) = python() else { return };
    // Pinned: the same ids run after run.
    let options = ServerOptions {
        seed: 0x5EED,
        ..ServerOptions::default()
    };
    let srv = server::start_with(options).expect("fake starts");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk_flow.py");
    let out = Command::new(&python)
        .arg(script)
        .arg(srv.base_url())
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "SDK flow failed:\n{stdout}\n{stderr}");
    println!("{}", stdout.trim());
    assert!(stdout.contains("flow ok:"), "{stdout}");
    assert!(stdout.contains("auto-pagination over"), "{stdout}");
}
