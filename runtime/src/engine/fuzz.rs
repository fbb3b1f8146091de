//! A live isolate that deserializes arbitrary messages: the fuzz target for structured
//! clone's receiving side (`fuzz/fuzz_targets/clone.rs`).
//!
//! A message arrives from another thread as bytes plus three tables: shared memory,
//! transferred stores and transferred ports. Each can be anything a peer could send,
//! including nothing that matches what the bytes refer to. Deserializing must throw, or
//! give a value, and never crash the process.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::{mpsc, Arc};

use crate::engine::clone;
use crate::engine::esm::ModuleMap;
use crate::engine::host::{Host, HostRef};
use crate::engine::platform;
use crate::engine::thread;
use crate::message::{MessageParts, SharedMemory, Transferable};
use crate::runtime::{Runtime, RuntimeOptions};
use crate::wake::Wake;
use crate::worker::{LoopState, WorkerControl, WorkerId};

/// What one transfer-table entry holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FuzzTransfer {
    /// A transferred `ArrayBuffer`'s backing store of this many bytes.
    ArrayBuffer(usize),
    /// Something that is not a V8 backing store (another engine's, say).
    Foreign,
}

/// One arbitrary message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FuzzMessage {
    /// The serialized bytes.
    pub data: Vec<u8>,
    /// Sizes of the `SharedArrayBuffer` stores in the shared-memory table.
    pub shared: Vec<usize>,
    /// The transferred-store table.
    pub transfers: Vec<FuzzTransfer>,
    /// How many transferred ports come with it.
    pub ports: usize,
}

/// What became of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FuzzOutcome {
    /// It deserialized to a value.
    Value,
    /// Deserializing threw (a JavaScript exception, as it should for bad input).
    Threw,
}

type Job = (FuzzMessage, mpsc::SyncSender<FuzzOutcome>);

/// A bootstrapped isolate on its own V8 thread, deserializing what it is sent.
pub struct CloneFuzzer {
    jobs: mpsc::Sender<Job>,
}

/// Inputs an isolate takes before it is replaced (ports and handles accumulate).
const PER_ISOLATE: usize = 20_000;

/// The largest store the fuzzer allocates, in bytes.
const MAX_STORE: usize = 1 << 16;

impl CloneFuzzer {
    /// Starts the isolate's thread.
    pub fn new() -> Result<Self, crate::Error> {
        let (jobs, rx) = mpsc::channel::<Job>();
        platform::spawn("heddle-fuzz-clone".into(), 8 << 20, move || serve(rx))
            .map_err(|e| crate::Error::Thread(e.to_string()))?;
        Ok(CloneFuzzer { jobs })
    }

    /// Deserializes `message` in the live isolate.
    pub fn deserialize(&self, message: FuzzMessage) -> Result<FuzzOutcome, crate::Error> {
        let (tx, rx) = mpsc::sync_channel(1);
        let gone = || crate::Error::Thread("the fuzzing isolate's thread ended".into());
        self.jobs.send((message, tx)).map_err(|_| gone())?;
        rx.recv().map_err(|_| gone())
    }
}

fn serve(rx: mpsc::Receiver<Job>) {
    let runtime = Runtime::new(RuntimeOptions::default());
    let shared = runtime.shared().clone();
    loop {
        let isolate = &mut v8::Isolate::new(Default::default());
        isolate.set_microtasks_policy(v8::MicrotasksPolicy::Explicit);
        let control = Arc::new(WorkerControl::new(Arc::new(Wake::new())));
        let state = Rc::new(RefCell::new(LoopState::new(
            WorkerId(0),
            shared.ids.clone(),
            control,
        )));
        let context = {
            v8::scope!(let scope, isolate);
            let context = v8::Context::new(scope, Default::default());
            v8::Global::new(scope, context)
        };
        let brand = {
            v8::scope!(let scope, isolate);
            let name = crate::engine::host::str(scope, "heddle.MessagePort");
            let private = v8::Private::new(scope, Some(name));
            v8::Global::new(scope, private)
        };
        let host: HostRef = Rc::new(Host {
            worker: WorkerId(0),
            state: state.clone(),
            shared: shared.clone(),
            hooks: RefCell::new(None),
            brand,
            children: RefCell::new(BTreeMap::new()),
            control_ports: RefCell::new(BTreeMap::new()),
            parent_control: None,
            stop: RefCell::new(None),
            rejections: RefCell::new(Vec::new()),
            pending_uncaught: RefCell::new(None),
            #[cfg(heddle_mutant = "sab_freed_with_creator")]
            sent_sabs: RefCell::new(Vec::new()),
        });
        isolate.set_slot(host.clone());
        isolate.set_slot(ModuleMap::default());
        if !thread::bootstrap(isolate, &context, &host, None, None) {
            return;
        }
        for _ in 0..PER_ISOLATE {
            let Ok((message, reply)) = rx.recv() else {
                return;
            };
            let parts = parts_of(&message, &state, isolate);
            let outcome = {
                v8::scope!(let scope, isolate);
                let ctx = v8::Local::new(scope, &context);
                let scope = &mut v8::ContextScope::new(scope, ctx);
                v8::tc_scope!(let tc, scope);
                match clone::deserialize(tc, parts) {
                    Some(_) => FuzzOutcome::Value,
                    None => FuzzOutcome::Threw,
                }
            };
            let _ = reply.send(outcome);
        }
        drop(host);
        isolate.remove_slot::<HostRef>();
        isolate.remove_slot::<ModuleMap>();
    }
}

/// The parts of `message`: its bytes, with real stores and ports for its tables.
fn parts_of(
    message: &FuzzMessage,
    state: &Rc<RefCell<LoopState>>,
    _isolate: &mut v8::Isolate,
) -> MessageParts {
    let shared: Vec<SharedMemory> = message
        .shared
        .iter()
        .map(|&n| {
            let store =
                v8::SharedArrayBuffer::new_backing_store_from_vec(vec![0u8; n.min(MAX_STORE)])
                    .make_shared();
            Arc::new(store) as SharedMemory
        })
        .collect();
    let transfers: Vec<Transferable> = message
        .transfers
        .iter()
        .map(|t| match *t {
            FuzzTransfer::ArrayBuffer(n) => {
                let store =
                    v8::ArrayBuffer::new_backing_store_from_vec(vec![0u8; n.min(MAX_STORE)])
                        .make_shared();
                Box::new(store) as Transferable
            }
            FuzzTransfer::Foreign => Box::new(0u8) as Transferable,
        })
        .collect();
    let ports = (0..message.ports.min(64))
        .filter_map(|_| {
            let mut st = state.borrow_mut();
            let (_, b) = st.channel();
            st.transfer(b)
        })
        .collect();
    MessageParts {
        data: message.data.clone(),
        shared,
        transfers,
        ports,
    }
}
