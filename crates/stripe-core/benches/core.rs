//! Criterion timing of the core beside a hand-written baseline (`http` + `serde_json`):
//! building a POST with 20 nested params, interpreting a 2.5 KB charge, a whole call.
//!
//! `bench/core.sh` runs this and prints `RATIO` lines (ours / baseline time); allocation counts
//! are in `bench/loopback` (binary `core-alloc`), since a counting global allocator needs
//! `unsafe impl GlobalAlloc`, which this workspace forbids.

use std::hint::black_box;
use std::time::Instant;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

mod common;

fn build_post(c: &mut Criterion) {
    let mut session = common::session();
    let baseline = common::Baseline::new(session.config());
    let params = common::nested_params();
    let now = Instant::now();
    let mut g = c.benchmark_group("build_post_20_params");
    g.bench_function("ours", |b| {
        b.iter(|| common::ours_build_post(&mut session, black_box(&params), now));
    });
    g.bench_function("baseline", |b| {
        b.iter(|| baseline.build_post(black_box(&params)));
    });
    g.finish();
}

fn interpret(c: &mut Criterion) {
    let mut session = common::session();
    let now = Instant::now();
    let mut g = c.benchmark_group("interpret_2k_charge");
    g.bench_function("ours", |b| {
        b.iter_batched(
            || {
                let (call, _) = common::ours_build_post(&mut session, &serde_json::json!({}), now);
                (call, common::charge_response())
            },
            |(call, resp)| common::ours_interpret(call, resp, now),
            BatchSize::SmallInput,
        );
    });
    g.bench_function("baseline", |b| {
        b.iter_batched(
            common::charge_response,
            common::interpret,
            BatchSize::SmallInput,
        );
    });
    g.finish();
}

fn whole_call(c: &mut Criterion) {
    let mut session = common::session();
    let baseline = common::Baseline::new(session.config());
    let now = Instant::now();
    let mut g = c.benchmark_group("whole_call");
    g.bench_function("ours", |b| {
        b.iter_batched(
            common::charge_response,
            |resp| common::ours_whole_call(&mut session, resp, now),
            BatchSize::SmallInput,
        );
    });
    g.bench_function("baseline", |b| {
        b.iter_batched(
            common::charge_response,
            |resp| baseline.whole_call(resp),
            BatchSize::SmallInput,
        );
    });
    g.finish();
}

criterion_group!(benches, build_post, interpret, whole_call);
criterion_main!(benches);
