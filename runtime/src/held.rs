//! [`HeldMessages`]: messages a fault holds back in the posting loop (delay, reorder), and
//! the dispatches of those it let go, waiting to be reported to the post hook.
//!
//! A held message is the posting loop's alone: it is dispatched by the loop that posted
//! it, through the port it was posted on, so holding one needs no shared state and no
//! lock. Nothing here is ever lost: [`LoopState`](crate::worker::LoopState) lets every
//! held message go before its port closes or is transferred and before its loop parks or
//! ends.

use crate::group::Dispatch;
use crate::hook::Release;
use crate::message::Message;
use crate::port::PortId;

/// A message held back, and when it goes.
struct Held {
    port: PortId,
    message: Message,
    release: Release,
}

/// A held message's dispatch, for the post hook's `dispatched`.
#[derive(Debug)]
pub struct Released {
    /// The port it was posted on.
    pub port: PortId,
    /// Its tag.
    pub tag: u64,
    /// What became of it.
    pub outcome: Dispatch,
}

/// The held messages of one loop, in the order they were held.
#[derive(Default)]
pub struct HeldMessages {
    /// Invariant: every entry's `release` is still pending (an `AfterPoints` count above 0).
    held: Vec<Held>,
    /// Dispatches not yet reported, in dispatch order.
    released: Vec<Released>,
}

impl HeldMessages {
    /// Holds `message`, posted on `port`, until `release`.
    /// A delay of no points is one of one point (it goes at the poster's next one).
    pub fn hold(&mut self, port: PortId, message: Message, release: Release) {
        let release = match release {
            Release::AfterPoints(n) => Release::AfterPoints(n.max(1)),
            other => other,
        };
        self.held.push(Held {
            port,
            message,
            release,
        });
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Counts one scheduling point: the messages whose delay ran out, in holding order.
    pub fn tick(&mut self) -> Vec<(PortId, Message)> {
        for h in &mut self.held {
            if let Release::AfterPoints(n) = &mut h.release {
                *n -= 1;
            }
        }
        self.take(|h| h.release == Release::AfterPoints(0))
    }

    /// The messages that wait for the next post on `port` (which was just dispatched).
    pub fn after_post_on(&mut self, port: PortId) -> Vec<(PortId, Message)> {
        self.take(|h| h.port == port && h.release == Release::AfterNextPost)
    }

    /// Every message held on `port` (it is about to close or move).
    pub fn on_port(&mut self, port: PortId) -> Vec<(PortId, Message)> {
        self.take(|h| h.port == port)
    }

    /// Every held message (the loop parks or ends).
    pub fn all(&mut self) -> Vec<(PortId, Message)> {
        self.take(|_| true)
    }

    fn take(&mut self, go: impl Fn(&Held) -> bool) -> Vec<(PortId, Message)> {
        let (out, keep): (Vec<Held>, Vec<Held>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|h| go(h));
        self.held = keep;
        out.into_iter().map(|h| (h.port, h.message)).collect()
    }

    /// Notes a held message's dispatch, to be reported.
    pub fn released(&mut self, port: PortId, tag: u64, outcome: Dispatch) {
        self.released.push(Released { port, tag, outcome });
    }

    /// The dispatches not yet reported, oldest first.
    pub fn take_released(&mut self) -> Vec<Released> {
        std::mem::take(&mut self.released)
    }
}
