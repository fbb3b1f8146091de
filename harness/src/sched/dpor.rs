//! Source-set dynamic partial-order reduction (Abdulla, Aronis, Jonsson, Sagonas, JACM 2017,
//! "Source Sets: A Foundation for Optimal Dynamic Partial Order Reduction", Algorithm 1).
//!
//! After each run, [`races`] finds the pairs of dependent units of different threads whose
//! order the run fixed with nothing in between forcing it (a *race*), and for each asks the
//! exploration to try, at the decision before the first unit, a thread that can start the
//! reversed order: an *initial* of `v = notdep(e).e'` (the units after `e` that do not
//! happen after it, then `e'`). If the decision already tried or plans one of them, nothing
//! is added; that is what makes the backtrack sets *source sets*, far smaller than trying
//! every thread (plain DFS). Every behaviour, a class of runs equal up to swapping adjacent
//! independent units (a Mazurkiewicz trace), is still explored at least once.
//!
//! [`class_key`] names a run's class, so that an exploration can count its distinct
//! behaviours exactly, however many runs it took and in whatever order they ran.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::footprint::{dependent, Access, Footprint, Unit};

/// Runs longer than this are not analysed (the exploration tries every alternative of
/// such a run instead, which is sound, only slower).
pub const MAX_UNITS: usize = 4000;

/// A request from one race: at the run's decision `decision`, try one of `threads` (the
/// reversed race's initials that could run there), unless it tried or plans one already.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backtrack {
    /// The decision (index into the run's decisions).
    pub decision: usize,
    /// Candidates that start the reversed order, in the order they appear in it.
    pub threads: Vec<String>,
}

/// `n` bits.
#[derive(Clone)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Self {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn get(&self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 == 1
    }
    fn union(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
}

/// The happens-before relation of a run: for each unit, its direct predecessors (the units
/// before it it depends on, its thread's previous unit included) and every unit before it.
struct HappensBefore {
    preds: Vec<Vec<usize>>,
    reach: Vec<Bits>,
}

fn happens_before(units: &[Unit]) -> HappensBefore {
    let n = units.len();
    let mut preds = vec![Vec::new(); n];
    let mut reach: Vec<Bits> = Vec::with_capacity(n);
    let mut last_of: BTreeMap<&str, usize> = BTreeMap::new();
    for j in 0..n {
        let mut r = Bits::new(n);
        let same = last_of.get(units[j].thread.as_str()).copied();
        for i in 0..j {
            let direct = Some(i) == same
                || (units[i].thread != units[j].thread && dependent(&units[i], &units[j]));
            if direct {
                preds[j].push(i);
                r.set(i);
                let ri = reach[i].clone();
                r.union(&ri);
            }
        }
        reach.push(r);
        last_of.insert(units[j].thread.as_str(), j);
    }
    HappensBefore { preds, reach }
}

/// For each unit, the first of its *group*: a unit that no decision chose and that follows
/// its thread's previous unit directly (a forced unit, such as a delivery of the runtime's
/// own) cannot be separated from it, so the two are one step for the reduction.
fn group_heads(units: &[Unit]) -> Vec<usize> {
    let mut head: Vec<usize> = Vec::with_capacity(units.len());
    for (i, u) in units.iter().enumerate() {
        let glued = i > 0
            && u.decision.is_none()
            && units[i - 1].thread == u.thread
            && cfg!(not(heddle_mutant = "forced_units_apart"));
        head.push(if glued { head[i - 1] } else { i });
    }
    head
}

/// What the thread chosen at each decision did until another thread could run: the
/// footprint of the chosen unit and of the forced units glued to it.
pub fn decision_footprints(units: &[Unit]) -> BTreeMap<usize, Footprint> {
    let heads = group_heads(units);
    let mut out: BTreeMap<usize, Footprint> = BTreeMap::new();
    for (i, u) in units.iter().enumerate() {
        let Some(d) = units[heads[i]].decision else {
            continue;
        };
        let f = out.entry(d).or_default();
        for a in &u.footprint.accesses {
            f.add(a.clone());
        }
        for t in &u.footprint.terminates {
            if !f.terminates.contains(t) {
                f.terminates.push(t.clone());
            }
        }
    }
    out
}

/// The backtrack requests of one run: its `units` in order, and each decision's candidate
/// threads (`candidates[d]`). `None` if the run is too long to analyse ([`MAX_UNITS`]).
pub fn races(units: &[Unit], candidates: &[Vec<String>]) -> Option<Vec<Backtrack>> {
    if units.len() > MAX_UNITS {
        return None;
    }
    let hb = happens_before(units);
    let heads = group_heads(units);
    let mut out = Vec::new();
    for j in 0..units.len() {
        for &i in &hb.preds[j] {
            if units[i].thread == units[j].thread {
                continue;
            }
            // A race: i comes right before j in happens-before, through nothing else.
            let through_other = hb.preds[j].iter().any(|&k| k != i && hb.reach[k].get(i));
            if through_other {
                continue;
            }
            // The race is reversed before i's group (the step i is part of).
            let h = heads[i];
            let Some(decision) = units[h].decision else {
                continue; // i's thread was the only one that could run: nothing to reverse
            };
            // v = notdep(h).j: what happens after the step without depending on it, then j
            // (the rest of the group follows h in program order, so it is left out).
            let v: Vec<usize> = (h + 1..j)
                .filter(|&k| !hb.reach[k].get(h))
                .chain(std::iter::once(j))
                .collect();
            let mut initials: Vec<String> = Vec::new();
            let mut seen: Vec<&str> = Vec::new();
            for (pos, &e) in v.iter().enumerate() {
                let thread = units[e].thread.as_str();
                if seen.contains(&thread) {
                    continue;
                }
                seen.push(thread);
                let blocked = v[..pos].iter().any(|&f| hb.reach[e].get(f));
                if !blocked {
                    initials.push(thread.to_string());
                }
            }
            let enabled = &candidates[decision];
            initials.retain(|t| enabled.contains(t));
            if !initials.is_empty() {
                out.push(Backtrack {
                    decision,
                    threads: initials,
                });
            }
        }
    }
    Some(out)
}

/// A name for the behaviour (Mazurkiewicz trace) of a run: two runs get the same key
/// exactly when each thread did the same units and every pair of dependent units of two
/// threads came in the same order.
pub fn class_key(units: &[Unit]) -> u64 {
    let mut h = DefaultHasher::new();
    // The runtime's bookkeeping, and units that touched nothing, tell no behaviour apart.
    let units: Vec<&Unit> = units
        .iter()
        .filter(|u| {
            let touched = !u.footprint.accesses.is_empty() || !u.footprint.terminates.is_empty();
            !u.bookkeeping && touched
        })
        .collect();
    let mut index: BTreeMap<&str, u32> = BTreeMap::new();
    let ids: Vec<(&str, u32)> = units
        .iter()
        .map(|u| {
            let n = index.entry(u.thread.as_str()).or_insert(0);
            *n += 1;
            (u.thread.as_str(), *n)
        })
        .collect();
    // Each thread's units, in its order.
    let mut per_thread: BTreeMap<&str, Vec<&Unit>> = BTreeMap::new();
    for u in units.iter().copied() {
        per_thread.entry(u.thread.as_str()).or_default().push(u);
    }
    for (t, us) in &per_thread {
        t.hash(&mut h);
        for u in us {
            // As sets: the order a unit's accesses were noted in is no behaviour.
            let mut accesses: Vec<&Access> = u.footprint.accesses.iter().collect();
            accesses.sort();
            accesses.hash(&mut h);
            let mut terminates: Vec<&String> = u.footprint.terminates.iter().collect();
            terminates.sort();
            terminates.hash(&mut h);
        }
    }
    // The order of every dependent pair of units of different threads, as a sorted set.
    type Id<'a> = (&'a str, u32);
    let mut edges: Vec<(Id<'_>, Id<'_>)> = Vec::new();
    if units.len() <= MAX_UNITS {
        for j in 0..units.len() {
            for i in 0..j {
                if units[i].thread != units[j].thread && dependent(units[i], units[j]) {
                    edges.push((ids[i], ids[j]));
                }
            }
        }
    } else {
        // Too long to relate every pair: the exact order names the run.
        for (i, id) in ids.iter().enumerate() {
            edges.push((*id, (units[i].thread.as_str(), i as u32)));
        }
    }
    edges.sort();
    edges.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::footprint::{Access, Footprint};

    fn unit(thread: &str, write: bool, decision: Option<usize>) -> Unit {
        Unit {
            thread: thread.into(),
            footprint: Footprint {
                accesses: vec![Access::Mem {
                    buffer: 0,
                    start: 0,
                    end: 4,
                    write,
                }],
                terminates: vec![],
            },
            decision,
            bookkeeping: false,
            posted: false,
        }
    }

    #[test]
    fn a_write_and_a_read_race_and_two_reads_do_not() {
        // w (a) then r (b) then r (c): w races with both reads; the reads commute.
        let units = vec![
            unit("a", true, Some(0)),
            unit("b", false, Some(1)),
            unit("c", false, None),
        ];
        let cands = vec![
            vec!["a".to_string(), "b".into(), "c".into()],
            vec!["b".to_string(), "c".into()],
        ];
        let r = races(&units, &cands).expect("short");
        assert_eq!(
            r,
            vec![
                Backtrack {
                    decision: 0,
                    threads: vec!["b".into()]
                },
                // v = notdep(w).r_c = [r_c]: b's read depends on w, so only c starts it.
                Backtrack {
                    decision: 0,
                    threads: vec!["c".into()]
                },
            ]
        );
    }

    #[test]
    fn equivalent_runs_share_a_class_and_others_do_not() {
        let ab = [unit("a", false, None), unit("b", false, None)];
        let ba = [unit("b", false, None), unit("a", false, None)];
        assert_eq!(class_key(&ab), class_key(&ba), "two reads commute");
        let wr = [unit("a", true, None), unit("b", false, None)];
        let rw = [unit("b", false, None), unit("a", true, None)];
        assert_ne!(class_key(&wr), class_key(&rw));
    }
}
