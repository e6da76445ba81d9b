//! Identification: referral focal points, screenings and the two-stage
//! decisions. Its own trait, a supertrait of [`crate::Store`], implemented
//! for both backends by one body of SQL (`sql_identification.rs`). Legal
//! statuses change only through a recorded decision (the app's rule).

use async_trait::async_trait;
use safepath_domain::ids::{CaseId, OrgId, UserId};

use crate::*;

#[async_trait]
pub trait IdentificationStore {
    // --- identification ---
    async fn set_focal_point(&self, org: OrgId, user: UserId, audit: &AuditDraft) -> Result<()>;
    async fn focal_point(&self, org: OrgId) -> Result<Option<UserId>>;
    async fn insert_screening(&self, s: &ScreeningRow, audit: &AuditDraft) -> Result<()>;
    /// A stored screening (sealed); the caller audits before opening it.
    async fn screening(&self, id: &str) -> Result<Option<ScreeningRow>>;
    async fn decisions_for_case(&self, id: CaseId) -> Result<Vec<DecisionRow>>;
    /// A case's decisions for someone who will open their sealed reasons:
    /// appends `audit` in the same transaction.
    async fn read_decisions(&self, id: CaseId, audit: &AuditDraft) -> Result<Vec<DecisionRow>>;
    async fn insert_decision(&self, d: &DecisionRow, audit: &AuditDraft) -> Result<()>;
    /// Records a decision, opens the next stage and moves the case, atomically;
    /// refused with `VersionMismatch` when the case or decision changed meanwhile.
    async fn change_decision(&self, change: &DecisionChange, audit: &AuditDraft) -> Result<()>;
    /// Undecided decisions on cases under `visibility`, earliest due first;
    /// with `due_before`, only those due before that ISO date (overdue).
    async fn open_decisions(
        &self,
        visibility: Visibility,
        due_before: Option<&str>,
    ) -> Result<Vec<OpenDecision>>;
}
