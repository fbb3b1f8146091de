//! A worker's OS thread: isolate creation, bootstrap, the event loop, and its end.
//!
//! Teardown order (one place, here): the loop stops; the exit code is decided; the parent
//! is sent `exit`; the host leaves the isolate slot (its loop state, and so its ports, are
//! dropped: the parent's side sees `close`); the isolate is unlocked and either kept (for
//! [`Runtime::eval_in`](crate::runtime::Runtime::eval_in)) or disposed.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::engine::clone;
use crate::engine::esm::ModuleMap;
use crate::engine::guest::{EntryScript, V8Guest};
use crate::engine::host::{self, str, Child, Hooks, Host, HostRef, Stop};
use crate::engine::ops;
use crate::engine::platform;
use crate::engine::pool;
use crate::engine::tasks;
use crate::locker::Locker;
use crate::message::{Message, MessageParts};
use crate::port::{PortId, TransferredPort};
use crate::runtime::{LogStream, Shared};
use crate::wake::Wake;
use crate::worker::{EventLoop, LoopState, Point, WorkerControl, WorkerId};

/// Builtin module names that `require` and `import` resolve.
pub(crate) const BUILTINS: &[&str] = &[
    "worker_threads",
    "timers",
    "events",
    "process",
    "module",
    "path",
    "path/posix",
    "url",
    "util",
    "assert",
    "assert/strict",
    "os",
    "fs",
    "fs/promises",
    "crypto",
    "perf_hooks",
    "timers/promises",
    "async_hooks",
];

/// bootstrap.js with cjs.js (the CommonJS loader) and builtins.js (path, url, fs, …) in
/// place of its `// @cjs` and `// @builtins` marks.
fn bootstrap_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        include_str!("bootstrap.js")
            .replacen("  // @cjs\n", include_str!("cjs.js"), 1)
            .replacen("  // @builtins\n", include_str!("builtins.js"), 1)
    })
}

/// See `bootstrap`: V8's code cache of [`bootstrap_source`], shared by every isolate.
static BOOTSTRAP_CODE_CACHE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

/// A worker's lifecycle message to its parent, on the control channel.
#[derive(Debug, PartialEq)]
pub(crate) enum Control {
    /// The worker started running its script.
    Online,
    /// An uncaught error, serialized (the payload follows the tag).
    Error,
    /// An uncaught error that could not be cloned, as text.
    ErrorText(String),
    /// The worker stopped with this exit code.
    Exit(i32),
}

use crate::message::lifecycle_tag;

pub(crate) const TAG_ONLINE: u8 = 1;
const TAG_ERROR: u8 = 2;
const TAG_ERROR_TEXT: u8 = 3;
pub(crate) const TAG_EXIT: u8 = 4;

impl Control {
    /// The message carrying this control (with `payload`, a serialized error, for `Error`).
    pub(crate) fn encode(self, from: WorkerId, payload: Option<Message>) -> Message {
        let exit = matches!(self, Control::Exit(_));
        let mut message = payload.unwrap_or_else(|| Message::from_bytes(Vec::new()));
        let mut head = match self {
            Control::Online => vec![TAG_ONLINE],
            Control::Error => vec![TAG_ERROR],
            Control::ErrorText(text) => {
                let mut v = vec![TAG_ERROR_TEXT];
                v.extend_from_slice(text.as_bytes());
                v
            }
            Control::Exit(code) => {
                let mut v = vec![TAG_EXIT];
                v.extend_from_slice(&code.to_le_bytes());
                v
            }
        };
        head.append(&mut message.data);
        message.data = head;
        message.tag = lifecycle_tag(from.0, exit);
        message
    }

    /// Splits a control message into its kind and, for `Error`, the serialized error.
    pub(crate) fn decode(mut parts: MessageParts) -> Option<(Control, Option<MessageParts>)> {
        let tag = *parts.data.first()?;
        let rest = parts.data.split_off(1);
        match tag {
            TAG_ONLINE => Some((Control::Online, None)),
            TAG_EXIT => Some((
                Control::Exit(i32::from_le_bytes(rest.get(..4)?.try_into().ok()?)),
                None,
            )),
            TAG_ERROR_TEXT => Some((
                Control::ErrorText(String::from_utf8_lossy(&rest).into_owned()),
                None,
            )),
            TAG_ERROR => {
                parts.data = rest;
                Some((Control::Error, Some(parts)))
            }
            _ => None,
        }
    }
}

/// Heap and stack limits (`resourceLimits`), in MiB; 0 means V8's default.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Limits {
    pub max_old_mb: f64,
    pub max_young_mb: f64,
    pub stack_mb: f64,
}

/// An isolate kept after its worker ended, for evaluating expressions in it.
pub(crate) struct KeptIsolate {
    /// The runtime's lock for this isolate; `v8::Locker` is taken underneath it.
    pub locker: Locker,
    pub isolate: v8::SharedIsolate,
    pub context: RefCell<Option<v8::Global<v8::Context>>>,
    /// The context's microtask queue (dropped with the context, under the lock).
    pub microtasks: RefCell<Option<v8::MicrotaskQueueHandle>>,
    /// The heap limit it was created with, if it may go back to the pool ([`pool`]) after
    /// its run: `None` for a worker's own `resourceLimits`.
    pub pool_as: Option<Option<usize>>,
    /// It reached its heap limit: never pooled.
    pub exhausted: AtomicBool,
}

// SAFETY: `context` and `microtasks` are only touched by a thread holding `locker` (and
// then V8's own lock), which serialises all access; `v8::Global` itself is `Send`.
unsafe impl Sync for KeptIsolate {}
// SAFETY: the microtask queue handle (a pointer V8 made, not tied to a thread) is used and
// dropped only under the isolate's lock, by whichever thread holds it.
unsafe impl Send for KeptIsolate {}

/// The run of `kept` is over and nothing else holds it: its isolate goes back to the pool
/// (its context and microtask queue dropped under its lock), or is disposed of. Call it on
/// a V8 thread.
pub(crate) fn release(kept: Arc<KeptIsolate>) {
    let Ok(kept) = Arc::try_unwrap(kept) else {
        return; // someone else still holds it, and releases it last
    };
    let KeptIsolate {
        isolate,
        context,
        microtasks,
        pool_as,
        exhausted,
        ..
    } = kept;
    {
        let _v8_lock = isolate.lock();
        drop(context.into_inner());
        drop(microtasks.into_inner());
    }
    match pool_as {
        Some(heap) if !exhausted.load(Ordering::SeqCst) => pool::give(heap, isolate),
        _ => drop(isolate),
    }
}

/// A new isolate with the settings every run relies on (the callbacks look up the run's
/// host in the isolate's slot, so they serve every run of a pooled isolate).
fn new_isolate(heap: Option<usize>) -> v8::SharedIsolate {
    let mut params = v8::CreateParams::default();
    if let Some(max) = heap {
        params = params.heap_limits(0, max);
    }
    let mut isolate = v8::Isolate::new(params);
    isolate.set_microtasks_policy(v8::MicrotasksPolicy::Explicit);
    isolate.set_promise_reject_callback(on_promise_reject);
    isolate.set_host_initialize_import_meta_object_callback(crate::engine::esm::import_meta);
    isolate.set_host_import_module_dynamically_callback(crate::engine::esm::dynamic_import);
    isolate.add_message_listener(on_message);
    isolate.set_capture_stack_trace_for_uncaught_exceptions(true, 10);
    // SAFETY: the only slot values that are not `Send` (the `Rc<Host>` and the module map)
    // are installed after a thread locks the isolate for a run and removed before it
    // unlocks it for the last time in that run; no other thread locks the isolate in
    // between (see `KeptIsolate`).
    match unsafe { isolate.try_into_shared() } {
        Ok(i) => i,
        Err(_) => panic!("[runtime internal bug] a fresh isolate could not be shared"),
    }
}

/// Everything a new worker thread needs.
pub(crate) struct WorkerInit {
    pub id: WorkerId,
    pub entry: EntryScript,
    pub data: Option<Message>,
    pub parent_port: Option<TransferredPort>,
    pub control_port: Option<TransferredPort>,
    pub limits: Limits,
    pub control: Arc<WorkerControl>,
}

/// Set by the near-heap-limit callback; read after the loop.
struct HeapGuard {
    handle: v8::IsolateHandle,
    /// The isolate the callback is registered on (read for its heap statistics).
    isolate: v8::UnsafeRawIsolatePtr,
    hit: AtomicBool,
}

unsafe extern "C" fn near_heap_limit(data: *mut c_void, current: usize, _initial: usize) -> usize {
    // SAFETY: `data` is the `HeapGuard` registered with this callback; it outlives the
    // isolate's use of it (removed before the guard drops, in `run_isolate`).
    let guard = unsafe { &*(data as *const HeapGuard) };
    // SAFETY: V8 calls this callback on the thread that has `guard.isolate` locked and
    // entered (inside one of its garbage collections), so the isolate is alive and this
    // thread may call into it; `Isolate` is a pointer wrapper without `Drop`.
    let mut isolate = unsafe { v8::Isolate::from_raw_isolate_ptr_unchecked(guard.isolate) };
    // V8 also calls this as a "last resort" when an ArrayBuffer's backing store cannot be
    // allocated (`new ArrayBuffer(7 * 2 ** 50)`), with the heap nowhere near its limit;
    // that allocation then fails with a RangeError, as in Node. Only a heap that is
    // really full is an out-of-memory.
    if isolate.get_heap_statistics().used_heap_size() < current / 2 {
        return current;
    }
    guard.hit.store(true, Ordering::SeqCst);
    guard.handle.terminate_execution();
    // Raise the limit so that V8 can unwind instead of aborting the process.
    current * 2
}

extern "C" fn on_promise_reject(message: v8::PromiseRejectMessage) {
    v8::callback_scope!(unsafe scope, &message);
    let Some(host) = scope.get_slot::<HostRef>().cloned() else {
        return;
    };
    let promise = message.get_promise();
    match message.get_event() {
        v8::PromiseRejectEvent::PromiseRejectWithNoHandler => {
            let reason = message
                .get_value()
                .unwrap_or_else(|| v8::undefined(scope).into());
            let entry = (
                v8::Global::new(scope, promise),
                v8::Global::new(scope, reason),
            );
            host.rejections.borrow_mut().push(entry);
        }
        v8::PromiseRejectEvent::PromiseHandlerAddedAfterReject => {
            let global = v8::Global::new(scope, promise);
            host.rejections.borrow_mut().retain(|(p, _)| *p != global);
        }
        _ => {}
    }
}

unsafe extern "C" fn on_message(message: v8::Local<v8::Message>, exception: v8::Local<v8::Value>) {
    v8::callback_scope!(unsafe scope, message);
    let Some(host) = scope.get_slot::<HostRef>().cloned() else {
        return;
    };
    let mut pending = host.pending_uncaught.borrow_mut();
    if pending.is_none() {
        *pending = Some(v8::Global::new(scope, exception));
    }
}

/// Resolves a worker's filename as Node does: relative to the runtime's cwd.
pub(crate) fn resolve_entry(cwd: &Path, filename: &str) -> Result<PathBuf, String> {
    let name = filename.strip_prefix("file://").unwrap_or(filename);
    let path = Path::new(name);
    if path.is_absolute() {
        return Ok(crate::engine::esm::normalize(path));
    }
    if name.starts_with("./") || name.starts_with("../") {
        return Ok(crate::engine::esm::normalize(&cwd.join(path)));
    }
    Err("The worker script or module filename must be an absolute path or a relative path starting with './' or '../'. Received \"".to_string() + filename + "\"")
}

fn number(scope: &mut v8::PinScope<'_, '_>, value: v8::Local<v8::Value>) -> f64 {
    value.number_value(scope).unwrap_or(0.0)
}

/// `new Worker(...)`: spawns a child thread. Returns its id, the parent's end of the public
/// channel and the parent's end of the control channel; `None` with an exception pending.
pub(crate) fn spawn_child<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: &v8::FunctionCallbackArguments<'s>,
) -> Option<(WorkerId, PortId, PortId)> {
    let host = host::host(scope);
    let filename = args.get(0).to_rust_string_lossy(scope);
    let is_eval = args.get(1).boolean_value(scope);
    let entry = if is_eval {
        EntryScript::Eval(filename)
    } else {
        match resolve_entry(&host.shared.cwd, &filename) {
            Ok(path) => EntryScript::File(path),
            Err(msg) => {
                host::throw(scope, "TypeError", "ERR_WORKER_PATH", &msg);
                return None;
            }
        }
    };
    let transfer_value = args.get(3);
    let transfer: Vec<_> = match v8::Local::<v8::Array>::try_from(transfer_value) {
        Ok(a) => (0..a.length())
            .filter_map(|i| a.get_index(scope, i))
            .collect(),
        Err(_) => Vec::new(),
    };
    let limits = Limits {
        max_old_mb: number(scope, args.get(4)),
        max_young_mb: number(scope, args.get(5)),
        stack_mb: number(scope, args.get(6)),
    };
    let data = clone::serialize(scope, args.get(2), &transfer, None);
    host.report_released(); // the held messages of the ports it transferred went first
    let data = data?.message;
    host.point(&Point::Spawn);
    let id = host.shared.next_worker_id();
    // The ports it moves are the child's from now on, for who a post would reach.
    for port in &data.ports {
        port.bound_for(id.0);
    }
    let name = args.get(7).to_rust_string_lossy(scope);
    host.shared.gate.spawned(host.worker, id, &name);
    let (public_parent, public_child, control_parent, control_child) = {
        let mut st = host.state.borrow_mut();
        let (pp, pc) = st.channel();
        let (cp, cc) = st.channel();
        let pc = st.transfer(pc).expect("just created");
        let cc = st.transfer(cc).expect("just created");
        pc.bound_for(id.0);
        cc.bound_for(id.0);
        (pp, pc, cp, cc)
    };
    let control = Arc::new(WorkerControl::new(Arc::new(Wake::for_worker(id.0))));
    host.children.borrow_mut().insert(
        id,
        Child {
            control: control.clone(),
        },
    );
    host.control_ports.borrow_mut().insert(control_parent, id);
    let init = WorkerInit {
        id,
        entry,
        data: Some(data),
        parent_port: Some(public_child),
        control_port: Some(control_child),
        limits,
        control: control.clone(),
    };
    let shared = host.shared.clone();
    // Node's stackSizeMb, plus room for the runtime's own frames; at most 1 GiB.
    let stack = if limits.stack_mb > 0.0 {
        ((limits.stack_mb.min(1024.0) * 1048576.0) as usize).saturating_add(4 << 20)
    } else {
        8 << 20
    };
    // The record exists before the thread does: a worker that ends at once must find it.
    host.shared.register(id, control);
    let spawned = platform::spawn(format!("heddle-worker-{}", id.0), stack, move || {
        let shared2 = shared.clone();
        let kept = run_isolate(&shared2, init);
        shared.finished(id, kept);
    });
    match spawned {
        Ok(handle) => host.shared.set_thread(id, handle),
        Err(e) => {
            host::throw(
                scope,
                "Error",
                "ERR_WORKER_INIT_FAILED",
                &format!("could not start a worker thread: {e}"),
            );
            return None;
        }
    }
    Some((id, public_parent, control_parent))
}

/// Runs one isolate from creation to its end; returns the isolate if the runtime keeps
/// finished isolates, and the exit code.
pub(crate) fn run_isolate(
    shared: &Arc<Shared>,
    init: WorkerInit,
) -> (i32, Option<Arc<KeptIsolate>>) {
    if let Err(e) = platform::check_thread() {
        shared.log(init.id, LogStream::Stderr, &e.to_string());
        shared.gate.exited(init.id);
        return (1, None);
    }
    shared.gate.register(init.id, &init.control);
    // The worker's own `resourceLimits`, else the runtime's default heap limit, else V8's.
    let own_limits = init.limits.max_old_mb > 0.0 || init.limits.max_young_mb > 0.0;
    let old_mb = if init.limits.max_old_mb > 0.0 {
        Some(init.limits.max_old_mb)
    } else {
        shared.heap_limit_mb.map(f64::from)
    };
    let heap = old_mb.map(|old_mb| {
        let young = init.limits.max_young_mb.max(0.0);
        // At most 1 TiB: V8 takes the limit as a size, and a larger one only overflows.
        ((old_mb + young).min(1048576.0) * 1048576.0) as usize
    });
    // A worker with its own limits gets an isolate of its own, never pooled.
    let pool_as = (!own_limits).then_some(heap);
    let isolate = match pool_as.and_then(pool::take) {
        Some(isolate) => isolate,
        None => new_isolate(heap),
    };
    let mut guard = Box::new(HeapGuard {
        handle: isolate.thread_safe_handle(),
        isolate: v8::UnsafeRawIsolatePtr::null(),
        hit: AtomicBool::new(false),
    });
    let handle = isolate.thread_safe_handle();
    init.control.set_interrupt(Some(Box::new(move || {
        handle.terminate_execution();
    })));
    let kept = Arc::new(KeptIsolate {
        locker: Locker::new(),
        isolate,
        context: RefCell::new(None),
        microtasks: RefCell::new(None),
        pool_as,
        exhausted: AtomicBool::new(false),
    });
    let code;
    {
        let _runtime_lock = kept.locker.lock();
        let mut v8_lock = kept.isolate.lock();
        // SAFETY: only reads the isolate's address; the callback that uses it runs while
        // this thread holds the lock taken just above (it is removed before unlocking).
        guard.isolate = unsafe { v8_lock.as_raw_isolate_ptr() };
        // Every isolate stops at its heap limit instead of taking the process down: a
        // worker ends with ERR_WORKER_OUT_OF_MEMORY, as in Node; main reports Node's fatal
        // error.
        v8_lock.add_near_heap_limit_callback(
            near_heap_limit,
            &*guard as *const HeapGuard as *mut c_void,
        );
        code = run_locked(shared, &mut v8_lock, &kept, init, &guard);
        v8_lock.cancel_terminate_execution();
        v8_lock.remove_near_heap_limit_callback(near_heap_limit, 0);
    }
    if guard.hit.load(Ordering::SeqCst) {
        kept.exhausted.store(true, Ordering::SeqCst);
    }
    drop(guard);
    if shared.keep_isolates {
        (code, Some(kept))
    } else {
        release(kept);
        (code, None)
    }
}

fn run_locked(
    shared: &Arc<Shared>,
    isolate: &mut v8::Isolate,
    kept: &KeptIsolate,
    init: WorkerInit,
    guard: &HeapGuard,
) -> i32 {
    let control = init.control.clone();
    let state = Rc::new(RefCell::new(LoopState::new(
        init.id,
        shared.ids.clone(),
        control.clone(),
    )));
    let parent_port = init.parent_port.map(|p| state.borrow_mut().adopt(p));
    let control_port = init.control_port.map(|p| state.borrow_mut().adopt(p));
    // A new context for every run, with its own microtask queue: whatever the previous run
    // of a pooled isolate left (globals, prototypes, pending jobs) stays with its context.
    let microtasks = v8::MicrotaskQueue::new(isolate, v8::MicrotasksPolicy::Explicit);
    let context = {
        v8::scope!(let scope, isolate);
        let queue: *const v8::MicrotaskQueue = &*microtasks;
        let options = v8::ContextOptions {
            microtask_queue: Some(queue.cast_mut()),
            ..Default::default()
        };
        let context = v8::Context::new(scope, options);
        v8::Global::new(scope, context)
    };
    *kept.microtasks.borrow_mut() = Some(microtasks);
    *kept.context.borrow_mut() = Some(context.clone());
    let brand = {
        v8::scope!(let scope, isolate);
        let name = str(scope, "heddle.MessagePort");
        let private = v8::Private::new(scope, Some(name));
        v8::Global::new(scope, private)
    };
    let host: HostRef = Rc::new(Host {
        worker: init.id,
        state: state.clone(),
        shared: shared.clone(),
        hooks: RefCell::new(None),
        brand,
        children: RefCell::new(BTreeMap::new()),
        control_ports: RefCell::new(BTreeMap::new()),
        parent_control: control_port,
        stop: RefCell::new(None),
        rejections: RefCell::new(Vec::new()),
        pending_uncaught: RefCell::new(None),
        #[cfg(heddle_mutant = "sab_freed_with_creator")]
        sent_sabs: RefCell::new(Vec::new()),
    });
    isolate.set_slot(host.clone());
    isolate.set_slot(ModuleMap::default());

    let booted = bootstrap(isolate, &context, &host, parent_port, init.data);
    if !booted {
        // Terminated while starting: take a turn anyway, so the exit below is in order.
        shared.gate.point(init.id, &Point::Start);
    }
    if booted {
        // Free-running, V8's own tasks for this isolate (an `Atomics.waitAsync` settling)
        // run on this loop; a gate that serves atomics settles waitAsync itself. Dropped
        // at the end of this block, with the isolate still locked.
        let registration = (!shared.gate.serves_atomics())
            .then(|| tasks::register(isolate, state.borrow().wake().clone()));
        let mut guest = V8Guest {
            isolate,
            context: context.clone(),
            host: host.clone(),
            entry: init.entry,
            tasks: registration.as_ref().map(|r| r.queue().clone()),
        };
        let event_loop = EventLoop::new(state.clone(), shared.gate.clone(), shared.on_post.clone());
        event_loop.run(&mut guest);
        drop(guest);
        drop(registration);
    }
    let out_of_memory = guard.hit.load(Ordering::SeqCst);
    let stop = host.stop.borrow().clone();
    if out_of_memory {
        shared.gate.uncaught(
            init.id,
            &crate::worker::UncaughtError {
                class: "Error".into(),
                name: "Error".into(),
                message: if control_port.is_some() {
                    "Worker terminated due to reaching memory limit: JS heap out of memory".into()
                } else {
                    "Reached heap limit Allocation failed - JavaScript heap out of memory".into()
                },
                code: control_port
                    .is_some()
                    .then(|| crate::worker::ErrorCode::Text("ERR_WORKER_OUT_OF_MEMORY".into())),
            },
        );
    }
    if out_of_memory && control_port.is_none() {
        // Node aborts the process here, printing this (exit code 134, SIGABRT's).
        shared.log(
            init.id,
            LogStream::Stderr,
            "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        );
    }
    let code = if out_of_memory {
        if control_port.is_none() {
            134
        } else {
            1
        }
    } else {
        match stop {
            Some(Stop::Exit(c)) => c,
            Some(Stop::Uncaught) => 1,
            // Node: a worker terminated before its environment existed keeps exit code 0
            // (`Worker::Exit` sets the code only once `env_` is set); after, 1.
            None if control.is_terminated() && !state.borrow().began => 0,
            None if control.is_terminated() => 1,
            None => exit_code(isolate, &context, &host),
        }
    };
    #[cfg(heddle_mutant = "sab_freed_with_creator")]
    for store in host.sent_sabs.borrow().iter() {
        // MUTANT: the shared memory dies with the worker that shared it (#28777).
        for byte in store.iter() {
            byte.set(0xdd);
        }
    }
    // What a fault held back goes before the end (a delay never loses a message).
    if state.borrow_mut().release_all_held() {
        host.report_released();
    }
    if let Some(cp) = control_port {
        if out_of_memory {
            let _ = state.borrow_mut().post(
                cp,
                Control::ErrorText(OOM_MARKER.into()).encode(init.id, None),
            );
        }
        let _ = state
            .borrow_mut()
            .post(cp, Control::Exit(code).encode(init.id, None));
    }
    control.set_interrupt(None);
    // Children outlive nothing: stop them with us.
    for child in host.children.borrow().values() {
        child.control.terminate();
    }
    drop(host);
    isolate.remove_slot::<HostRef>();
    isolate.remove_slot::<ModuleMap>();
    let pending = state.borrow().pending_messages();
    for (port, tag) in pending {
        shared.gate.undelivered(init.id, port, tag);
    }
    drop(state); // closes this worker's ports
    shared.gate.exited(init.id);
    code
}

/// The text a child sends when it ran out of heap; the parent turns it into
/// `ERR_WORKER_OUT_OF_MEMORY`.
pub(crate) const OOM_MARKER: &str = "\u{0}heddle:out-of-memory";

fn exit_code(isolate: &mut v8::Isolate, context: &v8::Global<v8::Context>, host: &HostRef) -> i32 {
    v8::scope!(let scope, isolate);
    let context = v8::Local::new(scope, context);
    let scope = &mut v8::ContextScope::new(scope, context);
    let f = host
        .hooks
        .borrow()
        .as_ref()
        .map(|h| v8::Local::new(scope, &h.exit_code));
    let Some(f) = f else { return 0 };
    let undefined = v8::undefined(scope).into();
    match f.call(scope, undefined, &[]) {
        Some(v) if !v.is_undefined() => v.int32_value(scope).unwrap_or(0),
        _ => 0,
    }
}

fn get_fn(
    scope: &mut v8::PinScope<'_, '_>,
    obj: v8::Local<v8::Object>,
    name: &str,
) -> Option<v8::Global<v8::Function>> {
    let key = str(scope, name).into();
    let value = obj.get(scope, key)?;
    let f = v8::Local::<v8::Function>::try_from(value).ok()?;
    Some(v8::Global::new(scope, f))
}

/// Prints the pending exception on the worker's stderr, after `what`.
fn log_exception(
    tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, '_, v8::HandleScope<'_>>>,
    host: &HostRef,
    what: &str,
) {
    let text = tc
        .exception()
        .map(|e| e.to_rust_string_lossy(tc))
        .unwrap_or_default();
    host.shared
        .log(host.worker, LogStream::Stderr, &format!("{what}: {text}"));
}

pub(crate) fn bootstrap(
    isolate: &mut v8::Isolate,
    context: &v8::Global<v8::Context>,
    host: &HostRef,
    parent_port: Option<PortId>,
    data: Option<Message>,
) -> bool {
    v8::scope!(let scope, isolate);
    let context = v8::Local::new(scope, context);
    let scope = &mut v8::ContextScope::new(scope, context);
    v8::tc_scope!(let tc, scope);
    let source = str(tc, bootstrap_source());
    let name = str(tc, "heddle:bootstrap").into();
    let origin = v8::ScriptOrigin::new(tc, name, 0, 0, false, 0, None, false, false, false, None);
    // V8's code cache of bootstrap.js, made by the first isolate of the process once the
    // bootstrap ran (so that it holds the lazily compiled functions too): later isolates
    // skip parsing and compiling it. Parsing was about a quarter of a harness run's time.
    let cached = BOOTSTRAP_CODE_CACHE.get();
    let mut compiled = match cached {
        Some(bytes) => v8::script_compiler::Source::new_with_cached_data(
            source,
            Some(&origin),
            v8::script_compiler::CachedData::new(bytes),
        ),
        None => v8::script_compiler::Source::new(source, Some(&origin)),
    };
    let options = if cached.is_some() {
        v8::script_compiler::CompileOptions::ConsumeCodeCache
    } else {
        v8::script_compiler::CompileOptions::NoCompileOptions
    };
    // Evaluating the bootstrap fails only if the worker was terminated while starting.
    let Some(unbound) = v8::script_compiler::compile_unbound_script(
        tc,
        &mut compiled,
        options,
        v8::script_compiler::NoCacheReason::NoReason,
    ) else {
        return false;
    };
    let unbound_global = v8::Global::new(tc, unbound);
    let Some(function) = unbound.bind_to_current_context(tc).run(tc) else {
        return false;
    };
    let Ok(function) = v8::Local::<v8::Function>::try_from(function) else {
        return false;
    };
    let ops = ops::install(tc);
    let info = v8::Object::new(tc);
    let set = |tc: &mut v8::PinScope<'_, '_>, k: &str, v: v8::Local<v8::Value>| {
        let key = str(tc, k).into();
        info.set(tc, key, v);
    };
    let is_main = host.worker.0 == 0;
    let v = v8::Boolean::new(tc, is_main).into();
    set(tc, "isMainThread", v);
    let v = v8::Number::new(tc, host.worker.0 as f64).into();
    set(tc, "threadId", v);
    let v = match parent_port {
        Some(p) => v8::Number::new(tc, p.0 as f64).into(),
        None => v8::null(tc).into(),
    };
    set(tc, "parentPort", v);
    let argv: Vec<v8::Local<v8::Value>> =
        host.shared.argv.iter().map(|a| str(tc, a).into()).collect();
    let v = v8::Array::new_with_elements(tc, &argv).into();
    set(tc, "argv", v);
    let env = v8::Object::new(tc);
    for (k, value) in &host.shared.env {
        let key = str(tc, k).into();
        let value = str(tc, value).into();
        env.set(tc, key, value);
    }
    set(tc, "env", env.into());
    let v = str(tc, &host.shared.cwd.display().to_string()).into();
    set(tc, "cwd", v);
    let v = str(tc, platform::version()).into();
    set(tc, "v8", v);
    let v = v8::Object::new(tc).into();
    set(tc, "resourceLimits", v);
    let v = v8::Boolean::new(tc, host.shared.gate.serves_atomics()).into();
    set(tc, "controlled", v);
    let v = match host.shared.gate.random_seed(host.worker) {
        Some(seed) => v8::Number::new(tc, (seed & ((1 << 53) - 1)) as f64).into(),
        None => v8::null(tc).into(),
    };
    set(tc, "seed", v);
    let undefined = v8::undefined(tc).into();
    let Some(hooks) = function.call(tc, undefined, &[ops.into(), info.into()]) else {
        if !tc.has_terminated() {
            log_exception(tc, host, "[runtime internal bug] bootstrap.js threw");
        }
        return false;
    };
    let Ok(hooks) = v8::Local::<v8::Object>::try_from(hooks) else {
        return false;
    };
    // A hook is missing only if the worker was terminated during the bootstrap.
    let Some(new_hooks) = (|| {
        Some(Hooks {
            dispatch: get_fn(tc, hooks, "dispatch")?,
            dispatch_close: get_fn(tc, hooks, "dispatchClose")?,
            control: get_fn(tc, hooks, "control")?,
            fire: get_fn(tc, hooks, "fire")?,
            make_port: get_fn(tc, hooks, "makePort")?,
            make_error: get_fn(tc, hooks, "makeError")?,
            exit_code: get_fn(tc, hooks, "exitCode")?,
            require: get_fn(tc, hooks, "require")?,
            require_from: get_fn(tc, hooks, "requireFrom")?,
            require_file: get_fn(tc, hooks, "requireFile")?,
            resolve_import: get_fn(tc, hooks, "resolveImport")?,
            set_worker_data: get_fn(tc, hooks, "setWorkerData")?,
            emit_message_error: get_fn(tc, hooks, "emitMessageError")?,
            run_closes: get_fn(tc, hooks, "runCloses")?,
            error_for_parent: get_fn(tc, hooks, "errorForParent")?,
            settle_wait: get_fn(tc, hooks, "settleWait")?,
            has_user_listeners: get_fn(tc, hooks, "hasUserListeners")?,
        })
    })() else {
        return false;
    };
    *host.hooks.borrow_mut() = Some(new_hooks);
    if BOOTSTRAP_CODE_CACHE.get().is_none() {
        let unbound = v8::Local::new(tc, unbound_global);
        if let Some(cache) = unbound.create_code_cache() {
            let _ = BOOTSTRAP_CODE_CACHE.set(cache.to_vec());
        }
    }
    if let Some(data) = data {
        match clone::deserialize(tc, data.open()) {
            Some(value) => {
                let f = host
                    .hooks
                    .borrow()
                    .as_ref()
                    .map(|h| v8::Local::new(tc, &h.set_worker_data));
                if let Some(f) = f {
                    f.call(tc, undefined, &[value]);
                }
            }
            None => {
                // Terminated while deserializing (the process is ending, say main exited
                // while this worker starts): there is nothing to report, and a report
                // would land in the trace at whatever moment the race chose.
                if !tc.has_terminated() && !tc.is_execution_terminating() {
                    log_exception(tc, host, "workerData could not be deserialized");
                }
                return false;
            }
        }
    }
    true
}

/// Evaluates `code` in a kept isolate, under the runtime's Locker and then V8's.
pub(crate) fn eval(kept: &KeptIsolate, code: &str) -> Result<String, crate::Error> {
    platform::check_thread()?;
    let _runtime_lock = kept.locker.lock();
    let mut v8_lock = kept.isolate.lock();
    let context = kept
        .context
        .borrow()
        .clone()
        .ok_or_else(|| crate::Error::Eval("the isolate has no context".into()))?;
    v8::scope!(let scope, &mut *v8_lock);
    let context = v8::Local::new(scope, context);
    let scope = &mut v8::ContextScope::new(scope, context);
    v8::tc_scope!(let tc, scope);
    let source = str(tc, code);
    let result = v8::Script::compile(tc, source, None).and_then(|s| s.run(tc));
    match result {
        Some(v) => Ok(v.to_rust_string_lossy(tc)),
        None => Err(crate::Error::Eval(
            tc.exception()
                .map(|e| e.to_rust_string_lossy(tc))
                .unwrap_or_else(|| "terminated".into()),
        )),
    }
}
