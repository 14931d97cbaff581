//! What the durable intent journal costs (see `bench/README.md`, section "Journal"): the fake
//! Stripe as a child process, the charges (plain and journaled), a PostgreSQL database of the
//! bench's own with its statistics, and the medians the ratios are taken from.

pub mod async_workers;
pub mod charge;
pub mod fake;
pub mod pg;

/// The median of `values` (0 when empty); NaNs sort last.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// A unique word for this run (process id and clock), so operation ids never repeat.
pub fn run_tag() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{}x{nanos:x}", std::process::id())
}

/// A file to append to durably: what one durable write costs on a disk, without a database.
pub struct SyncProbe {
    file: std::sync::Mutex<std::fs::File>,
    path: std::path::PathBuf,
}

impl SyncProbe {
    /// Creates `fdatasync-probe` in `dir` (removed when dropped).
    pub fn create(dir: &std::path::Path) -> Result<Self, String> {
        let path = dir.join("fdatasync-probe");
        let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Self {
            file: std::sync::Mutex::new(file),
            path,
        })
    }

    /// Appends 4 KiB and waits for them to be on disk (`fdatasync`).
    pub fn write(&self) -> Result<(), String> {
        use std::io::Write;
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        file.write_all(&[0x5a; 4096])
            .and_then(|()| file.sync_data())
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

impl Drop for SyncProbe {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
