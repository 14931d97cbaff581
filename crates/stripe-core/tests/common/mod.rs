//! A scripted driver in virtual time, shared by the tests: starts a call from a `Session`,
//! feeds it a script of answers and records every action; `events.rs` (feature `webhook`): what
//! the events tests share.
#![allow(dead_code)]

#[cfg(feature = "webhook")]
pub mod events;

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use stripe_core::{
    Action, Backoff, Config, Error, Input, Request, Response, RetryNotice, RetryPolicy, Seed,
    Session, TransportError,
};

/// One scripted answer to one attempt.
#[derive(Debug, Clone)]
pub enum Step {
    /// An HTTP answer: status, headers, body.
    Http(u16, Vec<(String, String)>, String),
    /// No answer.
    Net(TransportError),
}

impl Step {
    /// The `Retry-After` header text of this answer, if it has one.
    pub fn retry_after(&self) -> Option<&str> {
        match self {
            Self::Http(_, headers, _) => headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
                .map(|(_, v)| v.as_str()),
            Self::Net(_) => None,
        }
    }
}

/// Shorthand for an answer with headers.
pub fn http(status: u16, headers: &[(&str, &str)], body: &str) -> Step {
    Step::Http(
        status,
        headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body.to_owned(),
    )
}

/// Shorthand for a plain answer.
pub fn status(status: u16) -> Step {
    http(status, &[], "{}")
}

/// What one call did.
#[derive(Debug)]
pub struct Trace {
    /// Every request sent, in order.
    pub sent: Vec<http::Request<Bytes>>,
    /// When each request was sent, from the start of the call.
    pub sent_at: Vec<Duration>,
    /// The `by` of each send, from the start of the call.
    pub bys: Vec<Option<Duration>>,
    /// Every sleep (`until` minus the time it was asked at), in order.
    pub sleeps: Vec<Duration>,
    /// The notice of every sleep, in order.
    pub notices: Vec<Option<RetryNotice>>,
    /// The `Retry-After` text of the answer that led to each sleep (`None` after no answer).
    pub sleep_after: Vec<Option<String>>,
    /// A text form of every action, for byte-for-byte comparison.
    pub log: Vec<String>,
    /// The end.
    pub outcome: Result<Response, Error>,
    /// Virtual time from start to end.
    pub elapsed: Duration,
}

pub const SECRET_KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

pub fn config() -> Config {
    Config::builder(SECRET_KEY).build().expect("valid config")
}

pub fn wall() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn answer(step: Option<&Step>) -> Input {
    match step {
        Some(Step::Http(code, headers, body)) => {
            let mut b = http::Response::builder().status(*code);
            for (k, v) in headers {
                b = b.header(k.as_str(), v.as_str());
            }
            Input::Response(b.body(Bytes::from(body.clone())).expect("valid response"))
        }
        Some(Step::Net(e)) => Input::Transport(*e),
        None => Input::Response(
            http::Response::builder()
                .status(200)
                .body(Bytes::from_static(b"{}"))
                .expect("valid"),
        ),
    }
}

/// Runs `request` under `policy` against `script` (after it runs out: `200 {}`), each attempt
/// taking `attempt_time` of virtual time; the driver always wakes exactly at `until`.
pub fn run_with(
    request: Request,
    policy: RetryPolicy,
    seed: Seed,
    script: &[Step],
    attempt_time: Duration,
) -> Trace {
    let start = Instant::now();
    let mut now = start;
    let mut session = Session::new(config(), seed);
    let request = request.with_policy(policy).expect("a valid policy");
    let (mut sent, mut sent_at, mut bys) = (vec![], vec![], vec![]);
    let (mut sleeps, mut notices, mut sleep_after) = (vec![], vec![], vec![]);
    let mut log = vec![];
    let outcome = 'call: {
        let (mut call, mut action) = match session.call(request, now, wall()) {
            Ok(started) => started,
            Err(e) => {
                log.push(format!("refused {e}"));
                break 'call Err(e);
            }
        };
        let mut steps = script.iter();
        let mut last: Option<&Step> = None;
        loop {
            action = match action {
                Action::Send { request, by } => {
                    let by = by.map(|by| by.saturating_duration_since(start));
                    log.push(format!(
                        "send {} {} {:?} {:?} by {:?}",
                        request.method(),
                        request.uri(),
                        request.headers(),
                        request.body(),
                        by
                    ));
                    sent.push(request);
                    sent_at.push(now - start);
                    bys.push(by);
                    now += attempt_time;
                    last = steps.next();
                    call.handle(now, answer(last))
                }
                Action::Sleep { until, notice } => {
                    let d = until.saturating_duration_since(now);
                    log.push(format!("sleep {d:?} {notice:?}"));
                    sleeps.push(d);
                    notices.push(notice);
                    sleep_after.push(last.and_then(Step::retry_after).map(str::to_owned));
                    now = until;
                    call.handle(now, Input::Woke)
                }
                Action::Done(resp) => {
                    log.push(format!(
                        "done {} {:?} {:?}",
                        resp.status(),
                        resp.bytes(),
                        resp.advice()
                    ));
                    break Ok(resp);
                }
                Action::Fail(f) => {
                    log.push(format!("fail {f}"));
                    break Err(f);
                }
                other => panic!("an action this driver does not know: {other:?}"),
            };
        }
    };
    Trace {
        sent,
        sent_at,
        bys,
        sleeps,
        notices,
        sleep_after,
        log,
        outcome,
        elapsed: now - start,
    }
}

pub fn run(request: Request, policy: RetryPolicy, script: &[Step]) -> Trace {
    run_with(
        request,
        policy,
        Seed::from_u64(1),
        script,
        Duration::from_millis(100),
    )
}

/// A session of the test config.
pub fn session(seed: u64) -> Session {
    Session::new(config(), Seed::from_u64(seed))
}

pub fn post() -> Request {
    Request::post("/v1/charges", &[("amount", "2000"), ("currency", "usd")]).expect("valid")
}

pub fn get() -> Request {
    Request::get("/v1/charges/ch_1").expect("valid")
}

pub fn delete() -> Request {
    Request::delete("/v1/customers/cus_1").expect("valid")
}

/// A 200 answer with `body`, as a list walk receives it from a call.
pub fn page(body: &serde_json::Value) -> Response {
    let request = Request::get("/v1/customers").expect("valid");
    run(
        request,
        RetryPolicy::never(),
        &[http(200, &[], &body.to_string())],
    )
    .outcome
    .expect("a response")
}

/// A v2 POST (JSON body).
pub fn post_v2() -> Request {
    Request::post(
        "/v2/billing/meter_events",
        &[("event_name", "api_call"), ("identifier", "idmp_1")],
    )
    .expect("valid")
}

/// A v2 DELETE (it carries a key).
pub fn delete_v2() -> Request {
    Request::delete("/v2/core/accounts/acct_1/persons/person_1").expect("valid")
}

/// A v2 GET.
pub fn get_v2() -> Request {
    Request::get("/v2/core/accounts/acct_1").expect("valid")
}

/// The advice of the only answer to `req`, never retried.
pub fn advice_of(req: Request, step: Step) -> stripe_core::Advice {
    let t = run(req, RetryPolicy::never(), &[step]);
    match t.outcome {
        Ok(r) => r.advice(),
        Err(f) => f.advice(),
    }
}

pub fn keys(trace: &Trace) -> Vec<Option<String>> {
    trace
        .sent
        .iter()
        .map(|r| {
            r.headers()
                .get("idempotency-key")
                .map(|v| v.to_str().expect("ascii").to_owned())
        })
        .collect()
}

/// `Retry-After` as the retry table in stripe-core's crate docs reads it: seconds (whole or
/// decimal, finite, at most a day); anything else is ignored.
pub fn parse_retry_after(text: &str) -> Option<Duration> {
    let secs: f64 = text.trim().parse().ok()?;
    (secs.is_finite() && (0.0..=86_400.0).contains(&secs)).then(|| Duration::from_secs_f64(secs))
}

/// The smallest and largest wait of `backoff` before retry `n` (from 1), from the formulas
/// documented on `Backoff`:
/// - `PowerOfTwo { cap }`: `min(2^n + U[0,1), cap)`, so `[min(2^n, cap), min(2^n + 1, cap)]`;
/// - `Doubling { initial, max }`: `top = min(initial·2^(n-1), max)` times `U[0.5, 1]`, never
///   under `initial`, so `[max(top/2, initial)` (at most `max(top, initial)`)`, max(top, initial)]`;
/// - `Fixed(d)`: `[d, d]`.
pub fn backoff_bounds(backoff: &Backoff, n: u32) -> (Duration, Duration) {
    match *backoff {
        Backoff::PowerOfTwo { cap } => {
            let base = Duration::from_secs(1u64.checked_shl(n.min(62)).unwrap_or(u64::MAX));
            (
                base.min(cap),
                base.saturating_add(Duration::from_secs(1)).min(cap),
            )
        }
        Backoff::Doubling { initial, max } => {
            let factor = 1u32
                .checked_shl(n.saturating_sub(1).min(31))
                .unwrap_or(u32::MAX);
            let top = initial.saturating_mul(factor).min(max);
            let hi = top.max(initial);
            ((top / 2).max(initial).min(hi), hi)
        }
        Backoff::Fixed(d) => (d, d),
        other => panic!("a backoff the tests do not know: {other:?}"),
    }
}

/// The smallest and largest wait `policy` may choose before retry `n` after an answer whose
/// `Retry-After` text is `retry_after`: the backoff's bounds, raised to `Retry-After` cut to
/// `retry_after_cap` when the policy honours it.
pub fn wait_bounds(
    policy: &RetryPolicy,
    n: u32,
    retry_after: Option<&str>,
) -> (Duration, Duration) {
    let (lo, hi) = backoff_bounds(&policy.backoff, n);
    match retry_after.and_then(parse_retry_after) {
        Some(ra) if policy.honor_retry_after => {
            let ra = ra.min(policy.retry_after_cap);
            (lo.max(ra), hi.max(ra))
        }
        _ => (lo, hi),
    }
}

/// Cases for a fuzz target: `FUZZ_CASES` when set (a long run on demand), else `default`.
pub fn fuzz_cases(default: u32) -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
