//! [`Shard`]: one of `n` parts of a spec's schedule space, so that CI machines can split
//! one exploration (`heddle explore --shard k/n`).
//!
//! - random and PCT: shard `k` runs the run numbers `i` with `i % n == k - 1` (each run's
//!   seed is still `seed + i`, so the union of the shards is the unsharded exploration);
//! - exhaustive: the first decision's choices are dealt out, choice `j` to shard
//!   `j % n + 1`, and each shard explores the whole subtree of each of its choices (with
//!   the reduction inside). Every run starts with some first choice, so the shards
//!   together miss nothing; they may overlap (a choice never sleeps another shard's), and
//!   their reports merge by the union of their behaviour keys (`--format json`).

use std::fmt;

/// One of `count` shards (`index` counts from 0; the command line's `k/n` is `index + 1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which one, from 0.
    pub index: u64,
    /// How many.
    pub count: u64,
}

/// Why `k/n` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Not two whole numbers around a slash.
    #[error("`{0}` is not a shard: expected `k/n`, for example `2/4` for the second of four")]
    Unreadable(String),
    /// `k` outside `1..=n`.
    #[error("shard `{0}` does not exist: `k/n` needs 1 <= k <= n")]
    OutOfRange(String),
}

impl Shard {
    /// Reads `k/n`.
    pub fn parse(text: &str) -> Result<Self, ShardError> {
        let unreadable = || ShardError::Unreadable(text.to_string());
        let (k, n) = text.trim().split_once('/').ok_or_else(unreadable)?;
        let k: u64 = k.trim().parse().map_err(|_| unreadable())?;
        let n: u64 = n.trim().parse().map_err(|_| unreadable())?;
        if k == 0 || k > n {
            return Err(ShardError::OutOfRange(text.to_string()));
        }
        Ok(Shard {
            index: k - 1,
            count: n,
        })
    }

    /// Whether run number or first choice `i` is this shard's.
    pub fn owns(&self, i: u64) -> bool {
        i % self.count == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shard {}/{}", self.index + 1, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_read_k_of_n_and_deal_numbers_round() {
        let s = Shard::parse("2/3").unwrap();
        assert_eq!(s, Shard { index: 1, count: 3 });
        assert_eq!((0..9).filter(|&i| s.owns(i)).collect::<Vec<_>>(), [1, 4, 7]);
        for bad in ["", "1", "a/b", "1/", "/2", "1/2/3", "-1/2"] {
            assert!(
                matches!(Shard::parse(bad), Err(ShardError::Unreadable(_))),
                "{bad}"
            );
        }
        for out in ["0/2", "3/2", "1/0"] {
            assert!(
                matches!(Shard::parse(out), Err(ShardError::OutOfRange(_))),
                "{out}"
            );
        }
    }
}
