//! [`WatchedGate`]: a controlling gate, told what each unit wrote to shared memory.
//!
//! Wraps the gate a controlled runtime was given: before every call that ends a unit
//! (a point, a park, an `Atomics.wait`, an exit) it compares the shared buffers with their
//! copies ([`MemoryWatch`]) and reports the changes with [`Gate::unit_writes`]. Only the
//! thread holding the turn runs, so the changes are that unit's.

use crate::memory::MemoryWatch;
use crate::sync::Arc;
use crate::wake::{Wake, WakeReason};
use crate::worker::{Gate, Point, UncaughtError, WaitKey, WorkerControl, WorkerId};
use crate::PortId;

/// A gate whose units' shared-memory writes are reported to it.
pub struct WatchedGate {
    inner: Arc<dyn Gate>,
    memory: Arc<MemoryWatch>,
}

impl WatchedGate {
    /// `inner`, told the writes `memory` sees.
    pub fn new(inner: Arc<dyn Gate>, memory: Arc<MemoryWatch>) -> Self {
        WatchedGate { inner, memory }
    }

    fn report(&self, who: WorkerId) {
        if self.memory.is_empty() {
            return;
        }
        let writes = self.memory.take_writes();
        if !writes.is_empty() {
            self.inner.unit_writes(who, &writes);
        }
    }
}

impl Gate for WatchedGate {
    fn point(&self, who: WorkerId, at: &Point) {
        self.report(who);
        self.inner.point(who, at);
    }

    fn spawned(&self, parent: WorkerId, child: WorkerId, name: &str) {
        self.inner.spawned(parent, child, name);
    }

    fn register(&self, who: WorkerId, control: &Arc<WorkerControl>) {
        self.inner.register(who, control);
    }

    fn exited(&self, who: WorkerId) {
        self.report(who);
        self.inner.exited(who);
    }

    fn park(&self, who: WorkerId, wake: &Arc<Wake>, until: Option<u64>) -> Option<WakeReason> {
        self.report(who);
        self.inner.park(who, wake, until)
    }

    fn now_ms(&self) -> u64 {
        self.inner.now_ms()
    }

    fn now_precise_ms(&self) -> f64 {
        self.inner.now_precise_ms()
    }

    fn interrupt(&self, target: WorkerId) {
        self.inner.interrupt(target);
    }

    fn serves_atomics(&self) -> bool {
        self.inner.serves_atomics()
    }

    fn atomics_wait(&self, who: WorkerId, key: WaitKey, timeout_ms: Option<f64>) -> bool {
        self.report(who);
        self.inner.atomics_wait(who, key, timeout_ms)
    }

    fn atomics_wait_async(
        &self,
        who: WorkerId,
        key: WaitKey,
        timeout_ms: Option<f64>,
        wake: &Arc<Wake>,
    ) -> Option<u64> {
        self.inner.atomics_wait_async(who, key, timeout_ms, wake)
    }

    fn atomics_notify(&self, who: WorkerId, key: WaitKey, count: u32) -> u32 {
        self.inner.atomics_notify(who, key, count)
    }

    fn random_seed(&self, who: WorkerId) -> Option<u64> {
        self.inner.random_seed(who)
    }

    fn unit_writes(&self, who: WorkerId, writes: &[crate::memory::MemWrite]) {
        self.inner.unit_writes(who, writes);
    }

    fn shared_memory(&self, who: WorkerId, region: usize) {
        self.inner.shared_memory(who, region);
    }

    fn uncaught(&self, who: WorkerId, error: &UncaughtError) {
        self.inner.uncaught(who, error);
    }

    fn received(&self, who: WorkerId, port: PortId, tag: u64) {
        self.inner.received(who, port, tag);
    }

    fn undelivered(&self, who: WorkerId, port: PortId, tag: u64) {
        self.inner.undelivered(who, port, tag);
    }

    fn shutdown(&self) {
        self.inner.shutdown();
    }
}
