//! What the fake benches share: a fake Stripe binary run as a child process, and a few lines
//! of HTTP/1.1 over `std::net` to drive it on one keep-alive connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Any failure of a bench: it stops the run.
pub type Error = Box<dyn std::error::Error>;

const SECRET: &str = "sk_test_bench_fake";

/// One running fake and a keep-alive connection to it.
pub struct Fake {
    name: &'static str,
    child: Child,
    conn: BufReader<TcpStream>,
    keys: u64,
}

impl Fake {
    /// Starts `bin` (`--port 0 --seed 1`) and connects to it.
    pub fn start(name: &'static str, bin: &str) -> Result<Self, Error> {
        let mut child = Command::new(bin)
            .args(["--port", "0", "--seed", "1"])
            .stdout(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .ok_or_else(|| format!("{name}: unexpected first line {line:?}"))?
            .to_owned();
        let stream = TcpStream::connect(&addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            name,
            child,
            conn: BufReader::new(stream),
            keys: 0,
        })
    }

    /// One request; the body of a 200 answer (anything else is an error).
    pub fn call(&mut self, method: &str, path: &str, body: &str) -> Result<String, Error> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nhost: fake\r\nauthorization: Bearer {SECRET}\r\ncontent-length: {}\r\n",
            body.len()
        );
        if method == "POST" {
            self.keys += 1;
            head.push_str(&format!(
                "content-type: application/x-www-form-urlencoded\r\nidempotency-key: bench-{}\r\n",
                self.keys
            ));
        }
        head.push_str("\r\n");
        let stream = self.conn.get_mut();
        stream.write_all(head.as_bytes())?;
        stream.write_all(body.as_bytes())?;
        let mut status = String::new();
        self.conn.read_line(&mut status)?;
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            self.conn.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse()?;
            }
        }
        let mut body = vec![0; length];
        self.conn.read_exact(&mut body)?;
        let body = String::from_utf8(body)?;
        if !status.starts_with("HTTP/1.1 200") {
            return Err(format!("{}: {method} {path}: {status} {body}", self.name).into());
        }
        Ok(body)
    }

    /// User plus system CPU time of the fake process so far.
    pub fn cpu(&self) -> Result<Duration, Error> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .ok_or("unreadable stat")?
            .1
            .split_whitespace()
            .collect();
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; in
        // USER_HZ, which Linux fixes at 100 for /proc.
        let ticks: u64 = fields.get(11).ok_or("no utime")?.parse::<u64>()?
            + fields.get(12).ok_or("no stime")?.parse::<u64>()?;
        Ok(Duration::from_millis(ticks * 10))
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The id with this prefix in a JSON answer (`"id":"pi_...`).
pub fn id(body: &str, prefix: &str) -> Result<String, Error> {
    let key = format!("\"id\":\"{prefix}");
    let at = body.find(&key).ok_or_else(|| format!("no {prefix} id in {body}"))? + 6;
    let end = body[at..].find('"').ok_or("unterminated id")? + at;
    Ok(body[at..end].to_owned())
}

