//! Every insta call: where snapshots live and what a spec's snapshot holds.
//!
//! Snapshots are YAML files under `snapshots/` at the workspace root, one per spec, named
//! after the spec's path under `specs/` (`contention/racy.yaml` → `contention__racy.snap`).
//! A single-schedule spec's snapshot is its trace; an explored spec's is its outcome set
//! and its count of schedules (random, pct) or of distinct behaviours (exhaustive). With
//! `CI=true` a mismatch fails; locally, `cargo insta review` accepts changes.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::explore::Report;
use crate::plan::Plan;

/// What a spec's snapshot holds.
#[derive(Debug, Serialize)]
pub struct SnapshotDoc {
    /// The spec's name.
    pub spec: String,
    /// `fixed`, `exhaustive`, `random` or `pct`.
    pub strategy: String,
    /// Schedules run (not for exhaustive explorations, whose number of runs depends on
    /// how many ran in parallel).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedules: Option<u64>,
    /// Distinct behaviours (exhaustive explorations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behaviours: Option<u64>,
    /// How the runs ended, counted (for an exhaustive exploration, its behaviours).
    pub ends: BTreeMap<String, u64>,
    /// Outcome values by expression (explored specs).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub outcomes: BTreeMap<String, Vec<String>>,
    /// The schedule string (single-schedule specs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Exit codes (single-schedule specs), of the threads that exited.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub exits: BTreeMap<String, i32>,
    /// Threads still running when the run ended, with what they were doing.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub still_running: BTreeMap<String, String>,
    /// The trace (single-schedule specs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<String>,
}

impl SnapshotDoc {
    /// The snapshot of `plan`'s exploration `report`.
    pub fn new(plan: &Plan, report: &Report) -> Self {
        let single = report.single.as_ref().filter(|_| !plan.is_explored());
        let exhaustive = plan.explore.strategy == crate::spec::Strategy::Exhaustive;
        SnapshotDoc {
            spec: plan.name.clone(),
            strategy: format!("{:?}", plan.explore.strategy).to_lowercase(),
            schedules: (!exhaustive).then_some(report.runs),
            behaviours: exhaustive.then_some(report.behaviours),
            ends: if exhaustive {
                report.behaviour_ends.clone()
            } else {
                report.ends.clone()
            },
            outcomes: report
                .outcomes
                .iter()
                .map(|(k, v)| (k.clone(), v.iter().cloned().collect()))
                .collect(),
            schedule: single.map(|r| r.schedule.clone()),
            exits: single.map(|r| r.exits.clone()).unwrap_or_default(),
            still_running: single
                .map(|r| {
                    r.unfinished
                        .iter()
                        .map(|(k, v)| (k.clone(), v.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            trace: single.map(|r| r.trace.lines()).unwrap_or_default(),
        }
    }
}

/// The snapshot name of the spec at `relative` (its path under `specs/`).
pub fn name_of(relative: &str) -> String {
    relative
        .trim_end_matches(".yaml")
        .trim_end_matches(".yml")
        .replace(['/', '\\'], "__")
}

/// Asserts `doc` against the snapshot `name` in `dir` (panics on a mismatch, as insta does).
pub fn assert_snapshot(dir: &Path, name: &str, spec_file: &Path, doc: &SnapshotDoc) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(spec_file);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::assert_yaml_snapshot!(name, doc);
    });
}
