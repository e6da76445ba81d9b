//! What the use cases hand out: plain, serialisable views (also the JSON API's
//! schemas). Views of a case exist only after the policy allowed the read.

use safepath_domain::case::{CaseStatus, ExploitationForm};
use safepath_domain::org::{OrgType, Role};
use safepath_domain::person::Person;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    pub id: Uuid,
    /// Human-friendly reference; carries no personal data.
    pub reference: String,
    pub status: CaseStatus,
    pub org_id: Uuid,
    pub case_manager_id: Option<Uuid>,
    pub associated_user_ids: Vec<Uuid>,
    pub exploitation_forms: Vec<ExploitationForm>,
    pub notes: Option<String>,
    pub person: Person,
    pub created_at: String,
    pub updated_at: String,
    /// Send back in a PATCH to refuse a lost update.
    pub version: i64,
    /// Present when the case is seen through an accepted referral: the only
    /// data categories shared (the rest is withheld).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_categories: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonSummary {
    pub display_name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: Uuid,
    pub reference: String,
    pub status: CaseStatus,
    pub org_id: Uuid,
    pub case_manager_id: Option<Uuid>,
    pub display_name: String,
    pub person: PersonSummary,
    pub exploitation_forms: Vec<ExploitationForm>,
    pub updated_at: String,
    /// The nearest due date (`YYYY-MM-DD`) of the case's open decisions and
    /// tasks; absent when none is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_deadline: Option<String>,
    // --- de-duplication run ---
    /// The reference of the case this one was merged into (a duplicate
    /// record of the same person; both histories are kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseSummary>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

/// `POST /api/v1/cases`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub person: Person,
    #[serde(default)]
    pub exploitation_forms: Vec<ExploitationForm>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Defaults to `referred`.
    #[serde(default)]
    pub status: Option<CaseStatus>,
    /// Defaults to the creating user when they are a case manager.
    #[serde(default)]
    pub case_manager_id: Option<Uuid>,
}

/// `PATCH /api/v1/cases/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    /// Checked against the case lifecycle (no stage is skipped); see also
    /// `POST /api/v1/cases/{id}/transitions`.
    #[serde(default)]
    pub status: Option<CaseStatus>,
    /// Why the status changes; required for closing, re-opening, a negative
    /// decision, a reconsideration or a re-plan.
    #[serde(default)]
    pub status_reason: Option<String>,
    #[serde(default)]
    pub exploitation_forms: Option<Vec<ExploitationForm>>,
    /// An empty string clears the notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Replaces the person's details as a whole.
    #[serde(default)]
    pub person: Option<Person>,
    #[serde(default)]
    pub case_manager_id: Option<Uuid>,
    #[serde(default)]
    pub associated_user_ids: Option<Vec<Uuid>>,
    /// When given, the update is refused if the case changed since.
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgView {
    pub id: Uuid,
    pub name: String,
    #[serde(rename = "type")]
    pub org_type: OrgType,
    pub country: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeView {
    pub id: Uuid,
    pub username: String,
    pub full_name: String,
    pub org_id: Uuid,
    pub role: Role,
    pub language: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: String,
    /// A user id, `system` or `cli:…`.
    pub actor: String,
    /// Who that is, for people: "Full Name (Organisation)", "SafePath
    /// (scheduled)" or "Command line".
    pub actor_name: String,
    pub action: String,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationView {
    /// For `POST /api/v1/notifications/{id}/read`.
    pub id: String,
    pub kind: String,
    pub case_id: Option<Uuid>,
    pub message: String,
    pub at: String,
    /// Marked read (on the notifications page, or `POST /api/v1/notifications/read`).
    pub read: bool,
    /// What it is about (referral, approval, task, decision, case,
    /// case_audit, tracing_request, tracing_match, permit or hearing record);
    /// absent on notifications written before this was kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    /// The words' parameters (case reference, state, service code,
    /// organisation name), for saying it in the reader's language.
    #[schema(value_type = Object)]
    pub params: serde_json::Map<String, serde_json::Value>,
}
