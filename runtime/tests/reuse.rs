//! Runs stay independent when they reuse isolates: a run that pollutes globals and
//! prototypes, leaves a timer pending and a promise unresolved, in main and in a worker,
//! is followed by runs that take the same isolates from the pool and see none of it.
//!
//! Its own test binary (own process), so that the pool holds exactly what these runs left.
//! Debug: `cargo test -p heddle-runtime --test reuse -- --nocapture`.
#![cfg(not(loom))]

use std::time::Duration;

use heddle_runtime::{LogStream, MainScript, Outcome, Runtime, RuntimeOptions};

fn run(code: &str) -> Outcome {
    Runtime::new(RuntimeOptions {
        timeout: Some(Duration::from_secs(30)),
        ..RuntimeOptions::default()
    })
    .run_main(MainScript::Source {
        name: "main.js".into(),
        code: code.into(),
    })
}

const POLLUTE: &str = r#"
Array.prototype.x = 1;
Object.prototype.polluted = true;
globalThis.leak = 'main';
Promise.prototype.then = function () { throw new Error('patched then'); };
setTimeout(() => console.log('a timer of the first run fired'), 1e9);
new Promise(() => {});
queueMicrotask(() => { globalThis.late = true; });
const { Worker } = require('worker_threads');
const w = new Worker(`
  Array.prototype.y = 2;
  globalThis.leak = 'worker';
  setTimeout(() => console.log('a worker timer of the first run fired'), 1e9);
  new Promise(() => {});
  require('worker_threads').parentPort.postMessage('polluted');
`, { eval: true });
w.on('message', () => { console.log('first run polluted'); process.exit(0); });
"#;

const CHECK: &str = r#"
const seen = [
  [].x, ({}).polluted, globalThis.leak, globalThis.late, String(Promise.prototype.then).includes('[native code]'),
];
console.log('main sees ' + JSON.stringify(seen));
const { Worker } = require('worker_threads');
const w = new Worker(`
  require('worker_threads').parentPort.postMessage(
    JSON.stringify([[].y, [].x, globalThis.leak, ({}).polluted]));
`, { eval: true });
w.on('message', (m) => console.log('worker sees ' + m));
"#;

#[test]
fn a_run_on_reused_isolates_sees_nothing_of_the_run_before() {
    let first = run(POLLUTE);
    assert_eq!(
        first.text(LogStream::Stdout),
        "first run polluted\n",
        "{first:?}"
    );
    assert_eq!(first.exit_code, 0, "{first:?}");
    let before = heddle_runtime::isolates_reused();
    for _ in 0..3 {
        let next = run(CHECK);
        assert_eq!(
            next.text(LogStream::Stdout),
            "main sees [null,null,null,null,true]\nworker sees [null,null,null,null]\n",
            "{next:?}"
        );
        assert_eq!(next.exit_code, 0, "{next:?}");
    }
    // Not vacuous: the later runs did take the first run's isolates.
    let reused = heddle_runtime::isolates_reused() - before;
    assert!(
        reused >= 2,
        "only {reused} isolates were reused: the test proves nothing (see engine/pool.rs)"
    );
}
