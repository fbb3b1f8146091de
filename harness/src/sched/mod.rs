//! The controlling scheduler: one thread at a time, chosen by a [`Strategy`].
//!
//! [`Controller`] is the runtime's [`Gate`] for one run. Every worker thread of the run asks
//! it for its turn at each scheduling point; exactly one thread holds the turn, and the
//! others are blocked in `point`, `park` or `atomics_wait`. When the holder reaches its next
//! point, parks, waits or exits, the controller picks the next thread among the runnable
//! ones: ready at a point, parked with a wake-up queued or a timer due, or waiting and
//! notified. With several candidates, that is a *decision*, made by the strategy and
//! recorded; the names chosen at the decisions are the run's schedule string.
//!
//! Time is virtual: when nothing is runnable but a timer or a wait timeout is pending, the
//! clock jumps to it. When nothing is runnable and nothing is pending, the run is over: done
//! (every thread exited), idle (threads wait for messages that cannot come, having finished
//! their steps — Node would hang) or deadlocked (a thread is blocked in a step or in
//! `Atomics.wait`). On idle, deadlock or an exhausted step budget the controller stops every
//! thread (`terminate`) and stops recording.

pub mod dfs;
pub mod fixed;
pub mod pct;
pub mod random;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use heddle_runtime::hook::{PostHook, PostVerdict};
use heddle_runtime::worker::{Gate, Point, WaitKey, WorkerControl};
use heddle_runtime::{Ledger, LogLine, LogStream, Message, PortId, Wake, WakeReason, WorkerId};

use crate::trace::{Event, EventKind, Trace};

/// One decision: several threads could run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The candidates, in canonical order: the thread that just yielded first (continuing
    /// it is not a preemption), then the others by id.
    pub candidates: Vec<WorkerId>,
    /// The index chosen.
    pub chosen: usize,
    /// Whether the thread that yielded could have gone on (choosing another preempts it).
    pub running_first: bool,
}

impl Decision {
    /// Whether the choice preempted a thread that could have continued.
    pub fn is_preemption(&self) -> bool {
        self.running_first && self.chosen != 0
    }
}

/// Why a strategy could not choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch(pub String);

/// Picks among runnable threads.
///
/// Call protocol: `choose` is called only with two or more candidates, in the canonical
/// order described at [`Decision::candidates`]; `names` gives each candidate's thread name.
pub trait Strategy: Send {
    /// The index of the candidate to run, for the `index`-th decision of the run.
    fn choose(
        &mut self,
        index: usize,
        candidates: &[WorkerId],
        names: &[&str],
        running_first: bool,
    ) -> Result<usize, Mismatch>;
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Every thread exited.
    Done,
    /// Nothing runnable; every blocked thread had finished its steps (Node would wait for
    /// ever here).
    Idle,
    /// Nothing runnable and a thread is blocked in a step or `Atomics.wait`.
    Deadlock(String),
    /// The step budget ran out (a livelock, or a budget too small).
    Budget(u64),
    /// A forced schedule did not fit the run.
    Mismatch(String),
    /// The virtual clock reached the spec's `max_time` (not a failure).
    TimeLimit(u64),
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            End::Done => write!(f, "done"),
            End::Idle => write!(f, "idle"),
            End::Deadlock(who) => write!(f, "deadlock: {who}"),
            End::Budget(n) => write!(f, "step budget of {n} exhausted (livelock?)"),
            End::Mismatch(why) => write!(f, "schedule mismatch: {why}"),
            End::TimeLimit(ms) => write!(f, "time limit ({ms} ms virtual)"),
        }
    }
}

enum TState {
    /// At a scheduling point (or not yet started), ready to go on.
    Ready,
    /// Holds the turn.
    Running,
    /// In its event loop with nothing to do.
    Parked { wake: Arc<Wake>, until: Option<u64> },
    /// In `Atomics.wait`.
    Waiting {
        key: WaitKey,
        until: Option<u64>,
        seq: u64,
        woken: bool,
    },
    /// Done.
    Exited,
}

struct Thread {
    name: String,
    state: TState,
    /// Scheduling points taken so far.
    step: u64,
    /// Called `point` at least once.
    started: bool,
    /// The point it is waiting at.
    pending: Option<Point>,
    /// Has declarative steps and has not finished them.
    in_steps: bool,
    /// The label of the last step it began.
    last_step: Option<String>,
    /// Terminated by its parent.
    interrupted: bool,
}

struct State {
    threads: BTreeMap<WorkerId, Thread>,
    controls: BTreeMap<WorkerId, Arc<WorkerControl>>,
    current: Option<WorkerId>,
    /// The thread that last yielded at a point (for preemption accounting).
    yielded: Option<WorkerId>,
    clock: u64,
    strategy: Box<dyn Strategy>,
    decisions: Vec<Decision>,
    events: Vec<Event>,
    steps: u64,
    max_steps: u64,
    end: Option<End>,
    wait_seq: u64,
    next_msg: u64,
    /// msg -> (sending port)
    posted: BTreeMap<u64, u64>,
    /// (sending port, receiving port) -> last msg delivered
    fifo: BTreeMap<(u64, u64), u64>,
    problems: Vec<String>,
    /// Threads woken by `Atomics.notify` whose wait has not returned yet.
    notified: std::collections::BTreeSet<WorkerId>,
    /// A thread that runs no user code (a generated main without steps): its units only
    /// handle lifecycle messages, so it commutes with everything and is scheduled only when
    /// nothing else can run (a sound reduction, see docs/ARCHITECTURE.md).
    supervisor: Option<WorkerId>,
    /// The virtual time limit.
    max_time: Option<u64>,
    /// Fault rules for posts.
    faults: crate::faults::Faults,
}

/// The controlling gate of one run.
pub struct Controller {
    st: Mutex<State>,
    turn: Condvar,
    seed: u64,
    /// Audits every posted message: posted = delivered + dropped once the run is torn down.
    pub ledger: Arc<Ledger>,
}

fn canonical(cands: &mut Vec<WorkerId>, yielded: Option<WorkerId>) -> bool {
    cands.sort();
    if let Some(y) = yielded {
        if let Some(i) = cands.iter().position(|c| *c == y) {
            let y = cands.remove(i);
            cands.insert(0, y);
            return true;
        }
    }
    false
}

impl Thread {
    /// A thread registered before its first point.
    fn new(name: String) -> Self {
        Thread {
            name,
            state: TState::Ready,
            step: 0,
            started: false,
            pending: None,
            in_steps: false,
            last_step: None,
            interrupted: false,
        }
    }
}

impl Controller {
    /// A controller whose first thread is main (id 0); `seed` seeds `Math.random`.
    pub fn new(strategy: Box<dyn Strategy>, max_steps: u64, seed: u64) -> Self {
        let mut threads = BTreeMap::new();
        threads.insert(WorkerId(0), Thread::new(crate::plan::MAIN.into()));
        Controller {
            st: Mutex::new(State {
                threads,
                controls: BTreeMap::new(),
                current: None,
                yielded: None,
                clock: 0,
                strategy,
                decisions: Vec::new(),
                events: Vec::new(),
                steps: 0,
                max_steps,
                end: None,
                wait_seq: 0,
                next_msg: 0,
                posted: BTreeMap::new(),
                fifo: BTreeMap::new(),
                problems: Vec::new(),
                notified: Default::default(),
                supervisor: None,
                max_time: None,
                faults: crate::faults::Faults::new(),
            }),
            turn: Condvar::new(),
            seed,
            ledger: Arc::new(Ledger::new()),
        }
    }

    /// Ends runs (normally) when the virtual clock would pass `ms`.
    pub fn limit_time(&self, ms: u64) {
        self.lock().max_time = Some(ms);
    }

    /// Injects `rule` into every post of the run (earlier rules win).
    pub fn add_fault(&self, rule: impl crate::faults::Fault + 'static) {
        self.lock().faults.add(rule);
    }

    /// Marks main as a supervisor (see `State::supervisor`).
    pub fn main_is_supervisor(&self) {
        self.lock().supervisor = Some(WorkerId(0));
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `who` holds the turn or the run was given up.
    fn wait_turn<'a>(&self, mut st: MutexGuard<'a, State>, who: WorkerId) -> MutexGuard<'a, State> {
        while st.current != Some(who) && st.end.is_none() {
            st = self.turn.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        if st.end.is_none() {
            if let Some(t) = st.threads.get_mut(&who) {
                t.state = TState::Running;
            }
        }
        st
    }

    fn runnable(st: &State, id: WorkerId) -> bool {
        match &st.threads[&id].state {
            TState::Ready => true,
            TState::Parked { wake, until } => {
                !wake.is_empty() || until.is_some_and(|u| u <= st.clock)
            }
            TState::Waiting { until, woken, .. } => {
                *woken || st.threads[&id].interrupted || until.is_some_and(|u| u <= st.clock)
            }
            TState::Running | TState::Exited => false,
        }
    }

    fn record(st: &mut State, who: WorkerId, kind: EventKind) {
        if st.end.is_some() {
            return;
        }
        let t = &st.threads[&who];
        st.events.push(Event {
            thread: t.name.clone(),
            step: t.step,
            kind,
        });
    }

    fn give_up(&self, st: &mut State, end: End) {
        if st.end.is_none() {
            st.end = Some(end);
        }
        for control in st.controls.values() {
            control.terminate();
        }
        self.turn.notify_all();
    }

    /// Hands the turn to the next thread (the caller gave it up).
    fn schedule(&self, st: &mut State) {
        if st.end.is_some() {
            return;
        }
        st.current = None;
        let mut cands: Vec<WorkerId> = loop {
            let c: Vec<WorkerId> = st
                .threads
                .keys()
                .copied()
                .filter(|id| Self::runnable(st, *id))
                .collect();
            if !c.is_empty() {
                break c;
            }
            let next_time = st
                .threads
                .values()
                .filter_map(|t| match &t.state {
                    TState::Parked { until, .. } | TState::Waiting { until, .. } => *until,
                    _ => None,
                })
                .filter(|u| *u > st.clock)
                .min();
            if let Some(t) = next_time {
                if st.max_time.is_some_and(|max| t > max) {
                    let max = st.max_time.unwrap_or(t);
                    self.give_up(st, End::TimeLimit(max));
                    return;
                }
                st.clock = t;
                st.events.push(Event {
                    thread: "clock".into(),
                    step: 0,
                    kind: EventKind::Time(t),
                });
                continue;
            }
            let live: Vec<&Thread> = st
                .threads
                .values()
                .filter(|t| !matches!(t.state, TState::Exited))
                .collect();
            if live.is_empty() {
                // A thread that ended inside a step (a `recv` whose message never came, say)
                // was stuck: the process ended around it, as Node's does with a pending promise.
                let stuck: Vec<String> = st
                    .threads
                    .values()
                    .filter(|t| t.in_steps)
                    .map(|t| {
                        let step = t.last_step.as_deref().unwrap_or("?");
                        format!(
                            "{} ended inside step {step} (nothing could finish it)",
                            t.name
                        )
                    })
                    .collect();
                st.end = Some(if stuck.is_empty() {
                    End::Done
                } else {
                    End::Deadlock(stuck.join("; "))
                });
                self.turn.notify_all();
                return;
            }
            let blocked: Vec<String> = live
                .iter()
                .filter_map(|t| match &t.state {
                    TState::Waiting { .. } => Some(format!("{} waits in Atomics.wait", t.name)),
                    TState::Parked { .. } if t.in_steps => Some(format!(
                        "{} is blocked in a step (waiting for a message)",
                        t.name
                    )),
                    _ => None,
                })
                .collect();
            let end = if blocked.is_empty() {
                End::Idle
            } else {
                End::Deadlock(blocked.join("; "))
            };
            self.give_up(st, end);
            return;
        };
        if cands.len() > 1 {
            // The supervisor's lifecycle bookkeeping (it was parked, a child's message woke
            // it) commutes with every other unit; its spawns do not (they enable threads).
            if let Some(sup) = st.supervisor {
                if matches!(
                    st.threads.get(&sup).map(|t| &t.state),
                    Some(TState::Parked { .. })
                ) {
                    cands.retain(|c| *c != sup);
                }
            }
        }
        let running_first = canonical(&mut cands, st.yielded);
        let chosen = if cands.len() == 1 {
            0
        } else {
            let names: Vec<&str> = cands.iter().map(|c| st.threads[c].name.as_str()).collect();
            let index = st.decisions.len();
            match st.strategy.choose(index, &cands, &names, running_first) {
                Ok(i) if i < cands.len() => i,
                Ok(i) => {
                    self.give_up(
                        st,
                        End::Mismatch(format!("strategy chose {i} of {}", cands.len())),
                    );
                    return;
                }
                Err(Mismatch(why)) => {
                    self.give_up(st, End::Mismatch(why));
                    return;
                }
            }
        };
        if cands.len() > 1 {
            st.decisions.push(Decision {
                candidates: cands.clone(),
                chosen,
                running_first,
            });
        }
        st.steps += 1;
        if st.steps > st.max_steps {
            let max = st.max_steps;
            self.give_up(st, End::Budget(max));
            return;
        }
        let who = cands[chosen];
        st.current = Some(who);
        st.yielded = None;
        let (first, pending) = {
            let t = st.threads.get_mut(&who).expect("a candidate exists");
            t.step += 1;
            (t.step == 1, t.pending.take())
        };
        if first {
            Self::record(st, who, EventKind::Start);
        } else if let Some(point) = pending {
            if let Some(kind) = self.event_of(st, who, &point) {
                Self::record(st, who, kind);
            }
        }
        self.turn.notify_all();
    }

    fn event_of(&self, st: &mut State, who: WorkerId, point: &Point) -> Option<EventKind> {
        Some(match point {
            Point::Start => EventKind::Start,
            Point::Deliver { port, tag } => {
                if *tag > 0 {
                    if let Some(&src) = st.posted.get(tag) {
                        let last = st.fifo.entry((src, port.0)).or_insert(0);
                        if *last > *tag {
                            let name = st.threads[&who].name.clone();
                            st.problems.push(format!(
                                "FIFO violation: {name} got msg#{tag} on port#{} after msg#{last} from port#{src}",
                                port.0
                            ));
                        }
                        *last = (*last).max(*tag);
                    }
                }
                EventKind::Deliver {
                    port: port.0,
                    msg: *tag,
                }
            }
            Point::Timer(t) => EventKind::Timer(t.0),
            Point::Atomics(op) => EventKind::Atomics((*op).to_string()),
            Point::Yield(Some(label)) => {
                if label.ends_with("#done") {
                    return None;
                }
                EventKind::Step(label.clone())
            }
            Point::Yield(None) => EventKind::Yield,
            Point::Spawn => EventKind::Spawn,
            Point::Post(_) => return None, // recorded by the post hook, with the message
            Point::Close(port) => EventKind::Close(port.0),
            Point::Terminate(target) => EventKind::Terminate(
                st.threads
                    .get(target)
                    .map(|t| t.name.clone())
                    .unwrap_or_else(|| target.to_string()),
            ),
        })
    }

    /// The trace, the decisions and the end, once the run is over.
    pub fn finish(&self) -> (Trace, Vec<Decision>, End, Vec<String>) {
        let st = self.lock();
        let end = st.end.clone().unwrap_or(End::Done);
        (
            Trace {
                events: st.events.clone(),
            },
            st.decisions.clone(),
            end,
            st.problems.clone(),
        )
    }

    /// Thread names by id.
    pub fn names(&self) -> BTreeMap<WorkerId, String> {
        self.lock()
            .threads
            .iter()
            .map(|(id, t)| (*id, t.name.clone()))
            .collect()
    }

    /// Records a console line (called on the printing thread, in its turn).
    pub fn log(&self, line: &LogLine) {
        let mut st = self.lock();
        if st.threads.contains_key(&line.worker) {
            let stream = match line.stream {
                LogStream::Stdout => "out",
                LogStream::Stderr => "err",
            };
            Self::record(
                &mut st,
                line.worker,
                EventKind::Log {
                    stream,
                    text: line.text.clone(),
                },
            );
        }
    }
}

/// Whether `at` lets another thread run. Delivering a close marker or a worker's lifecycle
/// message continues the unit: it is the runtime's bookkeeping of the thread's own handles,
/// not a step another thread can race with.
fn yields(at: &Point) -> bool {
    match at {
        Point::Deliver {
            tag: 0 | u64::MAX, ..
        } => false,
        // The end of a thread's steps is a marker, not a step.
        Point::Yield(Some(label)) => !label.ends_with("#done"),
        _ => true,
    }
}

impl Gate for Controller {
    fn point(&self, who: WorkerId, at: &Point) {
        let mut st = self.lock();
        if st.end.is_some() {
            return;
        }
        if let Point::Yield(Some(label)) = at {
            if let Some(t) = st.threads.get_mut(&who) {
                if label.ends_with("#0") || label.contains("#0 ") {
                    t.in_steps = true;
                }
                if !label.ends_with("#done") {
                    t.last_step = Some(label.clone());
                }
                if label.ends_with("#done") {
                    t.in_steps = false;
                }
            }
        }
        let holds_turn = st.current == Some(who);
        let Some(t) = st.threads.get_mut(&who) else {
            return;
        };
        if !t.started {
            // A thread's first point: it was registered (and maybe granted) already.
            t.started = true;
            if st.current.is_none() {
                self.schedule(&mut st);
            }
            let mut st = self.wait_turn(st, who);
            if let Some(t) = st.threads.get_mut(&who) {
                t.started = true;
            }
            return;
        }
        if holds_turn && !yields(at) {
            // Not a decision: the unit goes on. Record the step and continue (the marker at
            // the end of a thread's steps is not a step).
            if !matches!(at, Point::Yield(Some(label)) if label.ends_with("#done")) {
                t.step += 1;
            }
            if let Some(kind) = self.event_of(&mut st, who, at) {
                Self::record(&mut st, who, kind);
            }
            return;
        }
        let t = st.threads.get_mut(&who).expect("checked above");
        t.state = TState::Ready;
        t.pending = Some(at.clone());
        if st.current == Some(who) {
            st.yielded = Some(who);
            self.schedule(&mut st);
        }
        drop(self.wait_turn(st, who));
    }

    fn spawned(&self, _parent: WorkerId, child: WorkerId, name: &str) {
        let mut st = self.lock();
        let name = if name.is_empty() {
            format!("worker{}", child.0)
        } else {
            name.to_string()
        };
        st.threads.insert(child, Thread::new(name));
    }

    fn register(&self, who: WorkerId, control: &Arc<WorkerControl>) {
        let mut st = self.lock();
        st.controls.insert(who, control.clone());
        if st.end.is_some() {
            control.terminate();
        }
    }

    fn exited(&self, who: WorkerId) {
        let mut st = self.lock();
        if !st.threads.contains_key(&who) {
            return;
        }
        Self::record(&mut st, who, EventKind::Exit);
        st.threads.get_mut(&who).expect("checked").state = TState::Exited;
        if st.current == Some(who) {
            self.schedule(&mut st);
        }
    }

    fn park(&self, who: WorkerId, wake: &Arc<Wake>, until: Option<u64>) -> Option<WakeReason> {
        let mut st = self.lock();
        if st.end.is_some() {
            return Some(WakeReason::Interrupt);
        }
        if let Some(reason) = wake.try_take() {
            return Some(reason);
        }
        if until.is_some_and(|u| u <= st.clock) {
            return None;
        }
        if let Some(t) = st.threads.get_mut(&who) {
            t.state = TState::Parked {
                wake: wake.clone(),
                until,
            };
        }
        if st.current == Some(who) {
            self.schedule(&mut st);
        }
        let st = self.wait_turn(st, who);
        if st.end.is_some() {
            return Some(WakeReason::Interrupt);
        }
        wake.try_take()
    }

    fn now_ms(&self) -> u64 {
        self.lock().clock
    }

    fn interrupt(&self, target: WorkerId) {
        let mut st = self.lock();
        if let Some(t) = st.threads.get_mut(&target) {
            t.interrupted = true;
        }
    }

    fn serves_atomics(&self) -> bool {
        true
    }

    fn atomics_wait(&self, who: WorkerId, key: WaitKey, timeout_ms: Option<f64>) -> bool {
        let mut st = self.lock();
        if st.end.is_some() {
            return false;
        }
        st.wait_seq += 1;
        let seq = st.wait_seq;
        let until = timeout_ms.map(|t| st.clock + t.ceil() as u64);
        if let Some(t) = st.threads.get_mut(&who) {
            t.state = TState::Waiting {
                key,
                until,
                seq,
                woken: false,
            };
        }
        if st.current == Some(who) {
            self.schedule(&mut st);
        }
        let mut st = self.wait_turn(st, who);
        st.notified.remove(&who)
    }

    fn atomics_notify(&self, _who: WorkerId, key: WaitKey, count: u32) -> u32 {
        let mut st = self.lock();
        let mut waiters: Vec<(u64, WorkerId)> = st
            .threads
            .iter()
            .filter_map(|(id, t)| match &t.state {
                TState::Waiting {
                    key: k,
                    seq,
                    woken: false,
                    ..
                } if *k == key => Some((*seq, *id)),
                _ => None,
            })
            .collect();
        waiters.sort();
        let mut woken = 0;
        for (_, id) in waiters.into_iter().take(count as usize) {
            if let Some(TState::Waiting { woken: w, .. }) =
                st.threads.get_mut(&id).map(|t| &mut t.state)
            {
                *w = true;
                st.notified.insert(id);
                woken += 1;
            }
        }
        woken
    }

    fn random_seed(&self, who: WorkerId) -> Option<u64> {
        Some(self.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ who.0.wrapping_add(1))
    }
}

impl PostHook for Controller {
    fn on_post(&self, from: WorkerId, port: PortId, message: &mut Message) -> PostVerdict {
        let mut st = self.lock();
        st.next_msg += 1;
        let msg = st.next_msg;
        message.tag = msg;
        message.audit(&self.ledger);
        st.posted.insert(msg, port.0);
        if st.threads.contains_key(&from) {
            Self::record(
                &mut st,
                from,
                EventKind::Post {
                    port: port.0,
                    msg,
                    bytes: message.data.len(),
                    detach: message.transfers.len(),
                    share: message.shared.len(),
                    ports: message.ports.len(),
                },
            );
        }
        let verdict = match st.threads.get(&from).map(|t| t.name.clone()) {
            Some(name) if !st.faults.is_empty() => st.faults.judge(&name),
            _ => crate::faults::Verdict::Pass,
        };
        match verdict {
            crate::faults::Verdict::Pass => PostVerdict::Deliver,
            crate::faults::Verdict::Drop => {
                Self::record(&mut st, from, EventKind::Fault { what: "drop", msg });
                PostVerdict::Drop
            }
            crate::faults::Verdict::Duplicate => {
                Self::record(
                    &mut st,
                    from,
                    EventKind::Fault {
                        what: "duplicate",
                        msg,
                    },
                );
                PostVerdict::Duplicate
            }
        }
    }
}
