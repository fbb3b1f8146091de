//! [`Error`]: everything the runtime can fail with.

use crate::worker::WorkerId;

/// An error from the runtime. Messages are lowercase and say whose bug it is when it is ours.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No isolate is kept for this worker (it is still running, or the runtime does not
    /// keep isolates: set `RuntimeOptions::keep_isolates`).
    #[error("no isolate is kept for {0} (still running, or keep_isolates is off)")]
    NoIsolate(WorkerId),
    /// Evaluating in a kept isolate threw.
    #[error("evaluation threw: {0}")]
    Eval(String),
    /// A thread for an isolate could not be started, or ended without an answer.
    #[error("worker thread failure: {0}")]
    Thread(String),
    /// V8 was entered from a thread the V8 root thread did not start (see
    /// `engine/platform.rs`); on a CPU with memory protection keys that is a SIGSEGV.
    #[error(
        "[runtime internal bug] thread `{0}` entered V8 but was not started by the V8 root thread"
    )]
    NotAV8Thread(String),
}
