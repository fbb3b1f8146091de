//! Ports: [`PortData`] (the shared incoming queue), [`Port`] (its owner's handle) and
//! [`TransferredPort`] (a port in transit inside a message).
//!
//! This is Node's split between `MessagePortData` (queue under a mutex, reachable from any
//! thread through the sibling group) and `MessagePort` (the object on the owning thread).
//! Any thread may queue into a `PortData`; only the owning thread takes from it, through its
//! `Port`. The `Port` keeps a private buffer (`local`) so that a wake-up moves the whole
//! shared queue out under one lock instead of taking the lock once per message.

use std::collections::VecDeque;
use std::fmt;

use crate::group::{Dispatch, SiblingGroup};
use crate::message::Message;
use crate::sync::{self, Arc, AtomicU64, Mutex, Ordering};
use crate::wake::{DrainBudget, Wake, WakeReason};

/// Identifies a port within one runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortId(pub u64);

impl fmt::Display for PortId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "port#{}", self.0)
    }
}

/// Hands out [`PortId`]s, in order, starting at 1.
pub struct PortIds {
    next: AtomicU64,
}

impl PortIds {
    /// An allocator whose first id is `PortId(1)`.
    pub fn new() -> Self {
        PortIds {
            next: AtomicU64::new(1),
        }
    }

    /// The next unused id.
    pub fn next(&self) -> PortId {
        PortId(self.next.fetch_add(1, Ordering::Relaxed))
    }
}

impl Default for PortIds {
    fn default() -> Self {
        PortIds::new()
    }
}

/// One entry of a port's incoming queue.
#[derive(Debug)]
pub enum Entry {
    /// A posted message.
    Message(Message),
    /// The close marker: every entry before it is delivered, then the port closes.
    Close,
}

impl Entry {
    /// The message, if this entry is one.
    pub fn into_message(self) -> Option<Message> {
        match self {
            Entry::Message(m) => Some(m),
            Entry::Close => None,
        }
    }
}

/// The shared half of a port: its incoming queue and its place in a sibling group.
pub struct PortData {
    id: PortId,
    state: Mutex<PortState>,
}

struct PortState {
    /// Entries not yet moved to the owner, oldest first.
    ///
    /// Invariant: nothing follows an [`Entry::Close`]. The close marker is queued only after
    /// the port left its group (under the group's write lock), and only group members are
    /// dispatched to (under its read lock), so no message can arrive behind it.
    queue: VecDeque<Entry>,
    /// The group this port is entangled in; `None` once disentangled.
    group: Option<Arc<SiblingGroup>>,
    /// The event loop to wake when an entry arrives; `None` while the port is in transit.
    owner: Option<Arc<Wake>>,
    /// The worker a port in transit is bound for, when that is known (a new worker's own
    /// ports, on their way to it); only says who a post would reach, wakes no one.
    bound_for: Option<u64>,
    /// A `WakeReason::Port` for this port is queued on `owner` and not yet taken.
    ///
    /// Cleared by the owner, under this lock, in the same critical section that takes the
    /// queue ([`Port::begin_wake`]); set by an enqueue that finds it clear. So an entry is
    /// either taken by a wake-up that has begun, or it finds the flag clear and queues one.
    signal_pending: bool,
    /// A close marker has been queued; set once, never cleared.
    close_queued: bool,
}

impl PortData {
    fn new(id: PortId, owner: Option<Arc<Wake>>) -> Arc<Self> {
        Arc::new(PortData {
            id,
            state: Mutex::new(PortState {
                queue: VecDeque::new(),
                group: None,
                owner,
                bound_for: None,
                signal_pending: false,
                close_queued: false,
            }),
        })
    }

    /// This port's id.
    pub fn id(&self) -> PortId {
        self.id
    }

    /// Queues `entry` and wakes the owner if no wake-up is pending (`AddToIncomingQueue`).
    pub(crate) fn enqueue(&self, entry: Entry) {
        self.enqueue_waking(entry, true)
    }

    /// [`PortData::enqueue`], waking the owner only if `wake` (a fault that loses the
    /// wake-up passes false: the entry waits for the next wake-up of this port).
    pub(crate) fn enqueue_waking(&self, entry: Entry, wake: bool) {
        let wake_up = {
            let mut st = sync::lock(&self.state);
            debug_assert!(
                !st.close_queued,
                "[runtime internal bug] an entry was queued behind the close marker of {}",
                self.id
            );
            if matches!(entry, Entry::Close) {
                st.close_queued = true;
            }
            #[cfg(heddle_mutant = "close_marker_skipped")]
            let jump = matches!(entry, Entry::Close);
            #[cfg(not(heddle_mutant = "close_marker_skipped"))]
            let jump = false;
            if jump {
                // MUTANT: the close marker overtakes queued messages (nodejs/node#22762).
                st.queue.push_front(entry);
            } else {
                st.queue.push_back(entry);
            }
            if st.signal_pending || !wake {
                None
            } else {
                st.signal_pending = st.owner.is_some();
                st.owner.clone()
            }
        };
        if let Some(w) = wake_up {
            w.notify(WakeReason::Port(self.id));
        }
    }

    pub(crate) fn set_group(&self, group: Option<Arc<SiblingGroup>>) {
        sync::lock(&self.state).group = group;
    }

    pub(crate) fn group(&self) -> Option<Arc<SiblingGroup>> {
        sync::lock(&self.state).group.clone()
    }

    /// The worker that owns this port now (its wake-up's owner); `None` in transit.
    pub(crate) fn owner_worker(&self) -> Option<u64> {
        let st = sync::lock(&self.state);
        st.owner.as_ref().map(|w| w.owner()).or(st.bound_for)
    }

    /// Queues this port's own close marker unless it has one; returns whether it queued it.
    pub(crate) fn queue_close(&self) -> bool {
        if sync::lock(&self.state).close_queued {
            return false;
        }
        self.enqueue(Entry::Close);
        true
    }

    /// How many entries wait in the shared queue (not counting the owner's buffer).
    pub fn queued(&self) -> usize {
        sync::lock(&self.state).queue.len()
    }
}

impl fmt::Debug for PortData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PortData({})", self.id)
    }
}

/// Moves everything in the shared `queue` behind the owner's `local` buffer.
fn take_shared(local: &mut VecDeque<Entry>, queue: &mut VecDeque<Entry>) {
    #[cfg(heddle_mutant = "begin_wake_overwrites")]
    {
        // MUTANT: the shared queue replaces, instead of extends, the local buffer.
        *local = std::mem::take(queue);
    }
    #[cfg(not(heddle_mutant = "begin_wake_overwrites"))]
    {
        if local.is_empty() {
            std::mem::swap(local, queue);
        } else {
            local.extend(queue.drain(..));
        }
    }
}

/// The owning thread's handle of a port.
///
/// Dropping it closes the port, as Node's `MessagePort` destructor disentangles its data.
pub struct Port {
    data: Arc<PortData>,
    /// The group as of the last time this owner entangled or closed the port: only the
    /// owner disentangles its own port, so the shared `PortData::group` cannot change
    /// behind it. Cached so a post takes no queue lock of its own port.
    group: Option<Arc<SiblingGroup>>,
    /// Entries moved out of the shared queue and not yet received, oldest first. They are
    /// older than everything still in the shared queue.
    local: VecDeque<Entry>,
    /// Set by [`Port::transfer`]: the data belongs to someone else now.
    transferred: bool,
}

impl Port {
    /// A new port that is not entangled with anything, owned by the loop behind `owner`.
    pub fn new(id: PortId, owner: Option<Arc<Wake>>) -> Self {
        Port {
            data: PortData::new(id, owner),
            group: None,
            local: VecDeque::new(),
            transferred: false,
        }
    }

    /// A new entangled pair (`new MessageChannel()`), both owned by `owner`.
    pub fn pair(ids: &PortIds, owner: Option<Arc<Wake>>) -> (Port, Port) {
        let a = Port::new(ids.next(), owner.clone());
        let b = Port::new(ids.next(), owner);
        let (mut a, mut b) = (a, b);
        let group = SiblingGroup::entangle(None, &[&a.data, &b.data]);
        a.group = Some(group.clone());
        b.group = Some(group);
        (a, b)
    }

    /// This port's id.
    pub fn id(&self) -> PortId {
        self.data.id
    }

    /// The shared half.
    pub fn data(&self) -> &Arc<PortData> {
        &self.data
    }

    /// Makes this port a member of `group` (a `BroadcastChannel` name), leaving none.
    pub fn join(&mut self, group: &Arc<SiblingGroup>) {
        debug_assert!(self.group.is_none(), "a port joins one group");
        SiblingGroup::join(group, &self.data);
        self.group = Some(group.clone());
    }

    /// Posts `message` to every other port of this port's group (`postMessage`).
    ///
    /// A port that is closed, disentangled or transferred drops the message silently, as
    /// Node does; the returned [`Dispatch`] says which case happened.
    pub fn post(&self, message: Message) -> Dispatch {
        self.post_waking(message, true)
    }

    /// [`Port::post`], waking the receivers only if `wake` (a lost wake-up fault).
    pub fn post_waking(&self, message: Message, wake: bool) -> Dispatch {
        match &self.group {
            Some(group) if !self.transferred => group.dispatch_waking(&self.data, message, wake),
            _ => Dispatch::Detached,
        }
    }

    /// Starts a wake-up: clears the pending flag and moves the shared queue into the local
    /// buffer, under one lock. Returns how many entries the wake-up found (for the
    /// [`DrainBudget`](crate::wake::DrainBudget)).
    pub fn begin_wake(&mut self) -> usize {
        let mut st = sync::lock(&self.data.state);
        // MUTANT wake_clear_late: the flag is left set here and cleared only once the drain
        // finds the queue empty (see `Drain::next`); a post in between is coalesced into a
        // wake-up that is already over.
        #[cfg(not(heddle_mutant = "wake_clear_late"))]
        {
            st.signal_pending = false;
        }
        take_shared(&mut self.local, &mut st.queue);
        drop(st);
        self.local.len()
    }

    /// Takes the oldest entry, if any (`receiveMessageOnPort`, and each step of a wake-up).
    pub fn receive(&mut self) -> Option<Entry> {
        if self.local.is_empty() {
            let mut st = sync::lock(&self.data.state);
            std::mem::swap(&mut self.local, &mut st.queue);
        }
        self.local.pop_front()
    }

    /// Whether the next entry to receive is the close marker.
    pub fn next_is_close(&mut self) -> bool {
        if self.local.is_empty() {
            let mut st = sync::lock(&self.data.state);
            std::mem::swap(&mut self.local, &mut st.queue);
        }
        matches!(self.local.front(), Some(Entry::Close))
    }

    /// Puts back a close marker that [`Port::receive`] just returned, so the loop sees it.
    pub fn unreceive_close(&mut self) {
        self.local.push_front(Entry::Close);
    }

    /// The tags of the messages waiting, in the owner's buffer and then in the shared
    /// queue, in delivery order (close markers left out). Nothing is taken.
    pub fn pending_tags(&self) -> Vec<u64> {
        let st = sync::lock(&self.data.state);
        self.local
            .iter()
            .chain(st.queue.iter())
            .filter_map(|e| match e {
                Entry::Message(m) => Some(m.tag),
                Entry::Close => None,
            })
            .collect()
    }

    /// Whether entries are waiting, here or in the shared queue.
    pub fn has_pending(&self) -> bool {
        !self.local.is_empty() || self.data.queued() > 0
    }

    /// Queues a wake-up for this port on its owner, unless one is pending (`TriggerAsync`):
    /// used when a listener starts the port, and when a wake-up ran out of budget.
    pub fn trigger(&self) {
        let wake = {
            let mut st = sync::lock(&self.data.state);
            if st.signal_pending {
                None
            } else {
                st.signal_pending = st.owner.is_some();
                st.owner.clone()
            }
        };
        if let Some(wake) = wake {
            wake.notify(WakeReason::Port(self.data.id));
        }
    }

    /// Closes the port (`port.close()`): leaves the group, then queues a close marker on
    /// itself and, for a pair, on the peer. Entries queued before the marker are still
    /// received; posting through this port is a no-op from now on.
    pub fn close(&mut self) {
        if self.transferred {
            return;
        }
        match self.group.take() {
            Some(group) => group.disentangle(&self.data),
            None => {
                self.data.queue_close();
            }
        }
    }

    /// The workers that own the other members of this port's group now, in member order
    /// (those in transit left out): who a post through it would reach.
    pub fn receivers(&self) -> Vec<u64> {
        self.data
            .group()
            .map(|g| g.peer_owners(&self.data))
            .unwrap_or_default()
    }

    /// Whether this port and `other` are members of the same group.
    pub fn same_group(&self, other: &Port) -> bool {
        match (&self.group, &other.group) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Whether this port left its group (it or its peer closed).
    pub fn is_disentangled(&self) -> bool {
        self.transferred || self.data.group().is_none()
    }

    /// Moves the port out of its owner, to travel inside a message.
    ///
    /// Entries the owner had buffered go back to the front of the shared queue, so the new
    /// owner receives everything not yet received here, in order, ahead of later posts.
    pub fn transfer(mut self) -> TransferredPort {
        let local = std::mem::take(&mut self.local);
        {
            let mut st = sync::lock(&self.data.state);
            #[cfg(not(heddle_mutant = "transfer_local_last"))]
            {
                let later = std::mem::replace(&mut st.queue, local);
                st.queue.extend(later);
            }
            #[cfg(heddle_mutant = "transfer_local_last")]
            {
                // MUTANT: buffered entries are re-queued behind later posts.
                st.queue.extend(local);
            }
            st.owner = None;
            st.signal_pending = false;
        }
        self.transferred = true;
        TransferredPort {
            data: Some(self.data.clone()),
        }
    }
}

impl Drop for Port {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Port({})", self.data.id)
    }
}

/// One wake-up's worth of receiving from a port: at most [`DrainBudget::limit`] entries.
///
/// The drain borrows the port only inside [`Drain::next`], so the code that handles an entry
/// (a JS listener, say) may use the port in between: close it, post through it, transfer it.
#[derive(Debug)]
pub struct Drain {
    /// Entries this wake-up may still deliver.
    left: usize,
}

/// What [`Drain::next`] found.
#[derive(Debug)]
pub enum DrainStep {
    /// The next entry, in order.
    Entry(Entry),
    /// Nothing is queued: the wake-up is over.
    Empty,
    /// The budget is spent: a new wake-up was queued behind the loop's other work.
    Yielded,
}

impl Port {
    /// Starts a wake-up of this port (after its `WakeReason::Port` was taken).
    pub fn begin_drain(&mut self, budget: DrainBudget) -> Drain {
        let queued = self.begin_wake();
        Drain {
            left: budget.limit(queued),
        }
    }
}

impl Drain {
    /// The next entry of this wake-up, or why there is none.
    pub fn next(&mut self, port: &mut Port) -> DrainStep {
        if self.left == 0 {
            // Node's OnMessage: past the limit, TriggerAsync() and return to the loop.
            port.trigger();
            return DrainStep::Yielded;
        }
        match port.receive() {
            Some(entry) => {
                self.left -= 1;
                DrainStep::Entry(entry)
            }
            None => {
                #[cfg(heddle_mutant = "wake_clear_late")]
                {
                    sync::lock(&port.data.state).signal_pending = false;
                }
                DrainStep::Empty
            }
        }
    }
}

/// A port in transit: moved out of its old owner, not yet attached to a new one.
///
/// Messages posted to it meanwhile wait in its queue. Dropping it unattached closes it.
pub struct TransferredPort {
    /// Always `Some` until `attach` or `drop`.
    data: Option<Arc<PortData>>,
}

impl TransferredPort {
    /// The port's id.
    pub fn id(&self) -> PortId {
        self.data
            .as_ref()
            .map(|d| d.id)
            .expect("a transferred port has data until attached")
    }

    /// Records that the port goes to worker `worker` (see `PortState::bound_for`).
    pub fn bound_for(&self, worker: u64) {
        if let Some(data) = &self.data {
            sync::lock(&data.state).bound_for = Some(worker);
        }
    }

    /// Gives the port to the loop behind `owner`; wakes it if messages are already waiting.
    pub fn attach(mut self, owner: Arc<Wake>) -> Port {
        let data = self
            .data
            .take()
            .expect("a transferred port has data until attached");
        let wake = {
            let mut st = sync::lock(&data.state);
            st.owner = Some(owner.clone());
            st.bound_for = None;
            st.signal_pending = !st.queue.is_empty();
            st.signal_pending.then_some(owner)
        };
        if let Some(wake) = wake {
            wake.notify(WakeReason::Port(data.id));
        }
        let group = data.group();
        Port {
            data,
            group,
            local: VecDeque::new(),
            transferred: false,
        }
    }
}

impl Drop for TransferredPort {
    fn drop(&mut self) {
        if let Some(data) = self.data.take() {
            if cfg!(heddle_mutant = "transferred_port_leaked") {
                // MUTANT: a port dropped in transit is never closed: its peer waits for
                // ever (nodejs/node#39036 freed it instead; the fix closes it).
                std::mem::forget(data);
                return;
            }
            let group = data.group();
            drop(Port {
                data,
                group,
                local: VecDeque::new(),
                transferred: false,
            });
        }
    }
}

impl fmt::Debug for TransferredPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.data {
            Some(d) => write!(f, "TransferredPort({})", d.id),
            None => write!(f, "TransferredPort(attached)"),
        }
    }
}
