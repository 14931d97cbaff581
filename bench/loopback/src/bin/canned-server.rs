//! A canned-response HTTP/1.1 server on 127.0.0.1 that costs as little as possible, so that
//! the client is what a benchmark measures. Keep-alive, one thread per connection, requests
//! parsed just enough (head end, `Content-Length`), answers prepared once.
//!
//! Prints `PORT <n>` on its first line, then serves until killed (or until stdin closes, so
//! it never outlives the benchmark that started it).
//!
//! Paths:
//! - `/__stats`: `{"connections":N,"requests":M}` (the stats connection itself counts).
//! - `/v1/__echo`: `{"headers":[...]}`, the lower-case header names of the request.
//! - `/v1/flaky/<id>?fail=<k>`: 503 for the first `k` requests of that path, then the charge.
//! - anything else: 200 with a 2.5 KB charge and a `request-id`.

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

static CONNECTIONS: AtomicU64 = AtomicU64::new(0);
static REQUESTS: AtomicU64 = AtomicU64::new(0);

const CHARGE: &[u8] = include_bytes!("../../../../crates/stripe-core/benches/charge.json");

fn response(status: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\nrequest-id: req_bench0123456789\r\n{extra}content-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn main() {
    let port = std::env::args()
        .skip_while(|a| a != "--port")
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0u16);
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local addr").port();
    println!("PORT {port}");
    std::io::stdout().flush().ok();
    // Exit when the parent closes our stdin (or dies), unless told to stay (`--stay`).
    if !std::env::args().any(|a| a == "--stay") {
        std::thread::spawn(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
            std::process::exit(0);
        });
    }
    let ok: Arc<[u8]> = response("200 OK", "", CHARGE).into();
    let flaky: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        CONNECTIONS.fetch_add(1, Ordering::Relaxed);
        let ok = ok.clone();
        let flaky = flaky.clone();
        std::thread::spawn(move || {
            let _ = serve(stream, &ok, &flaky);
        });
    }
}

fn serve(stream: TcpStream, ok: &[u8], flaky: &Mutex<HashMap<String, u32>>) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = std::io::BufReader::with_capacity(16 * 1024, stream);
    let mut line = String::new();
    let mut headers = Vec::new();
    loop {
        // Request line.
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
        // Headers: only Content-Length matters (and the names, for /__echo).
        let mut length = 0usize;
        let echo = path.ends_with("/__echo");
        headers.clear();
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((name, value)) = l.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
                if echo {
                    headers.push(name.to_ascii_lowercase());
                }
            }
        }
        // Skip the body.
        std::io::copy(&mut (&mut reader).take(length as u64), &mut std::io::sink())?;
        REQUESTS.fetch_add(1, Ordering::Relaxed);
        if path == "/__stats" {
            let body = format!(
                r#"{{"connections":{},"requests":{}}}"#,
                CONNECTIONS.load(Ordering::Relaxed),
                REQUESTS.load(Ordering::Relaxed)
            );
            writer.write_all(&response("200 OK", "", body.as_bytes()))?;
        } else if echo {
            let body = serde_json::json!({ "headers": headers }).to_string();
            writer.write_all(&response("200 OK", "", body.as_bytes()))?;
        } else if let Some(rest) = path.strip_prefix("/v1/flaky/") {
            let fail: u32 = rest
                .split_once("fail=")
                .and_then(|(_, k)| k.parse().ok())
                .unwrap_or(0);
            let seen = {
                let mut map = flaky.lock().unwrap_or_else(|e| e.into_inner());
                let n = map.entry(path.clone()).or_insert(0);
                *n += 1;
                *n
            };
            if seen <= fail {
                let body = br#"{"error":{"type":"api_error","message":"canned 503"}}"#;
                writer.write_all(&response("503 Service Unavailable", "", body))?;
            } else {
                writer.write_all(ok)?;
            }
        } else {
            writer.write_all(ok)?;
        }
    }
}
