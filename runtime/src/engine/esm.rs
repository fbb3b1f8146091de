//! ES modules: an entry module's whole import graph is loaded before it is linked, so the
//! resolve callback V8 calls only looks modules up.
//!
//! A specifier resolves as Node's ESM resolver does, as far as Heddle goes: `node:` and bare
//! builtin names; absolute paths and `file://` URLs; relative paths; bare package names
//! through `node_modules` and `package.json` `exports` with the `import`, `node` and
//! `default` conditions (or `main`), which `cjs.js`'s resolver does (the `resolveImport`
//! hook). A target that is CommonJS (`.cjs`, `.json`, or `.js` outside a `"type": "module"`
//! package) is loaded by `require` and imported as Node does: `default` is `module.exports`,
//! and each own property of it is a named export too. (Node finds the names by reading the
//! source with cjs-module-lexer; Heddle runs the module first and takes its exports' keys,
//! so a CommonJS module imported from an ES module runs when the graph loads, before any
//! module of the graph is evaluated.)
//!
//! `import.meta` has `url` (a `file://` URL), `filename` and `dirname`, as Node 20.11 has.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::engine::guest::run_microtasks;
use crate::engine::host::{self, str, HostRef};
use crate::engine::thread;

/// Modules loaded in one isolate.
#[derive(Default)]
pub(crate) struct ModuleMap {
    /// Module by its key: an absolute path, or `node:<name>` for a builtin.
    by_key: BTreeMap<String, v8::Global<v8::Module>>,
    /// A module's key by its identity hash (`import.meta`, and the imports it made).
    key_of: BTreeMap<i32, String>,
    /// The exports object behind a synthetic module (a builtin, or a CommonJS module), by
    /// the module's identity hash.
    synthetic_exports: BTreeMap<i32, v8::Global<v8::Value>>,
    /// What each module's specifiers resolved to while the graph loaded: (the importing
    /// module's identity hash, the specifier) -> the key of the module imported.
    resolved: BTreeMap<(i32, String), String>,
}

/// Whether `path` should load as an ES module: `.mjs`; `.cjs` never; otherwise a nearest
/// `package.json` with `"type": "module"`.
pub(crate) fn module_by_path(path: &Path) -> Option<bool> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("mjs") => return Some(true),
        Some("cjs") | Some("json") => return Some(false),
        _ => {}
    }
    let mut dir = path.parent();
    while let Some(d) = dir {
        if let Ok(text) = std::fs::read_to_string(d.join("package.json")) {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            return Some(compact.contains("\"type\":\"module\""));
        }
        dir = d.parent();
    }
    None
}

fn compile_module<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    name: &str,
    code: &str,
) -> Option<v8::Local<'s, v8::Module>> {
    let source_text = str(scope, code);
    let resource = str(scope, name).into();
    let origin = v8::ScriptOrigin::new(
        scope, resource, 0, 0, false, 0, None, false, false, true, None,
    );
    let mut source = v8::script_compiler::Source::new(source_text, Some(&origin));
    v8::script_compiler::compile_module(scope, &mut source)
}

/// Compiles, links and evaluates an ES module entry. Imports are loaded first (the whole
/// graph), so the resolve callback only looks modules up.
pub(crate) fn run_module(scope: &mut v8::PinScope<'_, '_>, host: &HostRef, name: &str, code: &str) {
    let Some(module) = compile_module(scope, name, code) else {
        return;
    };
    register(scope, name, module);
    if load_imports(scope, host, name, module).is_none() {
        return;
    }
    if module.instantiate_module(scope, resolve) != Some(true) {
        return;
    }
    let Some(result) = module.evaluate(scope) else {
        return;
    };
    if let Ok(promise) = v8::Local::<v8::Promise>::try_from(result) {
        run_microtasks(scope);
        if promise.state() == v8::PromiseState::Rejected {
            let error = promise.result(scope);
            scope.throw_exception(error);
        }
    }
}

fn register(scope: &mut v8::PinScope<'_, '_>, key: &str, module: v8::Local<v8::Module>) {
    let hash = module.get_identity_hash().get();
    let global = v8::Global::new(scope, module);
    if let Some(map) = scope.get_slot_mut::<ModuleMap>() {
        map.by_key.insert(key.to_string(), global);
        map.key_of.insert(hash, key.to_string());
    }
}

/// What `specifier` names without looking at packages: a builtin, a path, or `None` for a
/// bare package name.
fn resolve_key(referrer: &str, specifier: &str) -> Option<String> {
    let bare = specifier.strip_prefix("node:").unwrap_or(specifier);
    if thread::BUILTINS.contains(&bare) {
        return Some(format!("node:{bare}"));
    }
    let spec = match specifier.strip_prefix("file://") {
        Some(url) => percent_decode(url),
        None => specifier.to_string(),
    };
    if spec.starts_with('/') {
        return Some(normalize(Path::new(&spec)).display().to_string());
    }
    if spec.starts_with("./") || spec.starts_with("../") {
        let base = Path::new(referrer).parent().unwrap_or(Path::new("."));
        return Some(normalize(&base.join(spec)).display().to_string());
    }
    None
}

/// `%XX` escapes decoded (a `file://` URL's path); a malformed escape stays as it is.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `path` with `.` and `..` taken out, lexically.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Calls the bootstrap hook picked by `pick` with string arguments.
fn call_hook<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    host: &HostRef,
    pick: impl Fn(&host::Hooks) -> &v8::Global<v8::Function>,
    args: &[&str],
) -> Option<v8::Local<'s, v8::Value>> {
    let f = host
        .hooks
        .borrow()
        .as_ref()
        .map(|h| v8::Local::new(scope, pick(h)))?;
    let undefined = v8::undefined(scope).into();
    let args: Vec<v8::Local<v8::Value>> = args.iter().map(|a| str(scope, a).into()).collect();
    f.call(scope, undefined, &args)
}

/// The key `specifier` (imported by the module at `referrer`) resolves to; on failure an
/// exception is pending.
fn resolve_request(
    scope: &mut v8::PinScope<'_, '_>,
    host: &HostRef,
    referrer: &str,
    specifier: &str,
) -> Option<String> {
    if let Some(key) = resolve_key(referrer, specifier) {
        return Some(key);
    }
    let target = call_hook(scope, host, |h| &h.resolve_import, &[specifier, referrer])?;
    Some(target.to_rust_string_lossy(scope))
}

fn load_imports(
    scope: &mut v8::PinScope<'_, '_>,
    host: &HostRef,
    key: &str,
    module: v8::Local<v8::Module>,
) -> Option<()> {
    let hash = module.get_identity_hash().get();
    let requests = module.get_module_requests();
    for i in 0..requests.length() {
        let request = requests.get(scope, i)?;
        let request = v8::Local::<v8::ModuleRequest>::try_from(request).ok()?;
        let specifier = request.get_specifier().to_rust_string_lossy(scope);
        let target = resolve_request(scope, host, key, &specifier)?;
        let known = match scope.get_slot_mut::<ModuleMap>() {
            Some(map) => {
                map.resolved
                    .insert((hash, specifier.clone()), target.clone());
                map.by_key.contains_key(&target)
            }
            None => false,
        };
        if known {
            continue;
        }
        load_module(scope, host, &target, key)?;
    }
    Some(())
}

/// Loads the module at `key` (imported by `referrer`) and, for an ES module, its imports:
/// a builtin or a CommonJS file (which `require` runs now) as a synthetic module, an ES
/// module compiled. On failure an exception is pending.
fn load_module(
    scope: &mut v8::PinScope<'_, '_>,
    host: &HostRef,
    key: &str,
    referrer: &str,
) -> Option<()> {
    if let Some(builtin) = key.strip_prefix("node:") {
        let exports = call_hook(scope, host, |h| &h.require, &[builtin])?;
        return synthetic_module(scope, key, exports);
    }
    if module_by_path(Path::new(key)) != Some(true) {
        let exports = call_hook(scope, host, |h| &h.require_file, &[key])?;
        return synthetic_module(scope, key, exports);
    }
    if !host.shared.may_read(Path::new(key)) {
        crate::engine::files::throw_denied(scope, key);
        return None;
    }
    let code = match std::fs::read_to_string(key) {
        Ok(code) => code,
        Err(e) => {
            let msg = format!("Cannot find module '{key}' imported from {referrer}: {e}");
            host::throw(scope, "Error", "ERR_MODULE_NOT_FOUND", &msg);
            return None;
        }
    };
    let module = compile_module(scope, key, &code)?;
    register(scope, key, module);
    load_imports(scope, host, key, module)
}

/// A module whose `default` export is `exports` and whose named exports are its own
/// string-keyed properties (a builtin's, or a CommonJS module's `module.exports`).
fn synthetic_module(
    scope: &mut v8::PinScope<'_, '_>,
    key: &str,
    exports: v8::Local<v8::Value>,
) -> Option<()> {
    let mut names = vec![str(scope, "default")];
    if let Ok(object) = v8::Local::<v8::Object>::try_from(exports) {
        let keys = object.get_own_property_names(scope, Default::default())?;
        for i in 0..keys.length() {
            let k = keys.get_index(scope, i)?;
            if let Ok(k) = v8::Local::<v8::String>::try_from(k) {
                if k.to_rust_string_lossy(scope) != "default" {
                    names.push(k);
                }
            }
        }
    }
    let module_name = str(scope, key);
    let module = v8::Module::create_synthetic_module(scope, module_name, &names, synthetic_steps);
    let hash = module.get_identity_hash().get();
    let exports = v8::Global::new(scope, exports);
    if let Some(map) = scope.get_slot_mut::<ModuleMap>() {
        map.synthetic_exports.insert(hash, exports);
    }
    register(scope, key, module);
    Some(())
}

fn synthetic_steps<'s>(
    context: v8::Local<'s, v8::Context>,
    module: v8::Local<'s, v8::Module>,
) -> Option<v8::Local<'s, v8::Value>> {
    // SAFETY: V8 calls this while it evaluates the module, on the isolate's thread and in
    // the context it passes.
    v8::callback_scope!(unsafe scope, context);
    let hash = module.get_identity_hash().get();
    let exports = scope
        .get_slot::<ModuleMap>()?
        .synthetic_exports
        .get(&hash)?
        .clone();
    let exports = v8::Local::new(scope, exports);
    let default = str(scope, "default");
    module.set_synthetic_module_export(scope, default, exports)?;
    let Ok(object) = v8::Local::<v8::Object>::try_from(exports) else {
        return Some(v8::undefined(scope).into());
    };
    let keys = object.get_own_property_names(scope, Default::default())?;
    for i in 0..keys.length() {
        let k = keys.get_index(scope, i)?;
        let Ok(name) = v8::Local::<v8::String>::try_from(k) else {
            continue;
        };
        if name.to_rust_string_lossy(scope) == "default" {
            continue;
        }
        let value = object.get(scope, k)?;
        module.set_synthetic_module_export(scope, name, value)?;
    }
    Some(v8::undefined(scope).into())
}

fn resolve<'s>(
    context: v8::Local<'s, v8::Context>,
    specifier: v8::Local<'s, v8::String>,
    _attributes: v8::Local<'s, v8::FixedArray>,
    referrer: v8::Local<'s, v8::Module>,
) -> Option<v8::Local<'s, v8::Module>> {
    // SAFETY: V8 calls this while it instantiates a module, on the isolate's thread and in
    // the context it passes.
    v8::callback_scope!(unsafe scope, context);
    let specifier = specifier.to_rust_string_lossy(scope);
    let hash = referrer.get_identity_hash().get();
    let found = scope.get_slot::<ModuleMap>().and_then(|map| {
        let key = map.resolved.get(&(hash, specifier.clone()))?;
        map.by_key.get(key).cloned()
    });
    match found {
        Some(module) => Some(v8::Local::new(scope, module)),
        None => {
            let msg = str(scope, &format!("Cannot find module '{specifier}'"));
            let e = v8::Exception::error(scope, msg);
            scope.throw_exception(e);
            None
        }
    }
}

/// `file://` and the path, `%`-escaped where a URL needs it (as `pathToFileURL` does).
fn file_url(path: &str) -> String {
    let mut out = String::from("file://");
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'/'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b'@'
            | b'+'
            | b','
            | b'='
            | b':'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b';' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// V8's `HostInitializeImportMetaObjectCallback`: `import.meta.url`, `.filename` and
/// `.dirname` of the module. It never panics (V8 would abort): a module Heddle did not
/// register gets an empty `import.meta`.
pub(crate) unsafe extern "C" fn import_meta(
    context: v8::Local<v8::Context>,
    module: v8::Local<v8::Module>,
    meta: v8::Local<v8::Object>,
) {
    // SAFETY: V8 calls this on the isolate's own thread, inside the context it passes.
    v8::callback_scope!(unsafe scope, context);
    let hash = module.get_identity_hash().get();
    let Some(key) = scope
        .get_slot::<ModuleMap>()
        .and_then(|m| m.key_of.get(&hash).cloned())
    else {
        return;
    };
    if !key.starts_with('/') {
        return;
    }
    let dir = Path::new(&key)
        .parent()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "/".into());
    for (name, value) in [("url", file_url(&key)), ("filename", key), ("dirname", dir)] {
        let k = str(scope, name).into();
        let v = str(scope, &value).into();
        meta.create_data_property(scope, k, v);
    }
}

/// V8's `HostImportModuleDynamicallyCallback` (`import()`): resolves from the importing
/// script or module, loads the graph as a static import would, instantiates and evaluates
/// it, and settles the promise with the namespace (or the error).
pub(crate) fn dynamic_import<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    _options: v8::Local<'s, v8::Data>,
    resource: v8::Local<'s, v8::Value>,
    specifier: v8::Local<'s, v8::String>,
    _attributes: v8::Local<'s, v8::FixedArray>,
) -> Option<v8::Local<'s, v8::Promise>> {
    let resolver = v8::PromiseResolver::new(scope)?;
    let promise = resolver.get_promise(scope);
    let referrer = resource.to_rust_string_lossy(scope);
    let specifier = specifier.to_rust_string_lossy(scope);
    let Some(host) = host::try_host(scope) else {
        let msg = str(scope, "import() in a worker that has ended");
        let e = v8::Exception::error(scope, msg);
        resolver.reject(scope, e);
        return Some(promise);
    };
    // A script that is not a file (`[worker eval]`, a spec's step) imports from the
    // working directory, as Node's `[eval]` does.
    let referrer = if referrer.starts_with('/') {
        referrer
    } else {
        host.shared.cwd.join("[eval]").display().to_string()
    };
    v8::tc_scope!(let tc, scope);
    match import_now(tc, &host, &referrer, &specifier) {
        Some(value) => {
            resolver.resolve(tc, value);
        }
        None => {
            let error = tc.exception().unwrap_or_else(|| v8::undefined(tc).into());
            if tc.has_terminated() || tc.is_execution_terminating() {
                return None;
            }
            tc.reset();
            resolver.reject(tc, error);
        }
    }
    Some(promise)
}

/// Loads, links and evaluates what `specifier` names; its namespace, or a promise of it
/// (top-level await). On failure an exception is pending.
fn import_now<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    host: &HostRef,
    referrer: &str,
    specifier: &str,
) -> Option<v8::Local<'s, v8::Value>> {
    let key = resolve_request(scope, host, referrer, specifier)?;
    let known = |scope: &mut v8::PinScope<'s, '_>| {
        scope
            .get_slot::<ModuleMap>()
            .and_then(|m| m.by_key.get(&key).cloned())
    };
    if known(scope).is_none() {
        load_module(scope, host, &key, referrer)?;
    }
    let global = known(scope)?;
    let module = v8::Local::new(scope, global);
    if module.get_status() == v8::ModuleStatus::Uninstantiated
        && module.instantiate_module(scope, resolve) != Some(true)
    {
        return None;
    }
    let evaluated = match module.get_status() {
        v8::ModuleStatus::Instantiated => Some(module.evaluate(scope)?),
        v8::ModuleStatus::Errored => {
            let e = module.get_exception();
            scope.throw_exception(e);
            return None;
        }
        _ => None,
    };
    let namespace = module.get_module_namespace();
    let Some(result) = evaluated.and_then(|r| v8::Local::<v8::Promise>::try_from(r).ok()) else {
        return Some(namespace);
    };
    match result.state() {
        v8::PromiseState::Fulfilled => Some(namespace),
        v8::PromiseState::Rejected => {
            let e = result.result(scope);
            scope.throw_exception(e);
            None
        }
        v8::PromiseState::Pending => {
            // Top-level await: the namespace once the evaluation settles.
            let source = str(scope, "(p, ns) => p.then(() => ns)");
            let then = v8::Script::compile(scope, source, None)?.run(scope)?;
            let then = v8::Local::<v8::Function>::try_from(then).ok()?;
            let undefined = v8::undefined(scope).into();
            then.call(scope, undefined, &[result.into(), namespace])
        }
    }
}
