//! Fault injection: rules that drop or duplicate posted messages, or lose their wake-up.
//!
//! Modelled on turmoil's `Rule`: each [`Fault`] sees a post and returns a [`Verdict`]; the
//! first verdict that is not [`Verdict::Pass`] wins. Faults act through the runtime's post
//! hook, after serialization and before dispatch, on the posting thread, in its turn, so a
//! faulty run is exactly as deterministic as any other. A dropped message is counted as
//! dropped by the run's ledger, so it is never reported as lost.

use std::collections::BTreeMap;

/// What to do with a posted message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Leave it to the next fault, or deliver it.
    Pass,
    /// Never deliver it.
    Drop,
    /// Deliver it twice (messages that move buffers or ports are delivered once).
    Duplicate,
    /// Queue it without waking the receiver (Node's missed `uv_async_send`): it waits for
    /// the next wake-up of its port, if one ever comes.
    LoseWakeup,
}

/// One post, as faults see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostInfo<'a> {
    /// The posting thread's name.
    pub from: &'a str,
    /// How many messages this thread posted before this one, plus one.
    pub nth: u64,
}

/// A fault rule.
pub trait Fault: Send + Sync {
    /// The verdict for one post.
    fn on_post(&self, post: &PostInfo<'_>) -> Verdict;
}

impl<F> Fault for F
where
    F: Fn(&PostInfo<'_>) -> Verdict + Send + Sync,
{
    fn on_post(&self, post: &PostInfo<'_>) -> Verdict {
        self(post)
    }
}

/// The `nth` message `from` posts gets `verdict` (a spec's `faults:` entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NthPost {
    /// The posting thread.
    pub from: String,
    /// Which of its posts (1 = the first).
    pub nth: u64,
    /// What happens to it.
    pub verdict: Verdict,
}

impl Fault for NthPost {
    fn on_post(&self, post: &PostInfo<'_>) -> Verdict {
        if post.from == self.from && post.nth == self.nth {
            self.verdict
        } else {
            Verdict::Pass
        }
    }
}

/// `faults: { explore: { max, kinds } }`: every placement of at most `max` faults of these
/// kinds on the posts that runs make, each explored with the spec's strategy
/// (`explore/faults.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSearch {
    /// At most this many faults in one run.
    pub max: u32,
    /// What a placed fault does (drop, duplicate).
    pub kinds: Vec<Verdict>,
}

impl std::fmt::Display for NthPost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.verdict {
            Verdict::Pass => "pass",
            Verdict::Drop => "drop",
            Verdict::Duplicate => "duplicate",
            Verdict::LoseWakeup => "lose_wakeup",
        };
        write!(f, "{kind}:{}:{}", self.from, self.nth)
    }
}

/// Why a fault list (`drop:a:2,duplicate:main:1`, the form replays take) could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FaultListError {
    /// Not `kind:thread:nth`.
    #[error("`{0}` is not a fault: expected `drop:<thread>:<nth>`, `duplicate:<thread>:<nth>` or `lose_wakeup:<thread>:<nth>` (nth from 1)")]
    Unreadable(String),
}

/// Reads `drop:a:2,duplicate:main:1` (what [`NthPost`]'s `Display` writes, joined by commas).
pub fn parse_fault_list(text: &str) -> Result<Vec<NthPost>, FaultListError> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let bad = || FaultListError::Unreadable(item.to_string());
            let mut parts = item.splitn(3, ':');
            let verdict = match parts.next() {
                Some("drop") => Verdict::Drop,
                Some("duplicate") => Verdict::Duplicate,
                Some("lose_wakeup") => Verdict::LoseWakeup,
                _ => return Err(bad()),
            };
            let from = parts.next().filter(|s| !s.is_empty()).ok_or_else(bad)?;
            let nth: u64 = parts
                .next()
                .and_then(|n| n.parse().ok())
                .filter(|&n| n >= 1)
                .ok_or_else(bad)?;
            Ok(NthPost {
                from: from.to_string(),
                nth,
                verdict,
            })
        })
        .collect()
}

/// Renders a placement as [`parse_fault_list`] reads it.
pub fn fault_list(faults: &[NthPost]) -> String {
    faults
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The faults of one run, with the per-thread post counts they need.
#[derive(Default)]
pub struct Faults {
    rules: Vec<Box<dyn Fault>>,
    posted: BTreeMap<String, u64>,
}

impl Faults {
    /// No faults.
    pub fn new() -> Self {
        Faults::default()
    }

    /// Adds a rule; earlier rules win.
    pub fn add(&mut self, rule: impl Fault + 'static) {
        self.rules.push(Box::new(rule));
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Counts a post by `from` and returns the first non-pass verdict.
    pub fn judge(&mut self, from: &str) -> Verdict {
        let n = self.posted.entry(from.to_string()).or_insert(0);
        *n += 1;
        let post = PostInfo { from, nth: *n };
        self.rules
            .iter()
            .map(|r| r.on_post(&post))
            .find(|v| *v != Verdict::Pass)
            .unwrap_or(Verdict::Pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_lists_read_what_they_write() {
        let list = parse_fault_list("drop:a:2, duplicate:main:1").unwrap();
        assert_eq!(fault_list(&list), "drop:a:2,duplicate:main:1");
        assert_eq!(parse_fault_list("").unwrap(), []);
        for bad in [
            "drop", "drop:a", "drop:a:0", "lose:a:1", "drop::1", "drop:a:x",
        ] {
            assert!(parse_fault_list(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_first_non_pass_verdict_wins_and_counts_are_per_thread() {
        let mut f = Faults::new();
        f.add(NthPost {
            from: "a".into(),
            nth: 2,
            verdict: Verdict::Drop,
        });
        f.add(|p: &PostInfo<'_>| {
            if p.nth == 2 {
                Verdict::Duplicate
            } else {
                Verdict::Pass
            }
        });
        assert_eq!(f.judge("a"), Verdict::Pass);
        assert_eq!(f.judge("b"), Verdict::Pass);
        assert_eq!(f.judge("a"), Verdict::Drop); // a's 2nd: the first rule wins
        assert_eq!(f.judge("b"), Verdict::Duplicate); // b's 2nd: only the closure matches
        assert_eq!(f.judge("a"), Verdict::Pass);
    }
}
