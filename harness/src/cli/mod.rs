//! `heddle` subcommands: argument parsing in [`args`], one file per subcommand.

mod args;
mod check;
mod explore;
mod run;

use std::process::ExitCode;

use clap::Parser;

use args::{Args, Command};

/// Parses the command line and runs the subcommand.
pub fn run() -> ExitCode {
    let args = Args::parse();
    match args.command {
        Command::Check { specs } => check::check(&specs),
        Command::Run { spec, schedule } => run::run(&spec, schedule),
        Command::Replay { spec, schedule } => run::run(&spec, Some(schedule)),
        Command::Explore(e) => explore::explore(e),
        Command::Schema => {
            print!("{}", heddle::schema());
            ExitCode::SUCCESS
        }
    }
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
