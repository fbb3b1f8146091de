//! `heddle diff`: does Node do anything Heddle's model never shows?
//!
//! A spec's program runs under real `node` many times (step points and `heddle.yield()`
//! become short random pauses, see `prelude.js`), and every run's end and expression values
//! are looked up among what Heddle's exhaustive exploration of the same spec observed
//! ([`crate::explore::Report::observed`]). A Node run that no Heddle run matches is a
//! *divergence*: the model misses a behaviour real Node has, or Heddle's runtime differs
//! from Node's. A spec documents a divergence it knows of with `diverges:`.
//!
//! What is compared, and how:
//! - A Node run that exited matches a Heddle run that ended `done`; one that was still
//!   running at the wall-clock limit (hung) matches one that ended `idle`, `deadlock` or at
//!   the virtual time limit. A run that hangs where Heddle never did is run again with ten
//!   times the limit before it counts (a slow machine is not a hang).
//! - Each `values` and `outcomes` expression is evaluated in its thread when that thread
//!   exits, after the program's own exit listeners. Where Node cannot show a value (the
//!   thread was terminated, the process exited first, the expression threw there), the
//!   value is unknown and matches anything; an expression Node never showed in any run is
//!   reported as unobserved, so that a comparison that compared nothing does not read as
//!   agreement.

mod node;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::explore::{self, Observed, Report};
use crate::plan::Plan;
use crate::spec::{EndKind, Strategy};

pub use node::{NodeEnd, NodeRun};

/// Why a comparison could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    /// `node` could not be started (or waited for).
    #[error("cannot run node ({0}): {1}")]
    Node(PathBuf, String),
    /// A scratch file could not be written.
    #[error("cannot write {0}: {1}")]
    Io(PathBuf, String),
}

/// How to compare.
pub struct DiffOptions<'a> {
    /// The `node` executable.
    pub node: PathBuf,
    /// Node runs, at most.
    pub runs: u64,
    /// No Node run starts after this much time.
    pub node_time: Duration,
    /// A Node run still going after this long is hung.
    pub hang: Duration,
    /// The longest pause at a step point (ms).
    pub pause_ms: f64,
    /// Parallel Node runs.
    pub jobs: usize,
    /// Heddle's exhaustive exploration: its jobs, limits and budget.
    pub heddle: explore::Options<'a>,
    /// Heddle's give-up limit (schedules).
    pub max_runs: u64,
}

/// A Node run, as compared: how it ended, and what it showed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shown {
    /// Hung (true) or exited.
    pub hung: bool,
    /// Each expression's value, `None` where Node could not show it.
    pub values: BTreeMap<String, Option<String>>,
}

/// What Node showed once or more.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Node runs that showed it.
    pub count: u64,
    /// The first of them (its output is in the report of a divergence).
    pub first: NodeRun,
    /// No Heddle run matches it.
    pub divergent: bool,
}

/// The comparison of one spec.
#[derive(Debug, Clone)]
pub struct Diff {
    /// The spec's name.
    pub name: String,
    /// The spec file.
    pub path: PathBuf,
    /// Why the spec was not compared, if it was not (it injects faults, say).
    pub skipped: Option<String>,
    /// The spec's `diverges:` (a divergence it documents).
    pub documented: Option<String>,
    /// Heddle's exploration.
    pub heddle: Report,
    /// Heddle's preemption bound, if the spec sets one.
    pub preemptions: Option<u32>,
    /// Node runs made.
    pub node_runs: u64,
    /// Node runs that hung.
    pub hung: u64,
    /// Wall-clock time of the Node runs.
    pub node_elapsed: Duration,
    /// What Node showed.
    pub shown: BTreeMap<Shown, Seen>,
    /// Expressions Node never showed a value of, with what they threw there if they did.
    pub unobserved: BTreeMap<String, Option<String>>,
}

impl Diff {
    /// What Node showed that no Heddle run did.
    pub fn divergences(&self) -> impl Iterator<Item = (&Shown, &Seen)> {
        self.shown.iter().filter(|(_, s)| s.divergent)
    }

    /// Node showed something Heddle never did, and the spec does not say it may.
    pub fn fails(&self) -> bool {
        self.documented.is_none() && self.divergences().next().is_some()
    }
}

fn matches(shown: &Shown, observed: &Observed) -> bool {
    let end_ok = if shown.hung {
        matches!(
            observed.end,
            EndKind::Idle | EndKind::Deadlock | EndKind::TimeLimit
        )
    } else {
        observed.end == EndKind::Done
    };
    end_ok
        && shown.values.iter().all(|(expr, v)| match v {
            None => true,
            Some(v) => observed.values.get(expr) == Some(v),
        })
}

/// Why `plan` cannot be compared with Node, if it cannot.
fn not_comparable(plan: &Plan) -> Option<String> {
    if !plan.faults.is_empty() || plan.fault_search.is_some() || !plan.timed_terminates.is_empty() {
        return Some("it injects faults, which plain Node cannot".into());
    }
    None
}

/// Compares `plan`'s program under Node with Heddle's exhaustive exploration of it.
pub fn diff(plan: &Plan, options: &DiffOptions<'_>) -> Result<Diff, DiffError> {
    let mut out = Diff {
        name: plan.name.clone(),
        path: plan.path.clone(),
        skipped: not_comparable(plan),
        documented: plan.diverges.clone(),
        heddle: Report::default(),
        preemptions: plan.explore.preemptions,
        node_runs: 0,
        hung: 0,
        node_elapsed: Duration::ZERO,
        shown: BTreeMap::new(),
        unobserved: BTreeMap::new(),
    };
    if out.skipped.is_some() {
        return Ok(out);
    }
    let exhaustive = crate::plan::ExplorePlan {
        strategy: Strategy::Exhaustive,
        schedule: None,
        max_runs: options.max_runs,
        accept_partial: true,
        ..plan.explore.clone()
    };
    out.heddle = explore::explore(plan, &exhaustive, &options.heddle);
    let heddle_hangs = out.heddle.observed.iter().any(|o| o.end != EndKind::Done);

    let program = node::NodeProgram::new(plan, &options.node, options.pause_ms)?;
    let next = AtomicU64::new(0);
    let started = Instant::now();
    let runs: Mutex<Vec<NodeRun>> = Mutex::new(Vec::new());
    let failed: Mutex<Option<DiffError>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..options.jobs.max(1) {
            s.spawn(|| loop {
                if started.elapsed() >= options.node_time {
                    return;
                }
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= options.runs {
                    return;
                }
                let mut run = program.run(n, options.hang);
                // A hang Heddle never shows is confirmed with a longer limit first.
                if let Ok(r) = &run {
                    if r.end == NodeEnd::Hung && !heddle_hangs {
                        run = program.run(n, options.hang * 10);
                    }
                }
                match run {
                    Ok(r) => runs.lock().unwrap_or_else(|e| e.into_inner()).push(r),
                    Err(e) => {
                        *failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                        return;
                    }
                }
            });
        }
    });
    if let Some(e) = failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    out.node_elapsed = started.elapsed();
    let mut runs = runs.into_inner().unwrap_or_else(|e| e.into_inner());
    runs.sort_by_key(|r| r.number);
    out.node_runs = runs.len() as u64;
    let mut shown_any: BTreeSet<String> = BTreeSet::new();
    let mut threw: BTreeMap<String, String> = BTreeMap::new();
    for run in runs {
        let hung = run.end == NodeEnd::Hung;
        out.hung += u64::from(hung);
        for (expr, v) in &run.values {
            if v.is_some() {
                shown_any.insert(expr.clone());
            }
        }
        for (expr, why) in &run.threw {
            threw.entry(expr.clone()).or_insert_with(|| why.clone());
        }
        let key = Shown {
            hung,
            values: run.values.clone(),
        };
        if let Some(seen) = out.shown.get_mut(&key) {
            seen.count += 1;
            continue;
        }
        let divergent = !out.heddle.observed.iter().any(|o| matches(&key, o));
        out.shown.insert(
            key,
            Seen {
                count: 1,
                first: run,
                divergent,
            },
        );
    }
    for expr in crate::check::expressions(plan) {
        if !shown_any.contains(&expr) {
            let why = threw.get(&expr).cloned();
            out.unobserved.insert(expr, why);
        }
    }
    Ok(out)
}

/// `Shown` as text: `exited: @b r=1, x=2` (`?` for a value Node could not show).
pub fn describe(shown: &Shown) -> String {
    let values: Vec<String> = shown
        .values
        .iter()
        .map(|(e, v)| format!("{e} = {}", v.as_deref().unwrap_or("?")))
        .collect();
    let end = if shown.hung { "hung" } else { "exited" };
    if values.is_empty() {
        end.to_string()
    } else {
        format!("{end}: {}", values.join(", "))
    }
}

/// `Observed` as text, in the same form.
pub fn describe_observed(o: &Observed) -> String {
    let values: Vec<String> = o.values.iter().map(|(e, v)| format!("{e} = {v}")).collect();
    let end = crate::check::kind_name(o.end);
    if values.is_empty() {
        end.to_string()
    } else {
        format!("{end}: {}", values.join(", "))
    }
}
