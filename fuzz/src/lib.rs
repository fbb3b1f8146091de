//! Shared pieces of the fuzz targets: the known-bug filter.
//!
//! A long fuzzing run stops at the first crash. Once a crash is recorded under
//! `fuzz/regressions/<target>/`, setting [`SKIP_KNOWN`] lets a run go past inputs that only
//! find it again, so that it can reach its execution count and find other bugs. Without the
//! variable (the default, and `smoke.sh`) every input is run: a known bug still crashes.
//!
//! Each filter names its reproducer. Delete a filter once the harness fixes its bug (the
//! `spec_loader` one, a worker named `main`, went when 19f040d fixed it).

/// Environment variable: set (to anything) to skip inputs that hit bugs already recorded in
/// `fuzz/regressions/`. Unset by default.
pub const SKIP_KNOWN: &str = "HEDDLE_FUZZ_SKIP_KNOWN";

/// Whether [`SKIP_KNOWN`] is set (read once).
pub fn skip_known() -> bool {
    static SKIP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SKIP.get_or_init(|| std::env::var_os(SKIP_KNOWN).is_some())
}

/// The most choices a schedule string may expand to before [`schedule_expands_too_far`]
/// skips it. Far below the harness's own cap (`MAX_DECISIONS`, 1,000,000 since 720e547):
/// a string that expands to a million names costs about a second under ASan and reaches no
/// code that ten names don't (a long run that kept them made about 1,300 inputs a second,
/// and 2,600 with a cap of 10,000).
pub const SCHEDULE_EXPANSION_CAP: u128 = 1_000;

/// Known `schedule` bug (up to 7eac2bb): `parse_schedule` expanded `name*N` with `repeat_n`
/// and no cap, so a large `N` allocated without bound (or panicked with "capacity
/// overflow"). Reproducers: `regressions/schedule/*`. Mirrors the parser's own splitting:
/// true once the parts before the first rejected one add up past
/// [`SCHEDULE_EXPANSION_CAP`].
pub fn schedule_expands_too_far(s: &str) -> bool {
    let mut total: u128 = 0;
    for part in s.split('.').filter(|p| !p.is_empty()) {
        let (name, n) = match part.split_once('*') {
            Some((name, n)) => match n.parse::<usize>() {
                Ok(n) => (name, n as u128),
                Err(_) => return false, // the parser stops here, with an error
            },
            None => (part, 1),
        };
        if name.is_empty() {
            return false; // likewise
        }
        total += n;
        if total > SCHEDULE_EXPANSION_CAP {
            return true;
        }
    }
    false
}
