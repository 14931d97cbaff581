//! async-stripe 1.0 retrieving a charge from the canned server, sequentially on tokio's
//! current-thread runtime. Prints `PEER async-stripe <req/s> <client CPU ms per 1,000>`.
//! Usage: peer-async-stripe <port> <n>

use std::time::{Duration, Instant};

use stripe::ClientBuilder;
use stripe_core::charge::RetrieveCharge;

fn cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid, writable timespec and a constant clock id.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args.get(1).and_then(|p| p.parse().ok()).expect("port");
    let n: usize = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(10_000);
    let client = ClientBuilder::new("sk_test_bench_0123456789abcdefghijklmnop")
        .url(format!("http://127.0.0.1:{port}"))
        .build()
        .expect("client");
    let one = || async {
        let charge = RetrieveCharge::new("ch_3PbQx2LkdIwHu7ix0rbXyZ1a")
            .send(&client)
            .await
            .expect("retrieve charge");
        std::hint::black_box(charge);
    };
    for _ in 0..50 {
        one().await;
    }
    let (cpu, t) = (cpu_time(), Instant::now());
    for _ in 0..n {
        one().await;
    }
    let (wall, cpu) = (t.elapsed(), cpu_time() - cpu);
    println!(
        "PEER async-stripe {:.0} {:.1}",
        n as f64 / wall.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / n as f64
    );
}
