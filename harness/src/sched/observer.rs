//! [`Observer`]: what one run showed, as the controller saw it: the trace, the numbering of
//! posted messages, per-port FIFO order; and [`classify`], how a run that can go no further
//! ended.
//!
//! The observer only records. It never decides who runs; the controller calls it, under
//! its lock, in schedule order, so the trace of a schedule is the same on every replay.

use std::collections::BTreeMap;

use heddle_runtime::{Dispatch, PortId};

use super::{Blocker, End};
use crate::trace::{Event, EventKind, Trace};

/// What became of one posted message.
#[derive(Debug, Clone)]
struct MessageFate {
    /// The posting thread.
    from: String,
    /// The port it was posted through.
    port: PortId,
    /// Copies queued on receiving ports.
    queued: u32,
    /// Copies delivered (a point, or a synchronous receive).
    delivered: u32,
    /// The fault that acted on it, if any.
    fault: Option<&'static str>,
    /// Why the runtime discarded it at its post, if it did (Node's silent no-ops).
    discarded: Option<&'static str>,
}

/// A message still queued when its receiver's loop ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undelivered {
    /// Its number.
    pub msg: u64,
    /// The posting thread.
    pub from: String,
    /// The port it was posted through.
    pub from_port: PortId,
    /// The thread whose loop held it.
    pub to: String,
    /// The port it waited on.
    pub port: PortId,
}

/// How the messages of a run fared, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessageCounts {
    /// Messages posted (numbered).
    pub posted: u64,
    /// Copies delivered.
    pub delivered: u64,
    /// Messages a fault dropped.
    pub dropped_by_fault: u64,
    /// Messages the runtime discarded at their post (closed or transferred port, no peer).
    pub discarded: u64,
    /// Copies still queued when their receiver's loop ended (dropped by the teardown).
    pub undelivered: u64,
}

/// The record of one run.
#[derive(Debug, Default)]
pub struct Observer {
    /// The events, in order. Recording stops when the run ends (what threads do while
    /// they are being torn down is not part of the run).
    events: Vec<Event>,
    /// Whether the run is still being recorded.
    stopped: bool,
    /// The number of the last message posted (messages count from 1).
    next_msg: u64,
    /// Every numbered message's fate so far.
    messages: BTreeMap<u64, MessageFate>,
    /// Messages that the end of a thread's loop found still queued.
    undelivered: Vec<Undelivered>,
    /// (sending port, receiving port) -> the highest message number delivered so far.
    /// Invariant: a delivery with a lower number on the same pair is a FIFO violation.
    fifo: BTreeMap<(PortId, PortId), u64>,
    /// Runtime problems found while recording (FIFO violations).
    problems: Vec<String>,
    /// Events of the teardown, after the run's end (undelivered messages).
    tail: Vec<Event>,
}

impl Observer {
    /// An empty record.
    pub fn new() -> Self {
        Observer::default()
    }

    /// Records `kind` by `thread` at its step `step`, unless the run is over.
    pub fn record(&mut self, thread: &str, step: u64, kind: EventKind) {
        if !self.stopped {
            self.events.push(Event {
                thread: thread.to_string(),
                step,
                kind,
            });
        }
    }

    /// Stops recording: the run is over.
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Numbers a message `from` posted through `port`; returns its number.
    pub fn number_post(&mut self, from: &str, port: PortId) -> u64 {
        self.next_msg += 1;
        self.messages.insert(
            self.next_msg,
            MessageFate {
                from: from.to_string(),
                port,
                queued: 0,
                delivered: 0,
                fault: None,
                discarded: None,
            },
        );
        self.next_msg
    }

    /// A fault acted on message `msg`.
    pub fn faulted(&mut self, msg: u64, what: &'static str) {
        if let Some(m) = self.messages.get_mut(&msg) {
            m.fault = Some(what);
        }
    }

    /// A copy of message `msg` was dispatched with `outcome`; returns why it was discarded,
    /// if it was.
    pub fn dispatched(&mut self, msg: u64, outcome: &Dispatch) -> Option<&'static str> {
        let m = self.messages.get_mut(&msg)?;
        let why = match outcome {
            Dispatch::Delivered { recipients, .. } => {
                m.queued += *recipients as u32;
                return None;
            }
            Dispatch::NoRecipient => "its port's peer is closed",
            Dispatch::Detached => "its port is closed or was transferred",
            Dispatch::MultipleDestinations(_) => "it moves buffers or ports to several receivers",
        };
        m.discarded = Some(why);
        Some(why)
    }

    /// A copy of message `msg` was delivered to `thread` on `port` (FIFO checked).
    pub fn delivered(&mut self, thread: &str, port: PortId, msg: u64) {
        if let Some(m) = self.messages.get_mut(&msg) {
            m.delivered += 1;
        }
        self.check_fifo(thread, port, msg);
    }

    /// `thread`'s loop ended with message `msg` still queued on `port` (recorded in the
    /// trace even after the run's end: the teardown is when it shows).
    pub fn undelivered(&mut self, thread: &str, step: u64, port: PortId, msg: u64) {
        if let Some(m) = self.messages.get(&msg) {
            self.undelivered.push(Undelivered {
                msg,
                from: m.from.clone(),
                from_port: m.port,
                to: thread.to_string(),
                port,
            });
            self.tail.push(Event {
                thread: thread.to_string(),
                step,
                kind: EventKind::Undelivered { msg, port: port.0 },
            });
        }
    }

    /// The messages still queued when their receivers ended, in message order.
    pub fn undelivered_messages(&self) -> Vec<Undelivered> {
        let mut out = self.undelivered.clone();
        out.sort_by_key(|u| (u.msg, u.port));
        out
    }

    /// How the messages fared.
    pub fn message_counts(&self) -> MessageCounts {
        let mut c = MessageCounts {
            posted: self.messages.len() as u64,
            undelivered: self.undelivered.len() as u64,
            ..MessageCounts::default()
        };
        for m in self.messages.values() {
            c.delivered += u64::from(m.delivered);
            c.dropped_by_fault += u64::from(m.fault == Some("drop"));
            c.discarded += u64::from(m.discarded.is_some());
        }
        c
    }

    /// Checks the delivery of message `msg` to `thread` on `port` against FIFO order.
    /// A problem of the run that is not the program's (reported as the run's failure).
    pub fn problem(&mut self, text: String) {
        self.problems.push(text);
    }

    /// A message a fault held back (delay, reorder) is out of order by design: it is not
    /// checked, and later ones are checked against the others.
    fn check_fifo(&mut self, thread: &str, port: PortId, msg: u64) {
        let Some(src) = self
            .messages
            .get(&msg)
            .filter(|m| !matches!(m.fault, Some("delay" | "reorder")))
            .map(|m| m.port)
        else {
            return;
        };
        let last = self.fifo.entry((src, port)).or_insert(0);
        if *last > msg {
            self.problems.push(format!(
                "FIFO violation: {thread} got msg#{msg} on port#{} after msg#{last} from port#{}",
                port.0, src.0
            ));
        }
        *last = (*last).max(msg);
    }

    /// The trace and the problems found.
    pub fn finish(&self) -> (Trace, Vec<String>) {
        let mut tail = self.tail.clone();
        tail.sort_by_key(|e| match e.kind {
            EventKind::Undelivered { msg, port } => (msg, port),
            _ => (0, 0),
        });
        (
            Trace {
                events: self.events.iter().chain(&tail).cloned().collect(),
            },
            self.problems.clone(),
        )
    }
}

/// What a thread that can no longer run was doing, for [`classify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// It exited.
    Exited,
    /// Its loop is parked, waiting for a message or a timer that cannot come.
    Parked,
    /// It waits in `Atomics.wait`.
    Waiting,
}

/// One thread of a run that can go no further.
#[derive(Debug, Clone)]
pub struct Stalled<'a> {
    /// Its name.
    pub name: &'a str,
    /// What it was doing.
    pub state: Blocked,
    /// It had begun a declarative step and not finished its steps.
    pub in_steps: bool,
    /// The step it was in (index in its thread), if any.
    pub step: Option<u32>,
    /// It was stopped from outside (its parent's `terminate()`) or by its own uncaught
    /// error: a thread that ended so inside a step was not blocked in it.
    pub stopped: bool,
}

/// How a run ended when nothing can run and no timer is pending.
///
/// - every thread exited: *done*, unless one had ended inside a step (a `recv` whose
///   message never came, say: the process ended around it, as Node's does around a pending
///   promise), which is a deadlock;
/// - some thread waits in `Atomics.wait`, or is parked inside a step: *deadlock*;
/// - every live thread is parked with its steps finished: *idle* (Node would wait for ever).
pub fn classify(threads: &[Stalled<'_>]) -> End {
    if threads.iter().all(|t| t.state == Blocked::Exited) {
        let stuck: Vec<Blocker> = threads
            .iter()
            .filter(|t| t.in_steps && !t.stopped)
            .map(|t| Blocker::EndedInStep {
                thread: t.name.to_string(),
                step: t.step,
            })
            .collect();
        return if stuck.is_empty() {
            End::Done
        } else {
            End::Deadlock(stuck)
        };
    }
    let blocked: Vec<Blocker> = threads
        .iter()
        .filter_map(|t| match t.state {
            Blocked::Waiting => Some(Blocker::InWait {
                thread: t.name.to_string(),
            }),
            Blocked::Parked if t.in_steps => Some(Blocker::InStep {
                thread: t.name.to_string(),
                step: t.step,
            }),
            _ => None,
        })
        .collect();
    if blocked.is_empty() {
        End::Idle
    } else {
        End::Deadlock(blocked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, state: Blocked, in_steps: bool) -> Stalled<'_> {
        Stalled {
            name,
            state,
            in_steps,
            step: in_steps.then_some(1),
            stopped: false,
        }
    }

    #[test]
    fn ends_are_classified_by_what_the_stalled_threads_do() {
        assert_eq!(classify(&[t("main", Blocked::Exited, false)]), End::Done);
        let text = |e: End| e.to_string();
        assert_eq!(
            text(classify(&[t("a", Blocked::Exited, true)])),
            "deadlock: a ended inside step 1 (nothing could finish it)"
        );
        assert_eq!(
            classify(&[
                t("main", Blocked::Parked, false),
                t("a", Blocked::Exited, false)
            ]),
            End::Idle
        );
        assert_eq!(
            text(classify(&[
                t("main", Blocked::Parked, false),
                t("a", Blocked::Waiting, false)
            ])),
            "deadlock: a waits in Atomics.wait"
        );
        assert_eq!(
            text(classify(&[t("a", Blocked::Parked, true)])),
            "deadlock: a is blocked in step 1 (waiting for a message)"
        );
    }

    #[test]
    fn a_delivery_out_of_order_is_a_fifo_violation() {
        let mut o = Observer::new();
        let one = o.number_post("a", PortId(1));
        let two = o.number_post("a", PortId(1));
        o.delivered("b", PortId(2), two);
        o.delivered("b", PortId(2), one);
        let (_, problems) = o.finish();
        assert_eq!(
            problems,
            ["FIFO violation: b got msg#1 on port#2 after msg#2 from port#1"]
        );
    }
}
