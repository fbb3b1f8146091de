//! `heddle render`: one schedule, drawn as an HTML page; and the pictures of failures.

use std::path::Path;
use std::process::ExitCode;

use heddle::render::{html, Picture};

/// Runs one schedule of `spec` and writes its picture to `output`.
pub fn render(
    spec: &Path,
    schedule: Option<String>,
    faults: Option<Vec<heddle::faults::NthPost>>,
    output: &Path,
    limits: super::args::LimitArgs,
) -> ExitCode {
    let Some(plan) = super::load(spec) else {
        return ExitCode::from(super::BAD_INPUT);
    };
    let report = super::run::one(&plan, schedule, faults, &limits);
    let Some(run) = &report.single else {
        for f in report.failures.iter().flat_map(|f| &f.findings) {
            eprintln!("error: {f}");
        }
        return ExitCode::from(super::BAD_INPUT);
    };
    let findings: Vec<heddle::check::Finding> = report
        .failures
        .iter()
        .flat_map(|f| f.findings.iter().cloned())
        .collect();
    let page = html(&Picture {
        name: &plan.name,
        spec: &spec.display().to_string(),
        schedule: &run.schedule,
        end: run.end.to_string(),
        trace: &run.trace,
        findings: &findings,
    });
    if let Err(e) = std::fs::write(output, page) {
        eprintln!("error: cannot write {}: {e}", output.display());
        return ExitCode::FAILURE;
    }
    println!(
        "wrote {} ({} events)",
        output.display(),
        run.trace.events.len()
    );
    ExitCode::SUCCESS
}
