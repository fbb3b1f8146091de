//! The watchdog: wall-clock limits that end a run whose code never gives its turn back.
//!
//! Under the controller exactly one thread runs, between two scheduling points. JavaScript
//! that never reaches one (`while (flag === 0) {}` over a plain typed-array read) would
//! hold the turn for ever, and every other thread with it. One process-wide thread checks
//! every watched run a few times a second: a unit that has held the turn longer than
//! [`WatchdogLimits::unit`], or a run older than [`WatchdogLimits::run`], is given up (the
//! controller terminates every isolate of the run, which interrupts the loop). A single
//! thread for all runs keeps a run's cost free of a thread spawn.

use std::sync::{Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// The environment variable that overrides [`WatchdogLimits::unit`], in milliseconds.
pub const UNIT_ENV: &str = "HEDDLE_MAX_UNIT_MS";
/// The environment variable that overrides [`WatchdogLimits::run`], in milliseconds.
pub const RUN_ENV: &str = "HEDDLE_MAX_RUN_MS";

/// Wall-clock limits of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchdogLimits {
    /// How long one unit may hold the turn without reaching a scheduling point. Defaults to
    /// 5 s, or the `HEDDLE_MAX_UNIT_MS` environment variable; a spec's `max_unit_ms` and
    /// `--max-unit-ms` override it.
    pub unit: Duration,
    /// How long one run may take in all. Defaults to 60 s, or `HEDDLE_MAX_RUN_MS`; a spec's
    /// `max_run_ms` and `--max-run-ms` override it.
    pub run: Duration,
}

impl WatchdogLimits {
    /// The default unit limit.
    pub const UNIT: Duration = Duration::from_secs(5);
    /// The default run limit.
    pub const RUN: Duration = Duration::from_secs(60);

    /// The defaults, with the environment's overrides.
    pub fn from_env() -> Self {
        let ms = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|ms| *ms > 0)
                .map(Duration::from_millis)
        };
        WatchdogLimits {
            unit: ms(UNIT_ENV).unwrap_or(Self::UNIT),
            run: ms(RUN_ENV).unwrap_or(Self::RUN),
        }
    }
}

impl Default for WatchdogLimits {
    fn default() -> Self {
        WatchdogLimits {
            unit: Self::UNIT,
            run: Self::RUN,
        }
    }
}

/// Something the watchdog checks.
pub trait Watched: Send + Sync {
    /// Gives up on the run if it broke a limit at `now`. Returns whether it still needs
    /// watching (false once the run is over).
    fn check(&self, now: Instant) -> bool;
}

/// How often the watchdog looks.
const PERIOD: Duration = Duration::from_millis(25);

static WATCHED: OnceLock<Mutex<Vec<Weak<dyn Watched>>>> = OnceLock::new();

fn watched() -> &'static Mutex<Vec<Weak<dyn Watched>>> {
    WATCHED.get_or_init(|| {
        let started = std::thread::Builder::new()
            .name("heddle-watchdog".into())
            .spawn(|| loop {
                std::thread::sleep(PERIOD);
                let now = Instant::now();
                let list: Vec<Weak<dyn Watched>> = {
                    let guard = watched().lock().unwrap_or_else(|e| e.into_inner());
                    guard.clone()
                };
                let mut done = Vec::new();
                for (i, w) in list.iter().enumerate() {
                    match w.upgrade() {
                        Some(target) if target.check(now) => {}
                        _ => done.push(i),
                    }
                }
                if !done.is_empty() {
                    let mut guard = watched().lock().unwrap_or_else(|e| e.into_inner());
                    guard.retain(|w| {
                        !list
                            .iter()
                            .enumerate()
                            .any(|(i, x)| done.contains(&i) && Weak::ptr_eq(w, x))
                    });
                }
            });
        if started.is_err() {
            // Without a watchdog thread, limits are not enforced; nothing else changes.
        }
        Mutex::new(Vec::new())
    })
}

/// Watches `target` until its `check` returns false or it is dropped.
pub fn watch(target: Weak<dyn Watched>) {
    watched()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(target);
}
