//! The bad-spec catalogue: every file in `tests/bad/` is hostile or wrong input, one class
//! per file (its top comment says what it is and the diagnostic a user should get). Each is
//! run through the built `heddle` binary, and each must be refused cleanly:
//!
//! - exit status exactly 2, within [`TIMEOUT`] and [`MAX_RSS`] (a hang or a runaway
//!   allocation is killed and reported: some of these files, unfixed, allocate ~200 MB/s);
//! - no panic, abort, V8 fatal error or death by a signal;
//! - stderr names the spec file, and has a `<file>.yaml:<line>:<col>` with line and column
//!   at least 1 (`:0:0` is not a place), unless [`NO_LOCATION`] lists the file with a reason;
//! - stderr is short (at most [`MAX_STDERR`] bytes: a diagnostic echoes input truncated);
//! - stderr has none of the parser's or serde's internal jargon ([`JARGON`]): a user reads
//!   `sab` must be a whole number, not `invalid u32`;
//! - stderr, with this machine's paths replaced by `[BAD]`/`[ROOT]`, matches the insta
//!   snapshot `tests/bad/snapshots/<file stem>.snap`.
//!
//! The snapshot is only compared once the checks above pass, so a snapshot can never record
//! a panic, a hang or a missing location (accepting with `cargo insta review` or
//! `INSTA_UPDATE=always` only ever writes snapshots of well-behaved refusals).
//!
//! The command is `heddle run <file>` unless the file's leading comment block has a line
//! `# heddle: <subcommand> [args…]` (single quotes group an argument): the file goes right
//! after the subcommand, e.g. `# heddle: replay 'a*99999999999'` runs
//! `heddle replay <file> 'a*99999999999'`.
//!
//! Every file is run and every problem collected; the test fails once, with a table of all
//! files that misbehaved. The full table (all files) is also written to
//! `$CARGO_TARGET_TMPDIR/bad-report.md`.
//!
//! Knobs: `BAD_ONLY=<substring>` runs only matching files (the directory must still hold at
//! least [`MIN_FILES`]); `BAD_JOBS=<n>` runs n files at once (default 2).
//!
//! Run it: `INSTA_UPDATE=no cargo test -p heddle --test bad -- --nocapture`.

#![cfg(unix)]

use heddle::sched::watchdog;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The catalogue must not shrink below this (and an empty or misplaced directory fails).
const MIN_FILES: usize = 60;
/// Wall-clock limit per file; the child is killed after it and the file reported as a hang.
const TIMEOUT: Duration = Duration::from_secs(60);
/// A diagnostic longer than this (in bytes) is reported as too long.
const MAX_STDERR: usize = 64 * 1024;
/// Resident memory limit per child; above it the child is killed and reported. (Refusing
/// a spec takes a few MiB; 154-js-heap-exhaustion-main legitimately reaches ~1.5 GiB before
/// V8 gives up, so the limit is well above that.)
const MAX_RSS: u64 = 4 * 1024 * 1024 * 1024;

/// Phrases of the YAML library, serde or Rust types that mean nothing to someone writing a
/// spec; a diagnostic that contains one is reported (the fix is to say what the field
/// takes, in the spec's terms).
const JARGON: &[&str] = &[
    "untagged enum",
    "DuplicateKeyPolicy",
    "from_str_multiple",
    "budget breached",
    "configured policy",
    "invalid u32",
    "invalid u64",
    "invalid i32",
    "invalid floating point",
    "expected string scalar",
    "expected mapping start",
    "expected sequence start",
    "expected end of mapping after enum variant",
    "an array of length",
    "a tuple of size",
    "unknown variant",
];

/// Files that cannot explain themselves in a top comment (no room for one, or not UTF-8
/// text), with what they are and what a user should get. The other files say it in their
/// first lines (`# want: …`).
const NOTES: &[(&str, &str)] = &[
    (
        "001-empty-file.yaml",
        "zero bytes. want: exit 2; \"the spec is empty: a spec is a mapping with at least \
         `name:`\", naming the file; no place to point at.",
    ),
    (
        "022-non-utf8.yaml",
        "ASCII comments, then `name: caf\\xE9-au-lait` with a Latin-1 0xE9 byte at 5:10. \
         want: exit 2; \"the spec is not UTF-8: byte 0xE9 at 5:10\" with a hint to save it as \
         UTF-8. The place of the first bad byte is known, so a location is required.",
    ),
    (
        "023-nul-byte.yaml",
        "a raw 0x00 inside a double-quoted js step at 9:19. want: exit 2; \"NUL (U+0000) is \
         not allowed in YAML\" at 9:19 (YAML forbids C0 controls other than tab/LF/CR, even \
         quoted; `\\0` is how to write one). Not: the byte passed on into JavaScript.",
    ),
    (
        "024-utf8-bom.yaml",
        "starts with a UTF-8 BOM (EF BB BF). Opinion: ACCEPT it (YAML 1.2 allows a BOM at the \
         start of a stream; Windows editors write one) and ignore it for columns. The file's \
         only problem is the misspelt `wokers:` at 7:1. want: exit 2; \"unknown field \
         `wokers`\" at 7:1, help: did you mean `workers`? Not: an encoding error, nor 7:2.",
    ),
    (
        "025-utf16-le-bom.yaml",
        "the whole file is UTF-16 LE with a BOM (FF FE), otherwise a valid spec. Opinion: \
         reject it (YAML 1.2 allows UTF-16, but specs are UTF-8 text and decoding buys \
         little). want: exit 2; \"the spec is UTF-16 (BOM FF FE); save it as UTF-8\", naming \
         the file; no location (the whole file is in the wrong encoding).",
    ),
];

/// Files whose diagnostic need not have a `file:line:col`, and why. Every other file's must.
const NO_LOCATION: &[(&str, &str)] = &[
    (
        "001-empty-file.yaml",
        "empty: there is no place in the file to point at",
    ),
    (
        "002-comment-only.yaml",
        "no YAML document: nothing to point at (1:1 is welcome)",
    ),
    (
        "020-huge-unknown-key.yaml",
        "a cap on the whole file's size (\"the spec is 5 MiB; at most 4 MiB\") is a fine answer",
    ),
    (
        "021-huge-string-value.yaml",
        "a cap on the whole file's size is a fine answer (167 tests truncation below a cap)",
    ),
    (
        "025-utf16-le-bom.yaml",
        "the whole file is in the wrong encoding",
    ),
    (
        "164-replay-huge-repeat.yaml",
        "the bad input is the command-line schedule, not the file",
    ),
    (
        "165-replay-garbage.yaml",
        "the bad input is the command-line schedule, not the file",
    ),
    (
        "166-replay-unknown-thread.yaml",
        "the bad input is the command-line schedule, not the file",
    ),
];

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bad_dir() -> PathBuf {
    manifest_dir().join("tests").join("bad")
}

/// The catalogue, sorted by file name.
fn catalogue() -> Vec<PathBuf> {
    let dir = bad_dir();
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list the catalogue {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

/// The leading comment block of a file (lossy UTF-8 of its first few KiB).
fn leading_comments(path: &Path) -> Vec<String> {
    let mut head = Vec::new();
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(16 * 1024).read_to_end(&mut head);
    }
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{feff}');
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Splits `replay 'a*3' x` into words; single quotes group.
fn split_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in s.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    words.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(cur);
    }
    words
}

/// The arguments to `heddle` for a file: `run <file>` or what its `# heddle:` line says.
fn command_for(path: &Path) -> Vec<String> {
    let file = path.display().to_string();
    let header = leading_comments(path)
        .into_iter()
        .find_map(|l| l.strip_prefix("# heddle:").map(str::to_string));
    match header {
        None => vec!["run".into(), file],
        Some(h) => {
            let mut words = split_words(&h);
            assert!(
                !words.is_empty(),
                "{}: `# heddle:` needs a subcommand",
                path.display()
            );
            words.insert(1, file);
            words
        }
    }
}

/// How a child ended.
#[derive(Debug, Clone)]
enum Ended {
    Exit(i32),
    Signal(i32),
    Hang,
    /// Killed for resident memory above [`MAX_RSS`] (bytes seen).
    Memory(u64),
}

impl std::fmt::Display for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ended::Exit(c) => write!(f, "exit {c}"),
            Ended::Signal(s) => write!(f, "signal {s} ({})", signal_name(*s)),
            Ended::Hang => write!(f, "hang (killed after {}s)", TIMEOUT.as_secs()),
            Ended::Memory(b) => write!(f, "runaway memory (killed at {} MiB RSS)", b >> 20),
        }
    }
}

fn signal_name(s: i32) -> &'static str {
    match s {
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        _ => "?",
    }
}

struct Outcome {
    ended: Ended,
    elapsed: Duration,
    stderr: String,
}

fn run_heddle(args: &[String]) -> Outcome {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_heddle"))
        .args(args)
        .current_dir(bad_dir())
        .env_remove("HEDDLE_SCHEDULE")
        .env_remove("HEDDLE_SHOW_DECISIONS")
        // The snapshots record the default watchdog limits ("ran for 5000 ms"): a machine
        // that raises them for its own speed (.ci/pku-vm.sh's emulated CPU) must not leak
        // them into the busy-loop files' diagnostics.
        .env_remove(watchdog::UNIT_ENV)
        .env_remove(watchdog::RUN_ENV)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn heddle");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    // Drain both pipes so a chatty child cannot block on a full pipe.
    let out_reader = std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = out.read_to_end(&mut sink);
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let ended = loop {
        match child.try_wait().expect("wait for heddle") {
            Some(status) => {
                break match (status.code(), status.signal()) {
                    (Some(c), _) => Ended::Exit(c),
                    (None, Some(s)) => Ended::Signal(s),
                    (None, None) => Ended::Exit(-1),
                }
            }
            None if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break Ended::Hang;
            }
            None if rss(child.id()).is_some_and(|b| b > MAX_RSS) => {
                let seen = rss(child.id()).unwrap_or(MAX_RSS);
                let _ = child.kill();
                let _ = child.wait();
                break Ended::Memory(seen);
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let elapsed = start.elapsed();
    let _ = out_reader.join();
    let stderr = err_reader.join().unwrap_or_default();
    Outcome {
        ended,
        elapsed,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// The resident set size of process `pid` in bytes (Linux), if known.
fn rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Whether `text` has `<name>:<line>:<col>` with line, col >= 1.
fn has_location(text: &str, name: &str) -> bool {
    let pat = format!("{name}:");
    let mut rest = text;
    while let Some(i) = rest.find(&pat) {
        let after = &rest[i + pat.len()..];
        let line: String = after.chars().take_while(char::is_ascii_digit).collect();
        if !line.is_empty() {
            let after = &after[line.len()..];
            if let Some(after) = after.strip_prefix(':') {
                let col: String = after.chars().take_while(char::is_ascii_digit).collect();
                let ok = |s: &str| s.parse::<u64>().is_ok_and(|n| n >= 1);
                if ok(&line) && ok(&col) {
                    return true;
                }
            }
        }
        rest = &rest[i + pat.len()..];
    }
    false
}

/// This machine's paths replaced, so snapshots are machine-independent.
fn normalise(stderr: &str) -> String {
    let mut pairs: Vec<(String, &str)> = Vec::new();
    for (dir, tag) in [(bad_dir(), "[BAD]"), (manifest_dir().join(".."), "[ROOT]")] {
        if let Ok(c) = std::fs::canonicalize(&dir) {
            pairs.push((c.display().to_string(), tag));
        }
        pairs.push((dir.display().to_string(), tag));
    }
    // Longest first, so the catalogue's folder wins over the repository root.
    pairs.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    let mut s = stderr.replace("\r\n", "\n");
    for (p, tag) in pairs {
        s = s.replace(&p, tag);
    }
    s
}

/// Signs of a crash rather than a refusal, as (what, found in stderr).
const CRASH_SIGNS: &[(&str, &str)] = &[
    ("panic", "panicked"),
    ("panic", "RUST_BACKTRACE"),
    ("abort", "failed to initiate panic"),
    ("abort", "fatal error"),
    ("abort", "Fatal error"),
    ("abort", "Fatal JavaScript"),
    ("abort", "Fatal process"),
    ("abort", "overflowed its stack"),
    ("abort", "memory allocation of"),
];

struct Row {
    file: String,
    command: String,
    ended: Ended,
    elapsed: Duration,
    crash: Vec<&'static str>,
    located: bool,
    first_lines: String,
    problems: Vec<String>,
}

fn check_file(path: &Path) -> Row {
    let name = file_name(path);
    let args = command_for(path);
    let out = run_heddle(&args);
    let mut problems = Vec::new();
    let mut crash = Vec::new();

    match out.ended {
        Ended::Exit(2) => {}
        Ended::Exit(c) => problems.push(format!("exit status {c}, expected 2")),
        Ended::Signal(s) => {
            crash.push("signal");
            problems.push(format!("killed by signal {s} ({})", signal_name(s)));
        }
        Ended::Hang => {
            crash.push("hang");
            problems.push(format!("no exit within {}s (killed)", TIMEOUT.as_secs()));
        }
        Ended::Memory(b) => {
            crash.push("memory");
            problems.push(format!(
                "resident memory above {} MiB ({} MiB, killed)",
                MAX_RSS >> 20,
                b >> 20
            ));
        }
    }
    for (what, sign) in CRASH_SIGNS {
        if out.stderr.contains(sign) {
            if !crash.contains(what) {
                crash.push(what);
            }
            problems.push(format!("stderr has {sign:?} ({what})"));
        }
    }
    let path_str = path.display().to_string();
    let canonical = std::fs::canonicalize(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path_str.clone());
    if out.stderr.trim().is_empty() {
        problems.push("stderr is empty: no diagnostic at all".into());
    } else if !out.stderr.contains(&path_str) && !out.stderr.contains(&canonical) {
        problems.push("stderr does not name the spec file".into());
    }
    let located = has_location(&out.stderr, &name);
    let location_optional = NO_LOCATION.iter().any(|(f, _)| *f == name);
    if !located && !location_optional {
        problems.push(format!(
            "no `{name}:<line>:<col>` (line, col >= 1) in stderr"
        ));
    }
    let jargon: Vec<&str> = JARGON
        .iter()
        .copied()
        .filter(|j| out.stderr.contains(j))
        .collect();
    if !jargon.is_empty() {
        problems.push(format!("library jargon in the diagnostic: {jargon:?}"));
    }
    if out.stderr.len() > MAX_STDERR {
        problems.push(format!(
            "stderr is {} bytes (more than {MAX_STDERR}): input echoed untruncated?",
            out.stderr.len()
        ));
    }

    let normalised = normalise(&out.stderr);
    if problems.is_empty() {
        // Only a well-behaved refusal is compared (and so can ever be accepted).
        let stem = name.trim_end_matches(".yaml").to_string();
        let snapshot = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            insta::with_settings!({
                snapshot_path => bad_dir().join("snapshots"),
                prepend_module_to_snapshot => false,
                input_file => path,
                omit_expression => true,
                description => format!("heddle {}", args.join(" ").replace(&path_str, &name)),
            }, {
                insta::assert_snapshot!(stem.as_str(), &normalised);
            });
        }));
        if snapshot.is_err() {
            problems.push(format!(
                "stderr differs from snapshots/{stem}.snap (or it is missing)"
            ));
        }
    }

    let first_lines = normalised
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(2)
        .map(|l| {
            let l = l.trim_end();
            if l.chars().count() > 140 {
                format!("{}…", l.chars().take(140).collect::<String>())
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ⏎ ");
    Row {
        file: name.clone(),
        command: format!("heddle {}", args.join(" ").replace(&path_str, &name)),
        ended: out.ended,
        elapsed: out.elapsed,
        crash,
        located,
        first_lines,
        problems,
    }
}

fn table(rows: &[&Row]) -> String {
    let mut s = String::from(
        "| file | command | ended | time | crash | location | stderr (first 2 lines) | problems |\n|---|---|---|---|---|---|---|---|\n",
    );
    let cell = |t: &str| t.replace('|', "\\|");
    for r in rows {
        s.push_str(&format!(
            "| {} | `{}` | {} | {:.1}s | {} | {} | {} | {} |\n",
            r.file,
            cell(&r.command),
            r.ended,
            r.elapsed.as_secs_f64(),
            if r.crash.is_empty() {
                "-".to_string()
            } else {
                r.crash.join(", ")
            },
            if r.located { "yes" } else { "no" },
            cell(&r.first_lines),
            cell(&r.problems.join("; ")),
        ));
    }
    s
}

#[test]
fn bad_specs_are_refused_cleanly() {
    let files = catalogue();
    let names: Vec<String> = files.iter().map(|p| file_name(p)).collect();
    assert!(
        files.len() >= MIN_FILES,
        "the catalogue {} has {} .yaml files, expected at least {MIN_FILES}",
        bad_dir().display(),
        files.len()
    );

    // The lists above name real files, and every file explains itself somewhere.
    let mut list_problems = Vec::new();
    for (f, _) in NOTES.iter().chain(NO_LOCATION) {
        if !names.iter().any(|n| n == f) {
            list_problems.push(format!("{f} is listed in bad.rs but not in tests/bad/"));
        }
    }
    for path in &files {
        let name = file_name(path);
        let explained = leading_comments(path)
            .iter()
            .any(|l| l.starts_with("# want:"))
            || NOTES.iter().any(|(f, _)| *f == name);
        if !explained {
            list_problems.push(format!(
                "{name}: no `# want:` line in its top comment and no entry in NOTES"
            ));
        }
    }
    assert!(list_problems.is_empty(), "{}", list_problems.join("\n"));

    let only = std::env::var("BAD_ONLY").ok().filter(|s| !s.is_empty());
    let selected: Vec<&PathBuf> = files
        .iter()
        .filter(|p| only.as_deref().is_none_or(|o| file_name(p).contains(o)))
        .collect();
    assert!(!selected.is_empty(), "BAD_ONLY={only:?} matches no file");
    let jobs = std::env::var("BAD_JOBS")
        .ok()
        .and_then(|j| j.parse::<usize>().ok())
        .unwrap_or(2)
        .max(1);

    let next = AtomicUsize::new(0);
    let rows: Mutex<Vec<Row>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = selected.get(i) else { return };
                let row = check_file(path);
                eprintln!(
                    "bad: {} {} in {:.1}s{}",
                    row.file,
                    row.ended,
                    row.elapsed.as_secs_f64(),
                    if row.problems.is_empty() {
                        ""
                    } else {
                        " — FAIL"
                    }
                );
                rows.lock().unwrap_or_else(|e| e.into_inner()).push(row);
            });
        }
    });
    let mut rows = rows.into_inner().unwrap_or_else(|e| e.into_inner());
    rows.sort_by(|a, b| a.file.cmp(&b.file));

    let all: Vec<&Row> = rows.iter().collect();
    let report = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad-report.md");
    let _ = std::fs::write(&report, table(&all));

    let failing: Vec<&Row> = rows.iter().filter(|r| !r.problems.is_empty()).collect();
    if !failing.is_empty() {
        panic!(
            "{} of {} bad specs were not refused cleanly (full table of all files: {}):\n\n{}",
            failing.len(),
            rows.len(),
            report.display(),
            table(&failing)
        );
    }
}
