//! `heddle explore`: many schedules, a progress bar, a summary of outcomes.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use heddle::explore::{explore as run_explore, Options};
use heddle::spec::Strategy;

use super::args::{ExploreArgs, Format};
use super::json;

fn progress_bar(done: u64, total: Option<u64>, start: Instant, last: &std::sync::Mutex<Instant>) {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return;
    }
    {
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed() < std::time::Duration::from_millis(100) && Some(done) != total {
            return;
        }
        *last = Instant::now();
    }
    let rate = done as f64 / start.elapsed().as_secs_f64().max(1e-9);
    let line = match total {
        Some(t) if t > 0 => {
            let width = 30;
            let filled = (done * width / t).min(width) as usize;
            format!(
                "\r[{}{}] {done}/{t} schedules  {rate:.0}/s",
                "#".repeat(filled),
                ".".repeat(width as usize - filled)
            )
        }
        _ => format!("\r{done} schedules explored  {rate:.0}/s"),
    };
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
    let _ = err.flush();
}

/// Explores `args.spec` with its strategy or the one given.
pub fn explore(args: ExploreArgs) -> ExitCode {
    let Some(plan) = super::load(&args.spec) else {
        return ExitCode::from(super::BAD_INPUT);
    };
    let mut settings = plan.explore.clone();
    if let Some(s) = &args.strategy {
        settings.strategy = match s.as_str() {
            "fixed" => Strategy::Fixed,
            "exhaustive" => Strategy::Exhaustive,
            "random" => Strategy::Random,
            "pct" => Strategy::Pct,
            other => {
                eprintln!(
                    "error: unknown strategy `{other}` (expected fixed, exhaustive, random or pct)"
                );
                return ExitCode::from(super::BAD_INPUT);
            }
        };
    }
    settings.seed = args.seed.unwrap_or(settings.seed);
    settings.runs = args.runs.unwrap_or(settings.runs);
    settings.depth = args.depth.unwrap_or(settings.depth);
    settings.preemptions = args.preemptions.or(settings.preemptions);
    settings.max_runs = args.max_runs.unwrap_or(settings.max_runs);
    let start = Instant::now();
    let last = std::sync::Mutex::new(start);
    let bar = move |done: u64, total: Option<u64>| progress_bar(done, total, start, &last);
    let json = args.format == Format::Json;
    let options = Options {
        jobs: args.jobs.unwrap_or_else(|| Options::default().jobs),
        progress: if json { None } else { Some(&bar) },
        replay: None,
        limits: args.limits.plan(),
        shrink: !args.no_shrink,
        budget: args.budget,
        shard: args.shard,
        faults: None,
    };
    let report = run_explore(&plan, &settings, &options);
    let checks = heddle::check::check_report(&plan, &report);
    // The first failure's picture (the minimal run, when it was shrunk).
    let picture = report.failures.first().filter(|f| f.replayable).map(|f| {
        let file = args
            .spec
            .file_stem()
            .map_or_else(|| "run".into(), |s| s.to_string_lossy().into_owned());
        heddle::render::write_failure(
            &plan.name,
            &args.spec,
            &file,
            f,
            Path::new("heddle-failures"),
        )
    });
    let findings: Vec<&heddle::check::Finding> =
        report.failures.iter().flat_map(|f| &f.findings).collect();
    let status = if checks.is_empty() && findings.is_empty() {
        ExitCode::SUCCESS
    } else if findings.is_empty() {
        ExitCode::FAILURE // only the outcome sets failed
    } else {
        super::status(findings)
    };
    if json {
        let doc = json::report(
            &plan,
            &args.spec,
            &settings,
            &report,
            &checks,
            picture.as_ref(),
        );
        match serde_json::to_string_pretty(&doc) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("error: the report could not be written as JSON: {e}");
                return ExitCode::FAILURE;
            }
        }
        return status;
    }
    eprintln!();
    if report.placements > 0 {
        println!(
            "fault search: {} placements of at most {} faults explored",
            report.placements,
            plan.fault_search.as_ref().map_or(0, |s| s.max)
        );
    }
    if let Some(sh) = report.shard {
        println!("{sh}: outcome sets are this shard's part; merge the shards' `--format json` reports for the whole");
    }
    println!(
        "{}: {} distinct behaviours, {} schedules in {:.2?} ({:.0}/s){}",
        plan.name,
        report.behaviours,
        report.runs,
        report.elapsed,
        report.runs as f64 / report.elapsed.as_secs_f64().max(1e-9),
        match (&report.stopped, report.complete) {
            (_, true) => String::new(),
            (Some(why), false) => format!(" — stopped at {why}: partial"),
            (None, false) => " — stopped early: partial".to_string(),
        }
    );
    println!(
        "ends: {}",
        report
            .ends
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (expr, values) in &report.outcomes {
        println!(
            "{expr}: {{{}}}",
            values.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    if report.spinning_runs > 0 {
        println!(
            "spinning: in {} of {} runs a thread repeated a read with nothing written since, and waited for a write (a loop that repeats a read on purpose needs `spin_assume: false`: docs/SPEC.md, \"Spin loops\")",
            report.spinning_runs, report.runs
        );
    }
    if checks.is_empty() && report.failures.is_empty() {
        println!("ok");
        return status;
    }
    println!("{} of {} schedules failed", report.failed, report.runs);
    for f in &checks {
        eprintln!("error: {f}");
    }
    for f in &report.failures {
        if let Some(s) = &f.shrunk {
            let first = heddle::explore::Failure {
                schedule: s.original.clone(),
                ..f.clone()
            };
            eprintln!(
                "first found: {}: {}",
                s.before,
                super::replay_command(&args.spec, &first)
            );
            eprintln!("shrunk in {} runs to: {}", s.runs, s.after);
        }
        for m in &f.findings {
            eprintln!("error: {m}");
        }
        if !f.faults.is_empty() {
            eprintln!("faults placed: {}", heddle::faults::fault_list(&f.faults));
        }
        if f.replayable {
            eprintln!("replay: {}", super::replay_command(&args.spec, f));
        }
    }
    match picture {
        Some(Ok(path)) => eprintln!("picture: {}", path.display()),
        Some(Err(e)) => eprintln!("warning: no picture: {e}"),
        None => {}
    }
    status
}
