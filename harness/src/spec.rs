//! The YAML spec format, as serde types that mirror it and nothing more.
//!
//! `docs/SPEC.md` documents every field; `docs/spec.schema.json` is generated from these
//! types (`heddle schema`). Validation beyond the shape (names that must exist, steps that
//! only make sense in some places) is in [`crate::plan`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

/// A value with its place in the spec file.
pub type At<T> = Spanned<T>;

/// One scenario.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// A short, unique name.
    #[schemars(with = "String")]
    pub name: At<String>,
    /// What the scenario shows, in a sentence or a paragraph; where Node differs from a
    /// claim it tests, say so here.
    #[serde(default)]
    pub about: Option<String>,
    /// Where real Node shows what this spec's model cannot (store buffering through plain,
    /// non-atomic accesses, say): why. `heddle diff` then reports the difference without
    /// failing on it.
    #[serde(default)]
    pub diverges: Option<String>,
    /// Shared buffers, by name; each is a global of that name in every thread.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Shared>")]
    pub shared: BTreeMap<String, At<Shared>>,
    /// Extra `MessageChannel`s: each name gives one end to each of two threads (as a global
    /// of that name).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, [String; 2]>")]
    pub channels: BTreeMap<String, At<[At<String>; 2]>>,
    /// The main thread: declarative steps, or a Node-style script.
    #[serde(default)]
    #[schemars(with = "Option<Thread>")]
    pub main: Option<At<Thread>>,
    /// Workers by name, spawned by `main` unless they name another `parent`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Thread>")]
    pub workers: BTreeMap<String, At<Thread>>,
    /// Which schedules to run.
    #[serde(default)]
    #[schemars(with = "Option<Explore>")]
    pub explore: Option<At<Explore>>,
    /// Faults to inject: a list of rules (which posts are dropped or duplicated), or a
    /// mapping with `rules:` and `explore:` (every placement of at most `max` faults).
    #[serde(default)]
    #[schemars(with = "Option<Faults>")]
    pub faults: Option<At<Faults>>,
    /// What must hold.
    #[serde(default)]
    pub expect: Expect,
    /// Scheduling points a run may take before it counts as a livelock. Default 20000.
    #[serde(default)]
    #[schemars(with = "Option<u64>")]
    pub max_steps: Option<At<u64>>,
    /// Virtual milliseconds a run may last: the run ends (normally) instead of jumping the
    /// clock past this. For programs that never end on their own (an interval).
    #[serde(default)]
    #[schemars(with = "Option<u64>")]
    pub max_time: Option<At<u64>>,
    /// Wall-clock milliseconds one unit (the code between two scheduling points) may run
    /// before the run fails as stuck (a busy loop). Default 5000.
    #[serde(default)]
    #[schemars(with = "Option<u64>")]
    pub max_unit_ms: Option<At<u64>>,
    /// Wall-clock milliseconds one run may take in all. Default 60000.
    #[serde(default)]
    #[schemars(with = "Option<u64>")]
    pub max_run_ms: Option<At<u64>>,
    /// The heap limit of every thread that sets no `max_old_generation_mb`, main's
    /// included, in MiB. Default 512. A worker that reaches it ends with
    /// `ERR_WORKER_OUT_OF_MEMORY`; main ends as Node's does (exit code 134).
    #[serde(default)]
    #[schemars(with = "Option<u32>")]
    pub max_heap_mb: Option<At<u32>>,
    /// How the program touches shared memory: `any` (the default: plain typed-array reads
    /// may race, so every unit of the program's code is taken to read all of it) or
    /// `atomics` (only through `Atomics`: a unit reads only what its operations name, which
    /// lets the exploration reduce much further; a plain read then may miss behaviours).
    #[serde(default)]
    pub memory: Option<MemoryUse>,
    /// `process.env` in every thread (nothing else of the machine's environment: runs stay
    /// the same wherever they run).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub env: BTreeMap<String, At<String>>,
    /// Folders outside the spec's own (relative to it) that its scripts may be read from.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub allow_read: Vec<At<String>>,
}

/// `faults:` — rules, or rules and a search over placements.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub enum Faults {
    /// Rules that always apply.
    Rules(#[schemars(with = "Vec<FaultSpec>")] Vec<At<FaultSpec>>),
    /// Rules, and faults to explore.
    With(FaultsWith),
}

impl Faults {
    /// The rules that always apply.
    pub fn rules(&self) -> &[At<FaultSpec>] {
        match self {
            Faults::Rules(r) => r,
            Faults::With(w) => &w.rules,
        }
    }

    /// The search over placements, if any.
    pub fn search(&self) -> Option<&At<FaultSearchSpec>> {
        match self {
            Faults::Rules(_) => None,
            Faults::With(w) => w.explore.as_ref(),
        }
    }
}

/// `faults:` as a mapping.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultsWith {
    /// Rules that always apply (as the list form's).
    #[serde(default)]
    #[schemars(with = "Vec<FaultSpec>")]
    pub rules: Vec<At<FaultSpec>>,
    /// Every placement of at most `max` faults of these kinds on the posts runs make, each
    /// explored with the spec's strategy.
    #[serde(default)]
    #[schemars(with = "Option<FaultSearchSpec>")]
    pub explore: Option<At<FaultSearchSpec>>,
}

/// A search over fault placements.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultSearchSpec {
    /// At most this many faults in one run (1 to 3).
    pub max: u32,
    /// The kinds to place (default: `[drop]`).
    #[serde(default)]
    pub kinds: Vec<FaultKind>,
}

/// A kind of fault a search places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FaultKind {
    /// The message is lost.
    Drop,
    /// The message is delivered twice.
    Duplicate,
    /// The message is queued without waking its receiver.
    #[serde(rename = "lose_wakeup")]
    LoseWakeup,
    /// The message is held for 2 of its poster's scheduling points.
    Delay,
    /// The message swaps places with the next one on its port.
    Reorder,
    /// The post fails with a `DataCloneError`.
    #[serde(rename = "clone_failure")]
    CloneFailure,
}

/// One fault rule.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum FaultSpec {
    /// Drop the `nth` message `from` posts (it is never delivered).
    Drop(NthPostSpec),
    /// Deliver the `nth` message `from` posts twice.
    Duplicate(NthPostSpec),
    /// Queue the `nth` message `from` posts without waking its receiver (a missed
    /// `uv_async_send`): it waits for the port's next wake-up.
    #[serde(rename = "lose_wakeup")]
    LoseWakeup(NthPostSpec),
    /// Hold the picked posts in the poster's loop for `points` of its scheduling points
    /// (they go earlier if the port closes or moves, or the poster parks or ends).
    Delay(NthPostSpec),
    /// Hold the picked posts until the next message on the same port has gone: the two
    /// arrive swapped.
    Reorder(NthPostSpec),
    /// Fail the picked posts with Node's `DataCloneError` (`#<Object> could not be
    /// cloned.`), before anything is serialized or transferred.
    #[serde(rename = "clone_failure")]
    CloneFailure(NthPostSpec),
    /// Give worker `thread` a heap limit of `mb` MiB (default 8) and make its step `step`
    /// allocate until it runs out: it ends with `ERR_WORKER_OUT_OF_MEMORY`, as a worker
    /// whose `resourceLimits` are too low does.
    #[serde(rename = "heap_limit")]
    HeapLimit(HeapLimitSpec),
    /// Throw an uncaught error in `thread` instead of running its step `step` (0 for
    /// the first, as traces number them): the thread ends as a crashed worker does.
    Crash(StepFaultSpec),
    /// Terminate worker `thread` where its step `step` would run, or when the virtual clock
    /// reaches `at_ms`, as its parent's `worker.terminate()` does: it ends at once with
    /// exit code 1 and no `'exit'` event of its own.
    Terminate(StepFaultSpec),
}

/// Where a crash or terminate fault strikes: a step, or (terminate only) a virtual time.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepFaultSpec {
    /// The thread (with declarative steps, for `step`).
    pub thread: String,
    /// Its step, from 0.
    #[serde(default)]
    pub step: Option<u32>,
    /// For `terminate`: when the virtual clock first reaches this time (ms) while the
    /// worker runs, wherever it is, blocked in `Atomics.wait` included.
    #[serde(default)]
    pub at_ms: Option<u64>,
}

/// Which step a heap-limit fault makes run out of memory.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeapLimitSpec {
    /// The worker (with declarative steps).
    pub thread: String,
    /// Its step, from 0.
    pub step: u32,
    /// Its heap limit (`resourceLimits.maxOldGenerationSizeMb`), 1 to 64 MiB; default 8.
    #[serde(default)]
    pub mb: Option<u32>,
}

/// Which posts a fault applies to: those of `from` that every given selector picks.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NthPostSpec {
    /// The posting thread.
    pub from: String,
    /// Which of its posts, 1 for the first (every post when absent).
    #[serde(default)]
    pub nth: Option<u64>,
    /// Only posts that reach this thread (whose port's peer it owns when it is posted).
    #[serde(default)]
    pub to: Option<String>,
    /// Only posts made while `from` runs this declarative step (0 for its first).
    #[serde(default)]
    pub step: Option<u32>,
    /// Only posts through an end of this channel (of the spec's `channels:`).
    #[serde(default)]
    pub port: Option<String>,
    /// Only posts made at or after this virtual time, in ms.
    #[serde(default)]
    pub after_ms: Option<u64>,
    /// Only a post whose draw from the run's seed falls under this (0 to 1): the same
    /// seed picks the same posts.
    #[serde(default)]
    pub probability: Option<f64>,
    /// For `delay`: how many of the poster's scheduling points the message is held (1 to
    /// 1000).
    #[serde(default)]
    pub points: Option<u32>,
}

/// A shared buffer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Shared {
    /// A `SharedArrayBuffer` of this many bytes.
    pub sab: u32,
}

/// A thread: declarative steps, or a script.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Thread {
    /// Steps, run in order, each one a scheduling point.
    #[serde(default)]
    #[schemars(with = "Vec<Step>")]
    pub steps: Vec<At<Step>>,
    /// A Node-style program (path relative to the spec file) run instead of steps.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub script: Option<At<String>>,
    /// The thread that spawns this worker; `main` by default.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub parent: Option<At<String>>,
    /// Spawn at the parent's start (default), or only at the parent's `spawn` step.
    #[serde(default)]
    pub autostart: Option<bool>,
    /// `workerData` (a JSON/YAML value), as `workerData.data` next to the shared buffers.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub data: Option<serde_json::Value>,
    /// `resourceLimits.maxOldGenerationSizeMb`.
    #[serde(default)]
    pub max_old_generation_mb: Option<u32>,
}

/// One declarative step.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Step {
    /// Run JavaScript (global code; assign to share values with later steps).
    Js(String),
    /// `postMessage` to a port: `parent`, a child worker's name, or a channel name.
    Post(Post),
    /// Wait for the next message from a port and keep it in a global.
    Recv(Recv),
    /// Close a port (a channel end, or `parent`).
    Close(String),
    /// Terminate a child worker (`worker.terminate()`).
    Terminate(String),
    /// Spawn a child worker declared with `autostart: false`.
    Spawn(String),
    /// `Atomics.wait` on a shared buffer's Int32 element.
    Wait(Wait),
    /// `Atomics.notify` on a shared buffer's Int32 element.
    Notify(Notify),
    /// Just a scheduling point.
    Yield,
}

/// A `post` step.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Post {
    /// The port to post through.
    #[schemars(with = "String")]
    pub to: At<String>,
    /// A JavaScript expression: the message.
    pub value: String,
    /// JavaScript expressions for the transfer list.
    #[serde(default)]
    pub transfer: Vec<String>,
}

/// A `recv` step.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recv {
    /// The port to receive from.
    #[schemars(with = "String")]
    pub from: At<String>,
    /// The global that gets the message.
    #[serde(rename = "as")]
    pub as_: String,
}

/// A `wait` step: `Atomics.wait(new Int32Array(on), index, value, timeout)`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Wait {
    /// The shared buffer.
    #[schemars(with = "String")]
    pub on: At<String>,
    /// The Int32 index.
    #[serde(default)]
    pub index: u32,
    /// The value to wait on.
    #[serde(default)]
    pub value: i32,
    /// Virtual milliseconds; none waits for ever.
    #[serde(default)]
    pub timeout: Option<f64>,
    /// The global that gets the result (`"ok"`, `"timed-out"`, `"not-equal"`).
    #[serde(default, rename = "as")]
    pub as_: Option<String>,
}

/// A `notify` step: `Atomics.notify(new Int32Array(on), index, count)`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// The shared buffer.
    #[schemars(with = "String")]
    pub on: At<String>,
    /// The Int32 index.
    #[serde(default)]
    pub index: u32,
    /// How many waiters to wake; all by default.
    #[serde(default)]
    pub count: Option<u32>,
    /// The global that gets the number woken.
    #[serde(default, rename = "as")]
    pub as_: Option<String>,
}

/// Which schedules to run.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub enum Explore {
    /// `fixed`, `exhaustive`, `random` or `pct` with default settings.
    Name(Strategy),
    /// A strategy with settings.
    With(ExploreWith),
}

/// The strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// One schedule: the given choices, then the running thread goes on while it can.
    Fixed,
    /// Every schedule (DFS), optionally with at most `preemptions` preemptions.
    Exhaustive,
    /// `runs` schedules chosen uniformly at random from `seed`.
    Random,
    /// Probabilistic concurrency testing: `runs` schedules with `depth` priority changes.
    Pct,
}

/// A strategy with settings.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExploreWith {
    /// The strategy.
    pub strategy: Strategy,
    /// `fixed`: the choices, as a schedule string (`a.b.main`).
    #[serde(default)]
    pub schedule: Option<String>,
    /// `random`/`pct`: the seed.
    #[serde(default)]
    pub seed: Option<u64>,
    /// `random`/`pct`: how many runs.
    #[serde(default)]
    pub runs: Option<u64>,
    /// `pct`: the bug depth (priority change points + 1).
    #[serde(default)]
    pub depth: Option<u32>,
    /// `exhaustive`: the preemption bound.
    #[serde(default)]
    pub preemptions: Option<u32>,
    /// `exhaustive`: give up after this many schedules (default 100000).
    #[serde(default)]
    pub max_runs: Option<u64>,
    /// How many times a run may move the virtual clock ahead of threads that could run,
    /// firing a timer (or timing out a wait) between other threads' units, as real time
    /// allows. Default: no bound; `0` moves the clock only when nothing else can run.
    #[serde(default)]
    pub time_choices: Option<u32>,
    /// `exhaustive`: accept an exploration that `max_runs` (or a budget) cut short, whose
    /// outcome sets are then only checked to be subsets. Without it, a cut-short
    /// exploration fails every `outcomes` and `ends: required` expectation.
    #[serde(default)]
    pub accept_partial: Option<bool>,
    /// A thread that repeats its previous unit exactly (the same `Atomics` operation on
    /// the same element, reading the same values, writing nothing, nothing written in
    /// between) is spinning, and waits until another thread writes what it reads. Default
    /// `true`; `false` explores every repeat (spin loops then end on the step budget).
    #[serde(default)]
    pub spin_assume: Option<bool>,
}

/// Expectations.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// JavaScript expressions (evaluated in main after every run; `@worker expr` evaluates in
    /// that worker) and the value each must have in every run.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub values: BTreeMap<String, At<serde_json::Value>>,
    /// Expressions and the exact set of values they take over all explored runs.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Vec<serde_json::Value>>")]
    pub outcomes: BTreeMap<String, At<Vec<serde_json::Value>>>,
    /// `exhaustive`: the exact number of distinct behaviours the exploration finds (runs
    /// equal up to the order of independent units count once; see docs/SPEC.md).
    #[serde(default)]
    #[schemars(with = "Option<u64>")]
    pub behaviours: Option<At<u64>>,
    /// Exit codes by thread name (`main` is the process's).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, i32>")]
    pub exit: BTreeMap<String, At<i32>>,
    /// The uncaught error each named worker must end with (its `'error'` event).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, ErrorExpect>")]
    pub errors: BTreeMap<String, At<ErrorExpect>>,
    /// The exact stdout of the run (all threads, in order).
    #[serde(default)]
    pub stdout: Option<String>,
    /// How runs may end. A list names the ends allowed (`[done, idle]`); a map gives each
    /// end a rule: `allowed`, `required` (at least one run ends so), `always` (every run
    /// does), `forbidden`. Unlisted ends are forbidden, except `done`, which is allowed
    /// unless the map says otherwise, and `time-limit`, allowed when `max_time` is set.
    /// Default: `[done]`.
    #[serde(default)]
    #[schemars(with = "Option<EndsExpect>")]
    pub ends: Option<At<EndsExpect>>,
    /// Replaced by `ends:` (kept only to say so).
    #[serde(default)]
    #[schemars(skip)]
    pub deadlock: Option<At<serde_json::Value>>,
    /// `snapshot`: compare the run's trace (or the explored outcome set) with its snapshot.
    #[serde(default)]
    pub trace: Option<TraceExpect>,
    /// Messages that may be left undelivered (still queued when their receiver ends):
    /// each entry allows any number of them from `from` to `to` (either may be left out
    /// to mean any thread). Any other undelivered message fails the run.
    #[serde(default)]
    #[schemars(with = "Vec<UndeliveredExpect>")]
    pub undelivered: Vec<At<UndeliveredExpect>>,
}

/// Messages allowed to stay undelivered.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UndeliveredExpect {
    /// The posting thread (any if left out).
    #[serde(default)]
    pub from: Option<String>,
    /// The thread whose port held it (any if left out).
    #[serde(default)]
    pub to: Option<String>,
}

/// An expected error.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorExpect {
    /// The error's class name (`TypeError`, `DataCloneError`, …).
    #[serde(default)]
    pub class: Option<String>,
    /// Its `code` (a Node code such as `ERR_INVALID_TRANSFER_OBJECT`, or a number).
    #[serde(default)]
    pub code: Option<serde_json::Value>,
    /// Its message, exactly.
    #[serde(default)]
    pub message: Option<String>,
}

/// How a program touches shared memory (see [`Spec::memory`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemoryUse {
    /// Plain reads and writes as well as `Atomics`.
    Any,
    /// Only through `Atomics`.
    Atomics,
}

/// `ends:` — how runs may end.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum EndsExpect {
    /// The ends allowed.
    List(Vec<EndKind>),
    /// A rule per end.
    Rules(BTreeMap<EndKind, EndRule>),
}

/// The ways a run can end that a spec may expect.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum EndKind {
    /// Every thread exited.
    Done,
    /// Every thread waits for messages or timers that cannot come, its steps finished:
    /// Node would wait here for ever.
    Idle,
    /// A thread is blocked in a step or in `Atomics.wait` and nothing can wake it.
    Deadlock,
    /// The virtual clock reached `max_time`.
    TimeLimit,
}

/// What a spec says about one way of ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EndRule {
    /// Runs may end so.
    Allowed,
    /// At least one run must end so (and others may).
    Required,
    /// Every run must end so.
    Always,
    /// No run may end so.
    Forbidden,
}

/// Trace expectations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TraceExpect {
    /// Compare with the snapshot under `snapshots/`.
    Snapshot,
}

/// A name or a mapping, told apart by the YAML node itself (serde's `untagged` would hide
/// the inner error, such as the mapping's unknown key, behind "no variant matched").
mod either {
    use std::collections::BTreeMap;
    use std::fmt;

    use serde::de::{
        self, Deserialize, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
    };

    use super::{
        At, EndKind, EndRule, EndsExpect, Explore, ExploreWith, FaultSpec, Faults, FaultsWith,
        Strategy,
    };

    impl<'de> Deserialize<'de> for Faults {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Faults;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a list of fault rules (`[{ drop: { from: a, nth: 1 } }]`) or a mapping with `rules:` and `explore: { max, kinds }`")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Faults, A::Error> {
                    Vec::<At<FaultSpec>>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                        .map(Faults::Rules)
                }
                fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Faults, A::Error> {
                    FaultsWith::deserialize(de::value::MapAccessDeserializer::new(map))
                        .map(Faults::With)
                }
            }
            d.deserialize_any(V)
        }
    }

    impl<'de> Deserialize<'de> for Explore {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Explore;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a strategy (`fixed`, `exhaustive`, `random`, `pct`) or a mapping with `strategy:` and its settings")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Explore, E> {
                    Strategy::deserialize(v.into_deserializer()).map(Explore::Name)
                }
                fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Explore, A::Error> {
                    ExploreWith::deserialize(de::value::MapAccessDeserializer::new(map))
                        .map(Explore::With)
                }
            }
            d.deserialize_any(V)
        }
    }

    impl<'de> Deserialize<'de> for EndsExpect {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = EndsExpect;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a list of ends (`[done, idle]`) or a mapping of ends to rules (`{ deadlock: required }`)")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<EndsExpect, A::Error> {
                    Vec::<EndKind>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                        .map(EndsExpect::List)
                }
                fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<EndsExpect, A::Error> {
                    BTreeMap::<EndKind, EndRule>::deserialize(
                        de::value::MapAccessDeserializer::new(map),
                    )
                    .map(EndsExpect::Rules)
                }
            }
            d.deserialize_any(V)
        }
    }
}
