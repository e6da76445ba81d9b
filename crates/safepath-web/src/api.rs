//! The JSON API, `/api/v1`. Authentication is a bearer token from
//! `POST /api/v1/auth/login`. Errors are `{"code", "message"}`.

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_app::AppError;
use safepath_app::accounts::{API_TOKEN_MS, SECOND_FACTOR_MS, SessionKind, SignIn};
use safepath_app::admin::Operator;
use safepath_app::views::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{ApiUser, SourceAddr};
use crate::error::{ApiError, ErrorBody, bad_request, redact_values};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/me/password", post(change_password))
        .route("/api/v1/orgs", get(list_orgs).post(create_org))
        .route("/api/v1/users", post(create_user))
        .route("/api/v1/cases", get(list_cases).post(create_case))
        .route("/api/v1/cases/search", post(search_cases))
        .route("/api/v1/cases/duplicates", post(check_duplicates))
        .route("/api/v1/cases/{id}", get(get_case).patch(update_case))
        .route("/api/v1/cases/{id}/break-glass", post(break_glass))
        .route("/api/v1/cases/{id}/audit", get(case_audit))
        .route("/api/v1/notifications", get(notifications))
        .route("/api/v1/notifications/read", post(notifications_read))
        .route(
            "/api/v1/notifications/read-all",
            post(notifications_read_all),
        )
        .route("/api/v1/notifications/{id}/read", post(notification_read))
        .route("/api/v1/screenings/evaluate", post(evaluate_screening))
        .fallback(|| async { ApiError(AppError::not_found("no such endpoint")) })
}

/// A JSON body: refused with 400 and a clear code when it is too large, not
/// UTF-8, not JSON, has unknown or missing fields, or wrong values.
pub struct ApiJson<T>(pub T);

/// Reads the body as bytes, turning the size limit into a 400.
pub async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            bad_request(
                "body_too_large",
                format!(
                    "the request body is over the limit of {} bytes",
                    crate::BODY_LIMIT
                ),
            )
        } else {
            bad_request("unreadable_body", "the request body could not be read")
        }
    })
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.is_empty() {
        return Err(bad_request("missing_body", "a JSON body is required"));
    }
    if std::str::from_utf8(bytes).is_err() {
        return Err(bad_request("invalid_utf8", "the body is not valid UTF-8"));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let msg = e.to_string();
        let code = if e.is_syntax() || e.is_eof() {
            "malformed_json"
        } else if msg.starts_with("unknown field") {
            "unknown_field"
        } else if msg.starts_with("missing field") {
            "missing_field"
        } else if msg.starts_with("unknown variant") {
            "invalid_value"
        } else {
            "invalid_field"
        };
        bad_request(code, redact_values(&msg))
    })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Ids in paths: anything that is not a UUID is simply not found.
fn case_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError(AppError::case_not_found()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_in_seconds: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassRequest {
    /// Why the record must be read now; shown to the owning organisation's coordinators.
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    pub name: String,
    #[serde(rename = "type")]
    pub org_type: String,
    pub country: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub org_id: Uuid,
    pub role: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// The password was right and the user has two-step sign-in on: send the
/// code to `POST /api/v1/auth/two-factor` with this token.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecondFactorRequired {
    /// Always true.
    pub second_factor_required: bool,
    /// Names the half-signed-in state only; it opens nothing else.
    pub second_factor_token: String,
    pub expires_in_seconds: i64,
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse),
        (status = 202, description = "Two-step sign-in: the code is asked next", body = SecondFactorRequired),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 429, description = "`too_many_attempts` (this user), `too_many_attempts_from_address` (this address, across usernames) or `busy`; see Retry-After", body = ErrorBody)))]
async fn login(
    State(app): State<AppState>,
    SourceAddr(from): SourceAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    match app
        .login(&req.username, &req.password, SessionKind::Api, from)
        .await?
    {
        SignIn::Done(token, _) => Ok(Json(TokenResponse {
            token,
            expires_in_seconds: API_TOKEN_MS / 1000,
        })
        .into_response()),
        SignIn::SecondFactor { token, .. } => Ok((
            StatusCode::ACCEPTED,
            Json(SecondFactorRequired {
                second_factor_required: true,
                second_factor_token: token,
                expires_in_seconds: SECOND_FACTOR_MS / 1000,
            }),
        )
            .into_response()),
    }
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(
    State(app): State<AppState>,
    _user: ApiUser,
    headers: axum::http::HeaderMap,
) -> Result<StatusCode, ApiError> {
    if let Some(t) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        app.logout(t.trim()).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = MeView), (status = 401, body = ErrorBody)))]
async fn me(State(app): State<AppState>, ApiUser(user): ApiUser) -> Json<MeView> {
    Json(app.me(&user))
}

/// A user's own password change.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 204, description = "Changed; every session and token of the user ends, this one too"),
        (status = 400, description = "`wrong_password`, `same_password`, or a password too weak", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 429, description = "Too many wrong passwords", body = ErrorBody)))]
async fn change_password(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    app.change_own_password(&user, &req.current_password, &req.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/orgs", tag = "organisations", security(("bearer" = [])), responses((status = 200, body = Items<OrgView>), (status = 401, body = ErrorBody)))]
async fn list_orgs(
    State(app): State<AppState>,
    _user: ApiUser,
) -> Result<Json<Items<OrgView>>, ApiError> {
    Ok(Json(Items {
        items: app.orgs().await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/orgs", tag = "organisations", security(("bearer" = [])), request_body = NewOrg,
    responses((status = 201, body = OrgView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_org(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<NewOrg>,
) -> Result<(StatusCode, Json<OrgView>), ApiError> {
    let org = app
        .add_org(
            Operator::User(&user),
            &req.name,
            &req.org_type,
            &req.country,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(org)))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "organisations", security(("bearer" = [])), request_body = NewUser,
    responses((status = 201, body = MeView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_user(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<MeView>), ApiError> {
    let created = app
        .add_user(
            Operator::User(&user),
            &req.username,
            &req.full_name,
            safepath_domain::ids::OrgId(req.org_id),
            &req.role,
            &req.password,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Parses `q`, `page` and `per_page` from a query string.
pub fn list_params(raw: Option<&str>) -> Result<(Option<String>, i64, i64), ApiError> {
    let mut q = None;
    let mut page = 1;
    let mut per_page = 50;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "q" => q = Some(v.into_owned()),
            "page" => {
                page = v
                    .parse()
                    .map_err(|_| bad_request("invalid_paging", "page must be a whole number"))?
            }
            "per_page" => {
                per_page = v
                    .parse()
                    .map_err(|_| bad_request("invalid_paging", "per_page must be a whole number"))?
            }
            _ => {}
        }
    }
    Ok((q, page, per_page))
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])),
    params(("page" = Option<i64>, Query, description = "From 1"), ("per_page" = Option<i64>, Query, description = "1 to 100, default 50"),
        ("status" = Option<String>, Query, description = "Only cases in this status (a code)"),
        ("mine" = Option<String>, Query, description = "`1`: only the cases the caller manages"),
        ("form" = Option<String>, Query, description = "Only cases with this form of exploitation (a code)"),
        ("manager" = Option<String>, Query, description = "Only the cases this user (an id) manages"),
        ("overdue" = Option<String>, Query, description = "`1`: only cases with an open decision or task past its due date"),
        ("sort" = Option<String>, Query, description = "changed (default: last changed first), reference, status (lifecycle order) or deadline (nearest first)")),
    responses((status = 200, body = CaseList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_cases(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<CaseList>, ApiError> {
    let (q, page, per_page) = list_params(raw.as_deref())?;
    if q.is_some() {
        // A name in a query string ends up in proxy and server logs.
        return Err(bad_request(
            "search_by_post",
            "search with POST /api/v1/cases/search, which keeps names out of URLs",
        ));
    }
    let narrow = list_filter(raw.as_deref())?;
    Ok(Json(
        app.list_cases_filtered(&user, None, &narrow, page, per_page)
            .await?,
    ))
}

/// `status`, `mine` and `form` from a query string (codes only).
pub fn list_filter(raw: Option<&str>) -> Result<safepath_app::cases::CaseListFilter, ApiError> {
    let get = |key: &str| {
        form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(
        safepath_app::cases::CaseListFilter::parse(&get("status"), &get("mine"), &get("form"))?
            .with(&get("manager"), &get("overdue"), &get("sort"))?,
    )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// A case reference (SP-…) or words of a name, in any script.
    pub q: String,
    #[serde(default = "first_page")]
    pub page: i64,
    #[serde(default = "default_per_page")]
    pub per_page: i64,
}

fn first_page() -> i64 {
    1
}
fn default_per_page() -> i64 {
    50
}

/// Search by name or reference with the terms in the body, so that names
/// never appear in URLs (and so in no proxy or server log).
#[utoipa::path(post, path = "/api/v1/cases/search", tag = "cases", security(("bearer" = [])), request_body = SearchRequest,
    responses((status = 200, body = CaseList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn search_cases(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<SearchRequest>,
) -> Result<Json<CaseList>, ApiError> {
    Ok(Json(
        app.list_cases(&user, Some(&req.q), req.page, req.per_page)
            .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DuplicateRequest {
    pub person: safepath_domain::person::Person,
}

/// Search before create: likely existing records of this person. Records of
/// other organisations are reported only as "a possible duplicate exists
/// there" with whom to contact.
#[utoipa::path(post, path = "/api/v1/cases/duplicates", tag = "cases", security(("bearer" = [])), request_body = DuplicateRequest,
    responses((status = 200, body = safepath_app::duplicates::DuplicateCheck), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn check_duplicates(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<DuplicateRequest>,
) -> Result<Json<safepath_app::duplicates::DuplicateCheck>, ApiError> {
    Ok(Json(app.possible_duplicates(&user, req.person).await?))
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), request_body = NewCase,
    responses((status = 201, body = CaseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_case(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(new): ApiJson<NewCase>,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(app.create_case(&user, new).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 404, description = "No such case, or not yours to see", body = ErrorBody)))]
async fn get_case(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    Ok(Json(app.get_case(&user, case_id(&id)?).await?))
}

#[utoipa::path(patch, path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = CasePatch,
    responses((status = 200, body = CaseView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_case(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<CasePatch>,
) -> Result<Json<CaseView>, ApiError> {
    let id = case_id(&id)?;
    Ok(Json(app.update_case(&user, id, patch).await?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/break-glass", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = BreakGlassRequest,
    responses((status = 200, body = CaseView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn break_glass(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<BreakGlassRequest>,
) -> Result<Json<CaseView>, ApiError> {
    let id = case_id(&id)?;
    Ok(Json(app.break_glass(&user, id, &req.reason).await?))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/audit", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Items<AuditEntryView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn case_audit(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Items<AuditEntryView>>, ApiError> {
    Ok(Json(Items {
        items: app.case_audit(&user, case_id(&id)?).await?,
    }))
}

/// The signed-in user's notifications (newest first, at most 100) and how
/// many of all of them are unread.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationView>,
    pub unread: i64,
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "auth", security(("bearer" = [])), responses((status = 200, body = NotificationList), (status = 401, body = ErrorBody)))]
async fn notifications(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<NotificationList>, ApiError> {
    Ok(Json(NotificationList {
        items: app.notifications(&user).await?,
        unread: app.unread_notifications(&user).await?,
    }))
}

/// Marks one of the user's own notifications read (again: no change).
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "auth", security(("bearer" = [])),
    params(("id" = String, Path, description = "The notification's id")),
    responses((status = 204, description = "Read"), (status = 401, body = ErrorBody),
        (status = 404, description = "No such notification of yours (another user's is not found either)", body = ErrorBody)))]
async fn notification_read(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    app.mark_notification_read(&user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks all of the user's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "auth", security(("bearer" = [])), responses((status = 200, body = MarkedRead), (status = 401, body = ErrorBody)))]
async fn notifications_read_all(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<MarkedRead>, ApiError> {
    Ok(Json(MarkedRead {
        marked: app.mark_notifications_read(&user).await?,
    }))
}

/// How many notifications were marked read.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MarkedRead {
    pub marked: u64,
}

#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "auth", security(("bearer" = [])), responses((status = 200, body = MarkedRead), (status = 401, body = ErrorBody)))]
async fn notifications_read(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<MarkedRead>, ApiError> {
    Ok(Json(MarkedRead {
        marked: app.mark_notifications_read(&user).await?,
    }))
}

/// Runs the screening instrument on one document and stores nothing (the
/// contract in SCREENING.md). It needs no sign-in: it holds no data and
/// returns only the evaluation of what was sent.
#[utoipa::path(post, path = "/api/v1/screenings/evaluate", tag = "screening",
    request_body(content = serde_json::Value, description = "A screening document, as in SCREENING.md"),
    responses((status = 200, description = "The evaluation", body = serde_json::Value), (status = 400, body = ErrorBody)))]
async fn evaluate_screening(
    State(_app): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    let bytes = body_bytes(req, &()).await?;
    match safepath_screening::evaluate_json(&bytes) {
        Ok(v) => Ok(Json(v).into_response()),
        Err(e) => Err(bad_request(e.code, e.message)),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "SafePath API", description = "Case management and referral for the protection of victims of trafficking. Every call but login and screening evaluation needs `Authorization: Bearer <token>`."),
    paths(login, logout, me, change_password,
        crate::two_factor::api_second_step, crate::two_factor::api_state, crate::two_factor::api_start, crate::two_factor::api_confirm, crate::two_factor::api_off, list_orgs, create_org, create_user, list_cases, search_cases, check_duplicates, create_case, get_case, update_case, break_glass, case_audit, notifications, notifications_read, notifications_read_all, notification_read, evaluate_screening,
        crate::identification::api_screen, crate::screening_list::api_list, crate::identification::api_get_screening, crate::identification::api_refer, crate::identification::api_case_decisions,
        crate::identification::api_decide, crate::identification::api_reconsider, crate::identification::api_flags, crate::identification::api_open_decisions,
        crate::referrals::record_consent, crate::referrals::list_consents, crate::referrals::withdraw, crate::referrals::send_referral, crate::referrals::case_referrals,
        crate::referrals::org_referrals, crate::referrals::get_referral, crate::referrals::answer,
        crate::casework::api_casework, crate::casework::api_transition, crate::casework::api_assign, crate::casework::api_request_approval,
        crate::casework::api_decide_approval, crate::casework::api_add_need, crate::casework::api_update_need, crate::casework::api_add_goal,
        crate::casework::api_add_task, crate::casework::api_task, crate::casework::api_review, crate::casework::api_assessment,
        crate::casework::api_feedback, crate::casework::api_work, crate::casework::api_review_queue, crate::casework::api_feedback_report,
        // --- tracing and de-duplication ---
        crate::tracing::api_create, crate::tracing::api_list, crate::tracing::api_get, crate::tracing::api_contact,
        crate::tracing::api_matches, crate::tracing::api_match, crate::tracing::api_answer,
        // --- services, shelters and stays ---
        crate::directory::api_services, crate::directory::api_org_services, crate::directory::api_create_service, crate::directory::api_update_service,
        crate::directory::api_shelters, crate::directory::api_shelter, crate::directory::api_residents, crate::directory::api_create_shelter,
        crate::directory::api_case_stays, crate::directory::api_admit, crate::directory::api_leave, crate::directory::api_detention_flags,
        // --- de-duplication run ---
        crate::dedupe::api_start, crate::dedupe::api_latest, crate::dedupe::api_pairs, crate::dedupe::api_merge,
        crate::dedupe::api_not_same, crate::dedupe::api_unmerge,
        // --- durable solutions: cross-border handover ---
        crate::handover::api_inbox, crate::handover::start_handover, crate::handover::case_handovers,
        crate::handover::record_security_assessment, crate::handover::security_assessments,
        crate::handover::api_handovers, crate::handover::api_handover, crate::handover::api_send_message,
        crate::agreements::api_agreements, crate::agreements::api_record,
        crate::returns::api_repatriation, crate::returns::api_forced_removal, crate::returns::api_returns,
        crate::reintegration::api_record, crate::reintegration::api_list,
        // --- statistics ---
        crate::stats::api_persons, crate::stats::api_public, crate::stats::api_synthetic, crate::stats::api_checklist, crate::stats::api_htcds_csv, crate::stats::api_htcds_json, crate::stats::api_ctdc_json,
        // --- rights and justice ---
        crate::justice::api_add_permit, crate::justice::api_permits, crate::justice::api_justice, crate::justice::api_entitlements,
        crate::justice::api_add_legal_aid, crate::justice::api_add_interpretation, crate::justice::api_add_rights_information,
        crate::justice::api_add_proceeding, crate::justice::api_add_event, crate::justice::api_add_measure,
        crate::justice::api_add_non_punishment, crate::justice::api_add_claim, crate::justice::api_change_claim, crate::justice::api_deadlines,
        crate::justice::api_fund_accounts, crate::justice::api_create_account, crate::justice::api_post_transaction,
        crate::justice::api_pending, crate::justice::api_decide, crate::justice::api_ledger, crate::justice::api_ledger_csv, crate::justice::api_reconciliation,
        // --- documents attached to a case ---
        crate::documents::api_list, crate::documents::api_add, crate::documents::api_download, crate::documents::api_remove,
        // --- staff trainings ---
        crate::trainings::api_list, crate::trainings::api_record),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "cases"), (name = "organisations"), (name = "screening"), (name = "identification"), (name = "consent"), (name = "referrals"), (name = "case work"), (name = "tracing"), (name = "de-duplication"), (name = "handover"), (name = "rights and justice"), (name = "fund"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // Every operation that needs a token answers 401 without one: say
        // so once, here, instead of in each handler's annotation.
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let unauthorized = ResponseBuilder::new()
            .description("Not signed in, or the token expired")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    op.responses
                        .responses
                        .entry("401".into())
                        .or_insert_with(|| RefOr::T(unauthorized.clone()));
                }
            }
        }
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
