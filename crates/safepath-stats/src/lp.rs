//! The attacker's linear program: how far can a sum of unknown counts move
//! while every released equation holds?

use crate::{Result, StatsError};
use microlp::{ComparisonOp, OptimizationDirection, Problem};

/// `lo <= sum of vars <= hi` (`lo == hi` for an exact count).
#[derive(Debug, Clone)]
pub(crate) struct Equation {
    pub vars: Vec<usize>,
    pub lo: f64,
    pub hi: f64,
}

/// The least and greatest value of the sum of `target` over non-negative
/// reals meeting every equation (`hi` is infinite when nothing bounds it).
pub(crate) fn range(n_vars: usize, equations: &[Equation], target: &[usize]) -> Result<(f64, f64)> {
    let mut lo = 0.0;
    let mut hi = f64::INFINITY;
    for dir in [
        OptimizationDirection::Minimize,
        OptimizationDirection::Maximize,
    ] {
        let mut problem = Problem::new(dir);
        let mut coef = vec![0.0; n_vars];
        for &t in target {
            if let Some(c) = coef.get_mut(t) {
                *c = 1.0;
            }
        }
        let vars: Vec<_> = coef
            .iter()
            .map(|&c| problem.add_var(c, (0.0, f64::INFINITY)))
            .collect();
        for eq in equations {
            let terms: Vec<_> = eq
                .vars
                .iter()
                .filter_map(|&v| vars.get(v).map(|&var| (var, 1.0)))
                .collect();
            if (eq.hi - eq.lo).abs() < f64::EPSILON {
                problem.add_constraint(&terms, ComparisonOp::Eq, eq.lo);
            } else {
                problem.add_constraint(&terms, ComparisonOp::Ge, eq.lo);
                problem.add_constraint(&terms, ComparisonOp::Le, eq.hi);
            }
        }
        match problem.solve() {
            Ok(outcome) => {
                let solution = outcome.into_solution().map_err(|_| StatsError::Audit)?;
                match dir {
                    OptimizationDirection::Minimize => lo = solution.objective(),
                    OptimizationDirection::Maximize => hi = solution.objective(),
                }
            }
            Err(microlp::Error::Unbounded) => hi = f64::INFINITY,
            Err(_) => return Err(StatsError::Audit),
        }
    }
    Ok((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_cells_and_their_total() {
        // x0 + x1 = 13, x0 + x2 = 20: x0 in [0, 13].
        let eqs = vec![
            Equation {
                vars: vec![0, 1],
                lo: 13.0,
                hi: 13.0,
            },
            Equation {
                vars: vec![0, 2],
                lo: 20.0,
                hi: 20.0,
            },
        ];
        let (lo, hi) = range(3, &eqs, &[0]).unwrap_or((f64::NAN, f64::NAN));
        assert!(lo.abs() < 1e-6 && (hi - 13.0).abs() < 1e-6, "{lo} {hi}");
        // x1 - x2 is pinned: x1 = 13 - x0, x2 = 20 - x0; x3 is free.
        let (lo, hi) = range(4, &eqs, &[3]).unwrap_or((f64::NAN, f64::NAN));
        assert!(lo.abs() < 1e-6 && hi.is_infinite());
    }
}
