//! Syntax checks of JavaScript snippets, before anything runs: V8 compiles each one in a
//! scratch isolate and reports the first syntax error with its place in the snippet.

use crate::engine::host::str;
use crate::engine::platform;

/// How a snippet is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnippetKind {
    /// Global code (a script, or what indirect `eval` runs).
    Script,
    /// One expression (a message value, a transfer list entry).
    Expression,
}

/// A syntax error in a snippet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxProblem {
    /// V8's message (`SyntaxError: Unexpected token ')'`).
    pub message: String,
    /// 1-based line in the snippet.
    pub line: u32,
    /// 1-based column in the snippet.
    pub column: u32,
}

/// Compiles each snippet (without running it) and returns its syntax error, if any.
pub fn check(
    snippets: Vec<(String, SnippetKind)>,
) -> Result<Vec<Option<SyntaxProblem>>, crate::Error> {
    platform::run_on_v8_thread("heddle-syntax", move || {
        let isolate = &mut v8::Isolate::new(Default::default());
        v8::scope!(let scope, isolate);
        let context = v8::Context::new(scope, Default::default());
        let scope = &mut v8::ContextScope::new(scope, context);
        snippets
            .iter()
            .map(|(code, kind)| {
                v8::tc_scope!(let tc, scope);
                let (text, shift) = match kind {
                    SnippetKind::Script => (code.clone(), 0),
                    // On its own line, so that a trailing comment cannot swallow the `)`.
                    SnippetKind::Expression => (format!("(\n{code}\n)"), 1),
                };
                let source = str(tc, &text);
                if v8::Script::compile(tc, source, None).is_some() {
                    return None;
                }
                let message = tc
                    .exception()
                    .map(|e| e.to_rust_string_lossy(tc))
                    .unwrap_or_else(|| "SyntaxError".into());
                let (line, column) = match tc.message() {
                    Some(m) => (
                        m.get_line_number(tc).unwrap_or(1) as u32,
                        m.get_start_column() as u32 + 1,
                    ),
                    None => (1 + shift, 1),
                };
                // An error at the wrapping `)` is at the end of the expression.
                let lines = code.lines().count().max(1) as u32;
                let line = line.saturating_sub(shift).max(1);
                let (line, column) = if line > lines {
                    let last = code.lines().last().unwrap_or("");
                    (lines, last.chars().count() as u32 + 1)
                } else {
                    (line, column)
                };
                Some(SyntaxProblem {
                    message,
                    line,
                    column,
                })
            })
            .collect()
    })
}
