//! [`SiblingGroup`]: the ports that see each other's messages.
//!
//! A `MessageChannel` is an anonymous group of two; a `BroadcastChannel` name is a named
//! group of any size. Posting through a port dispatches the message into the queue of every
//! other member (Node's `SiblingGroup::Dispatch`). Closing a port removes it from the group
//! and queues close markers (Node's `SiblingGroup::Disentangle`).
//!
//! Lock order: a group's `members` lock is taken before any member's queue lock, never the
//! other way round.

use std::collections::BTreeMap;
use std::fmt;

use crate::message::Message;
use crate::port::{Entry, PortData, PortId};
use crate::sync::{self, Arc, RwLock};

/// What became of a posted message.
#[must_use = "a dispatch can fail with the message handed back"]
#[derive(Debug)]
pub enum Dispatch {
    /// Queued on this many ports.
    Delivered {
        /// How many siblings received a copy.
        recipients: usize,
        /// The ports that did, in order.
        to: Vec<PortId>,
    },
    /// The group has no other member (the peer closed); the message was dropped.
    NoRecipient,
    /// The posting port is closed or transferred; the message was dropped (a no-op in Node).
    Detached,
    /// The message moves something and the group has several other members: Node's
    /// "Transferables cannot be used with multiple destinations.". Nothing was queued.
    MultipleDestinations(Message),
}

/// A set of entangled ports.
pub struct SiblingGroup {
    /// `Some` for a `BroadcastChannel` group; a named group stays open with one member.
    name: Option<String>,
    /// The members, by id (so a broadcast visits them in a deterministic order).
    ///
    /// A port is a member from `entangle`/`join` until `disentangle`; it is dispatched to
    /// only while it is a member, and its close marker is queued only after it left.
    members: RwLock<BTreeMap<PortId, Arc<PortData>>>,
}

impl SiblingGroup {
    /// An empty broadcast group named `name` (one `BroadcastChannel` name); ports enter it
    /// with [`Port::join`](crate::Port::join).
    pub fn named(name: impl Into<String>) -> Arc<SiblingGroup> {
        SiblingGroup::entangle(Some(name.into()), &[])
    }

    /// A group of `ports` (`MessagePortData::Entangle`); `name` makes it a broadcast group.
    pub(crate) fn entangle(name: Option<String>, ports: &[&Arc<PortData>]) -> Arc<SiblingGroup> {
        let group = Arc::new(SiblingGroup {
            name,
            members: RwLock::new(BTreeMap::new()),
        });
        for port in ports {
            SiblingGroup::join(&group, port);
        }
        group
    }

    /// Adds `port` to this group.
    pub(crate) fn join(group: &Arc<SiblingGroup>, port: &Arc<PortData>) {
        let mut members = sync::write(&group.members);
        members.insert(port.id(), port.clone());
        port.set_group(Some(group.clone()));
    }

    /// The broadcast name, if this is a named group.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// How many ports are members.
    pub fn len(&self) -> usize {
        sync::read(&self.members).len()
    }

    /// Whether the group has no member left.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The owners of every member except `source` (see [`Port::receivers`](crate::port::Port::receivers)).
    pub(crate) fn peer_owners(&self, source: &PortData) -> Vec<u64> {
        let members = sync::read(&self.members);
        members
            .values()
            .filter(|p| p.id() != source.id())
            .filter_map(|p| p.owner_worker())
            .collect()
    }

    /// Queues `message` on every member except `source`, waking them only if `wake`
    /// (false: a lost wake-up fault).
    pub(crate) fn dispatch_waking(
        &self,
        source: &PortData,
        message: Message,
        wake: bool,
    ) -> Dispatch {
        let members = sync::read(&self.members);
        if !members.contains_key(&source.id()) {
            return Dispatch::Detached;
        }
        let recipients = members.len() - 1;
        if recipients == 0 {
            return Dispatch::NoRecipient;
        }
        if recipients > 1 && message.has_transferables() {
            return Dispatch::MultipleDestinations(message);
        }
        #[cfg(heddle_mutant = "dispatch_snapshot")]
        let members = {
            // MUTANT: the member list is copied and the lock released before queueing, so
            // a port that leaves meanwhile still receives.
            let copy: Vec<_> = members.values().cloned().collect();
            drop(members);
            copy.into_iter()
                .map(|p| (p.id(), p))
                .collect::<BTreeMap<_, _>>()
        };
        let mut last = None;
        let mut to = Vec::with_capacity(recipients);
        for port in members.values().filter(|p| p.id() != source.id()) {
            to.push(port.id());
            if let Some(prev) = last.replace(port) {
                let copy = message
                    .share()
                    .expect("checked: no transferables with 2+ recipients");
                PortData::enqueue_waking(prev, Entry::Message(copy), wake);
            }
        }
        let last = last.expect("recipients > 0");
        last.enqueue_waking(Entry::Message(message), wake);
        Dispatch::Delivered { recipients, to }
    }

    /// Removes `port` (`SiblingGroup::Disentangle`), queues its close marker and, if this is
    /// a pair's last survivor, the survivor's close marker too.
    pub(crate) fn disentangle(&self, port: &Arc<PortData>) {
        let mut members = sync::write(&self.members);
        members.remove(&port.id());
        port.set_group(None);
        port.queue_close();
        if self.name.is_none() && members.len() == 1 {
            if let Some(survivor) = members.values().next() {
                survivor.queue_close();
            }
        }
    }
}

impl fmt::Debug for SiblingGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<PortId> = sync::read(&self.members).keys().copied().collect();
        f.debug_struct("SiblingGroup")
            .field("name", &self.name)
            .field("members", &ids)
            .finish()
    }
}
