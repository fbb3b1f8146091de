//! Fair spin loops (GenMC's *spin-assume*, CHESS's fair scheduling).
//!
//! A thread spinning on shared memory (`while (Atomics.load(f, 0) === 0);`, a CAS lock's
//! retry loop) repeats the same unit: the same `Atomics` operation at the same element,
//! reading the same values, writing nothing. Left to an exhaustive search, such a thread
//! is continued for ever in some branch while the thread it waits for never runs, and the
//! run ends on the step budget. So a thread whose unit repeats its previous one exactly,
//! with nothing written in between by anyone, is *spinning*: it is not a candidate while
//! another thread can run, until a unit of another thread touches what it reads. When only
//! spinners can run, time passes first (a timer may be what they wait for), and then they
//! run: a program whose every runnable thread spins for ever still ends on the step budget,
//! a livelock.
//!
//! The assumption is that a repeat is a stutter: running it once more changes nothing but
//! the thread's own loop counter. A program that reads the same element several times on
//! purpose, with no other shared access in between (a counted loop of loads), loses the
//! schedules where another thread writes between its later reads; `spin_assume: false`
//! under `explore:` turns the rule off (docs/SPEC.md).

use heddle_runtime::worker::Point;

use super::{Controller, State};
use crate::sched::footprint::{dependent, Access, Footprint, Unit};

/// A thread's previous unit, to tell a repeat.
#[derive(Debug, Clone)]
pub(super) struct LastUnit {
    footprint: Footprint,
    /// The point it ended at.
    at: Point,
    /// Its index in the run's units.
    index: usize,
}

impl Controller {
    /// The unit at `index` (of the thread holding the turn) has ended: the strategy learns
    /// it, spinners whose reads it touched can run again, and its thread spins if the unit
    /// repeated the previous one.
    pub(super) fn unit_ended(&self, st: &mut State, index: usize) {
        let Some(unit) = st.units.get(index).cloned() else {
            return;
        };
        st.strategy.unit_done(&unit);
        let wrote = std::mem::take(&mut st.unit_wrote);
        for t in st.threads.values_mut() {
            let touched = t.spin.as_ref().is_some_and(|f| {
                t.name != unit.thread
                    && dependent(
                        &unit,
                        &Unit {
                            thread: t.name.clone(),
                            footprint: f.clone(),
                            decision: None,
                            bookkeeping: false,
                            posted: false,
                        },
                    )
            });
            if touched {
                t.spin = None;
            }
        }
        if !st.spin_assume {
            return;
        }
        let Some(holder) = st.current else {
            return;
        };
        let repeat = {
            let Some(t) = st.threads.get(&holder) else {
                return;
            };
            let at = match &t.pending {
                Some(at @ Point::Atomics(_)) => at.clone(),
                _ => {
                    st.threads.get_mut(&holder).expect("checked").last_unit = None;
                    return;
                }
            };
            let pure = !wrote
                && unit.footprint.terminates.is_empty()
                && unit.footprint.accesses.iter().all(|a| match a {
                    Access::Mem { .. } | Access::AnyMem { write: false } => true,
                    Access::Clock { write: false } => true,
                    Access::Wake(own) => *own == t.name,
                    _ => false,
                });
            let same = t.last_unit.as_ref().is_some_and(|last| {
                last.footprint == unit.footprint
                    && last.at == at
                    && st.units[last.index + 1..index]
                        .iter()
                        .all(|u| u.thread == unit.thread || !dependent(u, &unit))
            });
            let last = LastUnit {
                footprint: unit.footprint.clone(),
                at,
                index,
            };
            (pure && same, last)
        };
        if repeat.0 {
            st.spins += 1;
        }
        let t = st.threads.get_mut(&holder).expect("checked");
        if repeat.0 {
            t.spin = Some(unit.footprint.clone());
        }
        t.last_unit = Some(repeat.1);
    }
}
