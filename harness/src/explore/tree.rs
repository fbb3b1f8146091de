//! [`Tree`]: the decisions runs have taken, and the choices the partial-order reduction
//! still wants tried.
//!
//! A node is a decision reached by a prefix of choices; it knows its candidates (the same
//! for every run through it: runs are deterministic), the threads already tried there
//! (with the footprint of the unit each ran), those planned (the *backtrack set* less what
//! was tried), and the sleep set the first run to arrive there had. After each run, the
//! races it shows ([`dpor::races`]) plan new choices along its path; [`Tree::next`] hands
//! out the deepest planned choice as the next run's prefix, with its sleep set: what was
//! asleep at the node, and the threads tried there before it.
//!
//! Runs go on in parallel. A choice handed out sleeps every sibling tried before it, as in
//! depth-first order, whether that sibling's subtree is done or still being explored: the
//! sibling's subtree covers the runs where it goes first, and it never sleeps the choices
//! tried after it. A sleeper needs its footprint, known once a run through it finished, so
//! a choice whose node still waits for one waits too (unless nothing else is in flight).

use std::collections::{BTreeMap, BTreeSet};

use heddle_runtime::WorkerId;

use crate::exec::RunResult;
use crate::sched::dfs::{SleepLog, Sleeper, Step};
use crate::sched::dpor;
use crate::sched::footprint::Footprint;

#[derive(Debug, Default)]
struct Node {
    /// The decision's candidates, in canonical order, with their names.
    candidates: Vec<WorkerId>,
    names: Vec<String>,
    /// Threads tried here (run, or handed out to run).
    tried: BTreeSet<String>,
    /// Threads to try here, in the order planned.
    planned: Vec<String>,
    /// The footprint of the unit each tried thread ran here (once a run told).
    next: BTreeMap<String, Footprint>,
    /// The node each tried thread leads to.
    children: BTreeMap<String, usize>,
    /// The parent node and the choice that leads here.
    parent: Option<(usize, String)>,
    depth: usize,
    /// Asleep when the first run arrived here.
    sleep: Vec<Sleeper>,
}

/// A run the tree handed out: its prefix and its sleep set.
#[derive(Debug, Clone)]
pub struct Job {
    /// The choices to follow.
    pub prefix: Vec<Step>,
    /// Asleep after the prefix's last choice.
    pub sleep: Vec<Sleeper>,
}

/// The exploration tree of an exhaustive search with partial-order reduction.
#[derive(Debug)]
pub struct Tree {
    nodes: Vec<Node>,
    /// The first decision's choices are dealt out beforehand (a shard of the exploration):
    /// races never plan another choice there.
    root_fixed: bool,
}

impl Tree {
    /// A tree with only its root (the first decision of every run).
    pub fn new() -> Self {
        Tree {
            nodes: vec![Node::default()],
            root_fixed: false,
        }
    }

    /// A tree for a shard: the first decision takes only the choices its jobs were given
    /// (see [`super::shard`]).
    pub fn with_root_fixed() -> Self {
        Tree {
            root_fixed: true,
            ..Tree::new()
        }
    }

    /// Records `run` (whose sleep sets went to `log`) and plans the choices its races ask
    /// for.
    pub fn learn(&mut self, run: &RunResult, log: &SleepLog) {
        let logged = log.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let footprints = dpor::decision_footprints(&run.units);
        let mut path = Vec::with_capacity(run.decisions.len());
        let mut node = 0;
        for (d, decision) in run.decisions.iter().enumerate() {
            path.push(node);
            let names = run.candidate_names.get(d).cloned().unwrap_or_default();
            let n = &mut self.nodes[node];
            if n.candidates.is_empty() {
                n.candidates = decision.candidates.clone();
                n.names = names;
                n.sleep = logged.get(&d).cloned().unwrap_or_default();
            }
            let chosen = n.names.get(decision.chosen).cloned().unwrap_or_default();
            n.tried.insert(chosen.clone());
            n.planned.retain(|p| *p != chosen);
            if let Some(f) = footprints.get(&d) {
                n.next.entry(chosen.clone()).or_insert_with(|| f.clone());
            }
            node = match n.children.get(&chosen) {
                Some(&child) => child,
                None => {
                    let depth = n.depth + 1;
                    self.nodes.push(Node {
                        parent: Some((node, chosen.clone())),
                        depth,
                        ..Node::default()
                    });
                    let child = self.nodes.len() - 1;
                    self.nodes[node].children.insert(chosen, child);
                    child
                }
            };
        }
        // A run stopped as redundant still shows races among the units it ran.
        {
            match dpor::races(&run.units, &run.candidate_names) {
                Some(requests) => {
                    for r in requests {
                        if let Some(&at) = path.get(r.decision) {
                            if crate::debug::on("races") {
                                let n = &self.nodes[at];
                                let asleep: Vec<&String> =
                                    n.sleep.iter().map(|s| &s.thread).collect();
                                crate::debug::say(format_args!(
                                    "  race: at decision {} try one of {:?} (tried {:?}, planned {:?}, asleep {:?})",
                                    r.decision, r.threads, n.tried, n.planned, asleep
                                ));
                            }
                            self.plan(at, &r.threads);
                        }
                    }
                }
                None => {
                    // Too long to analyse: try every alternative along the path.
                    for &at in &path {
                        for t in self.nodes[at].names.clone() {
                            self.plan(at, std::slice::from_ref(&t));
                        }
                    }
                }
            }
        }
    }

    /// Plans one of `threads` at node `at`, unless it tried or planned one already (the
    /// backtrack set stays a source set) or each is asleep there.
    fn plan(&mut self, at: usize, threads: &[String]) {
        if at == 0 && self.root_fixed {
            return;
        }
        let n = &self.nodes[at];
        if threads
            .iter()
            .any(|t| n.tried.contains(t) || n.planned.contains(t))
        {
            return;
        }
        let Some(pick) = threads
            .iter()
            .find(|t| n.names.contains(t) && !n.sleep.iter().any(|s| s.thread == **t))
            .cloned()
        else {
            return;
        };
        self.nodes[at].planned.push(pick);
    }

    /// The next run: the deepest planned choice whose node knows what each thread tried
    /// there did (a run through it finished), taken as tried, with its sleep set. With runs
    /// in flight (`in_flight`), a choice whose node waits on one of them waits too; with
    /// none, the deepest planned choice goes, sleeping only the siblings known.
    pub fn next(&mut self, in_flight: usize) -> Option<Job> {
        let deepest = |ready_only: bool| {
            self.nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| !n.planned.is_empty())
                .filter(|(_, n)| !ready_only || n.tried.iter().all(|q| n.next.contains_key(q)))
                .max_by_key(|(i, n)| (n.depth, *i))
                .map(|(i, _)| i)
        };
        let at = match deepest(true) {
            Some(at) => at,
            None if in_flight == 0 => deepest(false)?,
            None => return None,
        };

        let choice = self.nodes[at].planned.remove(0);
        self.nodes[at].tried.insert(choice.clone());
        let n = &self.nodes[at];
        let mut sleep: Vec<Sleeper> = n
            .sleep
            .iter()
            .filter(|s| s.thread != choice)
            .cloned()
            .collect();
        // Every sibling tried before this choice sleeps (as in depth-first order, where
        // they would be explored already): its subtree, done or still in flight, covers
        // every run where it goes first here and nothing it depends on came before.
        for (q, f) in &n.next {
            if *q != choice && !sleep.iter().any(|s| s.thread == *q) {
                {
                    sleep.push(Sleeper {
                        thread: q.clone(),
                        footprint: f.clone(),
                    });
                }
            }
        }

        let mut steps = vec![self.step(at, &choice)?];
        let mut cur = at;
        while let Some((parent, via)) = self.nodes[cur].parent.clone() {
            steps.push(self.step(parent, &via)?);
            cur = parent;
        }
        steps.reverse();
        Some(Job {
            prefix: steps,
            sleep,
        })
    }

    /// Choosing `thread` at node `at`, as a prefix step.
    fn step(&self, at: usize, thread: &str) -> Option<Step> {
        let n = &self.nodes[at];
        let chosen = n.names.iter().position(|t| t == thread)?;
        Some(Step {
            candidates: n.candidates.clone(),
            chosen,
        })
    }
}
