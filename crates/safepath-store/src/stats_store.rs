//! Storage for statistics: the non-identifying columns of persons for
//! counting (one row per person: cases merged into another are left out), the
//! aggregates of the protection checklist, the ledger of tables released to
//! each user and the privacy-budget ledger. Implemented for both backends by
//! one body of SQL (`sql_stats.rs`).

use async_trait::async_trait;
use safepath_crypto::Sealed;
use safepath_domain::ids::{CaseId, OrgId, UserId};

use crate::{AuditDraft, Result};

/// What statistics read of one person: no names, contact or notes; the birth
/// date stays sealed (the app opens it for the age band only).
#[derive(Debug, Clone, PartialEq)]
pub struct StatsPersonRow {
    pub case_id: CaseId,
    pub person_id: String,
    pub org_id: OrgId,
    /// The organisation's country, used as its region.
    pub region: String,
    pub status: String,
    /// JSON array of forms, as stored on the case.
    pub exploitation_forms: String,
    pub created_at: i64,
    pub sex: String,
    pub gender_identity: String,
    /// JSON array of ISO codes, as stored on the person.
    pub nationalities: String,
    pub birth_date: Option<Sealed>,
    pub rg_decided_at: Option<i64>,
    pub conclusive_decided_at: Option<i64>,
    pub conclusive_outcome: Option<String>,
}

/// A shelter stay without the person or the shelter's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsStayRow {
    pub org_id: OrgId,
    pub shelter_type: String,
    pub regime: String,
    pub admitted_on: String,
    pub left_on: Option<String>,
    pub free_to_leave: bool,
}

/// Aggregates that are not about one person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsAggregates {
    pub orgs: i64,
    pub orgs_with_focal_point: i64,
    /// (shelter type, beds).
    pub shelter_beds: Vec<(String, i64)>,
    /// (created at, outcome) of every screening.
    pub screenings: Vec<(i64, String)>,
    /// (decided at, due on `YYYY-MM-DD`) of every conclusive decision taken.
    pub conclusive: Vec<(i64, String)>,
    /// Per presumed victim (a person: merged secondaries left out): when the
    /// first positive reasonable-grounds decision was taken, and when the
    /// needs assessment first recorded a physical-health need, if it has.
    pub presumed: Vec<(i64, Option<i64>)>,
}

/// One table released to a user (JSON with no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsReleaseRow {
    pub id: String,
    pub user_id: UserId,
    pub table_name: String,
    pub release: String,
    pub created_at: i64,
}

/// One spending of privacy budget.
#[derive(Debug, Clone, PartialEq)]
pub struct DpBudgetRow {
    pub id: String,
    pub dataset: String,
    pub release_name: String,
    pub user_id: UserId,
    pub epsilon: f64,
    pub delta: f64,
    pub created_at: i64,
}

#[async_trait]
pub trait StatsStore: Send + Sync {
    /// One row per person (cases that are secondaries of a merge left out),
    /// of one organisation or all; appends `audit` in the same transaction.
    async fn stats_persons(
        &self,
        org: Option<OrgId>,
        audit: &AuditDraft,
    ) -> Result<Vec<StatsPersonRow>>;
    /// Shelter stays (of one organisation's cases, or all), merged cases' stays
    /// left out.
    async fn stats_stays(&self, org: Option<OrgId>) -> Result<Vec<StatsStayRow>>;
    async fn stats_aggregates(&self, org: Option<OrgId>) -> Result<StatsAggregates>;
    /// Records a release and its audit entry, atomically.
    async fn insert_stats_release(&self, row: &StatsReleaseRow, audit: &AuditDraft) -> Result<()>;
    /// A user's latest releases, oldest first.
    async fn stats_releases(&self, user: UserId, limit: i64) -> Result<Vec<StatsReleaseRow>>;
    /// Every spending on a dataset.
    async fn dp_budget(&self, dataset: &str) -> Result<Vec<DpBudgetRow>>;
    /// Records a spending and its audit entry, atomically.
    async fn insert_dp_budget(&self, row: &DpBudgetRow, audit: &AuditDraft) -> Result<()>;
    /// Demo data only: sets when cases were registered (so the synthetic
    /// demo shows trends over years), with its audit entry, atomically.
    async fn demo_backdate_cases(&self, dates: &[(CaseId, i64)], audit: &AuditDraft) -> Result<()>;
}
