//! `heddle diff` over the whole corpus: no spec's program, run under real `node`, shows an
//! end or a value that Heddle's exhaustive exploration of the spec never showed, unless the
//! spec's `diverges:` says why. Needs `node` on the PATH (as `.ci/run` has): without it the
//! test fails, it does not pass vacuously.
//!
//! The check is shown to fail: `harness/tests/diff/virtual-clock.yaml` diverges (Date.now()
//! is virtual under Heddle) without saying so, and must be reported.

use std::path::{Path, PathBuf};
use std::time::Duration;

use heddle::diff::{describe, diff, Diff, DiffOptions};
use heddle::explore::budget::Budget;
use heddle::explore::Options;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn specs(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("specs/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            specs(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml") {
            out.push(p);
        }
    }
}

fn options(runs: u64) -> DiffOptions<'static> {
    DiffOptions {
        node: PathBuf::from("node"),
        runs,
        node_time: Duration::from_secs(10),
        hang: Duration::from_secs(1),
        pause_ms: 1.0,
        jobs: 2,
        heddle: Options {
            jobs: 2,
            progress: None,
            shrink: false,
            // Enough for every corpus spec but three (ainc-6's 720 behaviours all differ in
            // their values, so a cut-short search there would miss some Node shows).
            budget: Some(Budget::Runs(1000)),
            ..Options::default()
        },
        max_runs: 20_000,
    }
}

fn compare(path: &Path, runs: u64) -> Diff {
    let plan = heddle::plan::load(path).unwrap_or_else(|p| {
        panic!(
            "{} does not load: {}",
            path.display(),
            p.iter().map(|d| d.to_string()).collect::<String>()
        )
    });
    diff(&plan, &options(runs)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn node_shows_nothing_heddle_does_not_over_the_corpus() {
    let mut all = Vec::new();
    specs(&root().join("specs"), &mut all);
    assert!(
        all.len() >= 50,
        "only {} specs found under specs/",
        all.len()
    );
    let mut problems = Vec::new();
    let mut compared = 0;
    for path in &all {
        let d = compare(path, 10);
        if d.skipped.is_some() {
            continue;
        }
        compared += 1;
        if d.node_runs == 0 {
            problems.push(format!("{}: no Node run was made", path.display()));
        }
        for (shown, seen) in d.divergences() {
            if d.documented.is_none() {
                problems.push(format!(
                    "{}: Node showed `{}` ({}x; run {} printed {:?} / {:?}), which Heddle's exploration ({} schedules{}) never did; say why in `diverges:` if it is genuine (heddle diff {})",
                    path.display(),
                    describe(shown),
                    seen.count,
                    seen.first.number,
                    seen.first.stdout,
                    seen.first.stderr,
                    d.heddle.runs,
                    if d.heddle.complete { "" } else { ", cut short" },
                    path.display()
                ));
            }
        }
        for (expr, why) in &d.unobserved {
            problems.push(format!(
                "{}: Node never showed `{expr}` ({}), so nothing was compared (heddle diff {})",
                path.display(),
                why.as_deref()
                    .unwrap_or("its thread never exited on its own"),
                path.display()
            ));
        }
    }
    assert!(compared >= 45, "only {compared} specs were compared");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn an_undocumented_divergence_is_reported() {
    let path = root().join("harness/tests/diff/virtual-clock.yaml");
    let d = compare(&path, 3);
    assert!(
        d.heddle.complete,
        "heddle's exploration of one schedule completes"
    );
    assert!(
        d.fails(),
        "Date.now() differs (virtual under Heddle) and the spec does not say so: {:?}",
        d.shown.keys().map(describe).collect::<Vec<_>>()
    );
    // The same program, its divergence documented, passes.
    let mut plan = heddle::plan::load(&path).expect("the fixture loads");
    plan.diverges = Some("Date.now() is the virtual clock".into());
    let documented = diff(&plan, &options(3)).expect("node runs");
    assert!(!documented.fails());
    assert!(documented.divergences().next().is_some());
}
