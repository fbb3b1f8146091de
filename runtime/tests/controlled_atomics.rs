//! `Atomics.wait`, `waitAsync` and `notify` under a gate that serves atomics convert their
//! arguments as the spec does (each once, in order) before the gate sees them. test262's
//! `wait/symbol-for-value-throws-agent.js` and `notify/notify-nan.js` failed under the
//! harness's scheduler because the wrappers compared the raw value and took a NaN count
//! for "all" (docs/test262.md).
//!
//! How to debug this suite: `cargo test -p heddle-runtime --test controlled_atomics --
//! --nocapture`; the program is the `PROGRAM` string, and `node -e` runs it for comparison
//! (the gate's record aside).
#![cfg(not(loom))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use heddle_runtime::wake::{Wake, WakeReason};
use heddle_runtime::worker::{FreeRunning, Gate, Point, WaitKey};
use heddle_runtime::{MainScript, Runtime, RuntimeOptions, WorkerId};

/// A gate that serves atomics without ever blocking: a wait times out at once, a notify
/// wakes nobody. It records what each call received.
struct Recording {
    inner: FreeRunning,
    calls: Mutex<Vec<String>>,
}

impl Gate for Recording {
    fn point(&self, _who: WorkerId, _at: &Point) {}
    fn park(&self, who: WorkerId, wake: &Arc<Wake>, until: Option<u64>) -> Option<WakeReason> {
        self.inner.park(who, wake, until)
    }
    fn now_ms(&self) -> u64 {
        self.inner.now_ms()
    }
    fn serves_atomics(&self) -> bool {
        true
    }
    fn atomics_wait(&self, _who: WorkerId, key: WaitKey, timeout_ms: Option<f64>) -> bool {
        let mut calls = self.calls.lock().expect("not poisoned");
        calls.push(format!("wait offset={} timeout={timeout_ms:?}", key.offset));
        false
    }
    fn atomics_notify(&self, _who: WorkerId, key: WaitKey, count: u32) -> u32 {
        let mut calls = self.calls.lock().expect("not poisoned");
        calls.push(format!("notify offset={} count={count}", key.offset));
        0
    }
}

const PROGRAM: &str = r#"
const i32 = new Int32Array(new SharedArrayBuffer(16));
const i64 = new BigInt64Array(new SharedArrayBuffer(16));
const threw = (f) => { try { return 'returned ' + f(); } catch (e) { return e.constructor.name; } };
let calls = 0;
const once = (v) => ({ valueOf() { calls++; return v; } });
console.log('symbol value', threw(() => Atomics.wait(i32, 0, Symbol('1'))));
console.log('number into BigInt64Array', threw(() => Atomics.wait(i64, 0, 0)));
console.log('bigint into Int32Array', threw(() => Atomics.wait(i32, 0, 0n)));
console.log('symbol value, async', threw(() => Atomics.waitAsync(i32, 0, Symbol('1')).value));
console.log('symbol timeout', threw(() => Atomics.wait(i32, 0, 0, Symbol('1'))));
console.log('wrapped value', threw(() => Atomics.wait(i32, 0, 2 ** 32)));
console.log('index and value once', threw(() => Atomics.wait(i32, once(1), once(0), once(5))), calls);
console.log('NaN timeout', threw(() => Atomics.wait(i32, 2, 0, NaN)));
console.log('not equal', threw(() => Atomics.wait(i32, 0, 1)));
console.log('NaN count', threw(() => Atomics.notify(i32, 0, NaN)));
console.log('negative count', threw(() => Atomics.notify(i32, 0, -3)));
console.log('fractional count', threw(() => Atomics.notify(i32, 0, 2.9)));
console.log('no count', threw(() => Atomics.notify(i32, 3)));
console.log('bad index', threw(() => Atomics.notify(i32, 4)));
"#;

#[test]
fn wait_and_notify_convert_their_arguments_as_the_spec_does() {
    let gate = Arc::new(Recording {
        inner: FreeRunning::new(),
        calls: Mutex::new(Vec::new()),
    });
    let outcome = Runtime::new(RuntimeOptions {
        gate: gate.clone(),
        timeout: Some(Duration::from_secs(30)),
        ..RuntimeOptions::default()
    })
    .run_main(MainScript::Source {
        name: "main.js".into(),
        code: PROGRAM.into(),
    });
    assert_eq!(
        outcome.stdout(),
        "symbol value TypeError\n\
         number into BigInt64Array TypeError\n\
         bigint into Int32Array TypeError\n\
         symbol value, async TypeError\n\
         symbol timeout TypeError\n\
         wrapped value returned timed-out\n\
         index and value once returned timed-out 3\n\
         NaN timeout returned timed-out\n\
         not equal returned not-equal\n\
         NaN count returned 0\n\
         negative count returned 0\n\
         fractional count returned 0\n\
         no count returned 0\n\
         bad index RangeError\n",
        "stderr:\n{}",
        outcome.stderr()
    );
    assert_eq!(outcome.exit_code, 0);
    let calls = gate.calls.lock().expect("not poisoned").clone();
    assert_eq!(
        calls,
        [
            "wait offset=0 timeout=None",
            "wait offset=4 timeout=Some(5.0)",
            "wait offset=8 timeout=None",
            "notify offset=0 count=0",
            "notify offset=0 count=0",
            "notify offset=0 count=2",
            "notify offset=12 count=4294967295",
        ]
    );
}
