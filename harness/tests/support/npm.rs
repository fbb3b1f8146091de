//! The npm packages under `conformance/npm` (pinned by its package-lock.json) must be
//! installed for the tests that run them: `npm ci --prefix conformance/npm`, as `.ci/run`
//! does. Without them those tests fail saying so; they never pass without having run.

use std::path::{Path, PathBuf};

/// `conformance/npm`.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/npm")
}

/// An error naming the command that installs the packages, if they are missing.
pub fn missing() -> Option<String> {
    let marker = dir().join("node_modules/.package-lock.json");
    (!marker.is_file()).then(|| {
        format!(
            "the npm packages this test runs are not installed ({} is missing): run `npm ci --prefix conformance/npm` (`.ci/run` does)",
            marker.display()
        )
    })
}
