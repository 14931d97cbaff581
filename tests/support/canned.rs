//! A canned HTTP/1.1 server on loopback for driver tests: one scripted reply per connection,
//! every raw request recorded. Where the fake Stripe models the API, this one models the wire:
//! hangs, stalls mid-body, oversized or malformed answers.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

/// What the server does with one connection.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Write these bytes, then close.
    Send(Vec<u8>),
    /// Read the request, then hold the connection open this long without answering.
    Hang(Duration),
    /// Write these bytes (say, the head and part of the body), then hang as above.
    Stall(Vec<u8>, Duration),
}

impl Reply {
    /// A whole HTTP/1.1 answer with `content-length` and `connection: close`.
    pub fn http(status: u16, headers: &[(&str, &str)], body: &str) -> Self {
        let mut out = format!(
            "HTTP/1.1 {status} Canned\r\ncontent-length: {}\r\nconnection: close\r\n",
            body.len()
        );
        for (name, value) in headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(body);
        Self::Send(out.into_bytes())
    }
}

/// A server answering one connection per [`Reply`], in order, on a background thread.
#[derive(Debug)]
pub struct CannedServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl CannedServer {
    /// Binds 127.0.0.1 on a free port and starts answering.
    pub fn start(replies: Vec<Reply>) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        thread::spawn(move || {
            for reply in replies {
                let Ok((mut stream, _)) = listener.accept() else {
                    return;
                };
                let raw = read_request(&mut stream);
                seen.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(raw);
                let (bytes, hold) = match reply {
                    Reply::Send(bytes) => (bytes, Duration::ZERO),
                    Reply::Hang(d) => (Vec::new(), d),
                    Reply::Stall(bytes, d) => (bytes, d),
                };
                let _ = stream.write_all(&bytes);
                let _ = stream.flush();
                thread::sleep(hold);
            }
        });
        Ok(Self { addr, requests })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every raw request received so far (head and body), in order.
    pub fn requests(&self) -> Vec<String> {
        let raw = self.raw_requests();
        raw.iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect()
    }

    /// Every raw request received so far, byte for byte.
    pub fn raw_requests(&self) -> Vec<Vec<u8>> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The value of header `name` in a raw request (names compared case-insensitively).
pub fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// An address nothing listens on (bound, then released): connecting is refused.
pub fn dead_port() -> std::io::Result<SocketAddr> {
    TcpListener::bind("127.0.0.1:0")?.local_addr()
}

fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                break;
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    data
}
