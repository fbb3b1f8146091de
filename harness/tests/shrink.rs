//! Shrinking: a failure random exploration finds on a long schedule is reported as a
//! minimal one, which replays to the same failure.
//!
//! Run: `cargo test -p heddle --test shrink -- --nocapture` (prints the lengths).

use std::path::Path;

use heddle::explore::{explore, Options};

#[test]
fn a_lost_update_found_on_a_long_random_schedule_shrinks_to_a_short_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/shrink/lost-update.yaml");
    let plan = heddle::plan::load(&path).expect("the demo spec loads");
    let options = Options {
        jobs: 2,
        replay: None,
        ..Options::default()
    };
    let report = explore(&plan, &plan.explore, &options);
    let f = report
        .failures
        .first()
        .expect("random exploration finds the lost update");
    let s = f.shrunk.as_ref().expect("the failure was shrunk");
    println!("first found: {} '{}'", s.before, s.original);
    println!("shrunk in {} runs to: {} '{}'", s.runs, s.after, f.schedule);
    assert!(
        s.before.preemptions >= 10,
        "the demo should start long: {}",
        s.before
    );
    // A lost update needs one thread preempted between its read and its write (main's
    // start may add one more).
    assert!(s.after.preemptions <= 2, "not minimal: {}", s.after);
    assert!(
        s.after.forced < s.before.forced / 4,
        "{} vs {}",
        s.after,
        s.before
    );
    assert!(
        f.findings[0].message.contains("expected 12"),
        "{:?}",
        f.findings
    );

    // The minimal schedule replays, strictly, to the same failure.
    let replay = explore(
        &plan,
        &plan.explore,
        &Options {
            jobs: 1,
            replay: Some(f.schedule.clone()),
            ..Options::default()
        },
    );
    let again = replay.failures.first().expect("the minimal schedule fails");
    assert!(again.replayable && again.shrunk.is_none());
    assert_eq!(again.findings[0].message, f.findings[0].message);

    // Without shrinking, the failure is reported as found.
    let unshrunk = explore(
        &plan,
        &plan.explore,
        &Options {
            jobs: 2,
            replay: None,
            shrink: false,
            ..Options::default()
        },
    );
    let length = |s: &str| {
        heddle::sched::fixed::parse_schedule(s)
            .expect("parses")
            .len()
    };
    assert!(unshrunk.failures[0].shrunk.is_none());
    assert!(length(&unshrunk.failures[0].schedule) > length(&f.schedule) * 4);
}
