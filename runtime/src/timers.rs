//! [`Timers`]: one event loop's `setTimeout`/`setInterval` table, and the [`Clock`] it runs on.
//!
//! Times are whole milliseconds since the runtime started. Under the harness the clock is
//! virtual: it only moves when the scheduler advances it to the next due timer, so timers
//! are deterministic. Free-running, it is the monotonic clock.

use std::collections::BTreeMap;
use std::fmt;

/// Identifies a timer within one event loop (the number `setTimeout` returns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(pub u64);

impl fmt::Display for TimerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timer#{}", self.0)
    }
}

/// What a timer does when it fires.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimerSpec {
    /// Milliseconds until the first firing; Node clamps anything below 1 (or above
    /// 2^31 - 1) to 1.
    pub delay_ms: f64,
    /// Fire again every `delay` after each firing (`setInterval`).
    pub repeat: bool,
}

#[derive(Debug)]
struct Timer {
    due: u64,
    seq: u64,
    interval: Option<u64>,
    /// Keeps the loop alive (`timer.unref()` clears it).
    refed: bool,
}

/// The timers of one event loop, ordered by due time and then by creation.
#[derive(Debug, Default)]
pub struct Timers {
    next_id: u64,
    next_seq: u64,
    /// Every live timer. Invariant: `queue` holds exactly one `(due, seq)` key per entry.
    timers: BTreeMap<TimerId, Timer>,
    queue: BTreeMap<(u64, u64), TimerId>,
}

/// Node's clamp: `after` below 1 or above `TIMEOUT_MAX` (2^31 - 1) becomes 1.
pub fn clamp_delay(delay_ms: f64) -> u64 {
    const TIMEOUT_MAX: f64 = 2_147_483_647.0;
    if !(1.0..=TIMEOUT_MAX).contains(&delay_ms) {
        1
    } else {
        delay_ms.trunc() as u64
    }
}

impl Timers {
    /// An empty table.
    pub fn new() -> Self {
        Timers::default()
    }

    /// Adds a timer at `now`; returns its id.
    pub fn add(&mut self, spec: TimerSpec, now: u64) -> TimerId {
        self.next_id += 1;
        let id = TimerId(self.next_id);
        let delay = clamp_delay(spec.delay_ms);
        self.insert(
            id,
            Timer {
                due: now.saturating_add(delay),
                seq: 0,
                interval: spec.repeat.then_some(delay),
                refed: true,
            },
        );
        id
    }

    fn insert(&mut self, id: TimerId, mut timer: Timer) {
        self.next_seq += 1;
        timer.seq = self.next_seq;
        self.queue.insert((timer.due, timer.seq), id);
        self.timers.insert(id, timer);
    }

    /// Cancels a timer; unknown ids are ignored, as `clearTimeout` ignores them.
    pub fn cancel(&mut self, id: TimerId) {
        if let Some(t) = self.timers.remove(&id) {
            self.queue.remove(&(t.due, t.seq));
        }
    }

    /// Sets whether the timer keeps its loop alive.
    pub fn set_ref(&mut self, id: TimerId, refed: bool) {
        if let Some(t) = self.timers.get_mut(&id) {
            t.refed = refed;
        }
    }

    /// The earliest due time, if any timer is live.
    pub fn next_due(&self) -> Option<u64> {
        self.queue.keys().next().map(|&(due, _)| due)
    }

    /// Takes the earliest timer due at `now`. An interval is re-armed for `now + interval`
    /// before it runs (its callback may cancel it).
    pub fn pop_due(&mut self, now: u64) -> Option<TimerId> {
        let (&(due, seq), &id) = self.queue.iter().next()?;
        if due > now {
            return None;
        }
        self.queue.remove(&(due, seq));
        let timer = self.timers.remove(&id).expect("queue and timers agree");
        if let Some(interval) = timer.interval {
            self.insert(
                id,
                Timer {
                    due: now.saturating_add(interval),
                    ..timer
                },
            );
        }
        Some(id)
    }

    /// Whether timer `id` is live and keeps the loop alive.
    pub fn is_refed(&self, id: TimerId) -> bool {
        self.timers.get(&id).is_some_and(|t| t.refed)
    }

    /// Whether some live timer keeps the loop alive.
    pub fn any_refed(&self) -> bool {
        self.timers.values().any(|t| t.refed)
    }

    /// How many timers are live.
    pub fn len(&self) -> usize {
        self.timers.len()
    }

    /// Whether no timer is live.
    pub fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }
}

/// Where an event loop reads the time.
pub trait Clock: Send + Sync {
    /// Milliseconds since the runtime started.
    fn now_ms(&self) -> u64;
    /// The same, with sub-millisecond precision (`performance.now()`).
    fn now_precise_ms(&self) -> f64 {
        self.now_ms() as f64
    }
}

/// The monotonic clock, counted from when this value was made.
pub struct RealClock {
    start: std::time::Instant,
}

impl RealClock {
    /// A clock reading 0 now.
    pub fn new() -> Self {
        RealClock {
            start: std::time::Instant::now(),
        }
    }

    /// The instant at which this clock reads `ms` (a century ahead if `ms` is past what an
    /// `Instant` can hold).
    #[cfg(not(loom))]
    pub fn instant_at(&self, ms: u64) -> std::time::Instant {
        const CENTURY: std::time::Duration = std::time::Duration::from_secs(100 * 365 * 86_400);
        self.start
            .checked_add(std::time::Duration::from_millis(ms))
            .or_else(|| std::time::Instant::now().checked_add(CENTURY))
            .unwrap_or(self.start)
    }
}

impl Default for RealClock {
    fn default() -> Self {
        RealClock::new()
    }
}

impl Clock for RealClock {
    fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn now_precise_ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn timers_fire_by_due_time_then_creation_order() {
        let mut t = Timers::new();
        let a = t.add(
            TimerSpec {
                delay_ms: 5.0,
                repeat: false,
            },
            0,
        );
        let b = t.add(
            TimerSpec {
                delay_ms: 1.0,
                repeat: false,
            },
            0,
        );
        let c = t.add(
            TimerSpec {
                delay_ms: 0.0,
                repeat: false,
            },
            0,
        ); // clamped to 1
        assert_eq!(t.next_due(), Some(1));
        assert_eq!(t.pop_due(0), None);
        assert_eq!(t.pop_due(1), Some(b));
        assert_eq!(t.pop_due(1), Some(c));
        assert_eq!(t.pop_due(4), None);
        assert_eq!(t.pop_due(9), Some(a));
        assert!(t.is_empty());
    }

    #[test]
    fn intervals_rearm_and_cancel() {
        let mut t = Timers::new();
        let i = t.add(
            TimerSpec {
                delay_ms: 10.0,
                repeat: true,
            },
            0,
        );
        assert_eq!(t.pop_due(10), Some(i));
        assert_eq!(t.next_due(), Some(20));
        assert_eq!(t.pop_due(20), Some(i));
        t.cancel(i);
        assert_eq!(t.next_due(), None);
        t.cancel(i); // unknown: ignored
    }

    #[test]
    fn unref_timers_do_not_keep_the_loop_alive() {
        let mut t = Timers::new();
        let i = t.add(
            TimerSpec {
                delay_ms: 10.0,
                repeat: false,
            },
            0,
        );
        assert!(t.any_refed());
        t.set_ref(i, false);
        assert!(!t.any_refed());
    }

    #[test]
    fn node_clamps_delays() {
        assert_eq!(clamp_delay(0.0), 1);
        assert_eq!(clamp_delay(-5.0), 1);
        assert_eq!(clamp_delay(f64::NAN), 1);
        assert_eq!(clamp_delay(3e9), 1);
        assert_eq!(clamp_delay(2.9), 2);
    }
}
