//! The exhaustive exploration: runs spread over `jobs` threads, each following a prefix of
//! choices that a *frontier* hands out, until the frontier has nothing left.
//!
//! - With no bound, the frontier is the partial-order reduction's tree ([`super::tree`]):
//!   after each run, its races say which other choices could lead to a different
//!   behaviour, and only those are tried.
//! - With a bound on preemptions or time choices, it is plain DFS: every alternative of
//!   every decision within the bound (a bounded search and the reduction's backtracking do
//!   not combine soundly without more machinery; the bounded search stays exhaustive
//!   within its bound).

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

use super::tree::{Job, Tree};
use super::Options;
use crate::exec::{self, RunResult, RunSetup};
use crate::plan::{ExplorePlan, Plan};
use crate::sched::dfs::{branches, Bounds, DfsScheduler, SleepLog, Step};
use crate::sched::WatchdogLimits;

/// What an exhaustive exploration runs with.
pub(super) struct Exhaustive<'a> {
    pub explore: &'a ExplorePlan,
    pub options: &'a Options<'a>,
    pub exprs: &'a [String],
    pub limits: WatchdogLimits,
    /// When the exploration started (for a time budget).
    pub start: std::time::Instant,
}

/// Where the runs still to do come from.
trait Frontier: Send {
    /// The next run, if one is ready (`in_flight` runs are going on).
    fn next(&mut self, in_flight: usize) -> Option<Job>;
    /// The strategy that runs `job`.
    fn strategy(&self, job: &Job, log: &SleepLog) -> DfsScheduler;
    /// A run of `job` finished (its sleep sets in `log`): learn from it.
    fn finished(&mut self, run: &RunResult, job: &Job, log: &SleepLog);
}

/// Plain depth-first search: every alternative within the bounds.
struct Dfs {
    prefixes: Vec<Vec<Step>>,
    bounds: Bounds,
}

impl Frontier for Dfs {
    fn next(&mut self, _in_flight: usize) -> Option<Job> {
        self.prefixes.pop().map(|prefix| Job {
            prefix,
            sleep: Vec::new(),
        })
    }

    fn strategy(&self, job: &Job, _log: &SleepLog) -> DfsScheduler {
        DfsScheduler::new(job.prefix.clone())
    }

    fn finished(&mut self, run: &RunResult, job: &Job, _log: &SleepLog) {
        self.prefixes
            .extend(branches(&run.decisions, job.prefix.len(), self.bounds));
    }
}

/// The partial-order reduction's tree.
struct Reduced {
    tree: Tree,
    /// Runs to do before anything the tree proposes (the first run's).
    queued: VecDeque<Job>,
}

impl Frontier for Reduced {
    fn next(&mut self, in_flight: usize) -> Option<Job> {
        self.queued
            .pop_front()
            .or_else(|| self.tree.next(in_flight))
    }

    fn strategy(&self, job: &Job, log: &SleepLog) -> DfsScheduler {
        DfsScheduler::with_sleep(job.prefix.clone(), job.sleep.clone(), log.clone())
    }

    fn finished(&mut self, run: &RunResult, _job: &Job, log: &SleepLog) {
        self.tree.learn(run, log);
    }
}

/// Explores `plan` exhaustively; calls `add` with every run and `tick` after it. Returns
/// why it was cut short (`max_runs`, a budget), or `None` when it was complete.
pub(super) fn run(
    plan: &Plan,
    how: Exhaustive<'_>,
    add: &(dyn Fn(&RunResult) + Sync),
    tick: &(dyn Fn(Option<u64>) + Sync),
) -> Option<String> {
    let Exhaustive {
        explore,
        options,
        exprs,
        limits,
        start,
    } = how;
    // Why no more runs may start, once that is so.
    let stop = |started: u64| -> Option<String> {
        if started >= explore.max_runs {
            return Some(format!("max_runs = {}", explore.max_runs));
        }
        options
            .budget
            .filter(|b| b.spent(started, start))
            .map(|b| b.to_string())
    };
    let bounded = explore.preemptions.is_some() || explore.time_choices.is_some_and(|n| n > 0);
    // The first runs' prefixes: the empty one, or a shard's first choices.
    let first: Vec<Vec<Step>> = match options.shard {
        None => vec![Vec::new()],
        Some(shard) => {
            // A probe run (not counted) shows the first decision's candidates.
            let probe = exec::run(
                plan,
                RunSetup {
                    strategy: Box::new(DfsScheduler::new(Vec::new())),
                    seed: explore.seed,
                    exprs: &[],
                    limits,
                    time_choices: explore.time_choices != Some(0),
                },
            );
            match probe.decisions.first() {
                // No decision at all: one run, the first shard's.
                None => [Vec::new()]
                    .into_iter()
                    .filter(|_| shard.index == 0)
                    .collect(),
                Some(d) => (0..d.candidates.len())
                    .filter(|&j| shard.owns(j as u64))
                    .map(|chosen| {
                        vec![Step {
                            candidates: d.candidates.clone(),
                            chosen,
                        }]
                    })
                    .collect(),
            }
        }
    };
    let frontier: Box<dyn Frontier> = if bounded {
        Box::new(Dfs {
            prefixes: first.into_iter().rev().collect(),
            bounds: Bounds {
                preemptions: explore.preemptions,
                time_choices: explore.time_choices,
            },
        })
    } else {
        Box::new(Reduced {
            tree: if options.shard.is_some() {
                Tree::with_root_fixed()
            } else {
                Tree::new()
            },
            queued: first
                .into_iter()
                .map(|prefix| Job {
                    prefix,
                    sleep: Vec::new(),
                })
                .collect(),
        })
    };
    struct Shared {
        frontier: Box<dyn Frontier>,
        active: usize,
        started: u64,
    }
    let shared = Mutex::new(Shared {
        frontier,
        active: 0,
        started: 0,
    });
    let ready = Condvar::new();
    let truncated: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..options.jobs.max(1) {
            s.spawn(|| loop {
                let job = {
                    let mut q = shared.lock().unwrap_or_else(|e| e.into_inner());
                    loop {
                        if let Some(why) = stop(q.started) {
                            // Anything still to run is left undone.
                            let in_flight = q.active;
                            if q.frontier.next(in_flight).is_some() {
                                *truncated.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
                            }
                            if q.active == 0 {
                                ready.notify_all();
                                break None;
                            }
                        } else if let Some(p) = {
                            let in_flight = q.active;
                            q.frontier.next(in_flight)
                        } {
                            q.active += 1;
                            q.started += 1;
                            break Some(p);
                        } else if q.active == 0 {
                            ready.notify_all();
                            break None;
                        }
                        q = ready.wait(q).unwrap_or_else(|e| e.into_inner());
                    }
                };
                let Some(job) = job else { return };
                let log = SleepLog::default();
                let strategy = shared
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .frontier
                    .strategy(&job, &log);
                let run = exec::run(
                    plan,
                    RunSetup {
                        strategy: Box::new(strategy),
                        seed: explore.seed,
                        exprs,
                        limits,
                        time_choices: explore.time_choices != Some(0),
                    },
                );
                add(&run);
                tick(None);
                let mut q = shared.lock().unwrap_or_else(|e| e.into_inner());
                q.frontier.finished(&run, &job, &log);
                q.active -= 1;
                ready.notify_all();
            });
        }
    });
    truncated.into_inner().unwrap_or_else(|e| e.into_inner())
}
