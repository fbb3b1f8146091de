//! The controlling scheduler: one thread at a time, chosen by a [`Strategy`].
//!
//! - [`controller`]: [`Controller`], the runtime's `Gate` for one run: turns, parking, the
//!   virtual clock, the `Atomics` wait table.
//! - [`observer`]: what a run showed: the trace, FIFO checks, how it ended.
//! - [`watchdog`]: the wall-clock limits on a unit and on a run.
//! - [`footprint`]: what each unit touched, and when two units are dependent;
//!   [`dpor`]: source-set partial-order reduction over those footprints.
//! - one strategy per file: [`fixed`], [`random`], [`pct`], [`dfs`].
//!
//! Every worker thread of a run asks the controller for its turn at each scheduling point;
//! exactly one thread holds the turn, and the others are blocked in `point`, `park` or
//! `atomics_wait`. When the holder reaches its next point, parks, waits or exits, the
//! controller picks the next thread among the runnable ones. With several candidates, that
//! is a *decision*, made by the strategy and recorded; the names chosen at the decisions
//! are the run's schedule string.

pub mod controller;
pub mod dfs;
pub mod dpor;
pub mod fixed;
pub mod footprint;
pub mod observer;
pub mod pct;
pub mod random;
pub mod watchdog;

use std::fmt;
use std::time::Duration;

use heddle_runtime::WorkerId;

pub use controller::{Controller, ControllerConfig};
pub use watchdog::WatchdogLimits;

/// One decision: several threads could run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The candidates, in canonical order: the thread that just yielded first (continuing
    /// it is not a preemption), then the others by id.
    pub candidates: Vec<WorkerId>,
    /// The index chosen.
    pub chosen: usize,
    /// Whether the thread that yielded could have gone on (choosing another preempts it).
    pub running_first: bool,
    /// Candidates from this index on are *timed*: choosing one moves the clock to its next
    /// timer or wait timeout (`candidates.len()` if there are none).
    pub first_timed: usize,
}

impl Decision {
    /// Whether the choice preempted a thread that could have continued.
    pub fn is_preemption(&self) -> bool {
        self.running_first && self.chosen != 0
    }

    /// Whether the choice moved the clock ahead of threads that could run now.
    pub fn is_time_jump(&self) -> bool {
        self.chosen >= self.first_timed
    }
}

/// Why a strategy could not choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A forced schedule does not fit the run (the message says how).
    Mismatch(String),
    /// Every candidate is asleep: the rest of the run would repeat a behaviour already
    /// explored (partial-order reduction's sleep sets).
    Asleep,
}

/// Picks among runnable threads.
///
/// Call protocol: `choose` is called only with two or more candidates, in the canonical
/// order described at [`Decision::candidates`]; `names` gives each candidate's thread name.
pub trait Strategy: Send {
    /// The index of the candidate to run, for the `index`-th decision of the run.
    fn choose(
        &mut self,
        index: usize,
        candidates: &[WorkerId],
        names: &[&str],
        running_first: bool,
    ) -> Result<usize, Refusal>;

    /// A unit just ended (`unit`'s footprint is final but for the queues of the messages
    /// it posted, which `unit.posted` flags). Called before the next `choose`.
    fn unit_done(&mut self, _unit: &footprint::Unit) {}
}

/// Where a thread was when the watchdog stopped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StuckAt {
    /// The thread's name.
    pub thread: String,
    /// The declarative step it was in (its index in the thread's steps), if any.
    pub step: Option<u32>,
    /// The limit it exceeded.
    pub limit: Duration,
}

/// A thread that keeps a run from ending well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker {
    /// It exited while inside a declarative step (a `recv` whose message never came: the
    /// process ended around its pending promise, as Node's does).
    EndedInStep {
        /// The thread.
        thread: String,
        /// The step (index in the thread).
        step: Option<u32>,
    },
    /// It waits for a message inside a declarative step.
    InStep {
        /// The thread.
        thread: String,
        /// The step.
        step: Option<u32>,
    },
    /// It waits in `Atomics.wait`.
    InWait {
        /// The thread.
        thread: String,
    },
}

impl Blocker {
    /// The blocked thread's name.
    pub fn thread(&self) -> &str {
        match self {
            Blocker::EndedInStep { thread, .. }
            | Blocker::InStep { thread, .. }
            | Blocker::InWait { thread } => thread,
        }
    }
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = |s: &Option<u32>| {
            s.map(|s| format!("step {s}"))
                .unwrap_or_else(|| "a step".into())
        };
        match self {
            Blocker::EndedInStep { thread, step: s } => {
                write!(
                    f,
                    "{thread} ended inside {} (nothing could finish it)",
                    step(s)
                )
            }
            Blocker::InStep { thread, step: s } => {
                write!(
                    f,
                    "{thread} is blocked in {} (waiting for a message)",
                    step(s)
                )
            }
            Blocker::InWait { thread } => write!(f, "{thread} waits in Atomics.wait"),
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Every thread exited.
    Done,
    /// Nothing runnable; every blocked thread had finished its steps (Node would wait for
    /// ever here).
    Idle,
    /// Nothing runnable and a thread is blocked in a step or `Atomics.wait`.
    Deadlock(Vec<Blocker>),
    /// The step budget ran out (a livelock, or a budget too small).
    Budget(u64),
    /// A forced schedule did not fit the run.
    Mismatch(String),
    /// The partial-order reduction stopped the run: what is left of it would repeat a
    /// behaviour already explored (not a failure, and not a behaviour of its own).
    Redundant,
    /// The virtual clock reached the spec's `max_time` (not a failure).
    TimeLimit(u64),
    /// A unit ran longer than the watchdog's limit without reaching a scheduling point.
    Stuck(StuckAt),
    /// The run took longer than the watchdog's whole-run limit.
    WallClock(Duration),
}

impl End {
    /// A short name for counting ends (`done`, `idle`, `deadlock`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            End::Done => "done",
            End::Idle => "idle",
            End::Deadlock(_) => "deadlock",
            End::Budget(_) => "budget",
            End::Mismatch(_) => "mismatch",
            End::Redundant => "redundant",
            End::TimeLimit(_) => "time-limit",
            End::Stuck(_) => "stuck",
            End::WallClock(_) => "wall-clock",
        }
    }
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            End::Done => write!(f, "done"),
            End::Idle => write!(f, "idle"),
            End::Deadlock(who) => {
                let who: Vec<String> = who.iter().map(ToString::to_string).collect();
                write!(f, "deadlock: {}", who.join("; "))
            }
            End::Budget(n) => write!(f, "step budget of {n} exhausted (livelock?)"),
            End::Mismatch(why) => write!(f, "schedule mismatch: {why}"),
            End::Redundant => write!(f, "redundant (its behaviour is explored by another run)"),
            End::TimeLimit(ms) => write!(f, "time limit ({ms} ms virtual)"),
            End::Stuck(at) => {
                write!(f, "{} ran for ", at.thread)?;
                write!(
                    f,
                    "{} ms without reaching a scheduling point",
                    at.limit.as_millis()
                )?;
                if let Some(step) = at.step {
                    write!(f, " (in its step {step})")?;
                }
                Ok(())
            }
            End::WallClock(limit) => write!(
                f,
                "the run took longer than its wall-clock limit of {} ms",
                limit.as_millis()
            ),
        }
    }
}
