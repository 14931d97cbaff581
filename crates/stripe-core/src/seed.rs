//! Caller-supplied randomness: one seed, one deterministic stream for jitter and keys.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// 32 bytes of randomness from the caller. A client shell fills one from the OS per client
/// (its [`Session`](crate::Session) gives each call its own stream of it); tests fix it.
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

/// The random stream of a call: ChaCha8 keyed by the session's seed, on the call's own stream
/// (the session numbers its calls), kept as key, stream and position rather than as a
/// generator. No randomness is drawn to start a call, and the call stays small: it is moved
/// (into futures, between the shell's steps) far more often than it draws (a key, once per
/// POST; a jitter, once per retry), while a generator with its buffer is 300 bytes. Each draw
/// rebuilds the generator at the position, so the numbers are those of one continuous stream,
/// portable across platforms and releases.
#[derive(Debug, Clone)]
pub(crate) struct Random {
    seed: [u8; 32],
    stream: u64,
    /// Words of the stream already drawn.
    words: u64,
}

impl Random {
    /// Stream `stream` of `seed`: the `stream`-th call of a session seeded with `seed`.
    pub(crate) fn new(seed: Seed, stream: u64) -> Self {
        Self {
            seed: seed.0,
            stream,
            words: 0,
        }
    }

    fn draw<T>(&mut self, f: impl FnOnce(&mut ChaCha8Rng) -> T) -> T {
        let mut rng = ChaCha8Rng::from_seed(self.seed);
        rng.set_stream(self.stream);
        rng.set_word_pos(u128::from(self.words));
        let out = f(&mut rng);
        // A call draws a few dozen words at most; a stream holds 2^68.
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The call's stream, rebuilt at each draw, gives the numbers of one continuous stream.
    #[test]
    fn a_rebuilt_stream_continues_the_one_stream() {
        for n in 0..64u64 {
            let seed = Seed::from_u64(n);
            let mut whole = ChaCha8Rng::from_seed(seed.0);
            whole.set_stream(n * 1_000_003);
            let mut ours = Random::new(seed, n * 1_000_003);
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

    /// Calls of one session draw different numbers; the same call of the same seed, the same.
    #[test]
    fn each_call_has_its_own_stream() {
        let key = |seed: u64, stream: u64| {
            let mut r = Random::new(Seed::from_u64(seed), stream);
            let mut b = [0u8; 16];
            r.fill(&mut b);
            b
        };
        assert_eq!(key(1, 3), key(1, 3));
        let calls: std::collections::HashSet<_> = (0..1000).map(|n| key(1, n)).collect();
        assert_eq!(calls.len(), 1000);
        assert_ne!(key(1, 0), key(2, 0));
    }
}
