//! Footprints: what each unit of a run touched that another thread could also touch, and
//! when two units are therefore *dependent* (their order can matter).
//!
//! A unit is what one thread does between two scheduling points. Its footprint is made of
//! [`Access`]es, collected as the run goes:
//!
//! - the operation its first point names: an `Atomics` operation on an element (precise:
//!   buffer, bytes, read or write), a post or a delivery on a port's queue, a close, a
//!   spawn, a timer (which reads the clock), a terminate;
//! - what the runtime reports during it: the bytes it wrote to shared memory (compared
//!   buffer by buffer, so plain writes count too), synchronous receives, console lines,
//!   clock reads, a worker's lifecycle messages;
//! - for a unit that may run the program's own code, a read of *all* shared memory: plain
//!   typed-array reads cannot be seen, so the sound rule is to assume the unit read what it
//!   could reach. A spec that touches shared memory only through `Atomics` says so with
//!   `memory: atomics`, and its units read only what their operations name.
//!
//! Two units of different threads are dependent when any two of their accesses conflict
//! (same memory with a write, same queue, both log, …) or one terminates the other's
//! thread. Everything else commutes: swapping adjacent independent units gives a run with
//! the same behaviour, which the partial-order reduction ([`super::dpor`]) never explores
//! twice.

use std::collections::BTreeMap;

/// One thing a unit touched.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    /// Bytes `start..end` of shared buffer `buffer` (numbered in order of first sight).
    Mem {
        /// The buffer.
        buffer: u32,
        /// The first byte.
        start: u64,
        /// One past the last byte.
        end: u64,
        /// Written (else only read).
        write: bool,
    },
    /// Any shared memory (a unit of the program's own code may read what it reaches).
    AnyMem {
        /// Written (else only read).
        write: bool,
    },
    /// The message queue of a port: a post into it, or a delivery from it.
    Queue(u64),
    /// How ports are connected: a close or a transferred port changes it (write); a post's
    /// routing and a close marker's delivery depend on it (read).
    Topology {
        /// Changed (else only read).
        write: bool,
    },
    /// The virtual clock: read by timers, `Date`, timeouts; written by a time jump.
    Clock {
        /// Moved (else only read).
        write: bool,
    },
    /// Console output (its order is the run's stdout).
    Log,
    /// Worker ids, which spawns take in turn.
    Spawn,
    /// The existence of a thread: its spawn makes it, its first unit needs it.
    Thread(String),
    /// A worker's lifecycle messages (online, exit) and their deliveries to its parent.
    Lifecycle(String),
    /// A thread's event loop's wake-up queue, whose order is the order of its deliveries:
    /// a push onto it (another thread's post or lifecycle message, the thread's own code
    /// starting a port, a delivery attaching or re-triggering one), and a choice the loop
    /// makes between it and its timers (a timer or a settled wait taken instead).
    Wake(String),
    /// The wait table entry of a shared element (`Atomics.wait`, `notify`, `waitAsync`).
    Wait {
        /// The buffer.
        buffer: u32,
        /// The element's byte offset.
        offset: u64,
    },
    /// Asynchronous waits settling (a notify, or the clock, settles a `waitAsync`).
    AsyncWait,
}

impl Access {
    /// Whether `self` and `other`, done by two threads, can give different results in the
    /// two orders.
    pub fn conflicts(&self, other: &Access) -> bool {
        use Access::*;
        match (self, other) {
            (
                Mem {
                    buffer: b1,
                    start: s1,
                    end: e1,
                    write: w1,
                },
                Mem {
                    buffer: b2,
                    start: s2,
                    end: e2,
                    write: w2,
                },
            ) => b1 == b2 && s1 < e2 && s2 < e1 && (*w1 || *w2),
            (AnyMem { write: w1 }, AnyMem { write: w2 }) => *w1 || *w2,
            (AnyMem { write: w1 }, Mem { write: w2, .. })
            | (Mem { write: w2, .. }, AnyMem { write: w1 }) => *w1 || *w2,
            (Queue(a), Queue(b)) => a == b,
            (Topology { write: w1 }, Topology { write: w2 }) => *w1 || *w2,
            (Clock { write: w1 }, Clock { write: w2 }) => *w1 || *w2,
            (Log, Log) | (Spawn, Spawn) | (AsyncWait, AsyncWait) => true,
            (Thread(a), Thread(b)) | (Lifecycle(a), Lifecycle(b)) | (Wake(a), Wake(b)) => a == b,
            (
                Wait {
                    buffer: b1,
                    offset: o1,
                },
                Wait {
                    buffer: b2,
                    offset: o2,
                },
            ) => b1 == b2 && o1 == o2,
            _ => false,
        }
    }
}

/// Everything one unit touched.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Footprint {
    /// Its accesses (deduplicated, in order of first occurrence).
    pub accesses: Vec<Access>,
    /// The threads it terminated (dependent with everything they do).
    pub terminates: Vec<String>,
}

impl Footprint {
    /// Adds `access` unless it is there already.
    pub fn add(&mut self, access: Access) {
        if !self.accesses.contains(&access) {
            self.accesses.push(access);
        }
    }

    /// Whether the unit wrote shared memory.
    pub fn writes_memory(&self) -> bool {
        self.accesses.iter().any(|a| {
            matches!(
                a,
                Access::Mem { write: true, .. } | Access::AnyMem { write: true }
            )
        })
    }
}

/// One unit of a run, as the partial-order reduction sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// The thread that ran it.
    pub thread: String,
    /// What it touched.
    pub footprint: Footprint,
    /// The decision that chose it (index into the run's decisions), if its thread was one
    /// of several candidates.
    pub decision: Option<usize>,
    /// It is the runtime's bookkeeping, no code of the program's: a unit of the supervisor
    /// (a generated main without steps), or a delivery no listener of the program's hears.
    /// No behaviour differs by where it falls.
    pub bookkeeping: bool,
    /// It posted a message into a port whose owner is not known yet (it is learnt at the
    /// message's delivery): until then, it may conflict with any loop's wake-ups.
    pub posted: bool,
}

/// Whether `unit`, which just ended, may depend on a unit of another thread with
/// `footprint`: [`dependent`], with the queues of `unit`'s posts still unknown.
pub fn may_depend(unit: &Unit, thread: &str, footprint: &Footprint) -> bool {
    let other = Unit {
        thread: thread.to_string(),
        footprint: footprint.clone(),
        decision: None,
        bookkeeping: false,
        posted: false,
    };
    dependent(unit, &other)
        || (unit.posted
            && footprint
                .accesses
                .iter()
                .any(|a| matches!(a, Access::Wake(_))))
}

/// Whether units `a` and `b` (of different threads) are dependent.
pub fn dependent(a: &Unit, b: &Unit) -> bool {
    if a.thread == b.thread {
        return true; // program order
    }
    if a.footprint.terminates.contains(&b.thread) || b.footprint.terminates.contains(&a.thread) {
        return true;
    }
    a.footprint
        .accesses
        .iter()
        .any(|x| b.footprint.accesses.iter().any(|y| x.conflicts(y)))
}

/// Names buffers so that footprints never carry an address, and so that runs that differ
/// only in the order of independent units name every buffer the same way (behaviours are
/// compared across runs): a buffer is named after the thread that first shared it and how
/// many that thread shared before it, each thread doing its own sharing in its own order.
/// A buffer seen before it was shared is one thread's own, named after that thread and how
/// many of its own it saw before.
#[derive(Debug, Default)]
pub struct BufferNames {
    ids: BTreeMap<usize, u32>,
    /// Per thread: buffers it shared, and its own buffers seen.
    counts: BTreeMap<(String, bool), u32>,
}

impl BufferNames {
    fn name(&mut self, address: usize, thread: &str, shared: bool) -> u32 {
        if let Some(id) = self.ids.get(&address) {
            return *id;
        }
        let n = self.counts.entry((thread.to_string(), shared)).or_insert(0);
        *n += 1;
        let mut h = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(&(thread, shared, *n), &mut h);
        let id = std::hash::Hasher::finish(&h) as u32;
        self.ids.insert(address, id);
        id
    }

    /// `thread` shared the buffer at `address` (if first, this names it).
    pub fn shared(&mut self, address: usize, thread: &str) -> u32 {
        self.name(address, thread, true)
    }

    /// The name of the buffer at `address`, seen by a unit of `thread`.
    pub fn of(&mut self, address: usize, thread: &str) -> u32 {
        self.name(address, thread, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(thread: &str, accesses: Vec<Access>) -> Unit {
        Unit {
            thread: thread.into(),
            footprint: Footprint {
                accesses,
                terminates: vec![],
            },
            decision: None,
            bookkeeping: false,
            posted: false,
        }
    }

    fn mem(buffer: u32, start: u64, write: bool) -> Access {
        Access::Mem {
            buffer,
            start,
            end: start + 4,
            write,
        }
    }

    #[test]
    fn reads_commute_and_writes_to_the_same_bytes_do_not() {
        let r0 = unit("a", vec![mem(0, 0, false)]);
        let r0b = unit("b", vec![mem(0, 0, false)]);
        let w0 = unit("b", vec![mem(0, 0, true)]);
        let w4 = unit("b", vec![mem(0, 4, true)]);
        let any = unit("b", vec![Access::AnyMem { write: false }]);
        assert!(!dependent(&r0, &r0b));
        assert!(dependent(&r0, &w0));
        assert!(!dependent(&r0, &w4), "other bytes");
        assert!(dependent(&unit("a", vec![mem(0, 4, true)]), &any));
        assert!(!dependent(&r0, &any), "two reads");
        assert!(dependent(&r0, &unit("a", vec![])), "program order");
    }
}
