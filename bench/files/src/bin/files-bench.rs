//! What an upload and a download of 10 MiB cost the client in memory: the peak of the heap
//! above the client's baseline (after a warm-up, so that pools and runtime threads exist),
//! counted by a counting global allocator over every thread of the process. The fake Stripe is
//! a child process (`files-fake`): the uploaded file lives there, not here.
//!
//! For each client (`stripe_ureq::Client`, and `stripe_reqwest::Client` on a multi-thread
//! Tokio runtime), side by side in one run: the upload streamed from a source that makes its
//! bytes as they are read (the bench holds no copy), the download streamed into a writer that
//! checks every byte and keeps none; and beside them the same client over a transport that
//! implements only `send`, which takes the buffered default (the file in memory), as the
//! reference. Each figure is the largest of `--runs` runs (default 3).
//!
//! Prints a table and `RATIO` lines: `files_<client>_<op>_peak_over_2mib` (target <= 1: at most
//! 2 MiB above the baseline) and `files_<client>_<op>_streamed_over_buffered`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use stripe_client::{
    AsyncSource, AsyncTransport, Attempt, FromConfig, SendError, Source, Transport,
};
use stripe_core::{Config, FilePart, Request, Response};

#[allow(dead_code)]
#[path = "../../../journal/src/fake.rs"]
mod fake;

// ---------------------------------------------------------------------------------------------
// The heap, counted

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            grew(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// `f`'s output, and the peak of the heap while it ran above the heap when it started.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

// ---------------------------------------------------------------------------------------------
// The file: made as it is read, checked as it is written

/// 10 MiB.
const LEN: u64 = 10 * 1024 * 1024;
/// The target: at most 2 MiB above the baseline.
const LIMIT: usize = 2 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

fn byte_at(i: u64) -> u8 {
    (i.wrapping_mul(2_654_435_761) >> 13) as u8
}

/// The file's bytes, made as they are read.
struct Pattern {
    at: u64,
}

impl Read for Pattern {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = usize::try_from(LEN - self.at).map_or(buf.len(), |left| left.min(buf.len()));
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = byte_at(self.at + i as u64);
        }
        self.at += n as u64;
        Ok(n)
    }
}

/// The file's bytes as a stream of 64 KiB chunks, each made when asked for.
struct PatternChunks(Pattern);

impl futures_core::Stream for PatternChunks {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut chunk = vec![0u8; CHUNK];
        Poll::Ready(match self.0.read(&mut chunk) {
            Ok(0) => None,
            Ok(n) => {
                chunk.truncate(n);
                Some(Ok(chunk.into()))
            }
            Err(e) => Some(Err(e)),
        })
    }
}

/// A writer that checks every byte against the file and keeps none.
#[derive(Default)]
struct Check {
    at: u64,
    wrong: u64,
}

impl Write for Check {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for b in buf {
            self.wrong += u64::from(*b != byte_at(self.at));
            self.at += 1;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The transports that do not stream (the reference)

/// A blocking transport of one's own: `send` alone, so uploads and downloads are buffered.
struct Buffered(stripe_ureq::Ureq);

impl Transport for Buffered {
    type Error = stripe_ureq::ureq::Error;
    fn send(&self, attempt: Attempt) -> Result<http::Response<Bytes>, SendError<Self::Error>> {
        self.0.send(attempt)
    }
    fn sleep_until(&self, until: Instant) {
        self.0.sleep_until(until);
    }
}

/// An async transport of one's own: `send` alone.
struct AsyncBuffered(stripe_reqwest::Reqwest);

impl AsyncTransport for AsyncBuffered {
    type Error = stripe_reqwest::AttemptError;
    fn send(
        &self,
        attempt: Attempt,
    ) -> impl Future<Output = Result<http::Response<Bytes>, SendError<Self::Error>>> + Send {
        self.0.send(attempt)
    }
    fn sleep_until(&self, until: Instant) -> impl Future<Output = ()> + Send {
        self.0.sleep_until(until)
    }
}

// ---------------------------------------------------------------------------------------------
// The runs

fn upload_request() -> Request {
    let file = FilePart::new("bench.bin").expect("a file name");
    Request::upload(file)
        .and_then(|r| r.with_params(&[("purpose", "tax_document_user_upload")]))
        .expect("an upload")
}

fn download_request(response: &Response) -> Request {
    let id = response
        .json()
        .and_then(|v| v["id"].as_str())
        .expect("a file id");
    let request = Request::file_contents(id).expect("a file id");
    request.with_max_body_bytes(LEN as usize)
}

/// One client's faces: upload the file, download a file into a writer.
trait Files {
    fn upload(&self, small: bool) -> Response;
    fn download(&self, request: Request, to: &mut Check) -> Response;
}

impl<T: Transport> Files for stripe_client::Client<T> {
    fn upload(&self, small: bool) -> Response {
        let source = if small {
            Source::bytes(vec![7u8; 1000])
        } else {
            Source::reopen(LEN, || Ok(Pattern { at: 0 }))
        };
        stripe_client::Client::upload(self, upload_request(), source).expect("an answer")
    }
    fn download(&self, request: Request, to: &mut Check) -> Response {
        stripe_client::Client::download(self, request, to).expect("an answer")
    }
}

/// An async client on its runtime.
struct OnRuntime<'a, T>(&'a tokio::runtime::Runtime, stripe_client::AsyncClient<T>);

impl<T: AsyncTransport> Files for OnRuntime<'_, T> {
    fn upload(&self, small: bool) -> Response {
        let source = if small {
            AsyncSource::bytes(vec![7u8; 1000])
        } else {
            AsyncSource::reopen(LEN, || Ok(PatternChunks(Pattern { at: 0 })))
        };
        (self.0.block_on(self.1.upload(upload_request(), source))).expect("an answer")
    }
    fn download(&self, request: Request, to: &mut Check) -> Response {
        (self.0.block_on(self.1.download(request, to))).expect("an answer")
    }
}

/// The largest peaks of `runs` uploads and downloads of the file through `client`, each
/// checked whole.
fn measure(client: &dyn Files, runs: u32) -> (usize, usize) {
    // Warm-up: the pool's connection, the runtime's threads, the first allocations of each.
    let small = client.upload(true);
    client.download(download_request(&small), &mut Check::default());
    let (mut up, mut down) = (0, 0);
    for _ in 0..runs {
        let (response, peak) = peak_of(|| client.upload(false));
        assert_eq!(response.status(), 200, "{:?}", response.json());
        assert_eq!(response.json().map(|v| v["size"].clone()), Some(LEN.into()));
        up = up.max(peak);
        let request = download_request(&response);
        let mut check = Check::default();
        let (response, peak) = peak_of(|| client.download(request, &mut check));
        assert_eq!(response.status(), 200);
        assert_eq!(
            (check.at, check.wrong),
            (LEN, 0),
            "the download is the file"
        );
        down = down.max(peak);
    }
    (up, down)
}

fn config(base: &str) -> Config {
    Config::builder("sk_test_bench_files")
        .api_base(base)
        .files_base(base)
        .build()
        .expect("config")
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut runs = 3;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().and_then(|v| v.parse().ok())) {
            ("--runs", Some(n)) if n > 0 => runs = n,
            _ => {
                eprintln!("usage: files-bench [--runs N]");
                return ExitCode::from(2);
            }
        }
    }
    let fake = match fake::FakeChild::start_named("files-fake") {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("files-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = config(fake.base_url());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let ureq = stripe_ureq::Client::new(config.clone());
    let reqwest = OnRuntime(&runtime, stripe_reqwest::Client::new(config.clone()));
    let transport = stripe_ureq::Ureq::from_config(&config).expect("a ureq agent");
    let ureq_buffered = stripe_client::Client::with_transport(config.clone(), Buffered(transport));
    let transport = stripe_reqwest::Reqwest::from_config(&config).expect("a reqwest client");
    let reqwest_buffered = OnRuntime(
        &runtime,
        stripe_client::AsyncClient::with_transport(config, AsyncBuffered(transport)),
    );
    let rows = [
        ("ureq", measure(&ureq, runs), measure(&ureq_buffered, runs)),
        (
            "reqwest",
            measure(&reqwest, runs),
            measure(&reqwest_buffered, runs),
        ),
    ];
    println!(
        "files-bench: a {} MiB file, {runs} run(s) each, peak heap above the client's baseline",
        LEN >> 20
    );
    println!();
    println!(
        "| client | operation | streamed: bytes | MiB | over the 2 MiB limit | buffered (send only): MiB | streamed over buffered |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    let mut ratios = Vec::new();
    for (client, (up, down), (up_buffered, down_buffered)) in rows {
        for (op, streamed, buffered) in [
            ("upload", up, up_buffered),
            ("download", down, down_buffered),
        ] {
            let over_limit = streamed as f64 / LIMIT as f64;
            let over_buffered = streamed as f64 / buffered.max(1) as f64;
            println!(
                "| {client} | {op} | {streamed} | {:.3} | {over_limit:.3} | {:.3} | {over_buffered:.3} |",
                mib(streamed),
                mib(buffered)
            );
            ratios.push(format!(
                "RATIO files_{client}_{op}_peak_over_2mib {over_limit:.3}"
            ));
            ratios.push(format!(
                "RATIO files_{client}_{op}_streamed_over_buffered {over_buffered:.3}"
            ));
        }
    }
    println!();
    for line in ratios {
        println!("{line}");
    }
    ExitCode::SUCCESS
}
