//! Calibration: does a probability of 0.9 mean right 9 times in 10?
//!
//! Measured on labelled pairs (a probability and whether the pair is truly the same person)
//! as the expected calibration error over equal-width bins (Naeini, Cooper & Hauskrecht,
//! "Obtaining Well Calibrated Probabilities Using Bayesian Binning", AAAI 2015; Guo et al.,
//! "On Calibration of Modern Neural Networks", ICML 2017) and a reliability table
//! (DeGroot & Fienberg, "The Comparison and Evaluation of Forecasters", 1983): per bin, the
//! number of pairs, their mean probability and the share that are true matches.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One bin of a reliability table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower bound of the bin (inclusive).
    pub lo: f64,
    /// Upper bound of the bin (exclusive, except for the last bin, which includes 1).
    pub hi: f64,
    /// Pairs in the bin.
    pub count: usize,
    /// Mean predicted probability in the bin (0 when empty).
    pub mean_probability: f64,
    /// Share of true matches in the bin (0 when empty).
    pub observed: f64,
}

/// Expected calibration error and the reliability table it is computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Pairs measured.
    pub count: usize,
    /// True matches among them.
    pub matches: usize,
    /// Expected calibration error: Σ (n_b / N) · |mean probability_b − observed_b|.
    pub ece: f64,
    /// The largest gap of a bin holding at least 1 % of the pairs (or 20 pairs).
    pub max_gap: f64,
    /// The bins, lowest first.
    pub bins: Vec<ReliabilityBin>,
}

/// Measures calibration of `(probability, is_match)` pairs over `bins` equal-width bins
/// (10 is the usual choice). Probabilities outside [0, 1] are clamped; NaN counts as 0.
pub fn calibration(pairs: &[(f64, bool)], bins: usize) -> Calibration {
    let bins = bins.max(1);
    let mut n = vec![0usize; bins];
    let mut p_sum = vec![0.0f64; bins];
    let mut hits = vec![0usize; bins];
    for &(p, y) in pairs {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        let b = ((p * bins as f64) as usize).min(bins - 1);
        n[b] += 1;
        p_sum[b] += p;
        hits[b] += usize::from(y);
    }
    let total = pairs.len();
    let mut ece = 0.0;
    let mut max_gap: f64 = 0.0;
    let min_count = (total / 100).max(20);
    let table = (0..bins)
        .map(|b| {
            let (mean, obs) = if n[b] > 0 {
                (p_sum[b] / n[b] as f64, hits[b] as f64 / n[b] as f64)
            } else {
                (0.0, 0.0)
            };
            if total > 0 {
                ece += n[b] as f64 / total as f64 * (mean - obs).abs();
            }
            if n[b] >= min_count {
                max_gap = max_gap.max((mean - obs).abs());
            }
            ReliabilityBin {
                lo: b as f64 / bins as f64,
                hi: (b + 1) as f64 / bins as f64,
                count: n[b],
                mean_probability: mean,
                observed: obs,
            }
        })
        .collect();
    Calibration {
        count: total,
        matches: hits.iter().sum(),
        ece,
        max_gap,
        bins: table,
    }
}

impl Calibration {
    /// The expected calibration error over the bins from `lo` up only (e.g. 0.1: the pairs
    /// the model gave at least a one-in-ten chance, which a reader acts upon), weighted by
    /// their counts. Over all pairs the error is dominated by the many clear non-matches.
    pub fn ece_from(&self, lo: f64) -> f64 {
        let bins: Vec<&ReliabilityBin> = self.bins.iter().filter(|b| b.lo + 1e-12 >= lo).collect();
        let n: usize = bins.iter().map(|b| b.count).sum();
        if n == 0 {
            return 0.0;
        }
        bins.iter()
            .map(|b| b.count as f64 / n as f64 * (b.mean_probability - b.observed).abs())
            .sum()
    }
}

impl fmt::Display for Calibration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "calibration: {} pairs, {} true matches, expected calibration error {:.4} (largest gap of a well-filled bin {:.4})",
            self.count, self.matches, self.ece, self.max_gap
        )?;
        writeln!(
            f,
            "expected calibration error of the pairs at probability 0.1 or more: {:.4}",
            self.ece_from(0.1)
        )?;
        writeln!(
            f,
            "| probability | pairs | mean probability | observed share |"
        )?;
        write!(f, "|---|---|---|---|")?;
        for b in &self.bins {
            write!(
                f,
                "\n| {:.1}–{:.1} | {} | {:.4} | {:.4} |",
                b.lo, b.hi, b.count, b.mean_probability, b.observed
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfectly_calibrated_scores_have_zero_error() {
        // 10 pairs at 0.1 with one match, 10 at 0.9 with nine.
        let mut v = Vec::new();
        for k in 0..10 {
            v.push((0.1, k == 0));
            v.push((0.9, k != 0));
        }
        let c = calibration(&v, 10);
        assert!(c.ece < 1e-12, "{}", c.ece);
        assert_eq!(c.count, 20);
        assert_eq!(c.matches, 10);
        assert_eq!(c.bins.len(), 10);
        assert_eq!(c.bins[1].count, 10);
        assert_eq!(c.bins[9].count, 10);
    }

    #[test]
    fn overconfident_scores_have_the_gap_as_error() {
        // Everything said 0.99, half right: ECE = 0.49.
        let v: Vec<(f64, bool)> = (0..100).map(|k| (0.99, k % 2 == 0)).collect();
        let c = calibration(&v, 10);
        assert!((c.ece - 0.49).abs() < 1e-9, "{}", c.ece);
        assert!((c.max_gap - 0.49).abs() < 1e-9);
        assert!((c.bins[9].observed - 0.5).abs() < 1e-12);
        // 1.0 falls in the last bin, NaN and negatives in the first.
        let c = calibration(&[(1.0, true), (f64::NAN, false), (-1.0, false)], 10);
        assert_eq!(c.bins[9].count, 1);
        assert_eq!(c.bins[0].count, 2);
        assert!(c.ece < 1e-12);
        assert!(c.to_string().contains("| 0.9–1.0 | 1 |"));
        // From 0.1 up only the pair at 1.0 counts.
        assert!(c.ece_from(0.1) < 1e-12);
        let c = calibration(&[(0.05, false), (0.95, false)], 10);
        assert!((c.ece_from(0.1) - 0.95).abs() < 1e-9);
    }

    #[test]
    fn empty_input_is_zero() {
        let c = calibration(&[], 10);
        assert_eq!(c.count, 0);
        assert_eq!(c.ece, 0.0);
    }
}
