//! [`Plan`]: a validated spec, every name resolved, and the JavaScript each thread runs.
//!
//! - [`validate`]: [`Spec`](crate::spec::Spec) → [`Plan`], with a diagnostic at its place
//!   in the file for every problem (and a suggestion for a near miss).
//! - [`codegen`]: the plan's topology and steps → the Node programs the threads run.
//! - `steps` (a thread's steps resolved, and their JavaScript checked) and `settings`
//!   (exploration, expectations, faults): parts of the validation.
//!
//! The generated programs are ordinary Node programs: the main thread creates the shared
//! buffers and channels and spawns the workers; each thread runs its steps in order inside
//! an async function, each step preceded by its step point (a scheduling point that names
//! the step by index, see `heddle.takeStepPoints()` in the runtime's bootstrap).

pub mod codegen;
mod settings;
mod steps;
pub mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::diag::Diagnostic;
use crate::sched::controller::StepKinds;
use crate::sched::WatchdogLimits;
use crate::spec::{EndKind, EndRule, Strategy};

/// The name of the main thread in specs and traces.
pub const MAIN: &str = "main";

/// The largest `SharedArrayBuffer` a spec may declare, in bytes.
pub const MAX_SAB_BYTES: u32 = 1 << 28;

/// How the main thread starts.
#[derive(Debug, Clone)]
pub enum MainSource {
    /// Generated from the spec's steps and workers.
    Generated(String),
    /// A Node program, run unchanged (cwd: its directory).
    Script(PathBuf),
}

/// Exploration settings, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplorePlan {
    /// The strategy.
    pub strategy: Strategy,
    /// `fixed`: the forced choices.
    pub schedule: Option<String>,
    /// `random`/`pct`: the seed.
    pub seed: u64,
    /// `random`/`pct`: runs.
    pub runs: u64,
    /// `pct`: depth.
    pub depth: u32,
    /// `exhaustive`: preemption bound.
    pub preemptions: Option<u32>,
    /// `exhaustive`: give-up limit.
    pub max_runs: u64,
    /// `exhaustive`: a cut-short exploration is accepted (subset checks).
    pub accept_partial: bool,
    /// How many clock jumps ahead of runnable threads a run may take (`None`: no bound;
    /// `Some(0)`: time moves only when nothing else can run).
    pub time_choices: Option<u32>,
    /// A thread repeating its previous unit exactly is spinning, and waits for another
    /// thread's write (see `sched/controller/spin.rs`).
    pub spin_assume: bool,
}

impl Default for ExplorePlan {
    fn default() -> Self {
        ExplorePlan {
            strategy: Strategy::Fixed,
            schedule: None,
            seed: 1,
            runs: 100,
            depth: 3,
            preemptions: None,
            max_runs: 100_000,
            accept_partial: false,
            time_choices: None,
            spin_assume: true,
        }
    }
}

/// An expected error, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorPlan {
    /// Class name.
    pub class: Option<String>,
    /// Code.
    pub code: Option<serde_json::Value>,
    /// Message.
    pub message: Option<String>,
}

/// Expectations, with the line each came from (for failure messages).
#[derive(Debug, Clone, Default)]
pub struct ExpectPlan {
    /// expr -> (value, line).
    pub values: BTreeMap<String, (serde_json::Value, u64)>,
    /// expr -> (set, line).
    pub outcomes: BTreeMap<String, (Vec<serde_json::Value>, u64)>,
    /// thread -> (code, line).
    pub exit: BTreeMap<String, (i32, u64)>,
    /// The exact number of distinct behaviours (exhaustive explorations), and its line.
    pub behaviours: Option<(u64, u64)>,
    /// worker -> (error, line).
    pub errors: BTreeMap<String, (ErrorPlan, u64)>,
    /// Exact stdout.
    pub stdout: Option<String>,
    /// The rule for each way of ending (every [`EndKind`] has one).
    pub ends: BTreeMap<EndKind, EndRule>,
    /// The line of `ends:`, if the spec has one.
    pub ends_line: Option<u64>,
    /// Snapshot the trace.
    pub snapshot: bool,
    /// Undelivered messages allowed: (from, to), `None` for any thread.
    pub undelivered: Vec<(Option<String>, Option<String>)>,
}

/// A place in the spec file (1-based; 0 when unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SourceAt {
    /// Line.
    pub line: u64,
    /// Column.
    pub column: u64,
}

/// A port a step names, resolved in its thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortRef {
    /// `parentPort` (workers only).
    Parent,
    /// A child worker (its `Worker` object).
    Child(String),
    /// This thread's end of a channel.
    Channel(String),
}

/// What a declarative step does, with every name resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum StepAction {
    /// Global code (indirect eval).
    Js(String),
    /// A crash fault: an uncaught `Error` with this message, instead of the step.
    Crash(String),
    /// A terminate fault: the thread is terminated instead of running the step.
    Terminated,
    /// A heap-limit fault: the step allocates until the worker's (lowered) heap limit is
    /// reached.
    ExhaustHeap,
    /// `to.postMessage(value, [transfer…])` (JavaScript expressions).
    Post {
        /// Through.
        to: PortRef,
        /// The message expression.
        value: String,
        /// Transfer list expressions.
        transfer: Vec<String>,
    },
    /// Waits for the next message from `from` into the global `into`.
    Recv {
        /// From.
        from: PortRef,
        /// The global that gets it.
        into: String,
    },
    /// `port.close()`.
    Close(PortRef),
    /// `child.terminate()`.
    Terminate(String),
    /// Spawns a child declared with `autostart: false`.
    Spawn(String),
    /// `Atomics.wait(new Int32Array(buffer), index, value, timeout)`.
    Wait {
        /// The shared buffer.
        buffer: String,
        /// The Int32 index.
        index: u32,
        /// The expected value.
        value: i32,
        /// Virtual ms; `None` waits for ever.
        timeout: Option<f64>,
        /// The global that gets the result.
        into: Option<String>,
    },
    /// `Atomics.notify(new Int32Array(buffer), index, count)`.
    Notify {
        /// The shared buffer.
        buffer: String,
        /// The Int32 index.
        index: u32,
        /// How many to wake (all by default).
        count: Option<u32>,
        /// The global that gets the number woken.
        into: Option<String>,
    },
    /// Only a scheduling point.
    Yield,
}

/// One declarative step of a thread.
#[derive(Debug, Clone, PartialEq)]
pub struct StepPlan {
    /// What it does.
    pub action: StepAction,
    /// Its label in traces: `js`, `post b`, `wait s[0]`, …
    pub kind: String,
    /// Where it is in the spec.
    pub at: SourceAt,
}

/// What a thread runs.
#[derive(Debug, Clone)]
pub enum ThreadSource {
    /// Declarative steps (possibly none).
    Steps(Vec<StepPlan>),
    /// A Node program (absolute path), run unchanged.
    Script(PathBuf),
}

/// One thread of the spec: main, or a worker.
#[derive(Debug, Clone)]
pub struct ThreadPlan {
    /// Its name.
    pub name: String,
    /// The thread that spawns it (`None` for main).
    pub parent: Option<String>,
    /// Spawned when its parent starts (else by a `spawn` step).
    pub autostart: bool,
    /// What it runs.
    pub source: ThreadSource,
    /// `workerData.data`.
    pub data: Option<serde_json::Value>,
    /// `resourceLimits.maxOldGenerationSizeMb`.
    pub max_old_generation_mb: Option<u32>,
    /// The channel ends it holds: (channel, `port1` or `port2`).
    pub ends: Vec<(String, &'static str)>,
    /// Where it is declared.
    pub at: SourceAt,
}

impl ThreadPlan {
    /// Its declarative steps (empty for a script thread).
    pub fn steps(&self) -> &[StepPlan] {
        match &self.source {
            ThreadSource::Steps(steps) => steps,
            ThreadSource::Script(_) => &[],
        }
    }
}

/// Per-run wall-clock limits a spec sets (each overrides the harness's default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitsPlan {
    /// `max_unit_ms`.
    pub unit: Option<Duration>,
    /// `max_run_ms`.
    pub run: Option<Duration>,
}

impl LimitsPlan {
    /// The limits of a run: the spec's, over `defaults`.
    pub fn over(&self, defaults: WatchdogLimits) -> WatchdogLimits {
        WatchdogLimits {
            unit: self.unit.unwrap_or(defaults.unit),
            run: self.run.unwrap_or(defaults.run),
        }
    }
}

/// A validated, runnable spec.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The spec's name.
    pub name: String,
    /// The spec file.
    pub path: PathBuf,
    /// `about:`.
    pub about: Option<String>,
    /// `diverges:`: why Node may show what this spec's model cannot.
    pub diverges: Option<String>,
    /// The folders the program may read (`require`, `import`, `fs`, worker scripts): the
    /// spec's own and its `allow_read:` ones.
    pub read_roots: Vec<PathBuf>,
    /// How main starts.
    pub main: MainSource,
    /// The directory relative paths resolve against.
    pub cwd: PathBuf,
    /// Threads: main first, then workers in spec order.
    pub threads: Vec<ThreadPlan>,
    /// Shared buffers: name -> bytes.
    pub shared: BTreeMap<String, u32>,
    /// Channels, by name.
    pub channels: Vec<String>,
    /// Exploration.
    pub explore: ExplorePlan,
    /// Expectations.
    pub expect: ExpectPlan,
    /// Step budget per run.
    pub max_steps: u64,
    /// Main is generated and has no steps: it runs no user code.
    pub main_is_supervisor: bool,
    /// Virtual time limit, if any.
    pub max_time: Option<u64>,
    /// Fault rules, in order.
    pub faults: Vec<crate::faults::PostRule>,
    /// Terminate faults at a virtual time: (worker, ms).
    pub timed_terminates: Vec<(String, u64)>,
    /// `process.env` of every thread.
    pub env: BTreeMap<String, String>,
    /// `faults: { explore: … }`: placements to search, each explored.
    pub fault_search: Option<crate::faults::FaultSearch>,
    /// Wall-clock limits the spec sets.
    pub limits: LimitsPlan,
    /// The heap limit (MiB) of threads without their own.
    pub max_heap_mb: u32,
    /// The program touches shared memory only through `Atomics` (`memory: atomics`).
    pub memory_atomics: bool,
}

impl Plan {
    /// Whether this plan explores several schedules.
    pub fn is_explored(&self) -> bool {
        self.explore.strategy != Strategy::Fixed
    }

    /// The thread named `name`.
    pub fn thread(&self, name: &str) -> Option<&ThreadPlan> {
        self.threads.iter().find(|t| t.name == name)
    }

    /// Thread names, main first.
    pub fn thread_names(&self) -> impl Iterator<Item = &str> {
        self.threads.iter().map(|t| t.name.as_str())
    }

    /// The step `index` of thread `name`, if it has one.
    pub fn step(&self, name: &str, index: u32) -> Option<&StepPlan> {
        self.thread(name)?.steps().get(index as usize)
    }

    /// The threads whose code the harness generates (declarative steps, main included when
    /// it has no script).
    pub fn generated_threads(&self) -> std::collections::BTreeSet<String> {
        self.threads
            .iter()
            .filter(|t| matches!(t.source, ThreadSource::Steps(_)))
            .map(|t| t.name.clone())
            .collect()
    }

    /// Each thread's step kinds, for the controller's trace.
    pub fn step_kinds(&self) -> StepKinds {
        self.threads
            .iter()
            .map(|t| {
                (
                    t.name.clone(),
                    t.steps().iter().map(|s| s.kind.clone()).collect(),
                )
            })
            .collect()
    }

    /// `file:line:col` of step `index` of thread `name` (the file alone if unknown).
    pub fn step_location(&self, name: &str, index: u32) -> String {
        match self.step(name, index) {
            Some(s) if s.at.line > 0 => {
                format!("{}:{}:{}", self.path.display(), s.at.line, s.at.column)
            }
            _ => self.path.display().to_string(),
        }
    }
}

/// Parses and validates the spec at `path`.
pub fn load(path: &Path) -> Result<Plan, Vec<Diagnostic>> {
    let bytes = std::fs::read(path).map_err(|e| {
        vec![Diagnostic::whole_file(
            path,
            format!("cannot read the spec: {e}"),
        )]
    })?;
    let source = validate::decode(path, &bytes)?;
    let plan = parse(path, &source)?;
    let problems = steps::check_js(&plan, &source);
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    }
}

/// Parses and validates `source`, the text of the spec at `path` (everything but the
/// JavaScript syntax checks of [`load`], which need V8).
pub fn parse(path: &Path, source: &str) -> Result<Plan, Vec<Diagnostic>> {
    validate::parse(path, source)
}
