//! Retry sleeps against the plan: calls answered 503 three times then 200. The plan is the
//! wait the core announces before each retry (the retry hook's `RetryNotice::wait`); the
//! actual sleep is the pause between the end of one attempt and the start of the next, noted
//! by a transport wrapper ([`Timed`]) around the driver's own transport.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use stripe_client::FromConfig;
use stripe_core::{Backoff, Config, Request, RetryNotice, RetryPolicy};

use crate::plain::GET_PATH;
use crate::timed::Timed;

/// 503s before the 200.
const FAIL: u32 = 3;

/// Sleeps, planned and actual, summed; the worst gap between one sleep and its plan.
#[derive(Debug, Default)]
pub struct SleepReport {
    /// Sleeps made.
    pub sleeps: usize,
    /// Their planned total.
    pub planned: Duration,
    /// Their actual total.
    pub actual: Duration,
    /// The largest |actual - planned| of one sleep, in milliseconds.
    pub worst_ms: f64,
}

impl SleepReport {
    fn add(&mut self, planned: &[Duration], actual: &[Duration]) {
        assert_eq!(planned.len(), actual.len(), "one pause per announced wait");
        for (p, a) in planned.iter().zip(actual) {
            self.sleeps += 1;
            self.planned += *p;
            self.actual += *a;
            let off = (a.as_secs_f64() - p.as_secs_f64()).abs() * 1e3;
            self.worst_ms = self.worst_ms.max(off);
        }
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Backoff::Doubling {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(80),
    })
}

fn flaky_request(adapter: &str, i: usize) -> Request {
    let stamp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = format!("/v1/flaky/{adapter}_{stamp}_{i}?fail={FAIL}");
    Request::get(&path)
        .and_then(|r| r.with_policy(policy()))
        .expect("request")
}

type Waits = Arc<Mutex<Vec<Duration>>>;

fn hook(waits: &Waits) -> impl Fn(&RetryNotice) + Send + Sync + 'static {
    let waits = waits.clone();
    move |n: &RetryNotice| {
        waits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(n.wait());
    }
}

fn take(waits: &Waits) -> Vec<Duration> {
    std::mem::take(&mut *waits.lock().unwrap_or_else(PoisonError::into_inner))
}

/// `calls` flaky calls through stripe-ureq's transport.
pub fn ureq(config: &Config, calls: usize) -> SleepReport {
    let waits = Waits::default();
    let transport = Timed::new(stripe_ureq::Ureq::from_config(config).expect("transport"));
    let client = stripe_client::Client::with_transport(config.clone(), transport)
        .with_retry_hook(hook(&waits));
    client.get(GET_PATH).expect("warm-up");
    client.transport().take_gaps();
    let mut report = SleepReport::default();
    for i in 0..calls {
        let r = client.send(flaky_request("ureq", i)).expect("call");
        assert_eq!(r.attempts(), FAIL + 1, "attempts");
        report.add(&take(&waits), &client.transport().take_gaps());
    }
    report
}

/// `calls` flaky calls through stripe-reqwest's transport, on `rt`.
pub fn reqwest(config: &Config, calls: usize, rt: &tokio::runtime::Runtime) -> SleepReport {
    let waits = Waits::default();
    let transport = Timed::new(stripe_reqwest::Reqwest::from_config(config).expect("transport"));
    let client = stripe_client::AsyncClient::with_transport(config.clone(), transport)
        .with_retry_hook(hook(&waits));
    rt.block_on(client.get(GET_PATH)).expect("warm-up");
    client.transport().take_gaps();
    let mut report = SleepReport::default();
    for i in 0..calls {
        let r = rt
            .block_on(client.send(flaky_request("reqwest", i)))
            .expect("call");
        assert_eq!(r.attempts(), FAIL + 1, "attempts");
        report.add(&take(&waits), &client.transport().take_gaps());
    }
    report
}
