//! Runs a [`Plan`] once under a [`Strategy`] and collects what happened: [`RunResult`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use heddle_runtime::worker::ErrorCode;
use heddle_runtime::{MainScript, Runtime, RuntimeOptions, WorkerId};

use crate::faults::Faults;
use crate::plan::{MainSource, Plan, MAIN};
use crate::sched::fixed::schedule_string;
use crate::sched::footprint::Unit;
use crate::sched::observer::{MessageCounts, Undelivered};
use crate::sched::{Controller, ControllerConfig, Decision, End, Strategy, WatchdogLimits};
use crate::trace::Trace;

/// How long past the watchdog's run limit the runtime's own timeout waits: it only bounds
/// a harness bug (the watchdog ends every run first).
const RUNTIME_SLACK: Duration = Duration::from_secs(30);

/// How to run a plan once.
pub struct RunSetup<'a> {
    /// Chooses at the decisions.
    pub strategy: Box<dyn Strategy>,
    /// Seeds `Math.random`.
    pub seed: u64,
    /// The expressions to evaluate after the run (`@thread expr` evaluates in that thread).
    pub exprs: &'a [String],
    /// The watchdog's limits.
    pub limits: WatchdogLimits,
    /// Whether time is a choice (see [`ControllerConfig::time_choices`]).
    pub time_choices: bool,
}

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
    /// Exit codes by thread name (`main`: the process's), of the threads that exited while
    /// the run went on.
    pub exits: BTreeMap<String, i32>,
    /// Threads that had not exited when the run ended, with what they were doing.
    pub unfinished: BTreeMap<String, &'static str>,
    /// Evaluated expressions (JSON text; `undefined` for undefined), by expression.
    pub values: BTreeMap<String, String>,
    /// Uncaught errors by thread name (class, name, code, message as JSON).
    pub errors: BTreeMap<String, serde_json::Value>,
    /// Everything printed to stdout.
    pub stdout: String,
    /// Everything printed to stderr.
    pub stderr: String,
    /// Runtime problems found: FIFO violations, lost messages.
    pub problems: Vec<String>,
    /// Threads that were inside a declarative step when the run ended, with the step.
    pub in_step_at_end: BTreeMap<String, u32>,
    /// Messages still queued when their receivers' loops ended.
    pub undelivered: Vec<Undelivered>,
    /// How the run's messages fared.
    pub messages: MessageCounts,
    /// The run's units with their footprints, in order.
    pub units: Vec<Unit>,
    /// Times a thread repeated its previous unit and was taken to be spinning (it waited
    /// for another thread's write; `spin_assume`).
    pub spins: u64,
    /// Each decision's candidates, by thread name.
    pub candidate_names: Vec<Vec<String>>,
}

/// Runs `plan` once, as `setup` says.
pub fn run(plan: &Plan, setup: RunSetup<'_>) -> RunResult {
    let RunSetup {
        strategy,
        seed,
        exprs,
        limits,
        time_choices,
    } = setup;
    let mut faults = Faults::new();
    for rule in &plan.faults {
        faults.add_rule(rule.clone());
    }
    for (worker, at_ms) in &plan.timed_terminates {
        faults.terminate_at(worker, *at_ms);
    }
    let controller = Controller::new(ControllerConfig {
        strategy,
        max_steps: plan.max_steps,
        seed,
        max_time: plan.max_time,
        main_is_supervisor: plan.main_is_supervisor,
        time_choices,
        faults,
        steps: Arc::new(plan.step_kinds()),
        limits,
        memory_atomics: plan.memory_atomics,
        spin_assume: plan.explore.spin_assume,
        generated: plan.generated_threads(),
    });
    let log_sink = controller.clone();
    let runtime = Runtime::new(RuntimeOptions {
        cwd: plan.cwd.clone(),
        argv: vec!["heddle".into(), plan.path.display().to_string()],
        env: plan.env.clone(),
        gate: controller.clone(),
        on_log: Some(Arc::new(move |line| log_sink.log(line))),
        timeout: Some(limits.run + RUNTIME_SLACK),
        keep_isolates: true,
        on_post: Some(controller.clone()),
        heap_limit_mb: Some(plan.max_heap_mb),
        read_roots: Some(plan.read_roots.clone()),
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
    let in_step_at_end = controller.in_steps();
    let unfinished = controller.unfinished();
    let id_of: BTreeMap<&str, WorkerId> = names.iter().map(|(id, n)| (n.as_str(), *id)).collect();
    let chosen: Vec<String> = decisions
        .iter()
        .map(|d| names[&d.candidates[d.chosen]].clone())
        .collect();

    let mut exits = BTreeMap::new();
    if !unfinished.contains_key(MAIN) {
        exits.insert(MAIN.to_string(), outcome.exit_code);
    }
    for (id, name) in &names {
        if id.0 != 0 && !unfinished.contains_key(name) {
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
                // The expression is an argument, evaluated in the thread's global scope:
                // the wrapper declares no name the expression could mean.
                let js = format!(
                    "((value) => value === undefined ? 'undefined' : JSON.stringify(value, (k, x) => typeof x === 'bigint' ? x.toString() + 'n' : x))(({code}))"
                );
                runtime
                    .eval_in(*id, &js)
                    .unwrap_or_else(|e| format!("<{e}>"))
            }
            None => format!("<no thread named {who} ran>"),
        };
        values.insert(expr.clone(), value);
    }

    // Every thread's uncaught error, as the runtime saw it end the thread (script threads
    // and main included).
    let errors: BTreeMap<String, serde_json::Value> = controller
        .errors()
        .into_iter()
        .map(|(who, e)| {
            let code = match e.code {
                Some(ErrorCode::Text(t)) => serde_json::Value::String(t),
                Some(ErrorCode::Number(n)) => serde_json::Number::from_f64(n)
                    .map(|n| {
                        // Integral codes compare as integers (`code: 25`).
                        if n.as_f64()
                            .is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15)
                        {
                            serde_json::Value::from(n.as_f64().unwrap_or(0.0) as i64)
                        } else {
                            serde_json::Value::Number(n)
                        }
                    })
                    .unwrap_or(serde_json::Value::Null),
                None => serde_json::Value::Null,
            };
            let value = serde_json::json!({
                "class": e.class, "name": e.name, "code": code, "message": e.message,
            });
            (who, value)
        })
        .collect();

    let candidate_names: Vec<Vec<String>> = decisions
        .iter()
        .map(|d| {
            d.candidates
                .iter()
                .map(|c| names.get(c).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    drop(runtime); // tears every isolate down: every message is now delivered or dropped
    let counts = controller.ledger.counts();
    if counts.in_flight() != 0 {
        problems.push(format!(
            "[runtime internal bug] messages vanished: {} posted, {} delivered, {} dropped, {} neither after teardown",
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
        in_step_at_end,
        unfinished,
        undelivered: controller.undelivered(),
        messages: controller.message_counts(),
        units: controller.units(),
        spins: controller.spins(),
        candidate_names,
    }
}
