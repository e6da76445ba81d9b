//! Storage for the registry of agreements between countries (migration
//! 0018). No personal data: an agreement is a public instrument, kept as
//! JSON beside its title and parties. Its own trait (a supertrait of
//! [`crate::Store`]), implemented for both backends by one body of SQL
//! (`sql_agreements.rs`).

use async_trait::async_trait;

use crate::{AuditDraft, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementRow {
    pub id: String,
    pub title: String,
    /// `,MM,TH,`: the parties' codes, sorted, between commas.
    pub parties: String,
    /// `safepath_domain::solutions::agreements::Agreement` as JSON.
    pub record: String,
    pub created_by: String,
    pub created_at: i64,
}

#[async_trait]
pub trait AgreementStore {
    /// Adds an agreement, with its audit entry; the same title twice is a
    /// `Conflict`.
    async fn insert_agreement(&self, row: &AgreementRow, audit: &AuditDraft) -> Result<()>;
    /// Every agreement (a registry of tens), oldest first; with `party`,
    /// those naming that country.
    async fn agreements(&self, party: Option<&str>) -> Result<Vec<AgreementRow>>;
}
