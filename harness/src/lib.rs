//! heddle: a declarative test and fault-injection harness for JavaScript worker runtimes.
//!
//! # Modules
//!
//! - [`spec`]: the YAML format, as serde types; [`yaml`]: parsing it, with errors in the
//!   spec's words; [`plan`]: validation, names resolved,
//!   the JavaScript each thread runs; [`diag`]: `file:line:col` diagnostics.
//! - [`sched`]: the controlling scheduler (the runtime's `Gate`) and its strategies
//!   (`fixed`, `random`, `pct`, `dfs`).
//! - [`exec`]: one run under one strategy; [`explore`]: many runs, in parallel;
//!   [`faults`]: dropped and duplicated posts; [`check`]: expectations; [`trace`]: events; [`snapshot`]: insta.
//! - [`error`]: the crate's error enum.
//!
//! # A note on terminology
//!
//! - *Scheduling point*: a moment a thread asks for its turn (each step, each event-loop
//!   task, each `Atomics` operation, spawn, post, close, terminate).
//! - *Unit*: what a thread does between two points, with no other thread running.
//! - *Decision*: a point where several threads could run; a *schedule* is the list of
//!   threads chosen at the decisions, written as a *schedule string* (`a.b*2.main`).
#![deny(unsafe_code)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]
#![warn(missing_docs)]

pub mod check;
pub mod debug;
pub mod diag;
pub mod diff;
pub mod error;
pub mod exec;
pub mod explore;
pub mod faults;
pub mod plan;
pub mod render;
pub mod sched;
pub mod snapshot;
pub mod spec;
pub mod trace;
pub mod yaml;

pub use error::Error;

/// The JSON Schema of the spec format (`docs/spec.schema.json`).
pub fn schema() -> String {
    let schema = schemars::schema_for!(spec::Spec);
    serde_json::to_string_pretty(&schema).expect("a schema serializes") + "\n"
}
