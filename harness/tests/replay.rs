//! Replays are exact even where thread start-up races the schedule: main exits (the
//! process with it) while its worker is still starting, and 40 replays of the one schedule,
//! each a fresh `heddle replay` process (a fresh process starts its isolates at its own
//! pace), print one trace, one end and one account of who was still running.
//!
//! Before main's exit ended the run at once, a worker that happened to reach its first
//! point in time was handed the turn and ran into `Atomics.wait` (a deadlock), and a
//! worker's "never started" depended on whether it had reached the gate: about one replay
//! in eight differed (and none in-process, where pooled isolates start alike).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

#[test]
fn main_exiting_while_a_worker_starts_replays_the_same_every_time() {
    let spec =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replay/exit-while-worker-starts.yaml");
    let mut seen = BTreeSet::new();
    for _ in 0..40 {
        let out = Command::new(env!("CARGO_BIN_EXE_heddle"))
            .arg("replay")
            .arg(&spec)
            .arg("main")
            .output()
            .expect("heddle runs");
        seen.insert(format!(
            "{}status: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    assert_eq!(
        seen.len(),
        1,
        "the replays differed:\n{}",
        seen.into_iter().collect::<Vec<_>>().join("\n----\n")
    );
}
