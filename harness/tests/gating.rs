//! CI gating: budgets cut an exploration short and say so; shards split one exploration
//! and together find exactly what it finds.
//!
//! Debug: `cargo run -p heddle -- explore <spec> --shard 2/3 --format json`.

use std::collections::BTreeSet;
use std::path::Path;

use heddle::explore::budget::Budget;
use heddle::explore::shard::Shard;
use heddle::explore::{explore, Options, Report};
use heddle::plan::Plan;

fn load(relative: &str) -> Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(relative);
    heddle::plan::load(&path).expect("spec loads")
}

fn with(
    plan: &Plan,
    settings: &heddle::plan::ExplorePlan,
    shard: Option<Shard>,
    budget: Option<Budget>,
) -> Report {
    let options = Options {
        jobs: 2,
        replay: None,
        shard,
        budget,
        ..Options::default()
    };
    explore(plan, settings, &options)
}

/// The shards' behaviours together are the whole exploration's; every shard is complete.
fn shards_cover(plan: &Plan, settings: &heddle::plan::ExplorePlan, n: u64) {
    let whole = with(plan, settings, None, None);
    assert!(whole.complete);
    let mut union = BTreeSet::new();
    let mut outcomes = std::collections::BTreeMap::<String, BTreeSet<String>>::new();
    for index in 0..n {
        let part = with(plan, settings, Some(Shard { index, count: n }), None);
        assert!(part.complete, "shard {index} complete");
        // A shard sees a part of the outcomes: that alone is no failure.
        let checks = heddle::check::check_report(plan, &part);
        assert!(checks.is_empty(), "shard {index}: {checks:?}");
        assert!(part.runs > 0 || index > 0, "the first shard runs something");
        union.extend(part.classes.iter().copied());
        for (k, v) in part.outcomes {
            outcomes.entry(k).or_default().extend(v);
        }
    }
    assert_eq!(
        union, whole.classes,
        "{}: the shards' behaviours",
        plan.name
    );
    assert_eq!(
        outcomes, whole.outcomes,
        "{}: the shards' outcomes",
        plan.name
    );
}

#[test]
fn exhaustive_shards_together_find_every_behaviour() {
    for spec in ["contention/two-senders-order.yaml", "dpor/readers-3.yaml"] {
        let plan = load(spec);
        shards_cover(&plan, &plan.explore, 3);
        // Bounded (plain DFS) explorations shard the same way.
        let mut bounded = plan.explore.clone();
        bounded.preemptions = Some(1);
        shards_cover(&plan, &bounded, 2);
    }
}

#[test]
fn random_shards_split_the_run_numbers() {
    let plan = load("contention/racy-increment.yaml");
    let mut random = plan.explore.clone();
    random.strategy = heddle::spec::Strategy::Random;
    random.runs = 30;
    let whole = with(&plan, &random, None, None);
    let parts: Vec<Report> = (0..3)
        .map(|index| with(&plan, &random, Some(Shard { index, count: 3 }), None))
        .collect();
    assert_eq!(
        parts.iter().map(|r| r.runs).collect::<Vec<_>>(),
        [10, 10, 10]
    );
    let union: BTreeSet<u64> = parts
        .iter()
        .flat_map(|r| r.classes.iter().copied())
        .collect();
    assert_eq!(union, whole.classes, "the same runs, split");
}

#[test]
fn a_spent_budget_makes_the_exploration_partial_and_the_verdict_says_so() {
    let plan = load("dpor/readers-8.yaml");
    let report = with(&plan, &plan.explore, None, Some(Budget::Runs(10)));
    assert!(!report.complete);
    assert!(report.runs <= 11, "{} runs", report.runs);
    assert_eq!(report.stopped.as_deref(), Some("a budget of 10 schedules"));
    let checks = heddle::check::check_report(&plan, &report);
    assert!(
        checks
            .iter()
            .any(|c| c.contains("cut short") && c.contains("a budget of 10 schedules")),
        "{checks:?}"
    );
    // Random explorations too.
    let mut random = plan.explore.clone();
    random.strategy = heddle::spec::Strategy::Random;
    random.runs = 50;
    let r = with(&plan, &random, None, Some(Budget::Runs(5)));
    assert!(!r.complete && r.runs <= 6, "{} runs", r.runs);
}
