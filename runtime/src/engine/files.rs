//! The ops behind CommonJS `require` in `bootstrap.js`: reading a file, asking what a path
//! is, and compiling a module's source into its wrapper function. Resolution (relative
//! paths, `node_modules`, `package.json` `main` and `exports`) is JavaScript, in
//! bootstrap.js; these only touch the file system and the compiler.
//!
//! Each op takes its arguments as strings and never panics on them: a file that cannot be
//! read is `undefined`, a syntax error is thrown as V8 made it.

use crate::engine::host::{self, str};

type Args<'s> = v8::FunctionCallbackArguments<'s>;
type Ret<'s> = v8::ReturnValue<'s, v8::Value>;

/// Throws that `path` is outside the folders the run may read.
pub(crate) fn throw_denied(scope: &mut v8::PinScope<'_, '_>, path: &str) {
    let msg = format!(
        "Heddle does not read {path}: it is outside the spec's folder and its allow_read folders (add its folder to `allow_read:`)"
    );
    host::throw(scope, "Error", "ERR_HEDDLE_READ_DENIED", &msg);
}

/// `readFile(path)`: the file's text, or `undefined` if it cannot be read as UTF-8; throws
/// if the run may not read it.
pub(super) fn read_file<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, mut rv: Ret<'s>) {
    let path = args.get(0).to_rust_string_lossy(scope);
    if host::try_host(scope).is_some_and(|h| !h.shared.may_read(std::path::Path::new(&path))) {
        return throw_denied(scope, &path);
    }
    if let Ok(text) = std::fs::read_to_string(&path) {
        let v = str(scope, &text);
        rv.set(v.into());
    }
}

/// `stat(path)`: `"file"`, `"dir"`, `"denied"` (it is there, outside the folders the run
/// may read), or `undefined` if nothing is there.
pub(super) fn stat<'s>(scope: &mut v8::PinScope<'s, '_>, args: Args<'s>, mut rv: Ret<'s>) {
    let path = args.get(0).to_rust_string_lossy(scope);
    let denied =
        host::try_host(scope).is_some_and(|h| !h.shared.may_read(std::path::Path::new(&path)));
    let kind = match std::fs::metadata(&path) {
        Ok(_) if denied => "denied",
        Ok(m) if m.is_dir() => "dir",
        Ok(_) => "file",
        Err(_) => return,
    };
    let v = str(scope, kind);
    rv.set(v.into());
}

/// `compileCommonJs(code, filename)`: the module's function of `(exports, require, module,
/// __filename, __dirname)`, as Node's wrapper has it; a syntax error is thrown.
pub(super) fn compile_common_js<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: Args<'s>,
    mut rv: Ret<'s>,
) {
    if host::try_host(scope).is_none() {
        return;
    }
    let mut code = args.get(0).to_rust_string_lossy(scope);
    if code.starts_with("#!") {
        // A shebang line is a comment to Node; the function body would reject it.
        code.replace_range(0..2, "//");
    }
    let name = args.get(1).to_rust_string_lossy(scope);
    if let Some(f) = compile_wrapper(scope, &name, &code) {
        rv.set(f.into());
    }
}

/// `code` compiled as the body of Node's CommonJS wrapper, a function of `(exports,
/// require, module, __filename, __dirname)` named `name` in stack traces; `None` with the
/// syntax error pending.
pub(crate) fn compile_wrapper<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    name: &str,
    code: &str,
) -> Option<v8::Local<'s, v8::Function>> {
    let source_text = str(scope, code);
    let resource = str(scope, name).into();
    let origin = v8::ScriptOrigin::new(
        scope, resource, 0, 0, false, 0, None, false, false, false, None,
    );
    let mut source = v8::script_compiler::Source::new(source_text, Some(&origin));
    let params = ["exports", "require", "module", "__filename", "__dirname"].map(|p| str(scope, p));
    v8::script_compiler::compile_function(
        scope,
        &mut source,
        &params,
        &[],
        v8::script_compiler::CompileOptions::NoCompileOptions,
        v8::script_compiler::NoCacheReason::NoReason,
    )
}
