//! Plug your own transport into the client: a tiny HTTP/1.1 client over
//! `std::net::TcpStream`, as a `stripe_client::Transport` (one attempt before an instant, the
//! sleep). Every decision (key, retries, waits) stays the core's.
//!
//! It creates a charge on the embedded fake Stripe, whose first answer is a dropped connection
//! (`drop_before`), so the retry with the same idempotency key is visible.
//! Run it: `cargo run --example custom_transport`.

use std::io::ErrorKind::{TimedOut, WouldBlock};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

// `stripe-client` re-exports what a transport speaks: `http`, `bytes` and `stripe_core`.
use stripe_client::bytes::Bytes;
use stripe_client::http;
use stripe_client::stripe_core::TransportError::{Connect, Io, Timeout};
use stripe_client::stripe_core::{Backoff, Config, Request, RetryPolicy};
use stripe_client::{Attempt, Client, SendError, Transport};
use stripe_fake::{Fault, FaultPlan, Rule};

/// One connection per attempt to a fixed address.
struct Tcp(SocketAddr);

impl Transport for Tcp {
    type Error = io::Error;

    fn send(&self, attempt: Attempt) -> Result<http::Response<Bytes>, SendError<io::Error>> {
        let (by, max_body_bytes) = (attempt.by(), attempt.max_body_bytes());
        let request = attempt.into_request();
        println!("  attempt, key {:?}", request.headers()["idempotency-key"]);
        // A failed connect means the request surely never left: `Connect`.
        let stream = TcpStream::connect(self.0).map_err(|e| SendError::new(Connect, e))?;
        // After that, it may have been processed: `Timeout` or `Io`.
        exchange(stream, self.0, &request, by, max_body_bytes).map_err(|e| match e.kind() {
            TimedOut | WouldBlock => SendError::new(Timeout, e),
            _ => SendError::new(Io, e),
        })
    }

    fn sleep_until(&self, until: Instant) {
        std::thread::sleep(until.saturating_duration_since(Instant::now()));
    }
}

/// Writes the request (`Connection: close`), then reads the status line, the headers and a
/// `Content-Length` body, each read bounded by what is left until `by`.
fn exchange(
    mut stream: TcpStream,
    host: SocketAddr,
    request: &http::Request<Bytes>,
    by: Option<Instant>,
    max_body_bytes: usize,
) -> io::Result<http::Response<Bytes>> {
    let left = by.map(|by| {
        by.saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    });
    stream.set_read_timeout(left)?; // per read: a production client bounds the whole attempt
    stream.set_write_timeout(left)?;
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let (method, length) = (request.method(), request.body().len());
    let mut head = format!("{method} {target} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n");
    head += &format!("content-length: {length}\r\n");
    // The core's headers (authorization, idempotency-key, ...) go out as they are.
    for (name, value) in request.headers() {
        head += &format!("{name}: {}\r\n", String::from_utf8_lossy(value.as_bytes()));
    }
    stream.write_all(format!("{head}\r\n").as_bytes())?;
    stream.write_all(request.body())?;

    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?; // "HTTP/1.1 200 OK", or nothing if the server hung up
    let status = line.split(' ').nth(1).and_then(|s| s.parse::<u16>().ok());
    let mut response =
        http::Response::builder().status(status.ok_or_else(|| invalid("no answer"))?);
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse().map_err(|_| invalid("length"))?;
        }
        response = response.header(name, value.trim());
    }
    let mut body = vec![0; length.min(max_body_bytes.saturating_add(1))];
    reader.read_exact(&mut body)?;
    response
        .body(Bytes::from(body))
        .map_err(|_| invalid("header"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The fake Stripe drops the connection of the first charge, before executing it.
    let fake = stripe_fake::server::start()?;
    fake.set_plan(FaultPlan::new().rule(Rule::new(Fault::DropBefore).method(http::Method::POST)));

    let policy = RetryPolicy::default()
        .with_backoff(Backoff::Fixed(Duration::from_millis(300)))
        .with_attempt_timeout(Some(Duration::from_secs(5)));
    let config = Config::builder("sk_test_custom_transport")
        .api_base(fake.base_url())
        .policy(policy)
        .build()?;
    let client = Client::with_transport(config, Tcp(fake.addr())).with_retry_hook(|n| {
        println!(
            "  the core says: sleep {:?}, then attempt {}",
            n.wait(),
            n.attempt()
        );
    });

    let request = Request::post("/v1/charges", &[("amount", "2000"), ("currency", "usd")])?
        .with_encoded_params("source=tok_visa")?;
    let prepared = client.prepare(request)?;
    let key = prepared.idempotency_key().ok_or("a POST has a key")?;
    println!("POST /v1/charges, idempotency key {key} (known before sending)");
    let response = prepared.run()?;

    let id = response
        .json()
        .and_then(|v| v["id"].as_str())
        .unwrap_or("?");
    let charges = fake.successful_charges();
    println!(
        "{} {id} after {} attempts; charges made: {charges}",
        response.status(),
        response.attempts()
    );
    if !response.is_success() || response.attempts() != 2 || charges != 1 {
        return Err("expected one charge after two attempts".into());
    }
    Ok(())
}
