//! Medians and 90th percentiles of durations (in days), withheld for groups
//! smaller than the threshold: a percentile of three people is nearly their
//! own values.

use serde::{Deserialize, Serialize};

/// A summary of durations, or only how many there are when the group is small.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DurationSummary {
    /// How many durations (withheld, `None`, below the threshold).
    pub n: Option<u64>,
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
    /// Share (0 to 1) within `limit_days`, when a limit is given.
    pub share_on_time: Option<f64>,
    pub suppressed: bool,
}

/// The nearest-rank percentile (`p` in 0..=100) of sorted values.
fn percentile(sorted: &[i64], p: u32) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (u64::from(p) * n as u64).div_ceil(100).max(1) as usize;
    sorted.get(rank.min(n) - 1).map(|v| *v as f64)
}

/// Summarises `days` (negative values are ignored as data errors).
pub fn summarise(days: &[i64], threshold: u64, limit_days: Option<i64>) -> DurationSummary {
    let mut v: Vec<i64> = days.iter().copied().filter(|d| *d >= 0).collect();
    v.sort_unstable();
    if (v.len() as u64) < threshold {
        return DurationSummary {
            n: None,
            median_days: None,
            p90_days: None,
            share_on_time: None,
            suppressed: true,
        };
    }
    let share = limit_days.map(|l| v.iter().filter(|d| **d <= l).count() as f64 / v.len() as f64);
    DurationSummary {
        n: Some(v.len() as u64),
        median_days: percentile(&v, 50),
        p90_days: percentile(&v, 90),
        share_on_time: share,
        suppressed: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let d: Vec<i64> = (1..=20).collect();
        let s = summarise(&d, 11, Some(10));
        assert_eq!(s.median_days, Some(10.0));
        assert_eq!(s.p90_days, Some(18.0));
        assert_eq!(s.share_on_time, Some(0.5));
        assert_eq!(s.n, Some(20));
    }

    #[test]
    fn small_groups_are_withheld() {
        let s = summarise(&[3, 4, 5, -1], 4, None);
        assert!(s.suppressed && s.median_days.is_none() && s.n.is_none());
    }
}
