//! `heddle check`.

use std::path::PathBuf;
use std::process::ExitCode;

/// Validates each spec; exit 1 if any is invalid.
pub fn check(specs: &[PathBuf]) -> ExitCode {
    let mut bad = 0;
    for spec in specs {
        match heddle::plan::load(spec) {
            Ok(plan) => println!(
                "{}: ok ({}, {} threads)",
                spec.display(),
                plan.name,
                plan.threads.len()
            ),
            Err(problems) => {
                bad += 1;
                for p in problems {
                    eprint!("{p}");
                }
            }
        }
    }
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::BAD_INPUT)
    }
}
