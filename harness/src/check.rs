//! Checks a run, and an exploration's outcome set, against a plan's expectations.
//!
//! Every failure names the expectation's line in the spec file.

use std::collections::{BTreeMap, BTreeSet};

use crate::exec::RunResult;
use crate::plan::{Plan, MAIN};
use crate::sched::End;
use crate::spec::DeadlockExpect;

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
    serde_json::to_string(v).expect("json serializes")
}

/// Normalises a JSON text (key order, spacing) so equal values compare equal.
pub fn normalize(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => json_text(&v),
        Err(_) => text.to_string(),
    }
}

/// What is wrong with one run, by expectation; empty if nothing.
pub fn check_run(plan: &Plan, run: &RunResult) -> Vec<String> {
    let file = plan.path.display();
    let mut out = Vec::new();
    match (&run.end, plan.expect.deadlock) {
        (End::Deadlock(_), DeadlockExpect::Some | DeadlockExpect::Always) => {}
        (End::Deadlock(who), DeadlockExpect::None) => out.push(format!("deadlock: {who}")),
        (_, DeadlockExpect::Always) => out.push(format!(
            "expected a deadlock (expect.deadlock: always), the run ended {}",
            run.end
        )),
        (End::Budget(_), _) | (End::Mismatch(_), _) => out.push(run.end.to_string()),
        _ => {}
    }
    out.extend(run.problems.iter().cloned());
    for (expr, (want, line)) in &plan.expect.values {
        let got = run
            .values
            .get(expr)
            .map(|v| normalize(v))
            .unwrap_or_default();
        if got != json_text(want) {
            out.push(format!(
                "{file}:{line}: `{expr}` is {got}, expected {}",
                json_text(want)
            ));
        }
    }
    for (who, (want, line)) in &plan.expect.exit {
        match run.exits.get(who) {
            Some(got) if got == want => {}
            Some(got) => out.push(format!(
                "{file}:{line}: {who} exited with {got}, expected {want}"
            )),
            None => out.push(format!(
                "{file}:{line}: {who} never exited (expected exit code {want})"
            )),
        }
    }
    for (who, (want, line)) in &plan.expect.errors {
        let Some(got) = run.errors.get(who) else {
            out.push(format!("{file}:{line}: {who} had no uncaught error"));
            continue;
        };
        let field = |k: &str| got.get(k).cloned().unwrap_or(serde_json::Value::Null);
        if let Some(class) = &want.class {
            let got_class = field("class");
            let got_name = field("name");
            if got_class.as_str() != Some(class) && got_name.as_str() != Some(class) {
                out.push(format!(
                    "{file}:{line}: {who}'s error is a {got_class} ({got_name}), expected {class}"
                ));
            }
        }
        if let Some(code) = &want.code {
            if &field("code") != code {
                out.push(format!(
                    "{file}:{line}: {who}'s error code is {}, expected {code}",
                    field("code")
                ));
            }
        }
        if let Some(message) = &want.message {
            if field("message").as_str() != Some(message) {
                out.push(format!(
                    "{file}:{line}: {who}'s error message is {}, expected {message:?}",
                    field("message")
                ));
            }
        }
    }
    for (who, err) in &run.errors {
        if !plan.expect.errors.contains_key(who) {
            out.push(format!("uncaught error in {who}: {err}"));
        }
    }
    if !plan.expect.exit.contains_key(MAIN)
        && run.exits.get(MAIN).is_some_and(|c| *c != 0)
        && run.end == End::Done
    {
        out.push(format!(
            "main exited with {} (add `expect: exit: {{ main: N }}` if intended); stderr:\n{}",
            run.exits[MAIN], run.stderr
        ));
    }
    if let Some(stdout) = &plan.expect.stdout {
        if &run.stdout != stdout {
            out.push(format!(
                "stdout differs:\n--- expected\n{stdout}--- got\n{}",
                run.stdout
            ));
        }
    }
    out
}

/// The outcome of a run: the values of the `outcomes` expressions.
pub fn outcome_of(plan: &Plan, run: &RunResult) -> BTreeMap<String, String> {
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
                    " (or a subset, as the exploration was not exhaustive)"
                }
            ));
        }
    }
    out
}
