//! The spec's settings → the plan's: exploration, expectations, fault rules.

use super::validate::Checker;
use super::{ErrorPlan, ExpectPlan, ExplorePlan, MAIN};
use crate::diag::Diagnostic;
use std::collections::BTreeMap;

use crate::spec::{self, At, EndKind, EndRule, EndsExpect, Explore, Spec, Strategy, TraceExpect};

/// The largest PCT depth a spec may ask for.
pub const MAX_DEPTH: u32 = 1000;

/// The most scheduling points a delay fault may hold a message.
pub const MAX_DELAY_POINTS: u32 = 1000;

pub(super) fn fault_rules(ck: &mut Checker<'_>, spec: &Spec) -> Vec<crate::faults::PostRule> {
    use crate::faults::{PostRule, Verdict};
    let mut rules = Vec::new();
    let script_main = spec.main.as_ref().is_some_and(|m| m.value.script.is_some());
    let given = spec
        .faults
        .as_ref()
        .map(|f| f.value.rules())
        .unwrap_or_default();
    for (i, f) in given.iter().enumerate() {
        let (post, verdict) = match &f.value {
            // A step's, see `crash_faults`.
            spec::FaultSpec::Crash(_)
            | spec::FaultSpec::Terminate(_)
            | spec::FaultSpec::HeapLimit(_) => continue,
            spec::FaultSpec::Drop(p) => (p, Verdict::Drop),
            spec::FaultSpec::Duplicate(p) => (p, Verdict::Duplicate),
            spec::FaultSpec::LoseWakeup(p) => (p, Verdict::LoseWakeup),
            spec::FaultSpec::Reorder(p) => (p, Verdict::Reorder),
            spec::FaultSpec::CloneFailure(p) => (p, Verdict::CloneFailure),
            spec::FaultSpec::Delay(p) => {
                let points = match p.points {
                    Some(n) if (1..=MAX_DELAY_POINTS).contains(&n) => n,
                    Some(n) => {
                        ck.at(
                            f,
                            format!("`faults[{i}]`: `points` is {n}: a delay holds a message for 1 to {MAX_DELAY_POINTS} of its poster's scheduling points"),
                        );
                        1
                    }
                    None => {
                        ck.at(
                            f,
                            format!("`faults[{i}]`: a delay needs `points`, how many of its poster's scheduling points it holds the message (1 to {MAX_DELAY_POINTS})"),
                        );
                        1
                    }
                };
                (p, Verdict::Delay(points))
            }
        };
        if post.points.is_some() && !matches!(verdict, Verdict::Delay(_)) {
            ck.at(
                f,
                format!(
                    "`faults[{i}]`: `points` is for `delay`; a {} fault takes none",
                    verdict.name()
                ),
            );
        }
        let per_million = match post.probability {
            None => None,
            Some(p) if (0.0..=1.0).contains(&p) => Some((p * 1_000_000.0).round() as u32),
            Some(p) => {
                ck.at(
                    f,
                    format!("`faults[{i}]`: `probability` is {p}: it must be 0 to 1"),
                );
                None
            }
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
        if let Some(to) = &post.to {
            let known = to == MAIN || spec.workers.contains_key(to);
            if !known && !script_main {
                let names: Vec<&str> = std::iter::once(MAIN)
                    .chain(spec.workers.keys().map(String::as_str))
                    .collect();
                let msg =
                    format!("`faults[{i}]`: `to` names `{to}`, which is not a thread of this spec");
                ck.at_suggest(f, msg, to, names);
            }
        }
        if let Some(port) = &post.port {
            if !spec.channels.contains_key(port) {
                let names: Vec<&str> = spec.channels.keys().map(String::as_str).collect();
                let msg = format!(
                    "`faults[{i}]`: `port` names `{port}`, which is not a channel of this spec (`channels:`)"
                );
                ck.at_suggest(f, msg, port, names);
            }
        }
        if let Some(step) = post.step {
            let thread = if post.from == MAIN {
                spec.main.as_ref().map(|m| &m.value)
            } else {
                spec.workers.get(&post.from).map(|w| &w.value)
            };
            let steps = thread.map(|t| t.steps.len());
            match steps {
                Some(n) if (step as usize) < n => {}
                Some(n) => {
                    ck.at(
                        f,
                        format!(
                            "`faults[{i}]`: `{}` has {n} step{} (0 to {}): there is no step {step} to pick its posts in",
                            post.from,
                            if n == 1 { "" } else { "s" },
                            n.saturating_sub(1)
                        ),
                    );
                }
                None => {} // an unknown thread, reported above
            }
        }
        if post.nth == Some(0) {
            ck.at(
                f,
                format!("`faults[{i}]`: `nth` counts from 1 (the thread's first post)"),
            );
        }
        rules.push(PostRule {
            from: post.from.clone(),
            nth: post.nth,
            to: post.to.clone(),
            step: post.step,
            port: post.port.clone(),
            after_ms: post.after_ms,
            per_million,
            verdict,
        });
    }
    rules
}

/// A thread's step, where a fault strikes.
struct TargetStep {
    thread: String,
    step: u32,
}

/// `terminate: { thread, at_ms }` faults: (worker, virtual time).
pub(super) fn timed_terminates(ck: &mut Checker<'_>, spec: &Spec) -> Vec<(String, u64)> {
    let given = spec
        .faults
        .as_ref()
        .map(|f| f.value.rules())
        .unwrap_or_default();
    let mut out = Vec::new();
    for f in given {
        let spec::FaultSpec::Terminate(c) = &f.value else {
            continue;
        };
        let Some(at) = c.at_ms else { continue };
        if at == 0 {
            ck.at(
                f,
                "a terminate fault's `at_ms` is 0: the clock starts there, so it would strike before the worker began; use `step: 0`, or a time from 1 ms".to_string(),
            );
            continue;
        }
        if let Some(max) = spec
            .max_time
            .as_ref()
            .map(|t| t.value)
            .filter(|max| at > *max)
        {
            ck.at(
                f,
                format!("a terminate fault's `at_ms` is {at}, past `max_time` ({max} ms): the run ends before it"),
            );
            continue;
        }
        if c.thread == super::MAIN {
            ck.at(
                f,
                "a terminate fault names `main`, which nothing can terminate (`worker.terminate()` ends workers): crash it instead".to_string(),
            );
            continue;
        }
        if !spec.workers.contains_key(&c.thread) {
            let names: Vec<&str> = spec.workers.keys().map(String::as_str).collect();
            ck.at_suggest(
                f,
                format!(
                    "a terminate fault names `{}`, which is not a worker of this spec",
                    c.thread
                ),
                &c.thread,
                names,
            );
            continue;
        }
        out.push((c.thread.clone(), at));
    }
    out
}

/// `crash:` and `terminate:` faults: (thread, step) pairs, checked against the threads'
/// steps.
pub(super) fn crash_faults(ck: &mut Checker<'_>, spec: &Spec, threads: &mut [super::ThreadPlan]) {
    let given = spec
        .faults
        .as_ref()
        .map(|f| f.value.rules())
        .unwrap_or_default();
    for f in given {
        let (thread, at_step, what) = match &f.value {
            spec::FaultSpec::Crash(c) => (&c.thread, c.step, "crash"),
            spec::FaultSpec::Terminate(c) if c.at_ms.is_some() => {
                if c.step.is_some() {
                    ck.at(
                        f,
                        "a terminate fault strikes at a `step` or at a time (`at_ms`), not both"
                            .to_string(),
                    );
                }
                continue; // see `timed_terminates`
            }
            spec::FaultSpec::Terminate(c) => (&c.thread, c.step, "terminate"),
            spec::FaultSpec::HeapLimit(h) => (&h.thread, Some(h.step), "heap_limit"),
            _ => continue,
        };
        if let spec::FaultSpec::Crash(c) = &f.value {
            if c.at_ms.is_some() {
                ck.at(
                    f,
                    "a crash fault strikes at a `step`: `at_ms` is for terminate faults"
                        .to_string(),
                );
                continue;
            }
        }
        let Some(at_step) = at_step else {
            ck.at(
                f,
                format!(
                    "a {what} fault needs the `step` it strikes at (from 0){}",
                    if what == "terminate" {
                        ", or the time, `at_ms`"
                    } else {
                        ""
                    }
                ),
            );
            continue;
        };
        let c = TargetStep {
            thread: thread.clone(),
            step: at_step,
        };
        if what == "terminate" && c.thread == super::MAIN {
            ck.at(
                f,
                "a terminate fault names `main`, which nothing can terminate (`worker.terminate()` ends workers): crash it instead".to_string(),
            );
            continue;
        }
        if what == "heap_limit" && c.thread == super::MAIN {
            ck.at(
                f,
                "a heap_limit fault names `main`: `resourceLimits` are a worker's (`ERR_WORKER_OUT_OF_MEMORY`); name a worker".to_string(),
            );
            continue;
        }
        let mb = match &f.value {
            spec::FaultSpec::HeapLimit(h) => match h.mb {
                None => Some(DEFAULT_FAULT_HEAP_MB),
                Some(mb) if (1..=MAX_FAULT_HEAP_MB).contains(&mb) => Some(mb),
                Some(mb) => {
                    ck.at(
                        f,
                        format!("a heap_limit fault's `mb` is {mb}: it must be 1 to {MAX_FAULT_HEAP_MB} (MiB; the step allocates until it runs out)"),
                    );
                    continue;
                }
            },
            _ => None,
        };
        let Some(t) = threads.iter_mut().find(|t| t.name == c.thread) else {
            let names: Vec<String> = threads.iter().map(|t| t.name.clone()).collect();
            ck.at_suggest(
                f,
                format!(
                    "a {what} fault names `{}`, which is not a thread of this spec",
                    c.thread
                ),
                &c.thread,
                names.iter().map(String::as_str).collect::<Vec<_>>(),
            );
            continue;
        };
        let super::ThreadSource::Steps(steps) = &mut t.source else {
            ck.at(
                f,
                format!(
                    "a {what} fault needs `{}` to have steps (a script has none)",
                    c.thread
                ),
            );
            continue;
        };
        let Some(step) = steps.get_mut(c.step as usize) else {
            let n = steps.len();
            ck.at(
                f,
                format!(
                    "`{}` has {n} step{} (0 to {}): there is no step {} to {what} at",
                    c.thread,
                    if n == 1 { "" } else { "s" },
                    n.saturating_sub(1),
                    c.step
                ),
            );
            continue;
        };
        step.action = match what {
            "crash" => super::StepAction::Crash(format!(
                "heddle fault: crash of {} at step {}",
                c.thread, c.step
            )),
            "heap_limit" => super::StepAction::ExhaustHeap,
            _ => super::StepAction::Terminated,
        };
        step.kind = format!("fault {what} (instead of {})", step.kind);
        if mb.is_some() {
            t.max_old_generation_mb = mb;
        }
    }
}

/// A heap_limit fault's heap limit when it gives none, in MiB.
pub const DEFAULT_FAULT_HEAP_MB: u32 = 8;

/// The highest heap limit a heap_limit fault may give, in MiB (its step fills it).
pub const MAX_FAULT_HEAP_MB: u32 = 64;

/// The most faults a search may place in one run (placements grow as posts^max).
pub const MAX_FAULTS: u32 = 3;

/// `faults: { explore: … }`: the search over placements.
pub(super) fn fault_search(
    ck: &mut Checker<'_>,
    spec: &Spec,
) -> Option<crate::faults::FaultSearch> {
    use crate::faults::{FaultSearch, Verdict};
    let search = spec.faults.as_ref()?.value.search()?;
    if search.value.max == 0 || search.value.max > MAX_FAULTS {
        ck.at(
            search,
            format!(
                "`faults.explore.max` is {}: it must be 1 to {MAX_FAULTS} (the placements grow as posts^max)",
                search.value.max
            ),
        );
    }
    let mut kinds: Vec<Verdict> = search
        .value
        .kinds
        .iter()
        .map(|k| match k {
            spec::FaultKind::Drop => Verdict::Drop,
            spec::FaultKind::Duplicate => Verdict::Duplicate,
            spec::FaultKind::LoseWakeup => Verdict::LoseWakeup,
            spec::FaultKind::Delay => Verdict::Delay(2),
            spec::FaultKind::Reorder => Verdict::Reorder,
            spec::FaultKind::CloneFailure => Verdict::CloneFailure,
        })
        .collect();
    if kinds.is_empty() {
        kinds.push(Verdict::Drop);
    }
    kinds.dedup();
    Some(FaultSearch {
        max: search.value.max.clamp(1, MAX_FAULTS),
        kinds,
    })
}

/// `threads`: the spec's thread names, when they are all known (not when main is a script,
/// whose workers are named by its code).
pub(super) fn explore_plan(
    ck: &mut Checker<'_>,
    explore: Option<&At<Explore>>,
    threads: Option<Vec<&str>>,
) -> ExplorePlan {
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
                if depth == 0 || depth > MAX_DEPTH {
                    ck.at(explore, format!("`explore.depth` must be from 1 to {MAX_DEPTH} (a bug of depth d needs d - 1 priority changes; PCT's bound shrinks with every extra one)"));
                }
                plan.depth = depth.clamp(1, MAX_DEPTH);
            }
            plan.preemptions = w.preemptions;
            if let Some(max) = w.max_runs {
                if max == 0 {
                    ck.at(explore, "`explore.max_runs` must be at least 1".into());
                }
                plan.max_runs = max;
            }
            plan.accept_partial = w.accept_partial.unwrap_or(false);
            plan.time_choices = w.time_choices;
            plan.spin_assume = w.spin_assume.unwrap_or(true);
            if let Some(schedule) = &w.schedule {
                match crate::sched::fixed::parse_schedule(schedule) {
                    Err(e) => {
                        ck.at(
                            explore,
                            format!("`explore.schedule` is not a schedule string: {e}"),
                        );
                    }
                    Ok(names) => {
                        if let Some(threads) = &threads {
                            if let Some(bad) = names.iter().find(|n| !threads.contains(&n.as_str()))
                            {
                                let msg = format!(
                                    "`explore.schedule` names `{bad}`, which is not a thread of this spec (its threads: {})",
                                    threads.join(", ")
                                );
                                ck.at_suggest(explore, msg, bad, threads.iter().copied());
                            }
                        }
                    }
                }
            }
            let misplaced = match w.strategy {
                Strategy::Fixed => {
                    w.accept_partial.is_some()
                        || w.spin_assume.is_some()
                        || w.seed.is_some()
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
                    w.accept_partial.is_some()
                        || w.depth.is_some()
                        || w.preemptions.is_some()
                        || w.schedule.is_some()
                        || w.max_runs.is_some()
                }
                Strategy::Pct => {
                    w.accept_partial.is_some()
                        || w.preemptions.is_some()
                        || w.schedule.is_some()
                        || w.max_runs.is_some()
                }
            };
            if misplaced {
                let msg = format!(
                    "a setting does not apply to strategy `{:?}`: fixed takes `schedule`; exhaustive takes `preemptions`, `max_runs`, `accept_partial`; random takes `seed`, `runs`; pct takes `seed`, `runs`, `depth`; all but fixed take `spin_assume`",
                    w.strategy
                )
                .to_lowercase();
                ck.at(explore, msg);
            }
        }
    }
    plan
}

pub(super) fn expect_plan(ck: &mut Checker<'_>, spec: &Spec) -> ExpectPlan {
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
        ends: ends_plan(ck, spec),
        ends_line: e.ends.as_ref().map(|at| at.referenced.line()),
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
        if who == MAIN && !(0..=255).contains(&code.value) {
            ck.at(code, format!("`expect.exit.main` is {}: the process exits with a code from 0 to 255 (`process.exit(256)` exits 0, `process.exit(-1)` 255)", code.value));
        }
        plan.exit
            .insert(who.clone(), (code.value, code.referenced.line()));
    }
    if let Some(n) = &e.behaviours {
        let exhaustive = spec.explore.as_ref().is_some_and(|x| match &x.value {
            Explore::Name(s) => *s == Strategy::Exhaustive,
            Explore::With(w) => w.strategy == Strategy::Exhaustive,
        });
        if !exhaustive {
            ck.at(n, "`behaviours` counts what an exhaustive exploration finds: it needs `explore: exhaustive`".into());
        }
        plan.behaviours = Some((n.value, n.referenced.line()));
    }
    for allow in &e.undelivered {
        for name in [&allow.value.from, &allow.value.to].into_iter().flatten() {
            if !threads.contains(&name.as_str()) && !script_main {
                let msg =
                    format!("`undelivered` names `{name}`, which is not a thread of this spec");
                ck.at_suggest(allow, msg, name, threads.iter().copied());
            }
        }
        plan.undelivered
            .push((allow.value.from.clone(), allow.value.to.clone()));
    }
    for (who, err) in &e.errors {
        if let Some(code) = &err.value.code {
            if !(code.is_string() || code.is_number()) {
                ck.at(err, format!("`expect.errors.{who}.code` must be a string (a Node code such as `ERR_INVALID_ARG_TYPE`) or a number (a DOMException's), not {code}"));
            }
        }
        if !spec.workers.contains_key(who) && who != MAIN && !script_main {
            let msg = format!("`errors` names `{who}`, which is not a thread of this spec");
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

/// Every end's rule: the spec's, over the defaults (`done` allowed; `time-limit` allowed
/// when `max_time` is set; the rest forbidden).
fn ends_plan(ck: &mut Checker<'_>, spec: &Spec) -> BTreeMap<EndKind, EndRule> {
    use EndKind::*;
    if let Some(old) = &spec.expect.deadlock {
        let hint = match old.value.as_str() {
            Some("some") => "`ends: { deadlock: required }` (at least one run deadlocks)",
            Some("always") => "`ends: { deadlock: always, done: forbidden }`",
            _ => "`ends: [done]` (the default)",
        };
        ck.at(
            old,
            format!("`expect.deadlock` was replaced by `expect.ends`: write {hint}"),
        );
    }
    let mut rules: BTreeMap<EndKind, EndRule> = [Done, Idle, Deadlock, TimeLimit]
        .into_iter()
        .map(|k| (k, EndRule::Forbidden))
        .collect();
    rules.insert(Done, EndRule::Allowed);
    if spec.max_time.is_some() {
        rules.insert(TimeLimit, EndRule::Allowed);
    }
    match spec.expect.ends.as_ref().map(|at| &at.value) {
        None => {}
        Some(EndsExpect::List(allowed)) => {
            for rule in rules.values_mut() {
                *rule = EndRule::Forbidden;
            }
            for k in allowed {
                rules.insert(*k, EndRule::Allowed);
            }
            if allowed.is_empty() {
                if let Some(at) = &spec.expect.ends {
                    ck.at(
                        at,
                        "`ends: []` allows no end at all: list the ends a run may have".into(),
                    );
                }
            }
        }
        Some(EndsExpect::Rules(given)) => {
            for (k, r) in given {
                rules.insert(*k, *r);
            }
            let always: Vec<&EndKind> = given
                .iter()
                .filter(|(_, r)| **r == EndRule::Always)
                .map(|(k, _)| k)
                .collect();
            if always.len() > 1 {
                if let Some(at) = &spec.expect.ends {
                    ck.at(
                        at,
                        "`ends` says `always` for two different ends: a run ends one way".into(),
                    );
                }
            }
            if let Some(k) = always.first() {
                // Every run ends so: no other end is allowed.
                for (other, rule) in rules.iter_mut() {
                    if other != *k && !given.contains_key(other) {
                        *rule = EndRule::Forbidden;
                    }
                }
            }
        }
    }
    rules
}
