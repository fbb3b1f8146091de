//! Fuzz target: any bytes as a schedule string, through `heddle::sched::fixed::parse_schedule`.
//!
//! The claims: parsing never panics, aborts or allocates without bound (libFuzzer's
//! `-malloc_limit_mb`/`-rss_limit_mb` turn an unbounded allocation into a crash); and a
//! parsed schedule folds back with `schedule_string` into a string that parses to the same
//! choices.
//!
//! Schedule strings come from the command line (`heddle replay`, `HEDDLE_SCHEDULE`) and from
//! a spec's `explore.schedule`, both Rust strings, so bytes that are not UTF-8 are taken as
//! `String::from_utf8_lossy` text.
//!
//! With `HEDDLE_FUZZ_SKIP_KNOWN` set, strings that expand past
//! `heddle_fuzz::SCHEDULE_EXPANSION_CAP` choices (the known unbounded-allocation bug,
//! `fuzz/regressions/schedule/`) are skipped.
#![no_main]

use heddle::sched::fixed::{parse_schedule, schedule_string};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if heddle_fuzz::skip_known() && heddle_fuzz::schedule_expands_too_far(&text) {
        return;
    }
    if let Ok(names) = parse_schedule(&text) {
        let folded = schedule_string(&names);
        let again = parse_schedule(&folded).expect("a folded schedule parses");
        assert_eq!(again, names, "`{folded}` does not parse back to the same choices");
    }
});
