//! `heddle` subcommands: argument parsing in [`args`], one file per subcommand.

mod args;
mod check;
mod diff;
mod explore;
mod json;
mod render;
mod run;

use std::process::ExitCode;

use clap::Parser;

use args::{Args, Command};

/// Parses the command line and runs the subcommand.
pub fn run() -> ExitCode {
    let args = Args::parse();
    match args.command {
        Command::Check { specs } => check::check(&specs),
        Command::Run {
            spec,
            schedule,
            faults,
            limits,
        } => run::run(&spec, schedule, faults.map(|f| f.0), limits),
        Command::Replay {
            spec,
            schedule,
            faults,
            limits,
        } => run::run(&spec, Some(schedule), faults.map(|f| f.0), limits),
        Command::Explore(e) => explore::explore(e),
        Command::Render {
            spec,
            schedule,
            output,
            faults,
            limits,
        } => render::render(&spec, schedule, faults.map(|f| f.0), &output, limits),
        Command::Diff(d) => diff::diff(d),
        Command::Schema => {
            print!("{}", heddle::schema());
            ExitCode::SUCCESS
        }
    }
}

/// The exit status for bad input: the spec (or a schedule, a flag) cannot be used.
pub const BAD_INPUT: u8 = 2;

/// The exit status of a finished check: 0 if nothing failed, 2 if any finding blames the
/// spec, else 1.
fn status<'a>(findings: impl IntoIterator<Item = &'a heddle::check::Finding>) -> ExitCode {
    let mut worst = None;
    for f in findings {
        worst = worst.max(Some(std::cmp::Reverse(f.blame)));
    }
    match worst.map(|r| r.0) {
        None => ExitCode::SUCCESS,
        Some(heddle::check::Blame::Spec) => ExitCode::from(BAD_INPUT),
        Some(heddle::check::Blame::Run) => ExitCode::FAILURE,
    }
}

/// The command that replays `failure` of `spec` (its faults included).
fn replay_command(spec: &std::path::Path, failure: &heddle::explore::Failure) -> String {
    let faults = if failure.faults.is_empty() {
        String::new()
    } else {
        format!(" --faults {}", heddle::faults::fault_list(&failure.faults))
    };
    format!(
        "heddle replay {} '{}'{faults}",
        spec.display(),
        failure.schedule
    )
}

/// Loads a spec, printing its diagnostics on failure.
fn load(spec: &std::path::Path) -> Option<heddle::plan::Plan> {
    match heddle::plan::load(spec) {
        Ok(plan) => Some(plan),
        Err(problems) => {
            for p in problems {
                eprint!("{p}");
            }
            None
        }
    }
}
