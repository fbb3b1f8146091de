//! The YAML layer: a spec's text → [`Spec`], with serde-saphyr under Heddle's options, the
//! path of every value tracked, and the library's errors said in the spec's own words.
//!
//! serde-saphyr reports *where* (line and column) but speaks of its own types ("invalid
//! u32", "expected mapping start", "untagged enum"); a user needs the field
//! (`workers.a.steps[0].wait.index`), what it must be ("a whole number from 0 to
//! 4294967295") and what was found there. `serde_path_to_error` supplies the field.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::spec::Spec;

/// Parses `source` (the text of the spec at `file`) into a [`Spec`].
pub fn parse(file: &Path, source: &str) -> Result<Spec, Diagnostic> {
    let mut options = serde_saphyr::Options::default();
    // A tag such as `!Ref` means something to some other tool; here it would be silently
    // dropped.
    options.reject_unsupported_tags = true;
    // A spec is small: a few hundred nodes. Budgets far past that, and far below the
    // library's own (250,000 nodes), stop an alias bomb before it costs seconds.
    if let Some(budget) = options.budget.as_mut() {
        budget.max_nodes = 50_000;
        budget.max_events = 200_000;
        budget.max_aliases = 2_000;
        budget.max_recorded_anchor_events = 100_000;
    }
    let path = std::cell::RefCell::new(None::<String>);
    let parsed = serde_saphyr::with_deserializer_from_str_with_options(source, options, |de| {
        serde_path_to_error::deserialize::<_, Spec>(de).map_err(|e| {
            let p = spec_path(&e.path().to_string());
            if !p.is_empty() && p != "?" {
                *path.borrow_mut() = Some(p);
            }
            e.into_inner()
        })
    });
    parsed.map_err(|e| diagnostic(file, source, &e, path.into_inner().as_deref()))
}

/// A serde path as the spec's keys: without the `value` segments that located values
/// (`Spanned`) add, keeping the one real `value` key, `post.value`.
fn spec_path(serde_path: &str) -> String {
    if serde_path == "." {
        return String::new();
    }
    let mut out = String::new();
    let mut last = "";
    for segment in serde_path.split('.') {
        // `post.value` and `wait.value` are real keys; every other `value` is a Spanned's.
        if segment == "value" && last != "post" && last != "wait" {
            continue;
        }
        if segment == "?" {
            continue; // a key serde could not name (a duplicate, a syntax error)
        }
        // A located list (`faults: [...]` inside its Spanned): `value[0]` is `[0]`.
        if let Some(index) = segment.strip_prefix("value").filter(|i| i.starts_with('[')) {
            if last != "post" && last != "wait" {
                out.push_str(index);
                continue;
            }
        }
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(segment);
        last = segment;
    }
    out
}

/// The text serde-saphyr's message carries after its own `line L column C:` prefix.
fn raw_message(error: &serde_saphyr::Error) -> String {
    let text = error.to_string();
    let first = text.lines().next().unwrap_or("invalid spec").to_string();
    first
        .split_once(": ")
        .and_then(|(_, rest)| rest.split_once(": ").map(|(_, w)| w.to_string()))
        .unwrap_or(first)
}

/// The scalar (or the start of the node) at `line:column` of `source`, for "found …".
fn found_at(source: &str, line: u64, column: u64) -> Option<String> {
    let text = source.lines().nth(line.checked_sub(1)? as usize)?;
    let start: String = text
        .chars()
        .skip(column.saturating_sub(1) as usize)
        .collect();
    let start = start.trim_start();
    if start.starts_with('[') || start.starts_with("- ") || start == "-" {
        return Some("a list".into());
    }
    if start.starts_with('{') {
        return Some("a mapping".into());
    }
    let token: String = start
        .chars()
        .take_while(|c| !matches!(c, ',' | '}' | ']' | '#'))
        .collect();
    let token = token.trim();
    if token.is_empty() {
        return None;
    }
    if token.ends_with(':') || token.contains(": ") {
        return Some("a mapping".into());
    }
    let token = &format!("`{}`", token.replace('`', "'"));
    Some(if token.chars().count() > 42 {
        format!("{}…`", token.chars().take(41).collect::<String>())
    } else {
        token.to_string()
    })
}

/// What a value of the Rust type serde-saphyr named must be, in a spec's words.
fn expected_number(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "u32" => "a whole number from 0 to 4294967295",
        "u64" => "a whole number from 0 to 18446744073709551615",
        "i32" => "a whole number from -2147483648 to 2147483647",
        "floating point" | "f64" => "a number",
        "boolean" | "bool" => "`true` or `false`",
        _ => return None,
    })
}

/// Cuts `s` to at most `max` characters.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!(
            "{}… ({} characters)",
            s.chars().take(max).collect::<String>(),
            s.chars().count()
        )
    }
}

/// serde-saphyr's `error` as a spec diagnostic, at its place, naming the field at `path`.
fn diagnostic(
    file: &Path,
    source: &str,
    error: &serde_saphyr::Error,
    path: Option<&str>,
) -> Diagnostic {
    let raw = clip(&raw_message(error), 300);
    let (line, column) = error
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((0, 0));
    let field = path.map(|p| format!("`{p}`: ")).unwrap_or_default();
    let found = found_at(source, line, column)
        .map(|f| format!(", found {f}"))
        .unwrap_or_default();
    let (message, suggest) = words(&raw, &field, &found, path);
    let mut d = if line > 0 {
        Diagnostic::at_line(file, source, (line, column), message)
    } else {
        Diagnostic::whole_file(file, message)
    };
    if let Some((wrong, known)) = suggest {
        d = d.suggest(&wrong, known.iter().map(String::as_str));
    }
    d
}

/// A "did you mean" to offer: the wrong word and the known ones.
type Suggestion = Option<(String, Vec<String>)>;

/// The message for serde-saphyr's `raw` one, with `field` (`` `a.b`: `` or empty) and
/// `found` (`, found `x`` or empty) to weave in.
fn words(raw: &str, field: &str, found: &str, path: Option<&str>) -> (String, Suggestion) {
    let what_of = |p: Option<&str>| -> &'static str {
        match p {
            Some(p) if p.contains("steps[") => "step",
            Some(p) if p.starts_with("faults") => "fault",
            _ => "value",
        }
    };
    if let Some(kind) = raw.strip_prefix("invalid ") {
        if let Some(expected) = expected_number(kind.trim()) {
            return (format!("{field}expected {expected}{found}"), None);
        }
    }
    let plain = |s: &str| (s.to_string(), None);
    match raw {
        "expected mapping start" => {
            return plain(&format!(
                "{field}expected a mapping (`key: value` entries){found}"
            ))
        }
        "expected sequence start" => return plain(&format!("{field}expected a list{found}")),
        "expected string scalar" => return plain(&format!("{field}expected a string{found}")),
        "recursion limit exceeded" => {
            return plain("the spec nests too deeply (a spec needs a few levels, not hundreds)")
        }
        "alias references unknown anchor" => {
            return plain("this alias (`*name`) names no anchor (`&name`) defined before it")
        }
        _ => {}
    }
    if let Some(rest) = raw.strip_prefix("invalid type: ") {
        // "invalid type: integer `3`, expected a strategy …"
        if let Some((got, expected)) = rest.split_once(", expected ") {
            let expected = expected_number(expected.trim()).unwrap_or(expected);
            return plain(&format!("{field}expected {expected}, found {got}"));
        }
    }
    if let Some(rest) = raw.strip_prefix("invalid value: ") {
        if let Some((got, expected)) = rest.split_once(", expected ") {
            let expected = expected_number(expected.trim()).unwrap_or(expected);
            return plain(&format!("{field}expected {expected}, found {got}"));
        }
    }
    if raw.starts_with("multiple YAML documents detected") {
        return plain("a spec is one YAML document, but a `---` here starts another: put each spec in its own file");
    }
    if let Some(rest) = raw.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        return plain(&format!(
            "{field}duplicate key `{key}`: a key may appear once in a mapping"
        ));
    }
    if raw.starts_with("budget breached") {
        let why = if raw.contains("Depth") {
            "the spec nests too deeply (more than 64 levels)"
        } else if raw.contains("Alias") || raw.contains("Nodes") || raw.contains("Events") {
            "the spec expands to too many YAML nodes (aliases that multiply, an \"alias bomb\"?)"
        } else {
            "the spec is too large for a spec"
        };
        return plain(why);
    }
    if raw.starts_with("non-finite float") {
        let v = raw.split('`').nth(1).unwrap_or(".nan");
        return plain(&format!(
            "{field}`{v}` is not allowed here: give a finite number"
        ));
    }
    if raw.contains("expected an array of length 2") || raw.contains("expected a tuple of size 2") {
        return plain(&format!(
            "{field}a channel has exactly two ends, the two threads it joins: `[a, b]`"
        ));
    }
    if raw.starts_with("expected end of mapping after enum variant value") {
        return plain(&format!(
            "{field}a {} has exactly one kind (one key such as `js:` or `post:`), and this one has more",
            what_of(path)
        ));
    }
    if let Some(rest) = raw.strip_prefix("unknown variant `") {
        let wrong = rest.split('`').next().unwrap_or("").to_string();
        let expected: Vec<String> = rest
            .split("expected one of ")
            .nth(1)
            .or_else(|| rest.split("expected ").nth(1))
            .unwrap_or("")
            .split(',')
            .map(|s| s.trim().trim_matches('`').to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let message = format!(
            "{field}`{}` is not one of {}",
            clip(&wrong, 60),
            expected
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        return (message, Some((wrong, expected)));
    }
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        let wrong = rest.split('`').next().unwrap_or("").to_string();
        let expected: Vec<String> = rest
            .split("expected one of ")
            .nth(1)
            .or_else(|| rest.split("expected ").nth(1))
            .unwrap_or("")
            .split(',')
            .map(|s| s.trim().trim_matches('`').to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let here = match path.and_then(|p| p.rsplit_once('.')) {
            Some((head, _)) => format!(" in `{head}`"),
            None => " at the top level".into(),
        };
        // Main takes only `steps` or `script`; the rest of a thread's keys are a worker's.
        let expected: Vec<String> = if path.is_some_and(|p| p.starts_with("main.") || p == "main") {
            expected
                .into_iter()
                .filter(|e| e == "steps" || e == "script")
                .collect()
        } else {
            expected
        };
        let message = format!(
            "unknown key `{}`{here}: expected one of {}",
            clip(&wrong, 60),
            expected
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        return (message, Some((wrong, expected)));
    }
    if let Some(rest) = raw.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or("");
        return plain(&format!("{field}missing `{name}:`, which is required"));
    }
    if raw.starts_with("invalid length") {
        return plain(&format!("{field}{raw}"));
    }
    if raw.contains("unsupported") && raw.contains("tag") {
        return plain(&format!(
            "{field}YAML tags (`!name`) are not part of the spec format: remove it"
        ));
    }
    (format!("{field}{raw}"), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(yaml: &str) -> String {
        parse(Path::new("t.yaml"), yaml)
            .expect_err("invalid")
            .message
    }

    #[test]
    fn type_errors_name_the_field_and_what_it_must_be() {
        let m = message("name: x\nshared: { s: { sab: -1 } }\n");
        assert_eq!(
            m,
            "`shared.s.sab`: expected a whole number from 0 to 4294967295, found `-1`"
        );
        let m = message("name: x\nworkers: [a]\n");
        assert!(m.starts_with("`workers`: expected a mapping"), "{m}");
    }

    #[test]
    fn unknown_keys_say_where_and_suggest() {
        let d = parse(
            Path::new("t.yaml"),
            "name: x\nworkers:\n  a: { stpes: [] }\n",
        )
        .expect_err("invalid");
        assert!(
            d.message.starts_with("unknown key `stpes` in `workers.a`"),
            "{}",
            d.message
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `steps`?"));
    }
}
