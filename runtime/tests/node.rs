//! Node conformance: one test per row of `shared/node-conformance.md` (and per historic
//! Node bug), each a program in `runtime/tests/node/` with Node 20's stdout and exit code
//! recorded at its end. Each test runs the program on Heddle's runtime and asserts that
//! result; where `node` is installed it also runs it under Node and asserts the same, so
//! the recorded expectation is checked against the real thing on every run.
//!
//! How to debug this suite:
//! - one row: `cargo test -p heddle-runtime --test node -- c06 --nocapture`;
//! - the program by hand: `cargo run -p heddle-runtime --bin heddle-node -- runtime/tests/node/C06_*.js`
//!   and `node runtime/tests/node/C06_*.js`;
//! - no `node` on this machine: the tests fail unless `HEDDLE_ALLOW_NO_NODE=1`, and then
//!   say, for each row, that the comparison with Node was skipped.
#![cfg(not(loom))]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use heddle_runtime::{MainScript, Runtime, RuntimeOptions};

/// Each program ends on its own in well under a second under Node; this bounds a hang
/// (scaled on slow machines: `support/time.rs`).
const TIMEOUT: Duration = Duration::from_secs(60);

#[path = "support/time.rs"]
mod time;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

struct Expected {
    stdout: String,
    exit: i32,
}

fn expected(source: &str, file: &str) -> Expected {
    let start = source
        .rfind("/* expect:\n")
        .unwrap_or_else(|| panic!("{file}: no `/* expect:` block"));
    let body = &source[start + "/* expect:\n".len()..];
    let end = body
        .find("*/")
        .unwrap_or_else(|| panic!("{file}: unterminated expect block"));
    let exit = source
        .lines()
        .find_map(|l| l.strip_prefix("// expect-exit: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{file}: no `// expect-exit: N` line"));
    Expected {
        stdout: body[..end].to_string(),
        exit,
    }
}

fn run_node(path: &Path) -> Option<(String, i32)> {
    let out = Command::new("node")
        .arg(path)
        .current_dir(dir())
        .output()
        .ok()?;
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    ))
}

fn check(file: &str) {
    let path = dir().join(file);
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let want = expected(&source, file);
    let reproduce =
        format!("cargo run -p heddle-runtime --bin heddle-node -- runtime/tests/node/{file}");

    let runtime = Runtime::new(RuntimeOptions {
        cwd: dir(),
        argv: vec!["heddle-node".into(), path.display().to_string()],
        timeout: Some(time::scaled(TIMEOUT)),
        ..RuntimeOptions::default()
    });
    let outcome = runtime.run_main(MainScript::File(path.clone()));
    assert!(
        !outcome.timed_out,
        "{file}: still running after {:?}\nstderr:\n{}\nreproduce: {reproduce}",
        time::scaled(TIMEOUT),
        outcome.stderr()
    );
    assert_eq!(
        outcome.stdout(),
        want.stdout,
        "{file}: heddle's stdout differs from Node 20's (left: heddle, right: expected)\nstderr:\n{}\nreproduce: {reproduce}",
        outcome.stderr()
    );
    assert_eq!(
        outcome.exit_code,
        want.exit,
        "{file}: exit code\nstderr:\n{}\nreproduce: {reproduce}",
        outcome.stderr()
    );

    match run_node(&path) {
        Some((stdout, code)) => {
            assert_eq!(stdout, want.stdout, "{file}: `node` no longer prints the recorded expectation: node {}", path.display());
            assert_eq!(code, want.exit, "{file}: `node` exit code differs from the recorded one");
        }
        None if std::env::var_os("HEDDLE_ALLOW_NO_NODE").is_some() => {
            eprintln!("{file}: comparison with Node SKIPPED: `node` not found (HEDDLE_ALLOW_NO_NODE is set)");
        }
        None => panic!("{file}: `node` not found, so the recorded result cannot be checked against Node; install Node 20 or set HEDDLE_ALLOW_NO_NODE=1 to skip that comparison"),
    }
}

macro_rules! row {
    ($name:ident, $file:literal) => {
        #[test]
        fn $name() {
            check($file);
        }
    };
}

row!(a01_receive_fifo, "A01_receive_fifo.js");
row!(m01_require_cjs, "M01_require_cjs.js");
row!(m02_worker_requires, "M02_worker_requires.js");
row!(m03_builtins, "M03_builtins.js");
row!(a03_receive_non_port, "A03_receive_non_port.js");
row!(a04_post_before_listener, "A04_post_before_listener.js");
row!(a05_remove_last_listener, "A05_remove_last_listener.js");
row!(a06_onmessage_event_shape, "A06_onmessage_event_shape.js");
row!(a07_transfer_list_accepted, "A07_transfer_list_accepted.js");
row!(a08_transfer_list_rejected, "A08_transfer_list_rejected.js");
row!(
    a10_pingpong_yields_to_timers,
    "A10_pingpong_yields_to_timers.js"
);
row!(a12_post_before_online, "A12_post_before_online.js");
row!(a99_order_5000, "A99_order_5000.js");
row!(b01_close_fires_on_both, "B01_close_fires_on_both.js");
row!(
    b02_close_in_handler_drains,
    "B02_close_in_handler_drains.js"
);
row!(
    b03_post_post_close_none_lost,
    "B03_post_post_close_none_lost.js"
);
row!(b04_post_after_close, "B04_post_after_close.js");
row!(
    b05_listeners_on_closed_port,
    "B05_listeners_on_closed_port.js"
);
row!(b07_close_is_sync_detach, "B07_close_is_sync_detach.js");
row!(b09_receive_after_close, "B09_receive_after_close.js");
row!(c01_transfer_arraybuffer, "C01_transfer_arraybuffer.js");
row!(
    c02_transfer_typed_array_buffer,
    "C02_transfer_typed_array_buffer.js"
);
row!(c03_duplicate_arraybuffer, "C03_duplicate_arraybuffer.js");
row!(c04_duplicate_port, "C04_duplicate_port.js");
row!(
    c05_source_port_in_transfer,
    "C05_source_port_in_transfer.js"
);
row!(
    c06_closed_port_in_transfer_no_detach,
    "C06_closed_port_in_transfer_no_detach.js"
);
row!(c07_port_posted_to_itself, "C07_port_posted_to_itself.js");
row!(
    c08_transferred_port_keeps_queue,
    "C08_transferred_port_keeps_queue.js"
);
row!(
    c10_old_handle_after_transfer,
    "C10_old_handle_after_transfer.js"
);
row!(
    c12_detached_buffer_transfer_v20,
    "C12_detached_buffer_transfer_v20.js"
);
row!(d01_sab_shared_both_ways, "D01_sab_shared_both_ways.js");
row!(d02_distinct_sabs, "D02_distinct_sabs.js");
row!(d03_buffers_outlive_worker, "D03_buffers_outlive_worker.js");
row!(d06_sab_in_transfer_list, "D06_sab_in_transfer_list.js");
row!(d07_atomics_wait_notify, "D07_atomics_wait_notify.js");
row!(d08_wait_async_settles, "D08_wait_async_settles.js");
row!(d99_contention, "D99_contention.js");
row!(e01_clone_function, "E01_clone_function.js");
row!(e03_clone_symbol, "E03_clone_symbol.js");
row!(e04_clone_promise_weakmap, "E04_clone_promise_weakmap.js");
row!(
    e05_port_not_in_transfer_list,
    "E05_port_not_in_transfer_list.js"
);
row!(
    e06_plain_object_in_transfer_list,
    "E06_plain_object_in_transfer_list.js"
);
row!(
    e07_structured_clone_no_args,
    "E07_structured_clone_no_args.js"
);
row!(e99_cloned_types, "E99_cloned_types.js");
row!(f01_exit_codes, "F01_exit_codes.js");
row!(f02_uncaught_error, "F02_uncaught_error.js");
row!(f04_terminate_interrupts, "F04_terminate_interrupts.js");
row!(f06_terminate_after_exit, "F06_terminate_after_exit.js");
row!(f09_out_of_memory, "F09_out_of_memory.js");
row!(
    f11_huge_arraybuffer_range_error,
    "F11_huge_arraybuffer_range_error.js"
);
row!(f10_post_to_exited_worker, "F10_post_to_exited_worker.js");
row!(g01_grandchild_error, "G01_grandchild_error.js");
row!(g02_port_two_levels_down, "G02_port_two_levels_down.js");
row!(g03_broadcast_channel, "G03_broadcast_channel.js");
row!(h01_close_marker_22762, "H01_close_marker_22762.js");
row!(
    h02_duplicate_transfer_25786,
    "H02_duplicate_transfer_25786.js"
);
row!(
    h03_several_sabs_distinct_28559,
    "H03_several_sabs_distinct_28559.js"
);
row!(
    h04_sab_outlives_worker_28777,
    "H04_sab_outlives_worker_28777.js"
);
row!(
    h05_closed_port_cannot_send_42296,
    "H05_closed_port_cannot_send_42296.js"
);
row!(
    h06_port_to_exiting_worker_39036,
    "H06_port_to_exiting_worker_39036.js"
);
row!(
    h07_terminate_queued_messages_37319,
    "H07_terminate_queued_messages_37319.js"
);
row!(
    h08_no_delivery_while_blocked_25630,
    "H08_no_delivery_while_blocked_25630.js"
);

/// Every program in the folder has a test above (no row is silently left out).
#[test]
fn every_program_has_a_test() {
    let listed: Vec<&str> = include_str!("node.rs")
        .split("row!(")
        .skip(1) // the text before the first row
        .filter_map(|l| l.split('"').nth(1))
        .collect();
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".js"))
        .collect();
    files.sort();
    let missing: Vec<_> = files
        .iter()
        .filter(|f| !listed.contains(&f.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "programs without a row!() test: {missing:?}"
    );
}
