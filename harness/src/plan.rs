//! [`Plan`]: a validated spec, with names resolved and the JavaScript each thread runs.
//!
//! Every name a step uses is checked here, with a diagnostic at its place in the file and a
//! suggestion for a near miss. The generated programs are ordinary Node programs: the main
//! thread creates the shared buffers and channels and spawns the workers; each thread runs
//! its steps in order inside an async function, each step preceded by `heddle.yield(label)`,
//! a scheduling point.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::spec::{self, At, DeadlockExpect, Explore, Spec, Step, Strategy, TraceExpect};

/// The name of the main thread in specs and traces.
pub const MAIN: &str = "main";

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
    /// worker -> (error, line).
    pub errors: BTreeMap<String, (ErrorPlan, u64)>,
    /// Exact stdout.
    pub stdout: Option<String>,
    /// Deadlock expectation.
    pub deadlock: DeadlockExpect,
    /// Snapshot the trace.
    pub snapshot: bool,
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
    /// How main starts.
    pub main: MainSource,
    /// The directory relative paths resolve against.
    pub cwd: PathBuf,
    /// Thread names, main first, then workers in spec order.
    pub threads: Vec<String>,
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
    pub faults: Vec<crate::faults::NthPost>,
}

fn js_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

const RESERVED: &[&str] = &[
    "parent", "main", "data", "heddle", "require", "console", "process", "Atomics",
];

struct Checker<'a> {
    path: &'a Path,
    source: &'a str,
    problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn at<T>(&mut self, at: &At<T>, message: String) -> &mut Diagnostic {
        self.problems.push(Diagnostic::at(
            self.path,
            self.source,
            at.referenced,
            message,
        ));
        self.problems.last_mut().expect("just pushed")
    }
}

/// Parses and validates the spec at `path`.
pub fn load(path: &Path) -> Result<Plan, Vec<Diagnostic>> {
    let source = std::fs::read_to_string(path).map_err(|e| {
        vec![Diagnostic::whole_file(
            path,
            format!("cannot read the spec: {e}"),
        )]
    })?;
    parse(path, &source)
}

/// Parses and validates `source`, the text of the spec at `path`.
pub fn parse(path: &Path, source: &str) -> Result<Plan, Vec<Diagnostic>> {
    let spec: Spec = serde_saphyr::from_str(source)
        .map_err(|e| vec![Diagnostic::from_yaml(path, source, &e)])?;
    let mut ck = Checker {
        path,
        source,
        problems: Vec::new(),
    };
    let plan = build(&mut ck, spec);
    if ck.problems.is_empty() {
        Ok(plan)
    } else {
        Err(ck.problems)
    }
}

fn build(ck: &mut Checker<'_>, spec: Spec) -> Plan {
    let dir = ck.path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let worker_names: Vec<String> = spec.workers.keys().cloned().collect();
    let mut threads = vec![MAIN.to_string()];
    threads.extend(worker_names.iter().cloned());

    // Names: identifiers, unique across workers, buffers and channels.
    let mut globals: BTreeMap<String, &str> = BTreeMap::new();
    for (kind, names) in [
        ("worker", spec.workers.keys().collect::<Vec<_>>()),
        ("shared buffer", spec.shared.keys().collect()),
        ("channel", spec.channels.keys().collect()),
    ] {
        for name in names {
            if !is_identifier(name) || RESERVED.contains(&name.as_str()) {
                ck.problems.push(Diagnostic::whole_file(ck.path, format!("{kind} name `{name}` must be a JavaScript identifier and not one of {RESERVED:?}")));
            }
            if let Some(other) = globals.insert(name.clone(), kind) {
                ck.problems.push(Diagnostic::whole_file(
                    ck.path,
                    format!("`{name}` names both a {other} and a {kind}"),
                ));
            }
        }
    }

    // Parents.
    let mut parent_of: BTreeMap<String, String> = BTreeMap::new();
    for (name, w) in &spec.workers {
        let parent = match &w.value.parent {
            Some(p) if p.value == MAIN || spec.workers.contains_key(&p.value) => p.value.clone(),
            Some(p) => {
                let msg = format!(
                    "worker `{name}` has parent `{}`, which is neither `main` nor a worker",
                    p.value
                );
                let known: Vec<&str> = threads.iter().map(String::as_str).collect();
                let d = ck.at(p, msg);
                *d = d.clone().suggest(&p.value, known);
                MAIN.to_string()
            }
            None => MAIN.to_string(),
        };
        if parent == *name {
            let msg = format!("worker `{name}` cannot be its own parent");
            if let Some(p) = &w.value.parent {
                ck.at(p, msg);
            }
        }
        parent_of.insert(name.clone(), parent);
    }
    // No cycles.
    for name in spec.workers.keys() {
        let mut seen = BTreeSet::new();
        let mut cur = name.clone();
        while cur != MAIN {
            if !seen.insert(cur.clone()) {
                ck.problems.push(Diagnostic::whole_file(
                    ck.path,
                    format!("workers' parents form a cycle through `{name}`"),
                ));
                break;
            }
            cur = parent_of
                .get(&cur)
                .cloned()
                .unwrap_or_else(|| MAIN.to_string());
        }
    }

    // Channel ends.
    let mut ends: BTreeMap<String, Vec<(String, &'static str)>> = BTreeMap::new(); // thread -> (channel, port1|port2)
    for (name, ch) in &spec.channels {
        for (i, end) in ch.value.iter().enumerate() {
            if end.value != MAIN && !spec.workers.contains_key(&end.value) {
                let msg = format!(
                    "channel `{name}` names `{}`, which is neither `main` nor a worker",
                    end.value
                );
                let known: Vec<&str> = threads.iter().map(String::as_str).collect();
                let d = ck.at(end, msg);
                *d = d.clone().suggest(&end.value, known);
                continue;
            }
            ends.entry(end.value.clone())
                .or_default()
                .push((name.clone(), if i == 0 { "port1" } else { "port2" }));
        }
    }

    let main_script = spec.main.as_ref().and_then(|m| m.value.script.as_ref());
    let main = if let Some(script) = main_script {
        if !spec.workers.is_empty() {
            let msg = "a spec whose main is a script creates its workers itself: remove `workers:`"
                .to_string();
            ck.at(script, msg);
        }
        MainSource::Script(script_path(ck, &dir, script, "main"))
    } else {
        MainSource::Generated(generate_main(ck, &spec, &dir, &parent_of, &ends))
    };

    let main_is_supervisor = matches!(main, MainSource::Generated(_))
        && spec.main.as_ref().is_none_or(|m| m.value.steps.is_empty());
    let cwd = match &main {
        MainSource::Script(p) => p.parent().unwrap_or(Path::new(".")).to_path_buf(),
        MainSource::Generated(_) => dir.clone(),
    };

    Plan {
        name: spec.name.value.clone(),
        path: ck.path.to_path_buf(),
        about: spec.about.clone(),
        main,
        cwd,
        threads,
        explore: explore_plan(ck, spec.explore.as_ref()),
        expect: expect_plan(ck, &spec),
        max_steps: spec.max_steps.unwrap_or(20_000),
        main_is_supervisor,
        max_time: spec.max_time,
        faults: fault_rules(ck, &spec),
    }
}

/// The file a `script:` names (relative to the spec), with a diagnostic if it is missing.
fn script_path(ck: &mut Checker<'_>, dir: &Path, script: &At<String>, whose: &str) -> PathBuf {
    let path = dir.join(&script.value);
    if !path.is_file() {
        let msg = format!(
            "{whose} script `{}` not found (looked at {})",
            script.value,
            path.display()
        );
        ck.at(script, msg);
    }
    path
}

fn fault_rules(ck: &mut Checker<'_>, spec: &Spec) -> Vec<crate::faults::NthPost> {
    use crate::faults::{NthPost, Verdict};
    let mut rules = Vec::new();
    for f in &spec.faults {
        let (post, verdict) = match &f.value {
            spec::FaultSpec::Drop(p) => (p, Verdict::Drop),
            spec::FaultSpec::Duplicate(p) => (p, Verdict::Duplicate),
        };
        let known = post.from == MAIN || spec.workers.contains_key(&post.from);
        if !known && spec.main.as_ref().is_none_or(|m| m.value.script.is_none()) {
            let names: Vec<&str> = std::iter::once(MAIN)
                .chain(spec.workers.keys().map(String::as_str))
                .collect();
            let msg = format!(
                "fault names `{}`, which is not a thread of this spec",
                post.from
            );
            let d = ck.at(f, msg);
            *d = d.clone().suggest(&post.from, names);
        }
        if post.nth == 0 {
            ck.at(
                f,
                "`nth` counts from 1 (the thread's first post)".to_string(),
            );
        }
        rules.push(NthPost {
            from: post.from.clone(),
            nth: post.nth,
            verdict,
        });
    }
    rules
}

fn explore_plan(ck: &mut Checker<'_>, explore: Option<&At<Explore>>) -> ExplorePlan {
    let mut plan = ExplorePlan::default();
    let Some(explore) = explore else { return plan };
    match &explore.value {
        Explore::Name(s) => plan.strategy = *s,
        Explore::With(w) => {
            plan.strategy = w.strategy;
            plan.schedule = w.schedule.clone();
            if let Some(seed) = w.seed {
                plan.seed = seed;
            }
            if let Some(runs) = w.runs {
                plan.runs = runs;
            }
            if let Some(depth) = w.depth {
                plan.depth = depth.max(1);
            }
            plan.preemptions = w.preemptions;
            if let Some(max) = w.max_runs {
                plan.max_runs = max;
            }
            let misplaced = match w.strategy {
                Strategy::Fixed => {
                    w.seed.is_some()
                        || w.runs.is_some()
                        || w.depth.is_some()
                        || w.preemptions.is_some()
                }
                Strategy::Exhaustive => {
                    w.seed.is_some()
                        || w.runs.is_some()
                        || w.depth.is_some()
                        || w.schedule.is_some()
                }
                Strategy::Random => {
                    w.depth.is_some() || w.preemptions.is_some() || w.schedule.is_some()
                }
                Strategy::Pct => w.preemptions.is_some() || w.schedule.is_some(),
            };
            if misplaced {
                let msg = format!(
                    "a setting does not apply to strategy `{:?}`: fixed takes `schedule`; exhaustive takes `preemptions`, `max_runs`; random takes `seed`, `runs`; pct takes `seed`, `runs`, `depth`",
                    w.strategy
                )
                .to_lowercase();
                ck.at(explore, msg);
            }
        }
    }
    plan
}

fn expect_plan(ck: &mut Checker<'_>, spec: &Spec) -> ExpectPlan {
    let e = &spec.expect;
    let threads: Vec<&str> = std::iter::once(MAIN)
        .chain(spec.workers.keys().map(String::as_str))
        .collect();
    let check_expr = |ck: &mut Checker<'_>, expr: &str, line_at: &serde_saphyr::Location| {
        if let Some(rest) = expr.strip_prefix('@') {
            let who = rest.split_whitespace().next().unwrap_or("");
            if !threads.contains(&who) {
                let msg = format!("`@{who}` names no thread");
                let mut d = Diagnostic::at(ck.path, ck.source, *line_at, msg);
                d = d.suggest(who, threads.iter().copied());
                ck.problems.push(d);
            }
        }
    };
    let mut plan = ExpectPlan {
        stdout: e.stdout.clone(),
        deadlock: e.deadlock.unwrap_or(DeadlockExpect::None),
        snapshot: e.trace == Some(TraceExpect::Snapshot),
        ..ExpectPlan::default()
    };
    for (expr, v) in &e.values {
        check_expr(ck, expr, &v.referenced);
        plan.values
            .insert(expr.clone(), (v.value.clone(), v.referenced.line()));
    }
    for (expr, v) in &e.outcomes {
        check_expr(ck, expr, &v.referenced);
        plan.outcomes
            .insert(expr.clone(), (v.value.clone(), v.referenced.line()));
    }
    for (who, code) in &e.exit {
        if !threads.contains(&who.as_str())
            && !matches!(
                spec.main.as_ref().map(|m| m.value.script.is_some()),
                Some(true)
            )
        {
            let msg = format!("`exit` names `{who}`, which is not a thread of this spec");
            let known = threads.clone();
            let d = ck.at(code, msg);
            *d = d.clone().suggest(who, known);
        }
        plan.exit
            .insert(who.clone(), (code.value, code.referenced.line()));
    }
    for (who, err) in &e.errors {
        if !spec.workers.contains_key(who) {
            let msg = format!("`errors` names `{who}`, which is not a worker of this spec");
            let known: Vec<&str> = spec.workers.keys().map(String::as_str).collect();
            let d = ck.at(err, msg);
            *d = d.clone().suggest(who, known);
        }
        plan.errors.insert(
            who.clone(),
            (
                ErrorPlan {
                    class: err.value.class.clone(),
                    code: err.value.code.clone(),
                    message: err.value.message.clone(),
                },
                err.referenced.line(),
            ),
        );
    }
    plan
}

/// What names mean inside one thread's steps.
struct Scope {
    thread: String,
    ports: BTreeSet<String>,
    children: BTreeSet<String>,
    buffers: BTreeSet<String>,
}

impl Scope {
    /// The names `thread` sees: its channel ends, its children, the shared buffers.
    fn new(
        thread: &str,
        ends: &BTreeMap<String, Vec<(String, &'static str)>>,
        children: &[&String],
        spec: &Spec,
    ) -> Self {
        Scope {
            thread: thread.to_string(),
            ports: ends
                .get(thread)
                .into_iter()
                .flatten()
                .map(|(c, _)| c.clone())
                .collect(),
            children: children.iter().map(|c| c.to_string()).collect(),
            buffers: spec.shared.keys().cloned().collect(),
        }
    }

    fn known(&self) -> Vec<&str> {
        self.ports
            .iter()
            .chain(&self.children)
            .chain(&self.buffers)
            .map(String::as_str)
            .chain((self.thread != MAIN).then_some("parent"))
            .collect()
    }
}

fn generate_main(
    ck: &mut Checker<'_>,
    spec: &Spec,
    dir: &Path,
    parent_of: &BTreeMap<String, String>,
    ends: &BTreeMap<String, Vec<(String, &'static str)>>,
) -> String {
    let mut js = String::new();
    js.push_str("const { Worker, MessageChannel } = require('worker_threads');\n");
    js.push_str(PRELUDE);
    for (name, sh) in &spec.shared {
        js.push_str(&format!(
            "globalThis.{name} = new SharedArrayBuffer({});\n",
            sh.value.sab
        ));
    }
    let shared_names: Vec<&String> = spec.shared.keys().collect();
    js.push_str(&format!(
        "const __shared = {{ {} }};\n",
        shared_names
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for name in spec.channels.keys() {
        js.push_str(&format!("const __ch_{name} = new MessageChannel();\n"));
    }
    // The port bundle each worker receives: its own ends and its descendants'.
    js.push_str("const __bundles = {};\n");
    let descendants = |w: &str| -> Vec<String> {
        spec.workers
            .keys()
            .filter(|d| {
                let mut cur = d.to_string();
                while let Some(p) = parent_of.get(&cur) {
                    if p == w {
                        return true;
                    }
                    cur = p.clone();
                }
                false
            })
            .cloned()
            .collect()
    };
    for w in spec.workers.keys() {
        let mut entries = Vec::new();
        for who in std::iter::once(w.clone()).chain(descendants(w)) {
            for (ch, end) in ends.get(&who).into_iter().flatten() {
                entries.push(format!("{}: {{ {ch}: __ch_{ch}.{end} }}", js_string(&who)));
            }
        }
        js.push_str(&format!(
            "__bundles[{}] = __merge([{}]);\n",
            js_string(w),
            entries.join(", ")
        ));
    }
    for (ch, end) in ends.get(MAIN).into_iter().flatten() {
        js.push_str(&format!("globalThis.{ch} = __ch_{ch}.{end};\n"));
    }
    let main_thread = spec.main.as_ref().map(|m| &m.value);
    let children: Vec<&String> = spec
        .workers
        .keys()
        .filter(|w| parent_of[*w] == MAIN)
        .collect();
    let topo = Topology {
        spec,
        dir,
        parent_of,
        ends,
    };
    let handover = Handover {
        shared: "__shared",
        bundles: "__bundles",
    };
    js.push_str(&spawners(ck, &topo, &children, handover));
    let scope = Scope::new(MAIN, ends, &children, spec);
    js.push_str(&steps_js(
        ck,
        main_thread.map(|t| t.steps.as_slice()).unwrap_or(&[]),
        &scope,
        spec,
    ));
    js
}

/// Helpers every generated thread has.
const PRELUDE: &str = r#"globalThis.__heddle = { errors: {}, exits: {}, inbox: new Map() };
globalThis.require = require;
function __merge(parts) { const out = {}; for (const p of parts) for (const [k, v] of Object.entries(p)) out[k] = Object.assign(out[k] || {}, v); return out; }
function __ports(bundle) { const out = []; for (const k of Object.keys(bundle || {})) for (const p of Object.values(bundle[k])) out.push(p); return out; }
function __watch(w, name) {
  const inbox = []; const waiting = [];
  __heddle.inbox.set(w, { inbox, waiting });
  w.on('message', (m) => { const r = waiting.shift(); if (r) r(m); else inbox.push(m); });
  w.on('error', (e) => {
    __heddle.errors[name] = { class: e && e.constructor ? e.constructor.name : typeof e, name: e && e.name, code: e && e.code, message: e && e.message !== undefined ? String(e.message) : String(e) };
    console.error(name + ' error: ' + (e && e.name ? e.name + ': ' : '') + (e && e.message !== undefined ? e.message : String(e)));
  });
  w.on('exit', (c) => { __heddle.exits[name] = c; });
}
function __recv(from) {
  const box = __heddle.inbox.get(from);
  if (box) return box.inbox.length ? Promise.resolve(box.inbox.shift()) : new Promise((r) => box.waiting.push(r));
  return new Promise((r) => from.once('message', r));
}
"#;

/// Who spawns whom and who holds which channel end.
struct Topology<'a> {
    spec: &'a Spec,
    dir: &'a Path,
    parent_of: &'a BTreeMap<String, String>,
    ends: &'a BTreeMap<String, Vec<(String, &'static str)>>,
}

/// Where a parent finds what it hands its children: JS expressions for the shared buffers
/// and the port bundles.
struct Handover<'a> {
    shared: &'a str,
    bundles: &'a str,
}

fn spawners(
    ck: &mut Checker<'_>,
    topo: &Topology<'_>,
    children: &[&String],
    handover: Handover<'_>,
) -> String {
    let (spec, dir) = (topo.spec, topo.dir);
    let (shared_expr, bundles_expr) = (handover.shared, handover.bundles);
    let mut js = String::new();
    for &child in children {
        let w = &spec.workers[child].value;
        let (source, eval) = match &w.script {
            Some(script) => {
                let path = script_path(ck, dir, script, "worker");
                (js_string(&path.display().to_string()), false)
            }
            None => (js_string(&generate_worker(ck, topo, child)), true),
        };
        let data = w
            .data
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_else(|| "undefined".into());
        let limits = w
            .max_old_generation_mb
            .map(|mb| format!(", resourceLimits: {{ maxOldGenerationSizeMb: {mb} }}"))
            .unwrap_or_default();
        js.push_str(&format!(
            "function __spawn_{child}() {{\n  const bundle = {bundles_expr}[{name}] || {{}};\n  const w = new Worker({source}, {{ eval: {eval}, name: {name}, workerData: {{ shared: {shared_expr}, ports: bundle, data: {data} }}, transferList: __ports(bundle){limits} }});\n  __watch(w, {name});\n  globalThis.{child} = w;\n  return w;\n}}\n",
            name = js_string(child)
        ));
        if w.autostart != Some(false) {
            js.push_str(&format!("__spawn_{child}();\n"));
        }
    }
    js
}

fn generate_worker(ck: &mut Checker<'_>, topo: &Topology<'_>, name: &str) -> String {
    let (spec, parent_of, ends) = (topo.spec, topo.parent_of, topo.ends);
    let mut js = String::new();
    js.push_str(
        "const { Worker, MessageChannel, parentPort, workerData } = require('worker_threads');\n",
    );
    js.push_str(PRELUDE);
    js.push_str("Object.assign(globalThis, workerData.shared);\n");
    js.push_str(&format!(
        "Object.assign(globalThis, (workerData.ports || {{}})[{}] || {{}});\n",
        js_string(name)
    ));
    js.push_str("globalThis.parent = parentPort;\nglobalThis.data = workerData.data;\n");
    let children: Vec<&String> = spec
        .workers
        .keys()
        .filter(|w| parent_of[*w] == name)
        .collect();
    let handover = Handover {
        shared: "workerData.shared",
        bundles: "(workerData.ports || {})",
    };
    js.push_str(&spawners(ck, topo, &children, handover));
    let scope = Scope::new(name, ends, &children, spec);
    js.push_str(&steps_js(ck, &spec.workers[name].value.steps, &scope, spec));
    js
}

fn steps_js(ck: &mut Checker<'_>, steps: &[At<Step>], scope: &Scope, spec: &Spec) -> String {
    if steps.is_empty() {
        return String::new();
    }
    let mut body = String::new();
    for (i, step) in steps.iter().enumerate() {
        let (kind, code) = step_js(ck, step, scope, spec);
        let label = format!("{}#{i} {kind}", scope.thread);
        body.push_str(&format!(
            "  heddle.yield({});\n  {code}\n",
            js_string(&label)
        ));
    }
    // The end of the steps, so the scheduler knows the thread is no longer inside one.
    body.push_str(&format!(
        "  heddle.yield({});\n",
        js_string(&format!("{}#done", scope.thread))
    ));
    format!("(async () => {{\n{body}}})();\n")
}

fn port_expr(ck: &mut Checker<'_>, at: &At<String>, scope: &Scope, what: &str) -> String {
    let name = &at.value;
    if name == "parent" && scope.thread != MAIN {
        return "parentPort".into();
    }
    if scope.ports.contains(name) || scope.children.contains(name) {
        return name.clone();
    }
    let msg = format!(
        "`{name}` is not a port {} can {what}: expected `parent`, a child worker, or a channel end it holds",
        scope.thread
    );
    let known = scope.known();
    let d = ck.at(at, msg);
    *d = d.clone().suggest(name, known);
    "undefined".into()
}

fn buffer_expr(ck: &mut Checker<'_>, at: &At<String>, scope: &Scope) -> String {
    if scope.buffers.contains(&at.value) {
        return format!("new Int32Array({})", at.value);
    }
    let msg = format!("`{}` is not a shared buffer", at.value);
    let known: Vec<&str> = scope.buffers.iter().map(String::as_str).collect();
    let d = ck.at(at, msg);
    *d = d.clone().suggest(&at.value, known);
    "undefined".into()
}

fn step_js(ck: &mut Checker<'_>, step: &At<Step>, scope: &Scope, spec: &Spec) -> (String, String) {
    match &step.value {
        Step::Js(code) => ("js".into(), format!("(0, eval)({});", js_string(code))),
        Step::Post(p) => {
            let port = port_expr(ck, &p.to, scope, "post to");
            let transfer = p.transfer.join(", ");
            (
                format!("post {}", p.to.value),
                format!("{port}.postMessage(({}), [{transfer}]);", p.value),
            )
        }
        Step::Recv(r) => {
            let port = port_expr(ck, &r.from, scope, "receive from");
            (
                format!("recv {}", r.from.value),
                format!("globalThis[{}] = await __recv({port});", js_string(&r.as_)),
            )
        }
        Step::Close(name) => {
            let at = At::new(name.clone(), step.referenced, step.defined);
            let port = port_expr(ck, &at, scope, "close");
            (format!("close {name}"), format!("{port}.close();"))
        }
        Step::Terminate(name) | Step::Spawn(name) => {
            let spawn = matches!(step.value, Step::Spawn(_));
            if !scope.children.contains(name) {
                let msg = format!("`{name}` is not a worker that {} spawns", scope.thread);
                let known: Vec<&str> = scope.children.iter().map(String::as_str).collect();
                let d = ck.at(step, msg);
                *d = d.clone().suggest(name, known);
            } else if spawn && spec.workers[name].value.autostart != Some(false) {
                let msg = format!("`spawn: {name}` needs `autostart: false` on worker `{name}` (it starts with its parent)");
                ck.at(step, msg);
            }
            if spawn {
                (format!("spawn {name}"), format!("__spawn_{name}();"))
            } else {
                (format!("terminate {name}"), format!("{name}.terminate();"))
            }
        }
        Step::Wait(w) => {
            let view = buffer_expr(ck, &w.on, scope);
            let timeout = w.timeout.map(|t| format!(", {t}")).unwrap_or_default();
            let call = format!("Atomics.wait({view}, {}, {}{timeout})", w.index, w.value);
            let code = match &w.as_ {
                Some(name) => format!("globalThis[{}] = {call};", js_string(name)),
                None => format!("{call};"),
            };
            (format!("wait {}[{}]", w.on.value, w.index), code)
        }
        Step::Notify(n) => {
            let view = buffer_expr(ck, &n.on, scope);
            let count = n.count.map(|c| format!(", {c}")).unwrap_or_default();
            let call = format!("Atomics.notify({view}, {}{count})", n.index);
            let code = match &n.as_ {
                Some(name) => format!("globalThis[{}] = {call};", js_string(name)),
                None => format!("{call};"),
            };
            (format!("notify {}[{}]", n.on.value, n.index), code)
        }
        Step::Yield => ("yield".into(), String::new()),
    }
}

impl Plan {
    /// Whether this plan explores several schedules.
    pub fn is_explored(&self) -> bool {
        self.explore.strategy != spec::Strategy::Fixed
    }
}
