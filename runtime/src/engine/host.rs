//! [`Host`]: what one isolate's native code needs, kept in an isolate slot.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::port::PortId;
use crate::runtime::Shared;
use crate::worker::{LoopState, Point, WorkerControl, WorkerId};

/// The functions and objects `bootstrap.js` returned, kept alive for the isolate's life.
pub(crate) struct Hooks {
    pub dispatch: v8::Global<v8::Function>,
    pub dispatch_close: v8::Global<v8::Function>,
    pub control: v8::Global<v8::Function>,
    pub fire: v8::Global<v8::Function>,
    pub make_port: v8::Global<v8::Function>,
    pub make_error: v8::Global<v8::Function>,
    pub exit_code: v8::Global<v8::Function>,
    pub require: v8::Global<v8::Function>,
    /// `requireFrom(filename)`: the CommonJS `require` of an entry script (cjs.js).
    pub require_from: v8::Global<v8::Function>,
    /// `requireFile(path)`: a CommonJS file's `module.exports` (an ES module imports it).
    pub require_file: v8::Global<v8::Function>,
    /// `resolveImport(specifier, referrer)`: the file a bare specifier imports (cjs.js's
    /// resolver with the `import` condition).
    pub resolve_import: v8::Global<v8::Function>,
    pub set_worker_data: v8::Global<v8::Function>,
    pub emit_message_error: v8::Global<v8::Function>,
    pub run_closes: v8::Global<v8::Function>,
    pub error_for_parent: v8::Global<v8::Function>,
    pub settle_wait: v8::Global<v8::Function>,
    pub has_user_listeners: v8::Global<v8::Function>,
}

/// A child worker, as its parent sees it.
pub(crate) struct Child {
    pub control: Arc<WorkerControl>,
}

/// Why a worker is stopping, when it is not a normal end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// `process.exit(code)`.
    Exit(i32),
    /// An uncaught exception (already reported).
    Uncaught,
}

/// The per-isolate host state. Lives in an `Rc` in an isolate slot; every op clones the
/// `Rc` out of the slot before touching the isolate again.
pub(crate) struct Host {
    pub worker: WorkerId,
    pub state: Rc<RefCell<LoopState>>,
    pub shared: Arc<Shared>,
    pub hooks: RefCell<Option<Hooks>>,
    /// The private key under which a MessagePort object carries its port id.
    pub brand: v8::Global<v8::Private>,
    /// Children this worker spawned, by id.
    pub children: RefCell<BTreeMap<WorkerId, Child>>,
    /// Ports on which children send lifecycle messages, to the child's id.
    pub control_ports: RefCell<BTreeMap<PortId, WorkerId>>,
    /// This worker's own control port (to its parent), if it is not the main thread.
    pub parent_control: Option<PortId>,
    /// Why the worker stops, once decided.
    pub stop: RefCell<Option<Stop>>,
    /// Promises rejected with no handler yet, in order, with their reasons.
    pub rejections: RefCell<Vec<(v8::Global<v8::Promise>, v8::Global<v8::Value>)>>,
    /// An exception V8 reported outside any `TryCatch` (a throwing microtask).
    pub pending_uncaught: RefCell<Option<v8::Global<v8::Value>>>,
    /// MUTANT sab_freed_with_creator: the SharedArrayBuffers this worker shared, whose
    /// memory its end overwrites as freed memory would be (nodejs/node#28777).
    #[cfg(heddle_mutant = "sab_freed_with_creator")]
    pub sent_sabs: RefCell<Vec<v8::SharedRef<v8::BackingStore>>>,
}

impl Host {
    /// A scheduling point of this worker; held messages whose delay it ends go.
    pub fn point(&self, point: &Point) {
        self.shared.gate.point(self.worker, point);
        self.state.borrow_mut().tick_held();
        self.report_released();
    }

    /// Tells the post hook what became of the held messages dispatched since it last
    /// heard (see `held.rs`).
    pub fn report_released(&self) {
        let released = self.state.borrow_mut().take_released();
        if let Some(hook) = &self.shared.on_post {
            for r in released {
                hook.dispatched(self.worker, r.port, r.tag, &r.outcome);
            }
        }
    }
}

pub(crate) type HostRef = Rc<Host>;

/// The host of the isolate behind `scope`; `None` once its worker ended (the isolate is
/// kept only for inspection, see `Runtime::eval_in`).
pub(crate) fn try_host(scope: &v8::PinScope<'_, '_>) -> Option<HostRef> {
    scope.get_slot::<HostRef>().cloned()
}

/// The host of a running worker's isolate. Only for code that runs while the worker's loop
/// runs (tasks, and what they call); ops use [`try_host`].
pub(crate) fn host(scope: &v8::PinScope<'_, '_>) -> HostRef {
    try_host(scope).expect("[runtime internal bug] an isolate without a host")
}

/// Throws `kind` (`TypeError`, `Error`, `RangeError`, or `DOMException` with `code` as its
/// name) with a Node error `code` and `message`, built by the bootstrap's `makeError`.
pub(crate) fn throw(scope: &mut v8::PinScope<'_, '_>, kind: &str, code: &str, message: &str) {
    let error = make_error(scope, kind, code, message);
    scope.throw_exception(error);
}

/// Builds an error as [`throw`] would, without throwing it.
pub(crate) fn make_error<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    kind: &str,
    code: &str,
    message: &str,
) -> v8::Local<'s, v8::Value> {
    let make = try_host(scope).and_then(|host| {
        host.hooks
            .borrow()
            .as_ref()
            .map(|h| v8::Local::new(scope, &h.make_error))
    });
    let msg = str(scope, message);
    match make {
        Some(make) => {
            let args = [str(scope, kind).into(), str(scope, code).into(), msg.into()];
            let undefined = v8::undefined(scope).into();
            make.call(scope, undefined, &args)
                .unwrap_or_else(|| v8::Exception::error(scope, msg))
        }
        None => v8::Exception::error(scope, msg),
    }
}

/// A V8 string; a string V8 cannot hold (over its length limit) becomes empty.
pub(crate) fn str<'s>(scope: &v8::PinScope<'s, '_, ()>, s: &str) -> v8::Local<'s, v8::String> {
    v8::String::new(scope, s).unwrap_or_else(|| v8::String::empty(scope))
}
