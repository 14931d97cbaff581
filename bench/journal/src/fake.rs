//! The fake Stripe as a child process (`journal-fake`, beside the bench's own executable), so
//! its CPU is not the bench's; killed when dropped. `bench/files` starts its own
//! (`files-fake`) with this file too.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running `journal-fake`.
pub struct FakeChild {
    child: Child,
    base_url: String,
}

impl FakeChild {
    /// Starts `journal-fake` from the directory of the running executable and reads its
    /// `listening on http://...` line.
    pub fn start() -> Result<Self, String> {
        Self::start_named("journal-fake")
    }

    /// Starts the executable `name` from the directory of the running executable and reads its
    /// `listening on http://...` line.
    pub fn start_named(name: &str) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
        let dir = exe
            .parent()
            .ok_or_else(|| "own executable has no directory".to_owned())?;
        let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
        let mut child = Command::new(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", path.display()))?;
        let mut line = String::new();
        let read = child
            .stdout
            .take()
            .map(|out| BufReader::new(out).read_line(&mut line));
        let base_url = match (read, line.trim().strip_prefix("listening on ")) {
            (Some(Ok(_)), Some(url)) => url.to_owned(),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{name} said {:?}", line.trim()));
            }
        };
        Ok(Self { child, base_url })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl Drop for FakeChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
