//! [`DfsScheduler`]: one branch of an exhaustive depth-first exploration.
//!
//! A run follows `prefix` (candidate indexes) and then always takes the first candidate (the
//! thread that yielded, when it can go on). After the run, [`branches`] lists the untried
//! alternatives at every decision past the prefix: each is the prefix of another run. Every
//! leaf of the decision tree is run exactly once, whatever the order the prefixes are run in,
//! so the exploration parallelises and still gives the same schedule count.

use heddle_runtime::WorkerId;

use std::collections::BTreeMap;

use super::footprint::{may_depend, Footprint, Unit};
use super::{Decision, Refusal, Strategy};

/// One decision of a prefix: the candidates the run that found it saw, and the index to
/// choose among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The candidates, in canonical order.
    pub candidates: Vec<WorkerId>,
    /// The index to choose.
    pub chosen: usize,
}

/// A thread asleep (sleep sets, Godefroid 1996): its next unit, with this footprint, was
/// explored from an earlier point of this run's path, and stays redundant until a unit
/// it depends on runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sleeper {
    /// The thread.
    pub thread: String,
    /// Its next unit's footprint.
    pub footprint: Footprint,
}

/// The sleep set at each decision past a run's prefix, as the run met them.
pub type SleepLog = std::sync::Arc<std::sync::Mutex<BTreeMap<usize, Vec<Sleeper>>>>;

/// Follows a prefix of choices, then the default.
pub struct DfsScheduler {
    prefix: Vec<Step>,
    /// Asleep once the prefix's last choice is made.
    sleep: Vec<Sleeper>,
    /// The prefix's last choice was made: `sleep` applies.
    branched: bool,
    log: Option<SleepLog>,
}

impl DfsScheduler {
    /// A run that starts with `prefix`.
    pub fn new(prefix: Vec<Step>) -> Self {
        DfsScheduler {
            prefix,
            sleep: Vec::new(),
            branched: false,
            log: None,
        }
    }

    /// A run that starts with `prefix`, with `sleep` asleep after its last choice; the
    /// sleep set at every later decision goes to `log`. Past the prefix it never chooses
    /// a sleeping thread, and ends the run as redundant when every candidate sleeps.
    pub fn with_sleep(prefix: Vec<Step>, sleep: Vec<Sleeper>, log: SleepLog) -> Self {
        DfsScheduler {
            branched: prefix.is_empty(),
            prefix,
            sleep,
            log: Some(log),
        }
    }
}

impl Strategy for DfsScheduler {
    fn choose(
        &mut self,
        index: usize,
        candidates: &[WorkerId],
        names: &[&str],
        _running_first: bool,
    ) -> Result<usize, Refusal> {
        if index + 1 == self.prefix.len() {
            self.branched = true; // the sleep set applies from the unit chosen now
        }
        match self.prefix.get(index) {
            None => {
                if let Some(log) = &self.log {
                    log.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(index, self.sleep.clone());
                }
                names
                    .iter()
                    .position(|n| !self.sleep.iter().any(|s| s.thread == *n))
                    .ok_or(Refusal::Asleep)
            }
            // The same prefix must meet the same decisions: anything else is
            // nondeterminism in the run (wall-clock time, an unseeded source), and would
            // make the exploration skip or repeat schedules.
                        Some(step) if step.candidates == candidates => Ok(step.chosen),
            Some(step) => Err(Refusal::Mismatch(format!(
                "[nondeterminism] decision {index} offered threads {:?} ({}), but the run this prefix came from offered {:?} there: the spec's runs are not deterministic",
                candidates.iter().map(|c| c.0).collect::<Vec<_>>(),
                names.join(", "),
                step.candidates.iter().map(|c| c.0).collect::<Vec<_>>(),
            ))),
        }
    }

    fn unit_done(&mut self, unit: &Unit) {
        self.wake(unit);
    }
}

impl DfsScheduler {
    /// Wakes the sleepers that `unit`, which just ended, may depend on.
    fn wake(&mut self, unit: &Unit) {
        if self.branched {
            self.sleep
                .retain(|s| s.thread != unit.thread && !may_depend(unit, &s.thread, &s.footprint));
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
