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

use super::settings::{
    crash_faults, expect_plan, explore_plan, fault_rules, fault_search, timed_terminates,
};
use super::steps::{step_plan, Scope};
use super::{
    codegen, LimitsPlan, MainSource, Plan, SourceAt, ThreadPlan, ThreadSource, MAIN, MAX_SAB_BYTES,
};
use crate::diag::Diagnostic;
use crate::spec::{self, At, Spec};

/// The largest heap limit a spec may set, in MiB (1 TiB).
pub const MAX_HEAP_MB: u32 = 1 << 20;

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
const JS_KEYWORDS: &str = "await break case catch class const continue debugger default \
    delete do else enum export extends false finally for function if implements import in \
    instanceof interface let new null package private protected public return static super \
    switch this throw true try typeof var void while with yield";

/// Whether `name` is a JavaScript reserved word.
pub(super) fn is_keyword(name: &str) -> bool {
    JS_KEYWORDS.split_whitespace().any(|k| k == name)
}

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
    pub(super) path: &'a Path,
    pub(super) source: &'a str,
    pub(super) problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    pub(super) fn at<T>(&mut self, at: &At<T>, message: String) -> &mut Diagnostic {
        self.problems.push(Diagnostic::at(
            self.path,
            self.source,
            at.referenced,
            message,
        ));
        self.problems.last_mut().expect("just pushed")
    }

    pub(super) fn at_suggest<'k, T>(
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
}

pub(super) fn source_at<T>(at: &At<T>) -> SourceAt {
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
    let spec: Spec = crate::yaml::parse(path, source).map_err(|d| vec![d])?;
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

pub(super) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Whether `name` may be a global of the generated program.
/// Why `name` cannot be a global of the generated program, if it cannot.
fn unusable_name(name: &str) -> Option<String> {
    if !is_identifier(name) {
        Some(
            "is not a JavaScript identifier (letters, digits, `_`, `$`; not starting with a digit)"
                .into(),
        )
    } else if is_keyword(name) {
        Some("is a JavaScript keyword".into())
    } else if RESERVED.contains(&name) {
        Some(format!(
            "is reserved: every thread already has it (reserved: {})",
            RESERVED.join(", ")
        ))
    } else if name.starts_with("__") {
        Some("starts with `__`, which Heddle's generated code uses".into())
    } else {
        None
    }
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
        if let Some(why) = unusable_name(name) {
            d(ck, format!("{kind} name `{name}` {why}"));
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
        if let Some(mb) = w.value.max_old_generation_mb {
            if mb == 0 || mb > MAX_HEAP_MB {
                let msg = format!(
                    "worker `{name}`: `max_old_generation_mb` must be from 1 to {MAX_HEAP_MB} (MiB), not {mb}"
                );
                ck.at(w, msg);
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
    crash_faults(ck, &spec, &mut threads);

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
    let max_steps = match &spec.max_steps {
        Some(n) if n.value == 0 => {
            ck.at(n, "`max_steps` must be at least 1".into());
            1
        }
        Some(n) => n.value,
        None => 20_000,
    };
    let limits = LimitsPlan {
        unit: positive_ms(ck, "max_unit_ms", spec.max_unit_ms.as_ref()),
        run: positive_ms(ck, "max_run_ms", spec.max_run_ms.as_ref()),
    };
    let mut plan = Plan {
        name: spec.name.value.clone(),
        path: ck.path.to_path_buf(),
        about: spec.about.clone(),
        diverges: spec.diverges.clone(),
        read_roots: allowed.clone(),
        main,
        cwd,
        threads,
        shared,
        channels: spec.channels.keys().cloned().collect(),
        explore: explore_plan(
            ck,
            spec.explore.as_ref(),
            main_script.is_none().then(|| known_threads.clone()),
        ),
        expect: expect_plan(ck, &spec),
        max_steps,
        main_is_supervisor,
        max_time: spec.max_time.as_ref().map(|t| t.value),
        faults: fault_rules(ck, &spec),
        timed_terminates: timed_terminates(ck, &spec),
        fault_search: fault_search(ck, &spec),
        env: spec
            .env
            .iter()
            .filter_map(|(k, v)| {
                if k.is_empty() || k.contains(['=', '\0']) || v.value.contains('\0') {
                    ck.at(
                        v,
                        format!("`env.{k}`: a variable's name is not empty and has no `=` or NUL, and its value has no NUL"),
                    );
                    return None;
                }
                Some((k.clone(), v.value.clone()))
            })
            .collect(),
        limits,
        memory_atomics: spec.memory == Some(crate::spec::MemoryUse::Atomics),
        max_heap_mb: match &spec.max_heap_mb {
            Some(mb) if mb.value == 0 || mb.value > MAX_HEAP_MB => {
                ck.at(
                    mb,
                    format!("`max_heap_mb` must be from 1 to {MAX_HEAP_MB} (MiB)"),
                );
                1
            }
            Some(mb) => mb.value,
            None => 512,
        },
    };
    // Only a valid topology has a program (a worker named `main`, say, would be its own
    // ancestor).
    if matches!(plan.main, MainSource::Generated(_)) && ck.problems.is_empty() {
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

fn positive_ms(ck: &mut Checker<'_>, key: &str, value: Option<&At<u64>>) -> Option<Duration> {
    let ms = value?;
    if ms.value == 0 {
        ck.at(ms, format!("`{key}` must be at least 1 (milliseconds)"));
        return None;
    }
    Some(Duration::from_millis(ms.value))
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
    let lexical = lexical_normal(&given);
    if !allowed.iter().any(|a| lexical.starts_with(a)) {
        let msg = format!(
            "{whose} script `{}` is outside the spec's folder ({}): add its folder to `allow_read:` to let the spec read it",
            script.value,
            dir.display()
        );
        ck.at(script, msg);
        return given;
    }
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

/// `path` with `.` and `..` resolved as text (no file system: the file may not exist).
fn lexical_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
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
