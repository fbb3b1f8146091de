//! heddle-runtime: Node.js's worker model (node_worker.cc, node_messaging.cc) rebuilt in
//! Rust.
//!
//! # Modules
//!
//! - [`sync`]: the only switch between `std` and loom; all shared state is built from it.
//! - [`memory`]: [`MemoryWatch`](memory::MemoryWatch): what each unit wrote to shared
//!   memory, under a controlling gate.
//! - [`message`]: [`Message`], the engine-free payload, and the [`Ledger`] that audits it.
//! - [`port`]: [`PortData`] (a port's shared queue), [`Port`] (its owner's handle),
//!   [`TransferredPort`] (a port in transit).
//! - [`group`]: [`SiblingGroup`]: entangle, dispatch, disentangle.
//! - [`wake`]: [`Wake`], an event loop's coalescing wake-up, and the [`DrainBudget`].
//! - [`locker`]: [`Locker`], the recursive isolate lock with an unlocker.
//! - [`timers`]: [`Timers`](timers::Timers) and the [`Clock`](timers::Clock).
//! - [`worker`]: the engine-free [`EventLoop`](worker::EventLoop) and the [`Guest`](worker::Guest) seam.
//! - [`hook`]: [`PostHook`], where faults can change, drop or duplicate posted messages.
//! - [`runtime`]: [`Runtime`], which runs a main script and its workers on V8.
//! - `engine` (private): the V8 layer, the only code that names `v8::`.
//! - [`error`]: the crate's [`Error`] enum.
//!
//! # A note on terminology
//!
//! - *Port data*: the shared half of a port, reachable from every thread of its group.
//! - *Owner*: the event loop (thread) that receives a port's messages; a port in transit has
//!   none.
//! - *Entangled*: member of a sibling group. *Disentangled*: removed from it by a close.
//! - *Close marker*: the queue entry that makes a port close after what was queued before it.
//! - *Wake-up*: one `WakeReason` taken by a loop; for a port, one drain of at most
//!   [`DrainBudget::limit`] messages.
#![deny(unsafe_code)]
#![warn(clippy::undocumented_unsafe_blocks)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]
#![warn(missing_docs)]

#[cfg(not(loom))]
#[allow(unsafe_code)]
mod engine;
pub mod error;
pub mod group;
pub mod held;
pub mod hook;
pub mod locker;
pub mod memory;
pub mod message;
pub mod port;
#[cfg(not(loom))]
pub mod runtime;
pub mod sync;
pub mod timers;
pub mod wake;
pub mod watched;
pub mod worker;

pub use error::Error;
pub use group::{Dispatch, SiblingGroup};
#[cfg(not(loom))]
pub use hook::{BeforePost, PostHook, PostVerdict, Release};
pub use locker::{Locker, LockerGuard, UnlockerGuard};
pub use message::{Ledger, LedgerCounts, Message, MessageParts, SharedMemory, Transferable};
pub use port::{Drain, DrainStep, Entry, Port, PortData, PortId, PortIds, TransferredPort};
#[cfg(not(loom))]
pub use runtime::{LogLine, LogSink, LogStream, MainScript, Outcome, Runtime, RuntimeOptions};
pub use wake::{DrainBudget, Wake, WakeReason};
#[cfg(not(loom))]
pub use worker::WorkerId;

/// Structured clone's receiving side under arbitrary input, for the fuzzer
/// (`fuzz/fuzz_targets/clone.rs`).
#[cfg(not(loom))]
#[doc(hidden)]
pub mod fuzz {
    pub use crate::engine::fuzz::{CloneFuzzer, FuzzMessage, FuzzOutcome, FuzzTransfer};
}

/// Syntax checks of JavaScript snippets (V8 compiles them without running them).
#[cfg(not(loom))]
pub mod syntax {
    pub use crate::engine::syntax::{check, SnippetKind, SyntaxProblem};
}

/// How many times a worker (main included) took an isolate from the pool of finished ones
/// instead of creating one (see `engine/pool.rs`), since the process started.
#[cfg(not(loom))]
pub fn isolates_reused() -> u64 {
    engine::pool::reused()
}

/// Turns the pool of finished isolates on (the default) or off, for the whole process: off,
/// every worker creates its isolate and disposes of it after its run. For benchmarks that
/// measure what the pool saves, in the same run.
#[cfg(not(loom))]
pub fn set_isolate_pool(on: bool) {
    engine::pool::set_enabled(on)
}

/// Starts an empty thread the way every V8 thread is started (through the V8 root thread,
/// see `engine/platform.rs`) and joins it: for the benchmark of that route's cost only.
#[cfg(not(loom))]
#[doc(hidden)]
pub fn bench_spawn_v8_thread() {
    if let Ok(handle) = engine::platform::spawn("bench".into(), 64 << 10, || {}) {
        let _ = handle.join();
    }
}
