//! Exploration speed: schedules per second, on one core and on all cores.
//!
//! Run: `cargo bench -p heddle --bench explore`. Measures (a) the exhaustive exploration of
//! the 2-worker racy increment (`specs/contention/racy-increment.yaml`): its time and
//! schedules/s; (b) 200 random schedules of a 3-worker × 5-step spec
//! (`harness/benches/three-by-five.yaml`), with 1 job and with one job per core. The ratio
//! line compares all cores against one core, measured in the same run.

use std::path::Path;
use std::time::Instant;

use heddle::explore::{explore, Options};
use heddle::spec::Strategy;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);

    let racy =
        heddle::plan::load(&root.join("specs/contention/racy-increment.yaml")).expect("spec loads");
    for jobs in [1, cores] {
        let start = Instant::now();
        let report = explore(
            &racy,
            &racy.explore,
            &Options {
                jobs,
                progress: None,
                replay: None,
                limits: Default::default(),
            },
        );
        let t = start.elapsed();
        assert!(report.failures.is_empty() && report.complete);
        println!(
            "(a) racy increment, exhaustive, {jobs} job(s): {} schedules in {:.3} s = {:.0} schedules/s (goal: < 1 s)",
            report.runs,
            t.as_secs_f64(),
            report.runs as f64 / t.as_secs_f64()
        );
    }

    let spec =
        heddle::plan::load(&root.join("harness/benches/three-by-five.yaml")).expect("spec loads");
    let mut settings = spec.explore.clone();
    settings.strategy = Strategy::Random;
    settings.runs = 200;
    let mut rates = Vec::new();
    for jobs in [1, cores] {
        let start = Instant::now();
        let report = explore(
            &spec,
            &settings,
            &Options {
                jobs,
                progress: None,
                replay: None,
                limits: Default::default(),
            },
        );
        let t = start.elapsed();
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        let rate = report.runs as f64 / t.as_secs_f64();
        rates.push(rate);
        println!("(b) 3 workers x 5 steps, random, {jobs} job(s): {} schedules in {:.3} s = {rate:.0} schedules/s (goal on 2 cores: >= 1000/s)", report.runs, t.as_secs_f64());
    }
    println!("    all cores / one core: {:.2}x", rates[1] / rates[0]);
}
