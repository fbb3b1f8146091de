//! [`FixedScheduler`]: the given choices, then the thread that yielded goes on while it can.

use heddle_runtime::WorkerId;

use super::{Refusal, Strategy};

/// Follows a schedule string's choices; past its end, continues the thread that yielded
/// (or, if it cannot go on, the lowest-numbered runnable thread).
pub struct FixedScheduler {
    forced: Vec<String>,
    /// A forced name that cannot run takes the default instead of refusing the schedule
    /// (the shrinker's candidates, whose later choices shift when one is removed).
    lenient: bool,
}

impl FixedScheduler {
    /// Forces `forced` (thread names) at the first decisions; a name that cannot run at its
    /// decision is a mismatch.
    pub fn new(forced: Vec<String>) -> Self {
        FixedScheduler {
            forced,
            lenient: false,
        }
    }

    /// Forces `forced` where it can: a name that cannot run at its decision takes the
    /// default choice.
    pub fn lenient(forced: Vec<String>) -> Self {
        FixedScheduler {
            forced,
            lenient: true,
        }
    }
}

impl Strategy for FixedScheduler {
    fn choose(
        &mut self,
        index: usize,
        _candidates: &[WorkerId],
        names: &[&str],
        _running_first: bool,
    ) -> Result<usize, Refusal> {
        match self.forced.get(index) {
            None => Ok(0),
            Some(want) if self.lenient => Ok(names.iter().position(|n| n == want).unwrap_or(0)),
            Some(want) => names.iter().position(|n| n == want).ok_or_else(|| {
                Refusal::Mismatch(format!(
                    "decision {index} of the schedule names `{want}`, but the runnable threads were {}",
                    names.join(", ")
                ))
            }),
        }
    }
}

/// The most decisions a schedule string may expand to (a run's decisions are bounded by
/// its step budget, far below this).
pub const MAX_DECISIONS: usize = 1_000_000;

/// Parses a schedule string: thread names separated by `.`, each optionally repeated `*N`
/// times (N ≥ 1), expanding to at most [`MAX_DECISIONS`] names.
pub fn parse_schedule(s: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for part in s.split('.').filter(|p| !p.is_empty()) {
        let (name, n) = match part.split_once('*') {
            Some((name, n)) => match n.parse::<usize>() {
                Ok(n) if n >= 1 => (name, n),
                _ => {
                    return Err(format!(
                        "bad repeat count in `{part}`: expected `name*N` with N a whole number of at least 1"
                    ))
                }
            },
            None => (part, 1),
        };
        if name.is_empty() {
            return Err(format!("empty thread name in `{part}`"));
        }
        if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!(
                "`{}` is not a thread name (names have no spaces or control characters)",
                name.escape_debug()
            ));
        }
        if out.len().saturating_add(n) > MAX_DECISIONS {
            return Err(format!(
                "the schedule expands to more than {MAX_DECISIONS} decisions"
            ));
        }
        out.extend(std::iter::repeat_n(name.to_string(), n));
    }
    Ok(out)
}

/// Renders chosen thread names as a schedule string, repeats folded (`a*3.b`).
pub fn schedule_string(names: &[String]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < names.len() {
        let mut j = i;
        while j < names.len() && names[j] == names[i] {
            j += 1;
        }
        out.push(if j - i > 1 {
            format!("{}*{}", names[i], j - i)
        } else {
            names[i].clone()
        });
        i = j;
    }
    out.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_strings_round_trip() {
        let names: Vec<String> = ["a", "a", "a", "b", "main", "b", "b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let s = schedule_string(&names);
        assert_eq!(s, "a*3.b.main.b*2");
        assert_eq!(parse_schedule(&s).unwrap(), names);
        assert_eq!(parse_schedule("").unwrap(), Vec::<String>::new());
        assert!(parse_schedule("a*x").is_err());
        assert!(parse_schedule("a*0").is_err());
        assert!(parse_schedule("a**2").is_err());
        assert!(parse_schedule("a b").is_err());
        let huge = parse_schedule("a*99999999999").unwrap_err();
        assert!(huge.contains("more than"), "{huge}");
    }
}
