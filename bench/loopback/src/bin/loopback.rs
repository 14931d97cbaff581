//! The drivers against raw ureq / raw reqwest on loopback, side by side in one run.
//!
//! ```text
//! loopback [--quick] [--n N] [--blocks B]      the adapter benchmark, RATIO lines at the end
//! loopback --peer --port P [--n N]            ours only, `PEER` lines for bench/peers
//! ```
//!
//! Each raw baseline does the same work as ours: the same requests with the same headers
//! (captured from one of our requests; `X-Stripe-Client-Telemetry` too if our driver sends
//! it), a fresh random UUID idempotency key per POST, the body read with the same size limit
//! and parsed into `serde_json::Value`, the `request-id` kept. Raw and ours share the
//! transport's settings (same agent config / same `reqwest::Client`).

use std::hint::black_box;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use serde_json::Value;
use stripe_bench_loopback::{Measure, Server, cpu_time, ratio};
use stripe_core::{Action, Backoff, Call, Config, Input, Request, RetryPolicy, Seed};

const GET_PATH: &str = "/v1/charges/ch_3PbQx2LkdIwHu7ix0rbXyZ1a";
const POST_PATH: &str = "/v1/charges";
const PARAMS: &[(&str, &str)] = &[
    ("amount", "2000"),
    ("currency", "usd"),
    ("source", "tok_visa"),
    ("description", "bench"),
];
const SECRET: &str = "sk_test_bench_0123456789abcdefghijklmnop";
const CONCURRENCY: usize = 32;
const WARMUP: usize = 50;

struct Args {
    quick: bool,
    n: usize,
    conc_n: usize,
    blocks: usize,
    port: Option<u16>,
    peer: bool,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        argv.iter()
            .position(|a| a == flag)
            .and_then(|i| argv.get(i + 1))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let quick = argv.iter().any(|a| a == "--quick");
    let n = value("--n").unwrap_or(if quick { 1_000 } else { 10_000 });
    Args {
        quick,
        n,
        conc_n: value("--conc-n").unwrap_or(2 * n),
        blocks: value("--blocks")
            .unwrap_or(if quick { 10 } else { 20 })
            .max(1),
        port: value("--port").and_then(|p| u16::try_from(p).ok()),
        peer: argv.iter().any(|a| a == "--peer"),
    }
}

/// What a raw client sends, as ours does: the core's headers of a GET, a POST's extras, and
/// whether the driver adds telemetry after the first request.
#[derive(Clone)]
struct Wire {
    url_get: String,
    url_post: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    telemetry: bool,
    limit: usize,
}

impl Wire {
    fn capture(config: &Config, base: &str, telemetry: bool) -> Self {
        let request = Request::get(GET_PATH).expect("request");
        let (_, action) = Call::new(
            request,
            config,
            Seed::new([1; 32]),
            Instant::now(),
            SystemTime::now(),
        );
        let Action::Send(req) = action else {
            panic!("expected a send")
        };
        Self {
            url_get: format!("{base}{GET_PATH}"),
            url_post: format!("{base}{POST_PATH}"),
            headers: req
                .headers()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            telemetry,
            limit: config.max_body_bytes() + 1,
        }
    }

    fn telemetry_header(&self, last: &Option<(String, Duration)>) -> Option<HeaderValue> {
        let (id, d) = last.as_ref().filter(|_| self.telemetry)?;
        let text = format!(
            r#"{{"last_request_metrics":{{"request_id":"{id}","request_duration_ms":{}}}}}"#,
            d.as_millis()
        );
        HeaderValue::try_from(text).ok()
    }
}

fn new_key() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("getrandom");
    uuid::Builder::from_random_bytes(b)
        .into_uuid()
        .hyphenated()
        .to_string()
}

fn form_body() -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(PARAMS)
        .finish()
}

fn config(base: &str) -> Config {
    Config::builder(SECRET)
        .api_base(base)
        .build()
        .expect("config")
}

// ------------------------------------------------------------------ ureq

fn ureq_agent(config: &Config) -> ureq::Agent {
    // What stripe-ureq's `Client::new` builds, plus the policy's attempt timeout (80 s),
    // which ours sets per request and a raw client sets once.
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(config.connect_timeout()))
        .timeout_global(Some(Duration::from_secs(80)))
        .build()
        .new_agent()
}

/// Runs `k` requests each time it is called.
type Block<'a> = Box<dyn FnMut(usize) + 'a>;

fn ureq_ours(config: &Config, post: bool) -> Block<'static> {
    let client = stripe_ureq::Client::with_agent(config.clone(), ureq_agent(config));
    Box::new(move |k| {
        for _ in 0..k {
            let r = if post {
                client.post(POST_PATH, PARAMS)
            } else {
                client.get(GET_PATH)
            }
            .expect("call");
            assert!(r.status == 200 && r.json().is_some());
            black_box(r);
        }
    })
}

fn ureq_raw_one(
    agent: &ureq::Agent,
    wire: &Wire,
    post: bool,
    last: &mut Option<(String, Duration)>,
) -> (u16, Value) {
    let started = Instant::now();
    let telemetry = wire.telemetry_header(last);
    let resp = if post {
        let mut b = agent.post(&wire.url_post);
        for (k, v) in &wire.headers {
            b = b.header(k, v);
        }
        b = b
            .header("content-type", "application/x-www-form-urlencoded")
            .header("idempotency-key", new_key());
        if let Some(t) = telemetry {
            b = b.header("x-stripe-client-telemetry", t);
        }
        b.send(form_body())
    } else {
        let mut b = agent.get(&wire.url_get);
        for (k, v) in &wire.headers {
            b = b.header(k, v);
        }
        if let Some(t) = telemetry {
            b = b.header("x-stripe-client-telemetry", t);
        }
        b.call()
    }
    .expect("raw ureq");
    let (parts, body) = resp.into_parts();
    let mut bytes = Vec::new();
    body.into_with_config()
        .reader()
        .take(wire.limit as u64)
        .read_to_end(&mut bytes)
        .expect("body");
    let value: Value = serde_json::from_slice(&bytes).expect("json");
    let id = parts
        .headers
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    *last = id.map(|id| (id, started.elapsed()));
    (parts.status.as_u16(), value)
}

fn ureq_raw(config: &Config, wire: &Wire, post: bool) -> Block<'static> {
    let agent = ureq_agent(config);
    let wire = wire.clone();
    let mut last = None;
    Box::new(move |k| {
        for _ in 0..k {
            let (status, v) = ureq_raw_one(&agent, &wire, post, &mut last);
            assert!(status == 200 && v.is_object());
            black_box(v);
        }
    })
}

// ------------------------------------------------------------------ reqwest

fn runtime(multi: bool) -> tokio::runtime::Runtime {
    if multi {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    }
    .expect("runtime")
}

fn reqwest_http(config: &Config) -> reqwest::Client {
    // What stripe-reqwest's `Client::new` builds.
    reqwest::Client::builder()
        .connect_timeout(config.connect_timeout())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

async fn reqwest_raw_one(
    http: &reqwest::Client,
    wire: &Wire,
    last: &mut Option<(String, Duration)>,
) -> (u16, Value) {
    let started = Instant::now();
    let mut b = http.get(&wire.url_get);
    for (k, v) in &wire.headers {
        b = b.header(k, v);
    }
    if let Some(t) = wire.telemetry_header(last) {
        b = b.header("x-stripe-client-telemetry", t);
    }
    let resp = b
        .timeout(Duration::from_secs(80))
        .send()
        .await
        .expect("raw reqwest");
    let status = resp.status().as_u16();
    let id = resp
        .headers()
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = resp.bytes().await.expect("body");
    let value: Value = serde_json::from_slice(&bytes).expect("json");
    *last = id.map(|id| (id, started.elapsed()));
    (status, value)
}

/// GETs by `tasks` tasks of sequential GETs each, on `rt`, over `http` (shared by ours and
/// raw: the same client).
fn reqwest_block<'a>(
    rt: &'a tokio::runtime::Runtime,
    http: &reqwest::Client,
    config: &Config,
    wire: &Wire,
    ours: bool,
    tasks: usize,
) -> Block<'a> {
    let client = stripe_reqwest::Client::with_http_client(config.clone(), http.clone());
    let http = http.clone();
    let wire = Arc::new(wire.clone());
    let work = move |count: usize| {
        let client = client.clone();
        let http = http.clone();
        let wire = wire.clone();
        async move {
            let mut last = None;
            for _ in 0..count {
                if ours {
                    let r = client.get(GET_PATH).await.expect("call");
                    assert!(r.status == 200 && r.json().is_some());
                    black_box(r);
                } else {
                    let (status, v) = reqwest_raw_one(&http, &wire, &mut last).await;
                    assert!(status == 200 && v.is_object());
                    black_box(v);
                }
            }
        }
    };
    Box::new(move |total| {
        let work = work.clone();
        rt.block_on(async move {
            let handles: Vec<_> = (0..tasks)
                .map(|t| tokio::spawn(work(total / tasks + usize::from(t < total % tasks))))
                .collect();
            for h in handles {
                h.await.expect("task");
            }
        });
    })
}

/// Ours and raw, measured in alternating blocks so that both see the same load.
struct Paired {
    ours: Measure,
    raw: Measure,
    /// Per block pair: ours/raw throughput, ours/raw CPU per request.
    ratios: Vec<(f64, f64)>,
}

impl Paired {
    fn run(total: usize, blocks: usize, mut ours: Block<'_>, mut raw: Block<'_>) -> Self {
        ours(WARMUP);
        raw(WARMUP);
        let k = total.div_ceil(blocks);
        let mut p = Self {
            ours: Measure::default(),
            raw: Measure::default(),
            ratios: Vec::new(),
        };
        for b in 0..blocks {
            let (o, r) = if b % 2 == 0 {
                let o = Measure::run(k as u64, || ours(k));
                (o, Measure::run(k as u64, || raw(k)))
            } else {
                let r = Measure::run(k as u64, || raw(k));
                (Measure::run(k as u64, || ours(k)), r)
            };
            p.ratios.push((o.rps() / r.rps(), o.cpu_us() / r.cpu_us()));
            p.ours.add(o);
            p.raw.add(r);
        }
        p
    }

    fn median(&self, pick: impl Fn(&(f64, f64)) -> f64) -> f64 {
        let mut v: Vec<f64> = self.ratios.iter().map(pick).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }
}

// ------------------------------------------------------------------ checks

/// Whether our driver sends `X-Stripe-Client-Telemetry` on its second request, and whether
/// the raw baseline then sends the same header names as ours.
fn capture_headers(config: &Config) -> (bool, Vec<String>) {
    let client = stripe_ureq::Client::new(config.clone());
    let names = |_: ()| {
        let r = client.get("/v1/__echo").expect("echo");
        let mut v: Vec<String> = r.json().expect("json")["headers"]
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|h| h.as_str().map(str::to_owned))
            .collect();
        v.sort();
        v
    };
    let _first = names(());
    let second = names(());
    let telemetry = second.iter().any(|h| h == "x-stripe-client-telemetry");
    (telemetry, second)
}

fn raw_echo_names(server: &Server, config: &Config, wire: &Wire) -> Vec<String> {
    let agent = ureq_agent(config);
    let mut echo = wire.clone();
    echo.url_get = format!("{}/v1/__echo", server.base());
    let mut last = None;
    let _ = ureq_raw_one(&agent, &echo, false, &mut last);
    let (_, v) = ureq_raw_one(&agent, &echo, false, &mut last);
    let mut names: Vec<String> = v["headers"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|h| h.as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// Connections the server accepted while `f` ran (the stats query's own excluded).
fn connections_during(server: &Server, f: impl FnOnce()) -> u64 {
    let (before, _) = server.stats();
    f();
    let (after, _) = server.stats();
    after - before - 1
}

fn retry_policy() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Backoff::Official {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(80),
    })
}

/// The sleeps the core plans for a GET answered 503 `fail` times, replayed without I/O from
/// the same seed (the core is deterministic).
fn planned_sleeps(config: &Config, path: &str, seed: Seed, fail: u32) -> Vec<Duration> {
    let request = Request::get(path).expect("path").policy(retry_policy());
    let mut now = Instant::now();
    let (mut call, mut action) = Call::new(request, config, seed, now, SystemTime::now());
    let mut sleeps = Vec::new();
    let mut sent = 0;
    loop {
        action = match action {
            Action::Send(_) => {
                sent += 1;
                let status = if sent <= fail { 503 } else { 200 };
                let mut resp = http::Response::new(Bytes::from_static(b"{}"));
                *resp.status_mut() = http::StatusCode::from_u16(status).expect("status");
                call.handle(now, Input::Response(resp))
            }
            Action::Sleep(d) => {
                sleeps.push(d);
                now += d;
                call.handle(now, Input::Woke)
            }
            Action::Done(_) | Action::Fail(_) => return sleeps,
        };
    }
}

struct SleepReport {
    planned: Duration,
    actual: Duration,
    sleeps: usize,
    worst_ms: f64,
}

/// Calls that get three 503s then a 200: actual sleeping (elapsed minus the attempts' own
/// time, measured on a plain GET) against the core's plan.
fn retry_sleeps(config: &Config, adapter: &str, calls: usize) -> SleepReport {
    let fail = 3;
    let mut report = SleepReport {
        planned: Duration::ZERO,
        actual: Duration::ZERO,
        sleeps: 0,
        worst_ms: 0.0,
    };
    let stamp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let rt = runtime(true);
    let ureq_client = stripe_ureq::Client::new(config.clone());
    let reqwest_client = stripe_reqwest::Client::new(config.clone());
    // One attempt's own time, on a warm connection.
    let attempt = {
        let n = 200;
        let t = Instant::now();
        for _ in 0..n {
            if adapter == "ureq" {
                ureq_client.get(GET_PATH).expect("get");
            } else {
                rt.block_on(reqwest_client.get(GET_PATH)).expect("get");
            }
        }
        t.elapsed() / n
    };
    for i in 0..calls {
        let path = format!("/v1/flaky/{adapter}_{stamp}_{i}?fail={fail}");
        let seed = Seed::from_u64(1000 + i as u64);
        let planned = planned_sleeps(config, &path, seed, fail);
        let request = Request::get(&path).expect("path").policy(retry_policy());
        let t = Instant::now();
        let r = if adapter == "ureq" {
            ureq_client.send_with_seed(request, seed).expect("call")
        } else {
            rt.block_on(reqwest_client.send_with_seed(request, seed))
                .expect("call")
        };
        let elapsed = t.elapsed();
        assert_eq!(r.attempts, fail + 1, "attempts");
        let slept = elapsed.saturating_sub(attempt * (fail + 1));
        let plan: Duration = planned.iter().sum();
        let per_sleep = (slept.as_secs_f64() - plan.as_secs_f64()) * 1e3 / planned.len() as f64;
        report.worst_ms = report.worst_ms.max(per_sleep.abs());
        report.planned += plan;
        report.actual += slept;
        report.sleeps += planned.len();
    }
    report
}

// ------------------------------------------------------------------ main

fn main() {
    let a = args();
    let server = match a.port {
        Some(p) => Server::attach(p),
        None => Server::spawn(),
    };
    let base = server.base();
    let config = config(&base);
    let (telemetry, ours_names) = capture_headers(&config);
    let wire = Wire::capture(&config, &base, telemetry);

    if a.peer {
        peer(&config, &a);
        return;
    }

    let raw_names = raw_echo_names(&server, &config, &wire);
    println!(
        "# loopback: {} sequential, {} at {CONCURRENCY} concurrent, in {} alternating blocks{}; server in its own process, client CPU = this process",
        a.n,
        a.conc_n,
        a.blocks,
        if a.quick { " (quick)" } else { "" }
    );
    println!("# headers ours: {}", ours_names.join(","));
    // Framing headers are the transport's business (stripe-ureq hands ureq an empty body on
    // GET, so ureq adds `content-length: 0`); every other header must match.
    let api = |names: &[String]| -> Vec<String> {
        names
            .iter()
            .filter(|h| !matches!(h.as_str(), "host" | "content-length" | "transfer-encoding"))
            .cloned()
            .collect()
    };
    let same = api(&ours_names) == api(&raw_names);
    println!(
        "# headers raw : {}  (same API headers: {same}; telemetry header: {telemetry})",
        raw_names.join(","),
    );
    assert!(same, "the raw baseline must send our headers");

    let names = [
        "ureq_get_seq",
        "ureq_post_seq",
        "reqwest_mt_get_seq",
        "reqwest_mt_get_c32",
        "reqwest_ct_get_seq",
        "reqwest_ct_get_c32",
    ];
    let mut results = Vec::new();
    for name in names {
        let conc = name.ends_with("c32");
        let (n, tasks) = if conc {
            (a.conc_n, CONCURRENCY)
        } else {
            (a.n, 1)
        };
        let p = if name.starts_with("ureq") {
            let post = name.contains("post");
            Paired::run(
                n,
                a.blocks,
                ureq_ours(&config, post),
                ureq_raw(&config, &wire, post),
            )
        } else {
            let rt = runtime(name.contains("_mt_"));
            let http = reqwest_http(&config);
            Paired::run(
                n,
                a.blocks,
                reqwest_block(&rt, &http, &config, &wire, true, tasks),
                reqwest_block(&rt, &http, &config, &wire, false, tasks),
            )
        };
        results.push((name, p));
    }

    // Connection reuse: fresh clients, ours only, n sequential calls.
    let mut conns = Vec::new();
    for name in [
        "ureq_get_seq",
        "ureq_post_seq",
        "reqwest_mt_get_seq",
        "reqwest_ct_get_seq",
    ] {
        let c = connections_during(&server, || {
            if name.starts_with("ureq") {
                ureq_ours(&config, name.contains("post"))(a.n);
            } else {
                let rt = runtime(name.contains("_mt_"));
                let http = reqwest_http(&config);
                reqwest_block(&rt, &http, &config, &wire, true, 1)(a.n);
            }
        });
        conns.push((name, c));
    }

    let calls = if a.quick { 2 } else { 5 };
    let sleeps = [
        ("ureq", retry_sleeps(&config, "ureq", calls)),
        ("reqwest_mt", retry_sleeps(&config, "reqwest", calls)),
    ];

    println!();
    println!(
        "| workload | ours req/s | raw req/s | ratio | ours CPU µs/req | raw CPU µs/req | ratio |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, p) in &results {
        println!(
            "| {name} | {:.0} | {:.0} | {:.3} | {:.1} | {:.1} | {:.3} |",
            p.ours.rps(),
            p.raw.rps(),
            p.median(|r| r.0),
            p.ours.cpu_us(),
            p.raw.cpu_us(),
            p.median(|r| r.1),
        );
    }
    println!(
        "(ratios: median over {} alternating block pairs; req/s and µs: totals)",
        a.blocks
    );
    println!();
    println!(
        "| connection reuse (ours, {} sequential calls + {WARMUP} warm-up) | connections |",
        a.n
    );
    println!("|---|---:|");
    for (name, c) in &conns {
        println!("| {name} | {c} |");
    }
    println!();
    println!(
        "| retry sleeps (3 x 503 then 200) | sleeps | planned ms | actual ms | worst per-sleep overshoot ms |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (name, s) in &sleeps {
        println!(
            "| {name} | {} | {:.1} | {:.1} | {:.2} |",
            s.sleeps,
            s.planned.as_secs_f64() * 1e3,
            s.actual.as_secs_f64() * 1e3,
            s.worst_ms
        );
    }
    println!();
    println!(
        "# targets: throughput ratio >= 0.97, CPU ratio <= 1.05, 1 connection, sleep within 5 ms"
    );
    for (name, p) in &results {
        ratio(&format!("{name}_rps_ours_over_raw"), p.median(|r| r.0));
        ratio(
            &format!("{name}_cpu_per_req_ours_over_raw"),
            p.median(|r| r.1),
        );
    }
    for (name, c) in &conns {
        ratio(&format!("{name}_connections_ours_over_one"), *c as f64);
    }
    for (name, s) in &sleeps {
        ratio(
            &format!("{name}_retry_sleep_actual_over_planned"),
            s.actual.as_secs_f64() / s.planned.as_secs_f64(),
        );
        ratio(
            &format!("{name}_retry_sleep_worst_overshoot_over_5ms"),
            s.worst_ms / 5.0,
        );
    }
}

/// Ours only, for bench/peers: `PEER <name> <req/s> <CPU ms per 1,000 requests>`.
fn peer(config: &Config, a: &Args) {
    let report = |name: &str, m: Measure| {
        println!(
            "PEER {name} {:.0} {:.1}",
            m.rps(),
            m.cpu.as_secs_f64() * 1e3 * 1000.0 / m.n as f64
        );
    };
    let _ = cpu_time();
    let mut ureq = ureq_ours(config, false);
    ureq(WARMUP);
    report("stripe-ureq", Measure::run(a.n as u64, || ureq(a.n)));
    let wire = Wire::capture(config, config.api_base(), false);
    for (name, multi) in [
        ("stripe-reqwest(current-thread)", false),
        ("stripe-reqwest(multi-thread)", true),
    ] {
        let rt = runtime(multi);
        let http = reqwest_http(config);
        let mut block = reqwest_block(&rt, &http, config, &wire, true, 1);
        block(WARMUP);
        report(name, Measure::run(a.n as u64, || block(a.n)));
    }
}
