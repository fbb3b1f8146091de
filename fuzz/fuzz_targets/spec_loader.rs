//! Fuzz target: any bytes as a spec file, through `heddle::plan::parse`, every diagnostic
//! rendered.
//!
//! The claim: parsing and validating a spec never panics, whatever the file holds; it gives
//! a `Plan` or diagnostics, and each diagnostic renders with `Display`.
//!
//! `plan::load` reads the file with `read_to_string`, so bytes that are not UTF-8 never reach
//! `parse` there (they are a "cannot read the spec" diagnostic). Here they are parsed as
//! `String::from_utf8_lossy` text instead, so that no input is wasted; valid UTF-8 is parsed
//! exactly as `load` would.
//!
//! `parse` looks at the file system for `script:` paths (relative to the spec's directory),
//! so the spec sits in a real directory that holds `main.js` and `worker.js`; a spec naming
//! them reaches the code after the script checks.

#![no_main]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

/// The spec's path: `spec.yaml` in a directory (under the temp dir) that exists and holds
/// `main.js` and `worker.js`. The spec file itself is never read.
fn spec_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::temp_dir().join("heddle-fuzz-spec-loader");
        std::fs::create_dir_all(dir.join("lib")).expect("create the fuzz spec directory");
        for name in ["main.js", "worker.js", "lib/worker.js"] {
            std::fs::write(dir.join(name), "// heddle fuzz fixture\n").expect("write a fixture");
        }
        dir.join("spec.yaml")
    })
}

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    if let Err(diagnostics) = heddle::plan::parse(spec_path(), &source) {
        assert!(!diagnostics.is_empty(), "an Err with no diagnostics");
        let mut out = String::new();
        for d in &diagnostics {
            write!(out, "{d}").expect("a diagnostic renders");
        }
    }
});
