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
use crate::sync::{self, Condvar, Mutex};

/// Why an event loop was woken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WakeReason {
    /// A port owned by this loop has messages (or a close marker) queued.
    Port(PortId),
    /// A timer or another loop-level task became due.
    Task,
    /// Another thread asked the loop to stop (`worker.terminate()`).
    Interrupt,
}

/// An event loop's wake-up: a FIFO of [`WakeReason`]s and a condition variable to park on.
pub struct Wake {
    /// Reasons not yet taken by the loop, oldest first.
    ready: Mutex<VecDeque<WakeReason>>,
    /// Signalled whenever `ready` goes from empty to non-empty.
    available: Condvar,
}

impl Wake {
    /// A wake-up with nothing queued.
    pub fn new() -> Self {
        Wake {
            ready: Mutex::new(VecDeque::new()),
            available: Condvar::new(),
        }
    }

    /// Queues `reason` and unparks the loop if it is parked.
    pub fn notify(&self, reason: WakeReason) {
        let mut ready = sync::lock(&self.ready);
        ready.push_back(reason);
        if ready.len() == 1 {
            self.available.notify_one();
        }
    }

    /// Takes the oldest reason, parking until there is one.
    pub fn wait(&self) -> WakeReason {
        let mut ready = sync::lock(&self.ready);
        loop {
            if let Some(reason) = ready.pop_front() {
                return reason;
            }
            ready = sync::wait(&self.available, ready);
        }
    }

    /// Takes the oldest reason, if any, without parking.
    pub fn try_take(&self) -> Option<WakeReason> {
        sync::lock(&self.ready).pop_front()
    }

    /// Takes the oldest reason, parking at most until `deadline`.
    #[cfg(not(loom))]
    pub fn wait_until(&self, deadline: std::time::Instant) -> Option<WakeReason> {
        let mut ready = sync::lock(&self.ready);
        loop {
            if let Some(reason) = ready.pop_front() {
                return Some(reason);
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return None;
            }
            ready = self
                .available
                .wait_timeout(ready, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// How many reasons are queued.
    pub fn len(&self) -> usize {
        sync::lock(&self.ready).len()
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
        wake.notify(WakeReason::Task);
        wake.notify(WakeReason::Port(PortId(3)));
        assert_eq!(wake.len(), 2);
        assert_eq!(wake.wait(), WakeReason::Task);
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
