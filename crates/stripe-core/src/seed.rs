//! Caller-supplied randomness: one seed, one deterministic stream for jitter and keys.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// 32 bytes of randomness from the caller. A client shell fills one from the OS per client
/// (its [`Session`](crate::Session) draws each call's seed from it); tests fix it.
///
/// The same seed and the same inputs give the same trace, byte for byte.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Seed([u8; 32]);

impl Seed {
    /// A seed from 32 bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A seed spread from a `u64`, handy in tests and property tests.
    pub fn from_u64(n: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(n);
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }
}

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seed(")?;
        for b in &self.0[..4] {
            write!(f, "{b:02x}")?;
        }
        f.write_str("..)")
    }
}

/// The one random stream of a call. ChaCha8 is portable: the same seed gives the same
/// numbers on every platform and every release of this crate.
#[derive(Debug, Clone)]
pub(crate) struct Random(ChaCha8Rng);

impl Random {
    pub(crate) fn new(seed: Seed) -> Self {
        Self(ChaCha8Rng::from_seed(seed.0))
    }

    /// A uniform float in `[0, 1)` with 53 bits of precision.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn fill(&mut self, out: &mut [u8]) {
        self.0.fill_bytes(out);
    }

    /// The seed of the next call of a session.
    pub(crate) fn next_seed(&mut self) -> Seed {
        let mut bytes = [0u8; 32];
        self.0.fill_bytes(&mut bytes);
        Seed(bytes)
    }
}
