//! What the cross-adapter tests share: [`Adapter`], one value per way of driving the client
//! (`stripe-ureq` blocking; `stripe-reqwest` on a multi-thread or a current-thread Tokio
//! runtime), and [`Client`], one blocking face over all of them with one function per
//! operation, so every scenario is written once and run on each.
//!
//! `run_on_adapters!` turns a list of scenario functions `fn name(adapter: Adapter)` into
//! `#[test]`s in `mod ureq_adapter`, `mod reqwest_adapter` and `mod reqwest_current_thread`.
//! [`canned`] is a scripted wire server for what the fake Stripe does not model.

// Each test crate uses a different part of this module.
#![allow(dead_code)]

pub mod canned;
pub mod client;
pub mod fake;
pub mod files;
pub mod sim;
pub mod wire;

use std::time::Duration;

use stripe_client::FromConfig as _;
use stripe_core::{Backoff, Config, RetryPolicy, Seed};

pub use client::Client;

/// The secret every test uses. Its middle part is searched for in everything printed.
pub const SECRET: &str = "sk_test_4dapterS3cretDoNotPrint_9876";
/// A piece of [`SECRET`] that its masked form (`sk_test_...9876`) never shows.
pub const SECRET_MIDDLE: &str = "S3cretDoNotPrint";

/// Retries on the default table, 20 ms apart.
pub fn fast_policy() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Backoff::Fixed(Duration::from_millis(20)))
}

/// A configuration for `base` with [`SECRET`] and `policy`.
pub fn config(base: &str, policy: RetryPolicy) -> Config {
    Config::builder(SECRET)
        .api_base(base)
        .policy(policy)
        .build()
        .expect("a valid test configuration")
}

/// One way of driving the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adapter {
    /// `stripe-ureq`, blocking.
    Ureq,
    /// `stripe-reqwest` on a multi-thread Tokio runtime (two workers).
    Reqwest,
    /// `stripe-reqwest` on a current-thread Tokio runtime.
    ReqwestCurrentThread,
}

/// Whose HTTP client the transport wraps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Http {
    /// The driver's own, built from the config (`FromConfig`).
    Own,
    /// One a user built with the HTTP crate's defaults, which would follow redirects (ureq:
    /// an agent with `max_redirects(5)`; reqwest: `reqwest::Client::builder()`), treat
    /// 4xx/5xx as errors (ureq) and bound nothing: the transport must undo all of that.
    Users,
}

impl Adapter {
    /// Every adapter.
    pub const ALL: [Self; 3] = [Self::Ureq, Self::Reqwest, Self::ReqwestCurrentThread];

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ureq => "ureq",
            Self::Reqwest => "reqwest",
            Self::ReqwestCurrentThread => "reqwest-current-thread",
        }
    }

    /// A client with the driver's own HTTP client, seeded from the OS.
    pub fn client(self, config: Config) -> Client {
        self.build(config, Http::Own, None)
    }

    /// A client for `base` with [`SECRET`] and `policy`.
    pub fn with(self, base: &str, policy: RetryPolicy) -> Client {
        self.client(config(base, policy))
    }

    /// A client over a user's HTTP client (see [`Http::Users`]), seeded from the OS.
    pub fn users_client(self, config: Config) -> Client {
        self.build(config, Http::Users, None)
    }

    /// A client whose every key and jitter comes from `seed`.
    pub fn seeded_client(self, config: Config, http: Http, seed: Seed) -> Client {
        self.build(config, http, Some(seed))
    }

    /// A client over `http`, seeded from `seed` or the OS.
    pub fn build(self, config: Config, http: Http, seed: Option<Seed>) -> Client {
        match self {
            Self::Ureq => {
                let transport = match http {
                    Http::Own => stripe_ureq::Ureq::from_config(&config).expect("ureq transport"),
                    Http::Users => {
                        let agent = stripe_ureq::ureq::Agent::config_builder()
                            .max_redirects(5)
                            .build();
                        stripe_ureq::Ureq::from(stripe_ureq::ureq::Agent::new_with_config(agent))
                    }
                };
                let client = match seed {
                    Some(seed) => {
                        stripe_ureq::Client::with_transport_and_seed(config, transport, seed)
                    }
                    None => stripe_ureq::Client::with_transport(config, transport),
                };
                Client::ureq(self, client)
            }
            Self::Reqwest | Self::ReqwestCurrentThread => {
                let transport = match http {
                    Http::Own => stripe_reqwest::Reqwest::from_config(&config),
                    Http::Users => stripe_reqwest::Reqwest::from_builder(
                        stripe_reqwest::reqwest::Client::builder(),
                        &config,
                    ),
                }
                .expect("reqwest transport");
                let client = match seed {
                    Some(seed) => {
                        stripe_reqwest::Client::with_transport_and_seed(config, transport, seed)
                    }
                    None => stripe_reqwest::Client::with_transport(config, transport),
                };
                Client::reqwest(self, client, self.runtime())
            }
        }
    }

    /// A Tokio runtime of this adapter's flavour (for the reqwest ones).
    fn runtime(self) -> tokio::runtime::Runtime {
        let mut builder = if self == Self::ReqwestCurrentThread {
            tokio::runtime::Builder::new_current_thread()
        } else {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(2);
            b
        };
        builder.enable_all().build().expect("a Tokio runtime")
    }

    /// Whether `error` is this driver's own transport error (ureq's, or the reqwest driver's:
    /// reqwest's or its own timer's).
    pub fn is_own_error(self, error: &(dyn std::error::Error + 'static)) -> bool {
        match self {
            Self::Ureq => error.is::<stripe_ureq::ureq::Error>(),
            Self::Reqwest | Self::ReqwestCurrentThread => {
                error.is::<stripe_reqwest::AttemptError>()
            }
        }
    }
}

/// Generates, for each scenario `fn name(adapter: Adapter)`, a `#[test] fn name` in
/// `mod ureq_adapter`, `mod reqwest_adapter` and `mod reqwest_current_thread`.
#[allow(unused_macros)] // not every test crate runs scenarios
macro_rules! run_on_adapters {
    ($($scenario:ident),* $(,)?) => {
        run_on_adapters!(@mod ureq_adapter, Ureq, $($scenario),*);
        run_on_adapters!(@mod reqwest_adapter, Reqwest, $($scenario),*);
        run_on_adapters!(@mod reqwest_current_thread, ReqwestCurrentThread, $($scenario),*);
    };
    (@mod $module:ident, $adapter:ident, $($scenario:ident),*) => {
        mod $module {
            $(
                #[test]
                fn $scenario() {
                    super::$scenario($crate::support::Adapter::$adapter);
                }
            )*
        }
    };
}
