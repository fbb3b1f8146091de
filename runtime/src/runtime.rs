//! [`Runtime`]: a process of the Node-like worker model, run from a main script.
//!
//! ```no_run
//! use heddle_runtime::{Runtime, RuntimeOptions, MainScript};
//! let runtime = Runtime::new(RuntimeOptions::default());
//! let outcome = runtime.run_main(MainScript::Source {
//!     name: "main.js".into(),
//!     code: "console.log(require('worker_threads').isMainThread)".into(),
//! });
//! assert_eq!(outcome.exit_code, 0);
//! assert_eq!(outcome.stdout(), "true\n");
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::engine::guest::EntryScript;
use crate::engine::thread::{self, KeptIsolate, Limits, WorkerInit};
use crate::group::SiblingGroup;
use crate::hook::PostHook;
use crate::port::PortIds;
use crate::sync::{AtomicU64, Ordering};
use crate::wake::Wake;
use crate::worker::{FreeRunning, Gate, WorkerControl, WorkerId};

/// Which stream a console line went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogStream {
    /// `console.log`, `info`, `debug`.
    Stdout,
    /// `console.error`, `warn`, uncaught errors, warnings.
    Stderr,
}

/// One captured console line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// The worker that printed it (0 is the main thread).
    pub worker: WorkerId,
    /// Where it went.
    pub stream: LogStream,
    /// The text, without the trailing newline.
    pub text: String,
}

/// Called with each console line as it is printed.
pub type LogSink = Arc<dyn Fn(&LogLine) + Send + Sync>;

/// How to run a [`Runtime`].
#[derive(Clone)]
pub struct RuntimeOptions {
    /// The directory relative worker paths resolve against (Node: `process.cwd()`).
    /// Defaults to the current directory.
    pub cwd: PathBuf,
    /// `process.argv`.
    pub argv: Vec<String>,
    /// `process.env` in every thread (empty by default: a run's environment is what it is
    /// given, so that it stays the same wherever it runs; `heddle-node` gives its own).
    pub env: BTreeMap<String, String>,
    /// Where threads ask for their turn; [`FreeRunning`] by default.
    pub gate: Arc<dyn Gate>,
    /// Receives console lines as they are printed, besides [`Outcome::logs`].
    pub on_log: Option<LogSink>,
    /// Stop everything after this long (Node would run forever where a port or timer keeps
    /// the loop alive).
    pub timeout: Option<Duration>,
    /// Keep each worker's isolate after it ends, for [`Runtime::eval_in`].
    pub keep_isolates: bool,
    /// Sees every posted message before dispatch (fault injection).
    pub on_post: Option<Arc<dyn PostHook>>,
    /// The heap limit (old generation, MiB) of every isolate whose worker sets no
    /// `resourceLimits`, main's included; `None` leaves V8's default. At the limit a worker
    /// ends with `ERR_WORKER_OUT_OF_MEMORY` and main with Node's fatal error (exit 134).
    pub heap_limit_mb: Option<u32>,
    /// The folders programs may read from (`require`, `import`, `fs`, worker scripts):
    /// `None` lets them read anywhere, as Node does; a spec run gives its folder and its
    /// `allow_read:` ones.
    pub read_roots: Option<Vec<PathBuf>>,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            argv: vec!["heddle".into()],
            env: BTreeMap::new(),
            gate: Arc::new(FreeRunning::new()),
            on_log: None,
            timeout: None,
            keep_isolates: false,
            on_post: None,
            heap_limit_mb: None,
            read_roots: None,
        }
    }
}

/// The script the main thread runs.
#[derive(Clone, Debug)]
pub enum MainScript {
    /// A file (CommonJS, or an ES module by extension, `package.json` or syntax).
    File(PathBuf),
    /// Source text, named for stack traces.
    Source {
        /// The name errors show.
        name: String,
        /// The code.
        code: String,
    },
}

/// How a run ended.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The process exit code.
    pub exit_code: i32,
    /// Every console line, in the order printed.
    pub logs: Vec<LogLine>,
    /// The timeout stopped the run.
    pub timed_out: bool,
}

impl Outcome {
    /// Everything printed to `stream`, one line each, newline-terminated.
    pub fn text(&self, stream: LogStream) -> String {
        self.logs
            .iter()
            .filter(|l| l.stream == stream)
            .map(|l| format!("{}\n", l.text))
            .collect()
    }

    /// Everything printed to stdout.
    pub fn stdout(&self) -> String {
        self.text(LogStream::Stdout)
    }

    /// Everything printed to stderr.
    pub fn stderr(&self) -> String {
        self.text(LogStream::Stderr)
    }
}

struct WorkerRecord {
    control: Arc<WorkerControl>,
    thread: Option<JoinHandle<()>>,
    kept: Option<Arc<KeptIsolate>>,
    exit_code: Option<i32>,
}

/// State shared by every thread of a runtime.
pub(crate) struct Shared {
    pub ids: Arc<PortIds>,
    next_worker: AtomicU64,
    groups: Mutex<BTreeMap<String, Weak<SiblingGroup>>>,
    logs: Mutex<Vec<LogLine>>,
    on_log: Option<LogSink>,
    pub gate: Arc<dyn Gate>,
    pub cwd: PathBuf,
    pub argv: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub keep_isolates: bool,
    pub on_post: Option<Arc<dyn PostHook>>,
    pub heap_limit_mb: Option<u32>,
    /// [`RuntimeOptions::read_roots`], canonical.
    pub read_roots: Option<Vec<PathBuf>>,
    /// The shared buffers a controlling gate is told the writes of.
    pub memory: Arc<crate::memory::MemoryWatch>,
    workers: Mutex<BTreeMap<WorkerId, WorkerRecord>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// Whether programs may read `path` (an absolute path): it lies in a read root, or
    /// there are none. A path that does not exist is judged by its folder.
    pub(crate) fn may_read(&self, path: &std::path::Path) -> bool {
        let Some(roots) = &self.read_roots else {
            return true;
        };
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        roots.iter().any(|r| real.starts_with(r))
    }

    pub(crate) fn next_worker_id(&self) -> WorkerId {
        WorkerId(self.next_worker.fetch_add(1, Ordering::SeqCst))
    }

    pub(crate) fn log(&self, worker: WorkerId, stream: LogStream, text: &str) {
        let line = LogLine {
            worker,
            stream,
            text: text.to_string(),
        };
        if let Some(sink) = &self.on_log {
            sink(&line);
        }
        lock(&self.logs).push(line);
    }

    /// The broadcast group named `name`, created on first use.
    pub(crate) fn broadcast_group(&self, name: &str) -> Arc<SiblingGroup> {
        let mut groups = lock(&self.groups);
        if let Some(group) = groups.get(name).and_then(Weak::upgrade) {
            return group;
        }
        let group = SiblingGroup::named(name);
        groups.insert(name.to_string(), Arc::downgrade(&group));
        group
    }

    /// Records worker `id`, before its thread starts.
    pub(crate) fn register(&self, id: WorkerId, control: Arc<WorkerControl>) {
        lock(&self.workers).insert(
            id,
            WorkerRecord {
                control,
                thread: None,
                kept: None,
                exit_code: None,
            },
        );
    }

    /// Records worker `id`'s thread, once it started.
    pub(crate) fn set_thread(&self, id: WorkerId, thread: JoinHandle<()>) {
        if let Some(record) = lock(&self.workers).get_mut(&id) {
            record.thread = Some(thread);
        }
    }

    pub(crate) fn finished(&self, id: WorkerId, (code, kept): (i32, Option<Arc<KeptIsolate>>)) {
        if let Some(record) = lock(&self.workers).get_mut(&id) {
            record.kept = kept;
            record.exit_code = Some(code);
        }
    }

    /// Terminates every worker and joins every worker thread (including ones spawned while
    /// this runs).
    /// Terminates every worker without waiting.
    fn terminate_all(&self) {
        for r in lock(&self.workers).values() {
            r.control.terminate();
        }
    }

    fn stop_all(&self) {
        if lock(&self.workers).values().any(|r| r.thread.is_some()) {
            // The process is ending: no thread may stay held at a point.
            self.gate.shutdown();
        }
        loop {
            let threads: Vec<_> = {
                let mut workers = lock(&self.workers);
                workers
                    .values_mut()
                    .filter_map(|r| {
                        r.control.terminate();
                        r.thread.take()
                    })
                    .collect()
            };
            if threads.is_empty() {
                return;
            }
            for t in threads {
                let _ = t.join();
            }
        }
    }
}

/// A runtime: the shared state of one Node-like process.
pub struct Runtime {
    shared: Arc<Shared>,
    timeout: Option<Duration>,
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Kept isolates go back to the pool, or are disposed of, on a V8 thread, as
        // everything that enters an isolate must be (see `engine/platform.rs`).
        let kept: Vec<Arc<KeptIsolate>> = lock(&self.shared.workers)
            .values_mut()
            .filter_map(|r| r.kept.take())
            .collect();
        if !kept.is_empty() {
            let _ = crate::engine::platform::run_on_v8_thread("heddle-dispose", move || {
                for k in kept {
                    crate::engine::thread::release(k);
                }
            });
        }
    }
}

impl Runtime {
    /// A runtime with `options`.
    pub fn new(options: RuntimeOptions) -> Self {
        let memory = Arc::new(crate::memory::MemoryWatch::new());
        // A controlling gate is told what each unit wrote to shared memory.
        let gate: Arc<dyn Gate> = if options.gate.serves_atomics() {
            Arc::new(crate::watched::WatchedGate::new(
                options.gate,
                memory.clone(),
            ))
        } else {
            options.gate
        };
        Runtime {
            shared: Arc::new(Shared {
                ids: Arc::new(PortIds::new()),
                next_worker: AtomicU64::new(1),
                groups: Mutex::new(BTreeMap::new()),
                logs: Mutex::new(Vec::new()),
                on_log: options.on_log,
                gate,
                cwd: options.cwd,
                argv: options.argv,
                env: options.env,
                keep_isolates: options.keep_isolates,
                on_post: options.on_post,
                heap_limit_mb: options.heap_limit_mb,
                read_roots: options.read_roots.map(|roots| {
                    roots
                        .into_iter()
                        .map(|r| std::fs::canonicalize(&r).unwrap_or(r))
                        .collect()
                }),
                memory,
                workers: Mutex::new(BTreeMap::new()),
            }),
            timeout: options.timeout,
        }
    }

    /// Runs `script` on a new main thread (thread id 0) until the process would exit, then
    /// stops every worker still running.
    pub fn run_main(&self, script: MainScript) -> Outcome {
        let entry = match script {
            MainScript::File(path) => EntryScript::File(if path.is_absolute() {
                path
            } else {
                self.shared.cwd.join(path)
            }),
            MainScript::Source { code, .. } => EntryScript::Eval(code),
        };
        let control = Arc::new(WorkerControl::new(Arc::new(Wake::new())));
        let init = WorkerInit {
            id: WorkerId(0),
            entry,
            data: None,
            parent_port: None,
            control_port: None,
            limits: Limits::default(),
            control: control.clone(),
        };
        // The record exists before the thread does: a main that ends at once must find it
        // (`Shared::finished` keeps its isolate there).
        lock(&self.shared.workers).insert(
            WorkerId(0),
            WorkerRecord {
                control: control.clone(),
                thread: None,
                kept: None,
                exit_code: None,
            },
        );
        let shared = self.shared.clone();
        let (done_tx, done_rx) = mpsc::channel();
        let spawned = crate::engine::platform::spawn("heddle-main".into(), 8 << 20, move || {
            let result = thread::run_isolate(&shared, init);
            let code = result.0;
            shared.finished(WorkerId(0), result);
            let _ = done_tx.send(code);
        });
        let main = match spawned {
            Ok(main) => main,
            Err(e) => {
                self.shared.log(
                    WorkerId(0),
                    LogStream::Stderr,
                    &format!("heddle: could not start the main thread: {e}"),
                );
                return Outcome {
                    exit_code: 1,
                    logs: lock(&self.shared.logs).clone(),
                    timed_out: false,
                };
            }
        };
        let (exit_code, timed_out) = match self.timeout {
            Some(t) => match done_rx.recv_timeout(t) {
                Ok(code) => (code, false),
                Err(_) => {
                    control.terminate();
                    // A controlling gate may hold the main thread (or its workers) at a
                    // point: release them, or the wait below never ends.
                    self.shared.gate.shutdown();
                    self.shared.terminate_all();
                    (done_rx.recv().unwrap_or(1), true)
                }
            },
            None => (done_rx.recv().unwrap_or(1), false),
        };
        let _ = main.join();
        self.shared.stop_all();
        Outcome {
            exit_code,
            logs: lock(&self.shared.logs).clone(),
            timed_out,
        }
    }

    /// The state every thread of this runtime shares.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The exit code of worker `id`, once it ended.
    pub fn exit_code(&self, id: WorkerId) -> Option<i32> {
        lock(&self.shared.workers)
            .get(&id)
            .and_then(|r| r.exit_code)
    }

    /// Evaluates `code` in the (finished) worker `id`'s isolate and returns the result as a
    /// string. Needs [`RuntimeOptions::keep_isolates`].
    pub fn eval_in(&self, id: WorkerId, code: &str) -> Result<String, crate::Error> {
        let kept = lock(&self.shared.workers)
            .get(&id)
            .and_then(|r| r.kept.clone())
            .ok_or(crate::Error::NoIsolate(id))?;
        let code = code.to_string();
        // Lock from a V8 thread (see `engine/platform.rs`).
        crate::engine::platform::run_on_v8_thread("heddle-eval", move || {
            crate::engine::thread::eval(&kept, &code)
        })?
    }
}
