//! [`Message`]: the engine-free payload that travels through a port.
//!
//! A message is what `postMessage` produced on the sending thread: the bytes written by the
//! engine's serializer, plus the things that cannot be written as bytes — the backing stores
//! of transferred `ArrayBuffer`s (moved, never copied), the backing stores of
//! `SharedArrayBuffer`s (shared), and transferred ports. The runtime core never looks inside
//! the engine's objects; it only owns them, so that every message is either delivered exactly
//! once or accounted as dropped in a [`Ledger`].

use std::any::Any;
use std::fmt;

use crate::port::TransferredPort;
use crate::sync::{Arc, AtomicU64, Ordering};

/// Memory shared by several isolates, such as a `SharedArrayBuffer`'s backing store.
///
/// Cloning it shares the same memory; the engine downcasts it back to its own type.
pub type SharedMemory = Arc<dyn Any + Send + Sync>;

/// Something moved out of the sender, such as a transferred `ArrayBuffer`'s backing store.
pub type Transferable = Box<dyn Any + Send>;

/// The [`Message::tag`] of a message nobody numbered.
pub const UNTAGGED: u64 = 0;

/// The high bit of the [`Message::tag`] of a worker's lifecycle message (`online`,
/// `error`, `exit`) to its parent; the low bits are the sending worker's id. Observers
/// number posts from 1 up, far below it.
pub const LIFECYCLE_TAG: u64 = 1 << 63;

/// The bit of a lifecycle message's tag that marks the worker's `exit` (else `online` or
/// `error`).
const EXIT_BIT: u64 = 1 << 62;

/// The tag of a lifecycle message from worker `from` (its `WorkerId`), `exit` or not.
pub fn lifecycle_tag(from: u64, exit: bool) -> u64 {
    LIFECYCLE_TAG | if exit { EXIT_BIT } else { 0 } | (from & !(LIFECYCLE_TAG | EXIT_BIT))
}

/// The sending worker's id, if `tag` is a lifecycle message's.
pub fn lifecycle_sender(tag: u64) -> Option<u64> {
    (tag & LIFECYCLE_TAG != 0).then_some(tag & !(LIFECYCLE_TAG | EXIT_BIT))
}

/// Whether `tag` is a worker's `exit` lifecycle message.
pub fn is_exit(tag: u64) -> bool {
    tag & LIFECYCLE_TAG != 0 && tag & EXIT_BIT != 0
}

/// The engine-free payload of one `postMessage`.
pub struct Message {
    /// The serialized value (for V8: the output of `ValueSerializer`).
    pub data: Vec<u8>,
    /// Shared memory referenced from `data` by index, in order of first appearance.
    pub shared: Vec<SharedMemory>,
    /// Moved backing stores referenced from `data` by transfer index.
    pub transfers: Vec<Transferable>,
    /// An observer's label ([`UNTAGGED`]: none; [`LIFECYCLE_TAG`]: a lifecycle message),
    /// carried to the receiver's delivery point; the harness numbers posts with it.
    pub tag: u64,
    /// Ports moved with this message, referenced from `data` by index.
    pub ports: Vec<TransferredPort>,
    /// Where this message's fate is counted; `None` for messages nobody audits.
    ledger: Option<Arc<Ledger>>,
    /// Set by [`Message::open`]: the message reached its receiver.
    delivered: bool,
}

impl Message {
    /// A message carrying only bytes.
    pub fn from_bytes(data: Vec<u8>) -> Self {
        Message {
            data,
            shared: Vec::new(),
            transfers: Vec::new(),
            tag: 0,
            ports: Vec::new(),
            ledger: None,
            delivered: false,
        }
    }

    /// Counts this message in `ledger`: posted now, then delivered or dropped exactly once.
    pub fn audited(mut self, ledger: &Arc<Ledger>) -> Self {
        ledger.posted.fetch_add(1, Ordering::Relaxed);
        self.ledger = Some(ledger.clone());
        self
    }

    /// Counts this message in `ledger` (as [`Message::audited`], in place).
    pub fn audit(&mut self, ledger: &Arc<Ledger>) {
        if self.ledger.is_none() {
            ledger.posted.fetch_add(1, Ordering::Relaxed);
            self.ledger = Some(ledger.clone());
        }
    }

    /// Whether the message moves something (a backing store or a port) and so cannot be
    /// delivered to more than one receiver.
    pub fn has_transferables(&self) -> bool {
        !self.transfers.is_empty() || !self.ports.is_empty()
    }

    /// A copy for another receiver of a broadcast: the same bytes and shared memory.
    ///
    /// Returns `None` when the message moves something, which only one receiver can get.
    pub fn share(&self) -> Option<Message> {
        if self.has_transferables() {
            return None;
        }
        let copy = Message {
            data: self.data.clone(),
            shared: self.shared.clone(),
            transfers: Vec::new(),
            tag: self.tag,
            ports: Vec::new(),
            ledger: None,
            delivered: false,
        };
        Some(match &self.ledger {
            Some(ledger) => copy.audited(ledger),
            None => copy,
        })
    }

    /// Marks the message delivered and hands its parts to the receiver.
    pub fn open(mut self) -> MessageParts {
        self.delivered = true;
        if let Some(ledger) = &self.ledger {
            ledger.delivered.fetch_add(1, Ordering::Relaxed);
        }
        MessageParts {
            data: std::mem::take(&mut self.data),
            shared: std::mem::take(&mut self.shared),
            transfers: std::mem::take(&mut self.transfers),
            ports: std::mem::take(&mut self.ports),
        }
    }
}

impl Drop for Message {
    fn drop(&mut self) {
        if !self.delivered {
            if let Some(ledger) = &self.ledger {
                ledger.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("bytes", &self.data.len())
            .field("shared", &self.shared.len())
            .field("transfers", &self.transfers.len())
            .field("ports", &self.ports.len())
            .finish()
    }
}

/// The contents of a delivered message, owned by the receiver.
pub struct MessageParts {
    /// See [`Message::data`].
    pub data: Vec<u8>,
    /// See [`Message::shared`].
    pub shared: Vec<SharedMemory>,
    /// See [`Message::transfers`].
    pub transfers: Vec<Transferable>,
    /// See [`Message::ports`].
    pub ports: Vec<TransferredPort>,
}

/// Counts the fate of audited messages: `posted == delivered + dropped + still queued`.
///
/// Each copy of a broadcast counts as one posted message.
pub struct Ledger {
    posted: AtomicU64,
    delivered: AtomicU64,
    dropped: AtomicU64,
}

/// A snapshot of a [`Ledger`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LedgerCounts {
    /// Messages created (one per receiver of a broadcast).
    pub posted: u64,
    /// Messages opened by a receiver.
    pub delivered: u64,
    /// Messages destroyed unopened: no receiver, a closed port, or a port torn down.
    pub dropped: u64,
}

impl LedgerCounts {
    /// Messages neither delivered nor dropped yet: still in a queue.
    pub fn in_flight(&self) -> u64 {
        self.posted - self.delivered - self.dropped
    }
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Ledger {
            posted: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        }
    }

    /// The counts so far.
    pub fn counts(&self) -> LedgerCounts {
        LedgerCounts {
            posted: self.posted.load(Ordering::Relaxed),
            delivered: self.delivered.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
        }
    }
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger::new()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn ledger_counts_delivered_and_dropped_once_each() {
        let ledger = Arc::new(Ledger::new());
        let a = Message::from_bytes(vec![1]).audited(&ledger);
        let b = Message::from_bytes(vec![2]).audited(&ledger);
        let c = a.share().expect("no transferables");
        assert_eq!(a.open().data, vec![1]);
        drop(b);
        assert_eq!(
            ledger.counts(),
            LedgerCounts {
                posted: 3,
                delivered: 1,
                dropped: 1
            }
        );
        assert_eq!(ledger.counts().in_flight(), 1);
        drop(c);
        assert_eq!(ledger.counts().in_flight(), 0);
    }

    #[test]
    fn message_with_transferables_cannot_be_shared() {
        let mut m = Message::from_bytes(vec![]);
        m.transfers.push(Box::new(vec![0u8; 4]));
        assert!(m.has_transferables());
        assert!(m.share().is_none());
    }
}
