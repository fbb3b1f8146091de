//! [`MemoryWatch`]: which bytes of shared memory each unit of a controlled run wrote.
//!
//! JavaScript reads and writes a `SharedArrayBuffer` through typed arrays without any hook
//! the runtime could see. Under a controlling gate only one thread runs at a time, between
//! two scheduling points, so comparing every shared buffer with its copy from the previous
//! point tells exactly what the unit in between wrote (plain writes and Atomics alike). A
//! buffer is watched from the moment it is shared (serialized into a message): before that
//! only its creator can touch it.
//!
//! Reads cannot be seen this way; the scheduler's footprints say how it treats them.

use crate::sync::{self, Arc, Mutex};

/// Memory that several threads may share: a `SharedArrayBuffer`'s backing store.
pub trait MemoryRegion: Send + Sync {
    /// A key for the region, stable for its life (its address: never print it).
    fn id(&self) -> usize;
    /// Its length in bytes.
    fn len(&self) -> usize;
    /// Whether it has no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Copies its bytes into `out` (`out.len() == self.len()`).
    fn read(&self, out: &mut [u8]);
}

/// Bytes a unit wrote: `len` bytes at `offset` of the region `buffer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MemWrite {
    /// The region's [`MemoryRegion::id`].
    pub buffer: usize,
    /// The first byte written.
    pub offset: usize,
    /// How many bytes, from `offset`; `usize::MAX` when the region is too large to watch
    /// byte by byte and anything in it may have been written.
    pub len: usize,
}

/// The largest total of shared bytes compared at every point; past it, buffers are
/// reported as written whole (a sound over-approximation).
const MAX_WATCHED_BYTES: usize = 16 << 20;

struct Watched {
    region: Arc<dyn MemoryRegion>,
    /// The bytes as of the last [`MemoryWatch::take_writes`]; empty if not watched byte by
    /// byte (see `MAX_WATCHED_BYTES`).
    copy: Vec<u8>,
}

/// Every shared region of a runtime, with copies to compare against.
#[derive(Default)]
pub struct MemoryWatch {
    regions: Mutex<Vec<Watched>>,
}

impl MemoryWatch {
    /// Nothing watched yet.
    pub fn new() -> Self {
        MemoryWatch::default()
    }

    /// Watches `region` from now on (again is a no-op); whether it was new.
    pub fn register(&self, region: Arc<dyn MemoryRegion>) -> bool {
        let mut regions = sync::lock(&self.regions);
        if regions.iter().any(|w| w.region.id() == region.id()) {
            return false;
        }
        let total: usize = regions.iter().map(|w| w.copy.len()).sum();
        let mut copy = Vec::new();
        if total + region.len() <= MAX_WATCHED_BYTES {
            copy = vec![0; region.len()];
            region.read(&mut copy);
        }
        regions.push(Watched { region, copy });
        true
    }

    /// What changed since the last call, as byte ranges, in region order; and the copies
    /// are brought up to date.
    pub fn take_writes(&self) -> Vec<MemWrite> {
        let mut regions = sync::lock(&self.regions);
        let mut out = Vec::new();
        let mut now = Vec::new();
        for w in regions.iter_mut() {
            let len = w.region.len();
            if w.copy.len() != len {
                if len > 0 {
                    out.push(MemWrite {
                        buffer: w.region.id(),
                        offset: 0,
                        len: usize::MAX,
                    });
                }
                continue;
            }
            now.resize(len, 0);
            w.region.read(&mut now);
            let mut i = 0;
            while i < len {
                if now[i] == w.copy[i] {
                    i += 1;
                    continue;
                }
                let start = i;
                while i < len && now[i] != w.copy[i] {
                    i += 1;
                }
                out.push(MemWrite {
                    buffer: w.region.id(),
                    offset: start,
                    len: i - start,
                });
            }
            std::mem::swap(&mut w.copy, &mut now);
        }
        out
    }

    /// Whether any region is watched.
    pub fn is_empty(&self) -> bool {
        sync::lock(&self.regions).is_empty()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Mutex as StdMutex;

    struct Bytes(StdMutex<Vec<u8>>, usize);

    impl MemoryRegion for Bytes {
        fn id(&self) -> usize {
            self.1
        }
        fn len(&self) -> usize {
            self.0.lock().unwrap().len()
        }
        fn read(&self, out: &mut [u8]) {
            out.copy_from_slice(&self.0.lock().unwrap());
        }
    }

    #[test]
    fn writes_between_takes_are_reported_as_changed_ranges() {
        let watch = MemoryWatch::new();
        let a = Arc::new(Bytes(StdMutex::new(vec![0; 8]), 1));
        watch.register(a.clone());
        assert!(watch.take_writes().is_empty());
        {
            let mut b = a.0.lock().unwrap();
            b[1] = 7;
            b[2] = 7;
            b[6] = 1;
        }
        assert_eq!(
            watch.take_writes(),
            [
                MemWrite {
                    buffer: 1,
                    offset: 1,
                    len: 2
                },
                MemWrite {
                    buffer: 1,
                    offset: 6,
                    len: 1
                }
            ]
        );
        assert!(watch.take_writes().is_empty(), "the copy is up to date");
    }
}
