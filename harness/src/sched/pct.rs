//! [`PctScheduler`]: probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010).
//!
//! Each thread gets a random priority when first seen; the highest-priority runnable thread
//! runs. At `depth - 1` random decisions the thread about to run has its priority dropped
//! below every initial one. A bug that needs `depth` ordering constraints is found with
//! probability at least 1/(n·k^(depth-1)) per run.

use std::collections::BTreeMap;

use heddle_runtime::WorkerId;

use super::random::Rng;
use super::{Refusal, Strategy};

/// PCT for one run.
pub struct PctScheduler {
    rng: Rng,
    priorities: BTreeMap<WorkerId, u64>,
    /// Decision indexes at which to drop a priority, with the priority to drop to.
    changes: BTreeMap<usize, u64>,
    depth: u64,
}

/// PCT settings.
#[derive(Debug, Clone, Copy)]
pub struct PctConfig {
    /// The seed of this run.
    pub seed: u64,
    /// The bug depth (≥ 1).
    pub depth: u32,
    /// An estimate of the number of decisions in a run.
    pub decisions: usize,
}

impl PctScheduler {
    /// A scheduler for one run.
    pub fn new(config: PctConfig) -> Self {
        let mut rng = Rng::new(config.seed);
        let depth = u64::from(config.depth.max(1));
        let k = config.decisions.max(1) as u64;
        let changes = (1..depth)
            .map(|j| (rng.below(k) as usize, depth - j))
            .collect();
        PctScheduler {
            rng,
            priorities: BTreeMap::new(),
            changes,
            depth,
        }
    }
}

impl Strategy for PctScheduler {
    fn choose(
        &mut self,
        index: usize,
        candidates: &[WorkerId],
        _names: &[&str],
        _running_first: bool,
    ) -> Result<usize, Refusal> {
        for c in candidates {
            if !self.priorities.contains_key(c) {
                let p = self.depth + self.rng.below(1 << 32);
                self.priorities.insert(*c, p);
            }
        }
        let best = |me: &Self| {
            (0..candidates.len())
                .max_by_key(|&i| {
                    (
                        me.priorities[&candidates[i]],
                        std::cmp::Reverse(candidates[i]),
                    )
                })
                .expect("candidates is not empty")
        };
        let mut i = best(self);
        if let Some(low) = self.changes.get(&index) {
            self.priorities.insert(candidates[i], *low);
            i = best(self);
        }
        Ok(i)
    }
}
