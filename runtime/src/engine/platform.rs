//! Process-wide V8 initialisation, and the only way to start a thread that enters V8.
//!
//! # Why every V8 thread is spawned by one root thread
//!
//! On a CPU with memory protection keys (`pku` in `/proc/cpuinfo`), V8 protects its code
//! space and its `JSDispatchTable` with a protection key that it allocates in
//! `V8::Initialize` (`--memory-protection-keys`, on by default). A key's access rights live
//! in each thread's PKRU register: `pkey_alloc` grants them to the calling thread only, and a
//! new thread copies its creator's register when it is created. Linux gives every other
//! thread "access disabled" for a new key. So a thread may run JavaScript only if it
//! descends from the thread that initialised V8 *and* was created after that; any other
//! thread dies with SIGSEGV in `ExternalEntityTable::TryAllocateEntry` the first time it
//! compiles a script. Being created after `V8::Initialize` is not enough: a libtest thread
//! or an exploration job thread that started before the first run never gets the rights,
//! and neither do the threads it spawns.
//!
//! Two fixes were possible: initialise V8 on the process's first thread before any other
//! thread exists, in every entry point, or turn the keys off (`--no-memory-protection-keys`).
//! The first cannot cover entry points Heddle does not own (libtest's own `main` creates the
//! test threads before any test code runs), and the second gives up V8's W^X protection of
//! JIT code for everyone. Instead, V8 is initialised on a dedicated root thread
//! (`heddle-v8-root`), started by the first [`spawn`], and that thread creates every thread
//! that will enter V8. Whoever calls the runtime, from whatever thread, the threads that run
//! isolates descend from the initialising thread, and the keys stay on. The cost is one
//! channel round trip per spawned thread (`cargo bench -p heddle-runtime --bench workers`,
//! "spawn through the V8 root").
//!
//! [`check_thread`] turns a violation of this rule into an error on every machine, with or
//! without `pku`, instead of a crash on some.

use std::cell::Cell;
use std::io;
use std::sync::mpsc;
use std::sync::OnceLock;
use std::thread::JoinHandle;

/// V8 flags Heddle always sets.
///
/// `--no-concurrent-osr`: with concurrent on-stack replacement, a hot allocating loop
/// (`while (true) x = new Array(1000)`) that was replaced by optimised code ignored
/// `TerminateExecution` from another thread in this V8 build, and the near-heap-limit
/// callback's raised limit was ignored until the process died of OOM. Without it,
/// `worker.terminate()` and `resourceLimits` work (runtime tests F4/F5, F9).
pub(crate) const V8_FLAGS: &str = "--no-concurrent-osr";

/// A request to the root thread: start a thread named `name` with `stack` bytes running
/// `body`, and send back its handle.
struct Request {
    name: String,
    stack: usize,
    body: Box<dyn FnOnce() + Send>,
    reply: mpsc::SyncSender<io::Result<JoinHandle<()>>>,
}

/// The root thread's request queue; set once, when the root thread has initialised V8.
static ROOT: OnceLock<mpsc::Sender<Request>> = OnceLock::new();

thread_local! {
    /// Whether this thread was started by the root thread (so it may enter V8).
    static V8_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// The root thread: initialises V8, then starts every thread that asks.
fn root() -> &'static mpsc::Sender<Request> {
    ROOT.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Request>();
        let (ready_tx, ready_rx) = mpsc::sync_channel::<()>(0);
        let started = std::thread::Builder::new()
            .name("heddle-v8-root".into())
            .spawn(move || {
                v8::V8::set_flags_from_string(V8_FLAGS);
                // The default platform, with foreground tasks handed to the event loops
                // (`tasks`); `false`: V8's memory protection keys stay on (the module doc).
                let platform =
                    v8::new_custom_platform(0, false, false, crate::engine::tasks::Tasks)
                        .make_shared();
                v8::V8::initialize_platform(platform);
                v8::V8::initialize();
                let _ = ready_tx.send(());
                // Serves for the life of the process (the sender is in a static).
                for request in rx {
                    let Request {
                        name,
                        stack,
                        body,
                        reply,
                    } = request;
                    let spawned = std::thread::Builder::new()
                        .name(name)
                        .stack_size(stack)
                        .spawn(move || {
                            V8_THREAD.with(|t| t.set(true));
                            body();
                        });
                    let _ = reply.send(spawned);
                }
            });
        if started.is_ok() {
            // Wait until V8 is initialised, so that no caller races the initialisation.
            let _ = ready_rx.recv();
        }
        tx
    })
}

/// Starts a thread that may enter V8 (see the module doc): named `name`, with a stack of
/// `stack` bytes, running `body`.
pub(crate) fn spawn(
    name: String,
    stack: usize,
    body: impl FnOnce() + Send + 'static,
) -> io::Result<JoinHandle<()>> {
    // The mutant `spawn_outside_root` (runtime/build.rs) re-introduces the bug this module
    // exists for: V8 is still initialised on the root, but the caller starts the thread, so
    // a caller created before `V8::Initialize` passes on no key rights. It is caught only on
    // a CPU with `pku` (`bash .ci/pku-vm.sh --mutant` boots an emulated one).
    #[cfg(heddle_mutant = "spawn_outside_root")]
    {
        root();
        return std::thread::Builder::new()
            .name(name)
            .stack_size(stack)
            .spawn(move || {
                V8_THREAD.with(|t| t.set(true));
                body();
            });
    }
    #[cfg_attr(heddle_mutant = "spawn_outside_root", allow(unreachable_code))]
    let (reply, handle) = mpsc::sync_channel(1);
    let request = Request {
        name,
        stack,
        body: Box::new(body),
        reply,
    };
    let lost = || io::Error::other("[runtime internal bug] the V8 root thread is gone");
    root().send(request).map_err(|_| lost())?;
    handle.recv().map_err(|_| lost())?
}

/// Runs `body` on a new V8 thread and waits for its result.
pub(crate) fn run_on_v8_thread<T: Send + 'static>(
    name: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> Result<T, crate::Error> {
    let (tx, rx) = mpsc::sync_channel(1);
    let handle = spawn(name.to_string(), 8 << 20, move || {
        let _ = tx.send(body());
    })
    .map_err(|e| crate::Error::Thread(e.to_string()))?;
    let _ = handle.join();
    rx.recv()
        .map_err(|_| crate::Error::Thread(format!("the {name} thread panicked")))
}

/// `Ok` if this thread may enter V8 (it was started by [`spawn`]).
pub(crate) fn check_thread() -> Result<(), crate::Error> {
    if V8_THREAD.with(Cell::get) {
        Ok(())
    } else {
        Err(crate::Error::NotAV8Thread(
            std::thread::current()
                .name()
                .unwrap_or("unnamed")
                .to_string(),
        ))
    }
}

/// V8's version string.
pub(crate) fn version() -> &'static str {
    v8::V8::get_version()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_threads_started_by_the_root_may_enter_v8() {
        let outside = std::thread::spawn(check_thread).join().expect("joins");
        assert!(matches!(outside, Err(crate::Error::NotAV8Thread(_))));
        let inside = run_on_v8_thread("probe", check_thread).expect("runs");
        assert!(inside.is_ok());
    }

    #[test]
    fn threads_started_by_the_root_run_javascript_whoever_asks() {
        // Ask from threads that did not initialise V8 and were created before it was (on a
        // `pku` CPU, compiling here crashed before the root thread existed).
        let askers: Vec<_> = (0..4)
            .map(|i| {
                std::thread::spawn(move || {
                    run_on_v8_thread("probe", move || {
                        let isolate = &mut v8::Isolate::new(Default::default());
                        v8::scope!(let scope, isolate);
                        let context = v8::Context::new(scope, Default::default());
                        let scope = &mut v8::ContextScope::new(scope, context);
                        let code = v8::String::new(scope, &format!("{i} + 40")).expect("a string");
                        let script = v8::Script::compile(scope, code, None).expect("compiles");
                        script.run(scope).map(|v| v.int32_value(scope))
                    })
                })
            })
            .collect();
        for (i, asker) in askers.into_iter().enumerate() {
            let got = asker.join().expect("joins").expect("runs");
            assert_eq!(got, Some(Some(i as i32 + 40)));
        }
    }
}
