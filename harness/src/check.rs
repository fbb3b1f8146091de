//! Checks a run, and an exploration's outcome set, against a plan's expectations.
//!
//! Every finding says whose problem it is ([`Blame`]): the spec's (it cannot be run as
//! written: its own step code throws, loops without a scheduling point, a schedule does not
//! fit it; the CLI exits 2) or the run's (an expectation failed, a deadlock, a lost message:
//! exit 1). Every finding names its place in the spec file where there is one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::exec::RunResult;
use crate::plan::{Plan, MAIN};
use crate::sched::End;
use crate::spec::{EndKind, EndRule};

/// Whose problem a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Blame {
    /// The spec cannot be checked as written (bad input: the CLI exits 2).
    Spec,
    /// The code under test broke an expectation (the CLI exits 1).
    Run,
}

/// One thing wrong with a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Whose problem it is.
    pub blame: Blame,
    /// What is wrong, with its place in the spec where there is one.
    pub message: String,
}

impl Finding {
    fn spec(message: String) -> Self {
        Finding {
            blame: Blame::Spec,
            message,
        }
    }

    fn run(message: String) -> Self {
        Finding {
            blame: Blame::Run,
            message,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The expressions a run must evaluate for `plan`.
pub fn expressions(plan: &Plan) -> Vec<String> {
    plan.expect
        .values
        .keys()
        .chain(plan.expect.outcomes.keys())
        .cloned()
        .collect()
}

fn json_text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Normalises a JSON text (key order, spacing) so equal values compare equal.
pub fn normalize(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => json_text(&v),
        Err(_) => text.to_string(),
    }
}

/// The hint every stuck unit gets.
const STUCK_HINT: &str = "a busy loop without Atomics or heddle.yield()? Under the scheduler one thread runs at a time, so a loop that waits for another thread must reach a scheduling point (an Atomics operation, heddle.yield(), a message); if the code is only slow, raise `max_unit_ms:` or pass --max-unit-ms";

/// `step i (`kind`) of thread (file:line:col)`.
fn step_place(plan: &Plan, thread: &str, step: u32) -> String {
    let kind = plan
        .step(thread, step)
        .map(|s| format!(" `{}`", s.kind))
        .unwrap_or_default();
    format!(
        "step {step}{kind} of {thread} ({})",
        plan.step_location(thread, step)
    )
}

/// What is wrong with one run; empty if nothing.
pub fn check_run(plan: &Plan, run: &RunResult) -> Vec<Finding> {
    if run.end == End::Redundant {
        return Vec::new(); // stopped early: another run shows its behaviour
    }
    let file = plan.path.display();
    let mut out = Vec::new();
    // Threads whose own step threw: their error is the finding, not what it caused.
    let threw: BTreeMap<&str, u32> = run
        .in_step_at_end
        .iter()
        .filter(|(who, _)| {
            (run.errors.contains_key(*who) && !plan.expect.errors.contains_key(*who))
                || (who.as_str() == MAIN
                    && run.exits.get(MAIN).is_some_and(|c| *c != 0)
                    && !plan.expect.exit.contains_key(MAIN))
        })
        .map(|(who, step)| (who.as_str(), *step))
        .collect();
    for (who, step) in &threw {
        let what = match run.errors.get(*who) {
            Some(err) => describe_error(err),
            None => last_stderr(&run.stderr),
        };
        out.push(Finding::spec(format!(
            "{} threw: {what}",
            step_place(plan, who, *step)
        )));
    }
    match &run.end {
        End::Stuck(at) => {
            let place = match at.step {
                Some(step) => step_place(plan, &at.thread, step),
                None => format!("{} (in its script or event loop)", at.thread),
            };
            out.push(Finding::spec(format!(
                "{place} ran for {} ms without reaching a scheduling point: {STUCK_HINT}",
                at.limit.as_millis()
            )));
        }
        End::WallClock(limit) => out.push(Finding::spec(format!(
            "the run took longer than {} ms of wall-clock time (raise `max_run_ms:` or pass --max-run-ms if it is only slow)",
            limit.as_millis()
        ))),
        End::Mismatch(why) => out.push(Finding::spec(format!(
            "{}: the schedule does not fit this spec: {why}",
            plan.path.display()
        ))),
                End::Budget(_) => out.push(Finding::run(run.end.to_string())),
        End::Redundant => {}
        End::Done | End::Idle | End::Deadlock(_) | End::TimeLimit(_) => {
            out.extend(check_end(plan, run, &threw));
        }
    }
    out.extend(run.problems.iter().cloned().map(Finding::run));
    // A run cut short (stuck, a time limit, a deadlock already reported) leaves messages in
    // flight for that reason; a run that ended on its own must have delivered them.
    if matches!(run.end, End::Done | End::Idle) {
        for u in &run.undelivered {
            let allowed = plan.expect.undelivered.iter().any(|(from, to)| {
                from.as_ref().is_none_or(|f| *f == u.from) && to.as_ref().is_none_or(|t| *t == u.to)
            });
            if !allowed {
                out.push(Finding::run(format!(
                    "undelivered: msg#{} from {} (port#{}) was still queued on port#{} when {} ended (allow it with `expect: {{ undelivered: [{{ from: {}, to: {} }}] }}`)",
                    u.msg, u.from, u.from_port.0, u.port.0, u.to, u.from, u.to
                )));
            }
        }
    }
    for (expr, (want, line)) in &plan.expect.values {
        let got = run
            .values
            .get(expr)
            .map(|v| normalize(v))
            .unwrap_or_default();
        if got != json_text(want) {
            out.push(Finding::run(format!(
                "{file}:{line}: `{expr}` is {got}, expected {}",
                json_text(want)
            )));
        }
    }
    for (who, (want, line)) in &plan.expect.exit {
        match run.exits.get(who) {
            Some(got) if got == want => {}
            Some(got) => out.push(Finding::run(format!(
                "{file}:{line}: {who} exited with {got}, expected {want}"
            ))),
            None => out.push(Finding::run(format!(
                "{file}:{line}: {who} never exited (expected exit code {want}); when the run ended it was {}",
                run.unfinished.get(who).copied().unwrap_or("not started")
            ))),
        }
    }
    for (who, (want, line)) in &plan.expect.errors {
        let Some(got) = run.errors.get(who) else {
            out.push(Finding::run(format!(
                "{file}:{line}: {who} had no uncaught error"
            )));
            continue;
        };
        let field = |k: &str| got.get(k).cloned().unwrap_or(serde_json::Value::Null);
        if let Some(class) = &want.class {
            let got_class = field("class");
            let got_name = field("name");
            if got_class.as_str() != Some(class) && got_name.as_str() != Some(class) {
                out.push(Finding::run(format!(
                    "{file}:{line}: {who}'s error is a {got_class} ({got_name}), expected {class}"
                )));
            }
        }
        if let Some(code) = &want.code {
            if &field("code") != code {
                out.push(Finding::run(format!(
                    "{file}:{line}: {who}'s error code is {}, expected {code}",
                    field("code")
                )));
            }
        }
        if let Some(message) = &want.message {
            if field("message").as_str() != Some(message) {
                out.push(Finding::run(format!(
                    "{file}:{line}: {who}'s error message is {}, expected {message:?}",
                    field("message")
                )));
            }
        }
    }
    for (who, err) in &run.errors {
        if !plan.expect.errors.contains_key(who) && !threw.contains_key(who.as_str()) {
            out.push(Finding::run(format!(
                "uncaught error in {who}: {}",
                describe_error(err)
            )));
        }
    }
    if !plan.expect.exit.contains_key(MAIN)
        && !threw.contains_key(MAIN)
        && run.exits.get(MAIN).is_some_and(|c| *c != 0)
        && run.end == End::Done
    {
        out.push(Finding::run(format!(
            "main exited with {} (add `expect: exit: {{ main: N }}` if intended); stderr:\n{}",
            run.exits[MAIN], run.stderr
        )));
    }
    if let Some(stdout) = &plan.expect.stdout {
        if &run.stdout != stdout {
            out.push(Finding::run(format!(
                "stdout differs:\n--- expected\n{stdout}--- got\n{}",
                run.stdout
            )));
        }
    }
    out
}

/// The kind of a run's end that a spec can expect (`None` for the ends that are always
/// failures: stuck, out of budget, over time, a schedule that does not fit).
pub fn end_kind(end: &End) -> Option<EndKind> {
    match end {
        End::Done => Some(EndKind::Done),
        End::Idle => Some(EndKind::Idle),
        End::Deadlock(_) => Some(EndKind::Deadlock),
        End::TimeLimit(_) => Some(EndKind::TimeLimit),
        _ => None,
    }
}

/// An end kind's name, as specs write it.
pub fn kind_name(kind: EndKind) -> &'static str {
    match kind {
        EndKind::Done => "done",
        EndKind::Idle => "idle",
        EndKind::Deadlock => "deadlock",
        EndKind::TimeLimit => "time-limit",
    }
}

/// What the spec's `ends:` says of this run's end.
fn check_end(plan: &Plan, run: &RunResult, threw: &BTreeMap<&str, u32>) -> Vec<Finding> {
    let Some(kind) = end_kind(&run.end) else {
        return Vec::new();
    };
    let file = plan.path.display();
    let at = plan
        .expect
        .ends_line
        .map(|l| format!("{file}:{l}: "))
        .unwrap_or_default();
    let mut out = Vec::new();
    let rule = plan
        .expect
        .ends
        .get(&kind)
        .copied()
        .unwrap_or(EndRule::Forbidden);
    if let Some((always, _)) = plan
        .expect
        .ends
        .iter()
        .find(|(k, r)| **r == EndRule::Always && **k != kind)
    {
        out.push(Finding::run(format!(
            "{at}every run must end {} (ends: {{ {}: always }}); this one ended {}",
            kind_name(*always),
            kind_name(*always),
            run.end
        )));
        return out;
    }
    if rule != EndRule::Forbidden {
        return out;
    }
    match &run.end {
        End::Deadlock(blockers) => {
            // A thread whose own step threw is reported as that, not as blocked.
            let rest: Vec<String> = blockers
                .iter()
                .filter(|b| !threw.contains_key(b.thread()))
                .map(ToString::to_string)
                .collect();
            if !rest.is_empty() {
                out.push(Finding::run(format!(
                    "deadlock: {} (allow it with `ends: {{ deadlock: allowed }}`)",
                    rest.join("; ")
                )));
            }
        }
        End::Idle => {
            let idle: Vec<&str> = run.unfinished.keys().map(String::as_str).collect();
            out.push(Finding::run(format!(
                "the run ended idle: {} {} for messages or timers that can never come, with their steps finished; Node would wait here for ever (allow it with `ends: {{ idle: allowed }}`)",
                idle.join(", "),
                if idle.len() == 1 { "waits" } else { "wait" }
            )));
        }
        End::TimeLimit(ms) => out.push(Finding::run(format!(
            "{at}the run reached its virtual time limit ({ms} ms) but `ends` forbids time-limit"
        ))),
        _ => out.push(Finding::run(format!(
            "{at}the run ended {} but `ends` forbids it",
            kind_name(kind)
        ))),
    }
    out
}

/// What is wrong with how the runs of an exploration ended, taken together: an end the
/// spec requires that no run had.
pub fn check_ends(plan: &Plan, ends: &BTreeMap<String, u64>, runs: u64) -> Vec<String> {
    let file = plan.path.display();
    let line = plan.expect.ends_line.unwrap_or(0);
    plan.expect
        .ends
        .iter()
        .filter(|(_, r)| matches!(r, EndRule::Required | EndRule::Always))
        .filter(|(k, _)| ends.get(kind_name(**k)).copied().unwrap_or(0) == 0)
        .map(|(k, r)| {
            let rule = if *r == EndRule::Always { "always" } else { "required" };
            format!(
                "{file}:{line}: `ends: {{ {}: {rule} }}` needs at least one run to end {}; none of the {runs} runs did",
                kind_name(*k),
                kind_name(*k)
            )
        })
        .collect()
}

/// `Class: message (code)` of an uncaught error as the parent recorded it.
fn describe_error(err: &serde_json::Value) -> String {
    let text = |k: &str| err.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let name = text("name")
        .or_else(|| text("class"))
        .unwrap_or_else(|| "Error".into());
    let message = text("message").unwrap_or_default();
    match err.get("code").filter(|c| !c.is_null()) {
        Some(code) => format!("{name}: {message} (code {code})"),
        None => format!("{name}: {message}"),
    }
}

/// The last non-empty line of `stderr` (main's uncaught error is printed there).
fn last_stderr(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    match lines.iter().position(|l| l.starts_with("Uncaught")) {
        Some(i) => lines[i..].join("\n"),
        None => lines
            .last()
            .map(|l| l.to_string())
            .unwrap_or_else(|| "it exited with an error".into()),
    }
}

/// The outcome of a run: the values of the `outcomes` expressions. A run that did not end
/// on its own (stuck, out of budget, over time, a mismatch, or stopped as redundant) has
/// none: its values are not those of a behaviour of the program.
pub fn outcome_of(plan: &Plan, run: &RunResult) -> BTreeMap<String, String> {
    if end_kind(&run.end).is_none() {
        return BTreeMap::new();
    }
    plan.expect
        .outcomes
        .keys()
        .map(|e| {
            (
                e.clone(),
                run.values.get(e).map(|v| normalize(v)).unwrap_or_default(),
            )
        })
        .collect()
}

/// What is wrong with an exploration as a whole: its outcome sets and its ends.
pub fn check_report(plan: &Plan, report: &crate::explore::Report) -> Vec<String> {
    // A shard sees a part of the schedule space by design: what it saw must be allowed,
    // and only the merged shards can say whether everything expected showed up.
    let partial_ok = report.complete || plan.explore.accept_partial || report.shard.is_some();
    let whole = report.complete && report.shard.is_none();
    let mut out = Vec::new();
    let needs_all = !plan.expect.outcomes.is_empty()
        || plan.expect.behaviours.is_some()
        || plan
            .expect
            .ends
            .values()
            .any(|r| matches!(r, EndRule::Required | EndRule::Always));
    if !partial_ok && needs_all {
        out.push(format!(
            "{}: the exploration was cut short after {} runs ({}), so its outcome sets and required ends prove nothing: raise `max_runs` (or the budget), bound `preemptions`, or write `accept_partial: true` under `explore:` to check only that what was seen is allowed",
            plan.path.display(),
            report.runs,
            report.stopped.as_deref().unwrap_or("max_runs"),
        ));
        return out;
    }
    out.extend(check_outcomes(plan, &report.outcomes, whole));
    if let Some((want, line)) = plan.expect.behaviours {
        let got = report.behaviours;
        let ok = if whole { got == want } else { got <= want };
        if !ok {
            out.push(format!(
                "{}:{line}: the exploration found {got} distinct behaviours, expected {want}{}",
                plan.path.display(),
                if whole {
                    ""
                } else if report.shard.is_some() {
                    " (or fewer: this is one shard)"
                } else {
                    " (or fewer: the exploration was cut short, and accept_partial is set)"
                }
            ));
        }
    }
    if whole {
        out.extend(check_ends(plan, &report.ends, report.runs));
    }
    out
}

/// What is wrong with the set of outcomes seen over an exploration.
pub fn check_outcomes(
    plan: &Plan,
    seen: &BTreeMap<String, BTreeSet<String>>,
    complete: bool,
) -> Vec<String> {
    let file = plan.path.display();
    let mut out = Vec::new();
    for (expr, (want, line)) in &plan.expect.outcomes {
        let want: BTreeSet<String> = want.iter().map(json_text).collect();
        let got = seen.get(expr).cloned().unwrap_or_default();
        let ok = if complete {
            got == want
        } else {
            got.is_subset(&want)
        };
        if !ok {
            out.push(format!(
                "{file}:{line}: `{expr}` took {{{}}} over the runs, expected {{{}}}{}",
                got.into_iter().collect::<Vec<_>>().join(", "),
                want.into_iter().collect::<Vec<_>>().join(", "),
                if complete {
                    ""
                } else {
                    " (or a subset: the exploration was cut short, and accept_partial is set)"
                }
            ));
        }
    }
    out
}
