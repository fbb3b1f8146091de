//! [`DfsScheduler`]: one branch of an exhaustive depth-first exploration.
//!
//! A run follows `prefix` (candidate indexes) and then always takes the first candidate (the
//! thread that yielded, when it can go on). After the run, [`branches`] lists the untried
//! alternatives at every decision past the prefix: each is the prefix of another run. Every
//! leaf of the decision tree is run exactly once, whatever the order the prefixes are run in,
//! so the exploration parallelises and still gives the same schedule count.

use heddle_runtime::WorkerId;

use super::{Decision, Mismatch, Strategy};

/// Follows a prefix of choices, then the default.
pub struct DfsScheduler {
    prefix: Vec<usize>,
}

impl DfsScheduler {
    /// A run that starts with `prefix`.
    pub fn new(prefix: Vec<usize>) -> Self {
        DfsScheduler { prefix }
    }
}

impl Strategy for DfsScheduler {
    fn choose(
        &mut self,
        index: usize,
        candidates: &[WorkerId],
        names: &[&str],
        _running_first: bool,
    ) -> Result<usize, Mismatch> {
        match self.prefix.get(index) {
            None => Ok(0),
            Some(&i) if i < candidates.len() => Ok(i),
            Some(&i) => Err(Mismatch(format!(
                "exploration is not deterministic: decision {index} had {} candidates ({}), the prefix wants #{i}",
                candidates.len(),
                names.join(", ")
            ))),
        }
    }
}

/// The prefixes of the runs that branch off a run with `decisions`, past `from` (the length
/// of the run's own prefix), keeping within `preemptions` preemptions if bounded.
pub fn branches(decisions: &[Decision], from: usize, preemptions: Option<u32>) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut used = 0u32;
    for (d, decision) in decisions.iter().enumerate() {
        if d >= from {
            for alt in 1..decision.candidates.len() {
                let preempts = decision.running_first && alt != 0;
                if preemptions.is_some_and(|b| used + u32::from(preempts) > b) {
                    continue;
                }
                let mut prefix: Vec<usize> = decisions[..d].iter().map(|x| x.chosen).collect();
                prefix.push(alt);
                out.push(prefix);
            }
        }
        used += u32::from(decision.is_preemption());
    }
    out
}
