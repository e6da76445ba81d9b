//! Daily case work on top of the core: the lifecycle (every status change
//! checked by `safepath_domain::casework::lifecycle` and kept as a timeline),
//! assignment, supervisory approvals, the needs assessment, the care plan
//! (goals and tasks with due dates), periodic reviews, assessments that
//! repatriation needs, and the person's feedback on services.
//!
//! Every record is kept in `case_records`, its JSON sealed (reasons, comments
//! and the person's own words are personal data); the columns beside it hold
//! only what queues need (kind, state, due day, owner).
//!
//! One file per capability: `case_lifecycle` (status changes, assignment),
//! `case_approvals`, `care_plan` (needs, goals, tasks), `reviews` (reviews,
//! assessments, feedback), `timeline` (reading one case's work, also through
//! a referral), `work_lists` (my work, queues, due-task notices). This file
//! holds the records' shapes, the views and what they share (opening a
//! record with its case's capability, the case for a change).

mod care_plan;
mod case_approvals;
mod case_lifecycle;
mod reviews;
mod timeline;
mod work_lists;

use safepath_domain::DomainError;
use safepath_domain::access::{self, Action, CaseAccess, Relation};
use safepath_domain::case::CaseStatus;
use safepath_domain::casework::approvals::{
    self, Approval, ApprovalAction, ApprovalState, ApprovalSubject,
};
use safepath_domain::casework::ids::{ApprovalId, GoalId, NeedId, TaskId};
use safepath_domain::casework::lifecycle::{self, Transition, TransitionContext};
use safepath_domain::casework::needs::{
    self, Beneficiary, Goal, Need, NeedDomain, NeedStatus, Priority, Profile, ReviewFacts, SubArea,
    Task,
};
use safepath_domain::ids::{CaseId, OrgId, UserId};
use safepath_domain::org::Role;
use safepath_domain::person::Person;
use safepath_store::{AuditDraft, CaseRecordRow, CaseRow, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::Date;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::rfc3339;
use crate::sealing::Grant;
use crate::{App, AppError, ErrorKind, Principal};

/// Kinds of case records (the `kind` column).
pub mod kinds {
    pub const TRANSITION: &str = "transition";
    pub const ASSIGNMENT: &str = "assignment";
    pub const APPROVAL: &str = "approval";
    /// One action on an approval, kept for the timeline (approvals change
    /// state; their history must not).
    pub const APPROVAL_EVENT: &str = "approval_event";
    pub const NEED: &str = "need";
    pub const GOAL: &str = "goal";
    pub const TASK: &str = "task";
    pub const REVIEW: &str = "review";
    pub const ASSESSMENT: &str = "assessment";
    pub const FEEDBACK: &str = "feedback";
}

/// Task states: `open` until done or cancelled; `due_notified` once its
/// owner was told it is due (still open).
const TASK_OPEN: &[&str] = &["open", "due_notified"];

/// Refusal codes of this module.
pub mod codes {
    pub const UNKNOWN_RECORD: &str = "unknown_record";
    pub const TASK_CLOSED: &str = "task_closed";
    pub const INVALID_ASSIGNEE: &str = "invalid_assignee";
    pub const REVIEW_NOT_ALLOWED: &str = "review_not_allowed";
    pub const FEEDBACK_RATING: &str = "invalid_rating";
}

use crate::clock::iso_day as iso;

fn parse_day(field: &'static str, s: &str) -> Result<Date, AppError> {
    Ok(safepath_domain::person::parse_iso_date(field, s.trim())?)
}

/// A domain refusal as the API answers it: who may not → 403; the case or
/// record is not in a state that allows it → 409; the input is wrong → 400.
pub(crate) fn refusal(e: DomainError) -> AppError {
    use approvals::codes as a;
    use lifecycle::codes as l;
    let kind = match e.code {
        l::ROLE_NOT_ALLOWED | a::REQUEST_NOT_ALLOWED | a::DECISION_NOT_ALLOWED | a::OWN_REQUEST => {
            ErrorKind::Forbidden
        }
        l::STATUS_UNCHANGED
        | l::TRANSITION_NOT_ALLOWED
        | l::CLOSURE_APPROVAL_REQUIRED
        | l::SECURITY_ASSESSMENT_REQUIRED
        | l::INTERNATIONAL_PROTECTION_NEEDED
        | l::RETURN_UNSAFE
        | l::BEST_INTERESTS_DETERMINATION_REQUIRED
        | l::REINTEGRATION_ASSESSMENT_REQUIRED
        | l::SOLUTION_IS_RETURN
        | l::SOLUTION_NOT_RETURN
        | l::REASONABLE_GROUNDS_DECISION_REQUIRED
        | l::CONCLUSIVE_DECISION_REQUIRED
        | safepath_domain::justice::codes::RETURN_BLOCKED_REFLECTION
        | safepath_domain::justice::codes::RETURN_BLOCKED_PROTECTION
        | a::ALREADY_REQUESTED
        | a::NOT_REQUESTED
        | a::ALREADY_DECIDED => ErrorKind::Conflict,
        _ => ErrorKind::BadRequest,
    };
    AppError::new(kind, e.code, e.message)
}

/// A small closed vocabulary with serde names, `ALL`, `as_str` and `parse`.
macro_rules! vocabulary_like {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
    };
}

// ---------------------------------------------------------------- records

/// A status change as the timeline keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TransitionRecord {
    transition: Transition,
    /// The user who moved the case; the nil id when a partner deployment's
    /// message did (see `partner`).
    by: UserId,
    /// The partner deployment whose message moved the case (an arrival
    /// confirmed through the handover).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    partner: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct AssignmentRecord {
    from: Option<UserId>,
    to: UserId,
    note: Option<String>,
    by: UserId,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ApprovalEvent {
    subject: ApprovalSubject,
    state: ApprovalState,
    round: u16,
    comment: Option<String>,
    by: UserId,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ReviewRecord {
    reviewed_on: String,
    by: UserId,
    notes: String,
    /// What had changed since the previous review, as shown to the reviewer.
    changes: Vec<String>,
}

vocabulary_like! {
    /// Assessments a durable solution may need.
    AssessmentKind {
        SecurityAssessment => "security_assessment",
        BestInterestsDetermination => "best_interests_determination",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct AssessmentRecord {
    kind: AssessmentKind,
    summary: String,
    by: UserId,
    on: String,
}

vocabulary_like! {
    /// How a service helped, in the person's judgement.
    FeedbackRating {
        HelpedALot => "helped_a_lot",
        HelpedSomewhat => "helped_somewhat",
        DidNotHelp => "did_not_help",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct FeedbackRecord {
    provider_org: OrgId,
    service: String,
    rating: FeedbackRating,
    /// In the person's words and language.
    comment: Option<String>,
    language: String,
    by: UserId,
    on: String,
}

// ---------------------------------------------------------------- inputs

/// `POST /api/v1/cases/{id}/transitions`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub to: CaseStatus,
    /// Required for every departure from the usual path (closing, a negative
    /// decision, reconsideration, re-planning, re-opening).
    #[serde(default)]
    pub reason: Option<String>,
    /// When given, refused if the case changed since.
    #[serde(default)]
    pub version: Option<i64>,
}

/// `POST /api/v1/cases/{id}/assignment`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    pub case_manager_id: Uuid,
    /// Why, and what the new case manager needs to know (handover note).
    pub note: String,
}

/// `POST /api/v1/cases/{id}/approvals`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequest {
    /// needs_assessment, care_plan or closure.
    pub subject: ApprovalSubject,
}

/// `POST /api/v1/approvals/{id}/{approve|return|request}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalDecision {
    /// Required to return; optional to approve.
    #[serde(default)]
    pub comment: Option<String>,
}

/// `POST /api/v1/cases/{id}/needs`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNeed {
    pub domain: NeedDomain,
    #[serde(default)]
    pub sub_area: Option<SubArea>,
    #[serde(default = "person_beneficiary")]
    pub beneficiary: Beneficiary,
    pub priority: Priority,
    /// The person's own view, in their words.
    #[serde(default)]
    pub persons_view: String,
}

fn person_beneficiary() -> Beneficiary {
    Beneficiary::Person
}

/// `PATCH /api/v1/needs/{id}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedPatch {
    #[serde(default)]
    pub status: Option<NeedStatus>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub persons_view: Option<String>,
}

/// `POST /api/v1/cases/{id}/goals`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGoal {
    pub need_ids: Vec<Uuid>,
    pub description: String,
}

/// `POST /api/v1/cases/{id}/tasks`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    pub goal_id: Uuid,
    pub description: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// Defaults to the case manager.
    #[serde(default)]
    pub assigned_to: Option<Uuid>,
}

/// `POST /api/v1/tasks/{id}/{done|cancel}`: no body needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskAction {
    Done,
    Cancel,
}

/// `POST /api/v1/cases/{id}/reviews`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    pub notes: String,
}

/// `POST /api/v1/cases/{id}/assessments`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssessment {
    pub kind: AssessmentKind,
    pub summary: String,
}

/// `POST /api/v1/cases/{id}/feedback`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeedback {
    pub provider_org_id: Uuid,
    pub service: String,
    pub rating: FeedbackRating,
    #[serde(default)]
    pub comment: Option<String>,
    /// The language of the comment (BCP 47), e.g. `my`, `th`, `id`.
    pub language: String,
}

// ---------------------------------------------------------------- views

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub at: String,
    /// transition, assignment, approval, review, assessment, decision…
    pub kind: String,
    /// A stable code: the status reached, the approval subject and state…
    pub what: String,
    /// What `what` is made of, for writing it in words: the decision's stage
    /// and outcome, the approval's subject and state, the assessment's kind,
    /// the transition's kind; for an assignment, the new case manager's name.
    pub parts: Vec<String>,
    pub from_status: Option<CaseStatus>,
    pub to_status: Option<CaseStatus>,
    /// The reason, note or comment, as recorded.
    pub text: Option<String>,
    pub by: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NeedView {
    pub id: Uuid,
    pub domain: NeedDomain,
    pub sub_area: Option<SubArea>,
    pub beneficiary: Beneficiary,
    pub priority: Priority,
    pub status: NeedStatus,
    pub persons_view: String,
    pub version: i64,
}

impl NeedView {
    fn of(n: Need, version: i64) -> Self {
        NeedView {
            id: n.id.0,
            domain: n.domain,
            sub_area: n.sub_area,
            beneficiary: n.beneficiary,
            priority: n.priority,
            status: n.status,
            persons_view: n.persons_view,
            version,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GoalView {
    pub id: Uuid,
    pub need_ids: Vec<Uuid>,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub goal_id: Uuid,
    pub description: String,
    pub assigned_to: Option<Uuid>,
    pub assigned_to_name: Option<String>,
    pub due_on: String,
    pub done_on: Option<String>,
    pub cancelled: bool,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApprovalView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub subject: ApprovalSubject,
    pub state: ApprovalState,
    pub requested_by: String,
    pub requested_on: String,
    pub round: u16,
    pub decided_by: Option<String>,
    pub decided_on: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentView {
    pub kind: AssessmentKind,
    pub summary: String,
    pub by: String,
    pub on: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedbackView {
    pub provider_org_id: Uuid,
    pub provider_org_name: String,
    pub service: String,
    pub rating: FeedbackRating,
    pub comment: Option<String>,
    pub language: String,
    pub on: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PromptView {
    pub key: String,
    pub domain: NeedDomain,
    pub text: String,
}

/// Everything of the case work on one case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseWork {
    pub case_id: Uuid,
    pub status: CaseStatus,
    /// Where the case may go from here (the lifecycle's edges).
    pub next_statuses: Vec<CaseStatus>,
    pub timeline: Vec<TimelineEntry>,
    pub needs: Vec<NeedView>,
    pub goals: Vec<GoalView>,
    pub tasks: Vec<TaskView>,
    pub approvals: Vec<ApprovalView>,
    pub assessments: Vec<AssessmentView>,
    pub feedback: Vec<FeedbackView>,
    /// The assessment's questions for this person's profile.
    pub prompts: Vec<PromptView>,
    pub profiles: Vec<Profile>,
    pub last_review_on: Option<String>,
    pub next_review_due: String,
}

/// The answer to an assignment. A case manager who hands a case over may no
/// longer see it, so the answer carries only ids.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentView {
    pub case_id: Uuid,
    pub case_manager_id: Uuid,
    pub previous_case_manager_id: Option<Uuid>,
}

/// A task on someone's work list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkTask {
    pub case_id: Uuid,
    pub reference: String,
    pub task_id: Uuid,
    pub due_on: String,
    pub overdue: bool,
    pub assigned_to_name: Option<String>,
}

/// An approval waiting for a coordinator.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkApproval {
    pub case_id: Uuid,
    pub reference: String,
    pub approval_id: Uuid,
    pub subject: ApprovalSubject,
    pub requested_on: String,
    pub round: u16,
}

/// A case due for its periodic review, with what changed since the last.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewItem {
    pub case_id: Uuid,
    pub reference: String,
    pub status: CaseStatus,
    pub due_on: String,
    pub days_overdue: i64,
    pub last_review_on: Option<String>,
    /// Counts of what happened since the last review (no personal data),
    /// in English words.
    pub changes: Vec<String>,
    /// The same counts by kind, for writing them in another language.
    pub change_counts: Vec<ChangeCount>,
}

/// One user's work list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkList {
    pub overdue_tasks: Vec<WorkTask>,
    pub upcoming_tasks: Vec<WorkTask>,
    pub approvals_waiting: Vec<WorkApproval>,
    pub review_queue: Vec<ReviewItem>,
    /// Permits expiring in the next 30 days (or expired) and hearings to
    /// come, on the cases this user manages (coordinators: the organisation's).
    pub justice_deadlines: Vec<crate::justice::DeadlineView>,
    /// Overdue follow-ups after return and reintegration plans of the
    /// handovers this user works on (both sides).
    pub follow_ups_due: Vec<crate::handover_protocol::FollowUpDue>,
}

/// Feedback per provider, counted; no comment and no person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderFeedback {
    pub org_id: Uuid,
    pub org_name: String,
    pub responses: usize,
    pub helped_a_lot: usize,
    pub helped_somewhat: usize,
    pub did_not_help: usize,
    /// Fewer responses than this are not broken down (so no single answer
    /// can be traced back to a person).
    pub suppressed: bool,
}

/// Below this many responses a provider's feedback is not broken down.
pub const FEEDBACK_MIN_RESPONSES: usize = 3;

// ---------------------------------------------------------------- helpers

fn new_row(case: CaseId, kind: &str, state: &str, now: i64) -> CaseRecordRow {
    CaseRecordRow {
        id: Uuid::new_v4().to_string(),
        case_id: case,
        kind: kind.to_owned(),
        state: state.to_owned(),
        subject: None,
        owner_id: None,
        ref_id: None,
        due_on: None,
        record: safepath_crypto::Sealed {
            key_id: String::new(),
            bytes: Vec::new(),
        },
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

impl App {
    fn seal_record<T: Serialize>(
        &self,
        row: &mut CaseRecordRow,
        value: &T,
    ) -> Result<(), AppError> {
        row.record = self.seal_json("case_records", "record", &row.id, value)?;
        Ok(())
    }

    /// Opens a case-work record with the capability for its case.
    fn open_record<T: serde::de::DeserializeOwned>(
        &self,
        access: &CaseAccess,
        row: &CaseRecordRow,
    ) -> Result<T, AppError> {
        let grant = Grant::case(access, row.case_id)?;
        self.open_json(&grant, "case_records", "record", &row.id, &row.record)
    }

    /// Authorises `action` on the case and returns the actor's relation to it.
    pub(crate) async fn case_relation(
        &self,
        who: &Principal,
        id: Uuid,
        action: Action,
        what: &str,
    ) -> Result<(access::CaseFacts, Relation, CaseAccess), AppError> {
        let facts = self
            .store
            .case_facts(CaseId(id))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let access = access::authorize(&who.actor, action, &facts).map_err(|d| match d {
            access::Decision::Forbidden => AppError::forbidden(format!("your role may not {what}")),
            _ => AppError::case_not_found(),
        })?;
        let rel = Relation::of(&who.actor, &facts);
        Ok((facts, rel, access))
    }

    async fn user_name(&self, id: UserId, cache: &mut BTreeMap<UserId, String>) -> String {
        if let Some(n) = cache.get(&id) {
            return n.clone();
        }
        let name = match self.store.user(id).await {
            Ok(Some(u)) => u.full_name,
            _ => "—".to_owned(),
        };
        cache.insert(id, name.clone());
        name
    }

    /// Reads the case row and person for a change (audited as a read).
    pub(crate) async fn case_for_change(
        &self,
        who: &Principal,
        facts: &access::CaseFacts,
        why: &str,
    ) -> Result<(CaseRow, Person), AppError> {
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "case.read")
            .record("case", facts.id)
            .org(facts.org)
            .detail(why.to_owned());
        let (c, p) = self
            .store
            .read_case(facts, &audit)
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let access = access::authorize(&who.actor, Action::ReadCase, facts)
            .map_err(|_| AppError::case_not_found())?;
        let view = self.case_view(&access, &c, &p)?;
        Ok((c, view.person))
    }
}

/// What changed on a case, by kind: the code and its English words.
const CHANGE_KINDS: &[(&str, &str)] = &[
    ("status_changes", "status changes"),
    ("reassignments", "re-assignments"),
    ("needs", "needs recorded or updated"),
    ("goals", "care-plan goals added"),
    ("tasks_done", "tasks completed"),
    ("tasks", "tasks added or changed"),
    ("overdue_tasks", "overdue tasks"),
    ("approvals", "approvals requested or decided"),
    ("assessments", "assessments recorded"),
    ("feedback", "service feedback received"),
    ("referrals", "referrals sent or answered"),
];

/// One kind of change on a case since its last review, counted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeCount {
    /// `status_changes`, `reassignments`, `needs`, `goals`, `tasks_done`,
    /// `tasks`, `overdue_tasks`, `approvals`, `assessments`, `feedback` or
    /// `referrals`.
    pub what: String,
    pub count: usize,
}

/// Counts of what changed on a case after `since_ms`: status changes, needs
/// recorded, tasks done and overdue, approvals, referrals (no personal data),
/// in the order of [`CHANGE_KINDS`]; none when nothing changed.
fn count_changes(
    records: &[CaseRecordRow],
    referrals: &[safepath_store::LedgerRow],
    since_ms: i64,
    today: Date,
) -> Vec<ChangeCount> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let today = iso(today);
    for r in records {
        if r.kind == kinds::TASK
            && TASK_OPEN.contains(&r.state.as_str())
            && r.due_on.as_deref().is_some_and(|d| d < today.as_str())
        {
            *counts.entry("overdue_tasks").or_default() += 1;
        }
        if r.updated_at <= since_ms {
            continue;
        }
        let key = match (r.kind.as_str(), r.state.as_str()) {
            (kinds::TRANSITION, _) => "status_changes",
            (kinds::ASSIGNMENT, _) => "reassignments",
            (kinds::NEED, _) => "needs",
            (kinds::GOAL, _) => "goals",
            (kinds::TASK, "done") => "tasks_done",
            (kinds::TASK, _) => "tasks",
            (kinds::APPROVAL, _) => "approvals",
            (kinds::ASSESSMENT, _) => "assessments",
            (kinds::FEEDBACK, _) => "feedback",
            _ => continue,
        };
        *counts.entry(key).or_default() += 1;
    }
    let new_referrals = referrals.iter().filter(|r| r.updated_at > since_ms).count();
    if new_referrals > 0 {
        counts.insert("referrals", new_referrals);
    }
    CHANGE_KINDS
        .iter()
        .filter_map(|(code, _)| {
            counts.get(code).map(|&count| ChangeCount {
                what: (*code).to_owned(),
                count,
            })
        })
        .collect()
}

/// [`count_changes`] in English words ("2 status changes"; "no changes").
fn summarise_changes(counts: &[ChangeCount]) -> Vec<String> {
    if counts.is_empty() {
        return vec!["no changes".into()];
    }
    counts
        .iter()
        .map(|c| {
            let words = CHANGE_KINDS
                .iter()
                .find(|(code, _)| *code == c.what)
                .map_or(c.what.as_str(), |(_, w)| w);
            format!("{} {words}", c.count)
        })
        .collect()
}

/// The needs that are open, by domain (for the case page's summary).
pub fn open_needs_by_domain(needs: &[NeedView]) -> BTreeSet<NeedDomain> {
    needs
        .iter()
        .filter(|n| matches!(n.status, NeedStatus::Open | NeedStatus::InProgress))
        .map(|n| n.domain)
        .collect()
}
