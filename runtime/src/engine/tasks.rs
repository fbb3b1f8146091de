//! V8's foreground tasks, run by the event loop of the isolate's thread (Node's
//! `PerIsolatePlatformData`, which wakes the loop with a `uv_async_t`).
//!
//! V8 settles an `Atomics.waitAsync` promise with a task posted to the waiting isolate's
//! foreground task runner: from the notifying thread on `Atomics.notify`, or as a delayed
//! task when the wait times out. The default platform only keeps such tasks until the
//! embedder pumps its message loop; Heddle's loop never did, so no `waitAsync` ever settled
//! (test262 `built-ins/Atomics/waitAsync`, docs/test262.md). [`Tasks`] is the platform's
//! [`v8::PlatformImpl`]: a task for an isolate whose loop is registered ([`register`]) is
//! queued for that loop and wakes it with [`WakeReason::Platform`]; a delayed one waits on
//! the `heddle-v8-delayed` thread until it is due. A task for an isolate with no registered
//! loop (being created, pooled between runs, a syntax-check scratch isolate, or a run under
//! a gate that serves atomics, which keeps `waitAsync` in its own wait table) is dropped
//! unrun, which is what the default platform amounted to before.
//!
//! As in Node, tasks do not keep a loop alive: a pending `waitAsync` lets the process end.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::wake::{Wake, WakeReason};

/// The platform's foreground task hooks (all state is in [`registry`]).
pub(crate) struct Tasks;

/// An isolate's address: how V8 names the isolate a task is for.
type IsolateKey = usize;

/// One registered loop's tasks.
pub(crate) struct Queue {
    tasks: Mutex<Vec<v8::Task>>,
    wake: Arc<Wake>,
    /// A [`WakeReason::Platform`] is queued on `wake` and not yet taken: a burst of tasks
    /// costs one wake-up. Cleared by [`Queue::take`] before it takes the tasks, so a task
    /// queued after the take queues a new wake-up.
    signalled: AtomicBool,
}

impl Queue {
    fn push(&self, task: v8::Task) {
        lock(&self.tasks).push(task);
        if !self.signalled.swap(true, Ordering::SeqCst) {
            self.wake.notify(WakeReason::Platform);
        }
    }

    /// The tasks queued so far, oldest first. Called by the loop's thread.
    pub(crate) fn take(&self) -> Vec<v8::Task> {
        self.signalled.store(false, Ordering::SeqCst);
        std::mem::take(&mut *lock(&self.tasks))
    }
}

struct Delayed {
    due: Instant,
    /// Breaks ties in posting order.
    seq: u64,
    isolate: IsolateKey,
    task: v8::Task,
}

impl PartialEq for Delayed {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}
impl Eq for Delayed {}
impl PartialOrd for Delayed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Delayed {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.due, self.seq).cmp(&(other.due, other.seq))
    }
}

#[derive(Default)]
struct State {
    /// Registered loops by isolate. Invariant: `delayed` holds tasks only for isolates in
    /// `loops` (a task for another is dropped when posted, and [`Registration`]'s drop
    /// removes its isolate's), so a new isolate at a freed isolate's address never gets a
    /// task meant for the old one.
    loops: HashMap<IsolateKey, Arc<Queue>>,
    delayed: BinaryHeap<Reverse<Delayed>>,
    seq: u64,
    timer_started: bool,
}

struct Registry {
    state: Mutex<State>,
    /// Signalled when `state.delayed` gets a new earliest task.
    changed: Condvar,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry {
        state: Mutex::new(State::default()),
        changed: Condvar::new(),
    })
}

/// Poisoning cannot leave this state inconsistent (every critical section is a few map
/// operations), so a poisoned lock is taken as it is.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Queues `task` for `isolate`'s loop; returns it if no loop is registered, for the caller
/// to drop once the registry's lock is released.
fn post_locked(state: &State, isolate: IsolateKey, task: v8::Task) -> Option<v8::Task> {
    match state.loops.get(&isolate) {
        Some(queue) => {
            queue.push(task);
            None
        }
        None => Some(task),
    }
}

fn post(isolate: IsolateKey, task: v8::Task) {
    let unclaimed = post_locked(&lock(&registry().state), isolate, task);
    drop(unclaimed);
}

fn post_delayed(isolate: IsolateKey, task: v8::Task, delay_in_seconds: f64) {
    // Zero, negative or NaN: due now.
    if delay_in_seconds.is_nan() || delay_in_seconds <= 0.0 {
        return post(isolate, task);
    }
    let reg = registry();
    let mut st = lock(&reg.state);
    if !st.loops.contains_key(&isolate) {
        drop(st);
        drop(task);
        return;
    }
    let delay = Duration::try_from_secs_f64(delay_in_seconds).unwrap_or(Duration::MAX);
    let due = Instant::now()
        .checked_add(delay)
        .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365));
    st.seq += 1;
    let seq = st.seq;
    st.delayed.push(Reverse(Delayed {
        due,
        seq,
        isolate,
        task,
    }));
    if !st.timer_started {
        // The thread never enters V8: it only moves due tasks to their loop's queue.
        let started = std::thread::Builder::new()
            .name("heddle-v8-delayed".into())
            .spawn(run_delayed);
        st.timer_started = started.is_ok();
    }
    reg.changed.notify_one();
}

/// The `heddle-v8-delayed` thread: moves each delayed task to its loop when it is due.
fn run_delayed() {
    let reg = registry();
    let mut st = lock(&reg.state);
    loop {
        let now = Instant::now();
        match st.delayed.peek().map(|Reverse(d)| d.due) {
            Some(due) if due <= now => {
                if let Some(Reverse(d)) = st.delayed.pop() {
                    // Registered: the invariant on `State::loops`.
                    let unclaimed = post_locked(&st, d.isolate, d.task);
                    debug_assert!(unclaimed.is_none());
                    drop(unclaimed);
                }
            }
            Some(due) => {
                st = reg
                    .changed
                    .wait_timeout(st, due - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            None => st = reg.changed.wait(st).unwrap_or_else(|e| e.into_inner()),
        }
    }
}

impl v8::PlatformImpl for Tasks {
    fn post_task(&self, isolate_ptr: *mut std::ffi::c_void, task: v8::Task) {
        post(isolate_ptr as IsolateKey, task);
    }

    fn post_non_nestable_task(&self, isolate_ptr: *mut std::ffi::c_void, task: v8::Task) {
        // Tasks only ever run from the loop's top level, never nested.
        post(isolate_ptr as IsolateKey, task);
    }

    fn post_delayed_task(
        &self,
        isolate_ptr: *mut std::ffi::c_void,
        task: v8::Task,
        delay_in_seconds: f64,
    ) {
        post_delayed(isolate_ptr as IsolateKey, task, delay_in_seconds);
    }

    fn post_non_nestable_delayed_task(
        &self,
        isolate_ptr: *mut std::ffi::c_void,
        task: v8::Task,
        delay_in_seconds: f64,
    ) {
        post_delayed(isolate_ptr as IsolateKey, task, delay_in_seconds);
    }

    fn post_idle_task(&self, _isolate_ptr: *mut std::ffi::c_void, task: v8::IdleTask) {
        // The platform is created without idle-task support, so V8 posts none.
        drop(task);
    }
}

/// A loop registered for its isolate's tasks; dropping it unregisters the loop and drops
/// the tasks it did not run. Must be dropped on the isolate's thread, with the isolate
/// locked (dropping a task deletes V8's object).
#[must_use = "dropping it unregisters the loop at once"]
pub(crate) struct Registration {
    isolate: IsolateKey,
    queue: Arc<Queue>,
}

impl Registration {
    /// The loop's queue.
    pub(crate) fn queue(&self) -> &Arc<Queue> {
        &self.queue
    }
}

/// Registers the loop behind `wake` for the tasks V8 posts for `isolate`, until the
/// returned registration is dropped.
pub(crate) fn register(isolate: &v8::Isolate, wake: Arc<Wake>) -> Registration {
    // SAFETY: only reads the isolate's address, the key V8 passes to `Tasks`' methods.
    let key = unsafe { isolate.as_raw_isolate_ptr() };
    let key = key_of(key);
    let queue = Arc::new(Queue {
        tasks: Mutex::new(Vec::new()),
        wake,
        signalled: AtomicBool::new(false),
    });
    lock(&registry().state).loops.insert(key, queue.clone());
    Registration {
        isolate: key,
        queue,
    }
}

fn key_of(ptr: v8::UnsafeRawIsolatePtr) -> IsolateKey {
    // SAFETY: `UnsafeRawIsolatePtr` is `#[repr(transparent)]` over the isolate's raw
    // pointer (`*mut RealIsolate`, the `v8::Isolate*` V8 passes to `Tasks`), so it has the
    // layout of a `*mut c_void`; only the address is used, never dereferenced.
    let raw: *mut std::ffi::c_void = unsafe { std::mem::transmute(ptr) };
    raw as IsolateKey
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut st = lock(&registry().state);
        st.loops.remove(&self.isolate);
        let (mine, others): (Vec<_>, Vec<_>) = std::mem::take(&mut st.delayed)
            .into_iter()
            .partition(|Reverse(d)| d.isolate == self.isolate);
        st.delayed = others.into_iter().collect();
        drop(st);
        drop(mine);
        drop(self.queue.take());
    }
}
