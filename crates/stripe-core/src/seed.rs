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

/// The random stream of a call, kept as its seed and a position in the stream rather than as
/// a generator: a call is moved (into futures, between the shell's steps) far more often than
/// it draws (a key, once per POST; a jitter, once per retry), and a ChaCha8 generator with its
/// buffer is 300 bytes. Each draw rebuilds the generator at the position: the numbers are those
/// of one continuous ChaCha8 stream from the seed, portable across platforms and releases.
#[derive(Debug, Clone)]
pub(crate) struct Random {
    seed: [u8; 32],
    /// Words of the stream already drawn.
    words: u64,
}

impl Random {
    pub(crate) fn new(seed: Seed) -> Self {
        Self {
            seed: seed.0,
            words: 0,
        }
    }

    fn draw<T>(&mut self, f: impl FnOnce(&mut ChaCha8Rng) -> T) -> T {
        let mut rng = ChaCha8Rng::from_seed(self.seed);
        rng.set_word_pos(u128::from(self.words));
        let out = f(&mut rng);
        // A call draws a few dozen words at most; the stream holds 2^68.
        self.words = u64::try_from(rng.get_word_pos()).unwrap_or(u64::MAX);
        out
    }

    /// A uniform float in `[0, 1)` with 53 bits of precision.
    pub(crate) fn unit(&mut self) -> f64 {
        let n = self.draw(|rng| rng.next_u64());
        (n >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn fill(&mut self, out: &mut [u8]) {
        self.draw(|rng| rng.fill_bytes(out));
    }
}

/// The seed stream of a session: one generator, kept whole, since it draws once per call.
#[derive(Debug, Clone)]
pub(crate) struct SeedStream(ChaCha8Rng);

impl SeedStream {
    pub(crate) fn new(seed: Seed) -> Self {
        Self(ChaCha8Rng::from_seed(seed.0))
    }

    /// The seed of the next call of a session.
    pub(crate) fn next_seed(&mut self) -> Seed {
        let mut bytes = [0u8; 32];
        self.0.fill_bytes(&mut bytes);
        Seed(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The call's stream, rebuilt at each draw, gives the numbers of one continuous stream.
    #[test]
    fn a_rebuilt_stream_continues_the_one_stream() {
        for n in 0..64u64 {
            let seed = Seed::from_u64(n);
            let mut whole = ChaCha8Rng::from_seed(seed.0);
            let mut ours = Random::new(seed);
            for i in 0..40usize {
                // Mixed draw sizes, odd ones included, across block boundaries.
                if (i + n as usize).is_multiple_of(3) {
                    let mut a = vec![0u8; 1 + (i * 7 + n as usize) % 70];
                    let mut b = a.clone();
                    whole.fill_bytes(&mut a);
                    ours.fill(&mut b);
                    assert_eq!(a, b, "seed {n}, draw {i}");
                } else {
                    let a = (whole.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                    assert_eq!(a.to_bits(), ours.unit().to_bits(), "seed {n}, draw {i}");
                }
            }
        }
    }
}
