//! A scripted driver in virtual time, shared by the tests: feeds a script of answers to a
//! `Call` and records every action.
#![allow(dead_code)]

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use stripe_core::{
    Action, Call, Config, Failure, Input, Request, Response, RetryPolicy, Seed, TransportError,
};

/// One scripted answer to one attempt.
#[derive(Debug, Clone)]
pub enum Step {
    /// An HTTP answer: status, headers, body.
    Http(u16, Vec<(String, String)>, String),
    /// No answer.
    Net(TransportError),
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
    /// Every sleep, in order.
    pub sleeps: Vec<Duration>,
    /// A text form of every action, for byte-for-byte comparison.
    pub log: Vec<String>,
    /// The end.
    pub outcome: Result<Response, Failure>,
    /// Virtual time from start to end.
    pub elapsed: Duration,
}

pub fn config() -> Config {
    Config::builder("sk_test_4eC39HqLyjWDarjtT1zdp7dc")
        .build()
        .expect("valid config")
}

pub fn wall() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// Runs `request` under `policy` against `script` (after it runs out: `200 {}`), each attempt
/// taking `attempt_time` of virtual time.
pub fn run_with(
    request: Request,
    policy: RetryPolicy,
    seed: Seed,
    script: &[Step],
    attempt_time: Duration,
) -> Trace {
    let start = Instant::now();
    let mut now = start;
    let (mut call, mut action) = Call::new(request.policy(policy), &config(), seed, now, wall());
    let mut steps = script.iter();
    let mut trace = Trace {
        sent: vec![],
        sleeps: vec![],
        log: vec![],
        outcome: Err(dummy()),
        elapsed: Duration::ZERO,
    };
    loop {
        action = match action {
            Action::Send(req) => {
                trace.log.push(format!(
                    "send {} {} {:?} {:?}",
                    req.method(),
                    req.uri(),
                    req.headers(),
                    req.body()
                ));
                trace.sent.push(req);
                now += attempt_time;
                let input = match steps.next() {
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
                };
                call.handle(now, input)
            }
            Action::Sleep(d) => {
                trace.log.push(format!("sleep {d:?}"));
                trace.sleeps.push(d);
                now += d;
                call.handle(now, Input::Woke)
            }
            Action::Done(resp) => {
                trace.log.push(format!(
                    "done {} {:?} {:?}",
                    resp.status, resp.body, resp.advice
                ));
                trace.outcome = Ok(resp);
                break;
            }
            Action::Fail(f) => {
                trace.log.push(format!("fail {f}"));
                trace.outcome = Err(f);
                break;
            }
        };
    }
    trace.elapsed = now - start;
    trace
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

/// A failure used only as the placeholder before the call ends.
fn dummy() -> Failure {
    let (mut call, first) = Call::new(
        Request::get("/v1/x").expect("valid"),
        &config(),
        Seed::from_u64(0),
        Instant::now(),
        wall(),
    );
    drop(first);
    match call.handle(Instant::now(), Input::Woke) {
        Action::Fail(f) => f,
        other => panic!("expected a failure, got {other:?}"),
    }
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
