//! [`Locker`]: one thread at a time inside an isolate, with the semantics of
//! `v8::Locker`/`v8::Unlocker`.
//!
//! A thread takes the lock with [`Locker::lock`] and holds it while its [`LockerGuard`]
//! lives. Taking it again on the same thread nests (the inner guard is a no-op that only
//! counts depth). [`LockerGuard::unlock`] gives the lock up entirely for a scope, so another
//! thread may enter, and takes it back, at the same depth, when the [`UnlockerGuard`] drops.
//!
//! The engine layer takes `v8::Locker` underneath this lock, so the order between the two is
//! always this one first. Nothing in the runtime takes a port's queue lock and then waits
//! for the Locker: queue locks are held only for pushes and pops, never across a delivery.

use std::marker::PhantomData;

use crate::sync::{self, thread, Condvar, Mutex};

/// A recursive lock for an isolate shared by several threads.
pub struct Locker {
    state: Mutex<LockerState>,
    /// Signalled when `state.owner` becomes `None`.
    released: Condvar,
}

struct LockerState {
    /// The thread inside, if any.
    owner: Option<thread::ThreadId>,
    /// How many live guards the owner holds; `0` exactly when `owner` is `None`.
    depth: usize,
}

impl Locker {
    /// An unlocked locker.
    pub fn new() -> Self {
        Locker {
            state: Mutex::new(LockerState {
                owner: None,
                depth: 0,
            }),
            released: Condvar::new(),
        }
    }

    /// Enters, blocking while another thread is inside; nests if this thread is inside.
    pub fn lock(&self) -> LockerGuard<'_> {
        let me = thread::current().id();
        let mut st = sync::lock(&self.state);
        #[cfg(not(heddle_mutant = "locker_not_recursive"))]
        let nested = st.owner == Some(me);
        #[cfg(heddle_mutant = "locker_not_recursive")]
        let nested = false; // MUTANT: a second lock on the same thread waits for itself.
        if !nested {
            while st.owner.is_some() {
                st = sync::wait(&self.released, st);
            }
            st.owner = Some(me);
        }
        st.depth += 1;
        debug_assert!(st.owner == Some(me) && st.depth > 0);
        LockerGuard {
            locker: self,
            _not_send: PhantomData,
        }
    }

    /// Whether the calling thread is inside (`v8::Locker::IsLocked`).
    pub fn is_locked_by_current_thread(&self) -> bool {
        sync::lock(&self.state).owner == Some(thread::current().id())
    }

    /// Whether any thread is inside.
    pub fn is_locked(&self) -> bool {
        sync::lock(&self.state).owner.is_some()
    }

    fn release(&self) {
        let mut st = sync::lock(&self.state);
        debug_assert_eq!(st.owner, Some(thread::current().id()));
        st.depth -= 1;
        if st.depth == 0 {
            st.owner = None;
            self.released.notify_one();
        }
    }

    /// Leaves entirely; returns the depth to restore.
    fn release_all(&self) -> usize {
        let mut st = sync::lock(&self.state);
        debug_assert_eq!(st.owner, Some(thread::current().id()));
        let depth = std::mem::take(&mut st.depth);
        st.owner = None;
        self.released.notify_one();
        depth
    }

    fn reacquire(&self, depth: usize) {
        let me = thread::current().id();
        let mut st = sync::lock(&self.state);
        while st.owner.is_some() {
            st = sync::wait(&self.released, st);
        }
        st.owner = Some(me);
        st.depth = depth;
    }
}

impl Default for Locker {
    fn default() -> Self {
        Locker::new()
    }
}

/// Proof that the current thread is inside a [`Locker`]; leaving the scope leaves the lock.
///
/// It is `!Send`: the lock belongs to the thread that took it, and releasing it from another
/// thread would let two threads inside at once.
///
/// ```compile_fail
/// fn assert_send<T: Send>(_: T) {}
/// let locker = heddle_runtime::Locker::new();
/// assert_send(locker.lock());
/// ```
#[must_use = "dropping the guard leaves the locker at once"]
pub struct LockerGuard<'a> {
    locker: &'a Locker,
    _not_send: PhantomData<*const ()>,
}

impl<'a> LockerGuard<'a> {
    /// Leaves the locker entirely until the returned guard drops (`v8::Unlocker`).
    pub fn unlock(&mut self) -> UnlockerGuard<'_, 'a> {
        #[cfg(not(heddle_mutant = "unlocker_noop"))]
        let depth = self.locker.release_all();
        // MUTANT: the unlocker leaves the lock held, so no other thread can enter its scope.
        #[cfg(heddle_mutant = "unlocker_noop")]
        let depth = usize::MAX;
        UnlockerGuard { guard: self, depth }
    }
}

impl Drop for LockerGuard<'_> {
    fn drop(&mut self) {
        self.locker.release();
    }
}

/// A scope outside the locker, taken back when this drops (`v8::Unlocker`).
#[must_use = "dropping the unlocker re-enters the locker at once"]
pub struct UnlockerGuard<'g, 'a> {
    guard: &'g mut LockerGuard<'a>,
    depth: usize,
}

impl Drop for UnlockerGuard<'_, '_> {
    fn drop(&mut self) {
        #[cfg(heddle_mutant = "unlocker_noop")]
        if self.depth == usize::MAX {
            return; // MUTANT: nothing was released, so nothing is taken back
        }
        self.guard.locker.reacquire(self.depth);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn locker_is_recursive_on_one_thread() {
        let locker = Locker::new();
        let outer = locker.lock();
        let inner = locker.lock();
        assert!(locker.is_locked_by_current_thread());
        drop(inner);
        assert!(locker.is_locked());
        drop(outer);
        assert!(!locker.is_locked());
    }

    #[test]
    fn unlocker_lets_another_thread_in_and_restores_depth() {
        let locker = Arc::new(Locker::new());
        let mut outer = locker.lock();
        let _inner = locker.lock();
        {
            let _un = outer.unlock();
            assert!(!locker.is_locked());
            let l = locker.clone();
            std::thread::spawn(move || {
                let _g = l.lock();
                assert!(l.is_locked_by_current_thread());
            })
            .join()
            .unwrap();
        }
        assert!(locker.is_locked_by_current_thread());
    }

    #[test]
    fn locker_excludes_other_threads() {
        let locker = Arc::new(Locker::new());
        let counter = Arc::new(std::sync::Mutex::new((0u32, 0u32)));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (l, c) = (locker.clone(), counter.clone());
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        let _g = l.lock();
                        let mut s = c.lock().unwrap();
                        s.0 += 1;
                        s.1 = s.1.max(s.0);
                        drop(s);
                        std::thread::yield_now();
                        c.lock().unwrap().0 -= 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(
            counter.lock().unwrap().1,
            1,
            "two threads were inside at once"
        );
    }
}
