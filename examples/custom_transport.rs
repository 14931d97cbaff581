//! Drive `stripe_core` with a transport of your own: a tiny HTTP/1.1 client over
//! `std::net::TcpStream`, plugged into `stripe_core::drive::run_blocking` as a closure.
//!
//! It creates a charge on the embedded fake Stripe, whose first answer is a dropped connection
//! (`drop_before`), so the retry with the same idempotency key is visible.
//! Run it: `cargo run --example custom_transport`.

use std::io::ErrorKind::{TimedOut, WouldBlock};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use stripe_core::TransportError::{Connect, Io, Timeout};
use stripe_core::drive::{self, SendError};
use stripe_core::{Backoff, Call, Config, Method, Request, RetryPolicy, Seed};
use stripe_fake::{Fault, FaultPlan, Rule};

type HttpResult = Result<http::Response<Bytes>, SendError<io::Error>>;

/// One attempt to the server at `addr`. The core only needs to know which of three things went
/// wrong, so the error is reduced to a `TransportError` kind; the `io::Error` rides along.
fn send(addr: SocketAddr, request: http::Request<Bytes>, timeout: Option<Duration>) -> HttpResult {
    // A failed connect means the request surely never left: `Connect`.
    let stream = TcpStream::connect(addr).map_err(|e| SendError::new(Connect, e))?;
    // After that, it may have been processed: `Timeout` or `Io`.
    exchange(stream, addr, &request, timeout).map_err(|e| match e.kind() {
        TimedOut | WouldBlock => SendError::new(Timeout, e),
        _ => SendError::new(Io, e),
    })
}

/// Writes the request (`Connection: close`, so one exchange per connection), then reads the
/// status line, the headers and a `Content-Length` body.
fn exchange(
    mut stream: TcpStream,
    host: SocketAddr,
    request: &http::Request<Bytes>,
    timeout: Option<Duration>,
) -> io::Result<http::Response<Bytes>> {
    stream.set_read_timeout(timeout)?; // per read: a real client would bound the whole attempt
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
    let mut length = 0;
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
    let mut body = vec![0; length];
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
    let request = Request::new(Method::Post, "/v1/charges")?
        .encoded_params("amount=2000&currency=usd&source=tok_visa")?;

    // The seed gives the key and the jitter: take it from the OS in real code (the adapters use
    // `getrandom`); the clock will do for a demo.
    let seed = Seed::from_u64(SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos() as u64);
    let start = Call::new(request, &config, seed, Instant::now(), SystemTime::now());
    let key = start.0.idempotency_key().ok_or("a POST has a key")?;
    println!("POST /v1/charges, idempotency key {key} (known before sending)");

    // The three closures: the clock, one attempt (with a line of narration), the sleep.
    let mut attempt = 0;
    let narrated_send = |request: http::Request<Bytes>, timeout| {
        attempt += 1;
        let sent = request.headers()["idempotency-key"].clone();
        let result = send(fake.addr(), request, timeout);
        match &result {
            Ok(r) => println!("  attempt {attempt}, key {sent:?}: {}", r.status()),
            Err(e) => println!(
                "  attempt {attempt}, key {sent:?}: {:?}, {}",
                e.kind, e.error
            ),
        }
        result
    };
    let sleep = |wait: Duration| {
        println!("  the core says: sleep {wait:?}, then retry");
        std::thread::sleep(wait);
    };
    let response = drive::run_blocking(start, Instant::now, narrated_send, sleep)?;

    let id = response
        .json()
        .and_then(|v| v["id"].as_str())
        .unwrap_or("?");
    let charges = fake.successful_charges();
    println!(
        "{} {id} after {} attempts; charges made: {charges}",
        response.status, response.attempts
    );
    if !response.is_success() || response.attempts != 2 || charges != 1 {
        return Err("expected one charge after two attempts".into());
    }
    Ok(())
}
