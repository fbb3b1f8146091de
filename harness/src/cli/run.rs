//! `heddle run` and `heddle replay`: one schedule, its trace, its verdict.

use std::path::Path;
use std::process::ExitCode;

use heddle::explore::{explore, Options};
use heddle::plan::ExplorePlan;
use heddle::spec::Strategy;

/// One run of `plan`: the forced `schedule` (or the spec's fixed one, or the default
/// choices), with `faults` placed beyond the spec's rules.
pub(super) fn one(
    plan: &heddle::plan::Plan,
    schedule: Option<String>,
    faults: Option<Vec<heddle::faults::NthPost>>,
    limits: &super::args::LimitArgs,
) -> heddle::explore::Report {
    let settings = ExplorePlan {
        strategy: Strategy::Fixed,
        schedule: if plan.explore.strategy == Strategy::Fixed {
            plan.explore.schedule.clone()
        } else {
            None
        },
        ..plan.explore.clone()
    };
    let options = Options {
        jobs: 1,
        progress: None,
        replay: schedule,
        limits: limits.plan(),
        shrink: false,
        budget: None,
        shard: None,
        faults,
    };
    explore(plan, &settings, &options)
}

/// Runs one schedule of `spec` (the forced `schedule`, or the spec's default) and prints it.
pub fn run(
    spec: &Path,
    schedule: Option<String>,
    faults: Option<Vec<heddle::faults::NthPost>>,
    limits: super::args::LimitArgs,
) -> ExitCode {
    let Some(plan) = super::load(spec) else {
        return ExitCode::from(super::BAD_INPUT);
    };
    let schedule = schedule.or_else(|| std::env::var(heddle::explore::SCHEDULE_ENV).ok());
    let report = one(&plan, schedule, faults, &limits);
    println!("# {} ({})", plan.name, spec.display());
    if let Some(about) = &plan.about {
        println!("# {}", about.trim().replace('\n', "\n# "));
    }
    if let Some(run) = &report.single {
        print!("{}", run.trace);
        println!("end: {}", run.end);
        if !run.exits.is_empty() {
            println!(
                "exit codes: {}",
                run.exits
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        for (who, what) in &run.unfinished {
            println!("still running: {who} ({what})");
        }
        let m = &run.messages;
        println!(
            "messages: {} posted, {} delivered, {} dropped by a fault, {} discarded by the runtime, {} undelivered",
            m.posted, m.delivered, m.dropped_by_fault, m.discarded, m.undelivered
        );
        for (expr, value) in &run.values {
            println!("{expr} = {value}");
        }
        println!(
            "schedule: {}",
            if run.schedule.is_empty() {
                "(no decisions)"
            } else {
                &run.schedule
            }
        );
        if heddle::debug::on("units") {
            for (i, u) in run.units.iter().enumerate() {
                let d = u.decision.map(|d| format!("d{d}")).unwrap_or_default();
                println!(
                    "unit {i} {} {d} {:?} {:?}",
                    u.thread, u.footprint.accesses, u.footprint.terminates
                );
            }
        }
        if heddle::debug::on("decisions") {
            for (i, d) in run.decisions.iter().enumerate() {
                let names: Vec<String> = d.candidates.iter().map(|c| c.to_string()).collect();
                println!("decision {i}: chose {} of [{}]", d.chosen, names.join(", "));
            }
        }
    }
    let whole = heddle::check::check_report(&plan, &report);
    if report.failures.is_empty() && whole.is_empty() {
        println!("ok");
        return ExitCode::SUCCESS;
    }
    for f in &whole {
        eprintln!("error: {f}");
    }
    if report.failures.is_empty() {
        return ExitCode::FAILURE;
    }
    for f in &report.failures {
        for m in &f.findings {
            eprintln!("error: {m}");
        }
        if f.replayable {
            eprintln!("replay: {}", super::replay_command(spec, f));
        }
    }
    super::status(report.failures.iter().flat_map(|f| &f.findings))
}
