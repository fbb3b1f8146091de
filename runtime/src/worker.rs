//! The engine-free event loop of one worker thread, and the [`Guest`] seam to the engine.
//!
//! A worker is an OS thread running an [`EventLoop`]: it owns a [`Wake`], the ports it
//! receives on, and its timers ([`LoopState`]). Each turn it runs the timers that are due,
//! then the wake-ups that were queued when the turn began, and parks when nothing is left
//! to do — or stops when nothing keeps it alive, as libuv's loop does. The JavaScript side
//! is behind [`Guest`]: the loop hands it one task at a time (the entry script, one
//! message, one timer) and the guest runs it to completion, microtasks included.
//!
//! Every task starts at a scheduling point ([`Gate::point`]), where the harness's
//! scheduler may hold the thread until it is its turn; free-running, the gate is a no-op.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use crate::group::{Dispatch, SiblingGroup};
use crate::held::{HeldMessages, Released};
use crate::hook::{PostHook, Release};
use crate::message::Message;
use crate::port::{DrainStep, Entry, Port, PortId, PortIds, TransferredPort};
use crate::sync::{self, Arc, AtomicBool, Mutex, Ordering};
use crate::timers::{Clock, TimerId, Timers};
use crate::wake::{DrainBudget, Wake, WakeReason};

/// Identifies a worker: Node's `threadId` (the main thread is 0, workers count from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkerId(pub u64);

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "worker#{}", self.0)
    }
}

/// A scheduling point: a moment before a step that other threads can observe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Point {
    /// Before the entry script.
    Start,
    /// Before delivering one entry of a port's queue.
    Deliver {
        /// The receiving port.
        port: PortId,
        /// What is delivered.
        what: Delivery,
        /// Whether the delivery runs code of the program's own (a listener it added), not
        /// only the runtime's bookkeeping of the thread's handles.
        user_code: bool,
    },
    /// Before a timer's callback.
    Timer(TimerId),
    /// Before settling an `Atomics.waitAsync` promise (its `then` callbacks run next).
    Settle(u64),
    /// Before an `Atomics` operation.
    Atomics(AtomicsAccess),
    /// `heddle.yield()` from JavaScript, with the label user code gave it, if any (shown in
    /// traces, never interpreted).
    Yield(Option<String>),
    /// A declarative step begins: the harness's generated code, by the step's index in its
    /// thread (from the step points `heddle.takeStepPoints()` hands out once per isolate).
    Step(u32),
    /// The thread's declarative steps are over.
    StepsEnd,
    /// Before spawning a worker.
    Spawn,
    /// Before posting through a port.
    Post(PortId),
    /// Before closing a port.
    Close(PortId),
    /// Before terminating a worker.
    Terminate(WorkerId),
}

/// An `Atomics` operation about to run: which one, and the element it reads or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AtomicsAccess {
    /// The operation's name (`load`, `add`, `compareExchange`, `wait`, …).
    pub op: &'static str,
    /// The element, when it is one of a `SharedArrayBuffer` (another thread may touch it);
    /// `None` for a non-shared buffer or an index out of range (the operation throws).
    pub at: Option<WaitKey>,
    /// The element's size in bytes.
    pub len: usize,
}

/// What a [`Point::Deliver`] delivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// A posted message, with its [`Message::tag`](crate::Message::tag).
    Message(u64),
    /// A worker's lifecycle message to its parent (`online`, `error`, `exit`).
    Lifecycle {
        /// The worker it is about.
        from: WorkerId,
        /// It is the worker's `exit` (else its `online` or `error`).
        exit: bool,
    },
    /// The port's close marker.
    Close,
}

impl Delivery {
    /// What delivering `entry` is.
    pub fn of(entry: &Entry) -> Self {
        match entry {
            Entry::Message(m) => match crate::message::lifecycle_sender(m.tag) {
                Some(from) => Delivery::Lifecycle {
                    from: WorkerId(from),
                    exit: crate::message::is_exit(m.tag),
                },
                None => Delivery::Message(m.tag),
            },
            Entry::Close => Delivery::Close,
        }
    }
}

/// An uncaught error that ended a thread, as a gate sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UncaughtError {
    /// The constructor's name (`TypeError`, `DOMException`, …; the type for a non-object).
    pub class: String,
    /// Its `name` property.
    pub name: String,
    /// Its `message` (the value as a string for a non-Error).
    pub message: String,
    /// Its `code` property, if it has one.
    pub code: Option<ErrorCode>,
}

/// An error's `code`: Node's are strings (`ERR_…`), a `DOMException`'s a number.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorCode {
    /// A string code.
    Text(String),
    /// A numeric code.
    Number(f64),
}

impl Eq for ErrorCode {}

/// Identifies the memory an `Atomics.wait` waits on: a shared buffer and a byte offset.
/// The buffer part is an address: use it as a key only, never print it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WaitKey {
    /// The backing store's address.
    pub buffer: usize,
    /// The byte offset of the element.
    pub offset: usize,
}

/// Where a controlled thread asks for its turn, and what it blocks on.
///
/// Call protocol: every method is called on the thread of `who`. `spawned` is called by the
/// parent before the child's thread exists; the child's first call is `point(child, Start)`.
/// `exited` is the last call a thread makes, after its last observable action. `park` is
/// called only when the loop has nothing to do.
pub trait Gate: Send + Sync {
    /// `who` is about to take the step `at`; returns when it may.
    fn point(&self, who: WorkerId, at: &Point);

    /// `parent` created worker `child`, named `name` (the `name` option of `new Worker`,
    /// possibly empty); its thread will call `point(child, Start)`.
    fn spawned(&self, _parent: WorkerId, _child: WorkerId, _name: &str) {}

    /// `who` named `port` (the harness's generated code names the ends of a spec's
    /// channels after them, for fault rules that pick posts by port).
    fn port_named(&self, _who: WorkerId, _port: PortId, _name: &str) {}

    /// `who`'s thread started; `control` terminates it (a controlling gate that gives up on
    /// a run uses it to stop every thread).
    fn register(&self, _who: WorkerId, _control: &Arc<WorkerControl>) {}

    /// `who` is done: it will make no observable step again.
    fn exited(&self, _who: WorkerId) {}

    /// `who`'s loop has nothing to do: wait for a reason on `wake`, or until the clock reads
    /// `until`. `None` means the time came first.
    fn park(&self, who: WorkerId, wake: &Arc<Wake>, until: Option<u64>) -> Option<WakeReason>;

    /// Milliseconds since the runtime started (timers, `Date.now`).
    fn now_ms(&self) -> u64;

    /// The same with sub-millisecond precision (`performance.now()`).
    fn now_precise_ms(&self) -> f64 {
        self.now_ms() as f64
    }

    /// `target` is being terminated: if it is blocked in a wait this gate serves, release it.
    fn interrupt(&self, _target: WorkerId) {}

    /// Whether `Atomics.wait`/`notify` go through [`Gate::atomics_wait`]/[`Gate::atomics_notify`]
    /// (and every `Atomics` operation is a scheduling point) instead of V8's own.
    fn serves_atomics(&self) -> bool {
        false
    }

    /// Whether `who` holds the turn now, so that what shared memory changed since the last
    /// point is its unit's doing (see [`crate::watched::WatchedGate`]). A gate that lets
    /// every thread run at once has no turn: always true.
    fn holds_turn(&self, _who: WorkerId) -> bool {
        true
    }

    /// `Atomics.wait` on `key` (the value was checked equal): blocks `who` until notified
    /// (`true`), until `timeout_ms` of clock time passed (`false`), or until interrupted.
    fn atomics_wait(&self, _who: WorkerId, _key: WaitKey, _timeout_ms: Option<f64>) -> bool {
        true
    }

    /// `Atomics.waitAsync` on `key` (the value was checked equal): registers an asynchronous
    /// waiter that a notify (or `timeout_ms` of clock time) settles by queueing
    /// [`WakeReason::WaitSettled`] on `wake`. Returns the wait's id, or `None` if this gate
    /// leaves `waitAsync` to the engine.
    fn atomics_wait_async(
        &self,
        _who: WorkerId,
        _key: WaitKey,
        _timeout_ms: Option<f64>,
        _wake: &Arc<Wake>,
    ) -> Option<u64> {
        None
    }

    /// `Atomics.notify` on `key` for at most `count` waiters (synchronous and asynchronous,
    /// oldest first); returns how many it woke.
    fn atomics_notify(&self, _who: WorkerId, _key: WaitKey, _count: u32) -> u32 {
        0
    }

    /// A seed for `Math.random` (deterministic runs); `None` leaves V8's.
    fn random_seed(&self, _who: WorkerId) -> Option<u64> {
        None
    }

    /// The unit `who` is running wrote `writes` to shared memory (reported before the
    /// point, park, wait or exit that ends the unit; only to a gate that serves atomics).
    fn unit_writes(&self, _who: WorkerId, _writes: &[crate::memory::MemWrite]) {}

    /// The unit `who` is running shared the memory region `region` for the first time (a
    /// `SharedArrayBuffer` serialized into a message: its [`crate::memory::MemoryRegion::id`]),
    /// only to a gate that serves atomics. The scheduler names the region after `who` and
    /// how many `who` shared before it, which the same program does the same way in every
    /// run.
    fn shared_memory(&self, _who: WorkerId, _region: usize) {}

    /// `who` ends because of an uncaught exception (or ran out of memory): `error`.
    fn uncaught(&self, _who: WorkerId, _error: &UncaughtError) {}

    /// `who` took the message tagged `tag` from `port` synchronously
    /// (`receiveMessageOnPort`, or the drain of an exited worker's port): a delivery that
    /// is no scheduling point of its own.
    fn received(&self, _who: WorkerId, _port: PortId, _tag: u64) {}

    /// `who`'s loop ends with the message tagged `tag` still waiting on its `port`: it will
    /// never be delivered.
    fn undelivered(&self, _who: WorkerId, _port: PortId, _tag: u64) {}

    /// The runtime is stopping every thread (its timeout, or the process is ending): release
    /// every thread blocked in this gate, now and from now on, so that each can see it was
    /// terminated and end.
    fn shutdown(&self) {}
}

/// The gate of a free-running runtime: every thread always may go on; time is the
/// monotonic clock; parking blocks on the wake-up.
pub struct FreeRunning {
    clock: crate::timers::RealClock,
}

impl FreeRunning {
    /// A free-running gate whose clock starts now.
    pub fn new() -> Self {
        FreeRunning {
            clock: crate::timers::RealClock::new(),
        }
    }
}

impl Default for FreeRunning {
    fn default() -> Self {
        FreeRunning::new()
    }
}

impl Gate for FreeRunning {
    fn point(&self, _who: WorkerId, _at: &Point) {}

    #[cfg(not(loom))]
    fn park(&self, _who: WorkerId, wake: &Arc<Wake>, until: Option<u64>) -> Option<WakeReason> {
        match until {
            Some(ms) => wake.wait_until(self.clock.instant_at(ms)),
            None => Some(wake.wait()),
        }
    }

    #[cfg(loom)]
    fn park(&self, _who: WorkerId, wake: &Arc<Wake>, _until: Option<u64>) -> Option<WakeReason> {
        Some(wake.wait())
    }

    fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    fn now_precise_ms(&self) -> f64 {
        self.clock.now_precise_ms()
    }
}

/// Whether the loop goes on after a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Stop the loop now (the guest set an exit, or execution was terminated).
    Stop,
}

/// The engine side of a worker: runs one task at a time, each to completion (microtasks
/// included).
///
/// Call protocol: `start` is called once, first; then any number of `deliver` and `fire`
/// calls in the loop's order. No call is made after one returns [`Flow::Stop`]. The loop
/// holds no borrow of [`LoopState`] during a call, so the guest may use it freely.
pub trait Guest {
    /// Runs the entry script.
    fn start(&mut self) -> Flow;
    /// Delivers one entry taken from `port`. For [`Entry::Close`], the port has already been
    /// removed from the loop: the guest only emits `'close'`.
    fn deliver(&mut self, port: PortId, entry: Entry) -> Flow;
    /// Runs a due timer's callback.
    fn fire(&mut self, timer: TimerId) -> Flow;
    /// Runs the close callbacks requested since the last turn (handles that were closed
    /// by moving their port away emit `'close'` here, as libuv's close phase does).
    fn close_phase(&mut self) -> Flow;
    /// Whether delivering `entry` on `port` would run the program's own code (a
    /// `'message'`, `'close'`, `'exit'`… listener it added) rather than only the runtime's.
    fn runs_user_code(&mut self, _port: PortId, _entry: &Entry) -> bool {
        true
    }
    /// Settles the `Atomics.waitAsync` numbered `id`: `"ok"` if `woken`, else `"timed-out"`.
    fn settle_wait(&mut self, _id: u64, _woken: bool) -> Flow {
        Flow::Continue
    }
    /// Runs the tasks the engine queued for this loop ([`WakeReason::Platform`]).
    fn run_platform_tasks(&mut self) -> Flow {
        Flow::Continue
    }
}

/// Cross-thread control of a worker: termination.
pub struct WorkerControl {
    /// Set once by `terminate()`; the loop stops at its next check.
    terminated: AtomicBool,
    /// Interrupts running JavaScript (the engine's `TerminateExecution`).
    interrupt: Mutex<Option<Box<dyn Fn() + Send + Sync>>>,
    wake: Arc<Wake>,
}

impl WorkerControl {
    /// Control of the loop behind `wake`.
    pub fn new(wake: Arc<Wake>) -> Self {
        WorkerControl {
            terminated: AtomicBool::new(false),
            interrupt: Mutex::new(None),
            wake,
        }
    }

    /// Installs how to interrupt running JavaScript; replaces any previous one.
    pub fn set_interrupt(&self, f: Option<Box<dyn Fn() + Send + Sync>>) {
        *sync::lock(&self.interrupt) = f;
    }

    /// Stops the worker: interrupts running JavaScript and wakes a parked loop.
    pub fn terminate(&self) {
        self.terminated.store(true, Ordering::SeqCst);
        if let Some(f) = sync::lock(&self.interrupt).as_ref() {
            f();
        }
        self.wake.notify(WakeReason::Interrupt);
    }

    /// Whether `terminate` was called.
    pub fn is_terminated(&self) -> bool {
        self.terminated.load(Ordering::SeqCst)
    }

    /// The loop's wake-up.
    pub fn wake(&self) -> &Arc<Wake> {
        &self.wake
    }
}

/// One port owned by a loop.
#[derive(Debug)]
struct PortSlot {
    port: Port,
    /// A listener started the port (`start()` or a `'message'` listener).
    receiving: bool,
    /// The port keeps the loop alive while receiving (`ref()`/`unref()`).
    refed: bool,
    /// This side called `close()`: the port closes on the next turn even if not receiving.
    closing: bool,
}

/// Everything one event loop owns. Shared between the loop and its guest through
/// `Rc<RefCell<…>>`; never borrowed across a guest call.
pub struct LoopState {
    id: WorkerId,
    wake: Arc<Wake>,
    ids: Arc<PortIds>,
    control: Arc<WorkerControl>,
    /// Ports this loop owns, by id.
    ports: BTreeMap<PortId, PortSlot>,
    /// This loop's timers.
    pub timers: Timers,
    /// The exit code, once the worker decided to stop (`process.exit`, a fatal error).
    pub exit: Option<i32>,
    /// Close callbacks requested for the next close phase.
    pub close_callbacks: usize,
    /// Took its first turn before anything stopped it (Node's `env_` existed): a worker
    /// terminated before that exits with code 0, as Node's does, not 1.
    pub began: bool,
    budget: DrainBudget,
    /// Messages a fault holds back, dispatched by this loop later (delay, reorder).
    held: HeldMessages,
    /// MUTANT closed_port_sends: ports whose `close()` takes effect only at the loop's next
    /// turn, and which still send until then (nodejs/node#42296).
    #[cfg(heddle_mutant = "closed_port_sends")]
    deferred_closes: Vec<PortId>,
}

impl LoopState {
    /// The state of a new loop for worker `id`.
    pub fn new(id: WorkerId, ids: Arc<PortIds>, control: Arc<WorkerControl>) -> Self {
        LoopState {
            id,
            wake: control.wake().clone(),
            ids,
            control,
            ports: BTreeMap::new(),
            timers: Timers::new(),
            exit: None,
            close_callbacks: 0,
            began: false,
            budget: DrainBudget::NODE,
            held: HeldMessages::default(),
            #[cfg(heddle_mutant = "closed_port_sends")]
            deferred_closes: Vec::new(),
        }
    }

    /// This worker's id.
    pub fn id(&self) -> WorkerId {
        self.id
    }

    /// The loop's wake-up.
    pub fn wake(&self) -> &Arc<Wake> {
        &self.wake
    }

    /// The worker's cross-thread control.
    pub fn control(&self) -> &Arc<WorkerControl> {
        &self.control
    }

    /// Sets the per-wake-up drain budget (tests lower Node's 1000).
    pub fn set_budget(&mut self, budget: DrainBudget) {
        self.budget = budget;
    }

    /// A new entangled pair owned by this loop (`new MessageChannel()`).
    pub fn channel(&mut self) -> (PortId, PortId) {
        let (a, b) = Port::pair(&self.ids, Some(self.wake.clone()));
        let ids = (a.id(), b.id());
        self.insert(a);
        self.insert(b);
        ids
    }

    /// A new port owned by this loop in the broadcast `group`.
    pub fn join(&mut self, group: &Arc<SiblingGroup>) -> PortId {
        let mut port = Port::new(self.ids.next(), Some(self.wake.clone()));
        port.join(group);
        let id = port.id();
        self.insert(port);
        id
    }

    /// Takes ownership of a port created elsewhere (already owned by this loop's wake).
    pub fn insert(&mut self, port: Port) {
        let id = port.id();
        self.ports.insert(
            id,
            PortSlot {
                port,
                receiving: false,
                refed: true,
                closing: false,
            },
        );
    }

    /// Attaches a port that arrived in a message; it starts not receiving.
    pub fn adopt(&mut self, port: TransferredPort) -> PortId {
        let port = port.attach(self.wake.clone());
        let id = port.id();
        self.insert(port);
        id
    }

    /// Whether this loop owns `port`.
    pub fn owns(&self, port: PortId) -> bool {
        self.ports.contains_key(&port)
    }

    /// Posts through `port`; a port this loop does not own (closed, transferred) is a
    /// silent no-op, as in Node.
    pub fn post(&mut self, port: PortId, message: Message) -> Dispatch {
        self.post_waking(port, message, true)
    }

    /// [`LoopState::post`], waking the receiver only if `wake` (a lost wake-up fault).
    pub fn post_waking(&mut self, port: PortId, message: Message, wake: bool) -> Dispatch {
        match self.ports.get(&port) {
            Some(slot) if !slot.closing || cfg!(heddle_mutant = "closed_port_sends") => {
                slot.port.post_waking(message, wake)
            }
            _ => Dispatch::Detached,
        }
    }

    /// The workers a post through `port` would reach now (none if this loop does not
    /// own it).
    pub fn receivers(&self, port: PortId) -> Vec<WorkerId> {
        self.ports
            .get(&port)
            .map(|slot| slot.port.receivers().into_iter().map(WorkerId).collect())
            .unwrap_or_default()
    }

    /// Holds `message` back instead of posting it through `port` until `release` (a delay
    /// or reorder fault).
    pub fn hold(&mut self, port: PortId, message: Message, release: Release) {
        self.held.hold(port, message, release);
    }

    /// Dispatches the messages held until the next post on `port` (just dispatched).
    pub fn release_after_post(&mut self, port: PortId) {
        let due = self.held.after_post_on(port);
        self.dispatch_held(due);
    }

    /// One scheduling point of this loop passed: dispatches the held messages it was the
    /// last of.
    pub fn tick_held(&mut self) {
        if !self.held.is_empty() {
            let due = self.held.tick();
            self.dispatch_held(due);
        }
    }

    /// Dispatches every held message; whether there was one.
    pub fn release_all_held(&mut self) -> bool {
        let due = self.held.all();
        let any = !due.is_empty();
        self.dispatch_held(due);
        any
    }

    /// The held messages' dispatches not yet reported to the post hook.
    pub fn take_released(&mut self) -> Vec<Released> {
        self.held.take_released()
    }

    fn dispatch_held(&mut self, due: Vec<(PortId, Message)>) {
        for (port, message) in due {
            let tag = message.tag;
            let outcome = self.post(port, message);
            self.held.released(port, tag, outcome);
        }
    }

    /// Takes the next message synchronously (`receiveMessageOnPort`); `None` at the close
    /// marker or when nothing is queued.
    pub fn receive_now(&mut self, port: PortId) -> Option<Message> {
        let slot = self.ports.get_mut(&port)?;
        match slot.port.receive()? {
            Entry::Message(m) => Some(m),
            Entry::Close => {
                // Leave the marker for the loop, which emits 'close'.
                slot.port.unreceive_close();
                None
            }
        }
    }

    /// Starts or stops delivery on `port` (`start()`, first/last `'message'` listener).
    pub fn set_receiving(&mut self, port: PortId, receiving: bool) {
        if let Some(slot) = self.ports.get_mut(&port) {
            let was = slot.receiving;
            slot.receiving = receiving;
            if receiving && !was {
                slot.port.trigger();
            }
        }
    }

    /// Sets whether `port` keeps the loop alive while receiving.
    pub fn set_ref(&mut self, port: PortId, refed: bool) {
        if let Some(slot) = self.ports.get_mut(&port) {
            slot.refed = refed;
        }
    }

    /// Closes `port` (`port.close()`): it leaves its group now; `'close'` follows on a later
    /// turn, after the entries queued before the close if it is receiving.
    pub fn close(&mut self, port: PortId) {
        let held = self.held.on_port(port);
        self.dispatch_held(held);
        if let Some(slot) = self.ports.get_mut(&port) {
            if !slot.closing {
                slot.closing = true;
                #[cfg(heddle_mutant = "closed_port_sends")]
                self.deferred_closes.push(port);
                #[cfg(not(heddle_mutant = "closed_port_sends"))]
                slot.port.close();
            }
        }
    }

    /// MUTANT closed_port_sends: the closes of the last turn take effect now.
    #[cfg(heddle_mutant = "closed_port_sends")]
    fn close_deferred(&mut self) {
        for port in std::mem::take(&mut self.deferred_closes) {
            if let Some(slot) = self.ports.get_mut(&port) {
                slot.port.close();
            }
        }
    }

    /// Whether `a` and `b` are entangled in the same group.
    pub fn same_group(&self, a: PortId, b: PortId) -> bool {
        match (self.ports.get(&a), self.ports.get(&b)) {
            (Some(a), Some(b)) => a.port.same_group(&b.port),
            _ => false,
        }
    }

    /// Whether `port` keeps the loop alive while receiving.
    pub fn is_refed(&self, port: PortId) -> bool {
        self.ports.get(&port).is_some_and(|s| s.refed)
    }

    /// Whether `close()` was called on `port`, or it is not owned here.
    pub fn is_closed(&self, port: PortId) -> bool {
        self.ports.get(&port).is_none_or(|s| s.closing)
    }

    /// Moves `port` out of this loop, to travel in a message. `None` if not owned here or
    /// closed.
    pub fn transfer(&mut self, port: PortId) -> Option<TransferredPort> {
        let held = self.held.on_port(port);
        self.dispatch_held(held);
        match self.ports.get(&port) {
            Some(slot) if !slot.closing => {}
            _ => return None,
        }
        let slot = self.ports.remove(&port)?;
        Some(slot.port.transfer())
    }

    /// The messages still waiting on this loop's ports, by port, in delivery order (their
    /// tags): what the loop's end will drop undelivered.
    pub fn pending_messages(&self) -> Vec<(PortId, u64)> {
        self.ports
            .iter()
            .flat_map(|(id, slot)| slot.port.pending_tags().into_iter().map(|t| (*id, t)))
            .collect()
    }

    /// Whether anything keeps the loop alive: a ref'd timer, a ref'd receiving port, a
    /// running child, or a port whose close is pending.
    pub fn alive(&self) -> bool {
        self.close_callbacks > 0
            || self.timers.any_refed()
            || self.ports.values().any(|s| {
                (s.receiving && s.refed)
                        || (s.closing && s.port.has_pending())
                        // MUTANT pending_keeps_alive: queued messages keep the loop alive
                        // with no listener to take them (nodejs/node PR #37319).
                        || (cfg!(heddle_mutant = "pending_keeps_alive")
                            && s.refed
                            && s.port.has_pending())
            })
    }
}

/// The event loop of one worker thread.
pub struct EventLoop {
    state: Rc<RefCell<LoopState>>,
    gate: Arc<dyn Gate>,
    /// Told of the dispatches of the messages this loop held back.
    hook: Option<Arc<dyn PostHook>>,
}

impl EventLoop {
    /// A loop over `state`, asking `gate` before each task, for the time, and to park;
    /// `hook` hears of the dispatches of held messages.
    pub fn new(
        state: Rc<RefCell<LoopState>>,
        gate: Arc<dyn Gate>,
        hook: Option<Arc<dyn PostHook>>,
    ) -> Self {
        EventLoop { state, gate, hook }
    }

    /// A scheduling point of this loop; held messages whose delay it ends go. A delivery
    /// that runs no code (a lifecycle message or close marker nobody listens to) is the
    /// scheduler's bookkeeping, not a unit of the program: it does not count.
    fn point(&self, point: &Point) {
        self.gate.point(self.id(), point);
        if !matches!(
            point,
            Point::Deliver {
                user_code: false,
                ..
            }
        ) {
            self.state.borrow_mut().tick_held();
            self.report_released();
        }
    }

    /// Tells the hook what became of the held messages dispatched since it last heard.
    fn report_released(&self) {
        let released = self.state.borrow_mut().take_released();
        if let Some(hook) = &self.hook {
            for r in released {
                hook.dispatched(self.id(), r.port, r.tag, &r.outcome);
            }
        }
    }

    fn id(&self) -> WorkerId {
        self.state.borrow().id
    }

    fn must_stop(&self) -> bool {
        let st = self.state.borrow();
        st.exit.is_some() || st.control.is_terminated()
    }

    /// Runs `guest` until the worker exits or nothing keeps it alive.
    pub fn run(&self, guest: &mut dyn Guest) {
        let who = self.id();
        self.gate.point(who, &Point::Start);
        if self.must_stop() {
            return; // terminated before its first turn: it never began
        }
        self.state.borrow_mut().began = true;
        if guest.start() == Flow::Stop || self.must_stop() {
            return;
        }
        loop {
            if self.must_stop() {
                return;
            }
            #[cfg(heddle_mutant = "closed_port_sends")]
            self.state.borrow_mut().close_deferred();
            // Timers phase: every timer due now, in order.
            let now = self.gate.now_ms();
            loop {
                let due = self.state.borrow_mut().timers.pop_due(now);
                let Some(timer) = due else { break };
                self.point(&Point::Timer(timer));
                if guest.fire(timer) == Flow::Stop || self.must_stop() {
                    return;
                }
            }
            // Poll phase: the wake-ups queued when it began (a port that re-triggers itself
            // runs again next turn, after the timers).
            let wake = self.state.borrow().wake.clone();
            let queued = wake.len();
            for _ in 0..queued {
                let Some(reason) = wake.try_take() else { break };
                if self.handle(reason, guest) == Flow::Stop {
                    return;
                }
            }
            // Close phase.
            let closes = std::mem::take(&mut self.state.borrow_mut().close_callbacks);
            if closes > 0 && guest.close_phase() == Flow::Stop {
                return;
            }
            if queued > 0 || closes > 0 {
                continue;
            }
            // Held messages go before the loop parks or ends: a delay never loses one.
            let released = self.state.borrow_mut().release_all_held();
            if released {
                self.report_released();
                continue;
            }
            if !self.state.borrow().alive() {
                return;
            }
            let next = self.state.borrow().timers.next_due();
            if let Some(reason) = self.gate.park(who, &wake, next) {
                if self.handle(reason, guest) == Flow::Stop {
                    return;
                }
            }
        }
    }

    fn handle(&self, reason: WakeReason, guest: &mut dyn Guest) -> Flow {
        match reason {
            WakeReason::Port(port) => self.drain(port, guest),
            WakeReason::Interrupt => {
                if self.must_stop() {
                    Flow::Stop
                } else {
                    Flow::Continue
                }
            }
            WakeReason::Platform => {
                if guest.run_platform_tasks() == Flow::Stop || self.must_stop() {
                    Flow::Stop
                } else {
                    Flow::Continue
                }
            }
            WakeReason::WaitSettled { id, woken } => {
                self.point(&Point::Settle(id));
                if guest.settle_wait(id, woken) == Flow::Stop || self.must_stop() {
                    Flow::Stop
                } else {
                    Flow::Continue
                }
            }
        }
    }

    /// One wake-up of `port`: deliver up to the budget, or, if it is not receiving, only a
    /// close that is due.
    fn drain(&self, port: PortId, guest: &mut dyn Guest) -> Flow {
        let mut drain = {
            let mut st = self.state.borrow_mut();
            let budget = st.budget;
            let Some(slot) = st.ports.get_mut(&port) else {
                return Flow::Continue; // transferred or closed since the wake-up was queued
            };
            let drain = slot.port.begin_drain(budget);
            if !slot.receiving {
                // Node delivers nothing to a port that is not receiving, except its close:
                // its own close() closes it at once; a peer's close when it is next in line.
                let close_now = slot.closing || slot.port.next_is_close();
                if !close_now {
                    return Flow::Continue;
                }
                st.ports.remove(&port);
                drop(st);
                let user_code = guest.runs_user_code(port, &Entry::Close);
                let what = Delivery::Close;
                self.point(&Point::Deliver {
                    port,
                    what,
                    user_code,
                });
                return guest.deliver(port, Entry::Close);
            }
            drain
        };
        loop {
            let step = {
                let mut st = self.state.borrow_mut();
                match st.ports.get_mut(&port) {
                    Some(slot) if slot.receiving => drain.next(&mut slot.port),
                    _ => return Flow::Continue,
                }
            };
            let entry = match step {
                DrainStep::Entry(entry) => entry,
                DrainStep::Empty | DrainStep::Yielded => return Flow::Continue,
            };
            let what = Delivery::of(&entry);
            if what == Delivery::Close {
                self.state.borrow_mut().ports.remove(&port);
            }
            let user_code = guest.runs_user_code(port, &entry);
            self.point(&Point::Deliver {
                port,
                what,
                user_code,
            });
            if guest.deliver(port, entry) == Flow::Stop || self.must_stop() {
                return Flow::Stop;
            }
        }
    }
}
