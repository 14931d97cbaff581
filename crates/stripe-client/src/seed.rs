//! The one place a seed comes from the OS: once per client, never per call.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use stripe_core::Seed;

/// 32 bytes from the OS. Should the OS fail, std's per-process random hasher keys mixed with
/// the time and a counter stand in (keys also carry the time, so they stay distinct).
pub(crate) fn os_seed() -> Seed {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        for chunk in bytes.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(nanos);
            h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    Seed::from_bytes(bytes)
}
