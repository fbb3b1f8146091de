//! The V8 engine layer: the only code in the crate that names `v8::`.
//!
//! - [`platform`]: process-wide V8 initialisation, once.
//! - [`host`]: the per-isolate [`host::Host`]: loop state, hooks into the bootstrap script.
//! - [`clone`]: structured clone through `ValueSerializer`/`ValueDeserializer`.
//! - [`ops`]: the native functions the bootstrap script calls; [`files`]: those of
//!   CommonJS `require` (reading files, compiling a module's wrapper).
//! - [`guest`]: [`guest::V8Guest`], the [`Guest`](crate::worker::Guest) the event loop drives,
//!   and loading of entry scripts (CommonJS; ES modules in [`esm`]).
//! - [`thread`]: a worker's OS thread, from isolate creation to its exit message.
//! - [`pool`]: finished isolates kept for later runs.
//! - [`syntax`]: syntax checks of snippets before anything runs.
//! - [`tasks`]: V8's foreground tasks (`Atomics.waitAsync` settling), run by the loops.
//!
//! `bootstrap.js` is the Node-compatible surface inside each isolate.

pub(crate) mod clone;
pub(crate) mod esm;
pub(crate) mod files;
pub(crate) mod fuzz;
pub(crate) mod guest;
pub(crate) mod host;
pub(crate) mod ops;
pub(crate) mod platform;
pub(crate) mod pool;
pub(crate) mod syntax;
pub(crate) mod tasks;
pub(crate) mod thread;
