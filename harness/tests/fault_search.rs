//! The fault search: a retransmitting ping-pong holds under every placement of one drop, in
//! every schedule, and fails under two; the failure reported has the fewest faults, and
//! replays with them.
//!
//! Debug: `cargo run -p heddle -- explore specs/faults/retransmit-survives-one-drop.yaml`.

use std::path::Path;

use heddle::explore::{explore, Options};
use heddle::faults::Verdict;

fn plan() -> heddle::plan::Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/faults/retransmit-survives-one-drop.yaml");
    heddle::plan::load(&path).expect("the demo loads")
}

#[test]
fn one_drop_is_survived_everywhere_and_two_are_not() {
    let plan = plan();
    let one = explore(
        &plan,
        &plan.explore,
        &Options {
            jobs: 2,
            replay: None,
            ..Options::default()
        },
    );
    // No fault, and each of the four messages dropped: five placements, all complete.
    assert_eq!(one.placements, 5, "placements of at most one drop");
    assert!(one.complete);
    assert!(
        one.failures.is_empty(),
        "{:?}",
        one.failures.first().map(|f| &f.findings)
    );
    assert!(heddle::check::check_report(&plan, &one).is_empty());

    let mut two_plan = plan.clone();
    two_plan.fault_search.as_mut().expect("a search").max = 2;
    let two = explore(
        &two_plan,
        &two_plan.explore,
        &Options {
            jobs: 2,
            replay: None,
            ..Options::default()
        },
    );
    assert_eq!(two.placements, 11, "1 + 4 + 6 placements");
    let f = two.failures.first().expect("two drops break it");
    assert_eq!(
        f.faults.len(),
        2,
        "the fewest faults that break it: {:?}",
        f.faults
    );
    assert!(f.faults.iter().all(|p| p.verdict == Verdict::Drop));
    assert!(
        f.findings.iter().any(|m| m.message.contains("deadlock")),
        "{:?}",
        f.findings
    );

    // The failure replays, its faults given.
    let replay = explore(
        &two_plan,
        &two_plan.explore,
        &Options {
            jobs: 1,
            replay: Some(f.schedule.clone()),
            faults: Some(f.faults.clone()),
            ..Options::default()
        },
    );
    assert!(!replay.failures.is_empty(), "the replay fails too");
    assert_eq!(
        replay.failures[0].findings[0].message,
        f.findings[0].message
    );
    // And without its faults, the same schedule passes (or does not fit): the faults matter.
    let bare = explore(
        &two_plan,
        &two_plan.explore,
        &Options {
            jobs: 1,
            replay: Some(f.schedule.clone()),
            faults: Some(Vec::new()),
            ..Options::default()
        },
    );
    assert!(
        bare.failures
            .iter()
            .all(|b| b.findings.iter().all(|m| !m.message.contains("deadlock"))),
        "without the faults no deadlock"
    );
}
