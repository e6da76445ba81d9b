//! The cross-border handover's inbox: `POST /api/v1/handover/inbox` takes a
//! message sealed by a registered partner deployment (signed with its
//! Ed25519 key, HPKE-encrypted to ours; see docs/handover.md). No session or
//! token: the envelope's signature is the authentication. Anything else —
//! garbage, JSON that is not sealed, a replay, a message from an
//! unregistered deployment — is answered 4xx with a JSON error and changes
//! nothing.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_app::AppError;
use safepath_app::handover::HandoverReceipt;
use safepath_app::handover_cases::{
    HandoverStarted, HandoverSummary, NewHandover, NewSecurityAssessment, PartnerChoice,
    SecurityAssessmentView,
};
use safepath_app::handover_protocol::{
    HandoverListItem, HandoverMessageSent, HandoverView, NewHandoverMessage,
};
use safepath_domain::casework::consent::DataCategory;
use safepath_domain::solutions::assessment::{
    FamilySituation, ProtectionNeed, ReceivingCapacity, RiskLevel,
};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

use crate::AppState;
use crate::api::{ApiJson, Items, body_bytes};
use crate::auth::ApiUser;
use crate::auth::WebUser;
use crate::error::{ApiError, ErrorBody};
use crate::i18n::Tr;
use crate::ui::Posted;
use crate::ui::{UserBar, bar, error_page, render, tr_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/handover/inbox", post(api_inbox))
        .route(
            "/api/v1/cases/{id}/handovers",
            get(case_handovers).post(start_handover),
        )
        .route(
            "/api/v1/cases/{id}/security-assessments",
            get(security_assessments).post(record_security_assessment),
        )
        .route("/api/v1/handovers", get(api_handovers))
        .route("/api/v1/handovers/{id}", get(api_handover))
        .route("/api/v1/handovers/{id}/messages", post(api_send_message))
        .route("/handovers", get(crate::handover_steps::list_page))
        .route("/handovers/{id}", get(crate::handover_steps::detail_page))
        .route(
            "/handovers/{id}/messages",
            post(crate::handover_steps::send_submit),
        )
        .route("/cases/{id}/return", get(return_page))
        .route("/cases/{id}/return/security", post(security_submit))
        .route("/cases/{id}/return/handover", post(handover_submit))
}

pub(crate) fn case_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError(AppError::case_not_found()))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/handovers", tag = "handover", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewHandover,
    responses(
        (status = 201, description = "The handover, `requested`, its request sealed to the partner in the outbox", body = HandoverStarted),
        (status = 400, description = "A bad body, or `unknown_partner`", body = ErrorBody),
        (status = 403, description = "`consent_required`: no effective `cross_border_handover` consent names the partner's organisation and covers every category", body = ErrorBody),
        (status = 404, description = "No such case, or one you may not edit", body = ErrorBody),
        (status = 409, description = "`security_assessment_required`, `international_protection_needed`, `return_blocked_reflection_period`, `return_blocked_protection_pending`, `return_unsafe`, `best_interests_determination_required`, `family_assessment_required`", body = ErrorBody)))]
pub async fn start_handover(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewHandover>,
) -> Result<(StatusCode, Json<HandoverStarted>), ApiError> {
    let id = case_id(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(app.start_handover(&user, id, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/handovers", tag = "handover", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The case's handovers: states, partners, dates — nothing of the person", body = Items<HandoverSummary>), (status = 404, body = ErrorBody)))]
pub async fn case_handovers(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Items<HandoverSummary>>, ApiError> {
    let id = case_id(&id)?;
    Ok(Json(Items {
        items: app.case_handovers(&user, id).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/security-assessments", tag = "handover", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewSecurityAssessment,
    responses((status = 201, description = "Recorded (sealed), with its outcome", body = SecurityAssessmentView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_security_assessment(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewSecurityAssessment>,
) -> Result<(StatusCode, Json<SecurityAssessmentView>), ApiError> {
    let id = case_id(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(app.record_security_assessment(&user, id, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/security-assessments", tag = "handover", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Items<SecurityAssessmentView>), (status = 404, body = ErrorBody)))]
pub async fn security_assessments(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Items<SecurityAssessmentView>>, ApiError> {
    let id = case_id(&id)?;
    Ok(Json(Items {
        items: app.security_assessments(&user, id).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/handover/inbox", tag = "handover",
    request_body(content = String, content_type = "application/json", description = "A sealed envelope `{\"v\", \"suite\", \"sender\", \"recipient\", \"enc\", \"ciphertext\"}`"),
    responses(
        (status = 200, description = "Accepted (or received before: `duplicate`)", body = HandoverReceipt),
        (status = 400, description = "Not a sealed message, wrong recipient, undecryptable, expired, or not a protocol message", body = ErrorBody),
        (status = 403, description = "`handover_unknown_sender`, `handover_bad_signature`, `handover_not_partner`", body = ErrorBody),
        (status = 409, description = "`handover_message_replayed`, `handover_message_out_of_order`, or refused by the protocol", body = ErrorBody)))]
pub async fn api_inbox(
    State(app): State<AppState>,
    req: Request,
) -> Result<Json<HandoverReceipt>, ApiError> {
    let bytes = body_bytes(req, &()).await?;
    let me = app.handover_identity()?;
    Ok(Json(app.receive_handover_message(&me, &bytes).await?))
}

#[utoipa::path(get, path = "/api/v1/handovers", tag = "handover", security(("bearer" = [])),
    responses((status = 200, description = "The handovers your side holds here: those received by your organisation from a partner deployment linked to it, and those of cases you may read. States, partners, dates — nothing of the person", body = Items<HandoverListItem>),
        (status = 401, body = ErrorBody)))]
pub async fn api_handovers(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Items<HandoverListItem>>, ApiError> {
    Ok(Json(Items {
        items: app.handovers_held(&user).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/handovers/{id}", tag = "handover", security(("bearer" = [])), params(("id" = String, Path, description = "The handover's id")),
    responses((status = 200, description = "State, contacts, follow-up schedule and every step with who and when (an audited read)", body = HandoverView),
        (status = 401, body = ErrorBody),
        (status = 404, description = "No such handover, or one you may not see", body = ErrorBody)))]
pub async fn api_handover(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<HandoverView>, ApiError> {
    Ok(Json(app.handover_view(&user, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/handovers/{id}/messages", tag = "handover", security(("bearer" = [])), params(("id" = String, Path, description = "The handover's id")), request_body = NewHandoverMessage,
    responses(
        (status = 201, description = "Applied here and sealed to the partner into the outbox with the next sequence number", body = HandoverMessageSent),
        (status = 400, description = "A bad body: `invalid_field`, `missing_field`, `reason_required`, `handover_contact_and_alternate_required`, `handover_date_invalid`, `handover_follow_up_month_unknown`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`consent_required`, `handover_categories_not_consented`: the consent does not name the partner's organisation or every category", body = ErrorBody),
        (status = 404, description = "No such handover, or one you may not act on", body = ErrorBody),
        (status = 409, description = "The protocol refuses it: `handover_wrong_side`, `handover_message_not_expected`, `handover_finished`, `handover_consent_withdrawn`, `handover_child_best_interests_required`, `handover_follow_up_already_reported`, `handover_plan_already_received`, `handover_partner_revoked`", body = ErrorBody)))]
pub async fn api_send_message(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewHandoverMessage>,
) -> Result<(StatusCode, Json<HandoverMessageSent>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(app.send_handover_message(&user, &id, req).await?),
    ))
}

// ------------------------------------------------------------ pages

/// `/cases/{id}/return`: the repatriation security assessments and the
/// cross-border handovers of one case, with the forms that record the one
/// and start the other (for those who may change the case).
#[derive(Template)]
#[template(path = "handover.html")]
struct ReturnPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    case_id: Uuid,
    message: Option<String>,
    /// The reintegration assessments, in words, and the form's choices.
    reintegration: Vec<crate::reintegration::Line>,
    reint: crate::reintegration::Choices,
    /// Whether `who` may record (edit the case): the forms are offered.
    may_edit: bool,
    assessments: Vec<AssessmentLine>,
    handovers: Vec<HandoverLine>,
    /// The person's decisions to return and removals, in words.
    returns: Vec<crate::returns::ReturnLine>,
    /// The registry's agreements (id, title), to pre-fill the plan.
    agreements: Vec<(String, String)>,
    decision: crate::returns::DecisionChoices,
    partners: Vec<PartnerChoice>,
    /// Each question of the assessment: field, label, choices (value, words).
    questions: Vec<Question>,
    categories: Vec<(&'static str, String)>,
    /// The submitted form (`security` or `handover`), kept on error.
    form: String,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
}

impl ReturnPage {
    fn value(&self, form: &str, k: &str) -> String {
        if self.form == form {
            self.values.get(k).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
    fn error(&self, form: &str, k: &str) -> Option<String> {
        (self.form == form)
            .then(|| self.errors.get(k).cloned())
            .flatten()
    }
    fn selected(&self, form: &str, k: &str, v: &str) -> bool {
        self.form == form && self.values.get(k).map(String::as_str) == Some(v)
    }
}

/// A question of the assessment: its field, its words, and each answer
/// (value, words).
type Question = (&'static str, String, Vec<(&'static str, String)>);

struct AssessmentLine {
    assessed_on: String,
    outcome_key: String,
    outcome: String,
    concerns: Vec<String>,
    answers: Vec<(String, String)>,
}

struct HandoverLine {
    id: String,
    /// The forms of the next steps, for those who may act.
    forms: Option<crate::handover_steps::StepForms>,
    partner: String,
    state_key: String,
    state: String,
    started: String,
    changed: String,
}

/// The questions of a security assessment, with the words for each answer.
fn questions(tr: &Tr) -> Vec<Question> {
    fn choices<T: Copy>(
        tr: &Tr,
        all: &[T],
        s: fn(T) -> &'static str,
        prefix: &str,
    ) -> Vec<(&'static str, String)> {
        all.iter()
            .map(|v| (s(*v), tr.t(format!("{prefix}-{}", s(*v)))))
            .collect()
    }
    let risk = choices(tr, RiskLevel::ALL, RiskLevel::as_str, "return-risk");
    vec![
        (
            "re_trafficking_risk",
            tr.t("return-q-re_trafficking_risk"),
            risk.clone(),
        ),
        (
            "trafficker_threat",
            tr.t("return-q-trafficker_threat"),
            risk.clone(),
        ),
        ("debt_threat", tr.t("return-q-debt_threat"), risk),
        (
            "family_situation",
            tr.t("return-q-family_situation"),
            choices(
                tr,
                FamilySituation::ALL,
                FamilySituation::as_str,
                "return-family",
            ),
        ),
        (
            "receiving_capacity",
            tr.t("return-q-receiving_capacity"),
            choices(
                tr,
                ReceivingCapacity::ALL,
                ReceivingCapacity::as_str,
                "return-capacity",
            ),
        ),
        (
            "protection_need",
            tr.t("return-q-protection_need"),
            choices(
                tr,
                ProtectionNeed::ALL,
                ProtectionNeed::as_str,
                "return-protection",
            ),
        ),
    ]
}

pub(crate) async fn render_return(
    app: &AppState,
    user: &WebUser,
    case: Uuid,
    message: Option<String>,
    form: &str,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
) -> Response {
    let tr = tr_for(user);
    let p = user.principal();
    let assessments = match app.security_assessments(p, case).await {
        Ok(a) => a,
        Err(e) => return error_page(&tr, user, e),
    };
    let reintegration = match app.reintegration_assessments(p, case).await {
        Ok(r) => crate::reintegration::lines(&tr, &r),
        Err(e) => return error_page(&tr, user, e),
    };
    let handovers = match app.case_handovers(p, case).await {
        Ok(h) => h,
        Err(e) => return error_page(&tr, user, e),
    };
    let returns = match app.case_returns(p, case).await {
        Ok((r, _)) => crate::returns::lines(&tr, &r),
        Err(e) => return error_page(&tr, user, e),
    };
    let agreements = app
        .agreements(p, None, None)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.id.to_string(), a.title))
        .collect();
    // Partners are offered to those who may start a handover; others see
    // the lists only.
    let partners = app
        .handover_partner_choices(p, case)
        .await
        .unwrap_or_default();
    let may_edit = !partners.is_empty() || app.may_edit_case(p, case).await;
    let questions = questions(&tr);
    let words = |field: &str, v: &str| {
        questions
            .iter()
            .find(|(f, _, _)| *f == field)
            .and_then(|(_, _, c)| c.iter().find(|(k, _)| *k == v))
            .map_or_else(|| v.to_owned(), |(_, w)| w.clone())
    };
    let assessments = assessments
        .iter()
        .rev()
        .map(|a| AssessmentLine {
            assessed_on: tr.day(&a.assessed_on),
            outcome_key: a.outcome.clone(),
            outcome: tr.t(format!("return-outcome-{}", a.outcome)),
            concerns: a
                .concerns
                .iter()
                .map(|c| tr.t(format!("return-concern-{c}")))
                .collect(),
            answers: vec![
                (
                    tr.t("return-q-re_trafficking_risk"),
                    words("re_trafficking_risk", &a.re_trafficking_risk),
                ),
                (
                    tr.t("return-q-trafficker_threat"),
                    words("trafficker_threat", &a.trafficker_threat),
                ),
                (
                    tr.t("return-q-debt_threat"),
                    words("debt_threat", &a.debt_threat),
                ),
                (
                    tr.t("return-q-family_situation"),
                    words("family_situation", &a.family_situation),
                ),
                (
                    tr.t("return-q-receiving_capacity"),
                    words("receiving_capacity", &a.receiving_capacity),
                ),
                (
                    tr.t("return-q-protection_need"),
                    words("protection_need", &a.protection_need),
                ),
            ],
        })
        .collect();
    let mut lines = Vec::with_capacity(handovers.len());
    for h in &handovers {
        // The next steps of each handover, as small forms (an audited read).
        let forms = match app.handover_view(p, &h.id).await {
            Ok(v) => crate::handover_steps::step_forms(
                &tr,
                &v,
                &user.session.csrf_token,
                &case.to_string(),
                "",
                BTreeMap::new(),
                BTreeMap::new(),
            ),
            Err(_) => None,
        };
        lines.push(HandoverLine {
            id: h.id.clone(),
            forms,
            partner: h.partner.clone(),
            state_key: h.state.clone(),
            state: tr.t(format!("handover-state-{}", h.state)),
            started: tr.when(&h.created_at),
            changed: tr.when(&h.updated_at),
        });
    }
    let handovers = lines;
    let categories = DataCategory::ALL
        .iter()
        .map(|c| (c.as_str(), tr.t(format!("category-{}", c.as_str()))))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &ReturnPage {
            title: tr.t("return-title"),
            user: Some(bar(&tr, user)),
            csrf: user.session.csrf_token.clone(),
            case_id: case,
            message,
            reint: crate::reintegration::choices(&tr),
            reintegration,
            may_edit,
            assessments,
            handovers,
            returns,
            agreements,
            decision: crate::returns::choices(&tr),
            partners,
            questions,
            categories,
            form: form.to_owned(),
            values,
            errors,
            tr,
        },
    )
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

async fn return_page(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Response {
    let tr = tr_for(&user);
    let Ok(case) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::case_not_found());
    };
    let message = match q.done.as_deref() {
        Some("security") => Some(tr.t("return-done-security")),
        Some("reintegration") => Some(tr.t("reint-done")),
        Some("handover") => Some(tr.t("return-done-handover")),
        Some("step") => Some(tr.t("return-done-step")),
        Some("decision") => Some(tr.t("return-done-decision")),
        Some("removal") => Some(tr.t("return-done-removal")),
        _ => None,
    };
    render_return(
        &app,
        &user,
        case,
        message,
        "",
        BTreeMap::new(),
        BTreeMap::new(),
    )
    .await
}

/// Which field an application error is about, and the words for it.
fn field_error(tr: &Tr, e: &AppError) -> (String, String) {
    // The API's messages start with the field they are about.
    let field = match e.code {
        "unknown_partner" => "partner",
        "consent_required" => "categories",
        "assessed_in_future" => "assessed_on",
        _ => ["categories", "assessed_on", "notes"]
            .into_iter()
            .find(|f| e.message.starts_with(f))
            .unwrap_or("form"),
    };
    let words = if tr.has(&format!("return-error-{}", e.code)) {
        tr.t(format!("return-error-{}", e.code))
    } else {
        e.message.clone()
    };
    (field.to_owned(), words)
}

async fn security_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let Ok(case) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::case_not_found());
    };
    let values = f.kept();
    let mut errors = BTreeMap::new();
    for (field, _, _) in questions(&tr) {
        if f.get(field).is_empty() {
            errors.insert(field.to_owned(), tr.t("return-error-choose"));
        }
    }
    if !errors.is_empty() {
        return render_return(&app, &user, case, None, "security", values, errors).await;
    }
    let opt = |k: &str| Some(f.get(k).trim().to_owned()).filter(|v| !v.is_empty());
    let input = NewSecurityAssessment {
        re_trafficking_risk: f.get("re_trafficking_risk").to_owned(),
        trafficker_threat: f.get("trafficker_threat").to_owned(),
        debt_threat: f.get("debt_threat").to_owned(),
        family_situation: f.get("family_situation").to_owned(),
        receiving_capacity: f.get("receiving_capacity").to_owned(),
        protection_need: f.get("protection_need").to_owned(),
        notes: opt("notes"),
        assessed_on: opt("assessed_on"),
    };
    match app
        .record_security_assessment(user.principal(), case, input)
        .await
    {
        Ok(_) => Redirect::to(&format!("/cases/{case}/return?done=security")).into_response(),
        Err(e) if e.kind == safepath_app::ErrorKind::BadRequest => {
            let (field, words) = field_error(&tr, &e);
            errors.insert(field, words);
            render_return(&app, &user, case, None, "security", values, errors).await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn handover_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let Ok(case) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::case_not_found());
    };
    let values = f.kept();
    let mut errors = BTreeMap::new();
    if f.get("partner").is_empty() {
        errors.insert("partner".to_owned(), tr.t("return-error-partner"));
    }
    let mut categories = BTreeSet::new();
    for c in DataCategory::ALL {
        if f.get(&format!("category_{}", c.as_str())) == "yes" {
            categories.insert(*c);
        }
    }
    if categories.is_empty() {
        errors.insert("categories".to_owned(), tr.t("return-error-categories"));
    }
    if !errors.is_empty() {
        return render_return(&app, &user, case, None, "handover", values, errors).await;
    }
    let req = NewHandover {
        partner: f.get("partner").to_owned(),
        categories,
    };
    match app.start_handover(user.principal(), case, req).await {
        Ok(_) => Redirect::to(&format!("/cases/{case}/return?done=handover")).into_response(),
        Err(e)
            if matches!(
                e.kind,
                safepath_app::ErrorKind::BadRequest
                    | safepath_app::ErrorKind::Conflict
                    | safepath_app::ErrorKind::Forbidden
            ) && e.code != "forbidden" =>
        {
            let (field, words) = field_error(&tr, &e);
            errors.insert(field, words);
            render_return(&app, &user, case, None, "handover", values, errors).await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}
