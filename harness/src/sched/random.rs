//! [`RandomScheduler`]: uniform choices from a seed.

use heddle_runtime::WorkerId;

use super::{Refusal, Strategy};

/// xorshift64*: small, fast, and the same sequence for the same seed everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Chooses uniformly at every decision.
pub struct RandomScheduler {
    rng: Rng,
}

impl RandomScheduler {
    /// A scheduler for one run, seeded.
    pub fn new(seed: u64) -> Self {
        RandomScheduler {
            rng: Rng::new(seed),
        }
    }
}

impl Strategy for RandomScheduler {
    fn choose(
        &mut self,
        _index: usize,
        candidates: &[WorkerId],
        _names: &[&str],
        _running_first: bool,
    ) -> Result<usize, Refusal> {
        Ok(self.rng.below(candidates.len() as u64) as usize)
    }
}
