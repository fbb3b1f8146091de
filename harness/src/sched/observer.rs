//! [`Observer`]: what one run showed, as the controller saw it: the trace, the numbering of
//! posted messages, per-port FIFO order; and [`classify`], how a run that can go no further
//! ended.
//!
//! The observer only records. It never decides who runs; the controller calls it, under
//! its lock, in schedule order, so the trace of a schedule is the same on every replay.

use std::collections::BTreeMap;

use heddle_runtime::PortId;

use super::{Blocker, End};
use crate::trace::{Event, EventKind, Trace};

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
    /// Message number -> the port it was posted through.
    posted: BTreeMap<u64, PortId>,
    /// (sending port, receiving port) -> the highest message number delivered so far.
    /// Invariant: a delivery with a lower number on the same pair is a FIFO violation.
    fifo: BTreeMap<(PortId, PortId), u64>,
    /// Runtime problems found while recording (FIFO violations).
    problems: Vec<String>,
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

    /// Numbers a message posted through `port`; returns its number.
    pub fn number_post(&mut self, port: PortId) -> u64 {
        self.next_msg += 1;
        self.posted.insert(self.next_msg, port);
        self.next_msg
    }

    /// Checks the delivery of message `msg` to `thread` on `port` against FIFO order.
    pub fn check_fifo(&mut self, thread: &str, port: PortId, msg: u64) {
        let Some(&src) = self.posted.get(&msg) else {
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
        (
            Trace {
                events: self.events.clone(),
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
            .filter(|t| t.in_steps)
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
        let one = o.number_post(PortId(1));
        let two = o.number_post(PortId(1));
        o.check_fifo("b", PortId(2), two);
        o.check_fifo("b", PortId(2), one);
        let (_, problems) = o.finish();
        assert_eq!(
            problems,
            ["FIFO violation: b got msg#1 on port#2 after msg#2 from port#1"]
        );
    }
}
