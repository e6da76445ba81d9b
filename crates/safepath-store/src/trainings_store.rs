//! Storage for staff trainings (migration 0025): staff records, no victim's
//! data. Written with their audit entry in one transaction.

use async_trait::async_trait;
use safepath_domain::ids::{OrgId, UserId};

use crate::{AuditDraft, Result};

/// A recorded training, with its attendees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingRow {
    pub id: String,
    pub org_id: OrgId,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    /// `safepath_domain::training::TrainingTopic`.
    pub topic: String,
    pub note: Option<String>,
    pub recorded_by: UserId,
    pub created_at: i64,
    pub attendees: Vec<UserId>,
}

/// One attendance, for statistics: when, on what, and the attendee's role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRow {
    pub held_on: String,
    pub topic: String,
    pub user_id: UserId,
    pub role: String,
}

#[async_trait]
pub trait TrainingStore: Send + Sync {
    /// Records a training and its attendees, with the audit entry.
    async fn add_training(&self, row: &TrainingRow, audit: &AuditDraft) -> Result<()>;
    /// An organisation's trainings, newest first, with their attendees.
    async fn trainings(&self, org: OrgId) -> Result<Vec<TrainingRow>>;
    /// Every attendance (of one organisation's trainings, or of all).
    async fn attendances(&self, org: Option<OrgId>) -> Result<Vec<AttendanceRow>>;
}
