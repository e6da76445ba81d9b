//! Differentially private synthetic microdata for public release (issue 13:
//! "and differentially private synthetic data", as CTDC publishes with
//! Synthetic Data Showcase). Analysts and administrators only, over every
//! organisation; each release spends (ε, δ) from the same `persons` budget
//! as the noisy public tables — one person's data, one budget — and is
//! refused beyond it, spending nothing (D-ST2).

use safepath_stats::synth::{self, SynthParams, Synthetic};
use safepath_stats::{PersonFact, dp};
use safepath_store::{AuditDraft, DpBudgetRow};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{App, AppError, ErrorKind, Principal};

/// The dataset whose budget every public release of persons spends.
pub const DATASET: &str = "persons";
/// The most ε all public releases of persons may spend together.
pub const DATASET_EPSILON: f64 = 5.0;
/// The most δ they may spend together (the noisy tables spend none).
pub const DATASET_DELTA: f64 = 1e-5;
/// The most ε one synthetic release may spend: Synthetic Data Showcase's
/// default, at which its utility was measured (bench/stats).
pub const SYNTHETIC_MAX_EPSILON: f64 = 4.0;
/// δ of a synthetic release: far below 1 / the number of persons.
pub const SYNTHETIC_DELTA: f64 = 1e-6;

/// The columns of a synthetic record (CTDC-shaped).
pub const COLUMNS: [&str; 7] = [
    "sex",
    "age_band",
    "nationality",
    "form",
    "year",
    "status",
    "region",
];

/// Held from reading what was spent to recording the new spending, so that
/// two releases at once cannot both pass the check (one process per data
/// folder: the folder's lock).
pub(crate) static BUDGET: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What an analyst asks for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyntheticRequest {
    /// ε of this release: more than 0, at most 4, and within what is left of
    /// the dataset's budget of 5.
    pub epsilon: f64,
}

/// The persons dataset's privacy budget as spent so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetView {
    /// Public releases made (noisy tables and synthetic records).
    pub releases: usize,
    pub spent_epsilon: f64,
    pub spent_delta: f64,
    pub total_epsilon: f64,
    pub total_delta: f64,
    /// The most ε a synthetic release may spend now.
    pub max_synthetic_epsilon: f64,
}

fn record(p: &PersonFact) -> [String; 7] {
    [
        p.sex.clone(),
        p.age_band.as_str().to_string(),
        p.nationality().to_string(),
        p.form().to_string(),
        p.year.to_string(),
        p.status.clone(),
        p.region.clone(),
    ]
}

impl App {
    /// What every release has spent on `dataset`, from the store's ledger.
    pub(crate) async fn dp_ledger(&self, dataset: &str) -> Result<dp::BudgetLedger, AppError> {
        Ok(dp::BudgetLedger {
            entries: self
                .store
                .dp_budget(dataset)
                .await?
                .into_iter()
                .map(|r| dp::BudgetEntry {
                    dataset: r.dataset,
                    release: r.release_name,
                    epsilon: r.epsilon,
                    delta: r.delta,
                })
                .collect(),
        })
    }

    /// What the public releases of persons have spent of the dataset's
    /// budget (analysts and administrators, who make them).
    pub async fn privacy_budget(&self, who: &Principal) -> Result<BudgetView, AppError> {
        if self.stats_scope(who)?.is_some() {
            return Err(AppError::forbidden(
                "public releases are made by analysts for all organisations",
            ));
        }
        let ledger = self.dp_ledger(DATASET).await?;
        let (epsilon, delta) = ledger.spent(DATASET);
        Ok(BudgetView {
            releases: ledger.entries.len(),
            spent_epsilon: epsilon,
            spent_delta: delta,
            total_epsilon: DATASET_EPSILON,
            total_delta: DATASET_DELTA,
            max_synthetic_epsilon: SYNTHETIC_MAX_EPSILON
                .min(DATASET_EPSILON - epsilon)
                .max(0.0),
        })
    }

    /// Synthetic records of every person, with (ε, 1e-6)-differential
    /// privacy, recorded in the budget ledger with its audit entry.
    pub async fn stats_synthetic(
        &self,
        who: &Principal,
        req: &SyntheticRequest,
    ) -> Result<Synthetic, AppError> {
        if self.stats_scope(who)?.is_some() {
            return Err(AppError::forbidden(
                "public releases are made by analysts for all organisations",
            ));
        }
        let epsilon = req.epsilon;
        if !epsilon.is_finite() || epsilon <= 0.0 || epsilon > SYNTHETIC_MAX_EPSILON {
            return Err(AppError::bad_request(
                "invalid_field",
                format!("epsilon: more than 0 and at most {SYNTHETIC_MAX_EPSILON}"),
            ));
        }
        let _spending = BUDGET.lock().await;
        let ledger = self.dp_ledger(DATASET).await?;
        let budget = dp::Budget {
            per_release_epsilon: SYNTHETIC_MAX_EPSILON,
            per_dataset_epsilon: DATASET_EPSILON,
            per_dataset_delta: DATASET_DELTA,
        };
        budget
            .admits(&ledger, DATASET, epsilon, SYNTHETIC_DELTA)
            .map_err(|e| {
                AppError::new(
                    ErrorKind::Conflict,
                    "privacy_budget_exceeded",
                    format!("{e}; nothing was released or spent"),
                )
            })?;
        let facts = self.person_facts(who, None, "synthetic").await?;
        let rows: Vec<[String; 7]> = facts.iter().map(record).collect();
        let params = SynthParams {
            epsilon,
            delta: SYNTHETIC_DELTA,
            ..SynthParams::default()
        };
        // Seconds of CPU for 100,000 persons: off the async workers.
        let synthetic =
            tokio::task::spawn_blocking(move || synth::synthesise(&COLUMNS, &rows, &params))
                .await
                .map_err(|_| AppError::internal("synthesis task"))?
                .map_err(|e| AppError::bad_request(e.code(), e.to_string()))?;
        // Nothing survived the noise: an empty file is no release, and
        // spends nothing.
        if synthetic.rows.is_empty() {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "synthetic_release_empty",
                "too few persons for any combination to survive the noise at this ε: nothing was released or spent",
            ));
        }
        let id = Uuid::new_v4().to_string();
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "stats.dp_synthetic")
            .record("dp_release", &id)
            .detail(format!(
                "dataset={DATASET} epsilon={} delta={} records={}",
                synthetic.epsilon,
                synthetic.delta,
                synthetic.rows.len()
            ));
        self.store
            .insert_dp_budget(
                &DpBudgetRow {
                    id: id.clone(),
                    dataset: DATASET.to_string(),
                    release_name: id,
                    user_id: who.id(),
                    epsilon: synthetic.epsilon,
                    delta: synthetic.delta,
                    created_at: self.now_ms(),
                },
                &audit,
            )
            .await?;
        Ok(synthetic)
    }
}
