//! `heddle render`'s page: one self-contained document whose SVG has a lane per thread, an
//! arrow per delivery, and a mark of its own kind for each dropped, duplicated, discarded
//! and undelivered message, each fault and each Atomics operation, and the failing check.
//!
//! Debug: `cargo run -p heddle -- render harness/tests/render/everything.yaml -o run.html`.

use std::path::Path;

use heddle::check::check_run;
use heddle::explore::{explore, Options};
use heddle::render::{html, Picture};

/// The fixture `tests/render/<name>` run once, its findings, and its page.
fn rendered(name: &str) -> (Vec<heddle::check::Finding>, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/render")
        .join(name);
    let plan = heddle::plan::load(&path).expect("the fixture loads");
    let report = explore(
        &plan,
        &plan.explore,
        &Options {
            jobs: 1,
            replay: None,
            ..Options::default()
        },
    );
    let run = report.single.as_ref().expect("one run");
    let findings = check_run(&plan, run);
    let page = html(&Picture {
        name: &plan.name,
        spec: name,
        schedule: &run.schedule,
        end: run.end.to_string(),
        trace: &run.trace,
        findings: &findings,
    });
    (findings, page)
}

#[test]
fn the_page_draws_every_thread_message_fault_and_failing_check() {
    let (findings, page) = rendered("everything.yaml");
    assert_eq!(
        findings.len(),
        1,
        "the fixture fails one check: {findings:?}"
    );

    // Self-contained: no script, nothing fetched.
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(!page.contains("<script"), "no script");
    let outside = page.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !outside.contains("http://") && !outside.contains("https://"),
        "no network"
    );

    // The SVG is well-formed XML; count what it draws.
    let start = page.find("<svg").expect("an svg");
    let end = page.find("</svg>").expect("its end") + "</svg>".len();
    let doc = roxmltree::Document::parse(&page[start..end]).expect("well-formed SVG");
    let groups = |class: &str| {
        doc.descendants()
            .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some(class))
            .count()
    };
    let lanes: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("lane"))
        .filter_map(|n| n.attribute("data-thread"))
        .collect();
    assert_eq!(lanes, ["main", "b", "c"], "a lane per thread, main first");
    assert_eq!(groups("msg"), 1, "msg#3's delivery");
    assert_eq!(groups("msg dup"), 1, "msg#3 again");
    assert_eq!(groups("msg dropped"), 1, "msg#2");
    assert_eq!(groups("msg discarded"), 1, "msg#4");
    assert_eq!(groups("msg undelivered"), 1, "msg#1");
    assert_eq!(groups("fault"), 2, "the drop and the duplicate");
    assert_eq!(groups("atomics"), 1, "store");
    assert_eq!(groups("atomics wait"), 2, "wait and notify");
    let text: String = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    for label in [
        "msg#1 never delivered",
        "msg#2 dropped (fault)",
        "msg#3 again (duplicate)",
        "msg#4 discarded",
    ] {
        assert!(text.contains(label), "label {label:?} missing");
    }
    // The failing check ends the page.
    let verdict = page.find("Failed: 1 check").expect("the verdict");
    assert!(page[verdict..].contains("is 1, expected 2"));
}

#[test]
fn held_messages_start_where_they_were_let_go_and_a_failed_clone_is_a_fault() {
    let (findings, page) = rendered("held.yaml");
    assert!(findings.is_empty(), "the fixture passes: {findings:?}");
    let start = page.find("<svg").expect("an svg");
    let end = page.find("</svg>").expect("its end") + "</svg>".len();
    let doc = roxmltree::Document::parse(&page[start..end]).expect("well-formed SVG");
    let groups = |class: &str| {
        doc.descendants()
            .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some(class))
            .count()
    };
    assert_eq!(groups("msg held"), 2, "msg#1 and msg#3 wait on main's lane");
    assert_eq!(
        groups("msg late"),
        2,
        "and are drawn late, from their release"
    );
    assert_eq!(groups("msg"), 1, "msg#2 goes straight");
    assert_eq!(
        groups("fault"),
        3,
        "the reorder, the clone failure and the delay"
    );
    let text: String = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    for label in [
        "msg#1 (reorder)",
        "msg#3 (delay)",
        "fault: clone_failure (DataCloneError)",
    ] {
        assert!(text.contains(label), "label {label:?} missing");
    }
    // A late arrow starts at its release, below its post.
    let held: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("msg held"))
        .filter_map(|g| g.children().find(|c| c.has_tag_name("line")))
        .map(|l| {
            let y1: f64 = l.attribute("y1").unwrap().parse().unwrap();
            let y2: f64 = l.attribute("y2").unwrap().parse().unwrap();
            y2 - y1
        })
        .collect();
    assert!(
        held.iter().all(|d| *d > 0.0),
        "held from post down to release: {held:?}"
    );
}
