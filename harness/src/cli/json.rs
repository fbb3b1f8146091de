//! `heddle explore --format json`: the exploration's report as one JSON document, for CI
//! (its fields are described in docs/REPORT.md; `version` changes when they do).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use heddle::check::Blame;
use heddle::explore::{shrink::Lengths, Report};
use heddle::plan::{ExplorePlan, Plan};

/// The document's format version.
const VERSION: u32 = 1;

/// The whole report.
#[derive(Serialize)]
pub struct JsonReport {
    version: u32,
    spec: String,
    name: String,
    strategy: heddle::spec::Strategy,
    /// `ok` or `failed`.
    verdict: &'static str,
    /// Every schedule the strategy asks for was run (exhaustive: every behaviour).
    complete: bool,
    /// Why it was cut short, if it was.
    stopped: Option<String>,
    /// `k/n` when one shard was explored.
    shard: Option<String>,
    runs: u64,
    behaviours: u64,
    redundant: u64,
    spinning_runs: u64,
    elapsed_ms: u128,
    ends: BTreeMap<String, u64>,
    outcomes: BTreeMap<String, Vec<String>>,
    /// The behaviours' keys, hex: explorations of shards of one spec merge by their union.
    behaviour_keys: Vec<String>,
    /// Checks over the whole exploration that failed (outcome sets, required ends, counts).
    checks: Vec<String>,
    failed_runs: u64,
    failures: Vec<JsonFailure>,
}

/// One failing run.
#[derive(Serialize)]
struct JsonFailure {
    schedule: String,
    replay: Option<String>,
    /// The faults a fault search placed in this run (`drop:a:2,…`; empty without one).
    faults: String,
    end: String,
    findings: Vec<JsonFinding>,
    shrunk: Option<JsonShrunk>,
    /// The picture of this run (the first failure only).
    picture: Option<PathBuf>,
}

#[derive(Serialize)]
struct JsonFinding {
    /// `spec` (the spec cannot be used as written) or `run` (the program misbehaved).
    blame: &'static str,
    message: String,
}

#[derive(Serialize)]
struct JsonShrunk {
    original: String,
    before: JsonLengths,
    after: JsonLengths,
    runs: u64,
}

#[derive(Serialize)]
struct JsonLengths {
    decisions: usize,
    forced: usize,
    preemptions: usize,
    time_jumps: usize,
}

impl From<Lengths> for JsonLengths {
    fn from(l: Lengths) -> Self {
        JsonLengths {
            decisions: l.decisions,
            forced: l.forced,
            preemptions: l.preemptions,
            time_jumps: l.time_jumps,
        }
    }
}

/// The report of exploring `plan` (from `spec`) with `settings`.
pub fn report(
    plan: &Plan,
    spec: &Path,
    settings: &ExplorePlan,
    report: &Report,
    checks: &[String],
    picture: Option<&Result<PathBuf, String>>,
) -> JsonReport {
    let failures = report
        .failures
        .iter()
        .enumerate()
        .map(|(i, f)| JsonFailure {
            schedule: f.schedule.clone(),
            replay: f.replayable.then(|| super::replay_command(spec, f)),
            faults: heddle::faults::fault_list(&f.faults),
            end: f.end.clone(),
            findings: f
                .findings
                .iter()
                .map(|m| JsonFinding {
                    blame: match m.blame {
                        Blame::Spec => "spec",
                        Blame::Run => "run",
                    },
                    message: m.message.clone(),
                })
                .collect(),
            shrunk: f.shrunk.as_ref().map(|s| JsonShrunk {
                original: s.original.clone(),
                before: s.before.into(),
                after: s.after.into(),
                runs: s.runs,
            }),
            picture: if i == 0 {
                picture.and_then(|p| p.as_ref().ok()).cloned()
            } else {
                None
            },
        })
        .collect::<Vec<_>>();
    JsonReport {
        version: VERSION,
        spec: spec.display().to_string(),
        name: plan.name.clone(),
        strategy: settings.strategy,
        verdict: if checks.is_empty() && failures.is_empty() {
            "ok"
        } else {
            "failed"
        },
        complete: report.complete,
        stopped: report.stopped.clone(),
        shard: report.shard.map(|s| format!("{}/{}", s.index + 1, s.count)),
        runs: report.runs,
        behaviours: report.behaviours,
        redundant: report.redundant,
        spinning_runs: report.spinning_runs,
        elapsed_ms: report.elapsed.as_millis(),
        ends: report.ends.clone(),
        outcomes: report
            .outcomes
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().cloned().collect()))
            .collect(),
        behaviour_keys: report.classes.iter().map(|c| format!("{c:016x}")).collect(),
        checks: checks.to_vec(),
        failed_runs: report.failed,
        failures,
    }
}
