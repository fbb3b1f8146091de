//! npm worker libraries, unchanged, on Heddle's runtime (free-running, as `heddle-node`
//! runs programs) and under real `node`: the README examples of synckit and piscina print
//! the same and exit the same. The packages are pinned in `conformance/npm/package-lock.json`
//! (see `support/npm.rs` for installing them).
//!
//! How to debug: `cargo run -p heddle-runtime --bin heddle-node -- conformance/npm/<example>`
//! and `node conformance/npm/<example>`.

#[path = "support/npm.rs"]
mod npm;

use std::process::Command;
use std::time::Duration;

use heddle_runtime::{MainScript, Runtime, RuntimeOptions};

/// (example, the stdout Node 20 prints)
const EXAMPLES: &[(&str, &str)] = &[
    ("synckit/runner.js", "result 42\nagain 6\n"),
    ("synckit/runner.mjs", "result 42\n"),
    ("piscina/main.js", "10\n"),
    ("piscina/main.mjs", "10\n"),
    ("piscina/async.js", "11 12 13 14 15\ncompleted 5\n"),
];

#[test]
fn readme_examples_print_what_node_prints() {
    if let Some(why) = npm::missing() {
        panic!("{why}");
    }
    let dir = std::fs::canonicalize(npm::dir()).expect("conformance/npm exists");
    let mut problems = Vec::new();
    for (example, want) in EXAMPLES {
        let path = dir.join(example);
        let reproduce =
            format!("cargo run -p heddle-runtime --bin heddle-node -- conformance/npm/{example}");
        let runtime = Runtime::new(RuntimeOptions {
            cwd: dir.clone(),
            argv: vec!["heddle-node".into(), path.display().to_string()],
            timeout: Some(Duration::from_secs(60)),
            ..RuntimeOptions::default()
        });
        let outcome = runtime.run_main(MainScript::File(path.clone()));
        if outcome.timed_out || outcome.stdout() != *want || outcome.exit_code != 0 {
            problems.push(format!(
                "{example}: heddle printed {:?} and exited {} (timed out: {}), Node prints {want:?} and exits 0\nstderr:\n{}\nreproduce: {reproduce}",
                outcome.stdout(),
                outcome.exit_code,
                outcome.timed_out,
                outcome.stderr()
            ));
        }
        let node = Command::new("node")
            .arg(&path)
            .current_dir(&dir)
            .output()
            .unwrap_or_else(|e| panic!("`node` cannot run ({e}): install Node 20"));
        let stdout = String::from_utf8_lossy(&node.stdout);
        if stdout != *want || !node.status.success() {
            problems.push(format!(
                "{example}: `node` printed {stdout:?} ({}), not the recorded {want:?}: node conformance/npm/{example}",
                node.status
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
