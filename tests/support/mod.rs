//! What the cross-adapter tests share: one [`Adapter`] trait with a blocking face, implemented
//! once over `stripe-ureq` and once over `stripe-reqwest` (through a Tokio runtime), so every
//! scenario is written once and run against both drivers.
//!
//! `run_on_adapters!` turns a list of generic scenario functions into `#[test]`s in
//! `mod ureq_adapter` and `mod reqwest_adapter`.

// Each test crate uses a different part of this module.
#![allow(dead_code)]

use std::time::Duration;

use stripe_core::{Backoff, Config, Failure, IdempotencyKey, Request, Response, RetryPolicy};

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

/// One of the two drivers, seen through a blocking face.
pub trait Adapter: Sized {
    /// `"ureq"` or `"reqwest"`.
    const NAME: &'static str;
    /// The driver's error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// A client with this configuration.
    fn new(config: Config) -> Self;
    /// One logical call.
    fn send(&self, request: Request) -> Result<Response, Self::Error>;
    /// `prepare`, hand the key to `before_run` (nothing sent yet), then `run`.
    fn send_prepared(
        &self,
        request: Request,
        before_run: &mut dyn FnMut(Option<&IdempotencyKey>),
    ) -> Result<Response, Self::Error>;
    /// Two calls at once, the second started `stagger` after the first.
    fn send_both(
        &self,
        first: Request,
        second: Request,
        stagger: Duration,
    ) -> (Result<Response, Self::Error>, Result<Response, Self::Error>);
    /// The core's failure inside the driver's error.
    fn failure(error: &Self::Error) -> Option<&Failure>;
    /// `format!("{client:?}")`.
    fn client_debug(&self) -> String;

    /// A client for `base` with `policy`.
    fn with(base: &str, policy: RetryPolicy) -> Self {
        Self::new(config(base, policy))
    }

    /// Sends and expects a response (any status).
    fn expect_response(&self, request: Request) -> Response {
        match self.send(request) {
            Ok(response) => response,
            Err(e) => panic!("[{}] expected a response, got the error {e}", Self::NAME),
        }
    }

    /// Sends and expects an error; returns it with its failure's details.
    fn expect_error(&self, request: Request) -> Self::Error {
        match self.send(request) {
            Ok(response) => panic!(
                "[{}] expected an error, got {} {:?}",
                Self::NAME,
                response.status,
                response.json()
            ),
            Err(e) => e,
        }
    }
}

/// The blocking driver.
pub struct Ureq(stripe_ureq::Client);

impl Adapter for Ureq {
    const NAME: &'static str = "ureq";
    type Error = stripe_ureq::Error;

    fn new(config: Config) -> Self {
        Self(stripe_ureq::Client::new(config))
    }

    fn send(&self, request: Request) -> Result<Response, Self::Error> {
        self.0.send(request)
    }

    fn send_prepared(
        &self,
        request: Request,
        before_run: &mut dyn FnMut(Option<&IdempotencyKey>),
    ) -> Result<Response, Self::Error> {
        let prepared = self.0.prepare(request);
        before_run(prepared.idempotency_key());
        prepared.run()
    }

    fn send_both(
        &self,
        first: Request,
        second: Request,
        stagger: Duration,
    ) -> (Result<Response, Self::Error>, Result<Response, Self::Error>) {
        std::thread::scope(|s| {
            let a = s.spawn(|| self.0.send(first));
            std::thread::sleep(stagger);
            let b = s.spawn(|| self.0.send(second));
            (
                a.join().expect("first call panicked"),
                b.join().expect("second call panicked"),
            )
        })
    }

    fn failure(error: &Self::Error) -> Option<&Failure> {
        error.failure()
    }

    fn client_debug(&self) -> String {
        format!("{:?}", self.0)
    }
}

/// The async driver, each call run to its end on a Tokio runtime of its own. `block_on` polls
/// the call on the calling thread, so a thread-local tracing subscriber sees its events.
pub struct Reqwest {
    runtime: tokio::runtime::Runtime,
    client: stripe_reqwest::Client,
}

impl Adapter for Reqwest {
    const NAME: &'static str = "reqwest";
    type Error = stripe_reqwest::Error;

    fn new(config: Config) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        Self {
            runtime,
            client: stripe_reqwest::Client::new(config),
        }
    }

    fn send(&self, request: Request) -> Result<Response, Self::Error> {
        self.runtime.block_on(self.client.send(request))
    }

    fn send_prepared(
        &self,
        request: Request,
        before_run: &mut dyn FnMut(Option<&IdempotencyKey>),
    ) -> Result<Response, Self::Error> {
        let prepared = self.client.prepare(request);
        before_run(prepared.idempotency_key());
        self.runtime.block_on(prepared.run())
    }

    fn send_both(
        &self,
        first: Request,
        second: Request,
        stagger: Duration,
    ) -> (Result<Response, Self::Error>, Result<Response, Self::Error>) {
        self.runtime.block_on(async {
            let a = self.client.send(first);
            let b = async {
                tokio::time::sleep(stagger).await;
                self.client.send(second).await
            };
            tokio::join!(a, b)
        })
    }

    fn failure(error: &Self::Error) -> Option<&Failure> {
        error.failure()
    }

    fn client_debug(&self) -> String {
        format!("{:?}", self.client)
    }
}

/// Generates, for each generic scenario `fn name<A: Adapter>()`, a `#[test] fn name` in
/// `mod ureq_adapter` and one in `mod reqwest_adapter`.
macro_rules! run_on_adapters {
    ($($scenario:ident),* $(,)?) => {
        mod ureq_adapter {
            $(
                #[test]
                fn $scenario() {
                    super::$scenario::<$crate::support::Ureq>();
                }
            )*
        }
        mod reqwest_adapter {
            $(
                #[test]
                fn $scenario() {
                    super::$scenario::<$crate::support::Reqwest>();
                }
            )*
        }
    };
}
