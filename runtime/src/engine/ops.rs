//! The native functions behind `bootstrap.js`, installed on the object it receives as `ops`.
//!
//! Each op takes the [`Host`](super::host::Host) out of the isolate slot, does one thing to
//! the loop state or the runtime, and returns. Argument errors throw; ops never panic on
//! input (a panic inside a V8 callback aborts the process).

use crate::engine::clone;
use crate::engine::host::{self, str};
use crate::engine::thread;
use crate::group::Dispatch;
use crate::hook::{BeforePost, PostVerdict};
use crate::port::PortId;
use crate::runtime::LogStream;
use crate::timers::{TimerId, TimerSpec};
use crate::worker::{AtomicsAccess, Point, WaitKey, WorkerId};

type Args<'s> = v8::FunctionCallbackArguments<'s>;
type Ret<'s> = v8::ReturnValue<'s, v8::Value>;

fn num(scope: &mut v8::PinScope<'_, '_>, args: &Args<'_>, i: i32) -> f64 {
    args.get(i).number_value(scope).unwrap_or(f64::NAN)
}

fn port_arg(scope: &mut v8::PinScope<'_, '_>, args: &Args<'_>, i: i32) -> PortId {
    PortId(num(scope, args, i) as u64)
}

fn array_items<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: v8::Local<'s, v8::Value>,
) -> Vec<v8::Local<'s, v8::Value>> {
    let Ok(array) = v8::Local::<v8::Array>::try_from(value) else {
        return Vec::new();
    };
    (0..array.length())
        .filter_map(|i| array.get_index(scope, i))
        .collect()
}

/// An op called in a finished worker's isolate (only inspection runs there): throw.
fn ended(scope: &mut v8::PinScope<'_, '_>) {
    let msg = str(
        scope,
        "this worker has ended: its isolate is kept only for evaluating expressions",
    );
    let e = v8::Exception::error(scope, msg);
    scope.throw_exception(e);
}

/// After a panic inside an op (a Heddle bug): throw instead of unwinding into V8, which
/// would abort the process.
fn internal_bug(scope: &mut v8::PinScope<'_, '_>, op: &str) {
    let msg = str(
        scope,
        &format!(
            "[runtime internal bug] the native op `{op}` panicked (see stderr); please report it"
        ),
    );
    let e = v8::Exception::error(scope, msg);
    scope.throw_exception(e);
}

/// Installs every op on a fresh object and returns it.
pub(crate) fn install<'s>(scope: &mut v8::PinScope<'s, '_>) -> v8::Local<'s, v8::Object> {
    let ops = v8::Object::new(scope);
    macro_rules! op {
        ($name:literal, $f:path) => {{
            // A panic must not unwind through V8's frames (that aborts): catch it here.
            fn guarded<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, rv: Ret<'s>) {
                let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    $f(&mut *scope, args, rv)
                }));
                if ran.is_err() {
                    internal_bug(scope, $name);
                }
            }
            if let Some(f) = v8::Function::new(scope, guarded) {
                let key = str(scope, $name);
                ops.set(scope, key.into(), f.into());
            }
        }};
    }
    op!("brand", brand);
    op!("namePort", name_port);
    op!("channel", channel);
    op!("post", post);
    op!("receive", receive);
    op!("start", start);
    op!("stop", stop);
    op!("close", close);
    op!("ref", set_ref);
    op!("hasRef", has_ref);
    op!("broadcast", broadcast);
    op!("clone", clone_value);
    op!("spawn", spawn);
    op!("terminate", terminate);
    op!("timerAdd", timer_add);
    op!("timerCancel", timer_cancel);
    op!("timerRef", timer_ref);
    op!("timerHasRef", timer_has_ref);
    op!("log", log);
    op!("exit", exit);
    op!("point", point);
    op!("step", step);
    op!("stepsEnd", steps_end);
    op!("closeLater", close_later);
    op!("now", now);
    op!("atomicsPoint", atomics_point);
    op!("atomicsWait", atomics_wait);
    op!("atomicsNotify", atomics_notify);
    op!("atomicsWaitAsync", atomics_wait_async);
    op!("readFile", super::files::read_file);
    op!("stat", super::files::stat);
    op!("compileCommonJs", super::files::compile_common_js);
    ops
}

fn brand<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let Ok(obj) = v8::Local::<v8::Object>::try_from(args.get(0)) else {
        return;
    };
    let key = v8::Local::new(scope, &host.brand);
    obj.set_private(scope, key, args.get(1));
}

/// `namePort(id, name)`: the harness names one end of a spec's channel (see
/// `Gate::port_named`).
fn name_port<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let port = port_arg(scope, &args, 0);
    let name = args.get(1).to_rust_string_lossy(scope);
    host.shared.gate.port_named(host.worker, port, &name);
}

fn channel<'s>(scope: &mut v8::PinScope<'s, '_>, _args: Args<'s>, mut rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let (a, b) = host.state.borrow_mut().channel();
    let items = [
        v8::Number::new(scope, a.0 as f64).into(),
        v8::Number::new(scope, b.0 as f64).into(),
    ];
    rv.set(v8::Array::new_with_elements(scope, &items).into());
}

fn post<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let port = port_arg(scope, &args, 0);
    let transfer = array_items(scope, args.get(2));
    host.point(&Point::Post(port));
    let to = match host.shared.on_post {
        Some(_) => host.state.borrow().receivers(port),
        None => Vec::new(),
    };
    if let Some(hook) = &host.shared.on_post {
        if hook.before_post(host.worker, port, &to) == BeforePost::CloneFailure {
            let text = clone::uncloneable_text(scope, args.get(1));
            return host::throw(scope, "DOMException", "DataCloneError", &text);
        }
    }
    let out = clone::serialize(scope, args.get(1), &transfer, Some(port));
    host.report_released(); // the held messages of the ports it transferred went first
    let Some(out) = out else {
        return; // a clone error is pending
    };
    if out.posted_to_itself {
        host.shared.log(
            host.worker,
            LogStream::Stderr,
            "(node) Warning: The target port was posted to itself, and the communication channel was lost",
        );
        return;
    }
    let mut message = out.message;
    let (copies, wake) = match &host.shared.on_post {
        None => (1, true),
        Some(hook) => match hook.on_post(host.worker, port, &to, &mut message) {
            PostVerdict::Deliver => (1, true),
            PostVerdict::Drop => (0, true),
            PostVerdict::Duplicate => (2, true),
            PostVerdict::LoseWakeup => (1, false),
            PostVerdict::Hold(release) => {
                host.state.borrow_mut().hold(port, message, release);
                return;
            }
        },
    };
    if copies == 0 {
        return;
    }
    if copies == 2 {
        if let Some(copy) = message.share() {
            let tag = copy.tag;
            let dispatched = host.state.borrow_mut().post(port, copy);
            if let Some(hook) = &host.shared.on_post {
                hook.dispatched(host.worker, port, tag, &dispatched);
            }
        }
    }
    let tag = message.tag;
    let dispatched = host.state.borrow_mut().post_waking(port, message, wake);
    if let Some(hook) = &host.shared.on_post {
        hook.dispatched(host.worker, port, tag, &dispatched);
    }
    // A message held until the next one on this port goes now, after it (a reorder).
    host.state.borrow_mut().release_after_post(port);
    host.report_released();
    if let Dispatch::MultipleDestinations(_) = dispatched {
        host::throw(
            scope,
            "DOMException",
            "DataCloneError",
            "Transferables cannot be used with multiple destinations.",
        );
    }
}

fn receive<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, mut rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let port = port_arg(scope, &args, 0);
    let Some(message) = host.state.borrow_mut().receive_now(port) else {
        return; // undefined
    };
    host.shared.gate.received(host.worker, port, message.tag);
    if let Some(value) = clone::deserialize(scope, message.open()) {
        rv.set(v8::Array::new_with_elements(scope, &[value]).into());
    }
}

fn start<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let port = port_arg(scope, &args, 0);
    host.state.borrow_mut().set_receiving(port, true);
}

fn stop<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let port = port_arg(scope, &args, 0);
    host.state.borrow_mut().set_receiving(port, false);
}

fn close<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let port = port_arg(scope, &args, 0);
    host.point(&Point::Close(port));
    host.state.borrow_mut().close(port);
    host.report_released(); // what it held went before the close
}

fn set_ref<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let port = port_arg(scope, &args, 0);
    let on = args.get(1).boolean_value(scope);
    host.state.borrow_mut().set_ref(port, on);
}

fn has_ref<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, mut rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let port = port_arg(scope, &args, 0);
    let refed = host.state.borrow().is_refed(port);
    rv.set(v8::Boolean::new(scope, refed).into());
}

fn broadcast<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, mut rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let name = args.get(0).to_rust_string_lossy(scope);
    let group = host.shared.broadcast_group(&name);
    let id = host.state.borrow_mut().join(&group);
    rv.set(v8::Number::new(scope, id.0 as f64).into());
}

fn clone_value<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, mut rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let transfer = array_items(scope, args.get(1));
    let out = clone::serialize(scope, args.get(0), &transfer, None);
    host.report_released(); // the held messages of the ports it transferred went first
    let Some(out) = out else {
        return;
    };
    if let Some(value) = clone::deserialize(scope, out.message.open()) {
        rv.set(value);
    }
}

fn spawn<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, mut rv: Ret<'s>) {
    if host::try_host(scope).is_none() {
        return ended(scope);
    }
    let Some((id, public, control)) = thread::spawn_child(scope, &args) else {
        return;
    };
    let items = [
        v8::Number::new(scope, id.0 as f64).into(),
        v8::Number::new(scope, public.0 as f64).into(),
        v8::Number::new(scope, control.0 as f64).into(),
    ];
    rv.set(v8::Array::new_with_elements(scope, &items).into());
}

fn terminate<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let id = WorkerId(num(scope, &args, 0) as u64);
    host.point(&Point::Terminate(id));
    let control = host.children.borrow().get(&id).map(|c| c.control.clone());
    if let Some(control) = control {
        control.terminate();
        host.shared.gate.interrupt(id);
    }
}

fn timer_add<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, mut rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let spec = TimerSpec {
        delay_ms: num(scope, &args, 0),
        repeat: args.get(1).boolean_value(scope),
    };
    let now = host.shared.gate.now_ms();
    let id = host.state.borrow_mut().timers.add(spec, now);
    rv.set(v8::Number::new(scope, id.0 as f64).into());
}

fn timer_cancel<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let id = TimerId(num(scope, &args, 0) as u64);
    host.state.borrow_mut().timers.cancel(id);
}

fn timer_ref<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let id = TimerId(num(scope, &args, 0) as u64);
    let on = args.get(1).boolean_value(scope);
    host.state.borrow_mut().timers.set_ref(id, on);
}

fn timer_has_ref<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, mut rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let id = TimerId(num(scope, &args, 0) as u64);
    let refed = host.state.borrow().timers.is_refed(id);
    rv.set(v8::Boolean::new(scope, refed).into());
}

fn log<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let stream = if num(scope, &args, 0) == 2.0 {
        LogStream::Stderr
    } else {
        LogStream::Stdout
    };
    let text = args.get(1).to_rust_string_lossy(scope);
    host.shared.log(host.worker, stream, &text);
}

fn exit<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let code = num(scope, &args, 0) as i32;
    *host.stop.borrow_mut() = Some(host::Stop::Exit(code));
    host.state.borrow_mut().exit = Some(code);
    scope.terminate_execution();
}

fn point<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return;
    }; // no scheduling after the end
    let label = args.get(0);
    let label = (!label.is_undefined()).then(|| label.to_rust_string_lossy(scope));
    host.point(&Point::Yield(label));
}

/// A declarative step begins (the harness's generated code): its index in the thread.
fn step<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return;
    };
    let index = num(scope, &args, 0);
    if !(0.0..=f64::from(u32::MAX)).contains(&index) {
        return host::throw(scope, "RangeError", "", "a step index is a u32");
    }
    host.point(&Point::Step(index as u32));
}

/// The thread's declarative steps are over.
fn steps_end<'s>(scope: &mut v8::PinScope<'s, '_>, _args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return;
    };
    host.point(&Point::StepsEnd);
}

/// `Atomics.<name>` under a gate that serves atomics: a scheduling point before it.
fn atomics_point<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return;
    }; // no scheduling after the end
    let name = args.get(0).to_rust_string_lossy(scope);
    let name: &'static str = match name.as_str() {
        "add" => "add",
        "and" => "and",
        "compareExchange" => "compareExchange",
        "exchange" => "exchange",
        "load" => "load",
        "or" => "or",
        "store" => "store",
        "sub" => "sub",
        "xor" => "xor",
        "wait" => "wait",
        "waitAsync" => "waitAsync",
        "notify" => "notify",
        _ => "other",
    };
    let (at, len) = atomics_element(scope, &args);
    host.point(&Point::Atomics(AtomicsAccess { op: name, at, len }));
}

/// The shared element `Atomics.<op>(ta, index, …)` will touch: its key and size; `None`
/// for a non-shared buffer or an index out of range.
fn atomics_element(scope: &mut v8::PinScope<'_, '_>, args: &Args<'_>) -> (Option<WaitKey>, usize) {
    let Ok(view) = v8::Local::<v8::TypedArray>::try_from(args.get(1)) else {
        return (None, 0);
    };
    let Some(buffer) = view.buffer(scope) else {
        return (None, 0);
    };
    let store = buffer.get_backing_store();
    if !store.is_shared() {
        return (None, 0);
    }
    let element = if view.is_big_int64_array() || view.is_big_uint64_array() {
        8
    } else if view.is_int16_array() || view.is_uint16_array() {
        2
    } else if view.is_int8_array() || view.is_uint8_array() {
        1
    } else {
        4
    };
    let index = args.get(2).number_value(scope).unwrap_or(f64::NAN);
    if !(index >= 0.0 && index.fract() == 0.0 && (index as usize) < view.length()) {
        return (None, element);
    }
    let data = store.data().map(|p| p.as_ptr() as usize).unwrap_or(0);
    let offset = view.byte_offset() + index as usize * element;
    (
        Some(WaitKey {
            buffer: data,
            offset,
        }),
        element,
    )
}

/// The wait key of `typedArray[index]`, or `None` (with a TypeError thrown).
fn wait_key(scope: &mut v8::PinScope<'_, '_>, args: &Args<'_>) -> Option<WaitKey> {
    let Ok(view) = v8::Local::<v8::TypedArray>::try_from(args.get(0)) else {
        host::throw(
            scope,
            "TypeError",
            "",
            "Atomics.wait needs an Int32Array or BigInt64Array over a SharedArrayBuffer",
        );
        return None;
    };
    let index = num(scope, args, 1);
    let buffer = view.buffer(scope)?;
    let store = buffer.get_backing_store();
    let element = if view.is_big_int64_array() { 8 } else { 4 };
    let data = store.data().map(|p| p.as_ptr() as usize).unwrap_or(0);
    let offset = (index.max(0.0) as usize)
        .checked_mul(element)
        .and_then(|o| o.checked_add(view.byte_offset()));
    let Some(offset) = offset else {
        host::throw(scope, "RangeError", "", "Invalid atomic access index");
        return None;
    };
    Some(WaitKey {
        buffer: data,
        offset,
    })
}

/// `Atomics.wait(ta, i, v, timeout)` after the JS side checked `ta[i] === v`: returns
/// `"ok"` or `"timed-out"`.
fn atomics_wait<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, mut rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let Some(key) = wait_key(scope, &args) else {
        return;
    };
    let timeout = num(scope, &args, 2);
    let timeout = (timeout.is_finite()).then_some(timeout.max(0.0));
    #[cfg(heddle_mutant = "wait_ends_on_message")]
    if !host.state.borrow().pending_messages().is_empty() {
        // MUTANT: a queued message ends the wait, as if delivery were observed while the
        // thread is blocked (nodejs/node#25630: by design, it is not).
        rv.set(str(scope, "ok").into());
        return;
    }
    // A blocked thread parks: what it held goes first (a delay never loses a message).
    if host.state.borrow_mut().release_all_held() {
        host.report_released();
    }
    let woken = host.shared.gate.atomics_wait(host.worker, key, timeout);
    if host.state.borrow().control().is_terminated() {
        // Stopped while waiting: in Node the wait never returns and no code after it runs
        // (V8's own wait throws the termination). A termination request takes effect only
        // at V8's next stack check: `null` tells the JS side to reach one at once.
        scope.terminate_execution();
        rv.set_null();
        return;
    }
    let text = if woken { "ok" } else { "timed-out" };
    rv.set(str(scope, text).into());
}

/// `Atomics.waitAsync(ta, i, v, timeout)` after the JS side checked `ta[i] === v`: the id of
/// the asynchronous wait the gate registered (it settles through `settleWait`), or
/// `undefined` if the gate leaves it to V8.
fn atomics_wait_async<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, mut rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let Some(key) = wait_key(scope, &args) else {
        return;
    };
    let timeout = num(scope, &args, 2);
    let timeout = (timeout.is_finite()).then_some(timeout.max(0.0));
    let wake = host.state.borrow().wake().clone();
    if let Some(id) = host
        .shared
        .gate
        .atomics_wait_async(host.worker, key, timeout, &wake)
    {
        rv.set(v8::Number::new(scope, id as f64).into());
    }
}

/// `Atomics.notify(ta, i, count)`: returns how many waiters it woke.
fn atomics_notify<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, mut rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    let Some(key) = wait_key(scope, &args) else {
        return;
    };
    let count = num(scope, &args, 2);
    let count = if count.is_finite() {
        count.max(0.0) as u32
    } else {
        u32::MAX
    };
    let woken = host.shared.gate.atomics_notify(host.worker, key, count);
    rv.set(v8::Number::new(scope, woken as f64).into());
}

fn close_later<'s>(scope: &mut v8::PinScope<'s, '_>, _args: Args<'s>, _rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    host.state.borrow_mut().close_callbacks += 1;
}

fn now<'s>(scope: &mut v8::PinScope<'s, '_>, _args: Args<'s>, mut rv: Ret<'s>) {
    let Some(host) = host::try_host(scope) else {
        return ended(scope);
    };
    rv.set_double(host.shared.gate.now_precise_ms());
}
