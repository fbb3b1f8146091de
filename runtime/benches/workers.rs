//! Worker benchmarks, each run on Heddle and under `node` by this binary, printed as ratios.
//!
//! Run: `cargo bench -p heddle-runtime --bench workers`. Every program is the same
//! JavaScript on both runtimes and measures itself with `performance.now()`, so process
//! start-up is not counted. Each figure is the median of 5 runs. A ratio is Heddle's time
//! divided by Node's (below 1.0: Heddle is faster). Without `node`, only Heddle's figures
//! are printed and the ratios say "node not found".
#![cfg(not(loom))]

use std::process::Command;
use std::time::Duration;

use heddle_runtime::{MainScript, Runtime, RuntimeOptions};

/// The same allocator as the `heddle-node` binary.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SPAWN: &str = r#"
const { Worker } = require('worker_threads');
const N = 20, times = [];
function one() {
  const t0 = performance.now();
  const w = new Worker("require('worker_threads').parentPort.postMessage(1)", { eval: true });
  w.once('message', () => {
    times.push(performance.now() - t0);
    w.terminate().then(() => {
      if (times.length < N) return one();
      times.sort((a, b) => a - b);
      console.log(times[N >> 1]);
    });
  });
}
one();
"#;

const ROUND_TRIP: &str = r#"
const { Worker } = require('worker_threads');
const N = 20000;
const w = new Worker("const { parentPort } = require('worker_threads'); parentPort.on('message', (m) => { if (m < 0) parentPort.close(); else parentPort.postMessage(m); });", { eval: true });
let t0, n = 0;
w.on('message', (m) => {
  if (++n < N) return w.postMessage(n);
  console.log((performance.now() - t0) / N);
  w.postMessage(-1);
});
w.once('online', () => { t0 = performance.now(); w.postMessage(0); });
"#;

const THROUGHPUT: &str = r#"
const { Worker } = require('worker_threads');
const N = 200000;
const w = new Worker("const { parentPort } = require('worker_threads'); let n = 0; parentPort.on('message', (m) => { if (++n === " + N + ") { parentPort.postMessage(n); parentPort.close(); } });", { eval: true });
w.once('online', () => {
  const t0 = performance.now();
  w.once('message', (n) => console.log(performance.now() - t0));
  for (let i = 0; i < N; i++) w.postMessage({ i });
});
"#;

const ATOMICS: &str = r#"
const { Worker } = require('worker_threads');
const sab = new SharedArrayBuffer(8);
const v = new Int32Array(sab);
const src = "const { parentPort, workerData } = require('worker_threads'); const v = new Int32Array(workerData);" +
  "parentPort.once('message', () => { for (let i = 0; i < 1e6; i++) Atomics.add(v, 0, 1); parentPort.postMessage('done'); parentPort.close(); }); parentPort.postMessage('ready');";
const ws = [0, 1].map(() => new Worker(src, { eval: true, workerData: sab }));
let ready = 0, done = 0, t0;
for (const w of ws) w.on('message', (m) => {
  if (m === 'ready' && ++ready === 2) { t0 = performance.now(); ws.forEach((x) => x.postMessage('go')); }
  if (m === 'done' && ++done === 2) {
    if (Atomics.load(v, 0) !== 2000000) throw new Error('lost updates: ' + Atomics.load(v, 0));
    console.log(performance.now() - t0);
  }
});
"#;

fn parse(stdout: &str, what: &str) -> f64 {
    stdout
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{what}: expected one number, got {stdout:?}"))
}

fn heddle(code: &str, what: &str) -> f64 {
    let out = Runtime::new(RuntimeOptions {
        timeout: Some(Duration::from_secs(120)),
        ..RuntimeOptions::default()
    })
    .run_main(MainScript::Source {
        name: format!("{what}.js"),
        code: code.into(),
    });
    assert_eq!(out.exit_code, 0, "{what} on heddle: {}", out.stderr());
    parse(&out.stdout(), what)
}

fn node(code: &str, what: &str) -> Option<f64> {
    let out = Command::new("node").arg("-e").arg(code).output().ok()?;
    assert!(
        out.status.success(),
        "{what} on node: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(parse(&String::from_utf8_lossy(&out.stdout), what))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Microseconds per empty thread started and joined, by `spawn`, over `n` threads.
fn thread_cost(n: u32, spawn: impl Fn()) -> f64 {
    let t0 = std::time::Instant::now();
    for _ in 0..n {
        spawn();
    }
    t0.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

/// The cost of starting every V8 thread through the V8 root thread (the fix for memory
/// protection keys, `engine/platform.rs`), against `std::thread::spawn` in the same run.
fn spawn_route(runs: usize) {
    heddle_runtime::bench_spawn_v8_thread(); // starts the root thread and V8
    let n = 500;
    let root = median(
        (0..runs)
            .map(|_| thread_cost(n, heddle_runtime::bench_spawn_v8_thread))
            .collect(),
    );
    let std = median(
        (0..runs)
            .map(|_| {
                thread_cost(n, || {
                    let _ = std::thread::Builder::new()
                        .stack_size(64 << 10)
                        .spawn(|| {})
                        .map(|h| h.join());
                })
            })
            .collect(),
    );
    println!(
        "{:<34} {root:>12.1} {std:>12.1} {:>8.3}  (us per thread; baseline: std::thread::spawn)",
        "spawn through the V8 root (us)",
        root / std
    );
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let runs = if quick { 1 } else { 5 };
    println!("worker benchmarks: median of {runs} runs; ratio = heddle time / node time");
    println!(
        "{:<34} {:>12} {:>12} {:>8}  goal",
        "", "heddle", "node", "ratio"
    );
    spawn_route(runs);
    let cases = [
        ("spawn -> first message (ms)", SPAWN, "<= 0.10 (10x faster)"),
        ("message round trip (ms)", ROUND_TRIP, "<= 0.50"),
        (
            "main -> worker, 200k msgs (ms)",
            THROUGHPUT,
            "<= 0.50 (2x throughput)",
        ),
        ("2 workers x 1e6 Atomics.add (ms)", ATOMICS, "-"),
    ];
    for (name, code, goal) in cases {
        let h = median((0..runs).map(|_| heddle(code, name)).collect());
        let n: Option<Vec<f64>> = (0..runs).map(|_| node(code, name)).collect();
        match n.map(median) {
            Some(n) => println!("{name:<34} {h:>12.4} {n:>12.4} {:>8.3}  {goal}", h / n),
            None => println!(
                "{name:<34} {h:>12.4} {:>12} {:>8}  {goal}",
                "node not found", "-"
            ),
        }
    }
}
