//! Every spec file under `specs/` is one trial, named by its path under `specs/`.
//!
//! How to debug this suite:
//! - list the trials: `cargo test -p heddle --test specs -- --list`;
//! - one spec: `cargo test -p heddle --test specs -- contention/racy-increment.yaml --exact`;
//! - a group: `cargo test -p heddle --test specs -- contention/`;
//! - replay a failing run: the failure message ends with the `HEDDLE_SCHEDULE=…` command;
//! - see a run's trace: `cargo run -p heddle -- run specs/<file>`;
//! - accept changed snapshots: `cargo insta review` (on CI, with `CI=true`, a mismatch fails).
//!
//! Also here: every spec validates against `docs/spec.schema.json`, and that file is the
//! schema the current code generates.

use std::path::{Path, PathBuf};

use heddle::explore::budget::{Budget, BUDGET_ENV};
use heddle::explore::{explore, Options, SCHEDULE_ENV};

/// Faults to place in a replay (a fault search's failure).
const FAULTS_ENV: &str = "HEDDLE_FAULTS";
use heddle::snapshot::{assert_snapshot, name_of, SnapshotDoc};
use libtest_mimic::{Arguments, Failed, Trial};

#[path = "support/npm.rs"]
mod npm;

fn root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::canonicalize(&root).unwrap_or(root)
}

fn spec_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            spec_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn run_spec(path: &Path, relative: &str) -> Result<(), Failed> {
    if relative.starts_with("npm/") {
        if let Some(why) = npm::missing() {
            return Err(why.into());
        }
    }
    let plan = heddle::plan::load(path).map_err(|problems| {
        Failed::from(
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    // CI's budget for every trial's exploration (a partial exploration fails the checks
    // that need all of it, unless the spec accepts a partial one).
    let budget = match std::env::var(BUDGET_ENV) {
        Ok(text) if !text.is_empty() => {
            Some(Budget::parse(&text).map_err(|e| Failed::from(format!("{BUDGET_ENV}: {e}")))?)
        }
        _ => None,
    };
    // A fault search's failure replays with its faults (`HEDDLE_FAULTS=drop:a:2,…`).
    let faults = match std::env::var(FAULTS_ENV) {
        Ok(text) if !text.is_empty() => Some(
            heddle::faults::parse_fault_list(&text)
                .map_err(|e| Failed::from(format!("{FAULTS_ENV}: {e}")))?,
        ),
        _ => None,
    };
    let options = Options {
        budget,
        faults,
        ..Options::default()
    };
    let report = explore(&plan, &plan.explore, &options);
    let mut failures: Vec<String> = Vec::new();
    let reproduce = |schedule: &str, faults: &[heddle::faults::NthPost]| {
        let faults = if faults.is_empty() {
            String::new()
        } else {
            format!("{FAULTS_ENV}='{}' ", heddle::faults::fault_list(faults))
        };
        format!("reproduce: {faults}{SCHEDULE_ENV}='{schedule}' cargo test -p heddle --test specs -- {relative} --exact")
    };
    for (i, f) in report.failures.iter().enumerate() {
        let shrunk = match &f.shrunk {
            Some(s) => format!(
                "first found: {} ({}); shrunk to: {}\nthe minimal run:\n",
                s.before,
                reproduce(&s.original, &f.faults),
                s.after
            ),
            None => String::new(),
        };
        // The picture of the (minimal) failing run, beside the test binary's other output.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("heddle-failures");
        let file = relative.replace(['/', '\\'], "__");
        let picture = if i > 0 {
            String::new() // the first failure's picture only (the shrunk one)
        } else {
            match heddle::render::write_failure(&plan.name, path, &file, f, &dir) {
                Ok(p) => format!("picture: {}\n", p.display()),
                Err(e) => format!("(no picture: {e})\n"),
            }
        };
        failures.push(format!(
            "run failed ({} of {} runs failed):\n{shrunk}  {}\ntrace:\n{}\n{picture}{}",
            report.failed,
            report.runs,
            f.findings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n  "),
            f.trace,
            if f.replayable {
                reproduce(&f.schedule, &f.faults)
            } else {
                String::new()
            }
        ));
    }
    if options.replay.is_none() {
        for f in heddle::check::check_report(&plan, &report) {
            failures.push(format!(
                "{f}\n(all {} schedules: cargo run -p heddle -- explore specs/{relative})",
                report.runs
            ));
        }
    }
    if !failures.is_empty() {
        return Err(failures.join("\n\n").into());
    }
    if plan.expect.snapshot && options.replay.is_none() {
        let doc = SnapshotDoc::new(&plan, &report);
        let name = name_of(relative);
        let dir = root().join("snapshots");
        std::panic::catch_unwind(|| assert_snapshot(&dir, &name, path, &doc)).map_err(|e| {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Failed::from(format!(
                "snapshot snapshots/{name}.snap differs: {why}\naccept intended changes with `cargo insta review`"
            ))
        })?;
    }
    Ok(())
}

fn schema_trial() -> Trial {
    Trial::test(
        "schema: docs/spec.schema.json is current and every spec validates",
        || {
            let schema_path = root().join("docs/spec.schema.json");
            let on_disk = std::fs::read_to_string(&schema_path).unwrap_or_default();
            let current = heddle::schema();
            if on_disk != current {
                return Err("docs/spec.schema.json is stale: run `cargo run -p heddle -- schema > docs/spec.schema.json`".into());
            }
            let schema: serde_json::Value =
                serde_json::from_str(&current).map_err(|e| e.to_string())?;
            let validator = jsonschema::validator_for(&schema).map_err(|e| e.to_string())?;
            let mut files = Vec::new();
            spec_files(&root().join("specs"), &mut files);
            let mut problems = Vec::new();
            for file in files {
                let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
                let value: serde_json::Value = serde_saphyr::from_str(&text)
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                for error in validator.iter_errors(&value) {
                    problems.push(format!(
                        "{}: {} at {}",
                        file.display(),
                        error,
                        error.instance_path()
                    ));
                }
            }
            if problems.is_empty() {
                Ok(())
            } else {
                Err(problems.join("\n").into())
            }
        },
    )
}

/// Every (definition, property) pair of the JSON Schema that `value` uses, walking it along
/// `schema` (`$ref`s resolved in `defs`; maps, lists and alternatives followed).
fn used_properties(
    schema: &serde_json::Value,
    value: &serde_json::Value,
    defs: &serde_json::Map<String, serde_json::Value>,
    def: &str,
    used: &mut std::collections::BTreeSet<String>,
) {
    use serde_json::Value;
    if let Some(Value::String(r)) = schema.get("$ref") {
        let name = r.rsplit('/').next().unwrap_or("");
        if let Some(target) = defs.get(name) {
            used_properties(target, value, defs, name, used);
        }
        return;
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(branches)) = schema.get(key) {
            for b in branches {
                used_properties(b, value, defs, def, used);
            }
        }
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for (k, v) in map {
                match props.and_then(|p| p.get(k)) {
                    Some(sub) => {
                        used.insert(format!("{def}.{k}"));
                        used_properties(sub, v, defs, def, used);
                    }
                    None => {
                        if let Some(extra) =
                            schema.get("additionalProperties").filter(|a| a.is_object())
                        {
                            used_properties(extra, v, defs, def, used);
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                for v in items {
                    used_properties(item, v, defs, def, used);
                }
            }
        }
        _ => {}
    }
}

/// Every (definition, property) pair the JSON Schema declares.
fn declared_properties(
    schema: &serde_json::Value,
    def: &str,
    out: &mut std::collections::BTreeSet<String>,
) {
    use serde_json::Value;
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for k in props.keys() {
            out.insert(format!("{def}.{k}"));
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(branches)) = schema.get(key) {
            for b in branches {
                if b.get("$ref").is_none() {
                    declared_properties(b, def, out);
                }
            }
        }
    }
}

/// No feature of the format goes untested: every property of the JSON Schema is used by
/// some spec under `specs/` (a `channels:` that no spec used hid a code-generation bug).
fn coverage_trial() -> Trial {
    Trial::test(
        "schema: every property of the spec format is used by some spec",
        || {
            let schema: serde_json::Value =
                serde_json::from_str(&heddle::schema()).map_err(|e| e.to_string())?;
            let defs = schema
                .get("$defs")
                .and_then(|d| d.as_object())
                .cloned()
                .unwrap_or_default();
            let mut declared = std::collections::BTreeSet::new();
            declared_properties(&schema, "Spec", &mut declared);
            for (name, def) in &defs {
                declared_properties(def, name, &mut declared);
            }
            let mut files = Vec::new();
            spec_files(&root().join("specs"), &mut files);
            let mut used = std::collections::BTreeSet::new();
            for file in files {
                let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
                let value: serde_json::Value = serde_saphyr::from_str(&text)
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                used_properties(&schema, &value, &defs, "Spec", &mut used);
            }
            let unused: Vec<&String> = declared.difference(&used).collect();
            if unused.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "no spec under specs/ uses these properties of the format (add a spec that does): {unused:?}"
                )
                .into())
            }
        },
    )
}

/// A replay string from a failing random run reproduces that run's trace, 100 times out of 100.
fn replay_trial() -> Trial {
    Trial::test(
        "harness: a failing random run replays to the same trace 100/100",
        || {
            let path = root().join("harness/tests/fixtures/racy-expects-two.yaml");
            let plan = heddle::plan::load(&path).map_err(|p| format!("{p:?}"))?;
            let options = Options {
                replay: None,
                ..Options::default()
            };
            let report = explore(&plan, &plan.explore, &options);
            let failure = report
                .failures
                .first()
                .ok_or("the fixture's random runs were expected to fail")?;
            for i in 0..100 {
                let again = explore(
                    &plan,
                    &plan.explore,
                    &Options {
                        jobs: 1,
                        progress: None,
                        replay: Some(failure.schedule.clone()),
                        limits: Default::default(),
                        shrink: false,
                        budget: None,
                        shard: None,
                        faults: None,
                    },
                );
                let run = again.single.as_ref().ok_or("a replay runs once")?;
                if run.trace != failure.trace {
                    return Err(format!(
                        "replay {i} of '{}' gave another trace:\n{}\nvs\n{}",
                        failure.schedule, run.trace, failure.trace
                    )
                    .into());
                }
                if again.failures.is_empty() {
                    return Err(format!(
                        "replay {i} of '{}' passed, the original failed",
                        failure.schedule
                    )
                    .into());
                }
            }
            Ok(())
        },
    )
}

/// `heddle check` diagnostics: file:line:col, what was expected, a suggestion.
fn diagnostics_trial() -> Trial {
    Trial::test(
        "harness: bad specs get file:line:col diagnostics with suggestions",
        || {
            let dir = root().join("harness/tests/fixtures");
            let key = heddle::plan::load(&dir.join("broken-key.yaml"))
                .err()
                .ok_or("broken-key.yaml loaded")?;
            let text = key[0].to_string();
            for want in [
                "broken-key.yaml:4:5",
                "unknown key `stpes` in `workers.a`",
                "did you mean `steps`?",
            ] {
                if !text.contains(want) {
                    return Err(format!("diagnostic lacks {want:?}:\n{text}").into());
                }
            }
            let names = heddle::plan::load(&dir.join("broken-name.yaml"))
                .err()
                .ok_or("broken-name.yaml loaded")?;
            let text: String = names.iter().map(ToString::to_string).collect();
            for want in [
                "broken-name.yaml:5:21",
                "did you mean `parent`?",
                "broken-name.yaml:7:13",
                "did you mean `alpha`?",
            ] {
                if !text.contains(want) {
                    return Err(format!("diagnostics lack {want:?}:\n{text}").into());
                }
            }
            Ok(())
        },
    )
}

fn main() {
    let args = Arguments::from_args();
    let specs_dir = root().join("specs");
    let mut files = Vec::new();
    spec_files(&specs_dir, &mut files);
    let mut trials: Vec<Trial> = files
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(&specs_dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let name = relative.clone();
            Trial::test(name, move || run_spec(&path, &relative))
        })
        .collect();
    if trials.is_empty() {
        // A suite that finds nothing to check must not pass.
        let dir = specs_dir.display().to_string();
        trials.push(Trial::test("specs: at least one spec file", move || {
            Err(format!("no spec files (*.yaml) found under {dir}").into())
        }));
    }
    let replaying = std::env::var(SCHEDULE_ENV).is_ok_and(|s| !s.is_empty());
    if replaying {
        // A replay switches off the outcome and snapshot checks, so it must select exactly
        // the one spec its schedule came from.
        let selected: Vec<String> = trials
            .iter()
            .map(|t| t.name().to_string())
            .filter(|name| match &args.filter {
                Some(f) if args.exact => name == f,
                Some(f) => name.contains(f.as_str()),
                None => true,
            })
            .collect();
        if selected.len() != 1 {
            let n = selected.len();
            trials = vec![Trial::test(
                format!("{SCHEDULE_ENV}: replays one spec"),
                move || {
                    Err(format!(
                        "{SCHEDULE_ENV} is set, which replays one schedule of one spec, but {n} specs are selected: name one, as in `{SCHEDULE_ENV}='…' cargo test -p heddle --test specs -- <spec> --exact`"
                    )
                    .into())
                },
            )];
            libtest_mimic::run(&Arguments::default(), trials).exit();
        }
    } else {
        trials.push(schema_trial());
        trials.push(coverage_trial());
        trials.push(replay_trial());
        trials.push(diagnostics_trial());
    }
    libtest_mimic::run(&args, trials).exit();
}
