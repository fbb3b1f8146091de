//! [`Trace`]: the deterministic event list of one run, and its text rendering.
//!
//! Events carry the thread's name and the thread's own step number (its count of
//! scheduling points so far), never OS thread ids, addresses or wall-clock times.

use std::fmt;

use serde::Serialize;

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum EventKind {
    /// The thread started its script.
    Start,
    /// A declarative step began.
    Step {
        /// Its index in the thread's steps.
        index: u32,
        /// What it does (`js`, `post b`, `recv parent`, …).
        kind: String,
    },
    /// `heddle.yield()` from JavaScript, with the label it was given, if any.
    Yield(Option<String>),
    /// A child worker was spawned (named once its first turn comes).
    Spawn,
    /// A message left through a port.
    Post {
        /// The sending port.
        port: u64,
        /// The message's number in this run.
        msg: u64,
        /// Serialized size.
        bytes: usize,
        /// ArrayBuffers moved (detached on the sender).
        detach: usize,
        /// SharedArrayBuffers shared.
        share: usize,
        /// Ports moved.
        ports: usize,
    },
    /// A message, a lifecycle message or a close marker was delivered on a port.
    Deliver {
        /// The receiving port.
        port: u64,
        /// What.
        what: Delivered,
    },
    /// A message was taken synchronously (`receiveMessageOnPort`, or the parent's drain of
    /// an exited worker's port).
    Receive {
        /// The port.
        port: u64,
        /// The message's number.
        msg: u64,
    },
    /// The runtime discarded a message at its post (as Node does, silently).
    Discard {
        /// The message's number.
        msg: u64,
        /// Why.
        why: &'static str,
    },
    /// A message was still queued when its receiver's loop ended: never delivered.
    Undelivered {
        /// The message's number.
        msg: u64,
        /// The port it waited on.
        port: u64,
    },
    /// A timer fired.
    Timer(u64),
    /// An `Atomics.waitAsync` settled (its promise's callbacks run).
    Settle(u64),
    /// An `Atomics` operation.
    Atomics(String),
    /// `port.close()`.
    Close(u64),
    /// `worker.terminate()` on a thread.
    Terminate(String),
    /// The virtual clock jumped to the next due timer or timeout.
    Time(u64),
    /// A console line (`out` or `err`).
    Log {
        /// `out` or `err`.
        stream: &'static str,
        /// The text.
        text: String,
    },
    /// The thread made its last step.
    Exit,
    /// A fault acted on a message (`drop`, `duplicate`, `lose_wakeup`, `delay`, `reorder`).
    Fault {
        /// The fault's kind.
        what: &'static str,
        /// The message's number.
        msg: u64,
    },
    /// A message a fault held back (delay, reorder) was dispatched by its poster.
    Released {
        /// The message's number.
        msg: u64,
    },
    /// A terminate fault struck this worker when the clock reached its time.
    TimedTerminate(String),
    /// A clone-failure fault failed a post with a `DataCloneError` (nothing was sent, so
    /// the message has no number).
    CloneFailure,
}

/// What a delivery delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivered {
    /// The message with this number.
    Message(u64),
    /// A worker's lifecycle message (`online`, `error`, `exit`).
    Lifecycle,
    /// The port's close marker.
    Close,
}

impl From<heddle_runtime::worker::Delivery> for Delivered {
    fn from(d: heddle_runtime::worker::Delivery) -> Self {
        use heddle_runtime::worker::Delivery;
        match d {
            Delivery::Message(m) => Delivered::Message(m),
            Delivery::Lifecycle { .. } => Delivered::Lifecycle,
            Delivery::Close => Delivered::Close,
        }
    }
}

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// The thread's name.
    pub thread: String,
    /// The thread's step number when it happened.
    pub step: u64,
    /// What happened.
    pub kind: EventKind,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{} ", self.thread, self.step)?;
        match &self.kind {
            EventKind::Start => write!(f, "start"),
            EventKind::Step { index, kind } => write!(f, "step {index} {kind}"),
            EventKind::Yield(None) => write!(f, "yield"),
            EventKind::Yield(Some(label)) => write!(f, "yield {label:?}"),
            EventKind::Spawn => write!(f, "spawn"),
            EventKind::Post {
                port,
                msg,
                bytes,
                detach,
                share,
                ports,
            } => {
                write!(f, "post port#{port} msg#{msg} ({bytes} bytes")?;
                if *detach > 0 {
                    write!(f, ", detach {detach}")?;
                }
                if *share > 0 {
                    write!(f, ", share {share}")?;
                }
                if *ports > 0 {
                    write!(f, ", ports {ports}")?;
                }
                write!(f, ")")
            }
            EventKind::Deliver { port, what } => match what {
                Delivered::Message(msg) => write!(f, "deliver port#{port} msg#{msg}"),
                Delivered::Lifecycle => write!(f, "deliver port#{port} lifecycle"),
                Delivered::Close => write!(f, "deliver port#{port} close"),
            },
            EventKind::Receive { port, msg } => write!(f, "receive port#{port} msg#{msg}"),
            EventKind::Discard { msg, why } => write!(f, "discard msg#{msg} ({why})"),
            EventKind::Undelivered { msg, port } => write!(
                f,
                "undelivered msg#{msg} on port#{port} (still queued when the thread ended)"
            ),
            EventKind::Timer(id) => write!(f, "timer #{id}"),
            EventKind::Settle(id) => write!(f, "settle waitAsync #{id}"),
            EventKind::Atomics(op) => write!(f, "atomics {op}"),
            EventKind::Close(port) => write!(f, "close port#{port}"),
            EventKind::Terminate(who) => write!(f, "terminate {who}"),
            EventKind::Time(ms) => write!(f, "time {ms}ms"),
            EventKind::Log { stream, text } => write!(f, "log {stream} {text:?}"),
            EventKind::Exit => write!(f, "exit"),
            EventKind::Fault { what, msg } => write!(f, "fault {what} msg#{msg}"),
            EventKind::Released { msg } => write!(f, "release msg#{msg}"),
            EventKind::CloneFailure => write!(f, "fault clone_failure (DataCloneError)"),
            EventKind::TimedTerminate(who) => write!(f, "fault terminate {who}"),
        }
    }
}

/// The events of one run, in the order they happened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// The events.
    pub events: Vec<Event>,
}

impl Trace {
    /// One line per event.
    pub fn lines(&self) -> Vec<String> {
        self.events.iter().map(ToString::to_string).collect()
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.events {
            writeln!(f, "{e}")?;
        }
        Ok(())
    }
}
