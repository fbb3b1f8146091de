//! [`Diagnostic`]: a problem in a spec file, shown as `file:line:col` with the line itself,
//! what was expected, and a suggestion when a name looks misspelt.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_saphyr::Location;

/// One problem in a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The spec file.
    pub file: PathBuf,
    /// 1-based line (0: unknown).
    pub line: u64,
    /// 1-based column (0: unknown).
    pub column: u64,
    /// What is wrong, lowercase.
    pub message: String,
    /// "did you mean …?", when something close exists.
    pub help: Option<String>,
    /// The source line, for the excerpt.
    pub excerpt: Option<String>,
}

impl Diagnostic {
    /// A problem at `at` in `file` (whose text is `source`).
    pub fn at(file: &Path, source: &str, at: Location, message: impl Into<String>) -> Self {
        Diagnostic::at_line(file, source, (at.line(), at.column()), message)
    }

    /// A problem at `(line, column)` (1-based) in `file` (whose text is `source`).
    pub fn at_line(
        file: &Path,
        source: &str,
        (line, column): (u64, u64),
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            line,
            column,
            message: message.into(),
            help: None,
            excerpt: source
                .lines()
                .nth(line.saturating_sub(1) as usize)
                .map(str::to_string),
        }
    }

    /// A problem with the file as a whole (no one place in it).
    pub fn whole_file(file: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
            help: None,
            excerpt: None,
        }
    }

    /// Adds a "did you mean" for `wrong` among `known`, if one is close.
    pub fn suggest<'a>(mut self, wrong: &str, known: impl IntoIterator<Item = &'a str>) -> Self {
        if let Some(best) = closest(wrong, known) {
            self.help = Some(format!("did you mean `{best}`?"));
        }
        self
    }

    /// From a YAML/shape error of serde-saphyr.
    pub fn from_yaml(file: &Path, source: &str, error: &serde_saphyr::Error) -> Self {
        let text = error.to_string();
        // serde-saphyr's message: "error: line L column C: <what>\n --> <input>…"
        let first = text.lines().next().unwrap_or("invalid spec").to_string();
        let what = first
            .split_once(": ")
            .and_then(|(_, rest)| rest.split_once(": ").map(|(_, w)| w.to_string()))
            .unwrap_or(first);
        let mut d = match error.location() {
            Some(at) => Diagnostic::at(file, source, at, what.clone()),
            None => Diagnostic::whole_file(file, what.clone()),
        };
        // "unknown field `stpes`, expected one of steps, script" → suggest
        if let Some((wrong, expected)) = unknown_and_expected(&what) {
            d = d.suggest(&wrong, expected.iter().map(String::as_str));
        }
        d
    }
}

fn unknown_and_expected(message: &str) -> Option<(String, Vec<String>)> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    let wrong = message[start..end].to_string();
    let expected = message
        .split("expected one of ")
        .nth(1)
        .or_else(|| message.split("expected ").nth(1))?;
    let names = expected
        .split(&[',', ' '][..])
        .map(|s| s.trim_matches(|c: char| c == '`' || c == '.' || c.is_whitespace()))
        .filter(|s| !s.is_empty() && *s != "or")
        .map(str::to_string)
        .collect();
    Some((wrong, names))
}

/// The name in `known` closest to `wrong` by edit distance, if close enough to be a typo.
pub fn closest<'a>(wrong: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wrong.chars().count() / 3).max(1);
    known
        .into_iter()
        .map(|k| (edit_distance(wrong, k), k))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
            // adjacent transposition counts as one edit
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev[j - 1]);
            }
        }
        prev = cur;
    }
    prev[b.len()]
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        if self.line == 0 {
            writeln!(f, " --> {}", self.file.display())?;
        } else {
            writeln!(
                f,
                " --> {}:{}:{}",
                self.file.display(),
                self.line,
                self.column
            )?;
        }
        if let Some(line) = &self.excerpt {
            // At most 100 characters of the line, around the column.
            let chars: Vec<char> = line.chars().collect();
            let col = (self.column.saturating_sub(1) as usize).min(chars.len());
            let from = col.saturating_sub(60);
            let to = (from + 100).min(chars.len());
            let shown: String = chars[from..to].iter().collect();
            let (pre, post) = (
                if from > 0 { "…" } else { "" },
                if to < chars.len() { "…" } else { "" },
            );
            let n = self.line.to_string();
            let pad = " ".repeat(n.len());
            writeln!(f, "{pad} |")?;
            writeln!(f, "{n} | {pre}{shown}{post}")?;
            let caret = " ".repeat(col - from + pre.chars().count());
            writeln!(f, "{pad} | {caret}^")?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "help: {help}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_suggestions_and_strangers_do_not() {
        assert_eq!(closest("stpes", ["steps", "script"]), Some("steps"));
        assert_eq!(closest("wroker", ["worker", "main"]), Some("worker"));
        assert_eq!(closest("zzz", ["steps", "script"]), None);
    }

    #[test]
    fn serde_messages_are_parsed_for_suggestions() {
        let (w, e) =
            unknown_and_expected("unknown field `stpes`, expected one of steps, script").unwrap();
        assert_eq!(w, "stpes");
        assert_eq!(e, vec!["steps", "script"]);
    }
}
