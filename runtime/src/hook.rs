//! [`PostHook`]: a seam where a message can be changed, dropped or duplicated on its way
//! from `postMessage` to the receiving port — fault injection's entry point into the
//! runtime.

use crate::group::Dispatch;
use crate::message::Message;
use crate::port::PortId;
use crate::worker::WorkerId;

/// What happens to a posted message after the hook saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostVerdict {
    /// Dispatch it (possibly changed by the hook).
    Deliver,
    /// Drop it: it is counted as dropped, never delivered.
    Drop,
    /// Dispatch it twice (only for messages that move nothing; otherwise delivered once).
    Duplicate,
    /// Queue it without waking the receiver (Node's missed `uv_async_send`): it is
    /// delivered only when something else wakes the receiver's port.
    LoseWakeup,
}

/// Sees every message posted through a port, after serialization and before dispatch.
///
/// Call protocol: called on the posting thread, once per `postMessage` that serialized
/// successfully, never for lifecycle messages between a worker and its parent.
pub trait PostHook: Send + Sync {
    /// `from` posted `message` through `port`; the hook may change it.
    fn on_post(&self, from: WorkerId, port: PortId, message: &mut Message) -> PostVerdict;

    /// What became of the message tagged `tag` that `from` posted through `port` (called
    /// after `on_post`, once per copy dispatched).
    fn dispatched(&self, _from: WorkerId, _port: PortId, _tag: u64, _outcome: &Dispatch) {}
}

impl<F> PostHook for F
where
    F: Fn(WorkerId, PortId, &mut Message) -> PostVerdict + Send + Sync,
{
    fn on_post(&self, from: WorkerId, port: PortId, message: &mut Message) -> PostVerdict {
        self(from, port, message)
    }
}
