//! Runs a [`Plan`] once under a [`Strategy`] and collects what happened: [`RunResult`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use heddle_runtime::{MainScript, Runtime, RuntimeOptions, WorkerId};

use crate::plan::{MainSource, Plan, MAIN};
use crate::sched::fixed::schedule_string;
use crate::sched::{Controller, Decision, End, Strategy};
use crate::trace::Trace;

/// A run stops on its own long before this; it only bounds a harness bug.
const WALL_CLOCK_LIMIT: Duration = Duration::from_secs(120);

/// Everything one run produced.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The events.
    pub trace: Trace,
    /// The decisions taken.
    pub decisions: Vec<Decision>,
    /// The schedule string (`HEDDLE_SCHEDULE` replays it).
    pub schedule: String,
    /// How it ended.
    pub end: End,
    /// Exit codes by thread name (`main`: the process's).
    pub exits: BTreeMap<String, i32>,
    /// Evaluated expressions (JSON text; `undefined` for undefined), by expression.
    pub values: BTreeMap<String, String>,
    /// Uncaught errors by worker name (class, name, code, message as JSON).
    pub errors: BTreeMap<String, serde_json::Value>,
    /// Everything printed to stdout.
    pub stdout: String,
    /// Everything printed to stderr.
    pub stderr: String,
    /// Runtime problems found: FIFO violations, lost messages.
    pub problems: Vec<String>,
}

/// Runs `plan` once, choosing with `strategy`; `seed` seeds `Math.random`. `exprs` are the
/// expressions to evaluate after the run (`@thread expr` evaluates in that thread).
pub fn run(plan: &Plan, strategy: Box<dyn Strategy>, seed: u64, exprs: &[String]) -> RunResult {
    let controller = Arc::new(Controller::new(strategy, plan.max_steps, seed));
    if plan.main_is_supervisor {
        controller.main_is_supervisor();
    }
    if let Some(ms) = plan.max_time {
        controller.limit_time(ms);
    }
    for rule in &plan.faults {
        controller.add_fault(rule.clone());
    }
    let log_sink = controller.clone();
    let runtime = Runtime::new(RuntimeOptions {
        cwd: plan.cwd.clone(),
        argv: vec!["heddle".into(), plan.path.display().to_string()],
        gate: controller.clone(),
        on_log: Some(Arc::new(move |line| log_sink.log(line))),
        timeout: Some(WALL_CLOCK_LIMIT),
        keep_isolates: true,
        on_post: Some(controller.clone()),
    });
    let script = match &plan.main {
        MainSource::Generated(code) => MainScript::Source {
            name: format!("[{}: main]", plan.name),
            code: code.clone(),
        },
        MainSource::Script(path) => MainScript::File(path.clone()),
    };
    let outcome = runtime.run_main(script);
    let (trace, decisions, end, mut problems) = controller.finish();
    let names = controller.names();
    let id_of: BTreeMap<&str, WorkerId> = names.iter().map(|(id, n)| (n.as_str(), *id)).collect();
    let chosen: Vec<String> = decisions
        .iter()
        .map(|d| names[&d.candidates[d.chosen]].clone())
        .collect();

    let mut exits = BTreeMap::new();
    exits.insert(MAIN.to_string(), outcome.exit_code);
    for (id, name) in &names {
        if id.0 != 0 {
            if let Some(code) = runtime.exit_code(*id) {
                exits.insert(name.clone(), code);
            }
        }
    }

    let mut values = BTreeMap::new();
    for expr in exprs {
        let (who, code) = match expr
            .strip_prefix('@')
            .and_then(|r| r.split_once(char::is_whitespace))
        {
            Some((who, code)) => (who, code.trim()),
            None => (MAIN, expr.as_str()),
        };
        let value = match id_of.get(who) {
            Some(id) => {
                let js = format!(
                    "(() => {{ const v = ({code}); return v === undefined ? 'undefined' : JSON.stringify(v, (k, x) => typeof x === 'bigint' ? x.toString() + 'n' : x); }})()"
                );
                runtime
                    .eval_in(*id, &js)
                    .unwrap_or_else(|e| format!("<{e}>"))
            }
            None => format!("<no thread named {who} ran>"),
        };
        values.insert(expr.clone(), value);
    }

    let mut errors = BTreeMap::new();
    for id in names.keys() {
        if let Ok(text) = runtime.eval_in(
            *id,
            "JSON.stringify(globalThis.__heddle ? __heddle.errors : {})",
        ) {
            if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&text) {
                errors.extend(map);
            }
        }
    }

    drop(runtime); // tears every isolate down: every message is now delivered or dropped
    let counts = controller.ledger.counts();
    if counts.in_flight() != 0 {
        problems.push(format!(
            "lost messages: {} posted, {} delivered, {} dropped, {} unaccounted after teardown",
            counts.posted,
            counts.delivered,
            counts.dropped,
            counts.in_flight()
        ));
    }
    RunResult {
        trace,
        schedule: schedule_string(&chosen),
        decisions,
        end,
        exits,
        values,
        errors,
        stdout: outcome.stdout(),
        stderr: outcome.stderr(),
        problems,
    }
}
