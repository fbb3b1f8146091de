//! Developer tracing of explorations on stderr, by topic: `HEDDLE_DEBUG=classes,races`.
//!
//! - `classes`: each run's behaviour key and schedule (`redundant <schedule>` for runs the
//!   reduction stopped), to compare two explorations' behaviours;
//! - `races`: each race a run shows, where its reversal is asked for, and what the tree
//!   knew there (tried, planned, asleep);
//! - `units` (`heddle run`/`replay`): every unit of the run with its footprint;
//! - `run-units` (explorations): each run's units and footprints on one line, to find a
//!   run whose footprints differ from its replay's (nondeterminism);
//! - `decisions` (`heddle run`/`replay`): every decision's candidates and choice.
//!
//! Traces and reports never depend on it.

use std::fmt;
use std::sync::OnceLock;

fn topics() -> &'static Vec<String> {
    static TOPICS: OnceLock<Vec<String>> = OnceLock::new();
    TOPICS.get_or_init(|| {
        std::env::var("HEDDLE_DEBUG")
            .unwrap_or_default()
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    })
}

/// Whether `topic` is traced.
pub fn on(topic: &str) -> bool {
    topics().iter().any(|t| t == topic || t == "all")
}

/// Prints one trace line.
#[allow(clippy::print_stderr)]
pub fn say(line: fmt::Arguments<'_>) {
    eprintln!("{line}");
}
