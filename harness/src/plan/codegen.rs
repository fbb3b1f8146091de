//! The plan's topology and steps → the Node programs its threads run.
//!
//! Main creates the shared buffers and channels and spawns its children; each worker
//! spawns its own. A worker receives, in `workerData`, the shared buffers and a *bundle* of
//! channel ends: `{ thread: { channel: port } }` for itself and every descendant (a parent
//! passes each child the ends of its subtree, transferred). Each thread runs its steps in
//! order in one async function, each step preceded by its step point.
//!
//! The programs also run under plain Node (`heddle diff`): there `heddle` does not exist,
//! and the step points are no-ops.

use std::collections::BTreeMap;

use super::{PortRef, StepAction, StepPlan, ThreadPlan, ThreadSource, MAIN};

/// What the generated programs are made from.
pub struct Program<'a> {
    /// Main first, then the workers.
    pub threads: &'a [ThreadPlan],
    /// Shared buffers and their sizes.
    pub shared: &'a BTreeMap<String, u32>,
    /// Channel names.
    pub channels: &'a [String],
}

/// A JavaScript string literal.
pub fn js_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A JavaScript number literal (`Infinity` where Rust would print `inf`).
fn js_number(n: f64) -> String {
    if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if n.is_nan() {
        "NaN".into()
    } else {
        format!("{n}")
    }
}

/// Helpers every generated thread has. `__h` (the step points) is taken first, before any
/// user code runs, so user code cannot reach it.
const PRELUDE: &str = r#"const __h = globalThis.heddle ? heddle.takeStepPoints() : { step() {}, end() {}, terminate() { process.exit(1); }, namePort() {} };
const __internal = globalThis.heddle ? heddle.internal : (f) => f;
globalThis.__heddle = { errors: {}, exits: {}, inbox: new Map() };
globalThis.require = require;
function __merge(parts) { const out = {}; for (const p of parts) for (const [k, v] of Object.entries(p)) out[k] = Object.assign(out[k] || {}, v); return out; }
function __ports(bundle) { const out = []; for (const k of Object.keys(bundle || {})) for (const p of Object.values(bundle[k])) out.push(p); return out; }
function __watch(w, name) {
  const inbox = []; const waiting = [];
  __heddle.inbox.set(w, { inbox, waiting });
      w.on('message', (m) => { const r = waiting.shift(); if (r) r(m); else inbox.push(m); });
  w.on('error', __internal((e) => {
    __heddle.errors[name] = { class: e && e.constructor ? e.constructor.name : typeof e, name: e && e.name, code: e && e.code, message: e && e.message !== undefined ? String(e.message) : String(e) };
        console.error(name + ' error: ' + (e && e.name ? e.name + ': ' : '') + (e && e.message !== undefined ? e.message : String(e)));
  }));
  w.on('exit', __internal((c) => { __heddle.exits[name] = c; }));
}
function __recv(from) {
  const box = __heddle.inbox.get(from);
  if (box) return box.inbox.length ? Promise.resolve(box.inbox.shift()) : new Promise((r) => box.waiting.push(r));
  return new Promise((r) => from.once('message', r));
}
"#;

impl Program<'_> {
    fn thread(&self, name: &str) -> Option<&ThreadPlan> {
        self.threads.iter().find(|t| t.name == name)
    }

    fn children(&self, parent: &str) -> Vec<&ThreadPlan> {
        self.threads
            .iter()
            .filter(|t| t.parent.as_deref() == Some(parent) && t.name != parent)
            .collect()
    }

    /// `name` and every thread below it.
    fn subtree<'s>(&'s self, name: &'s str) -> Vec<&'s str> {
        let mut out = vec![];
        let mut todo = vec![name];
        while let Some(n) = todo.pop() {
            if out.contains(&n) {
                continue; // validation rejects cycles; never loop on one
            }
            out.push(n);
            for c in self.children(n) {
                todo.push(&c.name);
            }
        }
        out.sort();
        out
    }
}

/// The program main runs.
pub fn main_program(p: &Program<'_>) -> String {
    let mut js = String::new();
    js.push_str(PRELUDE);
    js.push_str("const { Worker, MessageChannel } = require('worker_threads');\n");
    for (name, bytes) in p.shared {
        js.push_str(&format!(
            "globalThis.{name} = new SharedArrayBuffer({bytes});\n"
        ));
    }
    let names: Vec<&str> = p.shared.keys().map(String::as_str).collect();
    js.push_str(&format!("const __shared = {{ {} }};\n", names.join(", ")));
    for name in p.channels {
        let label = js_string(name);
        js.push_str(&format!(
            "const __ch_{name} = new MessageChannel(); __h.namePort(__ch_{name}.port1, {label}); __h.namePort(__ch_{name}.port2, {label});\n"
        ));
    }
    // The port bundle each of main's children receives: the ends of its subtree.
    js.push_str("const __bundles = {};\n");
    for child in p.children(MAIN) {
        let mut entries = Vec::new();
        for who in p.subtree(&child.name) {
            for (ch, end) in p.thread(who).map(|t| t.ends.as_slice()).unwrap_or(&[]) {
                entries.push(format!(
                    "{{ {}: {{ {ch}: __ch_{ch}.{end} }} }}",
                    js_string(who)
                ));
            }
        }
        js.push_str(&format!(
            "__bundles[{}] = __merge([{}]);\n",
            js_string(&child.name),
            entries.join(", ")
        ));
    }
    if let Some(main) = p.thread(MAIN) {
        for (ch, end) in &main.ends {
            js.push_str(&format!("globalThis.{ch} = __ch_{ch}.{end};\n"));
        }
        js.push_str(&spawners(p, MAIN, "__shared", "__bundles"));
        js.push_str(&steps_js(main.steps()));
    }
    js
}

/// The program worker `name` runs (declarative steps only; script workers run their file).
fn worker_program(p: &Program<'_>, name: &str) -> String {
    let mut js = String::new();
    js.push_str(PRELUDE);
    js.push_str(
        "const { Worker, MessageChannel, parentPort, workerData } = require('worker_threads');\n",
    );
    js.push_str("Object.assign(globalThis, workerData.shared);\n");
    js.push_str(&format!(
        "Object.assign(globalThis, (workerData.ports || {{}})[{}] || {{}});\n",
        js_string(name)
    ));
    js.push_str("globalThis.parent = parentPort;\nglobalThis.data = workerData.data;\n");
    js.push_str(&spawners(
        p,
        name,
        "workerData.shared",
        "(workerData.ports || {})",
    ));
    if let Some(t) = p.thread(name) {
        js.push_str(&steps_js(t.steps()));
    }
    js
}

/// The functions that spawn `parent`'s children (and the calls for those that autostart).
/// `shared` and `bundles` are the JavaScript expressions for what a child is handed.
fn spawners(p: &Program<'_>, parent: &str, shared: &str, bundles: &str) -> String {
    let mut js = String::new();
    for child in p.children(parent) {
        let name = js_string(&child.name);
        let (source, eval) = match &child.source {
            ThreadSource::Script(path) => (js_string(&path.display().to_string()), false),
            ThreadSource::Steps(_) => (js_string(&worker_program(p, &child.name)), true),
        };
        let data = child
            .data
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_else(|| "undefined".into());
        let limits = child
            .max_old_generation_mb
            .map(|mb| format!(", resourceLimits: {{ maxOldGenerationSizeMb: {mb} }}"))
            .unwrap_or_default();
        let c = &child.name;
        js.push_str(&format!(
            "function __spawn_{c}() {{\n  const bundle = {bundles}[{name}] || {{}};\n  const w = new Worker({source}, {{ eval: {eval}, name: {name}, workerData: {{ shared: {shared}, ports: bundle, data: {data} }}, transferList: __ports(bundle){limits} }});\n  __watch(w, {name});\n  globalThis.{c} = w;\n  return w;\n}}\n"
        ));
        if child.autostart {
            js.push_str(&format!("__spawn_{c}();\n"));
        }
    }
    js
}

fn port_expr(port: &PortRef) -> &str {
    match port {
        PortRef::Parent => "parentPort",
        PortRef::Child(name) | PortRef::Channel(name) => name,
    }
}

/// The JavaScript of one step.
pub fn step_code(action: &StepAction) -> String {
    match action {
        StepAction::Js(code) => format!("(0, eval)({});", js_string(code)),
        StepAction::Crash(message) => format!("throw new Error({});", js_string(message)),
        StepAction::Terminated => "__h.terminate();".to_string(),
        // Live arrays that only grow: the heap limit is reached, never an array's length.
        StepAction::ExhaustHeap => {
            "{ const hog = []; for (;;) hog.push(new Array(4096).fill(hog.length)); }".to_string()
        }
        StepAction::Post {
            to,
            value,
            transfer,
        } => format!(
            "{}.postMessage(({value}\n), [{}\n]);",
            port_expr(to),
            transfer.join(", ")
        ),
        StepAction::Recv { from, into } => format!(
            "globalThis[{}] = await __recv({});",
            js_string(into),
            port_expr(from)
        ),
        StepAction::Close(port) => format!("{}.close();", port_expr(port)),
        StepAction::Spawn(name) => format!("__spawn_{name}();"),
        StepAction::Terminate(name) => format!("{name}.terminate();"),
        StepAction::Wait {
            buffer,
            index,
            value,
            timeout,
            into,
        } => {
            let timeout = timeout
                .map(|t| format!(", {}", js_number(t)))
                .unwrap_or_default();
            let call = format!("Atomics.wait(new Int32Array({buffer}), {index}, {value}{timeout})");
            assign(into.as_deref(), &call)
        }
        StepAction::Notify {
            buffer,
            index,
            count,
            into,
        } => {
            let count = count.map(|c| format!(", {c}")).unwrap_or_default();
            let call = format!("Atomics.notify(new Int32Array({buffer}), {index}{count})");
            assign(into.as_deref(), &call)
        }
        StepAction::Yield => String::new(),
    }
}

fn assign(into: Option<&str>, call: &str) -> String {
    match into {
        Some(name) => format!("globalThis[{}] = {call};", js_string(name)),
        None => format!("{call};"),
    }
}

fn steps_js(steps: &[StepPlan]) -> String {
    if steps.is_empty() {
        return String::new();
    }
    let mut body = String::new();
    for (i, step) in steps.iter().enumerate() {
        body.push_str(&format!(
            "  __h.step({i});\n  {}\n",
            step_code(&step.action)
        ));
    }
    body.push_str("  __h.end();\n");
    format!("(async () => {{\n{body}}})();\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::SourceAt;
    use std::path::PathBuf;

    fn thread(name: &str, parent: Option<&str>, ends: Vec<(&str, &'static str)>) -> ThreadPlan {
        ThreadPlan {
            name: name.into(),
            parent: parent.map(str::to_string),
            autostart: true,
            source: ThreadSource::Steps(vec![StepPlan {
                action: StepAction::Yield,
                kind: "yield".into(),
                at: SourceAt::default(),
            }]),
            data: None,
            max_old_generation_mb: None,
            ends: ends.into_iter().map(|(c, e)| (c.to_string(), e)).collect(),
            at: SourceAt::default(),
        }
    }

    #[test]
    fn channel_bundles_are_object_literals() {
        let threads = vec![
            thread(MAIN, None, vec![]),
            thread("a", Some(MAIN), vec![("ab", "port1")]),
            thread("b", Some(MAIN), vec![("ab", "port2")]),
        ];
        let shared = BTreeMap::new();
        let channels = vec!["ab".to_string()];
        let js = main_program(&Program {
            threads: &threads,
            shared: &shared,
            channels: &channels,
        });
        assert!(
            js.contains(r#"__bundles["a"] = __merge([{ "a": { ab: __ch_ab.port1 } }]);"#),
            "{js}"
        );
    }

    #[test]
    fn infinite_timeouts_are_javascript() {
        let code = step_code(&StepAction::Wait {
            buffer: "s".into(),
            index: 0,
            value: 0,
            timeout: Some(f64::INFINITY),
            into: None,
        });
        assert_eq!(code, "Atomics.wait(new Int32Array(s), 0, 0, Infinity);");
        let _ = PathBuf::new();
    }
}
