//! [`Budget`]: how much an exploration may spend, for CI: a number of schedules or a
//! wall-clock time (`heddle explore --budget 5000`, `--budget 60s`, `HEDDLE_BUDGET` for the
//! spec trials). An exploration that runs out says so: it is not complete, and its verdict
//! says it was cut short (see docs/SPEC.md, "Partial explorations").

use std::fmt;
use std::time::{Duration, Instant};

/// The environment variable that gives the spec trials a budget.
pub const BUDGET_ENV: &str = "HEDDLE_BUDGET";

/// How much an exploration may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// At most this many schedules.
    Runs(u64),
    /// No schedule starts after this much wall-clock time.
    Time(Duration),
}

/// Why a budget could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    /// Neither a count nor a duration.
    #[error("`{0}` is not a budget: expected a number of schedules (`5000`) or a time (`90s`, `5m`, `500ms`)")]
    Unreadable(String),
    /// Zero schedules or no time at all.
    #[error("a budget of `{0}` allows nothing: give at least one schedule or some time")]
    Empty(String),
}

impl Budget {
    /// Reads `5000`, `90s`, `5m`, `1h` or `500ms`.
    pub fn parse(text: &str) -> Result<Self, BudgetError> {
        let t = text.trim();
        let unreadable = || BudgetError::Unreadable(text.to_string());
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (digits, unit) = t.split_at(split);
        let n: u64 = digits.parse().map_err(|_| unreadable())?;
        let budget = match unit {
            "" => Budget::Runs(n),
            "ms" => Budget::Time(Duration::from_millis(n)),
            "s" => Budget::Time(Duration::from_secs(n)),
            "m" => Budget::Time(Duration::from_secs(
                n.checked_mul(60).ok_or_else(unreadable)?,
            )),
            "h" => Budget::Time(Duration::from_secs(
                n.checked_mul(3600).ok_or_else(unreadable)?,
            )),
            _ => return Err(unreadable()),
        };
        if n == 0 {
            return Err(BudgetError::Empty(text.to_string()));
        }
        Ok(budget)
    }

    /// Whether an exploration that started `started` schedules since `since` must start no
    /// more.
    pub fn spent(&self, started: u64, since: Instant) -> bool {
        match *self {
            Budget::Runs(n) => started >= n,
            Budget::Time(d) => since.elapsed() >= d,
        }
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Budget::Runs(n) => write!(f, "a budget of {n} schedules"),
            Budget::Time(d) => write!(f, "a budget of {d:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_read_counts_and_times_and_refuse_the_rest() {
        assert_eq!(Budget::parse("5000"), Ok(Budget::Runs(5000)));
        assert_eq!(
            Budget::parse("90s"),
            Ok(Budget::Time(Duration::from_secs(90)))
        );
        assert_eq!(
            Budget::parse("5m"),
            Ok(Budget::Time(Duration::from_secs(300)))
        );
        assert_eq!(
            Budget::parse("500ms"),
            Ok(Budget::Time(Duration::from_millis(500)))
        );
        assert!(matches!(Budget::parse("0"), Err(BudgetError::Empty(_))));
        for bad in [
            "",
            "s",
            "-1",
            "1.5s",
            "10 runs",
            "99999999999999999999",
            "99999999999999999h",
        ] {
            assert!(
                matches!(Budget::parse(bad), Err(BudgetError::Unreadable(_))),
                "{bad}"
            );
        }
    }
}
