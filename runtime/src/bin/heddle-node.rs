//! `heddle-node`: runs a Node.js program (main script + workers) on Heddle's runtime.
//!
//! ```text
//! heddle-node [--timeout-ms N] <file.js> [args...]
//! ```
//!
//! Console output is printed as it happens; the exit code is the program's. Where Node
//! would run forever (a port with a listener, an interval), `--timeout-ms` stops the run
//! and exits with code 124, as `timeout(1)` does.
#![allow(clippy::print_stdout, clippy::print_stderr)]

/// The runner needs V8, which loom builds (`--cfg loom`) leave out.
#[cfg(loom)]
fn main() {}

#[cfg(not(loom))]
fn main() -> std::process::ExitCode {
    runner::main()
}

#[cfg(not(loom))]
mod runner {
    use std::path::PathBuf;
    use std::process::ExitCode;
    use std::sync::Arc;
    use std::time::Duration;

    use heddle_runtime::{LogStream, MainScript, Runtime, RuntimeOptions};

    /// Messages are allocated on one thread and freed on another; mimalloc handles that far
    /// better than glibc's arenas (see docs/ARCHITECTURE.md, "Allocator").
    #[global_allocator]
    pub static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

    fn usage() -> ExitCode {
        eprintln!("usage: heddle-node [--timeout-ms N] <file.js> [args...]");
        ExitCode::from(2)
    }

    pub fn main() -> ExitCode {
        let mut args: Vec<String> = std::env::args().skip(1).collect();
        let mut timeout = None;
        if args.first().map(String::as_str) == Some("--timeout-ms") {
            let Some(ms) = args.get(1).and_then(|v| v.parse::<u64>().ok()) else {
                eprintln!("heddle-node: --timeout-ms needs a number of milliseconds");
                return usage();
            };
            timeout = Some(Duration::from_millis(ms));
            args.drain(..2);
        }
        let Some(file) = args.first().cloned() else {
            return usage();
        };
        let path = PathBuf::from(&file);
        if !path.is_file() {
            eprintln!("heddle-node: cannot read '{file}': no such file");
            return ExitCode::from(2);
        }
        let options = RuntimeOptions {
            argv: std::iter::once("heddle-node".to_string())
                .chain(args.iter().cloned())
                .collect(),
            // As in Node: the process's own environment.
            env: std::env::vars().collect(),
            // A closed pipe (`heddle-node x.js | head -1`) loses the output, as a write
            // to it would in Node; println! would panic inside the log op.
            on_log: Some(Arc::new(|line| {
                use std::io::Write;
                let _ = match line.stream {
                    LogStream::Stdout => writeln!(std::io::stdout().lock(), "{}", line.text),
                    LogStream::Stderr => writeln!(std::io::stderr().lock(), "{}", line.text),
                };
            })),
            timeout,
            ..RuntimeOptions::default()
        };
        let outcome = Runtime::new(options).run_main(MainScript::File(path));
        if outcome.timed_out {
            eprintln!("heddle-node: stopped after the timeout (Node would still be running)");
            return ExitCode::from(124);
        }
        ExitCode::from(outcome.exit_code.clamp(0, 255) as u8)
    }
}
