//! The consent ledger and referrals: the only road for a case across
//! organisations. Its own trait, a supertrait of [`crate::Store`],
//! implemented for both backends by one body of SQL (`sql_referrals.rs`).

use async_trait::async_trait;
use safepath_domain::ids::{CaseId, OrgId};

use crate::*;

#[async_trait]
pub trait ReferralStore {
    // --- consent ledger and referrals ---
    async fn insert_consent(&self, row: &LedgerRow, audit: &AuditDraft) -> Result<()>;
    async fn consent(&self, id: &str) -> Result<Option<LedgerRow>>;
    async fn consents_for_case(&self, case: CaseId) -> Result<Vec<LedgerRow>>;
    /// The consents of several cases of one `purpose` in one read (tracing
    /// checks every candidate's), each case's in ledger order.
    async fn consents_for_cases(&self, cases: &[CaseId], purpose: &str) -> Result<Vec<LedgerRow>>;
    /// Replaces a consent (withdrawal) and the referrals it ends, atomically.
    async fn update_consent(
        &self,
        consent: &LedgerRow,
        ended_referrals: &[LedgerRow],
        audit: &AuditDraft,
    ) -> Result<()>;
    async fn insert_referral(&self, row: &LedgerRow, audit: &AuditDraft) -> Result<()>;
    /// A referral's routing (ids, organisations, state) for the access
    /// decision; its sealed record is opened only after [`Store::read_referral`].
    async fn referral(&self, id: &str) -> Result<Option<LedgerRow>>;
    /// Reads a referral and appends the audit entry in one transaction.
    async fn read_referral(&self, id: &str, audit: &AuditDraft) -> Result<Option<LedgerRow>>;
    async fn referrals_for_case(&self, case: CaseId) -> Result<Vec<LedgerRow>>;
    /// Referrals to (`inbox`) or from an organisation, newest first.
    async fn referrals_for_org(&self, org: OrgId, inbox: bool) -> Result<Vec<LedgerRow>>;
    /// Moves a referral from `expected_state` to its new state; refused with
    /// `VersionMismatch` if someone else moved it first.
    async fn update_referral(
        &self,
        row: &LedgerRow,
        expected_state: &str,
        audit: &AuditDraft,
    ) -> Result<()>;
}
