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
    /// Hold it in the posting loop and dispatch it later ([`Release`] says when).
    Hold(Release),
}

/// When a held message is dispatched. Whatever the rule, a held message is dispatched
/// before its port closes or is transferred, before its poster's loop parks or ends, so
/// a hold delays a message and never loses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// After this many more scheduling points of the posting thread.
    AfterPoints(u32),
    /// Right after the next message posted through the same port (the two swap places).
    AfterNextPost,
}

/// What [`PostHook::before_post`] decides, before the message is serialized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeforePost {
    /// Serialize and post it ([`PostHook::on_post`] decides the rest).
    Go,
    /// Fail the post with a `DataCloneError`, as an uncloneable value does: nothing is
    /// serialized or detached.
    CloneFailure,
}

/// Sees every message posted through a port, after serialization and before dispatch.
///
/// Call protocol: called on the posting thread, once per `postMessage` that serialized
/// successfully, never for lifecycle messages between a worker and its parent.
pub trait PostHook: Send + Sync {
    /// `from` is about to post through `port` to the workers `to` (called before
    /// serialization, once per `postMessage` that reached its scheduling point).
    fn before_post(&self, _from: WorkerId, _port: PortId, _to: &[WorkerId]) -> BeforePost {
        BeforePost::Go
    }

    /// `from` posted `message` through `port`, which reaches the workers `to` (the owners
    /// of its group's other ports now, those in transit left out); the hook may change it.
    fn on_post(
        &self,
        from: WorkerId,
        port: PortId,
        to: &[WorkerId],
        message: &mut Message,
    ) -> PostVerdict;

    /// What became of the message tagged `tag` that `from` posted through `port` (called
    /// after `on_post`, once per copy dispatched).
    fn dispatched(&self, _from: WorkerId, _port: PortId, _tag: u64, _outcome: &Dispatch) {}
}

impl<F> PostHook for F
where
    F: Fn(WorkerId, PortId, &mut Message) -> PostVerdict + Send + Sync,
{
    fn on_post(
        &self,
        from: WorkerId,
        port: PortId,
        _to: &[WorkerId],
        message: &mut Message,
    ) -> PostVerdict {
        self(from, port, message)
    }
}
