//! A thread's declarative steps → [`StepPlan`]s, every name resolved in that thread, and
//! the JavaScript syntax checks of the code they carry.

use std::collections::{BTreeMap, BTreeSet};

use super::validate::{is_identifier, is_keyword, source_at, Checker, RESERVED};
use super::{Plan, PortRef, SourceAt, StepAction, StepPlan, MAIN};
use crate::diag::Diagnostic;
use crate::spec::{At, Spec, Step};

/// The longest finite `wait.timeout`, in virtual ms (2^53: every whole number below it is
/// exact in JavaScript).
pub const MAX_TIMEOUT_MS: f64 = 9_007_199_254_740_992.0;

/// What names mean inside one thread's steps.
pub(super) struct Scope {
    pub(super) thread: String,
    pub(super) ports: BTreeSet<String>,
    pub(super) children: BTreeSet<String>,
    /// Shared buffers and their sizes in bytes.
    pub(super) buffers: BTreeMap<String, u32>,
}

impl Scope {
    fn known(&self) -> Vec<&str> {
        self.ports
            .iter()
            .chain(&self.children)
            .chain(self.buffers.keys())
            .map(String::as_str)
            .chain((self.thread != MAIN).then_some("parent"))
            .collect()
    }
}

fn port_ref(ck: &mut Checker<'_>, at: &At<String>, scope: &Scope, what: &str) -> PortRef {
    let name = &at.value;
    if name == "parent" && scope.thread != MAIN {
        return PortRef::Parent;
    }
    if scope.ports.contains(name) {
        return PortRef::Channel(name.clone());
    }
    if scope.children.contains(name) {
        return PortRef::Child(name.clone());
    }
    let msg = if name == "parent" {
        "`parent` is a worker's port to its parent; main has none".to_string()
    } else {
        format!(
            "`{name}` is not a port {} can {what}: expected `parent`, a child worker, or a channel end it holds",
            scope.thread
        )
    };
    let known = scope.known();
    ck.at_suggest(at, msg, name, known);
    PortRef::Channel(String::new())
}

/// Checks `buffer[index]` (an Int32 element) exists in `scope`.
fn int32_element(ck: &mut Checker<'_>, at: &At<String>, index: u32, scope: &Scope) {
    match scope.buffers.get(&at.value) {
        Some(bytes) if bytes % 4 != 0 => {
            ck.at(
                at,
                format!(
                    "`{}` is {bytes} bytes, but `wait` and `notify` view it as an Int32Array, whose buffer is a multiple of 4 bytes",
                    at.value
                ),
            );
        }
        Some(bytes) => {
            let elements = bytes / 4;
            if index >= elements {
                ck.at(
                    at,
                    format!(
                        "index {index} is past the end of `{}`, whose {bytes} bytes hold {elements} Int32 elements",
                        at.value
                    ),
                );
            }
        }
        None => {
            let msg = format!("`{}` is not a shared buffer", at.value);
            let known: Vec<&str> = scope.buffers.keys().map(String::as_str).collect();
            ck.at_suggest(at, msg, &at.value, known);
        }
    }
}

fn global_name(ck: &mut Checker<'_>, step: &At<Step>, name: &str, what: &str) {
    if !is_identifier(name) || is_keyword(name) {
        ck.at(step, format!("`{what}: {name}` must name a JavaScript identifier (the global that gets the result)"));
    } else if RESERVED.contains(&name) || name.starts_with("__") {
        ck.at(
            step,
            format!("`{what}: {name}` would overwrite a global every thread needs"),
        );
    }
}

pub(super) fn step_plan(
    ck: &mut Checker<'_>,
    step: &At<Step>,
    scope: &Scope,
    spec: &Spec,
) -> StepPlan {
    let (action, kind) = match &step.value {
        Step::Js(code) => (StepAction::Js(code.clone()), "js".to_string()),
        Step::Post(p) => {
            let to = port_ref(ck, &p.to, scope, "post to");
            if p.value.trim().is_empty() {
                ck.at(
                    step,
                    "`post.value` is empty: give a JavaScript expression".into(),
                );
            }
            (
                StepAction::Post {
                    to,
                    value: p.value.clone(),
                    transfer: p.transfer.clone(),
                },
                format!("post {}", p.to.value),
            )
        }
        Step::Recv(r) => {
            let from = port_ref(ck, &r.from, scope, "receive from");
            global_name(ck, step, &r.as_, "as");
            (
                StepAction::Recv {
                    from,
                    into: r.as_.clone(),
                },
                format!("recv {}", r.from.value),
            )
        }
        Step::Close(name) => {
            let at = At::new(name.clone(), step.referenced, step.defined);
            let port = port_ref(ck, &at, scope, "close");
            (StepAction::Close(port), format!("close {name}"))
        }
        Step::Terminate(name) | Step::Spawn(name) => {
            let spawn = matches!(step.value, Step::Spawn(_));
            if !scope.children.contains(name) {
                let msg = format!("`{name}` is not a worker that {} spawns", scope.thread);
                let known: Vec<&str> = scope.children.iter().map(String::as_str).collect();
                ck.at_suggest(step, msg, name, known);
            } else if spawn && spec.workers[name].value.autostart != Some(false) {
                let msg = format!("`spawn: {name}` needs `autostart: false` on worker `{name}` (it starts with its parent)");
                ck.at(step, msg);
            }
            if spawn {
                (StepAction::Spawn(name.clone()), format!("spawn {name}"))
            } else {
                (
                    StepAction::Terminate(name.clone()),
                    format!("terminate {name}"),
                )
            }
        }
        Step::Wait(w) => {
            int32_element(ck, &w.on, w.index, scope);
            if let Some(t) = w.timeout {
                // Virtual milliseconds; `.inf` waits for ever, as leaving it out does.
                if t.is_nan() || t < 0.0 || (t.is_finite() && t > MAX_TIMEOUT_MS) {
                    let shown = if t.abs() >= 1e16 {
                        format!("{t:e}")
                    } else {
                        format!("{t}")
                    };
                    ck.at(step, format!("`wait.timeout` is {shown}: give virtual milliseconds from 0 to 2^53, or `.inf` (or no timeout) to wait for ever"));
                }
            }
            if let Some(name) = &w.as_ {
                global_name(ck, step, name, "as");
            }
            (
                StepAction::Wait {
                    buffer: w.on.value.clone(),
                    index: w.index,
                    value: w.value,
                    timeout: w.timeout,
                    into: w.as_.clone(),
                },
                format!("wait {}[{}]", w.on.value, w.index),
            )
        }
        Step::Notify(n) => {
            int32_element(ck, &n.on, n.index, scope);
            if let Some(name) = &n.as_ {
                global_name(ck, step, name, "as");
            }
            (
                StepAction::Notify {
                    buffer: n.on.value.clone(),
                    index: n.index,
                    count: n.count,
                    into: n.as_.clone(),
                },
                format!("notify {}[{}]", n.on.value, n.index),
            )
        }
        Step::Yield => (StepAction::Yield, "yield".to_string()),
    };
    StepPlan {
        action,
        kind,
        at: source_at(step),
    }
}

/// The JavaScript syntax errors in `plan`'s steps and expectations, each at its step (or
/// expectation) in the spec, with its place inside the code.
pub fn check_js(plan: &Plan, source: &str) -> Vec<Diagnostic> {
    use heddle_runtime::syntax::{self, SnippetKind};
    // (what, where in the spec, code, kind)
    let mut snippets: Vec<(String, SourceAt, String, SnippetKind)> = Vec::new();
    for t in &plan.threads {
        for (i, step) in t.steps().iter().enumerate() {
            let what = format!("step {i} `{}` of {}", step.kind, t.name);
            match &step.action {
                StepAction::Js(code) => {
                    snippets.push((what, step.at, code.clone(), SnippetKind::Script))
                }
                StepAction::Post {
                    value, transfer, ..
                } => {
                    snippets.push((
                        format!("the value of {what}"),
                        step.at,
                        value.clone(),
                        SnippetKind::Expression,
                    ));
                    for x in transfer {
                        snippets.push((
                            format!("the transfer list of {what}"),
                            step.at,
                            x.clone(),
                            SnippetKind::Expression,
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    let exprs = plan
        .expect
        .values
        .iter()
        .map(|(e, (_, line))| (e, *line))
        .chain(plan.expect.outcomes.iter().map(|(e, (_, line))| (e, *line)));
    for (expr, line) in exprs {
        let code = match expr.strip_prefix('@') {
            Some(rest) => rest
                .split_once(char::is_whitespace)
                .map(|(_, c)| c)
                .unwrap_or(""),
            None => expr.as_str(),
        };
        snippets.push((
            format!("expectation `{expr}`"),
            SourceAt { line, column: 1 },
            code.to_string(),
            SnippetKind::Expression,
        ));
    }
    if snippets.is_empty() {
        return Vec::new();
    }
    let checked = syntax::check(
        snippets
            .iter()
            .map(|(_, _, code, kind)| (code.clone(), *kind))
            .collect(),
    );
    let results = match checked {
        Ok(r) => r,
        Err(e) => {
            return vec![Diagnostic::whole_file(
                &plan.path,
                format!("[harness internal bug] the JavaScript syntax check failed: {e}"),
            )]
        }
    };
    snippets
        .iter()
        .zip(results)
        .filter_map(|((what, at, _, _), problem)| {
            let p = problem?;
            Some(Diagnostic::at_line(
                &plan.path,
                source,
                (at.line, at.column),
                format!(
                    "JavaScript syntax error in {what}: {} (line {}, column {} of the code)",
                    p.message, p.line, p.column
                ),
            ))
        })
        .collect()
}
