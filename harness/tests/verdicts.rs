//! Specs that must fail, each with the words its failure must say.
//!
//! How to debug this suite: `cargo test -p heddle --test verdicts -- --nocapture` prints
//! every fixture's findings; run one fixture with `cargo run -p heddle -- explore
//! harness/tests/verdicts/<file>`. Each file under `harness/tests/verdicts/` starts with
//! `# fails: <text>`: exploring it must report a failure whose message contains `<text>`.
//! These guard the checks that a passing spec suite cannot: that a lost message, an idle
//! script, a cut-short exploration… is *not* reported "ok".

use std::path::{Path, PathBuf};

use heddle::explore::{explore, Options};

#[path = "support/npm.rs"]
mod npm;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/verdicts")
}

/// Every finding and report-level failure of exploring `path`.
fn failures(path: &Path) -> Result<Vec<String>, String> {
    let plan = heddle::plan::load(path).map_err(|d| {
        d.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let options = Options {
        replay: None,
        ..Options::default()
    };
    let report = explore(&plan, &plan.explore, &options);
    let mut out: Vec<String> = report
        .failures
        .iter()
        .flat_map(|f| f.findings.iter().map(ToString::to_string))
        .collect();
    out.extend(heddle::check::check_report(&plan, &report));
    Ok(out)
}

#[test]
fn every_verdict_fixture_fails_with_its_words() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("harness/tests/verdicts exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 9,
        "expected the verdict fixtures, found {} files",
        files.len()
    );
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable");
        if text.contains("conformance/npm") {
            if let Some(why) = npm::missing() {
                problems.push(format!("{}: {why}", file.display()));
                continue;
            }
        }
        let Some(want) = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# fails: "))
        else {
            problems.push(format!("{}: no `# fails:` first line", file.display()));
            continue;
        };
        match failures(file) {
            Err(diagnostics) => {
                problems.push(format!("{}: did not load:\n{diagnostics}", file.display()))
            }
            Ok(found) if found.iter().any(|f| f.contains(want.trim())) => {}
            Ok(found) => problems.push(format!(
                "{}: expected a failure saying {want:?}; got {found:#?}",
                file.display()
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
