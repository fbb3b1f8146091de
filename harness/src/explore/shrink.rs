//! Shrinking a failing run: the smallest schedule that still fails the same way.
//!
//! A failing run is found with whatever schedule the strategy happened to take: a random
//! run forces every one of its decisions, many of them preemptions that have nothing to do
//! with the bug. Before it is reported, the schedule is reduced by re-running the spec
//! with fewer forced choices, keeping a candidate only when its run *fails the same way*
//! ([`Signature`]: the same kind of end and the same first finding, up to numbers).
//!
//! A schedule here is the list of forced choices; past its end the fixed strategy
//! continues the thread that yielded (never a preemption). Three passes, repeated until
//! none helps or the budget of runs is spent:
//!
//! 1. **Delta debugging** (Zeller's ddmin) over the forced choices: drop chunks, halving
//!    their size when no chunk can go.
//! 2. **Fewer preemptions**: each preempting choice in turn is replaced by continuing the
//!    thread that yielded.
//! 3. **Trimming**: trailing choices that are the default anyway are dropped.
//!
//! While shrinking, a forced name that is not runnable at its decision falls back to the
//! default choice (a removed choice shifts the later ones), so most candidates run to an
//! end. What is kept is always the *run's own* choices, so the minimal schedule string
//! replays exactly under the strict fixed strategy, and a last replay confirms it.

use crate::check::{self, Finding};
use crate::exec::{self, RunResult, RunSetup};
use crate::plan::Plan;
use crate::sched::fixed::{schedule_string, FixedScheduler};
use crate::sched::Strategy;

/// How long a failing run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lengths {
    /// Decisions the run took (forced or not).
    pub decisions: usize,
    /// Choices its schedule string forces (the rest are defaults).
    pub forced: usize,
    /// Choices that preempted a thread that could have gone on.
    pub preemptions: usize,
    /// Choices that moved the clock ahead of runnable threads.
    pub time_jumps: usize,
}

impl Lengths {
    fn of(run: &RunResult) -> Self {
        Lengths {
            decisions: run.decisions.len(),
            forced: forced(run).len(),
            preemptions: run.decisions.iter().filter(|d| d.is_preemption()).count(),
            time_jumps: run.decisions.iter().filter(|d| d.is_time_jump()).count(),
        }
    }
}

impl std::fmt::Display for Lengths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} decisions, {} forced, {} preemptions, {} time jumps",
            self.decisions, self.forced, self.preemptions, self.time_jumps
        )
    }
}

/// What shrinking did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shrunk {
    /// The schedule string of the run first found.
    pub original: String,
    /// Its lengths.
    pub before: Lengths,
    /// The minimal run's.
    pub after: Lengths,
    /// Runs spent shrinking.
    pub runs: u64,
}

/// The most runs shrinking may take.
pub const BUDGET: u64 = 400;

/// How a run failed, for telling "the same way": the end's kind and the first finding,
/// with every number blanked (the values a run got may differ; what failed may not).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Signature {
    end: &'static str,
    first: String,
}

fn signature(run: &RunResult, findings: &[Finding]) -> Option<Signature> {
    let first = findings.first()?;
    let mut shape = String::with_capacity(first.message.len());
    let mut in_number = false;
    for c in first.message.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                shape.push('#');
            }
            in_number = true;
        } else {
            in_number = false;
            shape.push(c);
        }
    }
    Some(Signature {
        end: run.end.kind(),
        first: shape,
    })
}

/// The run's choices, without the trailing ones that are the default anyway.
fn forced(run: &RunResult) -> Vec<String> {
    let keep = run
        .decisions
        .iter()
        .rposition(|d| d.chosen != 0)
        .map_or(0, |i| i + 1);
    (0..keep)
        .map(|i| {
            run.candidate_names
                .get(i)
                .and_then(|names| names.get(run.decisions[i].chosen))
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

/// The minimal failing run: what shrinking did, the run, its findings and its schedule
/// string (the forced choices only).
pub struct Minimal {
    /// What shrinking did.
    pub shrunk: Shrunk,
    /// The minimal run.
    pub run: RunResult,
    /// Its findings.
    pub findings: Vec<Finding>,
    /// Its schedule string: the forced choices only, which replay it exactly.
    pub schedule: String,
}

/// Shrinks the failing run of `schedule` (the string it was reported with); `setup` makes
/// a run's setup from a strategy. `None` when the schedule does not replay to a failure
/// (nothing to shrink), or when no smaller schedule fails the same way.
pub fn shrink<'a>(
    plan: &Plan,
    schedule: &str,
    setup: &dyn Fn(Box<dyn Strategy>) -> RunSetup<'a>,
) -> Option<Minimal> {
    let schedule = crate::sched::fixed::parse_schedule(schedule).ok()?;
    let first = exec::run(plan, setup(Box::new(FixedScheduler::new(schedule))));
    let target = signature(&first, &check::check_run(plan, &first))?;
    let before = Lengths::of(&first);
    let mut runs = 1u64;
    let mut best = forced(&first);
    let mut best_len = before;
    // Runs `choices` leniently; the run's own choices if it fails the same way.
    let attempt = |choices: Vec<String>, runs: &mut u64| -> Option<(Vec<String>, Lengths)> {
        if *runs >= BUDGET {
            return None;
        }
        *runs += 1;
        let run = exec::run(plan, setup(Box::new(FixedScheduler::lenient(choices))));
        let findings = check::check_run(plan, &run);
        (signature(&run, &findings)? == target).then(|| (forced(&run), Lengths::of(&run)))
    };
    // Smaller is: fewer preemptions, then fewer forced choices, then fewer decisions.
    let smaller = |a: &Lengths, b: &Lengths| {
        (a.preemptions, a.forced, a.decisions) < (b.preemptions, b.forced, b.decisions)
    };
    loop {
        let start = best_len;
        // 1. ddmin over the forced choices.
        let mut chunks = 2usize;
        while !best.is_empty() && runs < BUDGET {
            let size = best.len().div_ceil(chunks.min(best.len()));
            let mut reduced = false;
            let mut at = 0;
            while at < best.len() && runs < BUDGET {
                let mut candidate = best.clone();
                candidate.drain(at..(at + size).min(best.len()));
                match attempt(candidate, &mut runs) {
                    Some((choices, len)) if smaller(&len, &best_len) => {
                        best = choices;
                        best_len = len;
                        reduced = true;
                    }
                    _ => at += size,
                }
            }
            if !reduced {
                if size == 1 {
                    break;
                }
                chunks = chunks.saturating_mul(2);
            } else {
                chunks = (chunks - 1).max(2);
            }
        }
        // 2. Each preempting choice replaced by continuing the thread that yielded.
        let mut i = 0;
        while i < best.len() && runs < BUDGET {
            let mut candidate = best.clone();
            candidate.truncate(i);
            // An empty name is never runnable: the lenient strategy takes the default.
            candidate.push(String::new());
            candidate.extend_from_slice(&best[i + 1..]);
            match attempt(candidate, &mut runs) {
                Some((choices, len)) if smaller(&len, &best_len) => {
                    best = choices;
                    best_len = len;
                }
                _ => i += 1,
            }
        }
        if best_len == start || runs >= BUDGET {
            break;
        }
    }
    // 3. The kept choices are a run's own, trimmed: replay them strictly to confirm.
    runs += 1;
    let minimal = exec::run(plan, setup(Box::new(FixedScheduler::new(best.clone()))));
    let findings = check::check_run(plan, &minimal);
    if signature(&minimal, &findings).as_ref() != Some(&target) || !smaller(&best_len, &before) {
        return None;
    }
    let shrunk = Shrunk {
        original: schedule_string(&forced(&first)),
        before,
        after: Lengths::of(&minimal),
        runs,
    };
    Some(Minimal {
        shrunk,
        schedule: schedule_string(&best),
        run: minimal,
        findings,
    })
}
