//! [`Controller`]: the runtime's [`Gate`] for one run.
//!
//! Exactly one thread holds the turn. A thread gives it up at a scheduling point (it stays
//! *ready*), when its loop parks (*parked*: runnable again once a wake-up reason is queued
//! on its `Wake` or its next timer is due), in `Atomics.wait` (*waiting*: runnable when
//! notified or timed out) or when it exits. The controller then picks the next thread
//! among the runnable ones; with several, the strategy decides and the decision is
//! recorded.
//!
//! Time is virtual: when nothing is runnable but a timer or a wait timeout is pending, the
//! clock jumps to it. When nothing is runnable and nothing is pending, the run is over (see
//! [`observer::classify`](super::observer::classify)). On idle, deadlock, an exhausted step
//! budget or a watchdog limit the controller stops every thread (`terminate`) and stops
//! recording.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use heddle_runtime::worker::{Delivery, Point, UncaughtError, WaitKey, WorkerControl};
use heddle_runtime::{Ledger, LogLine, LogStream, Wake, WakeReason, WorkerId};

mod gate;
mod spin;

use super::footprint::{Access, BufferNames, Footprint, Unit};
use super::observer::{self, Blocked, Observer, Stalled};
use super::watchdog::{self, WatchdogLimits, Watched};
use super::{Decision, End, Refusal, Strategy, StuckAt};
use crate::faults::Faults;
use crate::trace::{EventKind, Trace};

/// Declarative steps by thread name: each step's label kind (`post b`, `js`, …), in order.
pub type StepKinds = BTreeMap<String, Vec<String>>;

/// How to control one run.
pub struct ControllerConfig {
    /// Picks at every decision.
    pub strategy: Box<dyn Strategy>,
    /// Scheduling points a run may take before it counts as a livelock.
    pub max_steps: u64,
    /// Seeds each thread's `Math.random`.
    pub seed: u64,
    /// The run ends (normally) when the virtual clock would pass this many ms.
    pub max_time: Option<u64>,
    /// Main runs no user code (a generated main without steps): see `State::supervisor`.
    pub main_is_supervisor: bool,
    /// Whether a thread whose timer is not due yet is a candidate beside runnable ones
    /// (time as a choice); without it, the clock moves only when nothing else can run.
    pub time_choices: bool,
    /// Fault rules for posts, in order (earlier rules win).
    pub faults: Faults,
    /// The kinds of each thread's declarative steps, for the trace.
    pub steps: Arc<StepKinds>,
    /// Wall-clock limits.
    pub limits: WatchdogLimits,
    /// The program touches shared memory only through `Atomics` (`memory: atomics`): units
    /// read only what their operations name (else each unit of the program's code is taken
    /// to read all shared memory).
    pub memory_atomics: bool,
    /// A thread repeating its previous unit spins: it waits for another thread's write
    /// ([`spin`]).
    pub spin_assume: bool,
    /// Threads whose code the harness generated: until their first step they run only the
    /// harness's own code.
    pub generated: BTreeSet<String>,
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
    /// Held the turn at least once (`started` only says it reached the gate, which
    /// depends on timing).
    ran: bool,
    /// The point it is waiting at.
    pending: Option<Point>,
    /// Began a declarative step and has not reached the end of its steps.
    in_steps: bool,
    /// The declarative step it began last (its index).
    last_step: Option<u32>,
    /// Terminated by its parent.
    interrupted: bool,
    /// Reached its first declarative step (before that a generated thread runs only the
    /// harness's code).
    reached_steps: bool,
    /// The thread that spawned it (its lifecycle messages go to that one's loop).
    parent: Option<WorkerId>,
    /// Spinning on what this footprint reads: not a candidate while a thread that is not
    /// spinning can run, until another thread's unit touches it ([`spin`]).
    spin: Option<Footprint>,
    /// Its previous unit, to tell a repeat.
    last_unit: Option<spin::LastUnit>,
}

impl Thread {
    /// A thread registered before its first point.
    fn new(name: String) -> Self {
        Thread {
            name,
            state: TState::Ready,
            step: 0,
            started: false,
            ran: false,
            pending: None,
            in_steps: false,
            last_step: None,
            interrupted: false,
            reached_steps: false,
            parent: None,
            spin: None,
            last_unit: None,
        }
    }
}

struct State {
    threads: BTreeMap<WorkerId, Thread>,
    controls: BTreeMap<WorkerId, Arc<WorkerControl>>,
    /// The thread holding the turn.
    current: Option<WorkerId>,
    /// The thread that last yielded at a point (for preemption accounting).
    yielded: Option<WorkerId>,
    /// Virtual milliseconds. Invariant: never decreases.
    clock: u64,
    strategy: Box<dyn Strategy>,
    decisions: Vec<Decision>,
    /// Turns granted so far, against `max_steps`.
    steps: u64,
    max_steps: u64,
    /// Set once, when the run is over; nothing is scheduled or recorded after.
    end: Option<End>,
    wait_seq: u64,
    /// Threads woken by `Atomics.notify` whose wait has not returned yet.
    notified: BTreeSet<WorkerId>,
    /// A thread that runs no user code (a generated main without steps): its units only
    /// handle lifecycle messages, so it commutes with everything and is scheduled only when
    /// nothing else can run (a sound reduction, see docs/ARCHITECTURE.md).
    supervisor: Option<WorkerId>,
    max_time: Option<u64>,
    /// See [`ControllerConfig::time_choices`].
    time_choices: bool,
    faults: Faults,
    /// Messages a fault holds back (delay, reorder) that their poster has not dispatched.
    held: BTreeSet<u64>,
    /// The spec channel each named port is an end of, by port number.
    port_names: BTreeMap<u64, String>,
    /// Messages that move ports (their delivery attaches them), by number.
    port_carriers: BTreeSet<u64>,
    steps_kinds: Arc<StepKinds>,
    obs: Observer,
    /// When the current turn (or the last point of the turn holder) began: the watchdog's
    /// measure of a unit.
    turn_since: Instant,
    /// When the run began.
    started: Instant,
    limits: WatchdogLimits,
    /// What each thread still running was doing when the run ended (set with `end`).
    unfinished: BTreeMap<String, &'static str>,
    /// The uncaught error that ended each thread that had one.
    errors: BTreeMap<String, UncaughtError>,
    /// The run's units so far, in order (see [`crate::sched::footprint`]).
    units: Vec<Unit>,
    /// The unit the turn holder is running (an index into `units`).
    current_unit: Option<usize>,
    /// Shared buffers, numbered by first sight.
    buffers: BufferNames,
    /// The clock moved since the last grant: the next unit made it move.
    clock_moved: bool,
    /// Posted messages and the unit that posted each (their queues are known only once
    /// they are delivered, or found undelivered).
    posts: Vec<(u64, usize)>,
    /// Message number -> the ports it was delivered on (or left waiting on).
    destinations: BTreeMap<u64, BTreeSet<u64>>,
    /// Port -> the thread that delivered from it (or whose loop held it at its end).
    owners: BTreeMap<u64, String>,
    /// The current unit began with a woken loop and has done nothing yet.
    unit_fresh: bool,
    /// The current unit wrote shared memory (its bytes changed).
    unit_wrote: bool,
    /// Times a thread was taken to be spinning.
    spins: u64,
    memory_atomics: bool,
    spin_assume: bool,
    generated: BTreeSet<String>,
    /// Pending `Atomics.waitAsync` waiters, by id. Invariant: each is settled (removed,
    /// and `WaitSettled` queued on its wake) exactly once, by a notify or when the clock
    /// reaches `until`.
    async_waits: BTreeMap<u64, AsyncWaiter>,
}

/// One pending `Atomics.waitAsync`.
pub(super) struct AsyncWaiter {
    pub(super) who: WorkerId,
    pub(super) key: WaitKey,
    /// Its place in the wait table's FIFO (shared with synchronous waits).
    pub(super) seq: u64,
    pub(super) until: Option<u64>,
    pub(super) wake: Arc<Wake>,
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

/// How a granted unit begins.
pub(super) enum Resume<'a> {
    /// The thread's first turn.
    Start,
    /// At the point it yielded at.
    At(&'a Point),
    /// Its loop was parked and has a wake-up or a due timer.
    Unparked,
    /// Back from `Atomics.wait` on this element.
    Waited(WaitKey),
}

/// Whether `at` lets another thread run. Delivering a close marker or a worker's lifecycle
/// message that runs no listener of the program's continues the unit: it is the runtime's
/// bookkeeping of the thread's own handles, not a step another thread can race with; one
/// that runs the program's `'exit'` or `'close'` listener yields first, like any other
/// user code. The end of a thread's steps is a marker.
fn yields(at: &Point) -> bool {
    match at {
        // A message always yields; a lifecycle message or close marker only when it runs
        // the program's own listeners (otherwise it is bookkeeping of the thread's handles).
        Point::Deliver {
            what, user_code, ..
        } => matches!(what, Delivery::Message(_)) || *user_code,
        Point::StepsEnd => false,
        _ => true,
    }
}

impl Controller {
    /// A controller for one run whose first thread is main (id 0), watched by the watchdog.
    pub fn new(config: ControllerConfig) -> Arc<Self> {
        let mut threads = BTreeMap::new();
        threads.insert(WorkerId(0), Thread::new(crate::plan::MAIN.into()));
        let now = Instant::now();
        let controller = Arc::new(Controller {
            st: Mutex::new(State {
                threads,
                controls: BTreeMap::new(),
                current: None,
                yielded: None,
                clock: 0,
                strategy: config.strategy,
                decisions: Vec::new(),
                steps: 0,
                max_steps: config.max_steps,
                end: None,
                wait_seq: 0,
                notified: BTreeSet::new(),
                supervisor: config.main_is_supervisor.then_some(WorkerId(0)),
                max_time: config.max_time,
                time_choices: config.time_choices,
                faults: config.faults,
                held: BTreeSet::new(),
                port_names: BTreeMap::new(),
                port_carriers: BTreeSet::new(),
                steps_kinds: config.steps,
                obs: Observer::new(),
                turn_since: now,
                started: now,
                limits: config.limits,
                unfinished: BTreeMap::new(),
                errors: BTreeMap::new(),
                async_waits: BTreeMap::new(),
                units: Vec::new(),
                current_unit: None,
                buffers: BufferNames::default(),
                clock_moved: false,
                posts: Vec::new(),
                destinations: BTreeMap::new(),
                owners: BTreeMap::new(),

                unit_fresh: false,
                memory_atomics: config.memory_atomics,
                spin_assume: config.spin_assume,
                unit_wrote: false,
                spins: 0,
                generated: config.generated,
            }),
            turn: Condvar::new(),
            seed: config.seed,
            ledger: Arc::new(Ledger::new()),
        });
        let weak = Arc::downgrade(&controller);
        watchdog::watch(weak);
        controller
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
        let t = &st.threads[&id];
        match &t.state {
            TState::Ready => true,
            TState::Parked { wake, until } => {
                !wake.is_empty() || until.is_some_and(|u| u <= st.clock)
            }
            TState::Waiting { until, woken, .. } => {
                *woken || t.interrupted || until.is_some_and(|u| u <= st.clock)
            }
            TState::Running | TState::Exited => false,
        }
    }

    fn record(st: &mut State, who: WorkerId, kind: EventKind) {
        if st.end.is_some() {
            return;
        }
        if let Some(t) = st.threads.get(&who) {
            st.obs.record(&t.name, t.step, kind);
        }
    }

    /// Ends the run with `end` (the first end set stays).
    fn set_end(st: &mut State, end: End) {
        if st.end.is_some() {
            return;
        }
        st.end = Some(end);
        st.obs.stop();
        st.unfinished = st
            .threads
            .values()
            .filter(|t| !matches!(t.state, TState::Exited))
            .map(|t| {
                let what = match t.state {
                    TState::Parked { .. } => "idle: its loop waits for messages or timers",
                    TState::Waiting { .. } => "blocked in Atomics.wait",
                    _ if !t.ran => "never started",
                    TState::Running => "running (stopped when the run ended)",
                    _ => "ready to run (stopped when the run ended)",
                };
                (t.name.clone(), what)
            })
            .collect();
    }

    fn give_up(&self, st: &mut State, end: End) {
        Self::set_end(st, end);
        for control in st.controls.values() {
            control.terminate();
        }
        self.turn.notify_all();
    }

    /// Moves the clock to `t` (later than now) and settles the asynchronous waits whose
    /// time came.
    fn set_clock(st: &mut State, t: u64) {
        debug_assert!(t >= st.clock, "the virtual clock never goes back");
        st.clock = t;
        st.clock_moved = true;
        st.obs.record("clock", 0, EventKind::Time(t));
        // Terminate faults whose time came: as a parent's `terminate()`, wherever the
        // worker is (blocked in `Atomics.wait` included).
        let threads = &st.threads;
        let struck = st.faults.terminations_due(t, |name| {
            threads
                .values()
                .any(|th| th.name == name && th.ran && !matches!(th.state, TState::Exited))
        });
        for name in struck {
            let Some(id) = st
                .threads
                .iter()
                .find(|(_, th)| th.name == name)
                .map(|(id, _)| *id)
            else {
                continue;
            };
            st.obs.record("clock", 0, EventKind::TimedTerminate(name));
            if let Some(th) = st.threads.get_mut(&id) {
                th.interrupted = true;
            }
            if let Some(control) = st.controls.get(&id) {
                control.terminate();
            }
        }
        let due: Vec<u64> = st
            .async_waits
            .iter()
            .filter(|(_, w)| w.until.is_some_and(|u| u <= t))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            if let Some(w) = st.async_waits.remove(&id) {
                w.wake.notify(WakeReason::WaitSettled { id, woken: false });
            }
        }
    }

    /// Threads that could run once the clock moves to their next timer or wait timeout
    /// (not due yet, within `max_time`), with that time: soonest first, then by id.
    fn timed(st: &State) -> Vec<(u64, WorkerId)> {
        let mut out: Vec<(u64, WorkerId)> = st
            .threads
            .iter()
            .filter(|(id, _)| Some(**id) != st.supervisor)
            .filter_map(|(id, t)| {
                let until = match &t.state {
                    TState::Parked { wake, until } if wake.is_empty() => {
                        // Its next timer, or the deadline of one of its asynchronous waits.
                        let asynchronous = st
                            .async_waits
                            .values()
                            .filter(|w| w.who == *id)
                            .filter_map(|w| w.until);
                        until.iter().copied().chain(asynchronous).min()
                    }
                    TState::Waiting {
                        until,
                        woken: false,
                        ..
                    } if !t.interrupted => *until,
                    _ => None,
                }?;
                (until > st.clock && st.max_time.is_none_or(|max| until <= max))
                    .then_some((until, *id))
            })
            .collect();
        out.sort();
        out
    }

    /// The next moment a timer, a wait's timeout or an asynchronous wait's deadline is
    /// due, if one is pending.
    fn next_time(st: &State) -> Option<u64> {
        let threads = st.threads.values().filter_map(|t| match &t.state {
            TState::Parked { until, .. } | TState::Waiting { until, .. } => *until,
            _ => None,
        });
        let asynchronous = st.async_waits.values().filter_map(|w| w.until);
        // A terminate fault's time is a moment too: the clock moves there to strike.
        let strikes = st.faults.pending_terminations().filter_map(|(at, who)| {
            let running = st
                .threads
                .values()
                .any(|t| t.name == who && t.ran && !matches!(t.state, TState::Exited));
            running.then_some(at)
        });
        threads
            .chain(asynchronous)
            .chain(strikes)
            .filter(|u| *u > st.clock)
            .min()
    }

    /// The thread that must run next when nothing is runnable, after moving the clock to
    /// the next pending timer or timeout; `None` when the run is over (the end is set).
    fn advance_or_end(&self, st: &mut State) -> bool {
        if let Some(t) = Self::next_time(st) {
            if let Some(max) = st.max_time.filter(|max| t > *max) {
                self.give_up(st, End::TimeLimit(max));
                return false;
            }
            Self::set_clock(st, t);
            return true;
        }
        self.end_now(st, None);
        false
    }

    /// Ends the run as the threads' states say (done, idle, deadlock); with `only`, as that
    /// thread's state alone says (main's exit ends the process, whatever the others do).
    fn end_now(&self, st: &mut State, only: Option<WorkerId>) {
        let stalled: Vec<Stalled<'_>> = st
            .threads
            .iter()
            .filter(|(id, _)| only.is_none_or(|o| o == **id))
            .map(|(_, t)| Stalled {
                name: &t.name,
                state: match t.state {
                    TState::Exited => Blocked::Exited,
                    TState::Waiting { .. } => Blocked::Waiting,
                    _ => Blocked::Parked,
                },
                in_steps: t.in_steps,
                step: t.last_step,
                stopped: t.interrupted || st.errors.contains_key(&t.name),
            })
            .collect();
        let end = observer::classify(&stalled);
        if end == End::Done {
            Self::set_end(st, End::Done);
            self.turn.notify_all();
        } else {
            self.give_up(st, end);
        }
    }

    /// Hands the turn to the next thread (the caller gave it up).
    fn schedule(&self, st: &mut State) {
        if st.end.is_some() {
            return;
        }
        // The unit that just ended is final (but for its posts' queues).
        if let Some(index) = st.current_unit.take() {
            self.unit_ended(st, index);
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
                // Spinners wait while another thread can run, or time can pass.
                let fair: Vec<WorkerId> = c
                    .iter()
                    .copied()
                    .filter(|id| st.threads[id].spin.is_none())
                    .collect();
                if !fair.is_empty() {
                    break fair;
                }
                let due = Self::next_time(st).filter(|t| st.max_time.is_none_or(|max| *t <= max));
                if let Some(t) = due {
                    Self::set_clock(st, t);
                    continue;
                }
                break c;
            }
            if !self.advance_or_end(st) {
                return;
            }
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
        // Time is a choice too: a thread whose next timer (or wait timeout) is not due yet
        // may still be the next to run, the clock jumping to it, while others could run
        // (in Node, real time passes during every unit). These *timed* candidates come
        // after the runnable ones, soonest first, so that the default choice is unchanged.
        let timed = if st.time_choices {
            Self::timed(st)
        } else {
            Vec::new()
        };
        let first_timed = cands.len();
        cands.extend(timed.iter().map(|(_, id)| *id));
        let chosen = if cands.len() == 1 {
            0
        } else {
            let names: Vec<&str> = cands.iter().map(|c| st.threads[c].name.as_str()).collect();
            let index = st.decisions.len();
            match st.strategy.choose(index, &cands, &names, running_first) {
                Ok(i) if i < cands.len() => i,
                Ok(i) => {
                    let why = format!("strategy chose {i} of {}", cands.len());
                    self.give_up(st, End::Mismatch(why));
                    return;
                }
                Err(Refusal::Mismatch(why)) => {
                    self.give_up(st, End::Mismatch(why));
                    return;
                }
                Err(Refusal::Asleep) => {
                    self.give_up(st, End::Redundant);
                    return;
                }
            }
        };
        if cands.len() > 1 {
            st.decisions.push(Decision {
                candidates: cands.clone(),
                chosen,
                running_first,
                first_timed,
            });
        }
        if chosen >= first_timed {
            // The clock jumps to the chosen thread's timer (monotone: it is in the future).
            let (until, _) = timed[chosen - first_timed];
            Self::set_clock(st, until);
        }
        st.steps += 1;
        if st.steps > st.max_steps {
            let max = st.max_steps;
            self.give_up(st, End::Budget(max));
            return;
        }
        let who = cands[chosen];
        st.current = Some(who);
        st.turn_since = Instant::now();
        st.yielded = None;
        let (first, pending, waited) = {
            let t = st.threads.get_mut(&who).expect("a candidate exists");
            t.step += 1;
            let waited = match &t.state {
                TState::Waiting { key, .. } => Some(Resume::Waited(*key)),
                TState::Parked { .. } => Some(Resume::Unparked),
                _ => None,
            };
            (t.step == 1, t.pending.take(), waited)
        };
        let decision = (cands.len() > 1).then(|| st.decisions.len() - 1);
        let resume = match (&pending, waited) {
            _ if first => Resume::Start,
            (Some(point), _) => Resume::At(point),
            (None, Some(w)) => w,
            (None, None) => Resume::Unparked,
        };
        self.begin_unit(st, who, decision, resume);
        if first {
            Self::record(st, who, EventKind::Start);
        } else if let Some(point) = pending {
            if let Some(kind) = Self::event_of(st, who, &point) {
                Self::record(st, who, kind);
            }
        }
        self.turn.notify_all();
    }

    /// Starts `who`'s next unit (chosen at `decision`), which begins as `resume` says.
    fn begin_unit(
        &self,
        st: &mut State,
        who: WorkerId,
        decision: Option<usize>,
        resume: Resume<'_>,
    ) {
        let Some(t) = st.threads.get(&who) else {
            return;
        };
        let name = t.name.clone();
        // Until its first step a generated thread runs only the harness's code; the
        // supervisor never runs the program's.
        let bookkeeping = st.supervisor == Some(who);
        let harness_only = !Self::may_run_user_code(st, who);
        let mut footprint = Footprint::default();
        // A loop just woken runs no JavaScript before its next point (see `Gate::point`:
        // that point continues this unit).
        let unparked = matches!(resume, Resume::Unparked);
        if !harness_only && !unparked {
            if !st.memory_atomics {
                footprint.add(Access::AnyMem { write: false });
            }
            // The program's code can start a port (a listener added) or take a port
            // transferred to it, which queues a wake-up on its own loop: its place among
            // the other threads' posts to this loop orders what the loop delivers.
            if cfg!(not(heddle_mutant = "user_code_no_wake")) {
                footprint.add(Access::Wake(name.clone()));
            }
        }
        if std::mem::take(&mut st.clock_moved) {
            footprint.add(Access::Clock { write: true });
        }
        st.units.push(Unit {
            thread: name.clone(),
            footprint,
            decision,
            bookkeeping,
            posted: false,
        });
        st.current_unit = Some(st.units.len() - 1);
        st.unit_fresh = unparked;
        match resume {
            Resume::Start => {
                if let Some(t) = st.threads.get_mut(&who) {
                    t.ran = true;
                }
                // Its start (its online message to its parent's loop), and its existence.
                self.touch(st, Access::Thread(name.clone()));
                self.touch_lifecycle_post(st, who);
            }
            Resume::At(point) => self.touch_point(st, point),
            Resume::Waited(key) => {
                // Back from `Atomics.wait`: woken by a notify, or by the clock.
                let buffer = st.buffers.of(key.buffer, &name);
                self.touch(
                    st,
                    Access::Wait {
                        buffer,
                        offset: key.offset as u64,
                    },
                );
                self.touch(st, Access::Clock { write: false });
            }
            Resume::Unparked => {}
        }
    }

    /// Whether `who`'s units may run the program's own code (not before a generated
    /// thread's first step, never the supervisor's).
    fn may_run_user_code(st: &State, who: WorkerId) -> bool {
        match st.threads.get(&who) {
            Some(t) => {
                st.supervisor != Some(who) && (t.reached_steps || !st.generated.contains(&t.name))
            }
            None => false,
        }
    }

    /// The current unit posts `who`'s lifecycle message (online or exit) to its parent.
    fn touch_lifecycle_post(&self, st: &mut State, who: WorkerId) {
        let Some(t) = st.threads.get(&who) else {
            return;
        };
        let name = t.name.clone();
        // The message joins the parent's wake-up queue, whose order decides what the
        // parent's loop delivers next, listened to or not (the supervisor's units touch
        // nothing, so where its tasks fall changes nothing). A close marker joins the same
        // queue, and a close writes the topology.
        let parent = t
            .parent
            .filter(|p| st.supervisor != Some(*p))
            .and_then(|p| st.threads.get(&p))
            .map(|p| p.name.clone());
        self.touch(st, Access::Lifecycle(name));
        #[cfg(heddle_mutant = "lifecycle_no_wake")]
        let parent: Option<String> = parent.filter(|_| false);
        if let Some(parent) = parent {
            self.touch(st, Access::Wake(parent));
            self.touch(st, Access::Topology { write: false });
        }
    }

    /// The name of the buffer at `address`, seen by the thread holding the turn.
    fn buffer_name(st: &mut State, address: usize) -> u32 {
        let me = st
            .current
            .and_then(|c| st.threads.get(&c))
            .map(|t| t.name.clone())
            .unwrap_or_default();
        st.buffers.of(address, &me)
    }

    /// The current unit takes a task from the loop of the thread holding the turn.
    fn touch_own_wake(&self, st: &mut State) {
        let me = st
            .current
            .and_then(|c| st.threads.get(&c))
            .map(|t| t.name.clone());
        if let Some(me) = me {
            self.touch(st, Access::Wake(me));
        }
    }

    /// Adds `access` to the current unit (not to the supervisor's units, which commute
    /// with everything by construction).
    fn touch(&self, st: &mut State, access: Access) {
        let supervisor = st.supervisor.is_some() && st.current == st.supervisor;
        if let Some(u) = st.current_unit.and_then(|i| st.units.get_mut(i)) {
            if !supervisor {
                u.footprint.add(access);
            }
        }
    }

    /// Adds what taking the point `at` touches to the current unit.
    fn touch_point(&self, st: &mut State, at: &Point) {
        match at {
            Point::Start => {}
            Point::Deliver {
                port,
                what,
                user_code,
            } => {
                // `Wake(me)` stands for pushing onto this loop's wake-up queue. A delivery
                // takes its head, which a push by another thread (onto the tail of a queue
                // that is not empty) never changes: taking alone commutes with pushes. But
                // a message's delivery may push (a port it carries is attached, a drained
                // port re-triggered) and the program's listeners may start ports: those
                // push. A lifecycle message or close marker no listener hears does neither.
                if matches!(what, Delivery::Message(_)) || *user_code {
                    self.touch_own_wake(st);
                }
                if let Some(me) = st.current.and_then(|c| st.threads.get(&c)) {
                    st.owners.insert(port.0, me.name.clone());
                }
                match what {
                    Delivery::Message(tag) => {
                        self.touch(st, Access::Queue(port.0));
                        // Attaching the ports it carries changes who posts through their
                        // peers reach: a write of what a `to:` rule reads.
                        if st.faults.reads_receivers() && st.port_carriers.contains(tag) {
                            self.touch(st, Access::Topology { write: true });
                        }
                    }
                    Delivery::Lifecycle { from, .. } => {
                        let name = st
                            .threads
                            .get(from)
                            .map(|t| t.name.clone())
                            .unwrap_or_default();
                        self.touch(st, Access::Lifecycle(name));
                    }
                    Delivery::Close => {
                        self.touch(st, Access::Queue(port.0));
                        self.touch(st, Access::Topology { write: false });
                    }
                }
            }
            Point::Timer(_) => {
                self.touch_own_wake(st);
                self.touch(st, Access::Clock { write: false });
            }
            Point::Settle(_) => {
                self.touch_own_wake(st);
                self.touch(st, Access::AsyncWait);
                self.touch(st, Access::Clock { write: false });
            }
            Point::Atomics(access) => {
                let Some(at) = access.at else { return };
                let buffer = Self::buffer_name(st, at.buffer);
                let start = at.offset as u64;
                let end = start + access.len as u64;
                let (read, write, wait) = match access.op {
                    "load" => (true, false, false),
                    "store" => (false, true, false),
                    "wait" | "waitAsync" => (true, false, true),
                    "notify" => (false, false, true),
                    // A read-modify-write reads; its write is what it changed, which the
                    // memory watch reports at the unit's end. One that changed nothing (a
                    // failed compareExchange, an add of 0) is a read of the element, and
                    // commutes with other reads of it (as in GenMC and Nidhugg).
                    _ => (true, false, false),
                };
                if read || write {
                    self.touch(
                        st,
                        Access::Mem {
                            buffer,
                            start,
                            end,
                            write,
                        },
                    );
                }
                if wait {
                    self.touch(
                        st,
                        Access::Wait {
                            buffer,
                            offset: start,
                        },
                    );
                }
                if access.op == "notify" || access.op == "waitAsync" {
                    self.touch(st, Access::AsyncWait);
                }
            }
            Point::Spawn => self.touch(st, Access::Spawn),
            Point::Post(_) => self.touch(st, Access::Topology { write: false }),
            Point::Close(port) => {
                self.touch(st, Access::Queue(port.0));
                self.touch(st, Access::Topology { write: true });
            }
            Point::Terminate(target) => {
                if let Some(name) = st.threads.get(target).map(|t| t.name.clone()) {
                    if let Some(u) = st.current_unit.and_then(|i| st.units.get_mut(i)) {
                        u.footprint.terminates.push(name);
                    }
                }
            }
            Point::Step(_) | Point::StepsEnd | Point::Yield(_) => {}
        }
    }

    /// The event `who` taking the point `at` shows in the trace (FIFO checked here).
    fn event_of(st: &mut State, who: WorkerId, at: &Point) -> Option<EventKind> {
        Some(match at {
            Point::Start => EventKind::Start,
            Point::Deliver { port, what, .. } => {
                if let Delivery::Message(msg) = what {
                    let name = st.threads[&who].name.clone();
                    st.obs.delivered(&name, *port, *msg);
                    st.destinations.entry(*msg).or_default().insert(port.0);
                }
                EventKind::Deliver {
                    port: port.0,
                    what: (*what).into(),
                }
            }
            Point::Timer(t) => EventKind::Timer(t.0),
            Point::Settle(id) => EventKind::Settle(*id),
            Point::Atomics(access) => EventKind::Atomics(access.op.to_string()),
            Point::Step(index) => {
                let name = &st.threads[&who].name;
                let kind = st
                    .steps_kinds
                    .get(name)
                    .and_then(|k| k.get(*index as usize))
                    .cloned()
                    .unwrap_or_default();
                EventKind::Step {
                    index: *index,
                    kind,
                }
            }
            Point::StepsEnd => return None,
            Point::Yield(label) => EventKind::Yield(label.clone()),
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

    /// The run's units, with each post's queues filled in from where its message went.
    pub fn units(&self) -> Vec<Unit> {
        let st = self.lock();
        let mut units = st.units.clone();
        for (msg, unit) in &st.posts {
            for port in st.destinations.get(msg).into_iter().flatten() {
                if let Some(u) = units.get_mut(*unit).filter(|u| !u.bookkeeping) {
                    u.posted = false;
                    u.footprint.add(Access::Queue(*port));
                    // It woke the loop that owns the port.
                    if let Some(owner) = st.owners.get(port) {
                        u.footprint.add(Access::Wake(owner.clone()));
                    }
                }
            }
        }
        units
    }

    /// Times a thread was taken to be spinning ([`spin`]).
    pub fn spins(&self) -> u64 {
        self.lock().spins
    }

    /// The uncaught error that ended each thread that had one, by name.
    pub fn errors(&self) -> BTreeMap<String, UncaughtError> {
        self.lock().errors.clone()
    }

    /// The messages still queued when their receivers ended.
    pub fn undelivered(&self) -> Vec<super::observer::Undelivered> {
        self.lock().obs.undelivered_messages()
    }

    /// How the run's messages fared.
    pub fn message_counts(&self) -> super::observer::MessageCounts {
        self.lock().obs.message_counts()
    }

    /// The trace, the decisions and the end, once the run is over.
    pub fn finish(&self) -> (Trace, Vec<Decision>, End, Vec<String>) {
        let st = self.lock();
        let end = st.end.clone().unwrap_or(End::Done);
        let (trace, problems) = st.obs.finish();
        (trace, st.decisions.clone(), end, problems)
    }

    /// Threads that were inside a declarative step when the run ended (they exited in it,
    /// or were stopped in it), with the step.
    pub fn in_steps(&self) -> BTreeMap<String, u32> {
        self.lock()
            .threads
            .values()
            .filter(|t| t.in_steps)
            .filter_map(|t| t.last_step.map(|s| (t.name.clone(), s)))
            .collect()
    }

    /// Threads that had not exited when the run ended, with what they were doing.
    pub fn unfinished(&self) -> BTreeMap<String, &'static str> {
        self.lock().unfinished.clone()
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
        if st.current == Some(line.worker) {
            self.touch(&mut st, Access::Log);
        }
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

impl Watched for Controller {
    fn check(&self, now: Instant) -> bool {
        let mut st = self.lock();
        if st.end.is_some() {
            return false;
        }
        let run = st.limits.run;
        if now.saturating_duration_since(st.started) > run {
            self.give_up(&mut st, End::WallClock(run));
            return false;
        }
        let unit = st.limits.unit;
        if let Some(who) = st.current {
            if now.saturating_duration_since(st.turn_since) > unit {
                let t = &st.threads[&who];
                let at = StuckAt {
                    thread: t.name.clone(),
                    step: t.last_step.filter(|_| t.in_steps),
                    limit: unit,
                };
                self.give_up(&mut st, End::Stuck(at));
                return false;
            }
        }
        true
    }
}
