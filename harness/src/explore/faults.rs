//! The fault search (`faults: { explore: { max, kinds } }`): every placement of at most
//! `max` faults on the posts runs make, each placement explored with the spec's strategy.
//!
//! A placement is a set of (thread, nth post, kind). The search starts with no fault; each
//! placement's exploration shows which posts its runs made, and every post not yet faulted
//! there, with every kind, extends it by one fault, until `max`. Placements go in order
//! of size, so the first failure reported has the fewest faults that make the spec fail.
//! Exhaustive exploration under each placement covers faults and schedules together; any
//! other strategy runs its schedules under each placement. A failure's placement goes with
//! it (`Failure::faults`), and replays take it (`--faults`, `HEDDLE_FAULTS`).

use std::collections::{BTreeSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Instant;

use super::{explore_placed, shrink_failure, Options, Report};
use crate::faults::{FaultSearch, NthPost, PostRule, Verdict};
use crate::plan::{ExplorePlan, Plan};

/// A placement's identity: its faults, sorted.
fn key(placement: &[NthPost]) -> Vec<(String, u64, Verdict)> {
    let mut k: Vec<(String, u64, Verdict)> = placement
        .iter()
        .map(|p| (p.from.clone(), p.nth, p.verdict))
        .collect();
    k.sort();
    k
}

fn placed(plan: &Plan, placement: &[NthPost]) -> Plan {
    let mut p = plan.clone();
    p.faults
        .extend(placement.iter().cloned().map(PostRule::from));
    p.fault_search = None;
    p
}

/// Explores `plan` under every placement `search` allows.
pub(super) fn search(
    plan: &Plan,
    explore: &ExplorePlan,
    options: &Options<'_>,
    search: &FaultSearch,
) -> Report {
    let start = Instant::now();
    let mut total = Report {
        complete: true,
        ..Report::default()
    };
    let mut seen: BTreeSet<Vec<(String, u64, Verdict)>> = BTreeSet::new();
    let mut queue: VecDeque<Vec<NthPost>> = VecDeque::from([Vec::new()]);
    seen.insert(Vec::new());
    // Each placement's first failure is shrunk only if it is the search's first (below).
    let inner = Options {
        shrink: false,
        faults: None,
        ..options.clone()
    };
    while let Some(placement) = queue.pop_front() {
        if let Some(b) = options.budget {
            if b.spent(total.runs, start) {
                total.complete = false;
                total.stopped = Some(format!("{b} (after {} fault placements)", total.placements));
                break;
            }
        }
        let r = explore_placed(&placed(plan, &placement), explore, &inner);
        total.placements += 1;
        if placement.len() < search.max as usize {
            for (thread, nth) in &r.posts {
                if placement.iter().any(|p| p.from == *thread && p.nth == *nth) {
                    continue;
                }
                for &verdict in &search.kinds {
                    let mut next = placement.clone();
                    next.push(NthPost {
                        from: thread.clone(),
                        nth: *nth,
                        verdict,
                    });
                    if seen.insert(key(&next)) {
                        queue.push_back(next);
                    }
                }
            }
        }
        absorb(&mut total, r, &placement);
    }
    // The first failure (fewest faults) shrunk, as an exploration without a search would,
    // under its own placement.
    let explored = options.replay.is_none() && explore.strategy != crate::spec::Strategy::Fixed;
    if let Some(f) = total
        .failures
        .first_mut()
        .filter(|_| options.shrink && explored)
    {
        let placement = f.faults.clone();
        shrink_failure(&placed(plan, &placement), explore, options, f);
    }
    total.elapsed = start.elapsed();
    total
}

/// Adds the exploration of one placement to the search's report.
fn absorb(total: &mut Report, r: Report, placement: &[NthPost]) {
    total.runs += r.runs;
    total.redundant += r.redundant;
    total.spinning_runs += r.spinning_runs;
    total.failed += r.failed;
    total.complete &= r.complete;
    if total.stopped.is_none() {
        total.stopped = r.stopped;
    }
    // A behaviour under one placement is not the same one under another.
    let mut h = DefaultHasher::new();
    key(placement).hash(&mut h);
    let salt = h.finish();
    for class in r.classes {
        if total.classes.insert(class ^ salt) {
            total.behaviours += 1;
        }
    }
    for (end, n) in r.ends {
        *total.ends.entry(end).or_insert(0) += n;
    }
    for (end, n) in r.behaviour_ends {
        *total.behaviour_ends.entry(end).or_insert(0) += n;
    }
    for (expr, values) in r.outcomes {
        total.outcomes.entry(expr).or_default().extend(values);
    }
    total.observed.extend(r.observed);
    total.posts.extend(r.posts);
    for mut f in r.failures {
        if total.failures.len() < 3 {
            f.faults = placement.to_vec();
            total.failures.push(f);
        }
    }
}
