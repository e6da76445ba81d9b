//! Daily case work on top of the core: the lifecycle (every status change
//! checked by `safepath_domain::casework::lifecycle` and kept as a timeline),
//! assignment, supervisory approvals, the needs assessment, the care plan
//! (goals and tasks with due dates), periodic reviews, assessments that
//! repatriation needs, and the person's feedback on services.
//!
//! Every record is kept in `case_records`, its JSON sealed (reasons, comments
//! and the person's own words are personal data); the columns beside it hold
//! only what queues need (kind, state, due day, owner).

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
use time::macros::format_description;
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

fn iso(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

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
        | l::BEST_INTERESTS_DETERMINATION_REQUIRED
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
    by: UserId,
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
    /// Counts of what happened since the last review (no personal data).
    pub changes: Vec<String>,
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

    // ------------------------------------------------------------ lifecycle

    /// Moves the case along its lifecycle, checked by the domain's state
    /// machine, and records who, when and why on the timeline.
    pub async fn change_status(
        &self,
        who: &Principal,
        id: Uuid,
        change: StatusChange,
    ) -> Result<CaseWork, AppError> {
        let (facts, _, cap) = self
            .case_relation(who, id, Action::EditCase, "change this case's status")
            .await?;
        let (mut c, person) = self
            .case_for_change(who, &facts, "for a status change")
            .await?;
        if let Some(v) = change.version
            && v != c.version
        {
            return Err(AppError::store(StoreError::VersionMismatch));
        }
        let from = CaseStatus::parse(&c.status)?;
        let records = self.store.case_records(facts.id, None).await?;
        let (t, rows) = self
            .check_patch_status(who, &cap, &facts, from, &change, &person, &records)
            .await?;
        let now = self.now_ms();
        c.status = t.to.as_str().to_owned();
        c.version += 1;
        c.updated_at = now;
        let audit = AuditDraft::new(now, who.id().to_string(), "case.transition")
            .record("case", c.id)
            .org(c.org_id)
            .detail(format!(
                "{}->{} kind={}",
                t.from.as_str(),
                t.to.as_str(),
                t.kind.as_str()
            ))
            .notify_all(self.change_by_other_notice(who, &c, "status"));
        self.store
            .update_case_with_records(&c, None, &rows, &audit)
            .await?;
        self.casework(who, id).await
    }

    /// Checks a plain status field in `PATCH /cases/{id}` against the
    /// lifecycle (the PATCH keeps working, but cannot skip a stage).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn check_patch_status(
        &self,
        who: &Principal,
        cap: &CaseAccess,
        facts: &access::CaseFacts,
        from: CaseStatus,
        change: &StatusChange,
        person: &Person,
        records: &[CaseRecordRow],
    ) -> Result<(Transition, Vec<CaseRecordRow>), AppError> {
        let rel = Relation::of(&who.actor, facts);
        let today = self.clock.today();
        let closure = self.usable_closure_approval(records)?;
        let assessments: Vec<AssessmentRecord> = records
            .iter()
            .filter(|r| r.kind == kinds::ASSESSMENT)
            .map(|r| self.open_record(cap, r))
            .collect::<Result<_, _>>()?;
        let ctx = TransitionContext {
            actor: who.actor.role,
            relation: rel,
            reason: change.reason.clone(),
            closure_approved: closure.is_some(),
            security_assessment_recorded: assessments
                .iter()
                .any(|a| a.kind == AssessmentKind::SecurityAssessment),
            person_is_child: person
                .birth_date
                .as_ref()
                .is_some_and(|b| b.may_be_child(today)),
            best_interests_determination_recorded: assessments
                .iter()
                .any(|a| a.kind == AssessmentKind::BestInterestsDetermination),
            // A status change is never a formal decision: those are recorded
            // on the decisions page, which moves the case itself.
            decision: None,
            return_block: self.return_block_in(cap, records)?,
        };
        let t = lifecycle::transition(from, change.to, &ctx).map_err(refusal)?;
        let now = self.now_ms();
        let mut row = new_row(facts.id, kinds::TRANSITION, "done", now);
        row.subject = Some(t.to.as_str().to_owned());
        self.seal_record(
            &mut row,
            &TransitionRecord {
                transition: t.clone(),
                by: who.id(),
            },
        )?;
        let mut rows = vec![row];
        if let Some(mut used) = closure {
            used.version += 1;
            used.state = "used".into();
            used.updated_at = now;
            rows.push(used);
        }
        Ok((t, rows))
    }

    /// The kinds of the free-text assessments among `records`.
    pub(crate) fn assessment_kinds_in(
        &self,
        cap: &CaseAccess,
        records: &[CaseRecordRow],
    ) -> Result<BTreeSet<&'static str>, AppError> {
        records
            .iter()
            .filter(|r| r.kind == kinds::ASSESSMENT)
            .map(|r| {
                self.open_record::<AssessmentRecord>(cap, r)
                    .map(|a| a.kind.as_str())
            })
            .collect()
    }

    fn usable_closure_approval(
        &self,
        records: &[CaseRecordRow],
    ) -> Result<Option<CaseRecordRow>, AppError> {
        Ok(records
            .iter()
            .find(|r| {
                r.kind == kinds::APPROVAL
                    && r.state == ApprovalState::Approved.as_str()
                    && r.subject.as_deref() == Some(ApprovalSubject::Closure.as_str())
            })
            .cloned())
    }

    /// Tells the case manager when someone else changed their case.
    /// The notice to the case manager when someone else changes their case,
    /// to attach to the change's audit entry.
    pub(crate) fn change_by_other_notice(
        &self,
        who: &Principal,
        c: &CaseRow,
        what: &str,
    ) -> Option<safepath_store::NotificationRow> {
        c.case_manager_id.filter(|cm| *cm != who.id()).map(|cm| {
            self.notice(
                cm,
                "case_changed",
                Some(c.id),
                format!("Case {} was changed ({what}) by someone else.", c.reference),
            )
        })
    }

    // ------------------------------------------------------------ assignment

    /// Assigns (or re-assigns) the case manager, with a handover note. The
    /// owning organisation's coordinators assign; a case manager may hand
    /// their own case over.
    pub async fn assign_case(
        &self,
        who: &Principal,
        id: Uuid,
        a: Assignment,
    ) -> Result<AssignmentView, AppError> {
        let (facts, rel, _) = self
            .case_relation(who, id, Action::EditCase, "assign this case")
            .await?;
        // The people who move a case along its lifecycle also assign it.
        if !lifecycle::may_transition(who.actor.role, rel) {
            return Err(AppError::forbidden(
                "only a coordinator of the owning organisation or the case's own case manager assigns it",
            ));
        }
        let note = safepath_domain::casework::checked_text("note", &a.note)?;
        let to = self
            .check_case_manager(facts.org, a.case_manager_id)
            .await?;
        let (mut c, _) = self.case_for_change(who, &facts, "for assignment").await?;
        if c.case_manager_id == Some(to) {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "already_assigned",
                "the case is already assigned to this case manager",
            ));
        }
        let now = self.now_ms();
        let previous = c.case_manager_id;
        let mut row = new_row(facts.id, kinds::ASSIGNMENT, "done", now);
        row.owner_id = Some(to);
        self.seal_record(
            &mut row,
            &AssignmentRecord {
                from: c.case_manager_id,
                to,
                note: Some(note),
                by: who.id(),
            },
        )?;
        c.case_manager_id = Some(to);
        c.version += 1;
        c.updated_at = now;
        let notice = (to != who.id()).then(|| {
            self.notice(
                to,
                "case_assigned",
                Some(c.id),
                format!("Case {} was assigned to you.", c.reference),
            )
        });
        let audit = AuditDraft::new(now, who.id().to_string(), "case.assign")
            .record("case", c.id)
            .org(c.org_id)
            .detail(format!("case_manager={to}"))
            .notify_all(notice);
        self.store
            .update_case_with_records(&c, None, &[row], &audit)
            .await?;
        Ok(AssignmentView {
            case_id: id,
            case_manager_id: to.0,
            previous_case_manager_id: previous.map(|u| u.0),
        })
    }

    // ------------------------------------------------------------ approvals

    pub async fn request_approval(
        &self,
        who: &Principal,
        id: Uuid,
        req: ApprovalRequest,
    ) -> Result<CaseWork, AppError> {
        let (facts, rel, cap) = self
            .case_relation(who, id, Action::EditCase, "request approvals on this case")
            .await?;
        let records = self
            .store
            .case_records(facts.id, Some(kinds::APPROVAL))
            .await?;
        let subject = req.subject.as_str();
        let existing = records
            .iter()
            .rfind(|r| r.subject.as_deref() == Some(subject) && r.state != "used");
        let now = self.now_ms();
        let today = self.clock.today();
        let row = match existing {
            // A returned approval is requested again: the same record, next round.
            Some(r) if r.state == ApprovalState::Returned.as_str() => {
                let current: Approval = self.open_record(&cap, r)?;
                let next = current
                    .apply(&ApprovalAction::Request, &who.actor, rel, today)
                    .map_err(refusal)?;
                let mut row = r.clone();
                row.state = next.state.as_str().into();
                row.version += 1;
                row.updated_at = now;
                self.seal_record(&mut row, &next)?;
                row
            }
            Some(r) if r.state == ApprovalState::Requested.as_str() => {
                return Err(refusal(DomainError::new(
                    approvals::codes::ALREADY_REQUESTED,
                    "this approval is already requested and awaits a decision",
                )));
            }
            _ => {
                let aid = ApprovalId(Uuid::new_v4());
                let a = approvals::request(aid, facts.id, req.subject, &who.actor, rel, today)
                    .map_err(refusal)?;
                let mut row = new_row(facts.id, kinds::APPROVAL, a.state.as_str(), now);
                row.id = aid.0.to_string();
                row.subject = Some(subject.to_owned());
                row.owner_id = Some(who.id());
                self.seal_record(&mut row, &a)?;
                row
            }
        };
        let reference = self.case_reference(facts.id).await?.unwrap_or_default();
        let notices: Vec<_> = self
            .store
            .users_with_role(facts.org, Role::Coordinator.as_str())
            .await?
            .into_iter()
            .filter(|u| u.id != who.id() && !u.disabled)
            .map(|u| {
                self.notice(
                    u.id,
                    "approval_requested",
                    Some(facts.id),
                    format!(
                        "Approval requested on case {reference}: {}.",
                        subject.replace('_', " ")
                    ),
                )
            })
            .collect();
        let audit = AuditDraft::new(now, who.id().to_string(), "approval.request")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("subject={subject} approval={}", row.id))
            .notify_all(notices);
        let current: Approval = self.open_record(&cap, &row)?;
        let event = self.approval_event(&current, who.id(), now)?;
        self.store.write_case_records(&[row, event], &audit).await?;
        self.casework(who, id).await
    }

    /// A coordinator approves or returns (with a comment) a requested approval.
    pub async fn decide_approval(
        &self,
        who: &Principal,
        approval_id: Uuid,
        approve: bool,
        body: ApprovalDecision,
    ) -> Result<CaseWork, AppError> {
        let row = self
            .store
            .case_record(&approval_id.to_string())
            .await?
            .filter(|r| r.kind == kinds::APPROVAL)
            .ok_or_else(|| AppError::not_found("no such approval"))?;
        let case_id = row.case_id.0;
        let (facts, rel, cap) = self
            .case_relation(who, case_id, Action::ReadCase, "decide approvals")
            .await
            .map_err(|_| AppError::not_found("no such approval"))?;
        let current: Approval = self.open_record(&cap, &row)?;
        let action = if approve {
            ApprovalAction::Approve {
                comment: body.comment,
            }
        } else {
            ApprovalAction::Return {
                comment: body.comment.unwrap_or_default(),
            }
        };
        let today = self.clock.today();
        let next = current
            .apply(&action, &who.actor, rel, today)
            .map_err(refusal)?;
        let now = self.now_ms();
        let mut updated = row.clone();
        updated.state = next.state.as_str().into();
        updated.version += 1;
        updated.updated_at = now;
        self.seal_record(&mut updated, &next)?;
        let notice = if next.requested_by != who.id() {
            let reference = self.case_reference(facts.id).await?.unwrap_or_default();
            Some(self.notice(
                next.requested_by,
                "approval_decided",
                Some(facts.id),
                format!(
                    "Approval of {} on case {reference}: {}.",
                    next.subject.as_str(),
                    next.state.as_str()
                ),
            ))
        } else {
            None
        };
        let audit = AuditDraft::new(now, who.id().to_string(), "approval.decide")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!(
                "approval={} subject={} state={}",
                row.id,
                next.subject.as_str(),
                next.state.as_str()
            ))
            .notify_all(notice);
        let event = self.approval_event(&next, who.id(), now)?;
        self.store
            .write_case_records(&[updated, event], &audit)
            .await?;
        self.casework(who, case_id).await
    }

    fn approval_event(
        &self,
        a: &Approval,
        by: UserId,
        now: i64,
    ) -> Result<CaseRecordRow, AppError> {
        let mut row = new_row(a.case, kinds::APPROVAL_EVENT, a.state.as_str(), now);
        row.subject = Some(a.subject.as_str().into());
        row.ref_id = Some(a.id.0.to_string());
        self.seal_record(
            &mut row,
            &ApprovalEvent {
                subject: a.subject,
                state: a.state,
                round: a.round,
                comment: if a.state == ApprovalState::Requested {
                    None
                } else {
                    a.comment.clone()
                },
                by,
            },
        )?;
        Ok(row)
    }

    // ------------------------------------------------------------ needs

    pub async fn add_need(
        &self,
        who: &Principal,
        id: Uuid,
        n: NewNeed,
    ) -> Result<CaseWork, AppError> {
        let (facts, _, _) = self
            .case_relation(who, id, Action::EditCase, "assess needs on this case")
            .await?;
        let need = Need {
            id: NeedId(Uuid::new_v4()),
            domain: n.domain,
            sub_area: n.sub_area,
            beneficiary: n.beneficiary,
            priority: n.priority,
            status: NeedStatus::Open,
            persons_view: n.persons_view.trim().to_owned(),
        };
        need.validate()?;
        let now = self.now_ms();
        let mut row = new_row(facts.id, kinds::NEED, need.status.as_str(), now);
        row.id = need.id.0.to_string();
        row.subject = Some(need.domain.as_str().into());
        self.seal_record(&mut row, &need)?;
        let audit = AuditDraft::new(now, who.id().to_string(), "need.create")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("need={} domain={}", row.id, need.domain.as_str()));
        self.store.write_case_records(&[row], &audit).await?;
        self.casework(who, id).await
    }

    pub async fn update_need(
        &self,
        who: &Principal,
        need_id: Uuid,
        patch: NeedPatch,
    ) -> Result<CaseWork, AppError> {
        let (row, facts, cap) = self.record_for_edit(who, need_id, kinds::NEED).await?;
        let mut need: Need = self.open_record(&cap, &row)?;
        if let Some(s) = patch.status {
            need.status = s;
        }
        if let Some(p) = patch.priority {
            need.priority = p;
        }
        if let Some(v) = patch.persons_view {
            need.persons_view = v.trim().to_owned();
        }
        need.validate()?;
        let now = self.now_ms();
        let mut updated = row.clone();
        updated.state = need.status.as_str().into();
        updated.version += 1;
        updated.updated_at = now;
        self.seal_record(&mut updated, &need)?;
        let audit = AuditDraft::new(now, who.id().to_string(), "need.update")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("need={}", row.id));
        self.store.write_case_records(&[updated], &audit).await?;
        self.casework(who, facts.id.0).await
    }

    /// A record of `kind` and the case it belongs to, when the user may edit
    /// that case; otherwise 404 (as for a missing record).
    async fn record_for_edit(
        &self,
        who: &Principal,
        record_id: Uuid,
        kind: &str,
    ) -> Result<(CaseRecordRow, access::CaseFacts, CaseAccess), AppError> {
        let missing = || AppError::not_found(format!("no such {kind}"));
        let row = self
            .store
            .case_record(&record_id.to_string())
            .await?
            .filter(|r| r.kind == kind)
            .ok_or_else(missing)?;
        let (facts, _, cap) = self
            .case_relation(who, row.case_id.0, Action::EditCase, "change this case")
            .await
            .map_err(|e| {
                if e.kind == ErrorKind::NotFound {
                    missing()
                } else {
                    e
                }
            })?;
        Ok((row, facts, cap))
    }

    // ------------------------------------------------------------ care plan

    pub async fn add_goal(
        &self,
        who: &Principal,
        id: Uuid,
        g: NewGoal,
    ) -> Result<CaseWork, AppError> {
        let (facts, _, cap) = self
            .case_relation(who, id, Action::EditCase, "plan care on this case")
            .await?;
        let records = self.store.case_records(facts.id, None).await?;
        let needs: Vec<Need> = self.open_kind(&cap, &records, kinds::NEED)?;
        let goal = Goal {
            id: GoalId(Uuid::new_v4()),
            needs: g.need_ids.iter().copied().map(NeedId).collect(),
            description: g.description.trim().to_owned(),
        };
        needs::check_care_plan(&needs, std::slice::from_ref(&goal), &[])?;
        let now = self.now_ms();
        let mut row = new_row(facts.id, kinds::GOAL, "open", now);
        row.id = goal.id.0.to_string();
        self.seal_record(&mut row, &goal)?;
        let audit = AuditDraft::new(now, who.id().to_string(), "goal.create")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("goal={}", row.id));
        self.store.write_case_records(&[row], &audit).await?;
        self.casework(who, id).await
    }

    pub async fn add_task(
        &self,
        who: &Principal,
        id: Uuid,
        t: NewTask,
    ) -> Result<CaseWork, AppError> {
        let (facts, _, cap) = self
            .case_relation(who, id, Action::EditCase, "plan care on this case")
            .await?;
        let due_on = parse_day("due_on", &t.due_on)?;
        let assignee = match t.assigned_to {
            Some(u) => Some(self.check_task_owner(&facts, UserId(u)).await?),
            None => facts.case_manager,
        };
        let records = self.store.case_records(facts.id, None).await?;
        let needs: Vec<Need> = self.open_kind(&cap, &records, kinds::NEED)?;
        let goals: Vec<Goal> = self.open_kind(&cap, &records, kinds::GOAL)?;
        let task = Task {
            id: TaskId(Uuid::new_v4()),
            goal: GoalId(t.goal_id),
            description: t.description.trim().to_owned(),
            assigned_to: assignee,
            due_on,
            done_on: None,
            cancelled: false,
        };
        needs::check_care_plan(&needs, &goals, std::slice::from_ref(&task))?;
        let now = self.now_ms();
        let mut row = new_row(facts.id, kinds::TASK, "open", now);
        row.id = task.id.0.to_string();
        row.owner_id = assignee;
        row.ref_id = Some(t.goal_id.to_string());
        row.due_on = Some(iso(due_on));
        self.seal_record(&mut row, &task)?;
        let notice = match assignee {
            Some(owner) if owner != who.id() => {
                let reference = self.case_reference(facts.id).await?.unwrap_or_default();
                Some(self.notice(
                    owner,
                    "task_assigned",
                    Some(facts.id),
                    format!("A task on case {reference} is yours, due {}.", iso(due_on)),
                ))
            }
            _ => None,
        };
        let audit = AuditDraft::new(now, who.id().to_string(), "task.create")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("task={} due={}", row.id, iso(due_on)))
            .notify_all(notice);
        self.store.write_case_records(&[row], &audit).await?;
        self.casework(who, id).await
    }

    /// A task's owner must work on the case: its case manager, an associated
    /// user, or staff of the owning organisation who work on cases.
    async fn check_task_owner(
        &self,
        facts: &access::CaseFacts,
        user: UserId,
    ) -> Result<UserId, AppError> {
        let bad = || {
            AppError::bad_request(
                codes::INVALID_ASSIGNEE,
                "assigned_to must name active staff working on this case",
            )
        };
        let u = self.store.user(user).await?.ok_or_else(bad)?;
        let role = Role::parse(&u.role).map_err(|_| bad())?;
        let works = facts.case_manager == Some(user)
            || facts.associated.contains(&user)
            || (u.org_id == facts.org
                && matches!(
                    role,
                    Role::CaseManager | Role::Coordinator | Role::FirstResponder
                ));
        if u.disabled || !works {
            return Err(bad());
        }
        Ok(user)
    }

    pub async fn act_on_task(
        &self,
        who: &Principal,
        task_id: Uuid,
        action: TaskAction,
    ) -> Result<CaseWork, AppError> {
        let (row, facts, cap) = self.record_for_edit(who, task_id, kinds::TASK).await?;
        if !TASK_OPEN.contains(&row.state.as_str()) {
            return Err(AppError::new(
                ErrorKind::Conflict,
                codes::TASK_CLOSED,
                "the task is already done or cancelled",
            ));
        }
        let mut task: Task = self.open_record(&cap, &row)?;
        let state = match action {
            TaskAction::Done => {
                task.done_on = Some(self.clock.today());
                "done"
            }
            TaskAction::Cancel => {
                task.cancelled = true;
                "cancelled"
            }
        };
        let now = self.now_ms();
        let mut updated = row.clone();
        updated.state = state.into();
        updated.version += 1;
        updated.updated_at = now;
        self.seal_record(&mut updated, &task)?;
        let audit = AuditDraft::new(now, who.id().to_string(), "task.update")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("task={} state={state}", row.id));
        self.store.write_case_records(&[updated], &audit).await?;
        self.casework(who, facts.id.0).await
    }

    fn open_kind<T: serde::de::DeserializeOwned>(
        &self,
        cap: &CaseAccess,
        records: &[CaseRecordRow],
        kind: &str,
    ) -> Result<Vec<T>, AppError> {
        records
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| self.open_record(cap, r))
            .collect()
    }

    // ------------------------------------------------------------ reviews, assessments, feedback

    /// Records a periodic review; the next one falls due `review_months` later.
    pub async fn record_review(
        &self,
        who: &Principal,
        id: Uuid,
        r: NewReview,
    ) -> Result<CaseWork, AppError> {
        let (facts, rel, _) = self
            .case_relation(who, id, Action::EditCase, "review this case")
            .await?;
        // Reviewed by those who steer the case (as for its lifecycle).
        if !lifecycle::may_transition(who.actor.role, rel) {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                codes::REVIEW_NOT_ALLOWED,
                "a case review is recorded by a coordinator of the owning organisation or the case manager",
            ));
        }
        self.write_review(who, &facts, r.notes, self.clock.today())
            .await?;
        self.casework(who, id).await
    }

    /// A review recorded for an earlier day (demo data, carried-over records).
    pub(crate) async fn record_review_on(
        &self,
        who: &Principal,
        id: Uuid,
        notes: String,
        day: Date,
    ) -> Result<(), AppError> {
        let (facts, _, _) = self
            .case_relation(who, id, Action::EditCase, "review this case")
            .await?;
        self.write_review(who, &facts, notes, day).await
    }

    async fn write_review(
        &self,
        who: &Principal,
        facts: &access::CaseFacts,
        notes: String,
        today: Date,
    ) -> Result<(), AppError> {
        let notes = safepath_domain::casework::checked_text("notes", &notes)?;
        let since = self.changes_since_last_review(facts.id).await?;
        let now = self.now_ms();
        // A review of an earlier day is placed on the timeline on that day.
        let at = if today < self.clock.today() {
            today.midnight().assume_utc().unix_timestamp() * 1000
        } else {
            now
        };
        let mut row = new_row(facts.id, kinds::REVIEW, "done", at);
        row.due_on = Some(iso(today));
        self.seal_record(
            &mut row,
            &ReviewRecord {
                reviewed_on: iso(today),
                by: who.id(),
                notes,
                changes: since,
            },
        )?;
        let audit = AuditDraft::new(now, who.id().to_string(), "case.review")
            .record("case", facts.id)
            .org(facts.org);
        self.store.write_case_records(&[row], &audit).await?;
        Ok(())
    }

    pub async fn record_assessment(
        &self,
        who: &Principal,
        id: Uuid,
        a: NewAssessment,
    ) -> Result<CaseWork, AppError> {
        let (facts, _, _) = self
            .case_relation(who, id, Action::EditCase, "record assessments on this case")
            .await?;
        let summary = safepath_domain::casework::checked_text("summary", &a.summary)?;
        let now = self.now_ms();
        let mut row = new_row(facts.id, kinds::ASSESSMENT, "done", now);
        row.subject = Some(a.kind.as_str().into());
        self.seal_record(
            &mut row,
            &AssessmentRecord {
                kind: a.kind,
                summary,
                by: who.id(),
                on: iso(self.clock.today()),
            },
        )?;
        let audit = AuditDraft::new(now, who.id().to_string(), "assessment.create")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("kind={}", a.kind.as_str()));
        self.store.write_case_records(&[row], &audit).await?;
        self.casework(who, id).await
    }

    /// The person's feedback on a service received, in their language. The
    /// provider and the rating are kept beside the sealed record so that the
    /// per-provider report never opens a case.
    pub async fn record_feedback(
        &self,
        who: &Principal,
        id: Uuid,
        f: NewFeedback,
    ) -> Result<CaseWork, AppError> {
        let (facts, _, _) = self
            .case_relation(who, id, Action::EditCase, "record feedback on this case")
            .await?;
        let provider = self
            .store
            .org(OrgId(f.provider_org_id))
            .await?
            .ok_or_else(|| {
                AppError::bad_request("unknown_org", "provider_org_id: no such organisation")
            })?;
        let service = safepath_domain::casework::checked_text("service", &f.service)?;
        let comment = match f.comment.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => Some(safepath_domain::casework::checked_text("comment", c)?),
        };
        let language = f.language.trim().to_owned();
        if language.is_empty()
            || language.len() > 35
            || !language
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(AppError::bad_request(
                "invalid_language",
                "language: expected a BCP 47 tag such as my, th or id",
            ));
        }
        let now = self.now_ms();
        let mut row = new_row(facts.id, kinds::FEEDBACK, f.rating.as_str(), now);
        row.ref_id = Some(provider.id.to_string());
        self.seal_record(
            &mut row,
            &FeedbackRecord {
                provider_org: provider.id,
                service,
                rating: f.rating,
                comment,
                language,
                by: who.id(),
                on: iso(self.clock.today()),
            },
        )?;
        let audit = AuditDraft::new(now, who.id().to_string(), "feedback.create")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("provider={}", provider.id));
        self.store.write_case_records(&[row], &audit).await?;
        self.casework(who, id).await
    }

    /// Feedback per provider, counted over every case, with no comment and
    /// no person; providers with few responses are not broken down.
    pub async fn feedback_report(
        &self,
        who: &Principal,
    ) -> Result<Vec<ProviderFeedback>, AppError> {
        if who.actor.role == Role::Administrator {
            return Err(AppError::forbidden("administrators do not read case work"));
        }
        let rows = self
            .store
            .all_case_records(
                kinds::FEEDBACK,
                &FeedbackRating::ALL
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>(),
            )
            .await?;
        let mut per: BTreeMap<String, [usize; 3]> = BTreeMap::new();
        for r in &rows {
            let Some(org) = &r.ref_id else { continue };
            let slot = per.entry(org.clone()).or_default();
            match r.state.as_str() {
                "helped_a_lot" => slot[0] += 1,
                "helped_somewhat" => slot[1] += 1,
                _ => slot[2] += 1,
            }
        }
        let orgs = self.store.list_orgs().await?;
        let mut out = Vec::new();
        for o in orgs {
            let counts = per.get(&o.id.to_string()).copied().unwrap_or_default();
            let responses: usize = counts.iter().sum();
            if responses == 0 {
                continue;
            }
            let suppressed = responses < FEEDBACK_MIN_RESPONSES;
            let c = if suppressed { [0; 3] } else { counts };
            out.push(ProviderFeedback {
                org_id: o.id.0,
                org_name: o.name,
                responses: if suppressed { 0 } else { responses },
                helped_a_lot: c[0],
                helped_somewhat: c[1],
                did_not_help: c[2],
                suppressed,
            });
        }
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "feedback.report");
        self.store.append_audit(&audit).await?;
        Ok(out)
    }

    /// What happened on a case since its last review (or since it was
    /// opened), as counts: no personal data.
    async fn changes_since_last_review(&self, case: CaseId) -> Result<Vec<String>, AppError> {
        let records = self.store.case_records(case, None).await?;
        let last = records
            .iter()
            .filter(|r| r.kind == kinds::REVIEW)
            .map(|r| r.created_at)
            .max()
            .unwrap_or(i64::MIN);
        let referrals = self.store.referrals_for_case(case).await?;
        Ok(summarise_changes(
            &records,
            &referrals,
            last,
            self.clock.today(),
        ))
    }

    // ------------------------------------------------------------ reading

    /// Everything of the case work on one case (audited as a read).
    pub async fn casework(&self, who: &Principal, id: Uuid) -> Result<CaseWork, AppError> {
        let (facts, cap) = match self
            .case_relation(who, id, Action::ReadCase, "read this case")
            .await
        {
            Ok((facts, _, cap)) => (facts, cap),
            Err(e) if e.kind == ErrorKind::NotFound => {
                return self.casework_via_referral(who, id).await.map_err(|_| e);
            }
            Err(e) => return Err(e),
        };
        let (c, person) = self.case_for_change(who, &facts, "case work").await?;
        let status = CaseStatus::parse(&c.status)?;
        let records = self.store.case_records(facts.id, None).await?;
        let decisions = self.store.decisions_for_case(facts.id).await?;
        let today = self.clock.today();
        let mut names = BTreeMap::new();
        let mut timeline = Vec::new();
        let mut needs_out = Vec::new();
        let mut goals_out = Vec::new();
        let mut tasks_out = Vec::new();
        let mut approvals_out = Vec::new();
        let mut assessments_out = Vec::new();
        let mut feedback_out = Vec::new();
        let mut last_review: Option<String> = None;
        let orgs: BTreeMap<OrgId, String> = self
            .store
            .list_orgs()
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        for r in &records {
            let at = rfc3339(r.created_at);
            match r.kind.as_str() {
                kinds::TRANSITION => {
                    let t: TransitionRecord = self.open_record(&cap, r)?;
                    timeline.push(TimelineEntry {
                        at,
                        kind: r.kind.clone(),
                        what: t.transition.kind.as_str().into(),
                        from_status: Some(t.transition.from),
                        to_status: Some(t.transition.to),
                        text: t.transition.reason,
                        by: self.user_name(t.by, &mut names).await,
                    });
                }
                kinds::ASSIGNMENT => {
                    let a: AssignmentRecord = self.open_record(&cap, r)?;
                    let to = self.user_name(a.to, &mut names).await;
                    timeline.push(TimelineEntry {
                        at,
                        kind: r.kind.clone(),
                        what: format!("assigned to {to}"),
                        from_status: None,
                        to_status: None,
                        text: a.note,
                        by: self.user_name(a.by, &mut names).await,
                    });
                }
                kinds::APPROVAL => {
                    let a: Approval = self.open_record(&cap, r)?;
                    let requested_by = self.user_name(a.requested_by, &mut names).await;
                    let decided_by = match a.decided_by {
                        Some(u) => Some(self.user_name(u, &mut names).await),
                        None => None,
                    };
                    approvals_out.push(ApprovalView {
                        id: a.id.0,
                        case_id: a.case.0,
                        subject: a.subject,
                        state: a.state,
                        requested_by,
                        requested_on: iso(a.requested_on),
                        round: a.round,
                        decided_by,
                        decided_on: a.decided_on.map(iso),
                        comment: a.comment,
                    });
                }
                kinds::APPROVAL_EVENT => {
                    let e: ApprovalEvent = self.open_record(&cap, r)?;
                    timeline.push(TimelineEntry {
                        at,
                        kind: kinds::APPROVAL.into(),
                        what: format!("{} {}", e.subject.as_str(), e.state.as_str()),
                        from_status: None,
                        to_status: None,
                        text: e.comment,
                        by: self.user_name(e.by, &mut names).await,
                    });
                }
                kinds::NEED => {
                    let n: Need = self.open_record(&cap, r)?;
                    needs_out.push(NeedView::of(n, r.version));
                }
                kinds::GOAL => {
                    let g: Goal = self.open_record(&cap, r)?;
                    goals_out.push(GoalView {
                        id: g.id.0,
                        need_ids: g.needs.iter().map(|n| n.0).collect(),
                        description: g.description,
                    });
                }
                kinds::TASK => {
                    let t: Task = self.open_record(&cap, r)?;
                    let assigned_to_name = match t.assigned_to {
                        Some(u) => Some(self.user_name(u, &mut names).await),
                        None => None,
                    };
                    tasks_out.push(TaskView {
                        id: t.id.0,
                        case_id: id,
                        goal_id: t.goal.0,
                        overdue: t.is_overdue(today),
                        description: t.description,
                        assigned_to: t.assigned_to.map(|u| u.0),
                        assigned_to_name,
                        due_on: iso(t.due_on),
                        done_on: t.done_on.map(iso),
                        cancelled: t.cancelled,
                    });
                }
                kinds::REVIEW => {
                    let rv: ReviewRecord = self.open_record(&cap, r)?;
                    last_review = Some(rv.reviewed_on.clone());
                    timeline.push(TimelineEntry {
                        at,
                        kind: r.kind.clone(),
                        what: "periodic review".into(),
                        from_status: None,
                        to_status: None,
                        text: Some(rv.notes),
                        by: self.user_name(rv.by, &mut names).await,
                    });
                }
                kinds::ASSESSMENT => {
                    let a: AssessmentRecord = self.open_record(&cap, r)?;
                    let by = self.user_name(a.by, &mut names).await;
                    timeline.push(TimelineEntry {
                        at,
                        kind: r.kind.clone(),
                        what: a.kind.as_str().into(),
                        from_status: None,
                        to_status: None,
                        text: None,
                        by: by.clone(),
                    });
                    assessments_out.push(AssessmentView {
                        kind: a.kind,
                        summary: a.summary,
                        by,
                        on: a.on,
                    });
                }
                kinds::FEEDBACK => {
                    let f: FeedbackRecord = self.open_record(&cap, r)?;
                    feedback_out.push(FeedbackView {
                        provider_org_id: f.provider_org.0,
                        provider_org_name: orgs.get(&f.provider_org).cloned().unwrap_or_default(),
                        service: f.service,
                        rating: f.rating,
                        comment: f.comment,
                        language: f.language,
                        on: f.on,
                    });
                }
                _ => {}
            }
        }
        for d in &decisions {
            if let (Some(at), Some(outcome)) = (d.decided_at, &d.outcome) {
                let by = match d.decided_by {
                    Some(u) => self.user_name(u, &mut names).await,
                    None => "—".into(),
                };
                timeline.push(TimelineEntry {
                    at: rfc3339(at),
                    kind: "decision".into(),
                    what: format!("{} {}", d.stage, outcome),
                    from_status: None,
                    to_status: None,
                    text: None,
                    by,
                });
            }
        }
        timeline.sort_by(|a, b| b.at.cmp(&a.at));
        let forms: Vec<safepath_domain::case::ExploitationForm> =
            serde_json::from_str(&c.exploitation_forms)
                .map_err(|_| AppError::internal("exploitation forms"))?;
        let profiles = needs::profiles_of(&person, &forms, today);
        let prompts = needs::assessment_prompts(&profiles)
            .into_iter()
            .map(|p| PromptView {
                key: p.key.into(),
                domain: p.domain,
                text: p.text.into(),
            })
            .collect();
        let opened_on = time::OffsetDateTime::from_unix_timestamp(c.created_at / 1000)
            .map(|t| t.date())
            .unwrap_or(today);
        let last = last_review
            .as_deref()
            .and_then(|d| parse_day("review", d).ok())
            .unwrap_or(opened_on);
        let next_statuses = lifecycle::form_successors(status);
        Ok(CaseWork {
            case_id: id,
            status,
            next_statuses,
            timeline,
            needs: needs_out,
            goals: goals_out,
            tasks: tasks_out,
            approvals: approvals_out,
            assessments: assessments_out,
            feedback: feedback_out,
            prompts,
            profiles,
            last_review_on: last_review,
            next_review_due: iso(needs::next_review_due(last, self.review_months)),
        })
    }

    /// What a receiving organisation sees of the case work through an
    /// accepted referral: only the needs whose data category is shared (and
    /// still covered by consent); no timeline, plan, tasks or feedback.
    async fn casework_via_referral(&self, who: &Principal, id: Uuid) -> Result<CaseWork, AppError> {
        let facts = self
            .store
            .case_facts(CaseId(id))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let shared = self.referral_categories(who, facts.id).await?;
        let cap = access::authorize_referral_read(&who.actor, &facts, !shared.is_empty())
            .map_err(|_| AppError::case_not_found())?;
        let names: Vec<&str> = shared.iter().map(|c| c.as_str()).collect();
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "casework.read")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("via referral; categories={}", names.join(",")));
        self.store.append_audit(&audit).await?;
        let mut needs_out = Vec::new();
        for r in self.store.case_records(facts.id, Some(kinds::NEED)).await? {
            let n: Need = self.open_record(&cap, &r)?;
            if shared.contains(&n.domain.data_category()) {
                needs_out.push(NeedView::of(n, r.version));
            }
        }
        // The status comes with the (category-limited, audited) case read.
        let status = self.get_case(who, id).await?.status;
        Ok(CaseWork {
            case_id: id,
            status,
            next_statuses: Vec::new(),
            timeline: Vec::new(),
            needs: needs_out,
            goals: Vec::new(),
            tasks: Vec::new(),
            approvals: Vec::new(),
            assessments: Vec::new(),
            feedback: Vec::new(),
            prompts: Vec::new(),
            profiles: Vec::new(),
            last_review_on: None,
            next_review_due: String::new(),
        })
    }

    /// The signed-in user's work: their overdue and upcoming tasks, and for
    /// coordinators the approvals waiting and the periodic-review queue.
    pub async fn work_list(&self, who: &Principal) -> Result<WorkList, AppError> {
        let visibility = access::visibility(&who.actor);
        let today = self.clock.today();
        let horizon = iso(today + time::Duration::days(15));
        let tasks = self
            .store
            .queued_case_records(kinds::TASK, TASK_OPEN, visibility, Some(&horizon))
            .await?;
        let mut names = BTreeMap::new();
        let mut overdue_tasks = Vec::new();
        let mut upcoming_tasks = Vec::new();
        let coordinator = who.actor.role == Role::Coordinator;
        for h in tasks {
            // Case managers see their own tasks and those on their cases;
            // coordinators see every late task of the organisation.
            let mine = h.row.owner_id == Some(who.id()) || h.case_manager_id == Some(who.id());
            if !(mine || coordinator) {
                continue;
            }
            let due = h.row.due_on.clone().unwrap_or_default();
            let overdue = due < iso(today);
            let assigned_to_name = match h.row.owner_id {
                Some(u) => Some(self.user_name(u, &mut names).await),
                None => None,
            };
            let item = WorkTask {
                case_id: h.row.case_id.0,
                reference: h.reference,
                task_id: Uuid::parse_str(&h.row.id).unwrap_or_default(),
                due_on: due,
                overdue,
                assigned_to_name,
            };
            if overdue {
                overdue_tasks.push(item);
            } else if mine {
                upcoming_tasks.push(item);
            }
        }
        let mut approvals_waiting = Vec::new();
        let mut review_queue = Vec::new();
        let mut approval_heads = Vec::new();
        if coordinator {
            for h in self
                .store
                .queued_case_records(
                    kinds::APPROVAL,
                    &[ApprovalState::Requested.as_str()],
                    visibility,
                    None,
                )
                .await?
            {
                if h.org_id == who.org() {
                    approval_heads.push(h);
                }
            }
            review_queue = self.review_queue(who).await?;
        }
        // Audited before any approval is opened, naming their cases.
        let audit =
            AuditDraft::new(self.now_ms(), who.id().to_string(), "worklist.read").detail(format!(
                "tasks={} approvals={} reviews={} approval_cases={}",
                overdue_tasks.len() + upcoming_tasks.len(),
                approval_heads.len(),
                review_queue.len(),
                approval_heads
                    .iter()
                    .map(|h| h.row.case_id.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        self.store.append_audit(&audit).await?;
        for h in approval_heads {
            let Some(facts) = self.store.case_facts(h.row.case_id).await? else {
                continue;
            };
            let Ok(cap) = access::authorize(&who.actor, Action::ReadCase, &facts) else {
                continue;
            };
            let a: Approval = self.open_record(&cap, &h.row)?;
            approvals_waiting.push(WorkApproval {
                case_id: h.row.case_id.0,
                reference: h.reference,
                approval_id: a.id.0,
                subject: a.subject,
                requested_on: iso(a.requested_on),
                round: a.round,
            });
        }
        let justice_deadlines = if matches!(who.actor.role, Role::CaseManager | Role::Coordinator) {
            self.justice_deadlines(who, crate::justice::WORK_LIST_DAYS)
                .await?
        } else {
            Vec::new()
        };
        Ok(WorkList {
            overdue_tasks,
            upcoming_tasks,
            approvals_waiting,
            review_queue,
            justice_deadlines,
        })
    }

    /// The organisation's cases due for their periodic review (coordinators).
    pub async fn review_queue(&self, who: &Principal) -> Result<Vec<ReviewItem>, AppError> {
        if who.actor.role != Role::Coordinator {
            return Err(AppError::forbidden(
                "the review queue is the coordinators' (interagency case review)",
            ));
        }
        let facts = self.store.review_facts(who.org()).await?;
        let today = self.clock.today();
        let mut input = Vec::new();
        let mut by_case = BTreeMap::new();
        for f in &facts {
            let opened_on = time::OffsetDateTime::from_unix_timestamp(f.created_at / 1000)
                .map(|t| t.date())
                .unwrap_or(today);
            let last_review = f
                .last_review_on
                .as_deref()
                .and_then(|d| parse_day("review", d).ok());
            input.push(ReviewFacts {
                case: f.case_id,
                status: CaseStatus::parse(&f.status)?,
                opened_on,
                last_review,
                every_months: self.review_months,
            });
            by_case.insert(f.case_id, f);
        }
        let due = needs::review_queue(&input, today);
        let mut out = Vec::new();
        for d in due.into_iter().take(200) {
            let Some(f) = by_case.get(&d.case) else {
                continue;
            };
            let records = self.store.case_records(d.case, None).await?;
            let referrals = self.store.referrals_for_case(d.case).await?;
            out.push(ReviewItem {
                case_id: d.case.0,
                reference: f.reference.clone(),
                status: CaseStatus::parse(&f.status)?,
                due_on: iso(d.due_on),
                days_overdue: d.days_overdue,
                last_review_on: f.last_review_on.clone(),
                changes: summarise_changes(
                    &records,
                    &referrals,
                    f.last_review_at.unwrap_or(i64::MIN),
                    today,
                ),
            });
        }
        Ok(out)
    }

    /// Today (the server's clock).
    pub fn today(&self) -> Date {
        self.clock.today()
    }

    /// Today as `YYYY-MM-DD` (the pages' default due day).
    pub fn today_iso(&self) -> String {
        iso(self.clock.today())
    }

    /// Staff of an organisation who work on cases (names and ids only), for
    /// assigning tasks and cases; only for users who work on cases there.
    pub async fn org_staff(
        &self,
        who: &Principal,
        org: Uuid,
    ) -> Result<Vec<(Uuid, String)>, AppError> {
        if who.org().0 != org {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for role in [Role::CaseManager, Role::Coordinator] {
            for u in self
                .store
                .users_with_role(OrgId(org), role.as_str())
                .await?
            {
                if !u.disabled {
                    out.push((u.id.0, u.full_name));
                }
            }
        }
        Ok(out)
    }

    /// Tells task owners about tasks due today or overdue, once per task.
    /// Run by the scheduler (`serve`) and at start.
    pub async fn notify_due_tasks(&self) -> Result<usize, AppError> {
        let today = iso(self.clock.today());
        let rows = self.store.all_case_records(kinds::TASK, &["open"]).await?;
        let mut told = 0;
        for r in rows {
            if r.due_on.as_deref().is_none_or(|d| d > today.as_str()) {
                continue;
            }
            let Some(owner) = r.owner_id else { continue };
            let reference = self.case_reference(r.case_id).await?.unwrap_or_default();
            let mut updated = r.clone();
            updated.state = "due_notified".into();
            updated.version += 1;
            updated.updated_at = self.now_ms();
            // The state change and the notice in one transaction: a crash
            // between them neither loses nor repeats the notice.
            let notice = self.notice(
                owner,
                "task_due",
                Some(r.case_id),
                format!(
                    "A task on case {reference} is due on {}.",
                    crate::clock::long_day_of(r.due_on.as_deref().unwrap_or_default())
                ),
            );
            let audit = AuditDraft::new(self.now_ms(), "system".to_owned(), "task.due_notified")
                .record("case", r.case_id)
                .detail(format!("task={}", r.id))
                .notify(notice);
            match self.store.write_case_records(&[updated], &audit).await {
                Ok(()) => {}
                // Someone finished the task meanwhile: nothing to tell.
                Err(StoreError::VersionMismatch) => continue,
                Err(e) => return Err(e.into()),
            }
            told += 1;
        }
        Ok(told)
    }
}

/// Counts of what changed on a case after `since_ms`: status changes, needs
/// recorded, tasks done and overdue, approvals, referrals (no personal data).
fn summarise_changes(
    records: &[CaseRecordRow],
    referrals: &[safepath_store::LedgerRow],
    since_ms: i64,
    today: Date,
) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let today = iso(today);
    for r in records {
        if r.kind == kinds::TASK
            && TASK_OPEN.contains(&r.state.as_str())
            && r.due_on.as_deref().is_some_and(|d| d < today.as_str())
        {
            *counts.entry("overdue tasks").or_default() += 1;
        }
        if r.updated_at <= since_ms {
            continue;
        }
        let key = match (r.kind.as_str(), r.state.as_str()) {
            (kinds::TRANSITION, _) => "status changes",
            (kinds::ASSIGNMENT, _) => "re-assignments",
            (kinds::NEED, _) => "needs recorded or updated",
            (kinds::GOAL, _) => "care-plan goals added",
            (kinds::TASK, "done") => "tasks completed",
            (kinds::TASK, _) => "tasks added or changed",
            (kinds::APPROVAL, _) => "approvals requested or decided",
            (kinds::ASSESSMENT, _) => "assessments recorded",
            (kinds::FEEDBACK, _) => "service feedback received",
            _ => continue,
        };
        *counts.entry(key).or_default() += 1;
    }
    let new_referrals = referrals.iter().filter(|r| r.updated_at > since_ms).count();
    if new_referrals > 0 {
        counts.insert("referrals sent or answered", new_referrals);
    }
    if counts.is_empty() {
        return vec!["no changes".into()];
    }
    counts
        .into_iter()
        .map(|(k, n)| format!("{n} {k}"))
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
