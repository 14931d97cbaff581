//! Allocations of the core's three operations beside the hand-written baseline, counted with
//! a counting global allocator (which needs `unsafe impl GlobalAlloc`: the workspace forbids
//! unsafe code, so this lives here, outside it). The workloads are the criterion bench's own
//! (`crates/stripe-core/benches/common/mod.rs`, included by path).
//!
//! Prints a table and `RATIO <op>_allocs_ours_over_baseline <value>` lines.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[path = "../../../../crates/stripe-core/benches/common/mod.rs"]
mod common;

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(
            new_size.saturating_sub(layout.size()) as u64,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// (allocations incl. reallocations, bytes requested) of `f`, the value it returns dropped
/// outside the count.
fn count<T>(f: impl FnOnce() -> T) -> (u64, u64) {
    let (a, b) = (
        ALLOCS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    let out = black_box(f());
    let counted = (
        ALLOCS.load(Ordering::Relaxed) - a,
        BYTES.load(Ordering::Relaxed) - b,
    );
    drop(out);
    counted
}

fn main() {
    let mut session = common::session();
    let baseline = common::Baseline::new(session.config());
    let params = common::nested_params();
    let now = Instant::now();
    let empty = serde_json::json!({});

    // Warm up once (lazy statics, thread-locals), then count.
    black_box(common::ours_build_post(&mut session, &params, now));
    black_box(baseline.build_post(&params));

    let rows = [
        (
            "build_post_20_params",
            count(|| common::ours_build_post(&mut session, &params, now)),
            count(|| baseline.build_post(&params)),
        ),
        {
            let (call, _) = common::ours_build_post(&mut session, &empty, now);
            let resp = common::charge_response();
            let ours = count(move || common::ours_interpret(call, resp, now));
            let resp = common::charge_response();
            let base = count(move || common::interpret(resp));
            ("interpret_2k_charge", ours, base)
        },
        {
            let resp = common::charge_response();
            let ours = count(|| common::ours_whole_call(&mut session, resp, now));
            let resp = common::charge_response();
            let base = count(|| baseline.whole_call(resp));
            ("whole_call", ours, base)
        },
    ];
    println!("| operation | ours allocs | baseline allocs | ours bytes | baseline bytes |");
    println!("|---|---:|---:|---:|---:|");
    for (name, o, b) in &rows {
        println!("| {name} | {} | {} | {} | {} |", o.0, b.0, o.1, b.1);
    }
    println!(
        "# target: no allocation beyond what the request and the parsed response need (ratio <= 1)"
    );
    for (name, o, b) in &rows {
        println!(
            "RATIO {name}_allocs_ours_over_baseline {:.3}",
            o.0 as f64 / b.0 as f64
        );
    }
}
