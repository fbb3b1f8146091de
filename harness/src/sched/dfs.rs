//! [`DfsScheduler`]: one branch of an exhaustive depth-first exploration.
//!
//! A run follows `prefix` (candidate indexes) and then always takes the first candidate (the
//! thread that yielded, when it can go on). After the run, [`branches`] lists the untried
//! alternatives at every decision past the prefix: each is the prefix of another run. Every
//! leaf of the decision tree is run exactly once, whatever the order the prefixes are run in,
//! so the exploration parallelises and still gives the same schedule count.

use heddle_runtime::WorkerId;

use super::{Decision, Mismatch, Strategy};

/// One decision of a prefix: the candidates the run that found it saw, and the index to
/// choose among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The candidates, in canonical order.
    pub candidates: Vec<WorkerId>,
    /// The index to choose.
    pub chosen: usize,
}

/// Follows a prefix of choices, then the default.
pub struct DfsScheduler {
    prefix: Vec<Step>,
}

impl DfsScheduler {
    /// A run that starts with `prefix`.
    pub fn new(prefix: Vec<Step>) -> Self {
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
            // The same prefix must meet the same decisions: anything else is
            // nondeterminism in the run (wall-clock time, an unseeded source), and would
            // make the exploration skip or repeat schedules.
            Some(step) if step.candidates == candidates => Ok(step.chosen),
            Some(step) => Err(Mismatch(format!(
                "[nondeterminism] decision {index} offered threads {:?} ({}), but the run this prefix came from offered {:?} there: the spec's runs are not deterministic",
                candidates.iter().map(|c| c.0).collect::<Vec<_>>(),
                names.join(", "),
                step.candidates.iter().map(|c| c.0).collect::<Vec<_>>(),
            ))),
        }
    }
}

/// The bounds an exhaustive exploration keeps to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bounds {
    /// At most this many preemptions per run.
    pub preemptions: Option<u32>,
    /// At most this many clock jumps ahead of runnable threads per run.
    pub time_choices: Option<u32>,
}

/// The prefixes of the runs that branch off a run with `decisions`, past `from` (the length
/// of the run's own prefix), keeping within `bounds`.
pub fn branches(decisions: &[Decision], from: usize, bounds: Bounds) -> Vec<Vec<Step>> {
    let mut out = Vec::new();
    let (mut preempted, mut jumped) = (0u32, 0u32);
    for (d, decision) in decisions.iter().enumerate() {
        if d >= from {
            for alt in 1..decision.candidates.len() {
                let preempts = u32::from(decision.running_first && alt != 0);
                let jumps = u32::from(alt >= decision.first_timed);
                if bounds.preemptions.is_some_and(|b| preempted + preempts > b)
                    || bounds.time_choices.is_some_and(|b| jumped + jumps > b)
                {
                    continue;
                }
                let mut prefix: Vec<Step> = decisions[..d]
                    .iter()
                    .map(|x| Step {
                        candidates: x.candidates.clone(),
                        chosen: x.chosen,
                    })
                    .collect();
                prefix.push(Step {
                    candidates: decision.candidates.clone(),
                    chosen: alt,
                });
                out.push(prefix);
            }
        }
        preempted += u32::from(decision.is_preemption());
        jumped += u32::from(decision.is_time_jump());
    }
    out
}
