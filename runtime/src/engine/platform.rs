//! Process-wide V8 initialisation.

use std::sync::Once;

/// V8 flags Heddle always sets.
///
/// `--no-concurrent-osr`: with concurrent on-stack replacement, a hot allocating loop
/// (`while (true) x = new Array(1000)`) that was replaced by optimised code ignored
/// `TerminateExecution` from another thread in this V8 build, and the near-heap-limit
/// callback's raised limit was ignored until the process died of OOM. Without it,
/// `worker.terminate()` and `resourceLimits` work (runtime tests F4/F5, F9).
pub(crate) const V8_FLAGS: &str = "--no-concurrent-osr";

static INIT: Once = Once::new();

/// Initialises V8 once per process. Must run before any thread that will enter an isolate
/// is created (V8 hands memory-protection-key access to threads at creation time).
pub(crate) fn init() {
    INIT.call_once(|| {
        v8::V8::set_flags_from_string(V8_FLAGS);
        let platform = v8::new_default_platform(0, false).make_shared();
        v8::V8::initialize_platform(platform);
        v8::V8::initialize();
    });
}

/// V8's version string.
pub(crate) fn version() -> &'static str {
    v8::V8::get_version()
}
