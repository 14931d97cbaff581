//! The one place randomness comes from the OS: a client's seed (once per client, never per
//! call), and the bytes other crates of the workspace need (the journal's keys and owner
//! names).

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use stripe_core::Seed;

/// Fills `out` from the OS. Should the OS fail, std's per-process random hasher keys mixed with
/// the time and a counter stand in (keys also carry the time, so they stay distinct).
pub fn fill_from_os(out: &mut [u8]) {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    if getrandom::fill(out).is_ok() {
        return;
    }
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    for chunk in out.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u32(std::process::id());
        chunk.copy_from_slice(&h.finish().to_le_bytes()[..chunk.len()]);
    }
}

/// 32 bytes from the OS: a client's seed.
pub(crate) fn os_seed() -> Seed {
    let mut bytes = [0u8; 32];
    fill_from_os(&mut bytes);
    Seed::from_bytes(bytes)
}
