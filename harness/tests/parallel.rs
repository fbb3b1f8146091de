//! Runs that use V8 at the same time, from threads Heddle did not create.
//!
//! How to debug this suite: `cargo test -p heddle --test parallel -- --nocapture`. On a CPU
//! with memory protection keys (`grep -c pku /proc/cpuinfo` non-zero), every test here died
//! with SIGSEGV before the V8 root thread (`runtime/src/engine/platform.rs`): the test
//! threads are libtest's, created before V8 was initialised, and so are the threads they
//! start. On a CPU without `pku` they passed then too; there, the runtime's own check
//! (`NotAV8Thread`) is what guards the rule.

use std::path::{Path, PathBuf};
use std::process::Command;

use heddle::explore::{explore, Options};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn explore_spec(relative: &str, jobs: usize) -> heddle::explore::Report {
    let plan = heddle::plan::load(&root().join(relative)).expect("the spec loads");
    let options = Options {
        jobs,
        progress: None,
        replay: None,
        limits: Default::default(),
        shrink: false,
        budget: None,
        shard: None,
        faults: None,
    };
    explore(&plan, &plan.explore, &options)
}

#[test]
fn four_explorations_at_once_from_foreign_threads_evaluate_their_expectations() {
    let threads: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(|| explore_spec("specs/contention/racy-increment.yaml", 2)))
        .collect();
    for t in threads {
        let report = t.join().expect("an exploration thread survives");
        assert!(report.complete, "the exploration finished");
        assert_eq!(report.failed, 0, "no run failed: {:?}", report.failures);
        let values = &report.outcomes["new Int32Array(counter)[0]"];
        let got: Vec<&str> = values.iter().map(String::as_str).collect();
        assert_eq!(
            got,
            ["1", "2"],
            "the expectation was evaluated in every run"
        );
    }
}

#[test]
fn values_are_evaluated_while_another_test_runs_v8() {
    // libtest runs this beside the test above, on another of its own threads.
    let report = explore_spec("specs/seed/atomics-add.yaml", 1);
    assert_eq!(report.failed, 0, "{:?}", report.failures);
    assert!(report.runs >= 1);
}

#[test]
fn heddle_explore_with_two_jobs_ends_ok() {
    for _ in 0..3 {
        let out = Command::new(env!("CARGO_BIN_EXE_heddle"))
            .args(["explore", "--jobs", "2"])
            .arg(root().join("specs/contention/racy-increment.yaml"))
            .output()
            .expect("heddle runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "heddle explore --jobs 2 failed ({:?}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("{1, 2}"), "{stdout}");
    }
}
