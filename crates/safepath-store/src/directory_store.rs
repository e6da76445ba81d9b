//! The service directory, confidential shelters and shelter stays: its own
//! trait, a supertrait of [`crate::Store`], implemented for both backends by
//! one body of SQL (`sql_directory.rs`). A shelter's location is read only
//! through `read_shelter_location`, with its audit entry.

use async_trait::async_trait;
use safepath_domain::ids::{CaseId, OrgId};

use crate::*;

#[async_trait]
pub trait DirectoryStore {
    async fn insert_service(&self, row: &ServiceRow, audit: &AuditDraft) -> Result<()>;
    /// Replaces a service if `row.version - 1` is the stored version.
    async fn update_service(&self, row: &ServiceRow, audit: &AuditDraft) -> Result<()>;
    async fn service(&self, id: &str) -> Result<Option<ServiceRow>>;
    /// Services of one organisation, or of all, by organisation then name.
    async fn services(&self, org: Option<OrgId>) -> Result<Vec<ServiceRow>>;
    /// `row.location` must be set.
    async fn insert_shelter(&self, row: &ShelterRow, audit: &AuditDraft) -> Result<()>;
    /// A shelter with its occupancy, without its location.
    async fn shelter(&self, id: &str) -> Result<Option<ShelterRow>>;
    /// Shelters (of one organisation, or all) with occupancy, without locations.
    async fn shelters(&self, org: Option<OrgId>) -> Result<Vec<ShelterRow>>;
    /// The sealed location, appending `audit` in the same transaction.
    async fn read_shelter_location(
        &self,
        id: &str,
        audit: &AuditDraft,
    ) -> Result<Option<safepath_crypto::Sealed>>;
    /// Admits a person: refused (nothing written) when the shelter is full or
    /// the person already has a current stay; checked in the transaction.
    async fn insert_stay(&self, row: &StayRow, audit: &AuditDraft) -> Result<Admission>;
    async fn stay(&self, id: &str) -> Result<Option<StayRow>>;
    async fn stays_for_case(&self, case: CaseId) -> Result<Vec<StayRow>>;
    /// Records the end of a current stay; `VersionMismatch` if it had ended.
    async fn end_stay(&self, id: &str, left_on: &str, audit: &AuditDraft) -> Result<()>;
    /// Stays of the cases an organisation owns, current first, with their
    /// case reference and shelter; the audit entry lists the stay ids.
    async fn stays_of_org_cases(&self, org: OrgId, audit: &AuditDraft) -> Result<Vec<OrgStay>>;
    /// The current stays of one shelter (its residents), longest first,
    /// with each case's reference and owning organisation; the audit entry
    /// lists the stay ids. Bounded by the shelter's beds, so never cut.
    async fn shelter_residents(
        &self,
        shelter: &str,
        audit: &AuditDraft,
    ) -> Result<Vec<ShelterResidentRow>>;
}

/// A current stay of a shelter, with what its staff's list needs (no
/// personal data: the case's reference and its organisation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShelterResidentRow {
    pub stay: StayRow,
    pub reference: String,
    pub case_org: OrgId,
}
