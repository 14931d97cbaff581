//! Helpers of the loopback benchmarks: the canned server as a child process, client CPU time,
//! a measurement record, the plain baselines ([`plain`]), the retry-sleep check ([`sleeps`]).

pub mod plain;
pub mod sleeps;
pub mod timed;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// CPU time (user + system) of this whole process, all threads: the client's, since the
/// server runs in another process.
pub fn cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant the libc knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Wall and CPU time of `n` requests.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measure {
    /// Wall-clock time.
    pub wall: Duration,
    /// Client process CPU time.
    pub cpu: Duration,
    /// Requests made.
    pub n: u64,
}

impl Measure {
    /// Runs `f`, which makes `n` requests, and measures it.
    pub fn run(n: u64, f: impl FnOnce()) -> Self {
        let cpu = cpu_time();
        let t = Instant::now();
        f();
        Self {
            wall: t.elapsed(),
            cpu: cpu_time() - cpu,
            n,
        }
    }
    /// Adds another run.
    pub fn add(&mut self, o: Self) {
        self.wall += o.wall;
        self.cpu += o.cpu;
        self.n += o.n;
    }
    /// Requests per second.
    pub fn rps(&self) -> f64 {
        self.n as f64 / self.wall.as_secs_f64()
    }
    /// CPU microseconds per request.
    pub fn cpu_us(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.n as f64
    }
}

/// The canned server: a child process (ours to kill) or one already running.
pub struct Server {
    child: Option<(Child, ChildStdin)>,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Server {
    /// Starts `canned-server` from the same directory as this executable.
    pub fn spawn() -> Self {
        let exe = std::env::current_exe().expect("current exe");
        let path = exe.with_file_name("canned-server");
        let mut child = Command::new(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("server port line");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("bad server line {line:?}"));
        let stdin = child.stdin.take().expect("stdin");
        Self {
            child: Some((child, stdin)),
            port,
        }
    }

    /// A server already running on `port`.
    pub fn attach(port: u16) -> Self {
        Self { child: None, port }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// (connections accepted, requests served) so far, this query's connection included.
    pub fn stats(&self) -> (u64, u64) {
        let v = self.get_json("/__stats");
        let n = |k: &str| v[k].as_u64().unwrap_or(0);
        (n("connections"), n("requests"))
    }

    /// One GET over a fresh connection, body parsed as JSON.
    pub fn get_json(&self, path: &str) -> serde_json::Value {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to server");
        write!(s, "GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n").expect("write");
        let mut r = BufReader::new(s);
        let mut len = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            r.read_line(&mut line).expect("read");
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some(v) = l.strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).expect("body");
        serde_json::from_slice(&body).expect("json")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some((mut child, stdin)) = self.child.take() {
            drop(stdin);
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Prints a `RATIO <name> <value>` line; the name says what is divided by what
/// (`..._ours_over_plain`: ours divided by the plain baseline).
pub fn ratio(name: &str, value: f64) {
    println!("RATIO {name} {value:.3}");
}
