//! [`Wake`]: an event loop's wake-up, the runtime's `uv_async_send`.
//!
//! Each event loop (one per worker thread) owns one `Wake`. Other threads queue a
//! [`WakeReason`] on it and the loop's thread takes them in order, blocking while there are
//! none. Coalescing happens at the source: a port queues `WakeReason::Port` only when it has
//! no wake-up pending already (the port's `signal_pending` flag, see [`crate::port`]), so a
//! burst of posts costs one wake-up, as many `uv_async_send` calls cost one callback.
//!
//! Never lost: a reason is queued under the wake's mutex and the loop only parks after
//! finding the queue empty under that same mutex, so a reason queued at any point before the
//! park is seen, and one queued after it unparks the loop.

use std::collections::VecDeque;

use crate::port::PortId;
use crate::sync::{self, AtomicBool, Condvar, Mutex, Ordering};

/// Why an event loop was woken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WakeReason {
    /// A port owned by this loop has messages (or a close marker) queued.
    Port(PortId),
    /// Another thread asked the loop to stop (`worker.terminate()`).
    Interrupt,
    /// An `Atomics.waitAsync` of this loop's thread settled: notified (`woken`) or timed
    /// out. Queued by a gate that serves atomics.
    WaitSettled {
        /// The wait, as the gate numbered it.
        id: u64,
        /// Notified (`"ok"`), or timed out (`"timed-out"`).
        woken: bool,
    },
    /// The engine queued tasks for this loop's isolate (V8's foreground tasks, such as the
    /// settling of an engine-served `Atomics.waitAsync`). Never queued under a gate that
    /// serves atomics.
    Platform,
}

/// How long [`Wake::wait`] looks for a reason before parking: 6 rounds of busy spinning
/// (1, 2, … 32 spin-loop hints), then yields of the CPU. A worker's reply usually arrives
/// within microseconds; parking and unparking costs a system call on each side. Measured
/// with the message round-trip benchmark (`cargo bench -p heddle-runtime --bench workers`):
/// 10 steps gave 57 µs per round trip, 50 gave 16-22 µs, 64 gave 4 µs; more did not help
/// and cost throughput.
#[cfg(not(loom))]
const SPIN_STEPS: u32 = 64;

/// An event loop's wake-up: a FIFO of [`WakeReason`]s and a condition variable to park on.
pub struct Wake {
    /// The worker whose loop this is (`WorkerId`'s number; 0 for main and for tests): what
    /// tells a post's receivers (`Port::receivers`).
    owner: u64,
    state: Mutex<WakeState>,
    /// Signalled when a reason is queued while the loop is parked.
    available: Condvar,
    /// A hint for spinning without the lock: `state.ready` was non-empty when last changed.
    /// Written only under `state`'s lock; read without it only to decide whether to look.
    ready_hint: AtomicBool,
}

struct WakeState {
    /// Reasons not yet taken by the loop, oldest first.
    ready: VecDeque<WakeReason>,
    /// The loop is (about to be) blocked on `available`; a notify must signal it.
    parked: bool,
}

impl Wake {
    /// A wake-up with nothing queued.
    pub fn new() -> Self {
        Wake::for_worker(0)
    }

    /// The wake-up of worker `owner`'s loop (`WorkerId`'s number), with nothing queued.
    pub fn for_worker(owner: u64) -> Self {
        Wake {
            owner,
            state: Mutex::new(WakeState {
                ready: VecDeque::new(),
                parked: false,
            }),
            available: Condvar::new(),
            ready_hint: AtomicBool::new(false),
        }
    }

    /// The worker whose loop this is.
    pub fn owner(&self) -> u64 {
        self.owner
    }

    /// Queues `reason` and unparks the loop if it is parked.
    pub fn notify(&self, reason: WakeReason) {
        let mut st = sync::lock(&self.state);
        st.ready.push_back(reason);
        self.ready_hint.store(true, Ordering::Release);
        if st.parked {
            st.parked = false;
            self.available.notify_one();
        }
    }

    fn pop(&self, st: &mut WakeState) -> Option<WakeReason> {
        let reason = st.ready.pop_front();
        if st.ready.is_empty() {
            self.ready_hint.store(false, Ordering::Relaxed);
        }
        reason
    }

    /// Takes the oldest reason, parking until there is one.
    ///
    /// Outside loom it first spins briefly, as crossbeam's channels do, because parking and
    /// unparking a thread costs a system call each and a reply often arrives within
    /// microseconds.
    pub fn wait(&self) -> WakeReason {
        #[cfg(not(loom))]
        self.spin_for_reason();
        let mut st = sync::lock(&self.state);
        loop {
            if let Some(reason) = self.pop(&mut st) {
                return reason;
            }
            st.parked = true;
            st = sync::wait(&self.available, st);
        }
    }

    #[cfg(not(loom))]
    fn spin_for_reason(&self) {
        for step in 0..SPIN_STEPS {
            if self.ready_hint.load(Ordering::Acquire) {
                return;
            }
            if step < 6 {
                for _ in 0..(1u32 << step) {
                    std::hint::spin_loop();
                }
            } else {
                std::thread::yield_now();
            }
        }
    }

    /// Takes the oldest reason, if any, without parking.
    pub fn try_take(&self) -> Option<WakeReason> {
        self.pop(&mut sync::lock(&self.state))
    }

    /// Takes the oldest reason, parking at most until `deadline`.
    #[cfg(not(loom))]
    pub fn wait_until(&self, deadline: std::time::Instant) -> Option<WakeReason> {
        let mut st = sync::lock(&self.state);
        loop {
            if let Some(reason) = self.pop(&mut st) {
                return Some(reason);
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                st.parked = false;
                return None;
            }
            st.parked = true;
            st = self
                .available
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// How many reasons are queued.
    pub fn len(&self) -> usize {
        sync::lock(&self.state).ready.len()
    }

    /// Whether no reason is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for Wake {
    fn default() -> Self {
        Wake::new()
    }
}

/// How many messages one wake-up of a port may deliver before yielding to the loop.
///
/// Node's `MessagePort::OnMessage` processes at most `max(queue length at wake-up, 1000)`
/// messages per wake-up, then re-triggers itself, so that a ping-pong cannot starve timers
/// and other ports. `floor` is the 1000; tests lower it to reach the re-trigger path quickly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DrainBudget {
    /// The least number of messages a wake-up may deliver.
    pub floor: usize,
}

impl DrainBudget {
    /// Node's budget: at least 1000 messages per wake-up.
    pub const NODE: DrainBudget = DrainBudget { floor: 1000 };

    /// The number of messages a wake-up that found `queued` messages may deliver.
    pub fn limit(self, queued: usize) -> usize {
        queued.max(self.floor)
    }
}

impl Default for DrainBudget {
    fn default() -> Self {
        DrainBudget::NODE
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_taken_in_order() {
        let wake = Wake::new();
        wake.notify(WakeReason::Interrupt);
        wake.notify(WakeReason::Port(PortId(3)));
        assert_eq!(wake.len(), 2);
        assert_eq!(wake.wait(), WakeReason::Interrupt);
        assert_eq!(wake.try_take(), Some(WakeReason::Port(PortId(3))));
        assert_eq!(wake.try_take(), None);
        assert!(wake.is_empty());
    }

    #[test]
    fn wait_until_times_out_when_nothing_arrives() {
        let wake = Wake::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(5);
        assert_eq!(wake.wait_until(deadline), None);
    }

    #[test]
    fn a_notify_from_another_thread_unparks_the_waiter() {
        let wake = std::sync::Arc::new(Wake::new());
        let w = wake.clone();
        let t = std::thread::spawn(move || w.wait());
        wake.notify(WakeReason::Interrupt);
        assert_eq!(t.join().unwrap(), WakeReason::Interrupt);
    }

    #[test]
    fn drain_budget_is_the_larger_of_queue_and_floor() {
        assert_eq!(DrainBudget::NODE.limit(10), 1000);
        assert_eq!(DrainBudget::NODE.limit(5000), 5000);
        assert_eq!(DrainBudget { floor: 2 }.limit(1), 2);
    }
}
