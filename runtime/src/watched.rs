//! [`WatchedGate`]: a controlling gate, told what each unit wrote to shared memory.
//!
//! Wraps the gate a controlled runtime was given: before every call that ends a unit
//! (a point, a park, an `Atomics.wait`, an exit) it compares the shared buffers with their
//! copies ([`MemoryWatch`]) and reports the changes with [`Gate::unit_writes`]. Only the
//! thread holding the turn runs, so the changes are that unit's, and only that thread
//! takes them: a thread arriving at a point without the turn (one just started, or woken)
//! leaves them for the holder, whose unit is still going on.

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
        // Taken by another thread, the holder's writes would be lost from its unit (a race
        // the reduction would then not see): found by harness/tests/gating.rs, whose shards
        // counted a behaviour more than the whole exploration. The mutant `steal_writes`
        // brings the bug back; this file's test catches it.
        if self.memory.is_empty()
            || (cfg!(not(heddle_mutant = "steal_writes")) && !self.inner.holds_turn(who))
        {
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

    fn port_named(&self, who: WorkerId, port: PortId, name: &str) {
        self.inner.port_named(who, port, name);
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

    fn holds_turn(&self, who: WorkerId) -> bool {
        self.inner.holds_turn(who)
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::memory::{MemWrite, MemoryRegion};
    use std::sync::Mutex;

    struct Bytes(Mutex<Vec<u8>>);

    impl MemoryRegion for Bytes {
        fn id(&self) -> usize {
            7
        }
        fn len(&self) -> usize {
            self.0.lock().unwrap().len()
        }
        fn read(&self, out: &mut [u8]) {
            out.copy_from_slice(&self.0.lock().unwrap());
        }
    }

    /// Worker 1 holds the turn; the writes each worker was told of.
    #[derive(Default)]
    struct Turn(Mutex<Vec<(WorkerId, Vec<MemWrite>)>>);

    impl Gate for Turn {
        fn point(&self, _who: WorkerId, _at: &Point) {}
        fn park(
            &self,
            _who: WorkerId,
            _wake: &Arc<Wake>,
            _until: Option<u64>,
        ) -> Option<WakeReason> {
            None
        }
        fn now_ms(&self) -> u64 {
            0
        }
        fn holds_turn(&self, who: WorkerId) -> bool {
            who == WorkerId(1)
        }
        fn unit_writes(&self, who: WorkerId, writes: &[MemWrite]) {
            self.0.lock().unwrap().push((who, writes.to_vec()));
        }
    }

    #[test]
    fn a_thread_without_the_turn_leaves_the_holders_writes_to_the_holder() {
        let memory = Arc::new(MemoryWatch::new());
        let bytes = Arc::new(Bytes(Mutex::new(vec![0; 4])));
        memory.register(bytes.clone());
        let turn = Arc::new(Turn::default());
        let gate = WatchedGate::new(turn.clone(), memory);
        // The holder (1) writes; another thread (2) reaches a point before the holder does.
        bytes.0.lock().unwrap()[0] = 42;
        gate.point(WorkerId(2), &Point::Start);
        gate.point(WorkerId(1), &Point::Start);
        let told = turn.0.lock().unwrap().clone();
        assert_eq!(
            told,
            [(
                WorkerId(1),
                vec![MemWrite {
                    buffer: 7,
                    offset: 0,
                    len: 1
                }]
            )],
            "the write is the holder's"
        );
    }
}
