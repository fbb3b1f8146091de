//! Runs a plan's program under real `node`: the programs Heddle runs (generated or the
//! spec's scripts), with [`PRELUDE`] loaded first in every thread, the spec's `env:` as the
//! environment, and a wall-clock limit past which the run counts as hung.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::plan::{MainSource, Plan, MAIN};

use super::DiffError;

/// Stands in for Heddle's `heddle` global and records the expressions at each exit.
const PRELUDE: &str = include_str!("prelude.js");

/// How one Node run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeEnd {
    /// The process exited with this status (`None`: killed by a signal).
    Exited(Option<i32>),
    /// It was still running at the wall-clock limit and was killed: Node waited for
    /// something that never came (a deadlock, or a handle kept alive for ever).
    Hung,
}

/// One Node run.
#[derive(Debug, Clone)]
pub struct NodeRun {
    /// Its number (its pauses' seed).
    pub number: u64,
    /// How it ended.
    pub end: NodeEnd,
    /// Each expression's value (normalised JSON), where its thread exited on its own and
    /// the expression evaluated there; `None` where Node could not show it (the thread was
    /// terminated or the process exited first, or the expression threw).
    pub values: BTreeMap<String, Option<String>>,
    /// What an expression threw in Node, by expression.
    pub threw: BTreeMap<String, String>,
    /// Its stdout.
    pub stdout: String,
    /// Its stderr.
    pub stderr: String,
}

/// A plan's program, written out once for many Node runs.
pub struct NodeProgram {
    dir: PathBuf,
    main: PathBuf,
    cwd: PathBuf,
    env: BTreeMap<String, String>,
    exprs: BTreeMap<String, Vec<(String, String)>>,
    names: Vec<String>,
    node: PathBuf,
    pause_ms: f64,
}

impl Drop for NodeProgram {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A fresh directory for one program's files.
fn scratch_dir() -> Result<PathBuf, DiffError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("heddle-diff-{}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| DiffError::Io(dir.clone(), e.to_string()))?;
    Ok(dir)
}

fn write(path: &Path, text: &str) -> Result<(), DiffError> {
    fs::write(path, text).map_err(|e| DiffError::Io(path.to_path_buf(), e.to_string()))
}

impl NodeProgram {
    /// Writes `plan`'s program for `node`, each step point and `heddle.yield()` pausing for
    /// up to `pause_ms` (half the time), each Atomics operation now and then.
    pub fn new(plan: &Plan, node: &Path, pause_ms: f64) -> Result<Self, DiffError> {
        let dir = scratch_dir()?;
        write(&dir.join("prelude.js"), PRELUDE)?;
        let main = match &plan.main {
            MainSource::Generated(code) => {
                let path = dir.join("main.js");
                write(&path, code)?;
                path
            }
            MainSource::Script(path) => path.clone(),
        };
        let mut exprs: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for expr in crate::check::expressions(plan) {
            let (who, code) = match expr
                .strip_prefix('@')
                .and_then(|r| r.split_once(char::is_whitespace))
            {
                Some((who, code)) => (who.to_string(), code.trim().to_string()),
                None => (MAIN.to_string(), expr.clone()),
            };
            exprs.entry(who).or_default().push((expr.clone(), code));
        }
        let names = exprs.values().flatten().map(|(e, _)| e.clone()).collect();
        Ok(NodeProgram {
            dir,
            main,
            cwd: plan.cwd.clone(),
            env: plan.env.clone(),
            exprs,
            names,
            node: node.to_path_buf(),
            pause_ms,
        })
    }

    /// Runs the program once; a run still going after `limit` is killed and counts as hung.
    pub fn run(&self, number: u64, limit: Duration) -> Result<NodeRun, DiffError> {
        let out = self.dir.join(format!("values-{number}.jsonl"));
        let stdout_path = self.dir.join(format!("stdout-{number}"));
        let stderr_path = self.dir.join(format!("stderr-{number}"));
        let _ = fs::remove_file(&out);
        let config = serde_json::json!({
            "seed": number,
            "pauseMs": self.pause_ms,
            "out": out.display().to_string(),
            "exprs": self.exprs,
        });
        let file =
            |p: &Path| fs::File::create(p).map_err(|e| DiffError::Io(p.into(), e.to_string()));
        let mut child = Command::new(&self.node)
            .arg("-r")
            .arg(self.dir.join("prelude.js"))
            .arg(&self.main)
            .current_dir(&self.cwd)
            .env_clear()
            .envs(&self.env)
            .env("HEDDLE_DIFF", config.to_string())
            .stdin(Stdio::null())
            .stdout(file(&stdout_path)?)
            .stderr(file(&stderr_path)?)
            .spawn()
            .map_err(|e| DiffError::Node(self.node.clone(), e.to_string()))?;
        let started = Instant::now();
        let end = loop {
            match child.try_wait() {
                Ok(Some(status)) => break NodeEnd::Exited(status.code()),
                Ok(None) if started.elapsed() >= limit => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break NodeEnd::Hung;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => return Err(DiffError::Node(self.node.clone(), e.to_string())),
            }
        };
        let read = |p: &Path| fs::read_to_string(p).unwrap_or_default();
        let mut values: BTreeMap<String, Option<String>> =
            self.names.iter().map(|e| (e.clone(), None)).collect();
        let mut threw = BTreeMap::new();
        for line in read(&out).lines() {
            let Ok(record) = serde_json::from_str::<serde_json::Value>(line) else {
                continue; // a line cut short by a kill
            };
            let Some(map) = record.get("values").and_then(|v| v.as_object()) else {
                continue;
            };
            for (expr, v) in map {
                match v {
                    serde_json::Value::String(text) => {
                        values.insert(expr.clone(), Some(crate::check::normalize(text)));
                    }
                    other => {
                        let why = other.get("error").and_then(|e| e.as_str()).unwrap_or("?");
                        threw.insert(expr.clone(), why.to_string());
                    }
                }
            }
        }
        let run = NodeRun {
            number,
            end,
            values,
            threw,
            stdout: read(&stdout_path),
            stderr: read(&stderr_path),
        };
        for p in [&out, &stdout_path, &stderr_path] {
            let _ = fs::remove_file(p);
        }
        Ok(run)
    }
}
