//! Hostile input, as a hostile caller would give it: each value is refused with a typed error
//! that names where and why, or kept exactly as given; no duration or instant overflows.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use serde::ser::{Serialize, SerializeMap, Serializer};
use stripe_core::params::encode;
use stripe_core::{
    Backoff, Config, ConfigError, ErrorKind, HeaderProblem, MAX_PATH_BYTES, ParamsError, Request,
    RequestError, RetryPolicy, Seed,
};

// ---------------------------------------------------------------- the API base's port

#[test]
fn a_port_out_of_range_is_a_config_error() {
    for bad in [
        "http://127.0.0.1:99999",
        "http://127.0.0.1:65536",
        "http://127.0.0.1:0",
        "https://api.stripe.com:4294967297",
        "http://[::1]:70000",
    ] {
        match Config::builder("sk_test_123").api_base(bad).build() {
            Err(ConfigError::ApiBase { reason, .. }) => {
                assert!(reason.contains("port"), "{bad}: {reason}");
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    for good in [
        "http://127.0.0.1:65535",
        "http://127.0.0.1:1",
        "https://api.stripe.com:443",
    ] {
        assert!(
            Config::builder("sk_test_123").api_base(good).build().is_ok(),
            "{good}"
        );
    }
}

