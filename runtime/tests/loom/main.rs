//! The loom suite: model checks of the runtime's real port, group, wake and locker code.
//!
//! How to debug this suite:
//! - run it: `RUSTFLAGS="--cfg loom" cargo test -p heddle-runtime --release --test loom`
//!   (`LOOM_MAX_PREEMPTIONS` defaults to 3 here);
//! - one claim: append `-- claim_3` (each test is named after the claim it checks);
//! - a failing interleaving: add `LOOM_LOG=trace LOOM_LOCATION=1` to see every step;
//! - the mutants that each claim must catch: `bash runtime/tests/loom/mutants.sh`.
//!
//! Loom models never touch V8; they drive the same `Port`/`SiblingGroup`/`Wake`/`Locker`
//! that the engine uses, through `heddle_runtime::sync`'s loom types.
#![cfg(loom)]

mod group;
mod locker;
mod port;
mod support;
mod wake;
