//! Which schedules to run, run in parallel, and what they showed: [`Report`].
//!
//! Runs are independent (each has its own runtime, threads and isolates), so they run on
//! `jobs` threads at once. Random and PCT runs are numbered, and run `i` uses seed
//! `seed + i`, so a report does not depend on how the runs were spread over threads; the
//! exhaustive exploration enumerates each leaf of the decision tree once (see
//! [`crate::sched::dfs`]), so its schedule count does not either.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::check::{self, Finding};
use crate::exec::{self, RunResult, RunSetup};
use crate::plan::{ExplorePlan, LimitsPlan, Plan};
use crate::sched::fixed::{parse_schedule, FixedScheduler};
use crate::sched::pct::{PctConfig, PctScheduler};
use crate::sched::random::RandomScheduler;
use crate::sched::{Strategy, WatchdogLimits};
use crate::spec::Strategy as Kind;

pub mod budget;
mod exhaustive;
mod faults;
pub mod shard;
pub mod shrink;
mod tree;

/// The environment variable that replays one schedule: `HEDDLE_SCHEDULE=<string>`.
pub const SCHEDULE_ENV: &str = "HEDDLE_SCHEDULE";

/// A failing run.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Its schedule string.
    pub schedule: String,
    /// What failed.
    pub findings: Vec<Finding>,
    /// Its events (`Display` renders them; [`crate::render`] draws them).
    pub trace: crate::trace::Trace,
    /// How it ended.
    pub end: String,
    /// Whether replaying `schedule` reproduces it (not for a schedule that could not be
    /// parsed or did not fit the spec).
    pub replayable: bool,
    /// When it was shrunk: the run first found, and the lengths before and after
    /// (`schedule`, `findings` and `trace` are then the minimal run's).
    pub shrunk: Option<shrink::Shrunk>,
    /// The faults placed by a fault search (or given to replay) in its run, beyond the
    /// spec's own rules: a replay needs them (`--faults`, `HEDDLE_FAULTS`).
    pub faults: Vec<crate::faults::NthPost>,
}

/// What an exploration found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Schedules run.
    pub runs: u64,
    /// Distinct behaviours among the runs: classes of runs equal up to the order of
    /// independent units (Mazurkiewicz traces). For an exhaustive exploration, every
    /// behaviour the program has (under the footprints' dependencies), whatever the number
    /// of runs it took or the order they ran in.
    pub behaviours: u64,
    /// The behaviours seen, by class key (see [`crate::sched::dpor::class_key`]).
    pub classes: BTreeSet<u64>,
    /// Runs the partial-order reduction stopped early, their behaviour being another's.
    pub redundant: u64,
    /// Runs in which a thread was taken to be spinning (`spin_assume`).
    pub spinning_runs: u64,
    /// Each `outcomes` expression's values over the runs (normalised JSON).
    pub outcomes: BTreeMap<String, BTreeSet<String>>,
    /// How runs ended, counted (`done`, `idle`, `deadlock`, …).
    pub ends: BTreeMap<String, u64>,
    /// What the runs that ended on their own showed, each distinct once: how they ended and
    /// the values of every `values` and `outcomes` expression together (`heddle diff`
    /// compares Node's runs with these).
    pub observed: BTreeSet<Observed>,
    /// How behaviours ended, counted: the same for every exhaustive exploration of a
    /// program, however many runs it took (equal runs end the same way).
    pub behaviour_ends: BTreeMap<String, u64>,
    /// Failing runs (at most three are kept, the first first: for random and PCT, the
    /// lowest-numbered runs).
    pub failures: Vec<Failure>,
    /// The shard explored, if only one was ([`shard`]): outcome sets are then parts.
    pub shard: Option<shard::Shard>,
    /// The posts the runs made, as (thread, its nth post): where a fault search can place
    /// faults.
    pub posts: BTreeSet<(String, u64)>,
    /// Fault placements explored (a fault search; 0 without one).
    pub placements: u64,
    /// Each kept failure's rank (its run's number for random and PCT), ascending.
    failure_order: Vec<u64>,
    /// Failing runs, counted.
    pub failed: u64,
    /// Every schedule was run (exhaustive within its limits) or the plan ran them all.
    pub complete: bool,
    /// Why an incomplete exploration stopped (`max_runs`, a budget).
    pub stopped: Option<String>,
    /// The single run of a fixed schedule (or replay), kept for its trace.
    pub single: Option<RunResult>,
    /// Wall-clock time.
    pub elapsed: Duration,
}

/// One run's end and the values of the spec's expressions (normalised JSON), together.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Observed {
    /// How the run ended.
    pub end: crate::spec::EndKind,
    /// Every `values` and `outcomes` expression's value, by expression.
    pub values: BTreeMap<String, String>,
}

/// How to explore.
#[derive(Clone)]
pub struct Options<'a> {
    /// Parallel runs.
    pub jobs: usize,
    /// Called after each run with (runs done, runs planned if known).
    pub progress: Option<&'a (dyn Fn(u64, Option<u64>) + Sync)>,
    /// Replay this schedule instead of the plan's strategy.
    pub replay: Option<String>,
    /// Watchdog limits that override the spec's (the command line's `--max-unit-ms`,
    /// `--max-run-ms`).
    pub limits: LimitsPlan,
    /// Shrink the first failing run of an exploration before reporting it ([`shrink`]).
    pub shrink: bool,
    /// Stop starting schedules once this is spent (the exploration is then partial).
    pub budget: Option<budget::Budget>,
    /// Explore only this part of the schedule space ([`shard`]).
    pub shard: Option<shard::Shard>,
    /// Faults to place beyond the spec's rules, instead of its fault search (a replay of a
    /// fault search's failure).
    pub faults: Option<Vec<crate::faults::NthPost>>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            jobs: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            progress: None,
            replay: std::env::var(SCHEDULE_ENV).ok().filter(|s| !s.is_empty()),
            limits: LimitsPlan::default(),
            shrink: true,
            budget: None,
            shard: None,
            faults: None,
        }
    }
}

impl Options<'_> {
    /// The watchdog limits of `plan`'s runs: these options', over the spec's, over the
    /// environment's and the defaults.
    pub fn limits_for(&self, plan: &Plan) -> WatchdogLimits {
        self.limits
            .over(plan.limits.over(WatchdogLimits::from_env()))
    }
}

struct Collector<'p> {
    plan: &'p Plan,
    report: Mutex<Report>,
    done: AtomicU64,
}

impl Collector<'_> {
    /// Adds a run; `order` ranks its failure among the others (random and PCT: the run's
    /// number, so the failures reported do not depend on which job finished first).
    fn add(&self, run: &RunResult, order: u64) {
        let failures = check::check_run(self.plan, run);
        let outcome = check::outcome_of(self.plan, run);
        let observed = check::end_kind(&run.end).map(|end| Observed {
            end,
            values: check::expressions(self.plan)
                .into_iter()
                .map(|e| {
                    let v = run.values.get(&e).map(|v| check::normalize(v));
                    (e, v.unwrap_or_default())
                })
                .collect(),
        });
        let mut r = self.report.lock().unwrap_or_else(|e| e.into_inner());
        r.runs += 1;
        if run.spins > 0 {
            r.spinning_runs += 1;
        }
        if run.end == crate::sched::End::Redundant {
            if crate::debug::on("classes") {
                crate::debug::say(format_args!("redundant {}", run.schedule));
            }
            r.redundant += 1;
            return;
        }
        let mut nth: BTreeMap<&str, u64> = BTreeMap::new();
        for e in &run.trace.events {
            // A post counts when it was sent or a clone-failure fault failed it.
            if let crate::trace::EventKind::Post { .. } | crate::trace::EventKind::CloneFailure =
                e.kind
            {
                let n = nth.entry(e.thread.as_str()).or_insert(0);
                *n += 1;
                r.posts.insert((e.thread.clone(), *n));
            }
        }
        let class = crate::sched::dpor::class_key(&run.units);
        if crate::debug::on("classes") {
            crate::debug::say(format_args!("class {class:016x} {}", run.schedule));
        }
        if crate::debug::on("run-units") {
            let units: Vec<String> = run
                .units
                .iter()
                .map(|u| {
                    format!(
                        "{} {:?} {:?}",
                        u.thread, u.footprint.accesses, u.footprint.terminates
                    )
                })
                .collect();
            crate::debug::say(format_args!(
                "units {class:016x} {} | {}",
                run.schedule,
                units.join(" | ")
            ));
        }
        if r.classes.insert(class) {
            r.behaviours += 1;
            *r.behaviour_ends.entry(run.end.kind().into()).or_insert(0) += 1;
        }
        *r.ends.entry(run.end.kind().into()).or_insert(0) += 1;
        for (expr, value) in outcome {
            r.outcomes.entry(expr).or_default().insert(value);
        }
        r.observed.extend(observed);
        if !failures.is_empty() {
            r.failed += 1;
            let at = r.failure_order.partition_point(|&o| o <= order);
            if at < 3 {
                r.failure_order.insert(at, order);
                r.failure_order.truncate(3);
                r.failures.insert(
                    at,
                    Failure {
                        schedule: run.schedule.clone(),
                        replayable: !matches!(run.end, crate::sched::End::Mismatch(_)),
                        findings: failures,
                        trace: run.trace.clone(),
                        end: run.end.to_string(),
                        shrunk: None,
                        faults: Vec::new(),
                    },
                );
                r.failures.truncate(3);
            }
        }
    }
}

/// Runs the schedules `explore` asks for (or the replay in `options`), under every
/// placement of faults the spec's fault search asks for (or the faults `options` gives).
pub fn explore(plan: &Plan, explore: &ExplorePlan, options: &Options<'_>) -> Report {
    if let Some(extra) = &options.faults {
        let mut placed = plan.clone();
        placed
            .faults
            .extend(extra.iter().cloned().map(crate::faults::PostRule::from));
        placed.fault_search = None;
        let mut report = explore_placed(&placed, explore, options);
        for f in &mut report.failures {
            f.faults = extra.clone();
        }
        return report;
    }
    match &plan.fault_search {
        Some(search) => faults::search(plan, explore, options, search),
        None => explore_placed(plan, explore, options),
    }
}

/// [`explore`] with the faults as they are (the spec's rules only).
fn explore_placed(plan: &Plan, explore: &ExplorePlan, options: &Options<'_>) -> Report {
    let start = Instant::now();
    let collector = Collector {
        plan,
        report: Mutex::new(Report::default()),
        done: AtomicU64::new(0),
    };
    let exprs = check::expressions(plan);
    let limits = options.limits_for(plan);
    let common = Common {
        seed: explore.seed,
        limits,
        time_choices: explore.time_choices != Some(0),
    };
    let tick = |planned: Option<u64>| {
        let n = collector.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(p) = options.progress {
            p(n, planned);
        }
    };
    let single = |strategy: Box<dyn Strategy>| {
        let run = exec::run(plan, common.setup(strategy, &exprs));
        collector.add(&run, 0);
        tick(Some(1));
        let mut r = collector.report.lock().unwrap_or_else(|e| e.into_inner());
        r.single = Some(run);
        r.complete = true;
    };
    if let Some(replay) = &options.replay {
        match parse_schedule(replay) {
            Ok(names) => single(Box::new(FixedScheduler::new(names))),
            Err(e) => {
                let mut r = collector.report.lock().unwrap_or_else(|e| e.into_inner());
                r.failed += 1;
                r.failures.push(Failure {
                    schedule: replay.clone(),
                    replayable: false,
                    findings: vec![Finding {
                        blame: check::Blame::Spec,
                        message: format!(
                            "{}: the schedule to replay is not a schedule string: {e}",
                            plan.path.display()
                        ),
                    }],
                    trace: Default::default(),
                    end: String::new(),
                    shrunk: None,
                    faults: Vec::new(),
                });
            }
        }
    } else {
        match explore.strategy {
            Kind::Fixed => {
                let names = explore.schedule.as_deref().map(parse_schedule).transpose();
                match names {
                    Ok(names) => single(Box::new(FixedScheduler::new(names.unwrap_or_default()))),
                    Err(e) => {
                        let mut r = collector.report.lock().unwrap_or_else(|e| e.into_inner());
                        r.failed += 1;
                        r.failures.push(Failure {
                            schedule: String::new(),
                            replayable: false,
                            findings: vec![Finding {
                                blame: check::Blame::Spec,
                                message: format!("explore.schedule: {e}"),
                            }],
                            trace: Default::default(),
                            end: String::new(),
                            shrunk: None,
                            faults: Vec::new(),
                        });
                    }
                }
            }
            Kind::Random | Kind::Pct => {
                let decisions = if explore.strategy == Kind::Pct {
                    exec::run(
                        plan,
                        common.setup(Box::new(FixedScheduler::new(Vec::new())), &[]),
                    )
                    .decisions
                    .len()
                } else {
                    0
                };
                let next = AtomicU64::new(0);
                let out_of_budget = AtomicBool::new(false);
                std::thread::scope(|s| {
                    for _ in 0..options.jobs.max(1) {
                        s.spawn(|| loop {
                            let nth = next.fetch_add(1, Ordering::Relaxed);
                            // The run number: this shard's `nth` (every run without shards).
                            let i = match options.shard {
                                Some(sh) => nth.saturating_mul(sh.count).saturating_add(sh.index),
                                None => nth,
                            };
                            if i >= explore.runs {
                                return;
                            }
                            if options.budget.is_some_and(|b| b.spent(nth, start)) {
                                out_of_budget.store(true, Ordering::Relaxed);
                                return;
                            }
                            let seed = explore.seed.wrapping_add(i);
                            let strategy: Box<dyn Strategy> = match explore.strategy {
                                Kind::Random => Box::new(RandomScheduler::new(seed)),
                                _ => Box::new(PctScheduler::new(PctConfig {
                                    seed,
                                    depth: explore.depth,
                                    decisions,
                                })),
                            };
                            let run = exec::run(plan, common.setup(strategy, &exprs));
                            collector.add(&run, i);
                            tick(Some(explore.runs));
                        });
                    }
                });
                let mut r = collector.report.lock().unwrap_or_else(|e| e.into_inner());
                r.complete = !out_of_budget.load(Ordering::Relaxed);
                if !r.complete {
                    r.stopped = options.budget.map(|b| b.to_string());
                }
            }
            Kind::Exhaustive => {
                let stopped = exhaustive::run(
                    plan,
                    exhaustive::Exhaustive {
                        explore,
                        options,
                        exprs: &exprs,
                        limits,
                        start,
                    },
                    &|run| collector.add(run, collector.done.load(Ordering::Relaxed)),
                    &tick,
                );
                let mut r = collector.report.lock().unwrap_or_else(|e| e.into_inner());
                r.complete = stopped.is_none();
                r.stopped = stopped;
            }
        }
    }
    let mut report = collector
        .report
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    // A failure an exploration found is shrunk (a replay or a fixed schedule is the user's
    // own, and stays as it is).
    let explored = options.replay.is_none() && explore.strategy != Kind::Fixed;
    if options.shrink && explored {
        if let Some(f) = report.failures.first_mut() {
            shrink_failure(plan, explore, options, f);
        }
    }
    report.shard = options.shard;
    report.elapsed = start.elapsed();
    report
}

/// Shrinks `f`, a failing run of `plan` (its faults already placed), in place: its
/// schedule, findings, trace and end become the minimal run's, and `shrunk` says how.
fn shrink_failure(plan: &Plan, explore: &ExplorePlan, options: &Options<'_>, f: &mut Failure) {
    if !f.replayable {
        return;
    }
    let exprs = check::expressions(plan);
    let common = Common {
        seed: explore.seed,
        limits: options.limits_for(plan),
        time_choices: explore.time_choices != Some(0),
    };
    let setup = |strategy: Box<dyn Strategy>| common.setup(strategy, &exprs);
    if let Some(m) = shrink::shrink(plan, &f.schedule, &setup) {
        f.schedule = m.schedule;
        f.findings = m.findings;
        f.trace = m.run.trace;
        f.end = m.run.end.to_string();
        f.shrunk = Some(m.shrunk);
    }
}

/// What every run of an exploration shares.
#[derive(Clone, Copy)]
struct Common {
    seed: u64,
    limits: WatchdogLimits,
    time_choices: bool,
}

impl Common {
    /// A run's setup with `strategy`, evaluating `exprs`.
    fn setup<'a>(&self, strategy: Box<dyn Strategy>, exprs: &'a [String]) -> RunSetup<'a> {
        RunSetup {
            strategy,
            seed: self.seed,
            exprs,
            limits: self.limits,
            time_choices: self.time_choices,
        }
    }
}
