//! Helpers of the wire tests (`transports.rs`, `no_response.rs`): canned replies and servers,
//! a refused address, configurations under a known key.

use std::time::Duration;

use stripe_core::{Backoff, Config, RetryPolicy};

use super::canned::{self, CannedServer, Reply};
use super::{Adapter, Client};

/// A whole HTTP/1.1 answer.
pub fn http(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    Reply::http(status, headers, body)
}

/// A started canned server.
pub fn canned(replies: Vec<Reply>) -> CannedServer {
    CannedServer::start(replies).expect("the canned server starts")
}

/// A base URL nothing listens on.
pub fn dead_base() -> String {
    format!("http://{}", canned::dead_port().expect("a free port"))
}

/// The secret of the wire tests: its `Authorization` header is checked byte for byte.
pub const KEY: &str = "sk_test_123";

/// Retries on the default table, 10 ms apart.
pub fn policy_10ms() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_millis(10)))
}

/// A configuration under [`KEY`].
pub fn config_with(base: &str, policy: RetryPolicy, max_body: usize) -> Config {
    Config::builder(KEY)
        .api_base(base)
        .policy(policy)
        .max_body_bytes(max_body)
        .build()
        .expect("config")
}

/// A client under [`KEY`] with [`policy_10ms`].
pub fn client(adapter: Adapter, base: &str) -> Client {
    adapter.client(config_with(
        base,
        policy_10ms(),
        stripe_core::DEFAULT_MAX_BODY_BYTES,
    ))
}

/// One try, bounded by `timeout`.
pub fn one_try(timeout: Duration) -> RetryPolicy {
    RetryPolicy::never().with_attempt_timeout(Some(timeout))
}
