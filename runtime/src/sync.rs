//! The only switch between loom and std.
//!
//! Every piece of shared state in the runtime (port queues, sibling groups, wake-ups, the
//! Locker) is built from the types re-exported here. Under `RUSTFLAGS="--cfg loom"` they are
//! loom's model-checked versions, so the loom suite in `runtime/tests/loom/` exercises the
//! real code rather than a copy of it. Nothing else in the crate may name `std::sync` or
//! `std::thread` for state that is shared between threads.

#[cfg(loom)]
pub use loom::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};
#[cfg(loom)]
pub use loom::thread;

#[cfg(not(loom))]
pub use std::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};
#[cfg(not(loom))]
pub use std::thread;

/// Locks `mutex`, ignoring poisoning.
///
/// A poisoned lock means a thread panicked while holding it. Every critical section in the
/// runtime leaves its state consistent before any call that can panic, so the data is still
/// valid and the panic itself is reported where it happened.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Takes `lock` for reading, ignoring poisoning (see [`lock`]).
pub fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

/// Takes `lock` for writing, ignoring poisoning (see [`lock`]).
pub fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

/// Waits on `cv`, ignoring poisoning (see [`lock`]).
pub fn wait<'a, T>(cv: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    cv.wait(guard).unwrap_or_else(|e| e.into_inner())
}
