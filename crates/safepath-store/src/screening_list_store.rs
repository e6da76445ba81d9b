//! A responder's list of screenings (issue 10): the columns a list needs,
//! never the sealed record (answers and notes stay in the screening, opened
//! one at a time under its own audit entry). Its own trait, a supertrait of
//! [`crate::Store`], implemented for both backends by one body of SQL
//! (`sql_screening_list.rs`).

use async_trait::async_trait;
use safepath_domain::ids::{CaseId, OrgId, UserId};

use crate::{AuditDraft, Result};

/// Whose screenings a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreeningsOf {
    /// Those one user carried out.
    User(UserId),
    /// Every screening of one organisation (its coordinators' view).
    Org(OrgId),
}

/// One screening in a list: no answers, no notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningListRow {
    pub id: String,
    pub org_id: OrgId,
    pub screened_by: UserId,
    pub created_at: i64,
    pub form: String,
    pub population: String,
    pub outcome: String,
    pub case_id: Option<CaseId>,
}

#[async_trait]
pub trait ScreeningListStore {
    /// The newest `limit` screenings of `of`, newest first, and whether
    /// there were more (a cut list says so). `audit` is appended, with the
    /// ids returned in its detail, before the rows are handed back.
    async fn list_screenings(
        &self,
        of: ScreeningsOf,
        limit: u32,
        audit: AuditDraft,
    ) -> Result<(Vec<ScreeningListRow>, bool)>;

    /// The screening a case was referred from, if any (its id: the caller
    /// opens it, if at all, under its own audit entry).
    async fn screening_of_case(&self, case: CaseId) -> Result<Option<String>>;
}
