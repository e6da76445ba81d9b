//! Case work over the JSON API and as pages: the lifecycle and its timeline,
//! assignment, approvals, needs, care plan and tasks, reviews, assessments
//! and service feedback (`/cases/{id}/work`); consent and referrals from the
//! case (`/cases/{id}/sharing`); and each user's work list (`/work`).

use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_app::casework::*;
use safepath_app::referrals::{
    ConsentView, NewConsent, NewReferralRequest, ReferralAnswer, ReferralView,
};
use safepath_app::views::OrgView;
use safepath_app::{AppError, ErrorKind};
use safepath_domain::case::CaseStatus;
use safepath_domain::casework::approvals::ApprovalSubject;
use safepath_domain::casework::consent::{ConsentPurpose, DataCategory, GuardianConsent};
use safepath_domain::casework::needs::{NeedDomain, NeedStatus, Priority};
use safepath_domain::casework::referral::Urgency;
use std::collections::BTreeSet;
use uuid::Uuid;

use crate::AppState;
use crate::api::{ApiJson, Items, body_bytes, parse_json};
use crate::auth::{ApiUser, WebUser};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::{FluentArg, Tr};
use crate::ui::Posted;
use crate::ui::{Fields, UserBar, bar, error_page, render, tr_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases/{id}/work", get(api_casework))
        .route("/api/v1/cases/{id}/transitions", post(api_transition))
        .route("/api/v1/cases/{id}/assignment", post(api_assign))
        .route("/api/v1/cases/{id}/approvals", post(api_request_approval))
        .route("/api/v1/approvals/{id}/{action}", post(api_decide_approval))
        .route("/api/v1/cases/{id}/needs", post(api_add_need))
        .route("/api/v1/needs/{id}", axum::routing::patch(api_update_need))
        .route("/api/v1/cases/{id}/goals", post(api_add_goal))
        .route("/api/v1/cases/{id}/tasks", post(api_add_task))
        .route("/api/v1/tasks/{id}/{action}", post(api_task))
        .route("/api/v1/cases/{id}/reviews", post(api_review))
        .route("/api/v1/cases/{id}/assessments", post(api_assessment))
        .route("/api/v1/cases/{id}/feedback", post(api_feedback))
        .route("/api/v1/work", get(api_work))
        .route("/api/v1/reviews", get(api_review_queue))
        .route("/api/v1/feedback/providers", get(api_feedback_report))
        .route("/cases/{id}/work", get(work_page))
        .route("/cases/{id}/work/{action}", post(work_submit))
        .route("/approvals/{id}/{action}", post(approval_submit))
        .route("/needs/{id}/status", post(need_status_submit))
        .route("/tasks/{id}/{action}", post(task_submit))
        .route("/cases/{id}/sharing", get(sharing_page))
        .route("/cases/{id}/sharing/{action}", post(sharing_submit))
        .route("/work", get(my_work_page))
}

fn uuid_or_404(raw: &str, what: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError(AppError::not_found(format!("no such {what}"))))
}

fn case_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError(AppError::case_not_found()))
}

type Created = (StatusCode, Json<CaseWork>);

fn created(w: CaseWork) -> Created {
    (StatusCode::CREATED, Json(w))
}

// ---------------------------------------------------------------- API

#[utoipa::path(get, path = "/api/v1/cases/{id}/work", tag = "case work", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = CaseWork), (status = 404, body = ErrorBody)))]
pub async fn api_casework(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<CaseWork>, ApiError> {
    Ok(Json(app.casework(&user, case_id(&id)?).await?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/transitions", tag = "case work", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = StatusChange,
    responses((status = 201, description = "Moved; the case work with its timeline", body = CaseWork), (status = 400, body = ErrorBody),
        (status = 403, description = "role_not_allowed", body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "transition_not_allowed, status_unchanged, closure_approval_required, security_assessment_required, international_protection_needed (the latest structured security assessment finds a need for international protection: non-refoulement), return_unsafe, best_interests_determination_required, return_blocked_reflection_period, return_blocked_protection_pending, version_mismatch", body = ErrorBody)))]
pub async fn api_transition(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<StatusChange>,
) -> Result<Created, ApiError> {
    Ok(created(app.change_status(&user, case_id(&id)?, req).await?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/assignment", tag = "case work", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = Assignment,
    responses((status = 200, body = AssignmentView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn api_assign(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Assignment>,
) -> Result<Json<AssignmentView>, ApiError> {
    Ok(Json(app.assign_case(&user, case_id(&id)?, req).await?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/approvals", tag = "case work", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ApprovalRequest,
    responses((status = 201, body = CaseWork), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn api_request_approval(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ApprovalRequest>,
) -> Result<Created, ApiError> {
    Ok(created(
        app.request_approval(&user, case_id(&id)?, req).await?,
    ))
}

/// `approve` (optional `{"comment"}`) or `return` (`{"comment"}` required).
#[utoipa::path(post, path = "/api/v1/approvals/{id}/{action}", tag = "case work", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("action" = String, Path, description = "approve or return")), request_body = ApprovalDecision,
    responses((status = 200, body = CaseWork), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn api_decide_approval(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, action)): Path<(String, String)>,
    req: Request,
) -> Result<Json<CaseWork>, ApiError> {
    let id = uuid_or_404(&id, "approval")?;
    let approve = match action.as_str() {
        "approve" => true,
        "return" => false,
        _ => return Err(ApiError(AppError::not_found("no such action"))),
    };
    let body: ApprovalDecision = optional_body(req).await?;
    Ok(Json(app.decide_approval(&user, id, approve, body).await?))
}

/// An optional JSON body: empty means the default.
async fn optional_body<T: serde::de::DeserializeOwned + Default>(
    req: Request,
) -> Result<T, ApiError> {
    let bytes = body_bytes(req, &()).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        parse_json(&bytes)
    }
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/needs", tag = "case work", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewNeed,
    responses((status = 201, body = CaseWork), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_add_need(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewNeed>,
) -> Result<Created, ApiError> {
    Ok(created(app.add_need(&user, case_id(&id)?, req).await?))
}

#[utoipa::path(patch, path = "/api/v1/needs/{id}", tag = "case work", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NeedPatch,
    responses((status = 200, body = CaseWork), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_update_need(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NeedPatch>,
) -> Result<Json<CaseWork>, ApiError> {
    let id = uuid_or_404(&id, "need")?;
    Ok(Json(app.update_need(&user, id, req).await?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/goals", tag = "case work", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewGoal,
    responses((status = 201, body = CaseWork), (status = 400, body = ErrorBody), (status = 403, description = "Not a role that may do this on the case", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_add_goal(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewGoal>,
) -> Result<Created, ApiError> {
    Ok(created(app.add_goal(&user, case_id(&id)?, req).await?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/tasks", tag = "case work", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewTask,
    responses((status = 201, body = CaseWork), (status = 400, body = ErrorBody), (status = 403, description = "Not a role that may do this on the case", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_add_task(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewTask>,
) -> Result<Created, ApiError> {
    Ok(created(app.add_task(&user, case_id(&id)?, req).await?))
}

fn task_action(action: &str) -> Result<TaskAction, AppError> {
    match action {
        "done" => Ok(TaskAction::Done),
        "cancel" => Ok(TaskAction::Cancel),
        _ => Err(AppError::not_found("no such action")),
    }
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/{action}", tag = "case work", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("action" = String, Path, description = "done or cancel")),
    responses((status = 200, body = CaseWork), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn api_task(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, action)): Path<(String, String)>,
) -> Result<Json<CaseWork>, ApiError> {
    let id = uuid_or_404(&id, "task")?;
    let action = task_action(&action)?;
    Ok(Json(app.act_on_task(&user, id, action).await?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/reviews", tag = "case work", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewReview,
    responses((status = 201, body = CaseWork), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_review(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewReview>,
) -> Result<Created, ApiError> {
    Ok(created(app.record_review(&user, case_id(&id)?, req).await?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/assessments", tag = "case work", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewAssessment,
    responses((status = 201, body = CaseWork), (status = 400, body = ErrorBody), (status = 403, description = "Not a role that may do this on the case", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_assessment(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewAssessment>,
) -> Result<Created, ApiError> {
    Ok(created(
        app.record_assessment(&user, case_id(&id)?, req).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/feedback", tag = "case work", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewFeedback,
    responses((status = 201, body = CaseWork), (status = 400, body = ErrorBody), (status = 403, description = "Not a role that may do this on the case", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_feedback(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewFeedback>,
) -> Result<Created, ApiError> {
    Ok(created(
        app.record_feedback(&user, case_id(&id)?, req).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/work", tag = "case work", security(("bearer" = [])),
    responses((status = 200, description = "Overdue and upcoming tasks; for coordinators also approvals waiting and the review queue", body = WorkList)))]
pub async fn api_work(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<WorkList>, ApiError> {
    Ok(Json(app.work_list(&user).await?))
}

#[utoipa::path(get, path = "/api/v1/reviews", tag = "case work", security(("bearer" = [])),
    responses((status = 200, body = Items<ReviewItem>), (status = 403, body = ErrorBody)))]
pub async fn api_review_queue(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Items<ReviewItem>>, ApiError> {
    Ok(Json(Items {
        items: app.review_queue(&user).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/feedback/providers", tag = "case work", security(("bearer" = [])),
    responses((status = 200, description = "Service feedback per provider, counted, without comments or persons", body = Items<ProviderFeedback>), (status = 403, body = ErrorBody)))]
pub async fn api_feedback_report(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Items<ProviderFeedback>>, ApiError> {
    Ok(Json(Items {
        items: app.feedback_report(&user).await?,
    }))
}

// ---------------------------------------------------------------- pages

/// A user who may be given a task or a case on this page.
pub struct StaffOption {
    id: Uuid,
    name: String,
}

#[derive(Template)]
#[template(path = "casework.html")]
struct WorkPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    reference: String,
    w: CaseWork,
    status_label: String,
    is_coordinator: bool,
    staff: Vec<StaffOption>,
    orgs: Vec<OrgView>,
    domains: Vec<&'static str>,
    priorities: Vec<&'static str>,
    need_statuses: Vec<&'static str>,
    subjects: Vec<&'static str>,
    today: String,
    /// Languages for the person's feedback: (code, name).
    languages: Vec<(&'static str, String)>,
    /// A refused form: (form, field, words). The field is empty when the
    /// refusal concerns the whole form (a rule of the lifecycle).
    error: Option<(String, String, String)>,
    /// The refused form's values, shown again.
    kept: Vec<(String, String)>,
    /// What was just done, in words.
    message: Option<String>,
}

/// The fields each form of the page shows (an error on another field is
/// shown at the top of its form).
const FORM_FIELDS: [(&str, &[&str]); 9] = [
    ("status", &["to", "reason"]),
    ("assign", &["case_manager_id", "note"]),
    ("review", &["notes"]),
    ("approval", &["subject"]),
    (
        "need",
        &["domain", "priority", "beneficiary", "persons_view"],
    ),
    ("goal", &["need_ids", "description"]),
    ("task", &["goal_id", "description", "due_on", "assigned_to"]),
    ("assessment", &["kind", "summary"]),
    (
        "feedback",
        &[
            "provider_org_id",
            "service",
            "rating",
            "comment",
            "language",
        ],
    ),
];

impl WorkPage {
    /// A timeline entry in words: what happened, in the reader's language
    /// (a status change is written by the template as "from → to").
    fn happened(&self, e: &TimelineEntry) -> String {
        let tr = &self.tr;
        let part = |i: usize| e.parts.get(i).map(String::as_str).unwrap_or_default();
        match e.kind.as_str() {
            "decision" => format!("{}: {}", tr.t(part(0)), tr.label_or("outcome-", part(1))),
            "approval" => format!(
                "{}: {}",
                tr.label_or("subject-", part(0)),
                tr.label_or("approval-", part(1))
            ),
            "assessment" => tr.label_or("assessment-", part(0)),
            "assignment" => tr.t_args(
                "timeline-assigned",
                &[("name", FluentArg::Text(part(0).to_owned()))],
            ),
            "review" => tr.t("timeline-review"),
            _ => tr.t("timeline-other"),
        }
    }
    /// A needs-assessment question in the reader's language.
    fn prompt(&self, p: &PromptView) -> String {
        let key = format!("prompt-{}", p.key.replace('.', "-"));
        if self.tr.has(&key) {
            self.tr.t(key)
        } else {
            p.text.clone()
        }
    }
    /// The words for `field` of `form`, when that field was refused.
    fn err(&self, form: &str, field: &str) -> Option<&str> {
        match &self.error {
            Some((f, fd, text)) if f == form && fd == field => Some(text),
            _ => None,
        }
    }
    /// The refusal of `form` that no field of it shows.
    fn form_err(&self, form: &str) -> Option<&str> {
        let shown = |field: &str| {
            FORM_FIELDS
                .iter()
                .any(|(f, fields)| *f == form && fields.contains(&field))
        };
        match &self.error {
            Some((f, field, text)) if f == form && !shown(field) => Some(text),
            _ => None,
        }
    }
    /// Whether `form`'s section opens by itself (it was refused).
    fn opens(&self, form: &str) -> bool {
        self.error.as_ref().is_some_and(|(f, _, _)| f == form)
    }
    /// The value typed into `field` of a refused `form` (empty otherwise).
    fn kept(&self, form: &str, field: &str) -> &str {
        if !self.opens(form) {
            return "";
        }
        self.kept
            .iter()
            .find(|(k, _)| k == field)
            .map_or("", |(_, v)| v.as_str())
    }
    /// Whether `value` was chosen for `field` of a refused `form`.
    fn picked(&self, form: &str, field: &str, value: &str) -> bool {
        self.opens(form) && self.kept.iter().any(|(k, v)| k == field && v == value)
    }
}

#[derive(serde::Deserialize)]
pub struct WorkDone {
    done: Option<String>,
}

async fn work_page(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<WorkDone>,
) -> Response {
    let tr = tr_for(&user);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::case_not_found());
    };
    let key = q.done.map(|d| format!("work-done-{d}"));
    let message = key.filter(|k| tr.has(k)).map(|k| tr.t(k));
    show_work(&app, &tr, &user, id, StatusCode::OK, None, message).await
}

/// The case work page; after a refusal, with the error beside its field,
/// the form's values kept and its section open.
async fn show_work(
    app: &AppState,
    tr: &Tr,
    user: &WebUser,
    id: Uuid,
    status: StatusCode,
    refused: Option<(&str, &AppError, &Fields)>,
    message: Option<String>,
) -> Response {
    let tr = tr.clone();
    // Through a referral the shared needs show on the case page; the case
    // work itself stays with the owning organisation.
    let case = match app.get_case(user.principal(), id).await {
        Ok(c) if c.shared_categories.is_none() => c,
        Ok(_) => return error_page(&tr, user, AppError::case_not_found()),
        Err(e) => return error_page(&tr, user, e),
    };
    let w = match app.casework(user.principal(), id).await {
        Ok(w) => w,
        Err(e) => return error_page(&tr, user, e),
    };
    let staff = app
        .org_staff(user.principal(), case.org_id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(id, name)| StaffOption { id, name })
        .collect();
    let orgs = app.orgs().await.unwrap_or_default();
    render(
        status,
        &WorkPage {
            title: format!("{} · {}", case.reference, tr.t("work-title")),
            user: Some(bar(&tr, user)),
            csrf: user.session.csrf_token.clone(),
            reference: case.reference,
            status_label: tr.t(w.status.as_str()),
            w,
            is_coordinator: safepath_domain::access::capabilities(user.principal().actor.role)
                .supervises,
            staff,
            orgs,
            domains: NeedDomain::ALL.iter().map(|d| d.as_str()).collect(),
            priorities: Priority::ALL.iter().map(|d| d.as_str()).collect(),
            need_statuses: NeedStatus::ALL.iter().map(|d| d.as_str()).collect(),
            subjects: ApprovalSubject::ALL.iter().map(|d| d.as_str()).collect(),
            today: app.today_iso(),
            languages: crate::ui::LANGUAGES
                .iter()
                .map(|c| (*c, crate::ui::language_name(&tr, c)))
                .collect(),
            error: refused.map(|(form, e, _)| {
                let (field, text) = work_error(&tr, e);
                (form.to_owned(), field, text)
            }),
            kept: refused
                .map(|(_, _, f)| {
                    f.pairs()
                        .filter(|(k, _)| *k != "csrf")
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
            message,
            tr,
        },
    )
}

/// A refusal of the case work's forms in plain words, and the field it
/// concerns ("" for the whole form): by its code where the catalogue has
/// words for it, else by the kind of rule.
fn work_error(tr: &Tr, e: &AppError) -> (String, String) {
    let field = e
        .message
        .split_once(':')
        .map(|(f, _)| f.trim())
        .filter(|f| !f.contains(' '))
        .unwrap_or(if e.code == "reason_required" {
            "reason"
        } else {
            ""
        })
        .to_owned();
    let key = format!("work-error-{}", e.code);
    let text = if tr.has(&key) {
        tr.t(key)
    } else if e.message.contains("is required") || e.code == "missing_field" {
        tr.t("work-error-required")
    } else if e.message.contains("date") {
        tr.t("work-error-date")
    } else if e.message.contains("not a known") || e.message.contains("choose") {
        tr.t("work-error-choose")
    } else {
        e.message
            .split_once(':')
            .filter(|(f, _)| !f.contains(' '))
            .map_or(e.message.as_str(), |(_, why)| why.trim())
            .to_owned()
    };
    (field, text)
}

fn parse_enum<T: serde::de::DeserializeOwned>(field: &'static str, v: &str) -> Result<T, AppError> {
    serde_json::from_value(serde_json::Value::String(v.to_owned()))
        .map_err(|_| AppError::bad_request("invalid_value", format!("{field}: not a known value")))
}

fn opt(v: &str) -> Option<String> {
    Some(v.trim().to_owned()).filter(|s| !s.is_empty())
}

fn form_uuid(field: &'static str, v: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(v.trim())
        .map_err(|_| AppError::bad_request("invalid_value", format!("{field}: choose one")))
}

/// What [`work_action`] answers when the user handed the case over.
const HANDED_OVER: &str = "handed-over";

async fn work_action(
    app: &AppState,
    who: &safepath_app::Principal,
    id: Uuid,
    action: &str,
    f: &Fields,
) -> Result<&'static str, AppError> {
    match action {
        "status" => {
            app.change_status(
                who,
                id,
                StatusChange {
                    to: parse_enum::<CaseStatus>("to", f.get("to"))?,
                    reason: opt(f.get("reason")),
                    version: None,
                },
            )
            .await?;
            Ok("timeline")
        }
        "assign" => {
            let done = app
                .assign_case(
                    who,
                    id,
                    Assignment {
                        case_manager_id: form_uuid("case_manager_id", f.get("case_manager_id"))?,
                        note: f.get("note").to_owned(),
                    },
                )
                .await?;
            // A case manager who handed the case over no longer sees it.
            let handed_over = done.previous_case_manager_id == Some(who.id().0)
                && !safepath_domain::access::capabilities(who.actor.role).sees_whole_org;
            Ok(if handed_over { HANDED_OVER } else { "timeline" })
        }
        "approval" => {
            app.request_approval(
                who,
                id,
                ApprovalRequest {
                    subject: parse_enum("subject", f.get("subject"))?,
                },
            )
            .await?;
            Ok("approvals")
        }
        "need" => {
            app.add_need(
                who,
                id,
                NewNeed {
                    domain: parse_enum("domain", f.get("domain"))?,
                    sub_area: None,
                    beneficiary: if f.get("beneficiary") == "dependent_child" {
                        safepath_domain::casework::needs::Beneficiary::DependentChild
                    } else {
                        safepath_domain::casework::needs::Beneficiary::Person
                    },
                    priority: parse_enum("priority", f.get("priority"))?,
                    persons_view: f.get("persons_view").to_owned(),
                },
            )
            .await?;
            Ok("needs")
        }
        "goal" => {
            let need_ids = f
                .all("need_ids")
                .iter()
                .map(|v| form_uuid("need_ids", v))
                .collect::<Result<Vec<_>, _>>()?;
            app.add_goal(
                who,
                id,
                NewGoal {
                    need_ids,
                    description: f.get("description").to_owned(),
                },
            )
            .await?;
            Ok("care-plan")
        }
        "task" => {
            app.add_task(
                who,
                id,
                NewTask {
                    goal_id: form_uuid("goal_id", f.get("goal_id"))?,
                    description: f.get("description").to_owned(),
                    due_on: f.get("due_on").to_owned(),
                    assigned_to: opt(f.get("assigned_to"))
                        .map(|v| form_uuid("assigned_to", &v))
                        .transpose()?,
                },
            )
            .await?;
            Ok("care-plan")
        }
        "review" => {
            app.record_review(
                who,
                id,
                NewReview {
                    notes: f.get("notes").to_owned(),
                },
            )
            .await?;
            Ok("timeline")
        }
        "assessment" => {
            app.record_assessment(
                who,
                id,
                NewAssessment {
                    kind: parse_enum("kind", f.get("kind"))?,
                    summary: f.get("summary").to_owned(),
                },
            )
            .await?;
            Ok("assessments")
        }
        "feedback" => {
            app.record_feedback(
                who,
                id,
                NewFeedback {
                    provider_org_id: form_uuid("provider_org_id", f.get("provider_org_id"))?,
                    service: f.get("service").to_owned(),
                    rating: parse_enum("rating", f.get("rating"))?,
                    comment: opt(f.get("comment")),
                    language: f.get("language").to_owned(),
                },
            )
            .await?;
            Ok("feedback")
        }
        _ => Err(AppError::not_found("no such form")),
    }
}

async fn work_submit(
    State(app): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::case_not_found());
    };
    match work_action(&app, user.principal(), id, &action, &f).await {
        Ok(HANDED_OVER) => Redirect::to("/work").into_response(),
        Ok(anchor) => {
            Redirect::to(&format!("/cases/{id}/work?done={action}#{anchor}")).into_response()
        }
        // A refused form: the page again, the error beside its field.
        Err(e) if matches!(e.kind, ErrorKind::BadRequest | ErrorKind::Conflict) => {
            let status = if e.kind == ErrorKind::Conflict {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            show_work(&app, &tr, &user, id, status, Some((&action, &e, &f)), None).await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn approval_submit(
    State(app): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let approve = match action.as_str() {
        "approve" => true,
        "return" => false,
        _ => return error_page(&tr, &user, AppError::not_found("no such action")),
    };
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::not_found("no such approval"));
    };
    let body = ApprovalDecision {
        comment: opt(f.get("comment")),
    };
    match app
        .decide_approval(user.principal(), id, approve, body)
        .await
    {
        Ok(w) => Redirect::to(&format!(
            "/cases/{}/work?done=approval-{action}#approvals",
            w.case_id
        ))
        .into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn need_status_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::not_found("no such need"));
    };
    let patch = match parse_enum::<NeedStatus>("status", f.get("status")) {
        Ok(s) => NeedPatch {
            status: Some(s),
            ..NeedPatch::default()
        },
        Err(e) => return error_page(&tr, &user, e),
    };
    match app.update_need(user.principal(), id, patch).await {
        Ok(w) => Redirect::to(&format!("/cases/{}/work?done=need-status#needs", w.case_id))
            .into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn task_submit(
    State(app): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Posted { user, fields: _f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::not_found("no such task"));
    };
    let done = match task_action(&action) {
        Ok(a) => a,
        Err(e) => return error_page(&tr, &user, e),
    };
    match app.act_on_task(user.principal(), id, done).await {
        Ok(w) => Redirect::to(&format!(
            "/cases/{}/work?done=task-{action}#care-plan",
            w.case_id
        ))
        .into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

// ---------------------------------------------------------------- sharing

#[derive(Template)]
#[template(path = "sharing.html")]
struct SharingPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    case_id: Uuid,
    reference: String,
    consents: Vec<ConsentView>,
    referrals: Vec<ReferralView>,
    orgs: Vec<OrgView>,
    purposes: Vec<&'static str>,
    categories: Vec<&'static str>,
    urgencies: Vec<&'static str>,
}

impl SharingPage {
    fn org_name(&self, id: &Uuid) -> String {
        self.orgs
            .iter()
            .find(|o| &o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    }
}

async fn sharing_page(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let tr = tr_for(&user);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::case_not_found());
    };
    let case = match app.get_case(user.principal(), id).await {
        Ok(c) if c.shared_categories.is_none() => c,
        Ok(_) => return error_page(&tr, &user, AppError::case_not_found()),
        Err(e) => return error_page(&tr, &user, e),
    };
    let consents = match app.consents(user.principal(), id).await {
        Ok(c) => c,
        Err(e) => return error_page(&tr, &user, e),
    };
    let referrals = match app.case_referrals(user.principal(), id).await {
        Ok(r) => r,
        Err(e) => return error_page(&tr, &user, e),
    };
    let orgs = app.orgs().await.unwrap_or_default();
    render(
        StatusCode::OK,
        &SharingPage {
            title: format!("{} · {}", case.reference, tr.t("sharing-title")),
            user: Some(bar(&tr, &user)),
            csrf: user.session.csrf_token.clone(),
            case_id: id,
            reference: case.reference,
            consents,
            referrals,
            orgs,
            purposes: ConsentPurpose::ALL.iter().map(|p| p.as_str()).collect(),
            categories: DataCategory::ALL.iter().map(|c| c.as_str()).collect(),
            urgencies: Urgency::ALL.iter().map(|u| u.as_str()).collect(),
            tr,
        },
    )
}

async fn sharing_action(
    app: &AppState,
    who: &safepath_app::Principal,
    id: Uuid,
    action: &str,
    f: &Fields,
) -> Result<(), AppError> {
    let categories = |f: &Fields| -> Result<BTreeSet<DataCategory>, AppError> {
        f.all("categories")
            .iter()
            .map(|c| parse_enum::<DataCategory>("categories", c))
            .collect()
    };
    match action {
        "consent" => {
            let recipient = opt(f.get("recipient_org_id"))
                .map(|v| form_uuid("recipient_org_id", &v))
                .transpose()?;
            app.record_consent(
                who,
                id,
                NewConsent {
                    purpose: parse_enum("purpose", f.get("purpose"))?,
                    recipient_org_id: recipient,
                    categories: categories(f)?,
                    expires_on: opt(f.get("expires_on")),
                    explained_in_language: opt(f.get("explained_in_language")),
                    interpreter: f.get("interpreter") == "on",
                    person_is_child: f.get("person_is_child") == "on",
                    child_guardian: match f.get("guardian") {
                        "given" => Some(GuardianConsent::Given {
                            given_on: app.today(),
                            explained_in_language: f.get("guardian_language").trim().to_owned(),
                        }),
                        "suspected_exploiter" => {
                            Some(GuardianConsent::GuardianIsSuspectedExploiter {
                                best_interests_determination_ref: f
                                    .get("bid_ref")
                                    .trim()
                                    .to_owned(),
                            })
                        }
                        _ => None,
                    },
                },
            )
            .await?;
        }
        "referral" => {
            app.send_referral(
                who,
                id,
                NewReferralRequest {
                    to_org_id: form_uuid("to_org_id", f.get("to_org_id"))?,
                    service: f.get("service").to_owned(),
                    categories: categories(f)?,
                    urgency: parse_enum("urgency", f.get("urgency"))?,
                },
            )
            .await?;
        }
        "withdraw" => {
            app.withdraw_consent(who, f.get("consent_id")).await?;
        }
        "revoke" => {
            app.answer_referral(
                who,
                f.get("referral_id"),
                "revoke",
                ReferralAnswer {
                    reason: opt(f.get("reason")),
                    outcome: None,
                },
            )
            .await?;
        }
        _ => return Err(AppError::not_found("no such form")),
    }
    Ok(())
}

async fn sharing_submit(
    State(app): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::case_not_found());
    };
    match sharing_action(&app, user.principal(), id, &action, &f).await {
        Ok(()) => Redirect::to(&format!("/cases/{id}/sharing")).into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

// ---------------------------------------------------------------- my work

#[derive(Template)]
#[template(path = "work.html")]
struct MyWorkPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    w: WorkList,
    is_coordinator: bool,
    feedback: Vec<ProviderFeedback>,
    /// Shelter stays that may amount to detention (coordinators).
    detentions: Vec<safepath_app::directory::DetentionFlagView>,
    /// Proceedings that may be exhausting the person (coordinators).
    fatigue: Vec<FatigueLine>,
}

impl MyWorkPage {
    /// What changed on a case since its last review, in the reader's words.
    fn changes(&self, r: &ReviewItem) -> String {
        if r.change_counts.is_empty() {
            return self.tr.t("review-change-none");
        }
        r.change_counts
            .iter()
            .map(|c| {
                format!(
                    "{}: {}",
                    self.tr.label_or("review-change-", &c.what),
                    c.count
                )
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

struct FatigueLine {
    case_id: uuid::Uuid,
    reference: String,
    proceeding: String,
    warnings: Vec<String>,
}

async fn my_work_page(State(app): State<AppState>, user: WebUser) -> Response {
    let tr = tr_for(&user);
    let w = match app.work_list(user.principal()).await {
        Ok(w) => w,
        Err(e) => return error_page(&tr, &user, e),
    };
    let is_coordinator =
        safepath_domain::access::capabilities(user.principal().actor.role).supervises;
    let (feedback, detentions, fatigue) = if is_coordinator {
        (
            app.feedback_report(user.principal())
                .await
                .unwrap_or_default(),
            app.possible_detentions(user.principal())
                .await
                .unwrap_or_default(),
            app.fatigue_overview(user.principal())
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|f| FatigueLine {
                    case_id: f.case_id,
                    reference: f.reference,
                    proceeding: tr.t(format!("proceeding-kind-{}", f.proceeding_kind.as_str())),
                    warnings: f
                        .warnings
                        .iter()
                        .map(|w| crate::justice::fatigue_text(&tr, w))
                        .collect(),
                })
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    render(
        StatusCode::OK,
        &MyWorkPage {
            title: tr.t("mywork-title"),
            user: Some(bar(&tr, &user)),
            csrf: user.session.csrf_token.clone(),
            w,
            is_coordinator,
            feedback,
            detentions,
            fatigue,
            tr,
        },
    )
}
