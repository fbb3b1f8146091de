//! [`Controller`] as the runtime sees it: the [`Gate`] every scheduling point, park and
//! `Atomics.wait` goes through, and the [`PostHook`] that numbers and judges each post.

use std::sync::Arc;
use std::time::Instant;

use heddle_runtime::hook::{BeforePost, PostHook, PostVerdict, Release};
use heddle_runtime::worker::{Gate, Point, UncaughtError, WaitKey, WorkerControl};
use heddle_runtime::{Dispatch, Message, PortId, Wake, WakeReason, WorkerId};

use super::{yields, AsyncWaiter, Controller, TState, Thread};
use crate::faults::{PostAt, Verdict};
use crate::sched::footprint::Access;
use crate::sched::End;
use crate::trace::EventKind;
use heddle_runtime::memory::MemWrite;

impl Gate for Controller {
    fn point(&self, who: WorkerId, at: &Point) {
        let mut st = self.lock();
        if st.end.is_some() {
            return;
        }
        let holds_turn = st.current == Some(who);
        if holds_turn {
            st.turn_since = Instant::now();
        }
        let Some(t) = st.threads.get_mut(&who) else {
            return;
        };
        match at {
            Point::Step(index) => {
                t.in_steps = true;
                t.reached_steps = true;
                t.last_step = Some(*index);
            }
            Point::StepsEnd => t.in_steps = false,
            _ => {}
        }
        if !t.started {
            // A thread's first point: it was registered (and maybe granted) already.
            t.started = true;
            if st.current.is_none() {
                self.schedule(&mut st);
            }
            drop(self.wait_turn(st, who));
            return;
        }
        // A loop just woken that reaches a point before doing anything: that point is the
        // first action of the unit the wake-up began, not a second decision.
        let fresh = holds_turn && std::mem::take(&mut st.unit_fresh);
        if fresh && yields(at) {
            let t = st.threads.get_mut(&who).expect("checked above");
            t.step += 1;
            if !st.memory_atomics && Self::may_run_user_code(&st, who) {
                self.touch(&mut st, Access::AnyMem { write: false });
            }
            self.touch_point(&mut st, at);
            if let Some(kind) = Self::event_of(&mut st, who, at) {
                Self::record(&mut st, who, kind);
            }
            return;
        }
        let Some(t) = st.threads.get_mut(&who) else {
            return;
        };
        if holds_turn && !yields(at) {
            // Not a decision: the thread goes on. Record the step and continue (the end of a
            // thread's steps is a marker, not a step).
            if !matches!(at, Point::StepsEnd) {
                t.step += 1;
            }
            if let Point::Deliver { .. } = at {
                // A delivery of the runtime's own (a lifecycle message or close marker no
                // listener of the program's hears) is a unit of its own, forced: its place
                // among the thread's tasks then never moves the program's units around.
                if !fresh {
                    if let Some(index) = st.current_unit {
                        self.unit_ended(&mut st, index);
                    }
                    self.begin_unit(&mut st, who, None, super::Resume::Unparked);
                    st.unit_fresh = false;
                }
                if let Some(u) = st.current_unit.and_then(|i| st.units.get_mut(i)) {
                    u.bookkeeping = true;
                }
            }
            self.touch_point(&mut st, at);
            if let Some(kind) = Self::event_of(&mut st, who, at) {
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

    fn port_named(&self, _who: WorkerId, port: PortId, name: &str) {
        self.lock().port_names.insert(port.0, name.to_string());
    }

    fn spawned(&self, parent: WorkerId, child: WorkerId, name: &str) {
        let mut st = self.lock();
        let holder = st.current == Some(parent);
        // Names appear in schedule strings, which `.` and `*` structure: keep them out.
        let name = if name.trim().is_empty() {
            format!("worker{}", child.0)
        } else {
            name.chars()
                .map(|c| {
                    if c == '.' || c == '*' || c.is_whitespace() || c.is_control() {
                        '_'
                    } else {
                        c
                    }
                })
                .collect()
        };
        if holder {
            self.touch(&mut st, Access::Thread(name.clone()));
        }
        let mut thread = Thread::new(name);
        thread.parent = Some(parent);
        st.threads.insert(child, thread);
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
        if st.current == Some(who) {
            // Its exit message to its parent.
            self.touch_lifecycle_post(&mut st, who);
        }
        st.threads.get_mut(&who).expect("checked").state = TState::Exited;
        if who == WorkerId(0) {
            // Main's exit is the process's (`process.exit()`, or nothing left to keep it
            // alive): no other thread runs after it, as in Node. Handing the turn on would
            // let a worker that happened to reach its first point in time run on, and the
            // same schedule would replay differently.
            self.end_now(&mut st, Some(who));
            return;
        }
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
        let mut st = self.lock();
        if st.current.is_some() && st.end.is_none() {
            self.touch(&mut st, Access::Clock { write: false });
        }
        st.clock
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

    fn holds_turn(&self, who: WorkerId) -> bool {
        let st = self.lock();
        st.current == Some(who) && st.end.is_none()
    }

    fn atomics_wait(&self, who: WorkerId, key: WaitKey, timeout_ms: Option<f64>) -> bool {
        let mut st = self.lock();
        if st.end.is_some() {
            return false;
        }
        st.wait_seq += 1;
        let seq = st.wait_seq;
        // A timeout too large for the clock never comes (NaN and negatives are 0).
        let until = timeout_ms.and_then(|t| {
            let t = t.max(0.0).ceil();
            (t < u64::MAX as f64).then(|| st.clock.saturating_add(t as u64))
        });
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

    fn atomics_wait_async(
        &self,
        who: WorkerId,
        key: WaitKey,
        timeout_ms: Option<f64>,
        wake: &Arc<Wake>,
    ) -> Option<u64> {
        let mut st = self.lock();
        if st.end.is_some() {
            return None;
        }
        st.wait_seq += 1;
        let seq = st.wait_seq;
        let until = timeout_ms.and_then(|t| {
            let t = t.max(0.0).ceil();
            (t < u64::MAX as f64).then(|| st.clock.saturating_add(t as u64))
        });
        st.async_waits.insert(
            seq,
            AsyncWaiter {
                who,
                key,
                seq,
                until,
                wake: wake.clone(),
            },
        );
        Some(seq)
    }

    fn atomics_notify(&self, _who: WorkerId, key: WaitKey, count: u32) -> u32 {
        enum Waiter {
            Sync(WorkerId),
            Async(u64),
        }
        let mut st = self.lock();
        // Synchronous and asynchronous waiters on `key`, oldest first (one FIFO, as V8's).
        let mut waiters: Vec<(u64, Waiter)> = st
            .threads
            .iter()
            .filter_map(|(id, t)| match &t.state {
                TState::Waiting {
                    key: k,
                    seq,
                    woken: false,
                    ..
                } if *k == key => Some((*seq, Waiter::Sync(*id))),
                _ => None,
            })
            .chain(
                st.async_waits
                    .values()
                    .filter(|w| w.key == key)
                    .map(|w| (w.seq, Waiter::Async(w.seq))),
            )
            .collect();
        waiters.sort_by_key(|(seq, _)| *seq);
        let mut woken = 0;
        for (_, waiter) in waiters.into_iter().take(count as usize) {
            match waiter {
                Waiter::Sync(id) => {
                    if let Some(TState::Waiting { woken: w, .. }) =
                        st.threads.get_mut(&id).map(|t| &mut t.state)
                    {
                        *w = true;
                        st.notified.insert(id);
                        woken += 1;
                    }
                }
                Waiter::Async(id) => {
                    if let Some(w) = st.async_waits.remove(&id) {
                        w.wake.notify(WakeReason::WaitSettled { id, woken: true });
                        woken += 1;
                    }
                }
            }
        }
        woken
    }

    fn random_seed(&self, who: WorkerId) -> Option<u64> {
        Some(self.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ who.0.wrapping_add(1))
    }

    fn shared_memory(&self, who: WorkerId, region: usize) {
        let mut st = self.lock();
        if st.current != Some(who) || st.end.is_some() {
            return;
        }
        if let Some(name) = st.threads.get(&who).map(|t| t.name.clone()) {
            st.buffers.shared(region, &name);
        }
    }

    fn unit_writes(&self, who: WorkerId, writes: &[MemWrite]) {
        let mut st = self.lock();
        if st.current != Some(who) || st.end.is_some() {
            return;
        }
        if !writes.is_empty() {
            st.unit_wrote = true;
        }
        for w in writes {
            let buffer = Self::buffer_name(&mut st, w.buffer);
            let start = w.offset as u64;
            let end = if w.len == usize::MAX {
                u64::MAX
            } else {
                start + w.len as u64
            };
            self.touch(
                &mut st,
                Access::Mem {
                    buffer,
                    start,
                    end,
                    write: true,
                },
            );
        }
    }

    fn uncaught(&self, who: WorkerId, error: &UncaughtError) {
        let mut st = self.lock();
        if st.end.is_some() {
            return; // torn down, not failed
        }
        if let Some(name) = st.threads.get(&who).map(|t| t.name.clone()) {
            st.errors.entry(name).or_insert_with(|| error.clone());
        }
    }

    fn received(&self, who: WorkerId, port: PortId, tag: u64) {
        let mut st = self.lock();
        if st.end.is_some() {
            return;
        }
        if let Some(name) = st.threads.get(&who).map(|t| t.name.clone()) {
            st.obs.delivered(&name, port, tag);
            st.destinations.entry(tag).or_default().insert(port.0);
            st.owners.insert(port.0, name.clone());
            if st.current == Some(who) {
                self.touch(&mut st, Access::Queue(port.0));
            }
            Self::record(
                &mut st,
                who,
                EventKind::Receive {
                    port: port.0,
                    msg: tag,
                },
            );
        }
    }

    fn undelivered(&self, who: WorkerId, port: PortId, tag: u64) {
        let mut st = self.lock();
        if let Some((name, step)) = st.threads.get(&who).map(|t| (t.name.clone(), t.step)) {
            st.obs.undelivered(&name, step, port, tag);
            st.destinations.entry(tag).or_default().insert(port.0);
            st.owners.entry(port.0).or_insert_with(|| name.clone());
        }
    }

    fn shutdown(&self) {
        let mut st = self.lock();
        // The process ended (main exited, or the runtime gave up): what ran is the run.
        Self::set_end(&mut st, End::Done);
        self.turn.notify_all();
    }
}

impl Controller {
    /// The virtual time, as fault rules see it: a read of the clock when a rule reads it.
    fn fault_clock(&self, st: &mut super::State) -> u64 {
        if st.faults.reads_clock() && st.current.is_some() && st.end.is_none() {
            self.touch(st, Access::Clock { write: false });
        }
        st.clock
    }

    /// The declarative step `who` is in, if it is in one.
    fn fault_step(st: &super::State, who: WorkerId) -> Option<u32> {
        st.threads
            .get(&who)
            .and_then(|t| t.last_step.filter(|_| t.in_steps))
    }

    /// The names of a post's receivers, as fault rules see them: a read of the topology
    /// when a rule reads them (another thread's transfer of the peer port changes them).
    fn fault_receivers(&self, st: &mut super::State, to: &[WorkerId]) -> Vec<String> {
        if !st.faults.reads_receivers() {
            return Vec::new();
        }
        if st.current.is_some() && st.end.is_none() {
            self.touch(st, Access::Topology { write: false });
        }
        to.iter()
            .filter_map(|id| st.threads.get(id).map(|t| t.name.clone()))
            .collect()
    }
}

impl PostHook for Controller {
    fn on_post(
        &self,
        from: WorkerId,
        port: PortId,
        to: &[WorkerId],
        message: &mut Message,
    ) -> PostVerdict {
        let mut st = self.lock();
        let from_name = st
            .threads
            .get(&from)
            .map(|t| t.name.clone())
            .unwrap_or_default();
        let msg = st.obs.number_post(&from_name, port);
        if st.current == Some(from) {
            if let Some(unit) = st.current_unit {
                st.posts.push((msg, unit));
            }
            if !message.ports.is_empty() {
                self.touch(&mut st, Access::Topology { write: true });
            }
        }
        if !message.ports.is_empty() {
            st.port_carriers.insert(msg);
        }
        message.tag = msg;
        message.audit(&self.ledger);
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
            Some(name) if !st.faults.is_empty() => {
                let now_ms = self.fault_clock(&mut st);
                let to = self.fault_receivers(&mut st, to);
                let step = Self::fault_step(&st, from);
                let channel = st.port_names.get(&port.0).cloned();
                st.faults.judge(&PostAt {
                    from: &name,
                    to: &to,
                    step,
                    port: channel.as_deref(),
                    now_ms,
                    seed: self.seed,
                })
            }
            _ => Verdict::Pass,
        };
        let out = match verdict {
            Verdict::Pass => return PostVerdict::Deliver,
            Verdict::CloneFailure => {
                // Decided before serialization (`before_post`); a rule that picks the post
                // only now (user code ran while it was serialized: a getter that posted or
                // waited) is too late to fail it. Never silently: the run reports it.
                st.obs.problem(format!(
                    "a clone_failure fault picked msg#{msg} of {from_name} only after it was serialized (code ran during its serialization and changed what the rule sees), so it was delivered instead"
                ));
                return PostVerdict::Deliver;
            }
            Verdict::Drop => PostVerdict::Drop,
            Verdict::Duplicate => PostVerdict::Duplicate,
            Verdict::LoseWakeup => PostVerdict::LoseWakeup,
            Verdict::Delay(points) => PostVerdict::Hold(Release::AfterPoints(points)),
            Verdict::Reorder => PostVerdict::Hold(Release::AfterNextPost),
        };
        let what = verdict.name();
        st.obs.faulted(msg, what);
        if matches!(verdict, Verdict::Delay(_) | Verdict::Reorder) {
            st.held.insert(msg);
        }
        Self::record(&mut st, from, EventKind::Fault { what, msg });
        out
    }

    fn before_post(&self, from: WorkerId, port: PortId, to: &[WorkerId]) -> BeforePost {
        let mut st = self.lock();
        let Some(name) = st.threads.get(&from).map(|t| t.name.clone()) else {
            return BeforePost::Go;
        };
        if st.faults.is_empty() {
            return BeforePost::Go;
        }
        let now_ms = self.fault_clock(&mut st);
        let to = self.fault_receivers(&mut st, to);
        let channel = st.port_names.get(&port.0).cloned();
        let at = PostAt {
            from: &name,
            to: &to,
            step: Self::fault_step(&st, from),
            port: channel.as_deref(),
            now_ms,
            seed: self.seed,
        };
        if st.faults.peek(&at) != Verdict::CloneFailure {
            return BeforePost::Go;
        }
        let verdict = st.faults.judge(&at);
        debug_assert_eq!(verdict, Verdict::CloneFailure);
        Self::record(&mut st, from, EventKind::CloneFailure);
        BeforePost::CloneFailure
    }

    fn dispatched(&self, from: WorkerId, _port: PortId, tag: u64, outcome: &Dispatch) {
        let mut st = self.lock();
        if st.held.remove(&tag) && st.threads.contains_key(&from) {
            Self::record(&mut st, from, EventKind::Released { msg: tag });
        }
        if let Dispatch::Delivered { to, .. } = outcome {
            // The queues are known now: the unit that posted conflicts with them at once.
            for port in to {
                st.destinations.entry(tag).or_default().insert(port.0);
                if st.current == Some(from) {
                    self.touch(&mut st, Access::Queue(port.0));
                    let owner = st.owners.get(&port.0).cloned();
                    match owner {
                        Some(owner) => self.touch(&mut st, Access::Wake(owner)),
                        None => {
                            // Whose loop it wakes is learnt at its delivery.
                            if let Some(u) = st.current_unit.and_then(|i| st.units.get_mut(i)) {
                                u.posted = true;
                            }
                        }
                    }
                }
            }
        }
        if let Some(why) = st.obs.dispatched(tag, outcome) {
            Self::record(&mut st, from, EventKind::Discard { msg: tag, why });
        }
    }
}
