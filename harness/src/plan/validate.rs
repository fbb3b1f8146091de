//! [`Spec`] → [`Plan`]: every check a spec must pass, each with a diagnostic at its place.
//!
//! Order: the bytes (encoding, size), the YAML shape (serde-saphyr, with its budgets
//! against alias bombs and deep nesting), then names (identifiers, reserved words,
//! collisions), parents, channel ends, each thread's steps (names resolved in that
//! thread), scripts (inside the spec's folder or a folder the spec allows), numbers,
//! exploration, expectations and faults. Every problem found is reported, not only the
//! first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{
    codegen, ErrorPlan, ExpectPlan, ExplorePlan, LimitsPlan, MainSource, Plan, PortRef, SourceAt,
    StepAction, StepPlan, ThreadPlan, ThreadSource, MAIN, MAX_SAB_BYTES,
};
use crate::diag::Diagnostic;
use crate::spec::{self, At, DeadlockExpect, Explore, Spec, Step, Strategy, TraceExpect};

/// The largest spec file accepted, in bytes.
pub const MAX_SPEC_BYTES: usize = 4 << 20;

/// Names no worker, buffer or channel may take: globals every thread already has.
pub const RESERVED: &[&str] = &[
    "parent",
    "main",
    "data",
    "heddle",
    "require",
    "console",
    "process",
    "Atomics",
    "globalThis",
    "module",
    "exports",
    "undefined",
];

/// JavaScript's reserved words, which cannot be global names.
const JS_KEYWORDS: &[&str] = &[
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// The text of a spec file, or why it is not one: specs are UTF-8 (a leading byte-order
/// mark is accepted and ignored, as YAML allows), without NUL bytes, at most
/// [`MAX_SPEC_BYTES`].
pub fn decode(path: &Path, bytes: &[u8]) -> Result<String, Vec<Diagnostic>> {
    let whole = |m: String| vec![Diagnostic::whole_file(path, m)];
    if bytes.len() > MAX_SPEC_BYTES {
        return Err(whole(format!(
            "the spec is {} bytes; specs are at most {MAX_SPEC_BYTES} bytes (4 MiB)",
            bytes.len()
        )));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(whole(
            "the spec is UTF-16; save it as UTF-8 (specs are UTF-8 text)".into(),
        ));
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
            let column = at
                - bytes[..at]
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |p| p + 1)
                + 1;
            return Err(vec![Diagnostic {
                line: line as u64,
                column: column as u64,
                ..Diagnostic::whole_file(
                    path,
                    format!(
                        "the spec is not UTF-8: invalid byte 0x{:02x} at offset {at}",
                        bytes[at]
                    ),
                )
            }]);
        }
    };
    if let Some(at) = text.find('\0') {
        let line = text[..at].matches('\n').count() + 1;
        let column = text[..at]
            .rsplit('\n')
            .next()
            .map_or(0, |l| l.chars().count())
            + 1;
        return Err(vec![Diagnostic {
            line: line as u64,
            column: column as u64,
            ..Diagnostic::whole_file(path, "the spec contains a NUL byte".to_string())
        }]);
    }
    Ok(text.to_string())
}

pub(super) struct Checker<'a> {
    path: &'a Path,
    source: &'a str,
    pub(super) problems: Vec<Diagnostic>,
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

    fn at_suggest<'k, T>(
        &mut self,
        at: &At<T>,
        message: String,
        wrong: &str,
        known: impl IntoIterator<Item = &'k str>,
    ) {
        let d =
            Diagnostic::at(self.path, self.source, at.referenced, message).suggest(wrong, known);
        self.problems.push(d);
    }

    fn whole(&mut self, message: String) {
        self.problems
            .push(Diagnostic::whole_file(self.path, message));
    }
}

fn source_at<T>(at: &At<T>) -> SourceAt {
    SourceAt {
        line: at.referenced.line(),
        column: at.referenced.column(),
    }
}

/// Parses and validates `source`, the text of the spec at `path`.
pub fn parse(path: &Path, source: &str) -> Result<Plan, Vec<Diagnostic>> {
    if source.trim().is_empty()
        || source
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Err(vec![Diagnostic::whole_file(
            path,
            "the spec is empty: a spec is a YAML mapping with at least `name:` (see docs/SPEC.md)",
        )]);
    }
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

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Whether `name` may be a global of the generated program.
fn usable_name(name: &str) -> bool {
    is_identifier(name)
        && !RESERVED.contains(&name)
        && !JS_KEYWORDS.contains(&name)
        && !name.starts_with("__")
}

fn build(ck: &mut Checker<'_>, spec: Spec) -> Plan {
    let dir = ck.path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let thread_names: Vec<String> = std::iter::once(MAIN.to_string())
        .chain(spec.workers.keys().cloned())
        .collect();
    let known_threads: Vec<&str> = thread_names.iter().map(String::as_str).collect();

    if spec.name.value.trim().is_empty() {
        ck.at(
            &spec.name,
            "`name` is empty: give the spec a short, unique name".into(),
        );
    }

    // Names: identifiers, unique across workers, buffers and channels.
    let mut globals: BTreeMap<&str, &str> = BTreeMap::new();
    let named: Vec<(&str, &String, SourceAt)> = spec
        .workers
        .iter()
        .map(|(n, w)| ("worker", n, source_at(w)))
        .chain(
            spec.shared
                .iter()
                .map(|(n, s)| ("shared buffer", n, source_at(s))),
        )
        .chain(
            spec.channels
                .iter()
                .map(|(n, c)| ("channel", n, source_at(c))),
        )
        .collect();
    for (kind, name, at) in named {
        let d = |ck: &mut Checker<'_>, message: String| {
            let mut diag = Diagnostic::whole_file(ck.path, message);
            diag.line = at.line;
            diag.column = 1;
            diag.excerpt = ck
                .source
                .lines()
                .nth(at.line.saturating_sub(1) as usize)
                .map(str::to_string);
            ck.problems.push(diag);
        };
        if !usable_name(name) {
            d(
                ck,
                format!(
                    "{kind} name `{name}` must be a JavaScript identifier, not a JavaScript keyword, not start with `__`, and not one of {}",
                    RESERVED.join(", ")
                ),
            );
        }
        if let Some(other) = globals.insert(name.as_str(), kind) {
            d(ck, format!("`{name}` names both a {other} and a {kind}: names are globals, so they must be unique"));
        }
    }

    // Shared buffers.
    let mut shared = BTreeMap::new();
    for (name, sh) in &spec.shared {
        if sh.value.sab > MAX_SAB_BYTES {
            ck.at(
                sh,
                format!(
                    "shared buffer `{name}` is {} bytes; at most {MAX_SAB_BYTES} (256 MiB)",
                    sh.value.sab
                ),
            );
        }
        shared.insert(name.clone(), sh.value.sab);
    }

    // Parents.
    let mut parent_of: BTreeMap<String, String> = BTreeMap::new();
    for (name, w) in &spec.workers {
        let parent = match &w.value.parent {
            Some(p) if p.value == *name => {
                ck.at(p, format!("worker `{name}` cannot be its own parent"));
                MAIN.to_string()
            }
            Some(p) if p.value == MAIN || spec.workers.contains_key(&p.value) => p.value.clone(),
            Some(p) => {
                let msg = format!(
                    "worker `{name}` has parent `{}`, which is neither `main` nor a worker",
                    p.value
                );
                ck.at_suggest(p, msg, &p.value, known_threads.iter().copied());
                MAIN.to_string()
            }
            None => MAIN.to_string(),
        };
        parent_of.insert(name.clone(), parent);
    }
    // No cycles.
    let mut in_cycle = BTreeSet::new();
    for name in spec.workers.keys() {
        let mut seen = BTreeSet::new();
        let mut cur = name.clone();
        while cur != MAIN {
            if !seen.insert(cur.clone()) {
                if in_cycle.insert(cur.clone()) {
                    let at = &spec.workers[&cur];
                    let msg = format!("workers' parents form a cycle through `{cur}`");
                    ck.at(at, msg);
                }
                break;
            }
            cur = parent_of
                .get(&cur)
                .cloned()
                .unwrap_or_else(|| MAIN.to_string());
        }
    }
    if !in_cycle.is_empty() {
        for name in &in_cycle {
            parent_of.insert(name.clone(), MAIN.to_string());
        }
    }

    // Channel ends.
    let mut ends: BTreeMap<String, Vec<(String, &'static str)>> = BTreeMap::new();
    for (name, ch) in &spec.channels {
        let [one, two] = &ch.value;
        if one.value == two.value {
            ck.at(
                two,
                format!(
                    "channel `{name}` gives both ends to `{}`: a channel joins two threads",
                    one.value
                ),
            );
        }
        for (end, side) in [(one, "port1"), (two, "port2")] {
            if end.value != MAIN && !spec.workers.contains_key(&end.value) {
                let msg = format!(
                    "channel `{name}` names `{}`, which is neither `main` nor a worker",
                    end.value
                );
                ck.at_suggest(end, msg, &end.value, known_threads.iter().copied());
                continue;
            }
            ends.entry(end.value.clone())
                .or_default()
                .push((name.clone(), side));
        }
    }

    let allowed = allowed_dirs(ck, &dir, &spec);
    let main_script = spec.main.as_ref().and_then(|m| m.value.script.as_ref());
    if let (Some(script), false) = (main_script, spec.workers.is_empty()) {
        let msg = "a spec whose main is a script creates its workers itself: remove `workers:`"
            .to_string();
        ck.at(script, msg);
    }

    // Threads.
    let mut threads = Vec::new();
    let main_thread = spec.main.as_ref();
    let main_children: Vec<String> = spec
        .workers
        .keys()
        .filter(|w| parent_of.get(*w).map(String::as_str) == Some(MAIN))
        .cloned()
        .collect();
    threads.push(thread_plan(
        ck,
        &spec,
        ThreadInput {
            name: MAIN,
            at: main_thread.map(source_at).unwrap_or_default(),
            thread: main_thread.map(|t| &t.value),
            parent: None,
            children: &main_children,
            ends: &ends,
            dir: &dir,
            allowed: &allowed,
        },
    ));
    for (name, w) in &spec.workers {
        let children: Vec<String> = spec
            .workers
            .keys()
            .filter(|c| parent_of.get(*c) == Some(name))
            .cloned()
            .collect();
        if w.value.steps.is_empty() && w.value.script.is_none() {
            // A worker with nothing to do is allowed (it starts and exits), but a typo in
            // `steps` would land here: serde rejects unknown keys, so this is deliberate.
        }
        if let Some(mb) = w.value.max_old_generation_mb {
            if mb == 0 {
                ck.at(
                    w,
                    format!("worker `{name}`: `max_old_generation_mb` must be at least 1"),
                );
            }
        }
        threads.push(thread_plan(
            ck,
            &spec,
            ThreadInput {
                name,
                at: source_at(w),
                thread: Some(&w.value),
                parent: parent_of.get(name).cloned(),
                children: &children,
                ends: &ends,
                dir: &dir,
                allowed: &allowed,
            },
        ));
    }
    if let Some(m) = main_thread {
        for (key, set) in [
            ("parent", m.value.parent.is_some()),
            ("autostart", m.value.autostart.is_some()),
            ("data", m.value.data.is_some()),
            (
                "max_old_generation_mb",
                m.value.max_old_generation_mb.is_some(),
            ),
        ] {
            if set {
                ck.at(m, format!("`main.{key}` applies only to workers"));
            }
        }
    }

    let main = match &threads[0].source {
        ThreadSource::Script(path) => MainSource::Script(path.clone()),
        ThreadSource::Steps(_) => MainSource::Generated(String::new()),
    };
    let main_is_supervisor =
        matches!(main, MainSource::Generated(_)) && threads[0].steps().is_empty();
    let cwd = match &main {
        MainSource::Script(p) => p.parent().unwrap_or(Path::new(".")).to_path_buf(),
        MainSource::Generated(_) => dir.clone(),
    };
    let max_steps = match spec.max_steps {
        Some(0) => {
            ck.whole("`max_steps` must be at least 1".into());
            1
        }
        Some(n) => n,
        None => 20_000,
    };
    let limits = LimitsPlan {
        unit: positive_ms(ck, "max_unit_ms", spec.max_unit_ms),
        run: positive_ms(ck, "max_run_ms", spec.max_run_ms),
    };
    let mut plan = Plan {
        name: spec.name.value.clone(),
        path: ck.path.to_path_buf(),
        about: spec.about.clone(),
        main,
        cwd,
        threads,
        shared,
        channels: spec.channels.keys().cloned().collect(),
        explore: explore_plan(ck, spec.explore.as_ref()),
        expect: expect_plan(ck, &spec),
        max_steps,
        main_is_supervisor,
        max_time: spec.max_time,
        faults: fault_rules(ck, &spec),
        limits,
        max_heap_mb: match spec.max_heap_mb {
            Some(0) => {
                ck.whole("`max_heap_mb` must be at least 1".into());
                1
            }
            Some(mb) => mb,
            None => 512,
        },
    };
    if let MainSource::Generated(_) = &plan.main {
        plan.main = MainSource::Generated(codegen::main_program(&plan_view(&plan)));
    }
    plan
}

fn plan_view(plan: &Plan) -> codegen::Program<'_> {
    codegen::Program {
        threads: &plan.threads,
        shared: &plan.shared,
        channels: &plan.channels,
    }
}

fn positive_ms(ck: &mut Checker<'_>, key: &str, value: Option<u64>) -> Option<Duration> {
    match value {
        Some(0) => {
            ck.whole(format!("`{key}` must be at least 1 (milliseconds)"));
            None
        }
        Some(ms) => Some(Duration::from_millis(ms)),
        None => None,
    }
}

/// The folders scripts may be read from: the spec's own, and those `allow_read` names.
fn allowed_dirs(ck: &mut Checker<'_>, dir: &Path, spec: &Spec) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    for entry in &spec.allow_read {
        match std::fs::canonicalize(dir.join(&entry.value)) {
            Ok(p) if p.is_dir() => out.push(p),
            Ok(p) => {
                ck.at(
                    entry,
                    format!("`allow_read` names {}, which is not a folder", p.display()),
                );
            }
            Err(e) => {
                ck.at(
                    entry,
                    format!(
                        "`allow_read` names `{}`, which cannot be read: {e}",
                        entry.value
                    ),
                );
            }
        }
    }
    out
}

/// The file a `script:` names (relative to the spec), checked: it exists and lies inside
/// the spec's folder or a folder of `allow_read`.
fn script_path(
    ck: &mut Checker<'_>,
    dir: &Path,
    allowed: &[PathBuf],
    script: &At<String>,
    whose: &str,
) -> PathBuf {
    let given = dir.join(&script.value);
    let Ok(path) = std::fs::canonicalize(&given) else {
        let msg = format!(
            "{whose} script `{}` not found (looked at {})",
            script.value,
            given.display()
        );
        ck.at(script, msg);
        return given;
    };
    if !path.is_file() {
        let msg = format!(
            "{whose} script `{}` is not a file ({})",
            script.value,
            path.display()
        );
        ck.at(script, msg);
    } else if !allowed.iter().any(|a| path.starts_with(a)) {
        let msg = format!(
            "{whose} script `{}` is outside the spec's folder ({}): add its folder to `allow_read:` to let the spec read it",
            script.value,
            dir.display()
        );
        ck.at(script, msg);
    }
    path
}

/// What [`thread_plan`] needs to know about one thread.
struct ThreadInput<'a> {
    name: &'a str,
    at: SourceAt,
    thread: Option<&'a spec::Thread>,
    parent: Option<String>,
    children: &'a [String],
    ends: &'a BTreeMap<String, Vec<(String, &'static str)>>,
    dir: &'a Path,
    allowed: &'a [PathBuf],
}

fn thread_plan(ck: &mut Checker<'_>, spec: &Spec, input: ThreadInput<'_>) -> ThreadPlan {
    let ThreadInput {
        name,
        at,
        thread,
        parent,
        children,
        ends,
        dir,
        allowed,
    } = input;
    let own_ends = ends.get(name).cloned().unwrap_or_default();
    let source = match thread.and_then(|t| t.script.as_ref()) {
        Some(script) => {
            if thread.is_some_and(|t| !t.steps.is_empty()) {
                ck.at(
                    script,
                    format!(
                        "`{name}` has both `script` and `steps`: a thread runs one or the other"
                    ),
                );
            }
            let whose = if name == MAIN { "main" } else { "worker" };
            ThreadSource::Script(script_path(ck, dir, allowed, script, whose))
        }
        None => {
            let scope = Scope {
                thread: name.to_string(),
                ports: own_ends.iter().map(|(c, _)| c.clone()).collect(),
                children: children.iter().cloned().collect(),
                buffers: spec
                    .shared
                    .iter()
                    .map(|(k, v)| (k.clone(), v.value.sab))
                    .collect(),
            };
            let steps = thread
                .map(|t| {
                    t.steps
                        .iter()
                        .map(|s| step_plan(ck, s, &scope, spec))
                        .collect()
                })
                .unwrap_or_default();
            ThreadSource::Steps(steps)
        }
    };
    ThreadPlan {
        name: name.to_string(),
        parent,
        autostart: thread.and_then(|t| t.autostart) != Some(false),
        source,
        data: thread.and_then(|t| t.data.clone()),
        max_old_generation_mb: thread.and_then(|t| t.max_old_generation_mb),
        ends: own_ends,
        at,
    }
}

/// What names mean inside one thread's steps.
struct Scope {
    thread: String,
    ports: BTreeSet<String>,
    children: BTreeSet<String>,
    /// Shared buffers and their sizes in bytes.
    buffers: BTreeMap<String, u32>,
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
    if !is_identifier(name) || JS_KEYWORDS.contains(&name) {
        ck.at(step, format!("`{what}: {name}` must name a JavaScript identifier (the global that gets the result)"));
    } else if RESERVED.contains(&name) || name.starts_with("__") {
        ck.at(
            step,
            format!("`{what}: {name}` would overwrite a global every thread needs"),
        );
    }
}

fn step_plan(ck: &mut Checker<'_>, step: &At<Step>, scope: &Scope, spec: &Spec) -> StepPlan {
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
                if t.is_nan() || t < 0.0 {
                    ck.at(step, format!("`wait.timeout` is {t}: give a number of virtual milliseconds of at least 0, or leave it out to wait for ever"));
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

fn fault_rules(ck: &mut Checker<'_>, spec: &Spec) -> Vec<crate::faults::NthPost> {
    use crate::faults::{NthPost, Verdict};
    let mut rules = Vec::new();
    let script_main = spec.main.as_ref().is_some_and(|m| m.value.script.is_some());
    for f in &spec.faults {
        let (post, verdict) = match &f.value {
            spec::FaultSpec::Drop(p) => (p, Verdict::Drop),
            spec::FaultSpec::Duplicate(p) => (p, Verdict::Duplicate),
        };
        let known = post.from == MAIN || spec.workers.contains_key(&post.from);
        if !known && !script_main {
            let names: Vec<&str> = std::iter::once(MAIN)
                .chain(spec.workers.keys().map(String::as_str))
                .collect();
            let msg = format!(
                "fault names `{}`, which is not a thread of this spec",
                post.from
            );
            ck.at_suggest(f, msg, &post.from, names);
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
                if runs == 0 {
                    ck.at(explore, "`explore.runs` must be at least 1".into());
                }
                plan.runs = runs;
            }
            if let Some(depth) = w.depth {
                if depth == 0 {
                    ck.at(explore, "`explore.depth` must be at least 1 (a bug of depth d needs d - 1 priority changes)".into());
                }
                plan.depth = depth.max(1);
            }
            plan.preemptions = w.preemptions;
            if let Some(max) = w.max_runs {
                if max == 0 {
                    ck.at(explore, "`explore.max_runs` must be at least 1".into());
                }
                plan.max_runs = max;
            }
            if let Some(schedule) = &w.schedule {
                if let Err(e) = crate::sched::fixed::parse_schedule(schedule) {
                    ck.at(
                        explore,
                        format!("`explore.schedule` is not a schedule string: {e}"),
                    );
                }
            }
            let misplaced = match w.strategy {
                Strategy::Fixed => {
                    w.seed.is_some()
                        || w.runs.is_some()
                        || w.depth.is_some()
                        || w.preemptions.is_some()
                        || w.max_runs.is_some()
                }
                Strategy::Exhaustive => {
                    w.seed.is_some()
                        || w.runs.is_some()
                        || w.depth.is_some()
                        || w.schedule.is_some()
                }
                Strategy::Random => {
                    w.depth.is_some()
                        || w.preemptions.is_some()
                        || w.schedule.is_some()
                        || w.max_runs.is_some()
                }
                Strategy::Pct => {
                    w.preemptions.is_some() || w.schedule.is_some() || w.max_runs.is_some()
                }
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
    let script_main = spec.main.as_ref().is_some_and(|m| m.value.script.is_some());
    let check_expr = |ck: &mut Checker<'_>, expr: &str, at: &serde_saphyr::Location| {
        let code = match expr.strip_prefix('@') {
            Some(rest) => {
                let who = rest.split_whitespace().next().unwrap_or("");
                if !threads.contains(&who) && !script_main {
                    let msg = format!("`@{who}` names no thread");
                    let d = Diagnostic::at(ck.path, ck.source, *at, msg)
                        .suggest(who, threads.iter().copied());
                    ck.problems.push(d);
                }
                rest.split_once(char::is_whitespace)
                    .map(|(_, c)| c)
                    .unwrap_or("")
            }
            None => expr,
        };
        if code.trim().is_empty() {
            let msg = format!("expectation `{expr}` has no expression to evaluate");
            ck.problems
                .push(Diagnostic::at(ck.path, ck.source, *at, msg));
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
        if v.value.is_empty() {
            ck.at(
                v,
                format!("`outcomes` for `{expr}` is empty: list every value it may take"),
            );
        }
        plan.outcomes
            .insert(expr.clone(), (v.value.clone(), v.referenced.line()));
    }
    for (who, code) in &e.exit {
        if !threads.contains(&who.as_str()) && !script_main {
            let msg = format!("`exit` names `{who}`, which is not a thread of this spec");
            ck.at_suggest(code, msg, who, threads.iter().copied());
        }
        plan.exit
            .insert(who.clone(), (code.value, code.referenced.line()));
    }
    for (who, err) in &e.errors {
        if !spec.workers.contains_key(who) && !script_main {
            let msg = format!("`errors` names `{who}`, which is not a worker of this spec");
            let known: Vec<&str> = spec.workers.keys().map(String::as_str).collect();
            ck.at_suggest(err, msg, who, known);
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
