//! Helpers shared by the integration tests: request builders for the model and a tiny
//! hand-written HTTP/1.1 client over `std::net::TcpStream`.
#![allow(dead_code)]

pub mod billing;
pub mod checkout;
pub mod hooks;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Request, Response};
use serde_json::Value;

/// The test secret key.
pub const SECRET: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

/// The seed the tests' servers are pinned to (a server's default seed is random).
pub const SEED: u64 = 0x5EED;

/// A server with the pinned seed and otherwise default options.
pub fn start() -> stripe_fake::ServerHandle {
    stripe_fake::server::start_with(pinned()).expect("the fake starts")
}

/// Default server options with the pinned seed.
pub fn pinned() -> stripe_fake::ServerOptions {
    stripe_fake::ServerOptions {
        seed: SEED,
        ..stripe_fake::ServerOptions::default()
    }
}

/// The fixed model clock [`t0`], in Unix seconds.
pub const T0_SECS: i64 = 1_700_000_000;

/// A fixed model clock.
pub fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0_SECS.unsigned_abs())
}

/// A request with Bearer auth.
pub fn request(method: &str, path: &str, body: &str, key: Option<&str>) -> Request<Bytes> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {SECRET}"));
    if method == "POST" {
        builder = builder.header("content-type", "application/x-www-form-urlencoded");
    }
    if let Some(key) = key {
        builder = builder.header("idempotency-key", key);
    }
    builder
        .body(Bytes::from(body.to_owned()))
        .expect("valid test request")
}

/// An API v2 request with Bearer auth: a JSON body when given, an optional key.
pub fn v2(method: &str, path: &str, body: Option<Value>, key: Option<&str>) -> Request<Bytes> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {SECRET}"));
    if body.is_some() {
        builder = builder.header("content-type", "application/json");
    }
    if let Some(key) = key {
        builder = builder.header("idempotency-key", key);
    }
    let body = body.map_or_else(String::new, |b| b.to_string());
    builder.body(Bytes::from(body)).expect("valid test request")
}

/// The boundary of [`upload`]'s bodies.
pub const BOUNDARY: &str = "test-boundary-7MA4YWxkTrZu0gW";

/// A `multipart/form-data` body: the text parts, then the file part (its name, its content
/// type, its bytes) if any, as an HTML form or an official SDK writes them.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((filename, content_type, bytes)) = file {
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// `POST /v1/files` with a [`multipart`] body, under `key` if given.
pub fn upload(body: Vec<u8>, key: Option<&str>) -> Request<Bytes> {
    let mut builder = Request::builder()
        .method("POST")
        .uri("/v1/files")
        .header("authorization", format!("Bearer {SECRET}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
    if let Some(key) = key {
        builder = builder.header("idempotency-key", key);
    }
    builder.body(Bytes::from(body)).expect("valid test upload")
}

/// `POST path` with a form body and no idempotency key.
pub fn post(path: &str, body: &str) -> Request<Bytes> {
    request("POST", path, body, None)
}

/// `POST path` with a form body and an idempotency key.
pub fn post_key(path: &str, body: &str, key: &str) -> Request<Bytes> {
    request("POST", path, body, Some(key))
}

/// `GET path` (query string included in `path`).
pub fn get(path: &str) -> Request<Bytes> {
    request("GET", path, "", None)
}

/// `DELETE path`.
pub fn delete(path: &str) -> Request<Bytes> {
    request("DELETE", path, "", None)
}

/// The model's 200 answer to a request at [`t0`], as JSON (any other status fails the test).
pub fn ok(model: &mut stripe_fake::Model, req: &Request<Bytes>) -> Value {
    let resp = model.handle(req, t0());
    assert_eq!(resp.status(), 200, "{:?}", resp.body());
    json(&resp)
}

/// The JSON body of a model response.
pub fn json(resp: &Response<Bytes>) -> Value {
    serde_json::from_slice(resp.body()).expect("JSON body")
}

/// A header of a model response as text.
pub fn header<'a>(resp: &'a Response<Bytes>, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A response read off the wire.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

/// One keep-alive connection to the server.
pub struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    /// Connects to `base_url` (`http://127.0.0.1:PORT`).
    pub fn open(base_url: &str) -> Self {
        let addr = base_url.trim_start_matches("http://");
        let stream = TcpStream::connect(addr).expect("connect to the fake");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("set timeout");
        Self {
            reader: BufReader::new(stream),
        }
    }

    /// Sends a request with Bearer auth and extra headers.
    pub fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) {
        let mut text = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {SECRET}\r\nContent-Length: {}\r\n",
            body.len()
        );
        if method == "POST" {
            text.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        for (name, value) in headers {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str("\r\n");
        text.push_str(body);
        self.reader
            .get_mut()
            .write_all(text.as_bytes())
            .expect("write request");
    }

    /// Reads one response; `Ok(None)` when the server closed the connection without one.
    pub fn read(&mut self) -> io::Result<Option<RawResponse>> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(None),
            Err(e) => return Err(e),
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(Some(RawResponse {
            status,
            headers,
            body: String::from_utf8(body).expect("UTF-8 body"),
        }))
    }

    /// Sends and reads one response.
    pub fn call(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Option<RawResponse> {
        self.send(method, path, headers, body);
        self.read().expect("read response")
    }
}

/// One request on a fresh connection.
pub fn call(
    base_url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<RawResponse> {
    Conn::open(base_url).call(method, path, headers, body)
}

/// The Python interpreter with the official SDK (`STRIPE_TEST_PYTHON`, set by
/// `bash .ci/install-tools && source target/ci-tools/env`); without it a test says SKIPPED and
/// passes, except under `CI`, where it fails.
pub fn python() -> Option<String> {
    if let Some(p) = std::env::var_os("STRIPE_TEST_PYTHON") {
        return Some(p.to_string_lossy().into_owned());
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but STRIPE_TEST_PYTHON is not: CI must run `bash .ci/install-tools` and \
         `source target/ci-tools/env` before the tests"
    );
    let _ = writeln!(
        io::stderr(),
        "\n*** SKIPPED: STRIPE_TEST_PYTHON not set (run `bash .ci/install-tools && source \
         target/ci-tools/env` to run the official Python SDK against the fake) ***\n"
    );
    None
}

/// Runs `tests/<script>` with the official SDK's interpreter and `args`: its output once it
/// succeeded, `None` when there is no interpreter (see [`python`]); a failed run fails the test
/// with what it printed.
pub fn run_python(script: &str, args: &[&str]) -> Option<String> {
    let python = python()?;
    let path = format!("{}/tests/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(&python)
        .arg(&path)
        .args(args)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script} failed:\n{stdout}\n{stderr}");
    println!("{}", stdout.trim());
    Some(stdout)
}
