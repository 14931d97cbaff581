//! A loopback webhook receiver for the tests: it answers 200 to every POST and hands over each
//! delivery's `Stripe-Signature` and body, checked with stripe-core's own implementation.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, SystemTime};

use serde_json::Value;

pub const SECRET: &str = "whsec_test_secret";

/// A receiver answering 200 to every POST; yields (Stripe-Signature, body) per delivery.
pub fn receiver() -> (String, Receiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind receiver");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream);
            let mut signature = String::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    match k.trim().to_ascii_lowercase().as_str() {
                        "stripe-signature" => signature = v.trim().to_owned(),
                        "content-length" => length = v.trim().parse().unwrap_or(0),
                        _ => {}
                    }
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            let _ = reader
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            if tx
                .send((signature, String::from_utf8_lossy(&body).into_owned()))
                .is_err()
            {
                return;
            }
        }
    });
    (url, rx)
}

/// Verifies each delivery's signature with stripe-core's independent implementation.
pub fn verified(rx: &Receiver<(String, String)>, n: usize) -> Vec<Value> {
    (0..n)
        .map(|_| {
            let (signature, body) = rx
                .recv_timeout(Duration::from_secs(10))
                .expect("a delivery within 10 s");
            stripe_core::webhook::verify(
                body.as_bytes(),
                &signature,
                SECRET,
                SystemTime::now(),
                Some(Duration::from_secs(300)),
            )
            .expect("signature verifies")
        })
        .collect()
}
