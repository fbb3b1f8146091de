//! Claim 5: the Locker.

use heddle_runtime::sync::{thread, Arc};
use heddle_runtime::{DrainBudget, DrainStep, Entry, Locker, Port, PortIds, Wake, WakeReason};
use loom::cell::UnsafeCell;

use crate::support::{model, msg};

/// An isolate stand-in: state that only a thread inside the Locker may touch. loom reports
/// any two unsynchronised accesses to the `UnsafeCell` as a data race.
struct Isolate {
    locker: Locker,
    heap: UnsafeCell<u32>,
}

// SAFETY: `heap` is only accessed by a thread holding `locker` (the claim under test); loom
// checks every access for races.
unsafe impl Sync for Isolate {}

impl Isolate {
    fn bump(&self) {
        let _g = self.locker.lock();
        // SAFETY: inside the locker, so no other thread accesses `heap` (checked by loom).
        self.heap.with_mut(|h| unsafe { *h += 1 });
    }
}

/// Claim 5a: mutual exclusion and recursion: two threads each enter (one of them twice,
/// nested) and mutate the isolate; loom finds no race and no deadlock.
#[test]
fn claim_5_locker_excludes_other_threads_and_nests_on_one() {
    model(|| {
        let iso = Arc::new(Isolate {
            locker: Locker::new(),
            heap: UnsafeCell::new(0),
        });
        let i2 = iso.clone();
        let t = thread::spawn(move || i2.bump());
        {
            let _outer = iso.locker.lock();
            iso.bump(); // nested: must not wait for itself
        }
        t.join().unwrap();
        let _g = iso.locker.lock();
        // SAFETY: inside the locker.
        assert_eq!(iso.heap.with(|h| unsafe { *h }), 2);
    });
}

/// Claim 5b: an Unlocker hands the isolate to another thread for its scope and takes it back
/// at the same nesting depth. The other thread must get in *during* the scope: this thread
/// waits for it there (an Unlocker that released nothing would deadlock here).
#[test]
fn claim_5_unlocker_hands_the_isolate_over_and_takes_it_back() {
    model(|| {
        let iso = Arc::new(Isolate {
            locker: Locker::new(),
            heap: UnsafeCell::new(0),
        });
        let i2 = iso.clone();
        let mut outer = iso.locker.lock();
        let inner = iso.locker.lock();
        let t = thread::spawn(move || i2.bump());
        {
            let _un = outer.unlock();
            // Outside: the other thread enters, bumps and leaves before we go back in.
            t.join().unwrap();
        }
        assert!(iso.locker.is_locked_by_current_thread());
        drop(inner);
        assert!(
            iso.locker.is_locked_by_current_thread(),
            "depth not restored"
        );
        // SAFETY: inside the locker again.
        assert_eq!(iso.heap.with(|h| unsafe { *h }), 1);
        drop(outer);
    });
}

/// Claim 5c: no deadlock between a thread that holds the Locker and posts into a port, and
/// the port's owner, which drains its queue and runs each message's handler inside the
/// Locker (as the engine does).
#[test]
fn claim_5_port_locks_and_the_locker_never_deadlock() {
    model(|| {
        let ids = PortIds::new();
        let wake = Arc::new(Wake::new());
        let iso = Arc::new(Isolate {
            locker: Locker::new(),
            heap: UnsafeCell::new(0),
        });
        let (a, b) = Port::pair(&ids, None);
        let mut b = b.transfer().attach(wake.clone());
        let i2 = iso.clone();
        let poster = thread::spawn(move || {
            for seq in 0..2 {
                let _g = i2.locker.lock();
                let _ = a.post(msg(1, seq));
            }
            a
        });
        let mut handled = 0;
        while handled < 2 {
            if wake.wait() != WakeReason::Port(b.id()) {
                continue;
            }
            let mut drain = b.begin_drain(DrainBudget::NODE);
            while let DrainStep::Entry(Entry::Message(m)) = drain.next(&mut b) {
                drop(m.open());
                iso.bump();
                handled += 1;
            }
        }
        drop(poster.join().unwrap());
    });
}
