//! The isolate pool: isolates whose run is over, kept for the next runs of the process.
//!
//! Creating an isolate (deserializing V8's startup snapshot into a new heap) and disposing
//! of it were half of a harness run's time. A finished isolate whose run ended cleanly is
//! put back here instead, and the next worker with the same heap limit takes it. Each run
//! still gets a new context (its own globals, builtins and prototypes, and its own
//! microtask queue), so nothing a run's JavaScript did is seen by the next one; what an
//! isolate keeps across runs is V8's own state: compiled code of the bootstrap, caches,
//! and garbage waiting for the collector.
//!
//! An isolate is never pooled after it reached its heap limit, nor when its worker set its
//! own `resourceLimits` (those take a fresh isolate, disposed after). Isolates move between
//! threads under `v8::Locker` ([`v8::SharedIsolate`]); every thread that locks one descends
//! from the V8 root thread (`platform.rs`), so memory protection keys never differ.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// Isolates taken from the pool, since the process started.
static REUSED: AtomicU64 = AtomicU64::new(0);

/// How many times an isolate was taken from the pool.
pub(crate) fn reused() -> u64 {
    REUSED.load(Ordering::Relaxed)
}

/// Whether finished isolates are pooled at all (a switch for benchmarks).
static ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns pooling on or off; off, [`give`] disposes of every isolate and [`take`] finds none.
pub(crate) fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// At most this many idle isolates are kept; more are disposed of.
const MAX_IDLE: usize = 32;

/// An idle isolate and the heap limit it was created with (bytes; `None`: V8's default).
struct Idle {
    heap: Option<usize>,
    isolate: v8::SharedIsolate,
}

fn idle() -> &'static Mutex<Vec<Idle>> {
    static IDLE: OnceLock<Mutex<Vec<Idle>>> = OnceLock::new();
    IDLE.get_or_init(|| Mutex::new(Vec::new()))
}

/// An idle isolate created with heap limit `heap`, if one is pooled.
pub(crate) fn take(heap: Option<usize>) -> Option<v8::SharedIsolate> {
    if !ENABLED.load(Ordering::Relaxed) {
        return None;
    }
    let mut idle = idle().lock().unwrap_or_else(|e| e.into_inner());
    let at = idle.iter().rposition(|i| i.heap == heap)?;
    REUSED.fetch_add(1, Ordering::Relaxed);
    Some(idle.swap_remove(at).isolate)
}

/// Puts `isolate` (created with heap limit `heap`, unlocked, holding no context of a run)
/// back for later runs, or disposes of it when the pool is full. Call it on a V8 thread:
/// disposing enters the isolate.
pub(crate) fn give(heap: Option<usize>, isolate: v8::SharedIsolate) {
    let mut idle = idle().lock().unwrap_or_else(|e| e.into_inner());
    if idle.len() < MAX_IDLE && ENABLED.load(Ordering::Relaxed) {
        idle.push(Idle { heap, isolate });
        return;
    }
    drop(idle);
    drop(isolate);
}
