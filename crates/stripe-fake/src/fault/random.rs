//! Seeded random faults: each request draws one fault (or none) deterministically.

use super::Fault;
use crate::ids;

/// A seeded random fault mode: the n-th request drawn gets a fault picked from `(fault,
/// probability)` pairs by a number derived from the seed and n only.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomFaults {
    seed: u64,
    draws: u64,
    faults: Vec<(Fault, f64)>,
}

impl RandomFaults {
    /// No faults yet; add them with [`RandomFaults::with`].
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            draws: 0,
            faults: Vec::new(),
        }
    }

    /// Adds a fault drawn with this probability (clamped to `[0, 1]`; the probabilities are
    /// tried in order against one uniform draw, so their sum should not exceed 1).
    #[must_use]
    pub fn with(mut self, fault: Fault, probability: f64) -> Self {
        let p = if probability.is_nan() {
            0.0
        } else {
            probability.clamp(0.0, 1.0)
        };
        self.faults.push((fault, p));
        self
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The faults and their probabilities.
    pub fn faults(&self) -> &[(Fault, f64)] {
        &self.faults
    }

    /// Draws the fault of the next request.
    pub fn draw(&mut self) -> Option<Fault> {
        let u = ids::unit(self.seed, self.draws);
        self.draws = self.draws.wrapping_add(1);
        let mut cumulative = 0.0;
        for (fault, p) in &self.faults {
            cumulative += p;
            if u < cumulative {
                return Some(fault.clone());
            }
        }
        None
    }
}
