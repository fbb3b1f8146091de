//! The engine end to end: the seed document's example programs, bad input, the Locker over
//! a finished worker's isolate.
//!
//! How to debug this suite: `cargo test -p heddle-runtime --test engine -- <name> --nocapture`;
//! run a seed example by hand with
//! `cd runtime/tests/seed/<name> && cargo run -p heddle-runtime --bin heddle-node -- main.js`
//! (and `node main.js` to compare).
#![cfg(not(loom))]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use heddle_runtime::{
    MainScript, Message, Outcome, PostVerdict, Runtime, RuntimeOptions, WorkerId,
};

#[path = "support/time.rs"]
mod time;
use time::scaled;

fn seed_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/seed")
        .join(name)
}

fn run_heddle(dir: &Path, timeout: Duration) -> Outcome {
    Runtime::new(RuntimeOptions {
        cwd: dir.to_path_buf(),
        timeout: Some(scaled(timeout)),
        ..RuntimeOptions::default()
    })
    .run_main(MainScript::File(dir.join("main.js")))
}

fn run_source(code: &str) -> Outcome {
    Runtime::new(RuntimeOptions {
        timeout: Some(Duration::from_secs(30)),
        ..RuntimeOptions::default()
    })
    .run_main(MainScript::Source {
        name: "main.js".into(),
        code: code.into(),
    })
}

/// Runs `node main.js` in `dir` for at most `limit`; returns stdout and the exit code
/// (`None` if it was still running and had to be killed). `None` overall: no `node`.
fn run_node(dir: &Path, limit: Duration) -> Option<(String, Option<i32>)> {
    let limit = scaled(limit);
    let mut child = Command::new("node")
        .arg("main.js")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let start = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().ok()? {
            break status.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut out = String::new();
    child.stdout.take()?.read_to_string(&mut out).ok()?;
    Some((out, code))
}

fn node_or_skip(dir: &Path, limit: Duration) -> Option<(String, Option<i32>)> {
    let got = run_node(dir, limit);
    if got.is_none() {
        assert!(
            std::env::var_os("HEDDLE_ALLOW_NO_NODE").is_some(),
            "`node` not found: the comparison with Node cannot run; install Node 20 or set HEDDLE_ALLOW_NO_NODE=1"
        );
        eprintln!(
            "{}: comparison with Node SKIPPED (no `node`)",
            dir.display()
        );
    }
    got
}

/// Seed §1: the first main.js/worker.js pair runs unchanged. Node prints `done` and then
/// waits forever (the worker's `parentPort` listener keeps both alive); so does Heddle,
/// until the test's timeout stops it.
#[test]
fn seed_first_example_prints_done_and_keeps_running_like_node() {
    let dir = seed_dir("first");
    let out = run_heddle(&dir, Duration::from_millis(500));
    assert_eq!(out.stdout(), "done\n", "stderr: {}", out.stderr());
    assert!(
        out.timed_out,
        "Node keeps this program alive; Heddle must too"
    );
    if let Some((stdout, code)) = node_or_skip(&dir, Duration::from_millis(1500)) {
        assert_eq!(stdout, "done\n");
        assert_eq!(code, None, "node was expected to keep running");
    }
}

/// Seed §6: the SharedArrayBuffer example: the worker's `Atomics.add` every 50 ms is seen by
/// the main thread's `Atomics.load` every 100 ms.
#[test]
fn seed_shared_array_buffer_example_main_sees_the_workers_increments() {
    let dir = seed_dir("sab");
    let out = run_heddle(&dir, Duration::from_millis(650));
    let seen: Vec<i64> = out
        .stdout()
        .lines()
        .map(|l| {
            l.strip_prefix("Main sees: ")
                .expect("only 'Main sees: N' lines")
                .parse()
                .unwrap()
        })
        .collect();
    assert!(
        seen.len() >= 3,
        "too few lines: {seen:?}; stderr {}",
        out.stderr()
    );
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "the shared counter went down: {seen:?}"
    );
    assert!(
        *seen.last().unwrap() >= 4,
        "main did not see the worker's increments: {seen:?}"
    );
    if let Some((stdout, _)) = node_or_skip(&dir, Duration::from_millis(650)) {
        assert!(
            stdout.lines().all(|l| l.starts_with("Main sees: ")),
            "node printed {stdout:?}"
        );
    }
}

fn same_as_node(name: &str, want: &str) {
    let dir = seed_dir(name);
    let out = run_heddle(&dir, Duration::from_secs(30));
    assert!(!out.timed_out, "{name}: timed out; stderr {}", out.stderr());
    assert_eq!(out.stdout(), want, "{name}: stderr {}", out.stderr());
    assert_eq!(out.exit_code, 0);
    if let Some((stdout, code)) = node_or_skip(&dir, Duration::from_secs(30)) {
        assert_eq!(
            stdout, want,
            "{name}: node disagrees with the recorded output"
        );
        assert_eq!(code, Some(0));
    }
}

#[test]
fn seed_ping_pong_runs_to_completion() {
    same_as_node("pingpong", "final 1001\nworker exit 0\n");
}

#[test]
fn seed_structured_clone_is_a_deep_copy() {
    same_as_node(
        "deep-copy",
        "worker saw {\"name\":\"kim\",\"data\":[1,2,3]} main has {\"name\":\"lee\",\"data\":[1,2,3,4]}\n",
    );
}

#[test]
fn seed_copy_transfer_and_share_in_one_message() {
    same_as_node(
        "three-ways",
        "{ name: 'test' }\n0\n1024\nworker got test, buffer 1024, shared 1024 42\n",
    );
}

/// Where Node differs from the seed: a SharedArrayBuffer in a transfer list.
#[test]
fn seed_sab_in_transfer_list_is_nodes_invalid_transfer_object() {
    same_as_node(
        "sab-transfer",
        "TypeError [ERR_INVALID_TRANSFER_OBJECT]: Found invalid object in transferList\nmain reads 7\n",
    );
}

#[test]
fn a_throwing_main_script_exits_1_with_the_error_on_stderr() {
    let out = run_source("console.log('before'); throw new Error('boom');");
    assert_eq!(out.exit_code, 1);
    assert_eq!(out.stdout(), "before\n");
    assert!(
        out.stderr().starts_with("Uncaught Error: boom"),
        "{}",
        out.stderr()
    );
}

#[test]
fn a_syntax_error_exits_1_with_a_syntax_error() {
    let out = run_source("let x = ;");
    assert_eq!(out.exit_code, 1);
    assert!(out.stderr().contains("SyntaxError"), "{}", out.stderr());
}

#[test]
fn an_unhandled_rejection_exits_1() {
    let out = run_source(
        "Promise.reject(new RangeError('nope')); setTimeout(() => console.log('never'), 10);",
    );
    assert_eq!(out.exit_code, 1);
    assert_eq!(out.stdout(), "");
    assert!(
        out.stderr().contains("RangeError: nope"),
        "{}",
        out.stderr()
    );
}

#[test]
fn a_worker_with_a_syntax_error_reports_error_and_exits_1() {
    let out = run_source(
        "const { Worker } = require('worker_threads');
         const w = new Worker('let = ;', { eval: true });
         w.on('error', (e) => console.log('error', e.name));
         w.on('exit', (c) => console.log('exit', c));",
    );
    assert_eq!(
        out.stdout(),
        "error SyntaxError\nexit 1\n",
        "{}",
        out.stderr()
    );
    assert_eq!(out.exit_code, 0);
}

#[test]
fn a_missing_worker_file_reports_error_not_a_crash() {
    let out = run_source(
        "const { Worker } = require('worker_threads');
         const w = new Worker('./does-not-exist.js');
         w.on('error', (e) => console.log('error', e.code));
         w.on('exit', (c) => console.log('exit', c));",
    );
    assert_eq!(
        out.stdout(),
        "error MODULE_NOT_FOUND\nexit 1\n",
        "{}",
        out.stderr()
    );
}

#[test]
fn an_uncloneable_value_throws_data_clone_error_and_the_program_goes_on() {
    let out = run_source(
        "const { port1, port2 } = new MessageChannel();
         try { port1.postMessage({ f() {} }); } catch (e) { console.log(e.name, e.code, e.message); }
         port1.close(); console.log('alive');",
    );
    assert_eq!(
        out.stdout(),
        "DataCloneError 25 f() {} could not be cloned.\nalive\n",
        "{}",
        out.stderr()
    );
    assert_eq!(out.exit_code, 0);
}

/// 10,000 messages, each with its serialized bytes randomly corrupted on the way (through
/// the runtime's post hook): every one arrives as either a `message` or a `messageerror`,
/// and the process neither crashes nor stops early.
#[test]
fn ten_thousand_corrupted_messages_never_crash_the_deserializer() {
    const N: usize = 10_000;
    let seed = AtomicUsize::new(0x9e37_79b9);
    let corrupted = Arc::new(AtomicUsize::new(0));
    let counter = corrupted.clone();
    let hook = move |_: WorkerId, _: heddle_runtime::PortId, m: &mut Message| {
        // xorshift: seeded, so a failure reproduces with the same run
        let mut x = seed.fetch_add(0x6d2b_79f5, Ordering::Relaxed) as u64 | 1;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let len = m.data.len();
        match next() % 4 {
            0 => m.data.truncate((next() as usize) % (len + 1)),
            1 => {
                for _ in 0..1 + next() % 4 {
                    let i = (next() as usize) % len.max(1);
                    if let Some(b) = m.data.get_mut(i) {
                        *b = next() as u8;
                    }
                }
            }
            2 => {
                let i = (next() as usize) % (len + 1);
                m.data.insert(i, next() as u8);
            }
            _ => m.data = (0..next() % 64).map(|_| next() as u8).collect(),
        }
        counter.fetch_add(1, Ordering::Relaxed);
        PostVerdict::Deliver
    };
    let out = Runtime::new(RuntimeOptions {
        timeout: Some(Duration::from_secs(120)),
        on_post: Some(Arc::new(hook)),
        ..RuntimeOptions::default()
    })
    .run_main(MainScript::Source {
        name: "corrupt.js".into(),
        code: format!(
            "const {{ port1, port2 }} = new MessageChannel();
             const sab = new SharedArrayBuffer(8);
             let ok = 0, bad = 0;
             const done = () => {{ if (ok + bad === {N}) {{ console.log('total', ok + bad); port2.close(); }} }};
             port2.on('message', () => {{ ok++; done(); }});
             port2.on('messageerror', () => {{ bad++; done(); }});
             for (let i = 0; i < {N}; i++) {{
               port1.postMessage({{ i, s: 'text' + i, a: [1, 2.5, -3n, null, true], m: new Map([[i, {{ d: new Date(0) }}]]),
                                   r: /x+/g, sab, u8: new Uint8Array([1, 2, 3]), set: new Set(['a']) }});
             }}"
        ),
    });
    assert!(!out.timed_out, "stopped early: stderr {}", out.stderr());
    assert_eq!(
        out.stdout(),
        format!("total {N}\n"),
        "stderr: {}",
        out.stderr()
    );
    assert_eq!(out.exit_code, 0);
    assert_eq!(corrupted.load(Ordering::Relaxed), N);
}

/// The Locker: after a worker ended, another thread enters its isolate (the runtime's Locker,
/// then `v8::Locker` underneath) and evaluates an expression there; its globals are intact.
#[test]
fn a_finished_workers_isolate_can_be_entered_from_another_thread() {
    let runtime = Runtime::new(RuntimeOptions {
        keep_isolates: true,
        timeout: Some(Duration::from_secs(30)),
        ..RuntimeOptions::default()
    });
    let out = runtime.run_main(MainScript::Source {
        name: "main.js".into(),
        code: "const { Worker } = require('worker_threads');
               const sab = new SharedArrayBuffer(4);
               const w = new Worker('globalThis.seen = 41; Atomics.add(new Int32Array(require(\"worker_threads\").workerData), 0, 5);',
                                    { eval: true, workerData: sab });
               w.on('exit', (c) => console.log('exit', c, Atomics.load(new Int32Array(sab), 0)));"
            .into(),
    });
    assert_eq!(out.stdout(), "exit 0 5\n", "{}", out.stderr());
    assert_eq!(runtime.exit_code(WorkerId(1)), Some(0));
    assert_eq!(runtime.eval_in(WorkerId(1), "seen + 1").unwrap(), "42");
    assert_eq!(
        runtime.eval_in(WorkerId(0), "typeof require").unwrap(),
        "undefined"
    );
    let err = runtime
        .eval_in(WorkerId(1), "missing.x")
        .unwrap_err()
        .to_string();
    assert!(err.contains("ReferenceError"), "{err}");
}

#[test]
fn process_exit_in_main_stops_running_workers() {
    let out = run_source(
        "const { Worker } = require('worker_threads');
         const w = new Worker('setInterval(() => {}, 1000)', { eval: true });
         w.on('online', () => { console.log('online'); process.exit(3); });",
    );
    assert_eq!(out.stdout(), "online\n");
    assert_eq!(out.exit_code, 3);
}

/// Arbitrary bytes and tables through structured clone's receiving side, in a live isolate:
/// every input throws or gives a value; none crashes (the fuzz target `clone` does the same
/// for millions of inputs).
#[test]
fn deserializing_arbitrary_messages_throws_and_never_crashes() {
    use heddle_runtime::fuzz::{CloneFuzzer, FuzzMessage, FuzzOutcome, FuzzTransfer};
    let fuzzer = CloneFuzzer::new().expect("a fuzzing isolate");
    // A valid message: the header (0xFF 0x0F) and the string "hi" in V8's wire format.
    let valid = FuzzMessage {
        data: vec![0xFF, 0x0F, b'"', 2, b'h', b'i'],
        ..FuzzMessage::default()
    };
    assert_eq!(fuzzer.deserialize(valid).expect("runs"), FuzzOutcome::Value);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut threw = 0;
    for _ in 0..3000 {
        let len = (next() % 48) as usize;
        let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if next() % 2 == 0 {
            data.splice(0..0, [0xFF, 0x0F]);
        }
        let message = FuzzMessage {
            data,
            shared: (0..next() % 3).map(|_| (next() % 64) as usize).collect(),
            transfers: (0..next() % 3)
                .map(|_| {
                    if next() % 4 == 0 {
                        FuzzTransfer::Foreign
                    } else {
                        FuzzTransfer::ArrayBuffer((next() % 64) as usize)
                    }
                })
                .collect(),
            ports: (next() % 3) as usize,
        };
        if fuzzer.deserialize(message).expect("the isolate survives") == FuzzOutcome::Threw {
            threw += 1;
        }
    }
    assert!(threw > 100, "garbage mostly throws ({threw} of 3000 did)");
}
