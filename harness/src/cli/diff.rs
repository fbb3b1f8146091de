//! `heddle diff`: each spec's program under real Node, against Heddle's exploration of it.

use std::process::ExitCode;

use heddle::diff::{describe, describe_observed, diff as run_diff, Diff, DiffOptions};
use heddle::explore::Options;

use super::args::DiffArgs;

/// The last lines of `text`, indented, at most `n`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(n);
    lines[from..]
        .iter()
        .map(|l| format!("        {l}\n"))
        .collect()
}

/// Prints one spec's comparison.
fn print(d: &Diff) {
    println!("# {} ({})", d.name, d.path.display());
    if let Some(why) = &d.skipped {
        println!("skipped: {why}");
        return;
    }
    let h = &d.heddle;
    let bound = d
        .preemptions
        .map(|p| format!(", at most {p} preemptions"))
        .unwrap_or_default();
    println!(
        "heddle: exhaustive{bound}, {} schedules, {}, {} distinct observations",
        h.runs,
        if h.complete {
            "complete".to_string()
        } else {
            format!(
                "cut short ({}): what Node shows may lie beyond what it saw",
                h.stopped.as_deref().unwrap_or("max_runs")
            )
        },
        h.observed.len()
    );
    for o in &h.observed {
        println!("        {}", describe_observed(o));
    }
    println!(
        "node:   {} runs in {:.1}s ({} hung), {} distinct",
        d.node_runs,
        d.node_elapsed.as_secs_f64(),
        d.hung,
        d.shown.len()
    );
    for (shown, seen) in &d.shown {
        let mark = if seen.divergent {
            "NOT IN HEDDLE"
        } else {
            "ok"
        };
        println!("  {mark:>13} {:>4}x  {}", seen.count, describe(shown));
        if seen.divergent {
            println!(
                "        node run {} (its pauses' seed); stdout:",
                seen.first.number
            );
            print!("{}", tail(&seen.first.stdout, 10));
            println!("        stderr:");
            print!("{}", tail(&seen.first.stderr, 10));
        }
    }
    for (expr, threw) in &d.unobserved {
        match threw {
            Some(why) => println!("  unobserved: `{expr}` (in Node it threw {why})"),
            None => println!("  unobserved: `{expr}` (its thread never exited on its own in Node)"),
        }
    }
    let verdict = match (d.divergences().next().is_some(), &d.documented) {
        (false, _) => "ok: everything Node showed, Heddle's exploration showed too".to_string(),
        (true, Some(why)) => format!("diverges, as the spec says: {why}"),
        (true, None) => {
            "DIVERGES: Node showed what Heddle's exploration never did (and the spec's `diverges:` does not say why)".to_string()
        }
    };
    println!("{verdict}\n");
}

/// Compares every spec; exit 1 if any diverges without saying why.
pub fn diff(args: DiffArgs) -> ExitCode {
    let jobs = args.jobs.unwrap_or_else(|| Options::default().jobs);
    let mut plans = Vec::new();
    for spec in &args.specs {
        match super::load(spec) {
            Some(plan) => plans.push(plan),
            None => return ExitCode::from(super::BAD_INPUT),
        }
    }
    let mut failing = Vec::new();
    let (mut ok, mut documented, mut skipped) = (0, 0, 0);
    for plan in &plans {
        let options = DiffOptions {
            node: args.node.clone(),
            runs: args.runs,
            node_time: args.node_time,
            hang: args.hang,
            pause_ms: args.pause_ms,
            jobs,
            heddle: Options {
                jobs,
                progress: None,
                limits: args.limits.plan(),
                shrink: false,
                budget: args.budget,
                ..Options::default()
            },
            max_runs: args.max_runs,
        };
        match run_diff(plan, &options) {
            Ok(d) => {
                print(&d);
                if d.skipped.is_some() {
                    skipped += 1;
                } else if d.fails() {
                    failing.push(d.path.display().to_string());
                } else if d.divergences().next().is_some() {
                    documented += 1;
                } else {
                    ok += 1;
                }
            }
            Err(e) => {
                eprintln!("error: {}: {e}", plan.path.display());
                return ExitCode::from(super::BAD_INPUT);
            }
        }
    }
    if plans.len() > 1 {
        println!(
            "{} specs: {ok} agree, {documented} diverge as documented, {} diverge undocumented, {skipped} skipped",
            plans.len(),
            failing.len()
        );
    }
    if failing.is_empty() {
        ExitCode::SUCCESS
    } else {
        for f in &failing {
            eprintln!("diverges: {f} (heddle diff {f})");
        }
        ExitCode::FAILURE
    }
}
