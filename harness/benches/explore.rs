//! Exploration: how many runs an exhaustive search needs, and how fast runs go.
//!
//! Run: `cargo bench -p heddle --bench explore` (a few minutes on 2 cores). Every figure is
//! measured in this run; the ratios compare two measurements of the same run:
//!
//! - the goals table of issue 9: readers(2) and readers(8) schedules (and readers(8)'s
//!   time), the racy increment's schedules, (b) schedules/s of 200 random runs of a
//!   3-worker x 5-step spec (`harness/benches/three-by-five.yaml`) on one core and on all,
//!   their ratio, and (b) with the isolate pool off against on;
//! - the corpus table: per spec, the runs plain depth-first search needs (every schedule,
//!   capped at `DFS_CAP` runs), the runs the partial-order reduction needs, and the optimal
//!   count (the spec's `expect.behaviours`, checked by brute force in `specs/dpor/count.py`).
//!   The last column is the reduction's runs when the spec's `memory: atomics` is dropped
//!   (plain reads assumed everywhere): what the sound rule costs. Its markdown is what
//!   `docs/ARCHITECTURE.md` shows.
//!
//! `BENCH_QUICK=1` skips plain DFS (the slow column).

use std::path::{Path, PathBuf};
use std::time::Instant;

use heddle::explore::{explore, Options, Report};
use heddle::plan::{ExplorePlan, Plan};
use heddle::spec::Strategy;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Plain DFS gives up after this many runs (its figure is then a lower bound).
const DFS_CAP: u64 = 3000;

/// The corpus: the known-answer benchmarks and the specs the reduction test compares.
const CORPUS: &[&str] = &[
    "dpor/readers-2.yaml",
    "dpor/readers-3.yaml",
    "dpor/readers-8.yaml",
    "dpor/ainc-3.yaml",
    "dpor/ainc-5.yaml",
    "dpor/ainc-6.yaml",
    "dpor/lastzero-2.yaml",
    "dpor/lastzero-3.yaml",
    "dpor/casrot-3.yaml",
    "dpor/casrot-4.yaml",
    "dpor/indexer-12.yaml",
    "contention/racy-increment.yaml",
    "contention/message-passing-atomics.yaml",
    "contention/two-senders-order.yaml",
    "contention/spin-lock-cas.yaml",
    "time/timer-fires-between-units.yaml",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load(relative: &str) -> Plan {
    let path = root().join("specs").join(relative);
    heddle::plan::load(&path).unwrap_or_else(|p| panic!("{relative}: {p:?}"))
}

fn run(plan: &Plan, settings: &ExplorePlan, jobs: usize) -> Report {
    explore(
        plan,
        settings,
        &Options {
            jobs,
            progress: None,
            replay: None,
            limits: Default::default(),
            shrink: false,
            budget: None,
            shard: None,
            faults: None,
        },
    )
}

/// The exploration with the reduction, on every core; it must be complete and clean.
fn dpor(plan: &Plan, jobs: usize) -> Report {
    let report = run(plan, &plan.explore, jobs);
    assert!(
        report.complete && report.failures.is_empty(),
        "{}: {:?}",
        plan.name,
        report.failures
    );
    report
}

/// Plain DFS over every schedule: a preemption bound no run reaches turns the reduction off.
fn dfs(plan: &Plan, jobs: usize) -> Report {
    let mut every = plan.explore.clone();
    every.preemptions = Some(u32::MAX);
    every.max_runs = DFS_CAP;
    every.accept_partial = true;
    run(plan, &every, jobs)
}

fn rate(r: &Report) -> f64 {
    r.runs as f64 / r.elapsed.as_secs_f64()
}

fn main() {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    println!("cores: {cores}; plain DFS capped at {DFS_CAP} runs\n");

    // ------------------------------------------------------------------ goals
    let readers2 = dpor(&load("dpor/readers-2.yaml"), cores);
    let readers8 = dpor(&load("dpor/readers-8.yaml"), cores);
    let racy = dpor(&load("contention/racy-increment.yaml"), cores);

    let tbf = heddle::plan::load(&root().join("harness/benches/three-by-five.yaml"))
        .expect("three-by-five loads");
    let mut random = tbf.explore.clone();
    random.strategy = Strategy::Random;
    random.runs = 200;
    let timed = |jobs| {
        let start = Instant::now();
        let r = run(&tbf, &random, jobs);
        assert!(r.failures.is_empty(), "{:?}", r.failures);
        r.runs as f64 / start.elapsed().as_secs_f64()
    };
    let _warm = timed(cores);
    let one = timed(1);
    let all = timed(cores);
    heddle_runtime::set_isolate_pool(false);
    let unpooled = timed(cores);
    heddle_runtime::set_isolate_pool(true);

    println!("| figure | issue 9's baseline | now | goal |");
    println!("|---|---|---|---|");
    println!("| readers(2) schedules | 5,775 | {} | 4 |", readers2.runs);
    println!(
        "| readers(8) schedules | does not finish | {} in {:.2} s | 256, in under 2 s |",
        readers8.runs,
        readers8.elapsed.as_secs_f64()
    );
    println!("| racy increment schedules | 35 | {} | <= 6 |", racy.runs);
    println!("| (b) schedules/s, 1 job | | {one:.0} | >= 800 |");
    println!("| (b) schedules/s, {cores} jobs | 58-186 | {all:.0} | >= 1,500 |");
    println!(
        "| all cores / one core | 0.97-1.36x | {:.2}x | >= 1.8x on 2 cores |",
        all / one
    );
    println!(
        "| (b) with the isolate pool / without ({unpooled:.0}/s) | | {:.2}x | |",
        all / unpooled
    );
    println!(
        "\nloom anchor (quoted, not measured here): loom explores about 7,000 iterations/s of \
         Rust code on one core, never in parallel (loom#359); (b) above is {all:.0} runs/s of \
         JavaScript on {cores} isolates.\n"
    );

    // ----------------------------------------------------------------- corpus
    println!("| spec | plain DFS runs | DPOR runs | optimal (behaviours) | DFS / DPOR | DPOR runs/s | DPOR runs, memory: any |");
    println!("|---|---|---|---|---|---|---|");
    let (mut dfs_total, mut dpor_total) = (0u64, 0u64);
    for relative in CORPUS {
        let plan = load(relative);
        let reduced = dpor(&plan, cores);
        let optimal = match plan.expect.behaviours {
            Some((n, _)) => {
                assert_eq!(reduced.behaviours, n, "{relative}");
                n.to_string()
            }
            None => format!("{} (found)", reduced.behaviours),
        };
        let (plain, ratio) = if quick {
            ("skipped".to_string(), String::new())
        } else {
            let d = dfs(&plan, cores);
            assert!(d.failures.is_empty(), "{relative}: {:?}", d.failures);
            dfs_total += d.runs;
            dpor_total += reduced.runs;
            let bound = if d.complete { "" } else { ">= " };
            (
                format!("{bound}{}", d.runs),
                format!("{bound}{:.1}x", d.runs as f64 / reduced.runs as f64),
            )
        };
        // What the sound rule for plain reads costs: the same spec without `memory: atomics`.
        let any = if plan.memory_atomics {
            let mut plain_memory = plan.clone();
            plain_memory.memory_atomics = false;
            // More dependencies make more (finer) classes: its behaviours are its own.
            let mut capped = plain_memory.explore.clone();
            capped.max_runs = DFS_CAP;
            capped.accept_partial = true;
            let r = run(&plain_memory, &capped, cores);
            let bound = if r.complete { "" } else { ">= " };
            format!("{bound}{} ({bound}{} behaviours)", r.runs, r.behaviours)
        } else {
            "(is any)".to_string()
        };
        println!(
            "| {relative} | {plain} | {} | {optimal} | {ratio} | {:.0} | {any} |",
            reduced.runs,
            rate(&reduced)
        );
    }
    if !quick {
        println!(
            "\nplain DFS / DPOR over the corpus: {dfs_total} / {dpor_total} runs = {:.1}x (a lower bound where DFS was capped)",
            dfs_total as f64 / dpor_total as f64
        );
    }
}
