//! The partial-order reduction loses nothing: on specs small enough to explore every
//! schedule, exhaustive exploration with the reduction (one job and two) finds exactly the
//! behaviours, outcomes and ends that plain depth-first search over every schedule finds.
//!
//! A behaviour missing here means a footprint left out something two units really share
//! (see harness/src/sched/footprint.rs), or the reduction skipped a race it should have
//! reversed. `HEDDLE_DEBUG=classes heddle explore --preemptions 1000 <spec>` (plain DFS)
//! against `HEDDLE_DEBUG=classes heddle explore <spec>` lists each run's behaviour.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use heddle::explore::{explore, Options, Report};
use libtest_mimic::{Arguments, Failed, Trial};

/// Specs whose every schedule takes at most a few seconds in a debug build, covering
/// memory (plain and Atomics), messages, lifecycle deliveries, waits, timers and clones.
const SPECS: &[&str] = &[
    "contention/racy-increment.yaml",
    "contention/message-passing-plain.yaml",
    "contention/message-passing-atomics.yaml",
    "contention/notify-before-wait-deadlocks.yaml",
    "atomics/wait-async-notify.yaml",
    "seed/atomics-compare-exchange.yaml",
    "seed/atomics-wait-notify.yaml",
    "seed/sab-is-shared.yaml",
    "seed/structured-clone-deep-copy.yaml",
    "time/timer-fires-between-units.yaml",
    "lifecycle/unheard-lifecycle.yaml",
    "contention/two-senders-order.yaml",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// What must agree between the explorations.
#[derive(Debug, PartialEq, Eq)]
struct Found {
    classes: BTreeSet<u64>,
    outcomes: BTreeMap<String, BTreeSet<String>>,
    behaviour_ends: BTreeMap<String, u64>,
}

fn found(r: &Report) -> Found {
    Found {
        classes: r.classes.clone(),
        outcomes: r.outcomes.clone(),
        behaviour_ends: r.behaviour_ends.clone(),
    }
}

fn compare(relative: &str) -> Result<(), Failed> {
    let path = root().join("specs").join(relative);
    let plan = heddle::plan::load(&path).map_err(|p| {
        Failed::from(
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    // A preemption bound no run reaches: plain depth-first search over every schedule.
    let mut every = plan.explore.clone();
    every.preemptions = Some(u32::MAX);
    let dfs = explore(&plan, &every, &Options::default());
    if !dfs.complete {
        return Err(format!(
            "{relative}: plain DFS was cut short after {} runs",
            dfs.runs
        )
        .into());
    }
    if dfs.behaviours < 2 {
        return Err(format!(
            "{relative}: only {} behaviour: this spec cannot show a reduction losing one",
            dfs.behaviours
        )
        .into());
    }
    let want = found(&dfs);
    let mut problems = Vec::new();
    for jobs in [1, 2] {
        let options = Options {
            jobs,
            ..Options::default()
        };
        let reduced = explore(&plan, &plan.explore, &options);
        let got = found(&reduced);
        if got != want {
            let missing = want.classes.difference(&got.classes).count();
            let extra = got.classes.difference(&want.classes).count();
            problems.push(format!(
                "with {jobs} job(s): {} behaviours against plain DFS's {} ({missing} missing, {extra} unknown to DFS); outcomes {:?} against {:?}; ends {:?} against {:?}",
                reduced.behaviours, dfs.behaviours, got.outcomes, want.outcomes, got.behaviour_ends, want.behaviour_ends,
            ));
        }
        if reduced.runs > dfs.runs {
            problems.push(format!(
                "with {jobs} job(s): {} runs, more than plain DFS's {}",
                reduced.runs, dfs.runs
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{relative}: the reduction disagrees with plain DFS\n  {}\nsee: HEDDLE_DEBUG=classes cargo run -p heddle -- explore --preemptions 1000 specs/{relative}",
            problems.join("\n  ")
        )
        .into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let trials: Vec<Trial> = SPECS
        .iter()
        .map(|s| Trial::test(format!("reduction: {s}"), move || compare(s)))
        .collect();
    assert!(!trials.is_empty(), "no specs to compare");
    libtest_mimic::run(&args, trials).exit();
}
