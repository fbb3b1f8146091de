//! [`V8Guest`]: the [`Guest`] an event loop drives, and entry-script loading.
//!
//! Each task runs inside a `TryCatch`, then a microtask checkpoint. An exception that
//! escapes a task, a microtask, or a promise rejected with no handler by the end of the
//! checkpoint is the worker's uncaught error: it is reported (to the parent as `'error'`, or
//! on stderr for the main thread) and the worker stops with exit code 1.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::clone;
use crate::engine::esm::{module_by_path, normalize, run_module};
use crate::engine::host::{self, str, HostRef, Stop};
use crate::engine::tasks;
use crate::engine::thread::{self, Control};
use crate::port::{Entry, PortId};
use crate::runtime::LogStream;
use crate::timers::TimerId;
use crate::worker::{Flow, Guest};

/// What a worker runs first.
#[derive(Clone, Debug)]
pub(crate) enum EntryScript {
    /// A file, resolved already.
    File(PathBuf),
    /// Inline source (`new Worker(code, { eval: true })`).
    Eval(String),
}

/// The guest of one isolate.
pub(crate) struct V8Guest<'i> {
    pub isolate: &'i mut v8::Isolate,
    pub context: v8::Global<v8::Context>,
    pub host: HostRef,
    pub entry: EntryScript,
    /// The engine's tasks for this isolate, when its loop runs them (free-running).
    pub tasks: Option<Arc<tasks::Queue>>,
}

impl V8Guest<'_> {
    /// Runs `f` as one task: in the context, under a `TryCatch`, then a microtask
    /// checkpoint; reports what escaped.
    fn task(&mut self, f: impl FnOnce(&mut v8::PinScope<'_, '_>, &HostRef)) -> Flow {
        let host = self.host.clone();
        v8::scope!(let scope, self.isolate);
        let context = v8::Local::new(scope, &self.context);
        let scope = &mut v8::ContextScope::new(scope, context);
        v8::tc_scope!(let tc, scope);
        f(tc, &host);
        if tc.has_terminated() || tc.is_execution_terminating() {
            return Flow::Stop;
        }
        if let Some(exception) = tc.exception() {
            report_uncaught(tc, &host, exception);
            return Flow::Stop;
        }
        run_microtasks(tc);
        if tc.is_execution_terminating() {
            return Flow::Stop;
        }
        if let Some(exception) = tc.exception() {
            report_uncaught(tc, &host, exception);
            return Flow::Stop;
        }
        let pending = host.pending_uncaught.borrow_mut().take();
        if let Some(exception) = pending {
            let exception = v8::Local::new(tc, exception);
            report_uncaught(tc, &host, exception);
            return Flow::Stop;
        }
        let rejected = host.rejections.borrow_mut().drain(..).next();
        if let Some((_promise, reason)) = rejected {
            let reason = v8::Local::new(tc, reason);
            let error = unhandled_rejection(tc, reason);
            report_uncaught(tc, &host, error);
            return Flow::Stop;
        }
        if host.stop.borrow().is_some() {
            return Flow::Stop;
        }
        Flow::Continue
    }
}

fn call_hook(
    scope: &mut v8::PinScope<'_, '_>,
    host: &HostRef,
    pick: impl FnOnce(&host::Hooks) -> &v8::Global<v8::Function>,
    args: &[v8::Local<v8::Value>],
) {
    let f = host
        .hooks
        .borrow()
        .as_ref()
        .map(|h| v8::Local::new(scope, pick(h)));
    if let Some(f) = f {
        let undefined = v8::undefined(scope).into();
        f.call(scope, undefined, args);
    }
}

impl Guest for V8Guest<'_> {
    fn start(&mut self) -> Flow {
        // The parent's 'online' is posted inside this first turn, so it is ordered.
        if let Some(control) = self.host.parent_control {
            let _ = self
                .host
                .state
                .borrow_mut()
                .post(control, Control::Online.encode(self.host.worker, None));
        }
        let entry = self.entry.clone();
        self.task(|scope, host| run_entry(scope, host, &entry))
    }

    fn deliver(&mut self, port: PortId, entry: Entry) -> Flow {
        self.task(|scope, host| {
            let id = v8::Number::new(scope, port.0 as f64).into();
            let child = host.control_ports.borrow().get(&port).copied();
            match entry {
                Entry::Close => {
                    if child.is_some() {
                        host.control_ports.borrow_mut().remove(&port);
                    } else {
                        call_hook(scope, host, |h| &h.dispatch_close, &[id]);
                    }
                }
                Entry::Message(message) => {
                    if let Some(child) = child {
                        deliver_control(scope, host, port, child, message);
                        return;
                    }
                    // A message that cannot be deserialized is a 'messageerror', not a crash.
                    v8::tc_scope!(let tc, scope);
                    match clone::deserialize(tc, message.open()) {
                        Some(value) => call_hook(tc, host, |h| &h.dispatch, &[id, value]),
                        None => {
                            let error = tc.exception().unwrap_or_else(|| {
                                host::make_error(
                                    tc,
                                    "Error",
                                    "",
                                    "Unable to deserialize cloned data.",
                                )
                            });
                            tc.reset();
                            call_hook(tc, host, |h| &h.emit_message_error, &[id, error]);
                        }
                    }
                    if tc.has_caught() || tc.has_terminated() {
                        tc.rethrow();
                    }
                }
            }
        })
    }

    fn runs_user_code(&mut self, port: PortId, entry: &Entry) -> bool {
        // What the delivery would emit: a close marker 'close'; a lifecycle message its
        // kind's event ('exit' also delivers the child's last messages).
        let kind = match entry {
            Entry::Message(m) if crate::message::lifecycle_sender(m.tag).is_some() => {
                match m.data.first() {
                    Some(&thread::TAG_ONLINE) => "online",
                    Some(&thread::TAG_EXIT) => "exit",
                    _ => "error",
                }
            }
            Entry::Message(_) => return true,
            Entry::Close => "close",
        };
        let host = self.host.clone();
        v8::scope!(let scope, self.isolate);
        let context = v8::Local::new(scope, &self.context);
        let scope = &mut v8::ContextScope::new(scope, context);
        v8::tc_scope!(let tc, scope);
        let f = host
            .hooks
            .borrow()
            .as_ref()
            .map(|h| v8::Local::new(tc, &h.has_user_listeners));
        let Some(f) = f else { return true };
        let args = [
            v8::Number::new(tc, port.0 as f64).into(),
            host::str(tc, kind).into(),
        ];
        let undefined = v8::undefined(tc).into();
        // A listener check that throws (a getter, a proxy) is treated as user code.
        let user = f
            .call(tc, undefined, &args)
            .map(|v| v.boolean_value(tc))
            .unwrap_or(true);
        tc.reset();
        user
    }

    fn close_phase(&mut self) -> Flow {
        self.task(|scope, host| call_hook(scope, host, |h| &h.run_closes, &[]))
    }

    fn fire(&mut self, timer: TimerId) -> Flow {
        self.task(|scope, host| {
            let id = v8::Number::new(scope, timer.0 as f64).into();
            call_hook(scope, host, |h| &h.fire, &[id]);
        })
    }

    fn run_platform_tasks(&mut self) -> Flow {
        let Some(queue) = self.tasks.clone() else {
            return Flow::Continue;
        };
        // Each task is one task of the loop: a microtask checkpoint follows it (a settled
        // `waitAsync` runs its `then` callbacks), and what escapes ends the worker.
        for task in queue.take() {
            if self.task(move |_, _| task.run()) == Flow::Stop {
                return Flow::Stop;
            }
        }
        Flow::Continue
    }

    fn settle_wait(&mut self, id: u64, woken: bool) -> Flow {
        self.task(|scope, host| {
            let id = v8::Number::new(scope, id as f64).into();
            let woken = v8::Boolean::new(scope, woken).into();
            call_hook(scope, host, |h| &h.settle_wait, &[id, woken]);
        })
    }
}

/// A lifecycle message from a child: decode it and tell the bootstrap's `control`.
fn deliver_control(
    scope: &mut v8::PinScope<'_, '_>,
    host: &HostRef,
    port: PortId,
    child: crate::worker::WorkerId,
    message: crate::message::Message,
) {
    let parts = message.open();
    let Some((kind, payload)) = Control::decode(parts) else {
        return;
    };
    let id = v8::Number::new(scope, port.0 as f64).into();
    let (name, value): (&str, v8::Local<v8::Value>) = match kind {
        Control::Online => ("online", v8::undefined(scope).into()),
        Control::Exit(code) => {
            host.children.borrow_mut().remove(&child);
            ("exit", v8::Number::new(scope, code as f64).into())
        }
        Control::Error => {
            v8::tc_scope!(let tc, scope);
            let value = payload.and_then(|p| clone::deserialize(tc, p));
            let value = match value {
                Some(v) => v,
                None => {
                    tc.reset();
                    host::make_error(tc, "Error", "", "[worker error could not be cloned]")
                }
            };
            let name = str(tc, "error").into();
            call_hook(tc, host, |h| &h.control, &[id, name, value]);
            if tc.has_caught() || tc.has_terminated() {
                tc.rethrow();
            }
            return;
        }
        Control::ErrorText(text) if text == thread::OOM_MARKER => (
            "error",
            host::make_error(
                scope,
                "Error",
                "ERR_WORKER_OUT_OF_MEMORY",
                "Worker terminated due to reaching memory limit: JS heap out of memory",
            ),
        ),
        Control::ErrorText(text) => {
            let msg = str(scope, &text);
            ("error", v8::Exception::error(scope, msg))
        }
    };
    let name = str(scope, name).into();
    call_hook(scope, host, |h| &h.control, &[id, name, value]);
}

/// Node's wrapping of a non-Error rejection reason.
fn unhandled_rejection<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    reason: v8::Local<'s, v8::Value>,
) -> v8::Local<'s, v8::Value> {
    if reason.is_native_error() {
        return reason;
    }
    let text = reason.to_rust_string_lossy(scope);
    host::make_error(
        scope,
        "Error",
        "ERR_UNHANDLED_REJECTION",
        &format!(
            "This error originated either by throwing inside of an async function without a catch block, \
             or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason \"{text}\"."
        ),
    )
}

/// Reports an uncaught exception: to the parent (a worker) or on stderr (the main thread).
pub(crate) fn report_uncaught<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    host: &HostRef,
    exception: v8::Local<'s, v8::Value>,
) {
    if host.stop.borrow().is_some() {
        return; // already stopping (process.exit, a previous error)
    }
    *host.stop.borrow_mut() = Some(Stop::Uncaught);
    let summary = summarize_error(scope, exception);
    host.shared.gate.uncaught(host.worker, &summary);
    host.state.borrow_mut().exit = Some(1);
    match host.parent_control {
        Some(control) => {
            v8::tc_scope!(let tc, scope);
            let convert = host
                .hooks
                .borrow()
                .as_ref()
                .map(|h| v8::Local::new(tc, &h.error_for_parent));
            let undefined = v8::undefined(tc).into();
            let portable = convert
                .and_then(|f| f.call(tc, undefined, &[exception]))
                .unwrap_or(exception);
            tc.reset();
            let message = match clone::serialize(tc, portable, &[], None) {
                Some(out) => Control::Error.encode(host.worker, Some(out.message)),
                None => {
                    tc.reset();
                    Control::ErrorText(describe_exception(tc, exception)).encode(host.worker, None)
                }
            };
            let _ = host.state.borrow_mut().post(control, message);
        }
        None => {
            let text = describe_exception(scope, exception);
            host.shared
                .log(host.worker, LogStream::Stderr, &format!("Uncaught {text}"));
        }
    }
}

/// What a gate is told of an uncaught exception.
fn summarize_error<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    exception: v8::Local<'s, v8::Value>,
) -> crate::worker::UncaughtError {
    v8::tc_scope!(let tc, scope);
    let Ok(obj) = v8::Local::<v8::Object>::try_from(exception) else {
        return crate::worker::UncaughtError {
            class: exception.type_of(tc).to_rust_string_lossy(tc),
            name: String::new(),
            message: exception.to_rust_string_lossy(tc),
            code: None,
        };
    };
    let get = |tc: &mut v8::PinScope<'s, '_>, key: &str| -> Option<v8::Local<'s, v8::Value>> {
        let k = str(tc, key).into();
        let v = obj.get(tc, k)?;
        (!v.is_undefined() && !v.is_null()).then_some(v)
    };
    let text = |tc: &mut v8::PinScope<'s, '_>, key: &str| {
        get(tc, key)
            .map(|v| v.to_rust_string_lossy(tc))
            .unwrap_or_default()
    };
    let name = text(tc, "name");
    let message = text(tc, "message");
    let code = get(tc, "code").map(|v| {
        if v.is_number() {
            crate::worker::ErrorCode::Number(v.number_value(tc).unwrap_or(f64::NAN))
        } else {
            crate::worker::ErrorCode::Text(v.to_rust_string_lossy(tc))
        }
    });
    let class = obj.get_constructor_name().to_rust_string_lossy(tc);
    tc.reset();
    crate::worker::UncaughtError {
        class,
        name,
        message,
        code,
    }
}

/// An exception as Node prints it: the stack if it has one, else its string form.
pub(crate) fn describe_exception<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    exception: v8::Local<'s, v8::Value>,
) -> String {
    if let Ok(obj) = v8::Local::<v8::Object>::try_from(exception) {
        let key = str(scope, "stack").into();
        if let Some(stack) = obj.get(scope, key) {
            if stack.is_string() {
                return stack.to_rust_string_lossy(scope);
            }
        }
    }
    exception.to_rust_string_lossy(scope)
}

/// Whether a CommonJS compile error means the source is an ES module (Node 22's detection;
/// see docs/ARCHITECTURE.md for why Heddle detects where Node 20 would throw).
fn looks_like_esm(message: &str) -> bool {
    message.contains("Cannot use import statement outside a module")
        || message.contains("Unexpected token 'export'")
        || message.contains("Cannot use 'import.meta' outside a module")
        || message.contains("await is only valid in async functions")
}

fn run_entry(scope: &mut v8::PinScope<'_, '_>, host: &HostRef, entry: &EntryScript) {
    let (name, code, path) = match entry {
        EntryScript::Eval(code) => ("[worker eval]".to_string(), code.clone(), None),
        EntryScript::File(path) if !host.shared.may_read(&host.shared.cwd.join(path)) => {
            return crate::engine::files::throw_denied(scope, &path.display().to_string());
        }
        EntryScript::File(path) => match std::fs::read_to_string(path) {
            // `__filename` and `require` are absolute, as in Node (`new Worker(__filename)`).
            Ok(code) => {
                let path = if path.is_absolute() {
                    normalize(path)
                } else {
                    normalize(&host.shared.cwd.join(path))
                };
                (path.display().to_string(), code, Some(path))
            }
            Err(e) => {
                let _ = e;
                let msg = format!("Cannot find module '{}'", path.display());
                host::throw(scope, "Error", "MODULE_NOT_FOUND", &msg);
                return;
            }
        },
    };
    let forced = path.as_deref().and_then(module_by_path);
    if forced == Some(true) {
        run_module(scope, host, &name, &code);
        return;
    }
    // CommonJS first; fall back to an ES module when the syntax says so.
    let mut esm = false;
    let compiled = {
        v8::tc_scope!(let tc, scope);
        match crate::engine::files::compile_wrapper(tc, &name, &code) {
            Some(f) => Some(v8::Global::new(tc, f)),
            None => {
                let text = tc
                    .exception()
                    .map(|e| e.to_rust_string_lossy(tc))
                    .unwrap_or_default();
                if forced.is_none() && looks_like_esm(&text) {
                    tc.reset();
                    esm = true;
                } else {
                    tc.rethrow();
                }
                None
            }
        }
    };
    let Some(function) = compiled else {
        if esm {
            run_module(scope, host, &name, &code);
        }
        return;
    };
    let function = v8::Local::new(scope, function);
    let require_from = host
        .hooks
        .borrow()
        .as_ref()
        .map(|h| v8::Local::new(scope, &h.require_from));
    let Some(require_from) = require_from else {
        return;
    };
    let undefined = v8::undefined(scope).into();
    let filename = str(scope, &name).into();
    let Some(require) = require_from.call(scope, undefined, &[filename]) else {
        return;
    };
    let Ok(require) = v8::Local::<v8::Object>::try_from(require) else {
        return;
    };
    // The entry's module is `require.main` (so that `require.main === module` holds), or a
    // fresh one for `[worker eval]` code.
    let main_key = str(scope, "main").into();
    let module = match require
        .get(scope, main_key)
        .and_then(|m| v8::Local::<v8::Object>::try_from(m).ok())
    {
        Some(m) if path.is_some() => m,
        _ => {
            let m = v8::Object::new(scope);
            let exports: v8::Local<v8::Value> = v8::Object::new(scope).into();
            let key = str(scope, "exports").into();
            m.set(scope, key, exports);
            m
        }
    };
    let key = str(scope, "exports").into();
    let Some(exports) = module.get(scope, key) else {
        return;
    };
    let dir = path
        .as_deref()
        .and_then(Path::parent)
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| ".".into());
    let args = [
        exports,
        require.into(),
        module.into(),
        str(scope, &name).into(),
        str(scope, &dir).into(),
    ];
    function.call(scope, exports, &args);
}

/// A microtask checkpoint of the current context's own queue (each run's context has one;
/// see `thread.rs`), else of the isolate's.
pub(crate) fn run_microtasks(scope: &mut v8::PinScope<'_, '_>) {
    let context = scope.get_current_context();
    match context.get_microtask_queue() {
        Some(queue) => queue.perform_checkpoint(scope),
        None => scope.perform_microtask_checkpoint(),
    }
}
