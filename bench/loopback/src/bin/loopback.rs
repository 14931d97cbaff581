//! The drivers against plain ureq / plain reqwest on loopback, side by side in one run.
//!
//! ```text
//! loopback [--quick] [--n N] [--conc-n N] [--blocks B] [--filter S]
//!                                                        the adapter benchmark (the workloads
//!                                                        whose name contains S), RATIO lines at the end
//! loopback --peer --port P [--n N]                       ours only, `PEER` lines for bench/peers
//! loopback --only WORKLOAD [--plain] --port P [--n N]    one side of one workload (for strace, perf)
//! ```
//!
//! The baselines are the plain clients as a user writes them without us (see
//! `stripe_bench_loopback::plain`): default agent / client, the same paths and bodies, a random
//! `Idempotency-Key` per POST, the body parsed into `serde_json::Value`. Ours are the drivers'
//! default clients (`Client::new(config)`, every attempt bounded by the policy's timeout).

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;

use stripe_bench_loopback::plain::{
    GET_PATH, PARAMS, POST_PATH, PlainReqwest, PlainUreq, SECRET, V2_PATH, v2_event,
};
use stripe_bench_loopback::{Measure, Server, cpu_time, ratio, sleeps};
use stripe_core::Config;

const CONCURRENCY: usize = 32;
const WARMUP: usize = 50;
const WORKLOADS: [&str; 9] = [
    "ureq_get_seq",
    "ureq_post_seq",
    "ureq_v2post_seq",
    "reqwest_mt_get_seq",
    "reqwest_mt_get_c32",
    "reqwest_mt_v2post_seq",
    "reqwest_ct_get_seq",
    "reqwest_ct_get_c32",
    "reqwest_ct_v2post_seq",
];

/// What a workload's calls are: a v1 GET, a v1 form POST or a v2 JSON POST.
#[derive(Clone, Copy)]
enum Kind {
    Get,
    Post,
    V2Post,
}

impl Kind {
    fn of(workload: &str) -> Self {
        if workload.contains("v2post") {
            Self::V2Post
        } else if workload.contains("post") {
            Self::Post
        } else {
            Self::Get
        }
    }
}

struct Args {
    quick: bool,
    n: usize,
    conc_n: usize,
    blocks: usize,
    port: Option<u16>,
    peer: bool,
    only: Option<String>,
    plain: bool,
    filter: Option<String>,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    let text = |flag: &str| {
        argv.iter()
            .position(|a| a == flag)
            .and_then(|i| argv.get(i + 1))
            .cloned()
    };
    let value = |flag: &str| text(flag).and_then(|v| v.parse::<usize>().ok());
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
        only: text("--only"),
        plain: argv.iter().any(|a| a == "--plain"),
        filter: text("--filter"),
    }
}

fn config(base: &str) -> Config {
    Config::builder(SECRET)
        .api_base(base)
        .build()
        .expect("config")
}

/// Runs `k` requests each time it is called.
type Block<'a> = Box<dyn FnMut(usize) + 'a>;

// ------------------------------------------------------------------ blocks

fn ureq_ours(config: &Config, kind: Kind) -> Block<'static> {
    let client = stripe_ureq::Client::new(config.clone());
    let event = v2_event();
    Box::new(move |k| {
        for _ in 0..k {
            let r = match kind {
                Kind::Get => client.get(GET_PATH),
                Kind::Post => client.post(POST_PATH, PARAMS),
                Kind::V2Post => client.post(V2_PATH, &event),
            }
            .expect("call");
            assert!(r.status() == 200 && r.json().is_some());
            black_box(r);
        }
    })
}

fn ureq_plain(base: &str, kind: Kind) -> Block<'static> {
    let client = PlainUreq::new(base);
    let event = v2_event();
    Box::new(move |k| {
        for _ in 0..k {
            let (status, v) = match kind {
                Kind::Get => client.get(GET_PATH),
                Kind::Post => client.post(POST_PATH),
                Kind::V2Post => client.post_json(V2_PATH, &event),
            };
            assert!(status == 200 && v.is_object());
            black_box(v);
        }
    })
}

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

/// `total` calls of `one` by `tasks` tasks, each making its share sequentially, on `rt`.
fn async_block<'a, F, Fut>(rt: &'a tokio::runtime::Runtime, tasks: usize, one: F) -> Block<'a>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Box::new(move |total| {
        let one = one.clone();
        rt.block_on(async move {
            let handles: Vec<_> = (0..tasks)
                .map(|t| {
                    let one = one.clone();
                    let count = total / tasks + usize::from(t < total % tasks);
                    tokio::spawn(async move {
                        for _ in 0..count {
                            one().await;
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await.expect("task");
            }
        });
    })
}

fn reqwest_ours<'a>(
    rt: &'a tokio::runtime::Runtime,
    config: &Config,
    tasks: usize,
    kind: Kind,
) -> Block<'a> {
    let client = Arc::new(stripe_reqwest::Client::new(config.clone()));
    let event = Arc::new(v2_event());
    async_block(rt, tasks, move || {
        let (client, event) = (client.clone(), event.clone());
        async move {
            let r = match kind {
                Kind::V2Post => client.post(V2_PATH, &*event).await,
                Kind::Post => client.post(POST_PATH, PARAMS).await,
                Kind::Get => client.get(GET_PATH).await,
            }
            .expect("call");
            assert!(r.status() == 200 && r.json().is_some());
            black_box(r);
        }
    })
}

fn reqwest_plain<'a>(
    rt: &'a tokio::runtime::Runtime,
    base: &str,
    tasks: usize,
    kind: Kind,
) -> Block<'a> {
    let client = Arc::new(PlainReqwest::new(base));
    let event = Arc::new(v2_event());
    async_block(rt, tasks, move || {
        let (client, event) = (client.clone(), event.clone());
        async move {
            let (status, v) = match kind {
                Kind::V2Post => client.post_json(V2_PATH, &event).await,
                Kind::Post => client.post(POST_PATH).await,
                Kind::Get => client.get(GET_PATH).await,
            };
            assert!(status == 200 && v.is_object());
            black_box(v);
        }
    })
}

/// The block of one side of a workload; `rt` is used by the reqwest ones.
fn block<'a>(
    name: &str,
    ours: bool,
    config: &Config,
    rt: &'a tokio::runtime::Runtime,
) -> Block<'a> {
    let tasks = if name.ends_with("c32") {
        CONCURRENCY
    } else {
        1
    };
    let kind = Kind::of(name);
    match (name.starts_with("ureq"), ours) {
        (true, true) => ureq_ours(config, kind),
        (true, false) => ureq_plain(config.api_base(), kind),
        (false, true) => reqwest_ours(rt, config, tasks, kind),
        (false, false) => reqwest_plain(rt, config.api_base(), tasks, kind),
    }
}

// ------------------------------------------------------------------ measurement

/// Ours and plain, measured in alternating blocks so that both see the same load.
struct Paired {
    ours: Measure,
    plain: Measure,
    /// Per block pair: ours/plain throughput, ours/plain CPU per request.
    ratios: Vec<(f64, f64)>,
}

impl Paired {
    fn run(total: usize, blocks: usize, mut ours: Block<'_>, mut plain: Block<'_>) -> Self {
        ours(WARMUP);
        plain(WARMUP);
        let k = total.div_ceil(blocks);
        let mut p = Self {
            ours: Measure::default(),
            plain: Measure::default(),
            ratios: Vec::new(),
        };
        for b in 0..blocks {
            let (o, r) = if b % 2 == 0 {
                let o = Measure::run(k as u64, || ours(k));
                (o, Measure::run(k as u64, || plain(k)))
            } else {
                let r = Measure::run(k as u64, || plain(k));
                (Measure::run(k as u64, || ours(k)), r)
            };
            p.ratios.push((o.rps() / r.rps(), o.cpu_us() / r.cpu_us()));
            p.ours.add(o);
            p.plain.add(r);
        }
        p
    }

    fn median(&self, pick: impl Fn(&(f64, f64)) -> f64) -> f64 {
        let mut v: Vec<f64> = self.ratios.iter().map(pick).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }
}

/// The header names each side sends on a GET (the second, after one answer) and a POST.
fn header_names(config: &Config) -> [(&'static str, String); 4] {
    let names = |v: &serde_json::Value| {
        let mut names: Vec<&str> = v["headers"]
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|h| h.as_str())
            .collect();
        names.sort_unstable();
        names.join(",")
    };
    let ours = stripe_ureq::Client::new(config.clone());
    let echo = "/v1/__echo";
    ours.get(echo).expect("echo");
    let ours_get = ours.get(echo).expect("echo");
    let ours_post = ours.post(echo, PARAMS).expect("echo");
    let plain = PlainUreq::new(config.api_base());
    let plain_post = names(&plain.post(echo).1);
    assert!(
        plain_post.contains("idempotency-key") && plain_post.contains("authorization"),
        "the plain POST carries a key and the secret"
    );
    [
        ("ours GET", names(ours_get.json().expect("json"))),
        ("plain GET", names(&plain.get(echo).1)),
        ("ours POST", names(ours_post.json().expect("json"))),
        ("plain POST", plain_post),
    ]
}

/// Connections the server accepted while `f` ran (the stats query's own excluded).
fn connections_during(server: &Server, f: impl FnOnce()) -> u64 {
    let (before, _) = server.stats();
    f();
    let (after, _) = server.stats();
    after - before - 1
}

// ------------------------------------------------------------------ main

fn main() {
    let a = args();
    let server = match a.port {
        Some(p) => Server::attach(p),
        None => Server::spawn(),
    };
    let config = config(&server.base());
    if a.peer {
        peer(&config, &a);
        return;
    }
    if let Some(name) = &a.only {
        only(&config, &a, name);
        return;
    }
    println!(
        "# loopback: {} sequential, {} at {CONCURRENCY} concurrent, in {} alternating blocks{}; server in its own process, client CPU = this process",
        a.n,
        a.conc_n,
        a.blocks,
        if a.quick { " (quick)" } else { "" }
    );
    for (side, names) in header_names(&config) {
        println!("# headers {side:<10}: {names}");
    }

    let workloads: Vec<&str> = WORKLOADS
        .into_iter()
        .filter(|w| a.filter.as_ref().is_none_or(|f| w.contains(f.as_str())))
        .collect();
    let mut results = Vec::new();
    for &name in &workloads {
        let n = if name.ends_with("c32") { a.conc_n } else { a.n };
        let rt = runtime(name.contains("_mt_"));
        let p = Paired::run(
            n,
            a.blocks,
            block(name, true, &config, &rt),
            block(name, false, &config, &rt),
        );
        results.push((name, p));
    }

    // Connection reuse: fresh clients, ours only, n sequential calls (+ the warm-up).
    let mut conns = Vec::new();
    for name in workloads.iter().filter(|n| n.ends_with("seq")) {
        let rt = runtime(name.contains("_mt_"));
        let c = connections_during(&server, || {
            let mut b = block(name, true, &config, &rt);
            b(WARMUP);
            b(a.n);
        });
        conns.push((name, c));
    }

    let calls = if a.quick { 2 } else { 5 };
    let sleeps = [
        ("ureq", sleeps::ureq(&config, calls)),
        (
            "reqwest_mt",
            sleeps::reqwest(&config, calls, &runtime(true)),
        ),
        (
            "reqwest_ct",
            sleeps::reqwest(&config, calls, &runtime(false)),
        ),
    ];

    println!();
    println!(
        "| workload | ours req/s | plain req/s | ratio | ours CPU µs/req | plain CPU µs/req | ratio |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, p) in &results {
        println!(
            "| {name} | {:.0} | {:.0} | {:.3} | {:.1} | {:.1} | {:.3} |",
            p.ours.rps(),
            p.plain.rps(),
            p.median(|r| r.0),
            p.ours.cpu_us(),
            p.plain.cpu_us(),
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
        "| retry sleeps (3 x 503 then 200) | sleeps | planned ms | actual ms | worst |actual - planned| of one sleep, ms |"
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
        "# targets: CPU ratio <= 1.10 (ureq), <= 1.05 (reqwest), <= 1.05 (a v2 JSON POST, both); 1 connection; each sleep within 2 ms of plan"
    );
    for (name, p) in &results {
        ratio(&format!("{name}_rps_ours_over_plain"), p.median(|r| r.0));
        ratio(
            &format!("{name}_cpu_per_req_ours_over_plain"),
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
            &format!("{name}_retry_sleep_worst_off_over_2ms"),
            s.worst_ms / 2.0,
        );
    }
}

/// One side of one workload, `n` calls after the warm-up, for strace or perf.
fn only(config: &Config, a: &Args, name: &str) {
    assert!(WORKLOADS.contains(&name), "workload: one of {WORKLOADS:?}");
    let rt = runtime(name.contains("_mt_"));
    let mut b = block(name, !a.plain, config, &rt);
    b(WARMUP);
    let m = Measure::run(a.n as u64, || b(a.n));
    println!(
        "ONLY {name} {} {} calls: {:.0} req/s, {:.1} CPU µs/req",
        if a.plain { "plain" } else { "ours" },
        a.n,
        m.rps(),
        m.cpu_us()
    );
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
    for (name, workload) in [
        ("stripe-ureq", "ureq_get_seq"),
        ("stripe-reqwest(current-thread)", "reqwest_ct_get_seq"),
        ("stripe-reqwest(multi-thread)", "reqwest_mt_get_seq"),
    ] {
        let rt = runtime(workload.contains("_mt_"));
        let mut b = block(workload, true, config, &rt);
        b(WARMUP);
        report(name, Measure::run(a.n as u64, || b(a.n)));
    }
}
