//! Fault injection: rules that drop, duplicate, delay or reorder posted messages, lose
//! their wake-up, or fail their clone.
//!
//! Modelled on turmoil's `Rule`: each [`Fault`] sees a post and returns a [`Verdict`]; the
//! first verdict that is not [`Verdict::Pass`] wins. Faults act through the runtime's post
//! hook on the posting thread, in its turn (a clone failure before serialization, the rest
//! after it and before dispatch), so a faulty run is exactly as deterministic as any other.
//! A dropped message is counted as dropped by the run's ledger, so it is never reported as
//! lost; a held one (delay, reorder) is dispatched later by its poster's loop.

use std::collections::BTreeMap;

/// What to do with a posted message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// Hold it in the posting loop for this many of the poster's scheduling points (it
    /// goes earlier if its port closes or moves, or the poster parks or ends).
    Delay(u32),
    /// Hold it until the next message posted through the same port has gone: the two
    /// arrive swapped (or it goes when the poster parks or ends, if no next one comes).
    Reorder,
    /// Fail the post with Node's `DataCloneError` (`#<Object> could not be cloned.`),
    /// before anything is serialized or detached.
    CloneFailure,
}

impl Verdict {
    /// The kind's name, as specs, traces and fault lists write it.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Drop => "drop",
            Verdict::Duplicate => "duplicate",
            Verdict::LoseWakeup => "lose_wakeup",
            Verdict::Delay(_) => "delay",
            Verdict::Reorder => "reorder",
            Verdict::CloneFailure => "clone_failure",
        }
    }
}

/// One post, as faults see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostInfo<'a> {
    /// The posting thread's name.
    pub from: &'a str,
    /// How many messages this thread posted before this one, plus one.
    pub nth: u64,
    /// The threads it reaches (the owners of its port's peers when it is posted).
    pub to: &'a [String],
    /// The declarative step the poster is in, if it is in one.
    pub step: Option<u32>,
    /// The spec channel whose end it is posted through, if it is one.
    pub port: Option<&'a str>,
    /// The virtual time, in ms.
    pub now_ms: u64,
    /// The run's seed (what a rule's probability draws from).
    pub seed: u64,
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

/// The `nth` message `from` posts gets `verdict` (a placement's fault, and the simplest
/// spec rule).
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

/// A spec's `faults:` rule: the posts of `from` that every given selector picks get
/// `verdict`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostRule {
    /// The posting thread.
    pub from: String,
    /// Only its `nth` post (1 = the first); every post when `None`.
    pub nth: Option<u64>,
    /// Only posts that reach this thread.
    pub to: Option<String>,
    /// Only posts made while `from` runs this declarative step (0 = its first).
    pub step: Option<u32>,
    /// Only posts through an end of this spec channel.
    pub port: Option<String>,
    /// Only posts made at or after this virtual time (ms).
    pub after_ms: Option<u64>,
    /// Only a post whose draw from the run's seed falls under this many in a million.
    pub per_million: Option<u32>,
    /// What happens to a post it picks.
    pub verdict: Verdict,
}

impl PostRule {
    /// Whether the rule reads the virtual clock (a post it judges then depends on it).
    pub fn reads_clock(&self) -> bool {
        self.after_ms.is_some()
    }

    /// Whether the rule reads who owns the posting port's peers.
    pub fn reads_receivers(&self) -> bool {
        self.to.is_some()
    }
}

impl From<NthPost> for PostRule {
    fn from(p: NthPost) -> Self {
        PostRule {
            from: p.from,
            nth: Some(p.nth),
            to: None,
            step: None,
            port: None,
            after_ms: None,
            per_million: None,
            verdict: p.verdict,
        }
    }
}

impl Fault for PostRule {
    fn on_post(&self, post: &PostInfo<'_>) -> Verdict {
        let picked = post.from == self.from
            && self.nth.is_none_or(|n| n == post.nth)
            && self.to.as_ref().is_none_or(|to| post.to.contains(to))
            && self.step.is_none_or(|s| post.step == Some(s))
            && self.port.as_deref().is_none_or(|p| post.port == Some(p))
            && self.after_ms.is_none_or(|t| post.now_ms >= t)
            && self
                .per_million
                .is_none_or(|p| draw(post.seed, post.from, post.nth) < u64::from(p));
        if picked {
            self.verdict
        } else {
            Verdict::Pass
        }
    }
}

/// A number in 0..1,000,000 for (seed, thread, nth), the same on every machine
/// (FNV-1a, then a SplitMix64 finalizer).
fn draw(seed: u64, from: &str, nth: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed
        .to_le_bytes()
        .iter()
        .chain(from.as_bytes())
        .chain(&nth.to_le_bytes())
    {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    h % 1_000_000
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
        write!(f, "{}:{}:{}", self.verdict.name(), self.from, self.nth)?;
        if let Verdict::Delay(points) = self.verdict {
            write!(f, ":{points}")?;
        }
        Ok(())
    }
}

/// Why a fault list (`drop:a:2,duplicate:main:1`, the form replays take) could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FaultListError {
    /// Not `kind:thread:nth`.
    #[error("`{0}` is not a fault: expected `<kind>:<thread>:<nth>` with kind `drop`, `duplicate`, `lose_wakeup`, `reorder` or `clone_failure`, or `delay:<thread>:<nth>:<points>` (nth and points from 1)")]
    Unreadable(String),
}

/// Reads `drop:a:2,duplicate:main:1` (what [`NthPost`]'s `Display` writes, joined by commas).
pub fn parse_fault_list(text: &str) -> Result<Vec<NthPost>, FaultListError> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let bad = || FaultListError::Unreadable(item.to_string());
            let mut parts = item.split(':');
            let kind = parts.next();
            let from = parts.next().filter(|s| !s.is_empty()).ok_or_else(bad)?;
            let nth: u64 = parts
                .next()
                .and_then(|n| n.parse().ok())
                .filter(|&n| n >= 1)
                .ok_or_else(bad)?;
            let verdict = match kind {
                Some("drop") => Verdict::Drop,
                Some("duplicate") => Verdict::Duplicate,
                Some("lose_wakeup") => Verdict::LoseWakeup,
                Some("reorder") => Verdict::Reorder,
                Some("clone_failure") => Verdict::CloneFailure,
                Some("delay") => Verdict::Delay(
                    parts
                        .next()
                        .and_then(|n| n.parse().ok())
                        .filter(|&n| n >= 1)
                        .ok_or_else(bad)?,
                ),
                _ => return Err(bad()),
            };
            if parts.next().is_some() {
                return Err(bad());
            }
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

/// Where a post is made, as [`Faults`] needs it (it counts the posts itself).
#[derive(Clone, Copy, Debug)]
pub struct PostAt<'a> {
    /// The posting thread.
    pub from: &'a str,
    /// Who it reaches (empty unless a rule reads receivers).
    pub to: &'a [String],
    /// The poster's declarative step, if it is in one.
    pub step: Option<u32>,
    /// The spec channel it goes through, if it does.
    pub port: Option<&'a str>,
    /// The virtual time, in ms.
    pub now_ms: u64,
    /// The run's seed.
    pub seed: u64,
}

impl<'a> PostAt<'a> {
    /// A post by `from`, at time 0, reaching no one known, outside any step (tests).
    pub fn by(from: &'a str) -> Self {
        PostAt {
            from,
            to: &[],
            step: None,
            port: None,
            now_ms: 0,
            seed: 0,
        }
    }
}

/// The faults of one run, with the per-thread post counts they need.
#[derive(Default)]
pub struct Faults {
    rules: Vec<Box<dyn Fault>>,
    posted: BTreeMap<String, u64>,
    /// Whether a rule reads the virtual clock (every post then reads it too).
    reads_clock: bool,
    /// Whether a rule reads a post's receivers.
    reads_receivers: bool,
    /// Workers to terminate when the clock reaches a time: (ms, worker), not yet struck.
    terminates: Vec<(u64, String)>,
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

    /// Adds a spec's rule; earlier rules win.
    pub fn add_rule(&mut self, rule: PostRule) {
        self.reads_clock |= rule.reads_clock();
        self.reads_receivers |= rule.reads_receivers();
        self.add(rule);
    }

    /// Terminates `worker` when the virtual clock reaches `at_ms` while it runs.
    pub fn terminate_at(&mut self, worker: &str, at_ms: u64) {
        self.terminates.push((at_ms, worker.to_string()));
    }

    /// The terminate faults not yet struck: (ms, worker).
    pub fn pending_terminations(&self) -> impl Iterator<Item = (u64, &str)> {
        self.terminates.iter().map(|(at, who)| (*at, who.as_str()))
    }

    /// The workers whose termination is due at `now_ms` among those `running` says run,
    /// each once (a worker not yet running stays due).
    pub fn terminations_due(&mut self, now_ms: u64, running: impl Fn(&str) -> bool) -> Vec<String> {
        let (due, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.terminates)
            .into_iter()
            .partition(|(at, who)| *at <= now_ms && running(who));
        self.terminates = keep;
        due.into_iter().map(|(_, who)| who).collect()
    }

    /// Whether a rule reads the virtual clock.
    pub fn reads_clock(&self) -> bool {
        self.reads_clock
    }

    /// Whether a rule reads a post's receivers.
    pub fn reads_receivers(&self) -> bool {
        self.reads_receivers
    }

    /// Whether there are no post rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The first non-pass verdict for the post `from` is about to make, without counting
    /// it (a clone failure is decided before serialization, the rest after).
    pub fn peek(&self, at: &PostAt<'_>) -> Verdict {
        let nth = self.posted.get(at.from).copied().unwrap_or(0) + 1;
        let post = PostInfo {
            from: at.from,
            nth,
            to: at.to,
            step: at.step,
            port: at.port,
            now_ms: at.now_ms,
            seed: at.seed,
        };
        self.rules
            .iter()
            .map(|r| r.on_post(&post))
            .find(|v| *v != Verdict::Pass)
            .unwrap_or(Verdict::Pass)
    }

    /// Counts a post by `from` and returns the first non-pass verdict.
    pub fn judge(&mut self, at: &PostAt<'_>) -> Verdict {
        let verdict = self.peek(at);
        *self.posted.entry(at.from.to_string()).or_insert(0) += 1;
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_lists_read_what_they_write() {
        let text = "drop:a:2,duplicate:main:1,delay:b:1:3,reorder:a:4,clone_failure:c:1";
        let list = parse_fault_list(text).unwrap();
        assert_eq!(fault_list(&list), text);
        assert_eq!(parse_fault_list("").unwrap(), []);
        for bad in [
            "drop",
            "drop:a",
            "drop:a:0",
            "lose:a:1",
            "drop::1",
            "drop:a:x",
            "drop:a:1:2",
            "delay:a:1",
            "delay:a:1:0",
            "delay:a:1:x",
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
        assert_eq!(f.judge(&PostAt::by("a")), Verdict::Pass);
        assert_eq!(f.judge(&PostAt::by("b")), Verdict::Pass);
        assert_eq!(f.peek(&PostAt::by("a")), Verdict::Drop); // peeking does not count
        assert_eq!(f.judge(&PostAt::by("a")), Verdict::Drop); // a's 2nd: the first rule wins
        assert_eq!(f.judge(&PostAt::by("b")), Verdict::Duplicate); // b's 2nd: only the closure matches
        assert_eq!(f.judge(&PostAt::by("a")), Verdict::Pass);
    }

    fn rule(after_ms: Option<u64>, per_million: Option<u32>) -> PostRule {
        PostRule {
            from: "a".into(),
            nth: None,
            to: None,
            step: None,
            port: None,
            after_ms,
            per_million,
            verdict: Verdict::Drop,
        }
    }

    #[test]
    fn a_time_selector_picks_the_posts_from_its_time_on() {
        let r = rule(Some(10), None);
        let at = |now_ms| PostInfo {
            from: "a",
            nth: 1,
            to: &[],
            step: None,
            port: None,
            now_ms,
            seed: 0,
        };
        assert_eq!(r.on_post(&at(9)), Verdict::Pass);
        assert_eq!(r.on_post(&at(10)), Verdict::Drop);
        assert_eq!(
            r.on_post(&PostInfo {
                from: "b",
                ..at(10)
            }),
            Verdict::Pass
        );
    }

    #[test]
    fn a_receiver_selector_picks_the_posts_that_reach_it() {
        let r = PostRule {
            to: Some("b".into()),
            ..rule(None, None)
        };
        let to = |to: &[String]| {
            r.on_post(&PostInfo {
                from: "a",
                nth: 1,
                to,
                step: None,
                port: None,
                now_ms: 0,
                seed: 0,
            })
        };
        assert_eq!(to(&["b".into()]), Verdict::Drop);
        assert_eq!(to(&["c".into(), "b".into()]), Verdict::Drop);
        assert_eq!(to(&["c".into()]), Verdict::Pass);
        assert_eq!(
            to(&[]),
            Verdict::Pass,
            "a peer in transit reaches no one yet"
        );
    }

    #[test]
    fn a_step_selector_picks_the_posts_made_in_that_step() {
        let r = PostRule {
            step: Some(2),
            ..rule(None, None)
        };
        let in_step = |step| {
            r.on_post(&PostInfo {
                from: "a",
                nth: 1,
                to: &[],
                step,
                port: None,
                now_ms: 0,
                seed: 0,
            })
        };
        assert_eq!(in_step(Some(2)), Verdict::Drop);
        assert_eq!(in_step(Some(1)), Verdict::Pass);
        assert_eq!(in_step(None), Verdict::Pass);
    }

    #[test]
    fn a_probability_picks_that_share_of_posts_the_same_way_for_a_seed() {
        let picks = |seed: u64, p: u32| {
            let r = rule(None, Some(p));
            (1..=10_000u64)
                .filter(|&nth| {
                    let post = PostInfo {
                        from: "a",
                        nth,
                        to: &[],
                        step: None,
                        port: None,
                        now_ms: 0,
                        seed,
                    };
                    r.on_post(&post) == Verdict::Drop
                })
                .collect::<Vec<_>>()
        };
        let quarter = picks(7, 250_000);
        assert!((2_300..2_700).contains(&quarter.len()), "{}", quarter.len());
        assert_eq!(picks(7, 250_000), quarter, "a seed draws the same posts");
        assert_ne!(picks(8, 250_000), quarter, "another seed draws others");
        assert!(picks(7, 0).is_empty());
        assert_eq!(picks(7, 1_000_000).len(), 10_000);
    }
}
