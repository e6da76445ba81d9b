//! Differentially private counts for public releases, with a privacy-budget
//! ledger.
//!
//! The noise is OpenDP's discrete Laplace mechanism (`make_laplace` over a
//! vector of integer counts, L1 distance), whose privacy map gives the ε that
//! is printed on the release (δ = 0: pure DP). One person is in one cell
//! (tables are additive), so adding or removing a person moves the vector of
//! counts by 1 in L1. The cells are the full cross product of **public**
//! category lists passed by the caller, never the categories found in the
//! data (that a category appears would itself say that someone is in it).
//!
//! The ledger holds every release's (ε, δ) per dataset; a release asking more
//! than the per-release limit or more than what is left of the dataset's
//! budget is refused and changes nothing.

use crate::table::{Dim, TableSpec};
use crate::{PersonFact, Result, StatsError};
use opendp::domains::{AtomDomain, VectorDomain};
use opendp::measurements::make_laplace;
use opendp::measures::MaxDivergence;
use opendp::metrics::L1Distance;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Limits of privacy loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// The most one release may spend.
    pub per_release_epsilon: f64,
    /// The most all releases of one dataset may spend together.
    pub per_dataset_epsilon: f64,
    pub per_dataset_delta: f64,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            per_release_epsilon: 1.0,
            per_dataset_epsilon: 5.0,
            per_dataset_delta: 0.0,
        }
    }
}

impl Budget {
    /// Whether a release of (`epsilon`, `delta`) fits: at most the per-release
    /// ε, and with what the ledger already spent on `dataset`, within its ε
    /// and δ (basic composition). Refused: `BudgetExceeded`, nothing spent.
    pub fn admits(
        &self,
        ledger: &BudgetLedger,
        dataset: &str,
        epsilon: f64,
        delta: f64,
    ) -> Result<()> {
        let (spent_e, spent_d) = ledger.spent(dataset);
        let left = self.per_dataset_epsilon - spent_e;
        if epsilon > self.per_release_epsilon + 1e-12 || epsilon > left + 1e-12 {
            return Err(StatsError::BudgetExceeded {
                dataset: dataset.to_string(),
                asked_epsilon: epsilon,
                left_epsilon: left.min(self.per_release_epsilon).max(0.0),
            });
        }
        if spent_d + delta > self.per_dataset_delta * (1.0 + 1e-9) {
            return Err(StatsError::BudgetExceeded {
                dataset: dataset.to_string(),
                asked_epsilon: epsilon,
                left_epsilon: 0.0,
            });
        }
        Ok(())
    }
}

/// One spending of privacy budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetEntry {
    pub dataset: String,
    pub release: String,
    pub epsilon: f64,
    pub delta: f64,
}

/// Everything spent so far (passed in and returned; SafePath stores it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BudgetLedger {
    pub entries: Vec<BudgetEntry>,
}

impl BudgetLedger {
    /// (ε, δ) spent on a dataset (basic composition: sums).
    pub fn spent(&self, dataset: &str) -> (f64, f64) {
        self.entries
            .iter()
            .filter(|e| e.dataset == dataset)
            .fold((0.0, 0.0), |(e, d), x| (e + x.epsilon, d + x.delta))
    }
}

/// A noisy cell: never negative (post-processing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DpCell {
    pub key: Vec<String>,
    pub count: u64,
}

/// A differentially private table, with its privacy loss printed on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DpRelease {
    pub dataset: String,
    pub release: String,
    pub by: Vec<Dim>,
    pub cells: Vec<DpCell>,
    pub epsilon: f64,
    pub delta: f64,
    pub mechanism: String,
    /// "ε = …, δ = …" as printed on the release.
    pub statement: String,
}

fn opendp_err(_: opendp::error::Error) -> StatsError {
    StatsError::invalid("dp_failed", "the noise could not be drawn")
}

/// What to release with noise.
#[derive(Debug, Clone, Copy)]
pub struct DpRequest<'a> {
    pub spec: &'a TableSpec,
    /// One public list of categories per dimension of `spec.by`.
    pub categories: &'a [Vec<String>],
    pub epsilon: f64,
    pub dataset: &'a str,
    pub release: &'a str,
}

/// Releases persons under `spec` by its dimensions, over the cross product of
/// `categories` (one public list per dimension; other values count as
/// `other`), with discrete Laplace noise for `epsilon`, spending it from
/// `dataset`'s budget in `ledger`.
pub fn noisy_table(
    facts: &[PersonFact],
    req: &DpRequest<'_>,
    budget: Budget,
    ledger: BudgetLedger,
) -> Result<(DpRelease, BudgetLedger)> {
    let DpRequest {
        spec,
        categories,
        epsilon,
        dataset,
        release,
    } = *req;
    if !(epsilon.is_finite() && epsilon > 0.0) {
        return Err(StatsError::invalid(
            "invalid_epsilon",
            "epsilon must be a positive number",
        ));
    }
    if categories.len() != spec.by.len() || categories.iter().any(Vec::is_empty) {
        return Err(StatsError::invalid(
            "invalid_categories",
            "one non-empty list of categories per dimension",
        ));
    }
    budget.admits(&ledger, dataset, epsilon, 0.0)?;
    let left = budget.per_dataset_epsilon - ledger.spent(dataset).0;
    // The cross product of the public categories, plus `other` per dimension.
    let mut keys: Vec<Vec<String>> = vec![Vec::new()];
    for cats in categories {
        let mut with_other = cats.clone();
        if !with_other.iter().any(|c| c == "other") {
            with_other.push("other".to_string());
        }
        keys = keys
            .into_iter()
            .flat_map(|k| {
                with_other.iter().map(move |c| {
                    let mut k2 = k.clone();
                    k2.push(c.clone());
                    k2
                })
            })
            .collect();
    }
    let index: HashMap<&Vec<String>, usize> =
        keys.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let mut counts = vec![0i64; keys.len()];
    for f in facts.iter().filter(|f| spec.filter.matches(f)) {
        let key: Vec<String> = spec
            .by
            .iter()
            .zip(categories)
            .map(|(d, cats)| {
                let v = d.value(f);
                if cats.contains(&v) {
                    v
                } else {
                    "other".to_string()
                }
            })
            .collect();
        if let Some(c) = index.get(&key).and_then(|&i| counts.get_mut(i)) {
            *c += 1;
        }
    }
    let scale = 1.0 / epsilon;
    let m = make_laplace::<_, _, MaxDivergence>(
        VectorDomain::new(AtomDomain::<i64>::default()),
        L1Distance::<i64>::default(),
        scale,
        None,
    )
    .map_err(opendp_err)?;
    // The ε OpenDP's privacy map gives for one person's difference.
    let eps = m.map(&1).map_err(opendp_err)?;
    if eps > budget.per_release_epsilon + 1e-9 || eps > left + 1e-9 {
        return Err(StatsError::BudgetExceeded {
            dataset: dataset.to_string(),
            asked_epsilon: eps,
            left_epsilon: left.max(0.0),
        });
    }
    let noisy = m.invoke(&counts).map_err(opendp_err)?;
    let cells = keys
        .into_iter()
        .zip(noisy)
        .map(|(key, c)| DpCell {
            key,
            count: u64::try_from(c.max(0)).unwrap_or(0),
        })
        .collect();
    let mut ledger = ledger;
    ledger.entries.push(BudgetEntry {
        dataset: dataset.to_string(),
        release: release.to_string(),
        epsilon: eps,
        delta: 0.0,
    });
    Ok((
        DpRelease {
            dataset: dataset.to_string(),
            release: release.to_string(),
            by: spec.by.clone(),
            cells,
            epsilon: eps,
            delta: 0.0,
            mechanism: "discrete Laplace (OpenDP make_laplace), L1 sensitivity 1".to_string(),
            statement: format!("ε = {eps:.3}, δ = 0"),
        },
        ledger,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AgeBand;
    use crate::table::Filter;
    use proptest::prelude::*;

    fn facts(n: usize) -> Vec<PersonFact> {
        (0..n)
            .map(|i| PersonFact {
                sex: if i % 2 == 0 { "female" } else { "male" }.into(),
                gender_identity: "not_disclosed".into(),
                age_band: AgeBand::Age25To34,
                nationalities: vec!["ID".into()],
                forms: vec![],
                status: "identified".into(),
                year: 2024,
                month: 1,
                org: "o".into(),
                region: "r".into(),
                referred_day: 0,
                rg_decided_day: None,
                conclusive_decided_day: None,
                conclusive_positive: None,
            })
            .collect()
    }

    fn req<'a>(
        spec: &'a TableSpec,
        categories: &'a [Vec<String>],
        epsilon: f64,
        dataset: &'a str,
        release: &'a str,
    ) -> DpRequest<'a> {
        DpRequest {
            spec,
            categories,
            epsilon,
            dataset,
            release,
        }
    }

    fn sexes() -> Vec<Vec<String>> {
        vec![vec!["female".into(), "male".into()]]
    }

    #[test]
    fn the_budget_counts_epsilon_and_delta_of_every_release_of_a_dataset() {
        let budget = Budget {
            per_release_epsilon: 4.0,
            per_dataset_epsilon: 5.0,
            per_dataset_delta: 1e-5,
        };
        let entry = |epsilon: f64, delta: f64| BudgetEntry {
            dataset: "persons".into(),
            release: "r".into(),
            epsilon,
            delta,
        };
        let empty = BudgetLedger::default();
        assert!(budget.admits(&empty, "persons", 4.0, 1e-6).is_ok());
        assert!(
            budget.admits(&empty, "persons", 4.5, 0.0).is_err(),
            "per release"
        );
        let one = BudgetLedger {
            entries: vec![entry(4.0, 1e-6)],
        };
        assert!(budget.admits(&one, "persons", 1.0, 0.0).is_ok());
        assert!(
            budget.admits(&one, "persons", 1.5, 0.0).is_err(),
            "per dataset ε"
        );
        assert!(
            budget.admits(&one, "other", 4.0, 0.0).is_ok(),
            "another dataset"
        );
        let deltas = BudgetLedger {
            entries: vec![entry(0.0, 9.5e-6)],
        };
        assert!(budget.admits(&deltas, "persons", 0.5, 0.0).is_ok());
        assert!(
            budget.admits(&deltas, "persons", 0.5, 1e-6).is_err(),
            "per dataset δ"
        );
    }

    #[test]
    fn a_release_states_its_epsilon_and_spends_it() {
        let spec = TableSpec::new(vec![Dim::Sex], Filter::default());
        let (r, ledger) = noisy_table(
            &facts(1000),
            &req(&spec, &sexes(), 0.5, "persons", "r1"),
            Budget::default(),
            BudgetLedger::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.cells.len(), 3, "female, male, other");
        assert!((r.epsilon - 0.5).abs() < 1e-9, "{}", r.epsilon);
        assert!(r.statement.contains("ε = 0.500"));
        let female = r.cells.first().map(|c| c.count).unwrap_or(0);
        assert!((400..600).contains(&female), "noise of scale 2 around 500");
        assert!((ledger.spent("persons").0 - 0.5).abs() < 1e-9);
    }

    #[test]
    fn beyond_the_budget_is_refused() {
        let spec = TableSpec::new(vec![Dim::Sex], Filter::default());
        let budget = Budget {
            per_release_epsilon: 1.0,
            per_dataset_epsilon: 1.5,
            per_dataset_delta: 0.0,
        };
        let f = facts(50);
        let (_, ledger) = noisy_table(
            &f,
            &req(&spec, &sexes(), 1.0, "d", "a"),
            budget,
            BudgetLedger::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let err = noisy_table(
            &f,
            &req(&spec, &sexes(), 1.0, "d", "b"),
            budget,
            ledger.clone(),
        )
        .err();
        assert_eq!(err.map(|e| e.code()), Some("privacy_budget_exceeded"));
        let err = noisy_table(
            &f,
            &req(&spec, &sexes(), 2.0, "other", "c"),
            budget,
            ledger.clone(),
        )
        .err();
        assert_eq!(
            err.map(|e| e.code()),
            Some("privacy_budget_exceeded"),
            "per release"
        );
        let err = noisy_table(&f, &req(&spec, &sexes(), -1.0, "d", "c"), budget, ledger).err();
        assert_eq!(err.map(|e| e.code()), Some("invalid_epsilon"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn budgets_are_never_exceeded(asks in proptest::collection::vec(0.05f64..1.2, 1..20)) {
            let spec = TableSpec::new(vec![Dim::Sex], Filter::default());
            let budget = Budget::default();
            let f = facts(20);
            let mut ledger = BudgetLedger::default();
            for (i, eps) in asks.iter().enumerate() {
                match noisy_table(&f, &req(&spec, &sexes(), *eps, "d", &i.to_string()), budget, ledger.clone()) {
                    Ok((_, l)) => ledger = l,
                    Err(e) => prop_assert_eq!(e.code(), "privacy_budget_exceeded"),
                }
                prop_assert!(ledger.spent("d").0 <= budget.per_dataset_epsilon + 1e-9);
                prop_assert!(ledger.entries.iter().all(|e| e.epsilon <= budget.per_release_epsilon + 1e-9));
            }
        }
    }
}
