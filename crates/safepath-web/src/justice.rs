//! Rights and justice over HTTP: the JSON API (`/api/v1/cases/{id}/permits`,
//! proceedings, events, measures, claims, non-punishment, legal aid,
//! interpretation, information on rights; `/api/v1/fund/…`) and the pages
//! *Rights and justice* (`/cases/{id}/justice`) and *Fund* (`/fund`), which
//! work with JavaScript off. Every decision on access is the app's
//! (`App::justice_gate` and the fund's rights).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_app::AppError;
use safepath_app::justice::*;
use safepath_domain::justice::fund::Currency;
use safepath_domain::justice::permits::{ApplicationState, ExpiryAlert, PermitKind};
use safepath_domain::justice::proceedings::{Attendance, EventKind, PersonRole, ProceedingKind};
use safepath_domain::org::Role;
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::AppState;
use crate::api::{ApiJson, Items};
use crate::auth::{ApiUser, WebUser};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::Tr;
use crate::pages::{Fields, UserBar, bar, csrf_ok, csrf_refused, error_page, render, tr_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/cases/{id}/permits",
            get(api_permits).post(api_add_permit),
        )
        .route("/api/v1/cases/{id}/justice", get(api_justice))
        .route("/api/v1/cases/{id}/entitlements", get(api_entitlements))
        .route("/api/v1/cases/{id}/legal-aid", post(api_add_legal_aid))
        .route(
            "/api/v1/cases/{id}/interpretation",
            post(api_add_interpretation),
        )
        .route(
            "/api/v1/cases/{id}/rights-information",
            post(api_add_rights_information),
        )
        .route("/api/v1/cases/{id}/proceedings", post(api_add_proceeding))
        .route(
            "/api/v1/cases/{id}/proceedings/{pid}/events",
            post(api_add_event),
        )
        .route(
            "/api/v1/cases/{id}/proceedings/{pid}/measures",
            post(api_add_measure),
        )
        .route(
            "/api/v1/cases/{id}/non-punishment",
            post(api_add_non_punishment),
        )
        .route("/api/v1/cases/{id}/claims", post(api_add_claim))
        .route("/api/v1/cases/{id}/claims/{cid}", post(api_change_claim))
        .route("/api/v1/justice/deadlines", get(api_deadlines))
        .route(
            "/api/v1/fund/accounts",
            get(api_fund_accounts).post(api_create_account),
        )
        .route("/api/v1/fund/transactions", post(api_post_transaction))
        .route("/api/v1/fund/transactions/pending", get(api_pending))
        .route("/api/v1/fund/transactions/{id}/{action}", post(api_decide))
        .route("/api/v1/fund/reconciliation", get(api_reconciliation))
        .route("/api/v1/fund/ledger", get(api_ledger))
        .route("/api/v1/fund/ledger.csv", get(api_ledger_csv))
        .route(
            "/cases/{id}/justice",
            get(justice_page).post(justice_submit),
        )
        .route("/fund", get(fund_page))
        .route("/fund/transactions/{id}/{action}", post(fund_decide_submit))
        .route("/fund/ledger.csv", get(fund_csv_page))
}

fn case_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError(AppError::case_not_found()))
}

fn created(c: Created) -> (StatusCode, Json<Created>) {
    (StatusCode::CREATED, Json(c))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/permits", tag = "rights and justice", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewPermitRequest,
    responses((status = 201, body = Created), (status = 400, description = "Bad input; `permit_expires_before_issued` when it expires before it is issued", body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_add_permit(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewPermitRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    Ok(created(app.add_permit(&user, case_id(&id)?, req).await?))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/permits", tag = "rights and justice", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Items<PermitView>), (status = 404, body = ErrorBody)))]
pub async fn api_permits(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Items<PermitView>>, ApiError> {
    Ok(Json(Items {
        items: app.permits(&user, case_id(&id)?).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/justice", tag = "rights and justice", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = JusticeView), (status = 404, body = ErrorBody)))]
pub async fn api_justice(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<JusticeView>, ApiError> {
    Ok(Json(app.justice(&user, case_id(&id)?).await?))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/entitlements", tag = "rights and justice", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "What the person is entitled to today (never conditioned on co-operation)"), (status = 404, body = ErrorBody)))]
pub async fn api_entitlements(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(app.entitlements(&user, case_id(&id)?).await?).into_response())
}

macro_rules! create_endpoint {
    ($name:ident, $path:literal, $req:ty, $method:ident) => {
        #[utoipa::path(post, path = $path, tag = "rights and justice", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = $req,
            responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
        pub async fn $name(
            State(app): State<AppState>,
            ApiUser(user): ApiUser,
            Path(id): Path<String>,
            ApiJson(req): ApiJson<$req>,
        ) -> Result<(StatusCode, Json<Created>), ApiError> {
            Ok(created(app.$method(&user, case_id(&id)?, req).await?))
        }
    };
}

create_endpoint!(
    api_add_legal_aid,
    "/api/v1/cases/{id}/legal-aid",
    NewLegalAidRequest,
    add_legal_aid
);
create_endpoint!(
    api_add_interpretation,
    "/api/v1/cases/{id}/interpretation",
    NewInterpretationRequest,
    add_interpretation
);
create_endpoint!(
    api_add_rights_information,
    "/api/v1/cases/{id}/rights-information",
    NewRightsInformationRequest,
    add_rights_information
);
create_endpoint!(
    api_add_proceeding,
    "/api/v1/cases/{id}/proceedings",
    NewProceedingRequest,
    add_proceeding
);
create_endpoint!(
    api_add_non_punishment,
    "/api/v1/cases/{id}/non-punishment",
    NewNonPunishmentRequest,
    add_non_punishment
);
create_endpoint!(
    api_add_claim,
    "/api/v1/cases/{id}/claims",
    NewClaimRequest,
    add_claim
);

#[utoipa::path(post, path = "/api/v1/cases/{id}/proceedings/{pid}/events", tag = "rights and justice", security(("bearer" = [])), params(("id" = Uuid, Path), ("pid" = String, Path)), request_body = NewEventRequest,
    responses((status = 201, body = Created), (status = 400, description = "`attendance_required` for a hearing, statement or deposition without how the person attends", body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_add_event(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, pid)): Path<(String, String)>,
    ApiJson(req): ApiJson<NewEventRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    Ok(created(
        app.add_event(&user, case_id(&id)?, &pid, req).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/proceedings/{pid}/measures", tag = "rights and justice", security(("bearer" = [])), params(("id" = Uuid, Path), ("pid" = String, Path)), request_body = NewMeasureRequest,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_add_measure(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, pid)): Path<(String, String)>,
    ApiJson(req): ApiJson<NewMeasureRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    Ok(created(
        app.add_measure(&user, case_id(&id)?, &pid, req).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/claims/{cid}", tag = "rights and justice", security(("bearer" = [])), params(("id" = Uuid, Path), ("cid" = String, Path)), request_body = ClaimChange,
    responses((status = 200, body = ClaimView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "The claim is closed", body = ErrorBody)))]
pub async fn api_change_claim(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, cid)): Path<(String, String)>,
    ApiJson(req): ApiJson<ClaimChange>,
) -> Result<Json<ClaimView>, ApiError> {
    Ok(Json(
        app.change_claim(&user, case_id(&id)?, &cid, req).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/justice/deadlines", tag = "rights and justice", security(("bearer" = [])),
    responses((status = 200, description = "Permit expiries and hearings in the next 30 days on the caller's cases", body = Items<DeadlineView>)))]
pub async fn api_deadlines(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Items<DeadlineView>>, ApiError> {
    Ok(Json(Items {
        items: app.justice_deadlines(&user, 30).await?,
    }))
}

fn query_param(raw: &Option<String>, key: &str) -> Option<String> {
    form_urlencoded::parse(raw.as_deref().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[utoipa::path(get, path = "/api/v1/fund/accounts", tag = "fund", security(("bearer" = [])),
    params(("on" = Option<String>, Query, description = "Balances at the end of this day (YYYY-MM-DD); today by default")),
    responses((status = 200, body = Items<AccountView>), (status = 403, body = ErrorBody)))]
pub async fn api_fund_accounts(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<Items<AccountView>>, ApiError> {
    let on = query_param(&raw, "on");
    Ok(Json(Items {
        items: app.fund_accounts(&user, on.as_deref()).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/fund/reconciliation", tag = "fund", security(("bearer" = [])),
    params(("from" = Option<String>, Query, description = "First day of the period (YYYY-MM-DD); the first of this month by default"),
        ("to" = Option<String>, Query, description = "Last day of the period (YYYY-MM-DD); today by default")),
    responses((status = 200, body = ReconciliationView), (status = 400, description = "A day that is not YYYY-MM-DD, or `ends_before_start`", body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_reconciliation(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<ReconciliationView>, ApiError> {
    let from = query_param(&raw, "from");
    let to = query_param(&raw, "to");
    Ok(Json(
        app.fund_reconciliation(&user, from.as_deref(), to.as_deref())
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/fund/accounts", tag = "fund", security(("bearer" = [])), request_body = NewAccountRequest,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_create_account(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<NewAccountRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    Ok(created(app.create_fund_account(&user, req).await?))
}

#[utoipa::path(post, path = "/api/v1/fund/transactions", tag = "fund", security(("bearer" = [])), request_body = NewTransactionRequest,
    responses((status = 201, description = "Posted", body = TransactionView), (status = 202, description = "Waiting for a second person's approval", body = TransactionView),
        (status = 400, description = "`unbalanced` when debits and credits differ in a currency; `invalid_amount` for a zero or negative amount; a non-integer amount is refused too", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "A case named that the caller may not see", body = ErrorBody)))]
pub async fn api_post_transaction(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<NewTransactionRequest>,
) -> Result<(StatusCode, Json<TransactionView>), ApiError> {
    let (view, waits) = app.post_fund_transaction(&user, req).await?;
    let status = if waits {
        StatusCode::ACCEPTED
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(view)))
}

#[utoipa::path(get, path = "/api/v1/fund/transactions/pending", tag = "fund", security(("bearer" = [])),
    responses((status = 200, body = Items<TransactionView>), (status = 403, body = ErrorBody)))]
pub async fn api_pending(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Items<TransactionView>>, ApiError> {
    Ok(Json(Items {
        items: app.fund_pending(&user).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/fund/transactions/{id}/{action}", tag = "fund", security(("bearer" = [])),
    params(("id" = String, Path), ("action" = String, Path, description = "approve, reject or reverse")),
    responses((status = 200, body = TransactionView), (status = 403, description = "Not a coordinator, or `own_request`: the requester may not approve", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn api_decide(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, action)): Path<(String, String)>,
) -> Result<Json<TransactionView>, ApiError> {
    Ok(Json(decide(&app, &user, &id, &action).await?))
}

async fn decide(
    app: &AppState,
    user: &safepath_app::Principal,
    id: &str,
    action: &str,
) -> Result<TransactionView, AppError> {
    match action {
        "approve" => app.decide_fund_transaction(user, id, true).await,
        "reject" => app.decide_fund_transaction(user, id, false).await,
        "reverse" => app.reverse_fund_transaction(user, id).await,
        _ => Err(AppError::not_found("no such action")),
    }
}

#[utoipa::path(get, path = "/api/v1/fund/ledger", tag = "fund", security(("bearer" = [])),
    params(("offset" = Option<i64>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 200, body = Items<LedgerLineView>), (status = 403, body = ErrorBody)))]
pub async fn api_ledger(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<Items<LedgerLineView>>, ApiError> {
    let num = |k: &str, d: i64| {
        query_param(&raw, k)
            .map(|v| v.parse::<i64>())
            .transpose()
            .map(|v| v.unwrap_or(d))
            .map_err(|_| AppError::bad_request("invalid_value", format!("{k}: not a number")))
    };
    let (offset, limit) = (num("offset", 0)?, num("limit", 500)?);
    Ok(Json(Items {
        items: app.fund_ledger(&user, offset, limit).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/fund/ledger.csv", tag = "fund", security(("bearer" = [])),
    responses((status = 200, description = "The ledger as CSV; cells starting with = + - @ are neutralised", content_type = "text/csv"), (status = 403, body = ErrorBody)))]
pub async fn api_ledger_csv(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Response, ApiError> {
    Ok(csv_response(app.fund_ledger_csv(&user).await?))
}

fn csv_response(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"fund-ledger.csv\"",
            ),
        ],
        body,
    )
        .into_response()
}

// ------------------------------------------------------------------ pages

/// A date as people read it: `30 June 2026` (month names from the locale).
fn human_date(tr: &Tr, iso: &str) -> String {
    let mut parts = iso.splitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d)) => {
            let day = d.trim_start_matches('0');
            format!(
                "{day} {} {y}",
                tr.t(format!("month-{}", m.trim_start_matches('0')))
            )
        }
        _ => iso.to_owned(),
    }
}

fn money(currency: &str, minor: i64) -> String {
    match Currency::parse(currency) {
        Ok(c) => c.format(minor),
        Err(_) => format!("{minor} {currency}"),
    }
}

/// One permit as the page shows it.
struct PermitLine {
    kind: String,
    application: String,
    issued_on: String,
    expires_on: Option<String>,
    alert: Option<String>,
    authority: Option<String>,
}

struct EventLine {
    kind: String,
    on: String,
    attendance: Option<String>,
    place: Option<String>,
    video: bool,
}

struct ProceedingLine {
    id: String,
    kind: String,
    authority: String,
    role: String,
    state: String,
    events: Vec<EventLine>,
    measures: Vec<String>,
    fatigue: Vec<String>,
}

struct ClaimLine {
    kind: String,
    state: String,
    claimed: String,
    paid: String,
}

#[derive(Template)]
#[template(path = "justice.html")]
struct JusticePage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    case_id: Uuid,
    message: Option<String>,
    read_only: bool,
    return_block: Option<String>,
    permits: Vec<PermitLine>,
    legal_aid: Vec<String>,
    proceedings: Vec<ProceedingLine>,
    claims: Vec<ClaimLine>,
    fund_paid: Vec<String>,
    permit_kinds: Vec<(&'static str, String)>,
    proceeding_kinds: Vec<(&'static str, String)>,
    roles: Vec<(&'static str, String)>,
    attendances: Vec<(&'static str, String)>,
    event_kinds: Vec<(&'static str, String)>,
    /// The submitted form (kept on error), its values and field errors.
    form: String,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
}

impl JusticePage {
    fn value(&self, form: &str, k: &str) -> String {
        if self.form == form {
            self.values.get(k).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
    fn error(&self, form: &str, k: &str) -> Option<String> {
        if self.form == form {
            self.errors.get(k).cloned()
        } else {
            None
        }
    }
    fn selected(&self, form: &str, k: &str, v: &str) -> bool {
        self.form == form && self.values.get(k).map(String::as_str) == Some(v)
    }
}

fn labels<T: Copy>(
    tr: &Tr,
    prefix: &str,
    all: &[T],
    s: fn(T) -> &'static str,
) -> Vec<(&'static str, String)> {
    all.iter()
        .map(|v| (s(*v), tr.t(format!("{prefix}-{}", s(*v)))))
        .collect()
}

fn alert_text(tr: &Tr, a: &ExpiryAlert) -> String {
    match a {
        ExpiryAlert::Expiring { days_left, .. } => {
            format!(
                "{} {days_left} {}",
                tr.t("justice-expires-in"),
                tr.t("justice-days")
            )
        }
        ExpiryAlert::Expired { days_ago } => {
            format!(
                "{} {days_ago} {}",
                tr.t("justice-expired"),
                tr.t("justice-days-ago")
            )
        }
    }
}

async fn render_justice(
    app: &AppState,
    user: &WebUser,
    case: Uuid,
    message: Option<String>,
    form: String,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
) -> Response {
    let tr = tr_for(user);
    let v = match app.justice(user.principal(), case).await {
        Ok(v) => v,
        Err(e) => return error_page(&tr, user, e),
    };
    let d = |s: &str| human_date(&tr, s);
    let page = JusticePage {
        title: tr.t("justice-title"),
        user: Some(bar(&tr, user.principal())),
        csrf: user.session.csrf_token.clone(),
        case_id: case,
        message,
        read_only: v.via_referral,
        return_block: v
            .return_block
            .map(|b| tr.t(format!("justice-return-block-{}", serde_plain(&b)))),
        permits: v
            .permits
            .iter()
            .map(|p| PermitLine {
                kind: tr.t(format!("permit-kind-{}", p.kind.as_str())),
                application: tr.t(format!("application-{}", p.application.as_str())),
                issued_on: d(&p.issued_on),
                expires_on: p.expires_on.as_deref().map(d),
                alert: p.alert.as_ref().map(|a| alert_text(&tr, a)),
                authority: p.authority.clone(),
            })
            .collect(),
        legal_aid: v
            .legal_aid
            .iter()
            .map(|a| {
                format!(
                    "{} · {} · {} {}",
                    a.name,
                    tr.t(format!("legal-aid-cost-{}", a.cost.as_str())),
                    tr.t("justice-from"),
                    d(&a.from)
                )
            })
            .collect(),
        proceedings: v
            .proceedings
            .iter()
            .map(|p| ProceedingLine {
                id: p.id.clone(),
                kind: tr.t(format!("proceeding-kind-{}", p.kind.as_str())),
                authority: p.authority.clone(),
                role: tr.t(format!("person-role-{}", p.role.as_str())),
                state: tr.t(format!("proceeding-state-{}", p.state.as_str())),
                events: p
                    .events
                    .iter()
                    .map(|e| EventLine {
                        kind: tr.t(format!("event-kind-{}", e.kind.as_str())),
                        on: d(&e.on),
                        attendance: e
                            .attendance
                            .map(|a| tr.t(format!("attendance-{}", a.as_str()))),
                        place: e.place.clone(),
                        video: e.recorded_on_video,
                    })
                    .collect(),
                measures: p
                    .measures
                    .iter()
                    .map(|m| {
                        let mut s = format!(
                            "{} · {}",
                            tr.t(format!("measure-kind-{}", m.kind.as_str())),
                            tr.t(format!("measure-state-{}", m.state.as_str()))
                        );
                        if let Some(e) = m.suggested {
                            s.push_str(&format!(" · {}", tr.t(format!("eligibility-{}", e.as_str()))));
                        }
                        s
                    })
                    .collect(),
                fatigue: p
                    .fatigue
                    .iter()
                    .map(|w| match w {
                        safepath_domain::justice::proceedings::FatigueWarning::LongGap { days } => {
                            format!("{} ({days} {})", tr.t("fatigue-long-gap"), tr.t("justice-days"))
                        }
                        safepath_domain::justice::proceedings::FatigueWarning::ManyAppearances { count } => {
                            format!("{} ({count})", tr.t("fatigue-many-appearances"))
                        }
                        safepath_domain::justice::proceedings::FatigueWarning::LongProceedings { days } => {
                            format!("{} ({days} {})", tr.t("fatigue-long-proceedings"), tr.t("justice-days"))
                        }
                    })
                    .collect(),
            })
            .collect(),
        claims: v
            .claims
            .iter()
            .map(|c| ClaimLine {
                kind: tr.t(format!("claim-kind-{}", c.kind.as_str())),
                state: tr.t(format!("claim-state-{}", c.state.as_str())),
                claimed: money(&c.currency, c.awarded_minor.unwrap_or(c.claimed_minor)),
                paid: money(&c.currency, c.paid_minor),
            })
            .collect(),
        fund_paid: v
            .fund_paid
            .iter()
            .map(|l| format!("{} · {}", l.account_name, money(&l.currency, l.amount_minor)))
            .collect(),
        permit_kinds: labels(&tr, "permit-kind", PermitKind::ALL, PermitKind::as_str),
        proceeding_kinds: labels(&tr, "proceeding-kind", ProceedingKind::ALL, ProceedingKind::as_str),
        roles: labels(&tr, "person-role", PersonRole::ALL, PersonRole::as_str),
        attendances: labels(&tr, "attendance", Attendance::ALL, Attendance::as_str),
        event_kinds: labels(&tr, "event-kind", EventKind::ALL, EventKind::as_str),
        form,
        values,
        errors,
        tr,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render(status, &page)
}

fn serde_plain(b: &safepath_domain::justice::permits::ReturnBlock) -> &'static str {
    match b {
        safepath_domain::justice::permits::ReturnBlock::ReflectionPeriod => "reflection_period",
        safepath_domain::justice::permits::ReturnBlock::ProtectionPending => "protection_pending",
    }
}

async fn justice_page(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let tr = tr_for(&user);
    let Ok(case) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::case_not_found());
    };
    let message = query_param(&raw, "done")
        .filter(|d| ["permit", "proceeding", "event"].contains(&d.as_str()))
        .map(|d| tr.t(format!("justice-done-{d}")));
    render_justice(
        &app,
        &user,
        case,
        message,
        String::new(),
        BTreeMap::new(),
        BTreeMap::new(),
    )
    .await
}

fn opt(f: &Fields, k: &str) -> Option<String> {
    Some(f.get(k).trim().to_owned()).filter(|v| !v.is_empty())
}

/// The field an error belongs to, from the message's `field:` prefix.
fn field_of(e: &AppError, fallback: &str) -> String {
    e.message
        .split_once(':')
        .map(|(f, _)| f.trim().to_owned())
        .filter(|f| !f.contains(' '))
        .unwrap_or_else(|| fallback.to_owned())
}

async fn justice_submit(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let tr = tr_for(&user);
    let f = Fields::parse(&body);
    if !csrf_ok(&user, &f) {
        return csrf_refused(&tr, &user);
    }
    let Ok(case) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::case_not_found());
    };
    let form = f.get("form").to_owned();
    let values: BTreeMap<String, String> = f
        .pairs()
        .filter(|(k, _)| *k != "csrf")
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let p = user.principal();
    let result: Result<(), AppError> = match form.as_str() {
        "permit" => {
            let kind = PermitKind::parse(f.get("kind")).map_err(AppError::from);
            let application = ApplicationState::parse(f.get("application")).ok();
            match kind {
                Ok(kind) => app
                    .add_permit(
                        p,
                        case,
                        NewPermitRequest {
                            kind,
                            issued_on: f.get("issued_on").to_owned(),
                            expires_on: opt(&f, "expires_on"),
                            application,
                            authority: opt(&f, "authority"),
                            number: opt(&f, "number"),
                            work_allowed: f.get("work_allowed") == "yes",
                            free_movement: f.get("free_movement") == "yes",
                            area: opt(&f, "area"),
                            renews: None,
                        },
                    )
                    .await
                    .map(|_| ()),
                Err(e) => Err(e),
            }
        }
        "proceeding" => {
            match (
                ProceedingKind::parse(f.get("kind")),
                PersonRole::parse(f.get("role")),
            ) {
                (Ok(kind), Ok(role)) => app
                    .add_proceeding(
                        p,
                        case,
                        NewProceedingRequest {
                            kind,
                            authority: f.get("authority").to_owned(),
                            file_number: opt(&f, "file_number"),
                            role,
                            state: None,
                            opened_on: f.get("opened_on").to_owned(),
                            agencies: vec![],
                            cooperation: None,
                        },
                    )
                    .await
                    .map(|_| ()),
                (Err(e), _) | (_, Err(e)) => Err(e.into()),
            }
        }
        "event" => match EventKind::parse(f.get("kind")) {
            Ok(kind) => {
                let attendance = Attendance::parse(f.get("attendance")).ok();
                app.add_event(
                    p,
                    case,
                    f.get("proceeding_id"),
                    NewEventRequest {
                        kind,
                        on: f.get("on").to_owned(),
                        place: opt(&f, "place"),
                        attendance,
                        recorded_on_video: f.get("recorded_on_video") == "yes",
                        support_person: f.get("support_person") == "yes",
                        interpreter_language: opt(&f, "interpreter_language"),
                        outcome: None,
                    },
                )
                .await
                .map(|_| ())
            }
            Err(e) => Err(e.into()),
        },
        _ => Err(AppError::bad_request("invalid_value", "form: unknown form")),
    };
    match result {
        Ok(()) => {
            Redirect::to(&format!("/cases/{case}/justice?done={form}#{form}")).into_response()
        }
        Err(e) if e.kind == safepath_app::ErrorKind::BadRequest => {
            let mut errors = BTreeMap::new();
            errors.insert(field_of(&e, "form"), e.message.clone());
            render_justice(&app, &user, case, None, form, values, errors).await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

struct AccountLine {
    name: String,
    kind: String,
    balances: Vec<String>,
}

struct PendingLine {
    id: String,
    description: String,
    requested_by: String,
    amounts: Vec<String>,
}

struct LedgerLine {
    booked_on: String,
    description: String,
    account: String,
    debit: String,
    credit: String,
    case_reference: String,
}

#[derive(Template)]
#[template(path = "fund.html")]
struct FundPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    message: Option<String>,
    accounts: Vec<AccountLine>,
    pending: Vec<PendingLine>,
    ledger: Vec<LedgerLine>,
    posts: bool,
    reconciliation: Option<ReconciliationSection>,
}

/// The reconciliation as the fund page shows it: the period asked for (as
/// typed, kept on an error), the error beside the dates, the checks.
struct ReconciliationSection {
    from: String,
    to: String,
    error: Option<String>,
    reconciled: bool,
    period: String,
    accounts: Vec<[String; 5]>,
    currencies: Vec<ReconciledCurrency>,
    unbalanced: usize,
    awaiting_approval: usize,
}

struct ReconciledCurrency {
    sources: String,
    uses: String,
    holdings: String,
    balanced: bool,
    accounted_for: bool,
}

async fn reconciliation_section(
    app: &AppState,
    tr: &Tr,
    p: &safepath_app::Principal,
    raw: &Option<String>,
) -> ReconciliationSection {
    let from = query_param(raw, "from").unwrap_or_default();
    let to = query_param(raw, "to").unwrap_or_default();
    let asked = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    match app
        .fund_reconciliation(p, asked(&from).as_deref(), asked(&to).as_deref())
        .await
    {
        Ok(r) => ReconciliationSection {
            period: format!("{} – {}", human_date(tr, &r.from), human_date(tr, &r.to)),
            from: r.from.clone(),
            to: r.to.clone(),
            error: None,
            reconciled: r.reconciled,
            accounts: r
                .accounts
                .iter()
                .map(|a| {
                    [
                        a.name.clone(),
                        money(&a.currency, a.opening_minor),
                        money(&a.currency, a.debits_minor),
                        money(&a.currency, a.credits_minor),
                        money(&a.currency, a.closing_minor),
                    ]
                })
                .collect(),
            currencies: r
                .currencies
                .iter()
                .map(|c| ReconciledCurrency {
                    sources: money(&c.currency, c.sources_minor),
                    uses: money(&c.currency, c.uses_minor),
                    holdings: money(&c.currency, c.holdings_minor),
                    balanced: c.period_balanced,
                    accounted_for: c.funds_accounted_for,
                })
                .collect(),
            unbalanced: r.unbalanced_transactions.len(),
            awaiting_approval: r.awaiting_approval,
        },
        Err(e) => ReconciliationSection {
            from,
            to,
            error: Some(e.message),
            reconciled: false,
            period: String::new(),
            accounts: Vec::new(),
            currencies: Vec::new(),
            unbalanced: 0,
            awaiting_approval: 0,
        },
    }
}

async fn fund_page(
    State(app): State<AppState>,
    user: WebUser,
    RawQuery(raw): RawQuery,
) -> Response {
    let tr = tr_for(&user);
    let p = user.principal();
    let accounts = match app.fund_accounts(p, None).await {
        Ok(a) => a,
        Err(e) => return error_page(&tr, &user, e),
    };
    let pending = match app.fund_pending(p).await {
        Ok(a) => a,
        Err(e) => return error_page(&tr, &user, e),
    };
    let posts = p.actor.role == Role::Coordinator;
    let ledger = if posts {
        match app.fund_ledger(p, 0, 500).await {
            Ok(l) => l,
            Err(e) => return error_page(&tr, &user, e),
        }
    } else {
        Vec::new()
    };
    let message = query_param(&raw, "done")
        .filter(|d| ["approve", "reject", "reverse"].contains(&d.as_str()))
        .map(|d| tr.t(format!("fund-done-{d}")));
    let reconciliation = if posts {
        Some(reconciliation_section(&app, &tr, p, &raw).await)
    } else {
        None
    };
    let page = FundPage {
        reconciliation,
        title: tr.t("fund-title"),
        user: Some(bar(&tr, p)),
        csrf: user.session.csrf_token.clone(),
        message,
        accounts: accounts
            .iter()
            .map(|a| AccountLine {
                name: a.name.clone(),
                kind: tr.t(format!("account-kind-{}", a.kind.as_str())),
                balances: a
                    .balances
                    .iter()
                    .map(|b| money(&b.currency, b.amount_minor))
                    .collect(),
            })
            .collect(),
        pending: pending
            .iter()
            .map(|t| PendingLine {
                id: t.id.clone(),
                description: t.description.clone(),
                requested_by: t.requested_by_name.clone(),
                amounts: t
                    .postings
                    .iter()
                    .filter(|p| p.direction.as_str() == "debit")
                    .map(|p| {
                        let name = accounts
                            .iter()
                            .find(|a| a.id == p.account_id)
                            .map(|a| a.name.clone())
                            .unwrap_or_default();
                        format!("{name} · {}", money(&p.currency, p.amount_minor))
                    })
                    .collect(),
            })
            .collect(),
        ledger: ledger
            .iter()
            .map(|l| {
                let amount = money(&l.currency, l.amount_minor);
                let debit = l.direction.as_str() == "debit";
                LedgerLine {
                    booked_on: human_date(&tr, &l.booked_on),
                    description: l.description.clone(),
                    account: l.account_name.clone(),
                    debit: if debit { amount.clone() } else { String::new() },
                    credit: if debit { String::new() } else { amount },
                    case_reference: l.case_reference.clone().unwrap_or_default(),
                }
            })
            .collect(),
        posts,
        tr,
    };
    render(StatusCode::OK, &page)
}

async fn fund_decide_submit(
    State(app): State<AppState>,
    user: WebUser,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let tr = tr_for(&user);
    let f = Fields::parse(&body);
    if !csrf_ok(&user, &f) {
        return csrf_refused(&tr, &user);
    }
    match decide(&app, user.principal(), &id, &action).await {
        Ok(_) => Redirect::to(&format!("/fund?done={action}")).into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn fund_csv_page(State(app): State<AppState>, user: WebUser) -> Response {
    let tr = tr_for(&user);
    match app.fund_ledger_csv(user.principal()).await {
        Ok(body) => csv_response(body),
        Err(e) => error_page(&tr, &user, e),
    }
}

/// A victim-fatigue warning in words, with its figure.
pub(crate) fn fatigue_text(
    tr: &Tr,
    w: &safepath_domain::justice::proceedings::FatigueWarning,
) -> String {
    use safepath_domain::justice::proceedings::FatigueWarning as W;
    match w {
        W::LongGap { days } => format!(
            "{} ({days} {})",
            tr.t("fatigue-long-gap"),
            tr.t("justice-days")
        ),
        W::ManyAppearances { count } => format!("{} ({count})", tr.t("fatigue-many-appearances")),
        W::LongProceedings { days } => format!(
            "{} ({days} {})",
            tr.t("fatigue-long-proceedings"),
            tr.t("justice-days")
        ),
    }
}
