//! The Python interpreter with Stripe's official SDK (PyPI `stripe`, pinned in
//! `.ci/requirements.txt`) that the SDK tests run, from `STRIPE_TEST_PYTHON`.

use std::io::Write;

/// The interpreter named by `STRIPE_TEST_PYTHON`; without it `None` after a loud SKIPPED on
/// stderr, except under `CI`, where its absence fails the test.
pub fn python() -> Option<String> {
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
         target/ci-tools/env` to run the official Python SDK against the fake) ***\n"
    );
    None
}
