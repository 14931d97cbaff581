//! Deterministic identifiers derived from a seed and a counter (no global RNG), and the one
//! random seed the server draws when none is given.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// A fresh random seed: standard library's `RandomState` (keyed from the operating system's
/// randomness) mixed with the wall clock and the process id, so that two processes, or two
/// servers of one process, draw different seeds. The model never calls this: it takes its seed.
pub(crate) fn random_seed() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    splitmix64(hasher.finish())
}

/// One step of SplitMix64: a small, well-mixed, stateless generator.
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in `[0, 1)` drawn from `seed` and `counter`.
pub(crate) fn unit(seed: u64, counter: u64) -> f64 {
    let bits = splitmix64(seed ^ splitmix64(counter)) >> 11;
    // 53 significant bits: exact conversion to f64.
    #[allow(clippy::cast_precision_loss)]
    let value = bits as f64 / (1u64 << 53) as f64;
    value
}

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Generates Stripe-looking identifiers (`ch_3Mq...`) from a seed and a counter.
#[derive(Debug, Clone)]
pub(crate) struct IdGen {
    seed: u64,
    counter: u64,
}

impl IdGen {
    pub(crate) fn new(seed: u64) -> Self {
        Self { seed, counter: 0 }
    }

    /// The next identifier with `prefix` (e.g. `"ch_"`): 24 base-62 characters.
    pub(crate) fn next(&mut self, prefix: &str) -> String {
        self.counter = self.counter.wrapping_add(1);
        let mut out = String::with_capacity(prefix.len() + 24);
        out.push_str(prefix);
        let mut state = splitmix64(self.seed ^ splitmix64(self.counter));
        for i in 0..24u64 {
            if i == 12 {
                state = splitmix64(state ^ self.counter);
            }
            let idx = usize::try_from(state % 62).unwrap_or(0);
            state /= 62;
            out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'0')));
        }
        out
    }
}
