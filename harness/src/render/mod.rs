//! A picture of one run: a self-contained HTML page with an inline SVG sequence diagram.
//!
//! Threads are lanes (columns, in order of first appearance, main first); time runs down,
//! one row per event, in the order the events happened. Each message is an arrow from its
//! post to its delivery, labelled with its number; a message dropped by a fault, discarded
//! by the runtime or never delivered ends in a mark of its own kind instead, a duplicate
//! delivery is a second arrow. `Atomics` operations are boxes on their lane (waits and
//! notifies in their own colour), faults are red diamonds, clock jumps are dashed lines
//! across every lane, and the failing checks are listed at the end. No script, no network:
//! the page opens anywhere, and prints.

mod labels;

use labels::{Anchor, Labels};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::check::Finding;
use crate::explore::Failure;
use crate::trace::{Delivered, Event, EventKind, Trace};

/// What the page shows besides the events.
pub struct Picture<'a> {
    /// The spec's name.
    pub name: &'a str,
    /// The spec file, as the user gave it.
    pub spec: &'a str,
    /// The run's schedule string.
    pub schedule: &'a str,
    /// How the run ended (`done`, `deadlock: …`).
    pub end: String,
    /// The events.
    pub trace: &'a Trace,
    /// The checks that failed (none: the run passed).
    pub findings: &'a [Finding],
}

const LANE: f64 = 190.0;
const ROW: f64 = 22.0;
const TOP: f64 = 70.0;
const LEFT: f64 = 70.0;

/// How an arrow is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arrow {
    Delivered,
    Duplicate,
    Received,
}

/// What became of a posted message.
#[derive(Default)]
struct Fate {
    post: Option<(usize, usize)>,
    ends: Vec<(usize, usize, Arrow)>,
    dropped: Option<usize>,
    discarded: Option<(usize, &'static str)>,
    undelivered: Option<(usize, usize)>,
    /// Held back by a fault (`delay` or `reorder`), and the row where it went, if it did.
    held: Option<(&'static str, Option<usize>)>,
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// At most `n` characters of `s`, with an ellipsis when cut.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn x(lane: usize) -> f64 {
    LEFT + LANE * lane as f64 + LANE / 2.0
}

fn y(row: usize) -> f64 {
    TOP + ROW * (row as f64 + 1.0)
}

/// The lanes, main first, then in order of first appearance.
fn lanes(events: &[Event]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    if events.iter().any(|e| e.thread == "main") {
        names.push("main".into());
    }
    for e in events {
        if !names.contains(&e.thread) {
            names.push(e.thread.clone());
        }
    }
    names
}

/// The HTML page.
pub fn html(p: &Picture<'_>) -> String {
    let events = &p.trace.events;
    let names = lanes(events);
    let lane_of: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let lane = |e: &Event| lane_of.get(e.thread.as_str()).copied().unwrap_or(0);

    // Messages: their posts and what became of them.
    let mut fates: BTreeMap<u64, Fate> = BTreeMap::new();
    for (row, e) in events.iter().enumerate() {
        match &e.kind {
            EventKind::Post { msg, .. } => {
                fates.entry(*msg).or_default().post = Some((lane(e), row))
            }
            EventKind::Deliver {
                what: Delivered::Message(msg),
                ..
            } => {
                let f = fates.entry(*msg).or_default();
                let kind = if f.ends.is_empty() {
                    Arrow::Delivered
                } else {
                    Arrow::Duplicate
                };
                f.ends.push((lane(e), row, kind));
            }
            EventKind::Receive { msg, .. } => {
                fates
                    .entry(*msg)
                    .or_default()
                    .ends
                    .push((lane(e), row, Arrow::Received));
            }
            EventKind::Fault { what: "drop", msg } => {
                fates.entry(*msg).or_default().dropped = Some(row)
            }
            EventKind::Fault {
                what: what @ ("delay" | "reorder"),
                msg,
            } => fates.entry(*msg).or_default().held = Some((what, None)),
            EventKind::Released { msg } => {
                if let Some((_, at)) = &mut fates.entry(*msg).or_default().held {
                    *at = Some(row);
                }
            }
            EventKind::Discard { msg, why } => {
                fates.entry(*msg).or_default().discarded = Some((row, why))
            }
            EventKind::Undelivered { msg, .. } => {
                fates.entry(*msg).or_default().undelivered = Some((lane(e), row))
            }
            _ => {}
        }
    }

    let rows = events.len().max(1);
    // Room on the right for the labels of the last lane's marks.
    let width = LEFT * 2.0 + LANE * names.len().max(1) as f64 + 160.0;
    let height = y(rows) + ROW * 2.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="sequence diagram of the run">"##
    );
    svg.push_str(concat!(
        r##"<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#2563eb"/></marker>"##,
        r##"<marker id="head-late" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c2410c"/></marker>"##,
        r##"<marker id="head-dup" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#7c3aed"/></marker>"##,
        r##"<marker id="head-recv" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#0f766e"/></marker></defs>"##
    ));
    // Lanes and their headers.
    for (i, n) in names.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<g class="lane" data-thread="{n}"><line x1="{x:.1}" y1="{t:.1}" x2="{x:.1}" y2="{b:.1}" class="lifeline"/><rect x="{rx:.1}" y="12" width="{w:.1}" height="30" rx="6" class="head"/><text x="{x:.1}" y="32" class="headtext">{n}</text></g>"##,
            n = esc(n),
            x = x(i),
            t = TOP - 20.0,
            b = y(rows),
            rx = x(i) - 60.0,
            w = 120.0,
        );
    }
    // Row guides and step numbers.
    for (row, e) in events.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="8" y="{:.1}" class="rowno">{}</text>"##,
            y(row) + 4.0,
            row
        );
        if let EventKind::Time(ms) = e.kind {
            let _ = write!(
                svg,
                r##"<g class="time"><line x1="{l:.1}" y1="{y:.1}" x2="{r:.1}" y2="{y:.1}"/><text x="{l:.1}" y="{ty:.1}">clock → {ms} ms</text></g>"##,
                l = LEFT,
                r = width - LEFT,
                y = y(row),
                ty = y(row) - 4.0,
            );
        }
    }
    // Events on their lanes; every label takes its box, for the arrows' labels to avoid.
    let mut labels = Labels::default();
    for (row, e) in events.iter().enumerate() {
        let (cx, cy) = (x(lane(e)), y(row));
        match &e.kind {
            EventKind::Atomics(op) => {
                let class = if op.starts_with("wait") || op.starts_with("notify") {
                    "atomics wait"
                } else {
                    "atomics"
                };
                let _ = write!(
                    svg,
                    r##"<g class="{class}"><rect x="{:.1}" y="{:.1}" width="150" height="16" rx="3"/><text x="{cx:.1}" y="{:.1}">{}</text></g>"##,
                    cx - 75.0,
                    cy - 8.0,
                    cy + 4.0,
                    esc(&cut(op, 26)),
                );
                labels.take_box(cx - 75.0, cy - 8.0, 150.0, 16.0);
            }
            EventKind::Fault { .. } | EventKind::CloneFailure => {
                let label = match &e.kind {
                    // A drop's arrow says so already: only its mark here.
                    EventKind::Fault { what: "drop", .. } => String::new(),
                    EventKind::Fault { what, msg } => format!("fault: {what} msg#{msg}"),
                    _ => "fault: clone_failure (DataCloneError)".to_string(),
                };
                let _ = write!(
                    svg,
                    r##"<g class="fault"><path d="M{:.1},{:.1} l7,7 l-7,7 l-7,-7 z"/><text x="{:.1}" y="{:.1}">{label}</text></g>"##,
                    cx,
                    cy - 7.0,
                    cx + 10.0,
                    cy + 4.0,
                );
                labels.take(cx - 8.0, cy + 4.0, &format!("  {label}"), Anchor::Start);
            }
            EventKind::Post { .. }
            | EventKind::Released { .. }
            | EventKind::Deliver {
                what: Delivered::Message(_),
                ..
            }
            | EventKind::Receive { .. } => {
                let _ = write!(
                    svg,
                    r##"<circle cx="{cx:.1}" cy="{cy:.1}" r="3" class="dot"/>"##
                );
            }
            EventKind::Time(_) => {}
            other => {
                let (class, text) = match other {
                    EventKind::Start => ("mark", "start".to_string()),
                    EventKind::Exit => ("mark", "exit".to_string()),
                    EventKind::Step { index, kind } => ("step", format!("step {index}: {kind}")),
                    EventKind::Yield(l) => {
                        ("note", format!("yield {}", l.as_deref().unwrap_or("")))
                    }
                    EventKind::Spawn => ("mark", "spawn".into()),
                    EventKind::Deliver { what, .. } => (
                        "note",
                        match what {
                            Delivered::Lifecycle => "lifecycle message".into(),
                            _ => "close marker".into(),
                        },
                    ),
                    EventKind::Timer(id) => ("mark", format!("timer #{id}")),
                    EventKind::Settle(id) => ("atomics-text", format!("waitAsync #{id} settled")),
                    EventKind::Close(port) => ("mark", format!("close port#{port}")),
                    EventKind::Terminate(who) => ("fault-text", format!("terminate {who}")),
                    EventKind::TimedTerminate(who) => {
                        ("fault-text", format!("fault: terminate {who}"))
                    }
                    EventKind::Log { stream, text } => ("log", format!("{stream}: {text}")),
                    _ => ("note", String::new()),
                };
                let shown = cut(&text, 30);
                let _ = write!(
                    svg,
                    r##"<text x="{cx:.1}" y="{:.1}" class="{class}">{}</text>"##,
                    cy + 4.0,
                    esc(&shown),
                );
                labels.take(cx, cy + 4.0, &shown, Anchor::Middle);
            }
        }
    }
    // Messages, over the events (their labels have a halo).
    for (msg, f) in &fates {
        let Some((from, mut prow)) = f.post else {
            continue;
        };
        if let Some((what, Some(rrow))) = f.held {
            // Held on the poster's lane from its post to its release; the arrow starts
            // there and carries the label (a label here would cover the lane's steps).
            let _ = write!(
                svg,
                r##"<g class="msg held"><title>msg#{msg} held ({what})</title><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/></g>"##,
                x(from) + 6.0,
                y(prow),
                x(from) + 6.0,
                y(rrow),
            );
            prow = rrow;
        }
        for &(to, drow, kind) in &f.ends {
            let (class, marker, label) = match kind {
                Arrow::Delivered if f.held.is_some() => (
                    "msg late",
                    "head-late",
                    format!("msg#{msg} ({})", f.held.map_or("held", |h| h.0)),
                ),
                Arrow::Delivered => ("msg", "head", format!("msg#{msg}")),
                Arrow::Duplicate => (
                    "msg dup",
                    "head-dup",
                    format!("msg#{msg} again (duplicate)"),
                ),
                Arrow::Received => (
                    "msg recv",
                    "head-recv",
                    format!("msg#{msg} (received synchronously)"),
                ),
            };
            arrow(
                &mut svg,
                &mut labels,
                (from, prow),
                (to, drow),
                class,
                Some(marker),
                &label,
            );
        }
        if let Some(drow) = f.dropped {
            let (cx, cy) = (x(from) + LANE * 0.45, y(drow.max(prow)));
            let _ = write!(
                svg,
                r##"<g class="msg dropped"><line x1="{:.1}" y1="{:.1}" x2="{cx:.1}" y2="{cy:.1}"/><path d="M{:.1},{:.1} l10,10 m0,-10 l-10,10" class="cross"/><text x="{:.1}" y="{:.1}">msg#{msg} dropped (fault)</text></g>"##,
                x(from),
                y(prow),
                cx - 5.0,
                cy - 5.0,
                cx + 10.0,
                cy + 4.0,
            );
            labels.take(
                cx + 10.0,
                cy + 4.0,
                &format!("msg#{msg} dropped (fault)"),
                Anchor::Start,
            );
        }
        if let Some((drow, why)) = f.discarded {
            let (cx, cy) = (x(from) + LANE * 0.45, y(drow.max(prow)));
            let _ = write!(
                svg,
                r##"<g class="msg discarded"><line x1="{:.1}" y1="{:.1}" x2="{cx:.1}" y2="{cy:.1}"/><circle cx="{cx:.1}" cy="{cy:.1}" r="5"/><text x="{:.1}" y="{:.1}">msg#{msg} discarded ({})</text></g>"##,
                x(from),
                y(prow),
                cx + 9.0,
                cy + 4.0,
                esc(why),
            );
            let text = format!("msg#{msg} discarded ({why})");
            labels.take(cx + 9.0, cy + 4.0, &text, Anchor::Start);
        }
        if let Some((to, urow)) = f.undelivered {
            arrow(
                &mut svg,
                &mut labels,
                (from, prow),
                (to, urow),
                "msg undelivered",
                None,
                &format!("msg#{msg} never delivered"),
            );
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" class="qmark">?</text>"##,
                x(to) - 4.0,
                y(urow) + 5.0
            );
        }
    }
    svg.push_str("</svg>");

    let verdict = if p.findings.is_empty() {
        r##"<section class="verdict ok"><h2>Passed</h2><p>Every check held on this run.</p></section>"##.to_string()
    } else {
        let items: String = p
            .findings
            .iter()
            .map(|f| format!("<li><pre>{}</pre></li>", esc(&f.message)))
            .collect();
        format!(
            r##"<section class="verdict failed"><h2>Failed: {} check{}</h2><ol>{items}</ol></section>"##,
            p.findings.len(),
            if p.findings.len() == 1 { "" } else { "s" }
        )
    };
    let replay = format!("heddle replay {} '{}'", p.spec, p.schedule);
    format!(
        r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{STYLE}</style></head>
<body>
<header><h1>{title}</h1>
<dl><dt>end</dt><dd>{end}</dd><dt>events</dt><dd>{n}</dd><dt>replay</dt><dd><code>{replay}</code></dd></dl>
<ul class="legend"><li><span class="k msg"></span>message delivered</li><li><span class="k dup"></span>delivered again (duplicate)</li><li><span class="k late"></span>held by a fault, then delivered (delay, reorder)</li><li><span class="k recv"></span>received synchronously</li><li><span class="k undelivered"></span>never delivered</li><li><span class="k dropped"></span>dropped by a fault ✕</li><li><span class="k discarded"></span>discarded by the runtime ○</li><li><span class="k atomics"></span>Atomics</li><li><span class="k wait"></span>Atomics wait / notify</li><li><span class="k fault"></span>fault</li></ul>
</header>
<main><div class="diagram">{svg}</div>
{verdict}</main>
</body></html>
"##,
        title = esc(&format!("{} — one run", p.name)),
        end = esc(&p.end),
        n = events.len(),
        replay = esc(&replay),
    )
}

/// Writes the picture of `failure` (a failing run of the spec `name`, given as `spec`) to
/// `dir/<file>.failure.html`; the path written.
pub fn write_failure(
    name: &str,
    spec: &Path,
    file: &str,
    failure: &Failure,
    dir: &Path,
) -> Result<PathBuf, String> {
    let path = dir.join(format!("{file}.failure.html"));
    let page = html(&Picture {
        name,
        spec: &spec.display().to_string(),
        schedule: &failure.schedule,
        end: failure.end.clone(),
        trace: &failure.trace,
        findings: &failure.findings,
    });
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, page))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// An arrow from one event to another, with its label near the middle.
fn arrow(
    svg: &mut String,
    labels: &mut Labels,
    (from, prow): (usize, usize),
    (to, drow): (usize, usize),
    class: &str,
    marker: Option<&str>,
    label: &str,
) {
    let (x1, y1, x2, y2) = (x(from), y(prow), x(to), y(drow));
    // An arrow to the same lane bows out, so that it does not lie on the lifeline.
    let path = if from == to {
        format!(
            "M{x1:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {x2:.1},{y2:.1}",
            x1 + 60.0,
            x2 + 60.0
        )
    } else {
        format!("M{x1:.1},{y1:.1} L{x2:.1},{y2:.1}")
    };
    // Labels prefer their own fraction of the way, so that a duplicate's label and the
    // first delivery's do not meet, and move along the arrow off any label in their way.
    let t = match class {
        "msg dup" => 0.65,
        "msg undelivered" => 0.7,
        _ => 0.35,
    };
    let (lx, ly) = if from == to {
        labels.take(x1 + 50.0, (y1 + y2) / 2.0, label, Anchor::Middle);
        (x1 + 50.0, (y1 + y2) / 2.0)
    } else {
        labels.along((x1, y1), (x2, y2), t, label)
    };
    let marker = marker
        .map(|m| format!(r##" marker-end="url(#{m})""##))
        .unwrap_or_default();
    let _ = write!(
        svg,
        r##"<g class="{class}"><path d="{path}"{marker}/><text x="{lx:.1}" y="{ly:.1}">{}</text></g>"##,
        esc(label)
    );
}

const STYLE: &str = r##"
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2937; background: #f8fafc; }
header { padding: 16px 24px 8px; background: #fff; border-bottom: 1px solid #e5e7eb; }
h1 { font-size: 20px; margin: 0 0 8px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 8px; }
dt { color: #6b7280; } dd { margin: 0; } code { font-size: 12px; background: #f3f4f6; padding: 1px 4px; border-radius: 3px; }
.legend { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12px; color: #374151; }
.legend .k { display: inline-block; width: 22px; height: 0; border-top: 2px solid; vertical-align: middle; margin-right: 5px; }
.k.late { border-color: #c2410c; border-top-style: dashed; } .k.msg { border-color: #2563eb; } .k.dup { border-color: #7c3aed; border-top-style: dashed; } .k.recv { border-color: #0f766e; border-top-style: dotted; }
.k.undelivered { border-color: #d97706; border-top-style: dashed; } .k.dropped { border-color: #dc2626; border-top-style: dashed; } .k.discarded { border-color: #6b7280; border-top-style: dashed; }
.k.atomics { height: 10px; border: 1px solid #16a34a; background: #dcfce7; } .k.wait { height: 10px; border: 1px solid #ca8a04; background: #fef9c3; } .k.fault { width: 10px; height: 10px; border: none; background: #dc2626; transform: rotate(45deg); }
main { padding: 16px 24px; }
.diagram { overflow-x: auto; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; }
svg text { font: 11px system-ui, sans-serif; fill: #374151; }
.lifeline { stroke: #cbd5e1; stroke-width: 2; }
.head { fill: #1e293b; } .headtext { fill: #fff; font-weight: 600; font-size: 13px; text-anchor: middle; }
.rowno { fill: #9ca3af; font-size: 10px; }
.time line { stroke: #9ca3af; stroke-dasharray: 6 4; } .time text { fill: #6b7280; font-style: italic; }
.msg path, .msg line { stroke: #2563eb; stroke-width: 1.6; fill: none; } .msg text { fill: #1d4ed8; text-anchor: middle; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.msg.dup path { stroke: #7c3aed; stroke-dasharray: 6 3; } .msg.dup text { fill: #6d28d9; }
.msg.late path { stroke: #c2410c; stroke-dasharray: 10 3 2 3; } .msg.late text { fill: #c2410c; }
.msg.held line { stroke: #c2410c; stroke-width: 4; stroke-dasharray: 2 3; }
.msg.recv path { stroke: #0f766e; stroke-dasharray: 2 3; } .msg.recv text { fill: #0f766e; }
.msg.undelivered path { stroke: #d97706; stroke-dasharray: 6 3; } .msg.undelivered text { fill: #b45309; }
.qmark { fill: #d97706 !important; font-weight: 700; font-size: 15px !important; }
.msg.dropped line { stroke: #dc2626; stroke-dasharray: 6 3; } .msg.dropped .cross { stroke: #dc2626; stroke-width: 2.5; } .msg.dropped text { fill: #b91c1c; text-anchor: start; }
.msg.discarded line { stroke: #6b7280; stroke-dasharray: 6 3; } .msg.discarded circle { fill: #fff; stroke: #6b7280; stroke-width: 2; } .msg.discarded text { fill: #4b5563; text-anchor: start; }
.dot { fill: #2563eb; }
.atomics rect { fill: #dcfce7; stroke: #16a34a; } .atomics text { text-anchor: middle; fill: #14532d; font-family: ui-monospace, monospace; font-size: 10px; }
.atomics.wait rect { fill: #fef9c3; stroke: #ca8a04; } .atomics.wait text { fill: #713f12; }
.fault path { fill: #dc2626; } .fault text { fill: #b91c1c; font-weight: 600; }
.step, .mark, .note, .log, .atomics-text, .fault-text, .fault text, .time text { paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round; }
.step { text-anchor: middle; fill: #111827; font-weight: 600; }
.mark { text-anchor: middle; fill: #475569; font-style: italic; }
.note { text-anchor: middle; fill: #94a3b8; font-size: 10px; }
.log { text-anchor: middle; fill: #0369a1; font-family: ui-monospace, monospace; font-size: 10px; }
.atomics-text { text-anchor: middle; fill: #a16207; } .fault-text { text-anchor: middle; fill: #b91c1c; font-weight: 600; }
.verdict { margin-top: 16px; padding: 12px 16px; border-radius: 8px; }
.verdict h2 { font-size: 16px; margin: 0 0 6px; }
.verdict.ok { background: #dcfce7; border: 1px solid #16a34a; } .verdict.failed { background: #fee2e2; border: 1px solid #dc2626; }
.verdict pre { white-space: pre-wrap; margin: 0; font-size: 12px; }
"##;
