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
use std::sync::atomic::{AtomicBool, Ordering};
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
/// whether the exploration was complete (not cut short by `max_runs`).
pub(super) fn run(
    plan: &Plan,
    how: Exhaustive<'_>,
    add: &(dyn Fn(&RunResult) + Sync),
    tick: &(dyn Fn(Option<u64>) + Sync),
) -> bool {
    let Exhaustive {
        explore,
        options,
        exprs,
        limits,
    } = how;
    let bounded = explore.preemptions.is_some() || explore.time_choices.is_some_and(|n| n > 0);
    let frontier: Box<dyn Frontier> = if bounded {
        Box::new(Dfs {
            prefixes: vec![Vec::new()],
            bounds: Bounds {
                preemptions: explore.preemptions,
                time_choices: explore.time_choices,
            },
        })
    } else {
        Box::new(Reduced {
            tree: Tree::new(),
            queued: VecDeque::from([Job {
                prefix: Vec::new(),
                sleep: Vec::new(),
            }]),
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
    let truncated = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..options.jobs.max(1) {
            s.spawn(|| loop {
                let job = {
                    let mut q = shared.lock().unwrap_or_else(|e| e.into_inner());
                    loop {
                        if q.started >= explore.max_runs {
                            // Anything still to run is left undone.
                            let in_flight = q.active;
                            if q.frontier.next(in_flight).is_some() {
                                truncated.store(true, Ordering::Relaxed);
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
    !truncated.load(Ordering::Relaxed)
}
