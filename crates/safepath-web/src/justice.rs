//! Rights and justice over HTTP: the JSON API (`/api/v1/cases/{id}/permits`,
//! proceedings, events, measures, claims, non-punishment, legal aid,
//! interpretation, information on rights; `/api/v1/fund/…`) and the pages
//! *Rights and justice* (`/cases/{id}/justice`) and *Fund* (`/fund`), which
//! work with JavaScript off. Every decision on access is the app's
//! (`App::justice_gate` and the fund's rights).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_app::justice::*;
use safepath_app::{AppError, Principal};
use safepath_domain::justice::assistance::{
    InterpretationOccasion, LegalAidCost, RepresentativeKind, RightsTopic,
};
use safepath_domain::justice::compensation::ClaimKind;
use safepath_domain::justice::fund::{AccountClass, Currency};
use safepath_domain::justice::non_punishment::{ChargeKind, NonPunishmentState};
use safepath_domain::justice::permits::{ApplicationState, ExpiryAlert, PermitKind};
use safepath_domain::justice::proceedings::{
    Attendance, EventKind, MeasureKind, MeasureState, PersonRole, ProceedingKind,
    TestimonyRelevance, ThreatLevel,
};
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::AppState;
use crate::api::{ApiJson, Items};
use crate::auth::{ApiUser, WebUser};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::Tr;
use crate::ui::Posted;
use crate::ui::{Fields, LANGUAGES, UserBar, bar, error_page, language_name, render, tr_for};

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
    responses((status = 200, body = ClaimView), (status = 400, body = ErrorBody), (status = 403, description = "Not a role that may do this on the case", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "The claim is closed", body = ErrorBody)))]
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
    responses((status = 200, body = Items<AccountView>), (status = 400, description = "`on` is not a day written YYYY-MM-DD", body = ErrorBody), (status = 403, body = ErrorBody)))]
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
    responses((status = 200, body = Items<LedgerLineView>), (status = 400, description = "`offset` or `limit` is not a number", body = ErrorBody), (status = 403, body = ErrorBody)))]
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

fn money(currency: &str, minor: i64) -> String {
    match Currency::parse(currency) {
        Ok(c) => c.format(minor),
        Err(_) => format!("{minor} {currency}"),
    }
}

/// Currencies offered for a claim (ISO 4217; each has a `currency-…` label).
const CURRENCIES: &[&str] = &[
    "THB", "IDR", "MYR", "MMK", "KHR", "LAK", "VND", "PHP", "SGD", "USD", "EUR", "GBP",
];

/// The choices of a list of codes, by their names, sorted by name.
fn named(codes: &[&'static str], name: impl Fn(&str) -> String) -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> = codes.iter().map(|c| (*c, name(c))).collect();
    v.sort_by_key(|(_, n)| n.to_lowercase());
    v
}

/// An amount typed by a person (`1500`, `1,500.50`, `1.500,50`) in minor
/// units of a currency with `exponent` decimals; `None` when it is not one.
pub(crate) fn parse_amount(raw: &str, exponent: u32) -> Option<i64> {
    let s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '\'')
        .collect();
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return None;
    }
    // The last separator is the decimal one when it is the only one of its
    // kind and at most `exponent` digits follow; otherwise all group thousands.
    let (int_part, frac) = match s.rfind(['.', ',']) {
        None => (s.as_str(), ""),
        Some(pos) => {
            let sep = &s[pos..=pos];
            let tail = &s[pos + 1..];
            let decimal = s.matches(sep).count() == 1
                && !tail.is_empty()
                && u32::try_from(tail.len()).is_ok_and(|n| n <= exponent);
            if decimal {
                (&s[..pos], tail)
            } else {
                (s.as_str(), "")
            }
        }
    };
    let seps: Vec<char> = int_part.chars().filter(|c| !c.is_ascii_digit()).collect();
    let digits: String = match seps.first() {
        None => int_part.to_owned(),
        Some(sep) => {
            if seps.iter().any(|c| c != sep) {
                return None;
            }
            let groups: Vec<&str> = int_part.split(*sep).collect();
            let first_ok = (1..=3).contains(&groups.first().map_or(0, |g| g.len()));
            if !first_ok || groups.iter().skip(1).any(|g| g.len() != 3) {
                return None;
            }
            groups.concat()
        }
    };
    if digits.is_empty() {
        return None;
    }
    let whole: i64 = digits.parse().ok()?;
    let mut frac = frac.to_owned();
    while u32::try_from(frac.len()).is_ok_and(|n| n < exponent) {
        frac.push('0');
    }
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    whole
        .checked_mul(10i64.checked_pow(exponent)?)?
        .checked_add(frac)
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

struct InterpretationLine {
    text: String,
    /// No interpreter although the person shares no language with the staff.
    flagged: bool,
}

struct ClaimLine {
    id: String,
    kind: String,
    state: String,
    claimed: String,
    awarded: Option<String>,
    paid: String,
    /// The currency's name, for the amount of an award or a payment.
    currency: String,
    filed_on: String,
    payments: Vec<String>,
    /// Still open: an award, a payment or "unrecoverable" may be recorded.
    open: bool,
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
    /// The screening raised the non-punishment flag; nothing recorded yet.
    non_punishment_flagged: bool,
    return_block: Option<String>,
    permits: Vec<PermitLine>,
    legal_aid: Vec<String>,
    /// The directory's legal-aid services: (id, "name · organisation").
    legal_services: Vec<(String, String)>,
    /// The fund's use accounts: (id, "name · kind").
    fund_uses: Vec<(String, String)>,
    interpretation: Vec<InterpretationLine>,
    rights_information: Vec<String>,
    proceedings: Vec<ProceedingLine>,
    non_punishment: Vec<String>,
    claims: Vec<ClaimLine>,
    fund_paid: Vec<String>,
    permit_kinds: Vec<(&'static str, String)>,
    proceeding_kinds: Vec<(&'static str, String)>,
    roles: Vec<(&'static str, String)>,
    attendances: Vec<(&'static str, String)>,
    event_kinds: Vec<(&'static str, String)>,
    representatives: Vec<(&'static str, String)>,
    costs: Vec<(&'static str, String)>,
    occasions: Vec<(&'static str, String)>,
    languages: Vec<(&'static str, String)>,
    topics: Vec<(&'static str, String)>,
    measure_kinds: Vec<(&'static str, String)>,
    measure_states: Vec<(&'static str, String)>,
    threats: Vec<(&'static str, String)>,
    relevances: Vec<(&'static str, String)>,
    charges: Vec<(&'static str, String)>,
    np_states: Vec<(&'static str, String)>,
    claim_kinds: Vec<(&'static str, String)>,
    currencies: Vec<(&'static str, String)>,
    claim_actions: Vec<(&'static str, String)>,
    /// The submitted form (kept on error), its values and field errors.
    form: String,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    /// For a form of one proceeding or claim: its place on the page (from 1),
    /// which the ids of its fields end with.
    item: Option<usize>,
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
    /// A topic of information on rights ticked in the submitted form.
    fn topic_ticked(&self, v: &str) -> bool {
        self.selected("rights-information", &format!("topic_{v}"), "yes")
    }
    /// The submitted form was this one and it came back with errors: its
    /// section is open.
    fn open(&self, form: &str) -> bool {
        self.form == form && !self.errors.is_empty()
    }
    /// Whether the submitted form was the one of item `i` (from 1). The
    /// `item_…` helpers take `i` as the template hands a `let` value over.
    fn is_item(&self, form: &str, i: &usize) -> bool {
        self.form == form && self.item == Some(*i)
    }
    fn item_value(&self, form: &str, i: &&usize, k: &str) -> String {
        if self.is_item(form, i) {
            self.values.get(k).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
    fn item_error(&self, form: &str, i: &&usize, k: &str) -> Option<String> {
        if self.is_item(form, i) {
            self.errors.get(k).cloned()
        } else {
            None
        }
    }
    fn item_selected(&self, form: &str, i: &&usize, k: &str, v: &str) -> bool {
        self.is_item(form, i) && self.values.get(k).map(String::as_str) == Some(v)
    }
    fn item_open(&self, form: &str, i: &&usize) -> bool {
        self.is_item(form, i) && !self.errors.is_empty()
    }
    /// The id of the field an error is about, for the error summary's link.
    fn anchor(&self, k: &str) -> String {
        match self.item {
            Some(i) => format!("{}-{k}-{i}", self.form),
            None => format!("{}-{k}", self.form),
        }
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

async fn legal_aid_services(app: &AppState, p: &Principal) -> Vec<(String, String)> {
    let Ok(orgs) = app.directory(p).await else {
        return Vec::new();
    };
    orgs.iter()
        .flat_map(|o| {
            o.services
                .iter()
                .filter(|s| s.service_type.as_str() == "legal_aid")
                .map(move |s| (s.id.clone(), format!("{} · {}", s.name, o.name)))
        })
        .collect()
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
    // The directory is open to every signed-in user; a failure only hides
    // the choice (the name can still be typed).
    let legal_services = if v.via_referral {
        Vec::new()
    } else {
        legal_aid_services(app, user.principal()).await
    };
    // The fund's use accounts, for a payment request (those who may
    // request; never through a referral).
    let fund_uses: Vec<(String, String)> =
        if v.via_referral || !safepath_app::justice::sees_fund(user.principal().actor.role) {
            Vec::new()
        } else {
            app.fund_accounts(user.principal(), None)
                .await
                .unwrap_or_default()
                .into_iter()
                .filter(|a| a.kind.class() == AccountClass::Use)
                .map(|a| {
                    (
                        a.id,
                        format!(
                            "{} · {}",
                            a.name,
                            tr.t(format!("account-kind-{}", a.kind.as_str()))
                        ),
                    )
                })
                .collect()
        };
    let d = |s: &str| tr.day(s);
    let item = match form.as_str() {
        "event" | "measure" => values.get("proceeding_id").and_then(|id| {
            v.proceedings
                .iter()
                .position(|p| &p.id == id)
                .map(|i| i + 1)
        }),
        "claim-change" => values
            .get("claim_id")
            .and_then(|id| v.claims.iter().position(|c| &c.id == id).map(|i| i + 1)),
        _ => None,
    };
    let page = JusticePage {
        title: tr.t("justice-title"),
        user: Some(bar(&tr, user)),
        csrf: user.session.csrf_token.clone(),
        case_id: case,
        message,
        read_only: v.via_referral,
        non_punishment_flagged: v.non_punishment_flagged,
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
        legal_services,
        fund_uses,
        legal_aid: v
            .legal_aid
            .iter()
            .map(|a| {
                let mut s = format!(
                    "{}: {} · {} · {} {}",
                    tr.t(format!("representative-{}", a.representative.as_str())),
                    a.name,
                    tr.t(format!("legal-aid-cost-{}", a.cost.as_str())),
                    tr.t("justice-from"),
                    d(&a.from)
                );
                if let Some(to) = &a.to {
                    s.push_str(&format!(" {} {}", tr.t("justice-until"), d(to)));
                }
                s
            })
            .collect(),
        interpretation: v
            .interpretation
            .iter()
            .map(|i| {
                let mut text = format!(
                    "{} · {} · ",
                    d(&i.on),
                    tr.t(format!("occasion-{}", i.occasion.as_str()))
                );
                if i.interpreter_provided {
                    text.push_str(&tr.t("justice-interpreter-was-provided"));
                } else {
                    text.push_str(&tr.t("justice-no-interpreter"));
                }
                if let Some(l) = &i.language {
                    text.push_str(&format!(" · {}", language_name(&tr, l)));
                }
                if let Some(b) = &i.provided_by {
                    text.push_str(&format!(" · {} {b}", tr.t("justice-by")));
                }
                InterpretationLine {
                    text,
                    flagged: i.flagged,
                }
            })
            .collect(),
        rights_information: v
            .rights_information
            .iter()
            .map(|r| {
                let topics: Vec<String> = r
                    .topics
                    .iter()
                    .map(|t| tr.t(format!("rights-topic-{}", t.as_str())))
                    .collect();
                format!(
                    "{} · {} · {} {} · {} {}",
                    d(&r.given_on),
                    topics.join(", "),
                    tr.t("justice-in-language"),
                    language_name(&tr, &r.language),
                    tr.t("justice-by"),
                    r.given_by_name
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
                            "{} · {} · {} {}",
                            tr.t(format!("measure-kind-{}", m.kind.as_str())),
                            tr.t(format!("measure-state-{}", m.state.as_str())),
                            tr.t("justice-requested-on-short"),
                            d(&m.requested_on)
                        );
                        if let Some(e) = m.suggested {
                            s.push_str(&format!(
                                " · {}",
                                tr.t(format!("eligibility-{}", e.as_str()))
                            ));
                        }
                        s
                    })
                    .collect(),
                fatigue: p.fatigue.iter().map(|w| fatigue_text(&tr, w)).collect(),
            })
            .collect(),
        non_punishment: v
            .non_punishment
            .iter()
            .map(|n| {
                let arose = match n.arose_from_trafficking {
                    Some(true) => "justice-arose-yes",
                    Some(false) => "justice-arose-no",
                    None => "justice-arose-unknown",
                };
                let mut s = format!(
                    "{} · {} · {}",
                    tr.t(format!("charge-kind-{}", n.charge.as_str())),
                    tr.t(arose),
                    tr.t(format!("non-punishment-state-{}", n.state.as_str()))
                );
                if let Some(on) = &n.requested_on {
                    s.push_str(&format!(
                        " · {} {}",
                        tr.t("justice-requested-on-short"),
                        d(on)
                    ));
                }
                if let Some(o) = &n.outcome {
                    s.push_str(&format!(" · {o}"));
                }
                s
            })
            .collect(),
        claims: v
            .claims
            .iter()
            .map(|c| ClaimLine {
                id: c.id.clone(),
                kind: tr.t(format!("claim-kind-{}", c.kind.as_str())),
                state: tr.t(format!("claim-state-{}", c.state.as_str())),
                claimed: money(&c.currency, c.claimed_minor),
                awarded: c.awarded_minor.map(|a| money(&c.currency, a)),
                paid: money(&c.currency, c.paid_minor),
                currency: {
                    let key = format!("currency-{}", c.currency);
                    if tr.has(&key) {
                        tr.t(key)
                    } else {
                        c.currency.clone()
                    }
                },
                filed_on: d(&c.filed_on),
                payments: c
                    .payments
                    .iter()
                    .map(|p| {
                        let mut s =
                            format!("{} · {}", d(&p.on), money(&c.currency, p.amount_minor));
                        if p.after_return {
                            s.push_str(&format!(" · {}", tr.t("justice-after-return")));
                        }
                        s
                    })
                    .collect(),
                open: !matches!(c.state.as_str(), "paid" | "unrecoverable"),
            })
            .collect(),
        fund_paid: v
            .fund_paid
            .iter()
            .map(|l| {
                format!(
                    "{} · {}",
                    l.account_name,
                    money(&l.currency, l.amount_minor)
                )
            })
            .collect(),
        permit_kinds: labels(&tr, "permit-kind", PermitKind::ALL, PermitKind::as_str),
        proceeding_kinds: labels(
            &tr,
            "proceeding-kind",
            ProceedingKind::ALL,
            ProceedingKind::as_str,
        ),
        roles: labels(&tr, "person-role", PersonRole::ALL, PersonRole::as_str),
        attendances: labels(&tr, "attendance", Attendance::ALL, Attendance::as_str),
        event_kinds: labels(&tr, "event-kind", EventKind::ALL, EventKind::as_str),
        representatives: labels(
            &tr,
            "representative",
            RepresentativeKind::ALL,
            RepresentativeKind::as_str,
        ),
        costs: labels(
            &tr,
            "legal-aid-cost-choice",
            LegalAidCost::ALL,
            LegalAidCost::as_str,
        ),
        occasions: labels(
            &tr,
            "occasion",
            InterpretationOccasion::ALL,
            InterpretationOccasion::as_str,
        ),
        languages: named(LANGUAGES, |c| language_name(&tr, c)),
        topics: labels(&tr, "rights-topic", RightsTopic::ALL, RightsTopic::as_str),
        measure_kinds: labels(&tr, "measure-kind", MeasureKind::ALL, MeasureKind::as_str),
        measure_states: labels(
            &tr,
            "measure-state-choice",
            MeasureState::ALL,
            MeasureState::as_str,
        ),
        threats: labels(&tr, "threat", ThreatLevel::ALL, ThreatLevel::as_str),
        relevances: labels(
            &tr,
            "relevance",
            TestimonyRelevance::ALL,
            TestimonyRelevance::as_str,
        ),
        charges: labels(&tr, "charge-kind", ChargeKind::ALL, ChargeKind::as_str),
        np_states: labels(
            &tr,
            "non-punishment-state-choice",
            NonPunishmentState::ALL,
            NonPunishmentState::as_str,
        ),
        claim_kinds: labels(&tr, "claim-kind", ClaimKind::ALL, ClaimKind::as_str),
        currencies: CURRENCIES
            .iter()
            .map(|c| (*c, tr.t(format!("currency-{c}"))))
            .collect(),
        claim_actions: labels(&tr, "claim-action", CLAIM_ACTIONS, |a| a),
        form,
        values,
        errors,
        item,
        tr,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render(status, &page)
}

/// What may happen to an open claim (`ClaimChange`).
const CLAIM_ACTIONS: &[&str] = &["award", "payment", "unrecoverable"];

/// The forms of the page, by the value of their `form` field (also their
/// element id and the `done=` of the redirect after success).
const FORMS: &[&str] = &[
    "permit",
    "proceeding",
    "event",
    "legal-aid",
    "interpretation",
    "rights-information",
    "measure",
    "non-punishment",
    "claim",
    "claim-change",
    "disbursement",
    "disbursement-posted",
];

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
        .filter(|d| FORMS.contains(&d.as_str()))
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

/// The field an error belongs to, from the message's `field:` prefix (the
/// amounts in minor units are the form's `amount`).
fn field_of(e: &AppError, fallback: &str) -> String {
    let field = e
        .message
        .split_once(':')
        .map(|(f, _)| f.trim().to_owned())
        .filter(|f| !f.contains(' '))
        .unwrap_or_else(|| fallback.to_owned());
    match field.as_str() {
        "claimed_minor" | "awarded_minor" | "amount_minor" => "amount".to_owned(),
        _ => field,
    }
}

/// An app's refusal in plain words: by its code when the locale has words
/// for it, else the rule's own words without the field's name.
fn error_text(tr: &Tr, e: &AppError) -> String {
    let key = format!("justice-error-{}", e.code);
    if tr.has(&key) {
        return tr.t(key);
    }
    let why = e
        .message
        .split_once(':')
        .filter(|(f, _)| !f.contains(' '))
        .map_or(e.message.as_str(), |(_, why)| why.trim());
    if why.contains("calendar date") {
        tr.t("justice-error-date")
    } else if why.contains("in the future") {
        tr.t("justice-error-future")
    } else if why.starts_with("not a known") || why.starts_with("not an ISO") {
        tr.t("justice-error-choose")
    } else {
        why.to_owned()
    }
}

/// Why a form was refused: errors found on the page's side (already in
/// words, by field), or the app's refusal.
enum Refusal {
    Fields(BTreeMap<String, String>),
    App(AppError),
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        Refusal::App(e)
    }
}

/// Reads a form's fields, noting in words what is wrong beside each field
/// before the app is asked. A field in error gives a placeholder value; the
/// request is never made while there is an error ([`Check::finish`]).
struct Check<'a> {
    tr: &'a Tr,
    f: &'a Fields,
    errors: BTreeMap<String, String>,
}

impl<'a> Check<'a> {
    fn new(tr: &'a Tr, f: &'a Fields) -> Self {
        Self {
            tr,
            f,
            errors: BTreeMap::new(),
        }
    }
    fn fail(&mut self, k: &str, key: &str) {
        if !self.errors.contains_key(k) {
            self.errors.insert(k.to_owned(), self.tr.t(key));
        }
    }
    fn get(&self, k: &str) -> &'a str {
        self.f.get(k).trim()
    }
    /// One of a vocabulary's values (required).
    fn choice<T: Copy>(&mut self, k: &str, all: &'static [T], s: fn(T) -> &'static str) -> T {
        match self.opt_choice(k, all, s) {
            Some(v) => v,
            None => {
                self.fail(k, "justice-error-choose");
                all[0]
            }
        }
    }
    /// One of a vocabulary's values, or none when left empty.
    fn opt_choice<T: Copy>(
        &mut self,
        k: &str,
        all: &'static [T],
        s: fn(T) -> &'static str,
    ) -> Option<T> {
        let v = self.get(k);
        if v.is_empty() {
            return None;
        }
        let found = all.iter().copied().find(|x| s(*x) == v);
        if found.is_none() {
            self.fail(k, "justice-error-choose");
        }
        found
    }
    fn text(&mut self, k: &str) -> String {
        let v = self.get(k);
        if v.is_empty() {
            self.fail(k, "justice-error-missing_field");
        }
        v.to_owned()
    }
    fn opt_text(&self, k: &str) -> Option<String> {
        opt(self.f, k)
    }
    /// A date as `YYYY-MM-DD` (what a date field sends), or none when empty.
    fn opt_date(&mut self, k: &str) -> Option<String> {
        let v = self.get(k);
        if v.is_empty() {
            return None;
        }
        if safepath_domain::person::parse_iso_date(k, v).is_err() {
            self.fail(k, "justice-error-date");
        }
        Some(v.to_owned())
    }
    fn date(&mut self, k: &str) -> String {
        let v = self.opt_date(k);
        if v.is_none() {
            self.fail(k, "justice-error-date-missing");
        }
        v.unwrap_or_default()
    }
    /// `yes` or `no`; none when left empty (not yet known).
    fn opt_yes_no(&mut self, k: &str) -> Option<bool> {
        match self.get(k) {
            "yes" => Some(true),
            "no" => Some(false),
            "" => None,
            _ => {
                self.fail(k, "justice-error-choose");
                None
            }
        }
    }
    fn yes_no(&mut self, k: &str) -> bool {
        let v = self.opt_yes_no(k);
        if v.is_none() {
            self.fail(k, "justice-error-yes-no");
        }
        v.unwrap_or_default()
    }
    /// A language of the list, or none when left empty.
    fn language(&mut self, k: &str) -> Option<String> {
        let v = self.get(k);
        if v.is_empty() {
            return None;
        }
        if !LANGUAGES.contains(&v) {
            self.fail(k, "justice-error-language-unknown");
            return None;
        }
        Some(v.to_owned())
    }
    fn currency(&mut self, k: &str) -> Option<Currency> {
        let v = self.get(k);
        match Currency::parse(v) {
            Ok(c) if !v.is_empty() => Some(c),
            _ => {
                self.fail(k, "justice-error-choose");
                None
            }
        }
    }
    /// An amount above zero in the currency's minor units.
    fn amount(&mut self, k: &str, currency: Option<Currency>) -> i64 {
        let v = self.get(k);
        if v.is_empty() {
            self.fail(k, "justice-error-amount-missing");
            return 0;
        }
        let exponent = currency.map_or(2, Currency::exponent);
        if let Some(rest) = v.strip_prefix('-')
            && parse_amount(rest, exponent).is_some()
        {
            self.fail(k, "justice-error-amount-positive");
            return 0;
        }
        match parse_amount(v, exponent) {
            Some(n) if n > 0 => n,
            Some(_) => {
                self.fail(k, "justice-error-amount-positive");
                0
            }
            None => {
                self.fail(k, "justice-error-amount");
                0
            }
        }
    }
    fn finish(&mut self) -> Result<(), Refusal> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Refusal::Fields(std::mem::take(&mut self.errors)))
        }
    }
}

async fn submit_legal_aid(
    app: &AppState,
    p: &Principal,
    case: Uuid,
    mut c: Check<'_>,
) -> Result<(), Refusal> {
    let representative = c.choice(
        "representative",
        RepresentativeKind::ALL,
        RepresentativeKind::as_str,
    );
    // A service from the directory, or a name typed (one of the two).
    let service_id = c.opt_text("service_id");
    let name = if service_id.is_some() {
        c.opt_text("name").unwrap_or_default()
    } else {
        c.text("name")
    };
    let from = c.date("from");
    let to = c.opt_date("to");
    let cost = c.choice("cost", LegalAidCost::ALL, LegalAidCost::as_str);
    c.finish()?;
    let req = NewLegalAidRequest {
        representative,
        name,
        service_id,
        from,
        to,
        cost,
    };
    app.add_legal_aid(p, case, req).await?;
    Ok(())
}

async fn submit_interpretation(
    app: &AppState,
    p: &Principal,
    case: Uuid,
    mut c: Check<'_>,
) -> Result<(), Refusal> {
    let occasion = c.choice(
        "occasion",
        InterpretationOccasion::ALL,
        InterpretationOccasion::as_str,
    );
    let on = c.date("on");
    let interpreter_provided = c.yes_no("interpreter_provided");
    let language = c.language("language");
    if interpreter_provided && language.is_none() {
        c.fail("language", "justice-error-language-interpreted");
    }
    let provided_by = c.opt_text("provided_by");
    c.finish()?;
    let req = NewInterpretationRequest {
        occasion,
        on,
        interpreter_provided,
        language,
        provided_by,
    };
    app.add_interpretation(p, case, req).await?;
    Ok(())
}

async fn submit_rights_information(
    app: &AppState,
    p: &Principal,
    case: Uuid,
    mut c: Check<'_>,
) -> Result<(), Refusal> {
    let topics: Vec<RightsTopic> = RightsTopic::ALL
        .iter()
        .copied()
        .filter(|t| c.get(&format!("topic_{}", t.as_str())) == "yes")
        .collect();
    if topics.is_empty() {
        c.fail("topics", "justice-error-topics");
    }
    let language = c.language("language");
    if language.is_none() {
        c.fail("language", "justice-error-language-given");
    }
    let given_on = c.date("given_on");
    c.finish()?;
    let req = NewRightsInformationRequest {
        topics,
        language: language.unwrap_or_default(),
        given_on,
    };
    app.add_rights_information(p, case, req).await?;
    Ok(())
}

async fn submit_measure(
    app: &AppState,
    p: &Principal,
    case: Uuid,
    mut c: Check<'_>,
) -> Result<(), Refusal> {
    let proceeding = c.get("proceeding_id");
    let kind = c.choice("kind", MeasureKind::ALL, MeasureKind::as_str);
    let state = c.choice("state", MeasureState::ALL, MeasureState::as_str);
    let requested_on = c.date("requested_on");
    let threat = c.opt_choice("threat", ThreatLevel::ALL, ThreatLevel::as_str);
    let relevance = c.opt_choice(
        "relevance",
        TestimonyRelevance::ALL,
        TestimonyRelevance::as_str,
    );
    match (threat, relevance) {
        (Some(_), None) if c.get("relevance").is_empty() => {
            c.fail("relevance", "justice-error-threat-and-relevance")
        }
        (None, Some(_)) if c.get("threat").is_empty() => {
            c.fail("threat", "justice-error-threat-and-relevance")
        }
        _ => {}
    }
    c.finish()?;
    let req = NewMeasureRequest {
        kind,
        state: Some(state),
        requested_on,
        threat,
        relevance,
    };
    app.add_measure(p, case, proceeding, req).await?;
    Ok(())
}

async fn submit_non_punishment(
    app: &AppState,
    p: &Principal,
    case: Uuid,
    mut c: Check<'_>,
) -> Result<(), Refusal> {
    let charge = c.choice("charge", ChargeKind::ALL, ChargeKind::as_str);
    let arose_from_trafficking = c.opt_yes_no("arose_from_trafficking");
    let state = c.choice("state", NonPunishmentState::ALL, NonPunishmentState::as_str);
    let requested_on = c.opt_date("requested_on");
    if state != NonPunishmentState::NotRequested && requested_on.is_none() {
        c.fail("requested_on", "justice-error-requested-on");
    }
    let outcome = c.opt_text("outcome");
    // Set by the page when the screening raised the flag.
    let from_flag = c.opt_yes_no("from_identification_flag") == Some(true);
    c.finish()?;
    let req = NewNonPunishmentRequest {
        charge,
        arose_from_trafficking,
        state,
        requested_on,
        outcome,
        from_identification_flag: from_flag,
    };
    app.add_non_punishment(p, case, req).await?;
    Ok(())
}

async fn submit_claim(
    app: &AppState,
    p: &Principal,
    case: Uuid,
    mut c: Check<'_>,
) -> Result<(), Refusal> {
    let kind = c.choice("kind", ClaimKind::ALL, ClaimKind::as_str);
    let currency = c.currency("currency");
    let claimed_minor = c.amount("amount", currency);
    let filed_on = c.date("filed_on");
    c.finish()?;
    let req = NewClaimRequest {
        kind,
        currency: currency.map(Currency::code).unwrap_or_default().to_owned(),
        claimed_minor,
        filed_on,
    };
    app.add_claim(p, case, req).await?;
    Ok(())
}

/// The payment request form (`App::request_case_payment` makes the double
/// entry). Returns whether it waits for an approval.
async fn submit_disbursement(
    app: &AppState,
    p: &Principal,
    case: Uuid,
    mut c: Check<'_>,
) -> Result<bool, Refusal> {
    let account = c.get("account_id").to_owned();
    let currency = c.currency("currency");
    let amount_minor = c.amount("amount", currency);
    let description = c.text("description");
    c.finish()?;
    let currency = currency.map(Currency::code).unwrap_or_default();
    let (_, waits) = app
        .request_case_payment(p, case, &account, amount_minor, currency, description)
        .await?;
    Ok(waits)
}

async fn submit_claim_change(
    app: &AppState,
    p: &Principal,
    case: Uuid,
    mut c: Check<'_>,
) -> Result<(), Refusal> {
    let claim = c.get("claim_id");
    // The amount is in the claim's own currency.
    let currency = app
        .justice(p, case)
        .await?
        .claims
        .into_iter()
        .find(|x| x.id == claim)
        .map(|x| x.currency)
        .ok_or_else(|| AppError::not_found("no such claim on this case"))?;
    let currency = Currency::parse(&currency).ok();
    let change = match c.get("action") {
        "award" => ClaimChange::Award {
            awarded_minor: c.amount("amount", currency),
        },
        "payment" => {
            let amount_minor = c.amount("amount", currency);
            let on = c.date("on");
            ClaimChange::Payment {
                on,
                amount_minor,
                after_return: c.get("after_return") == "yes",
            }
        }
        "unrecoverable" => ClaimChange::Unrecoverable,
        _ => {
            c.fail("action", "justice-error-choose");
            ClaimChange::Unrecoverable
        }
    };
    c.finish()?;
    app.change_claim(p, case, claim, change).await?;
    Ok(())
}

async fn justice_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let Ok(case) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::case_not_found());
    };
    let form = f.get("form").to_owned();
    let values = f.kept();
    let p = user.principal();
    let c = Check::new(&tr, &f);
    let mut done = form.clone();
    let result: Result<(), Refusal> = match form.as_str() {
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
                    .map(|_| ())
                    .map_err(Refusal::from),
                Err(e) => Err(e.into()),
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
                    .map(|_| ())
                    .map_err(Refusal::from),
                (Err(e), _) | (_, Err(e)) => Err(AppError::from(e).into()),
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
                .map_err(Refusal::from)
            }
            Err(e) => Err(AppError::from(e).into()),
        },
        "legal-aid" => submit_legal_aid(&app, p, case, c).await,
        "interpretation" => submit_interpretation(&app, p, case, c).await,
        "rights-information" => submit_rights_information(&app, p, case, c).await,
        "measure" => submit_measure(&app, p, case, c).await,
        "non-punishment" => submit_non_punishment(&app, p, case, c).await,
        "claim" => submit_claim(&app, p, case, c).await,
        "claim-change" => submit_claim_change(&app, p, case, c).await,
        "disbursement" => match submit_disbursement(&app, p, case, c).await {
            Ok(waits) => {
                if !waits {
                    done = "disbursement-posted".to_owned();
                }
                Ok(())
            }
            Err(e) => Err(e),
        },
        _ => Err(AppError::bad_request("invalid_value", "form: unknown form").into()),
    };
    match result {
        Ok(()) => {
            Redirect::to(&format!("/cases/{case}/justice?done={done}#message")).into_response()
        }
        Err(Refusal::Fields(errors)) => {
            render_justice(&app, &user, case, None, form, values, errors).await
        }
        Err(Refusal::App(e)) if e.kind == safepath_app::ErrorKind::BadRequest => {
            let mut errors = BTreeMap::new();
            errors.insert(field_of(&e, "form"), error_text(&tr, &e));
            render_justice(&app, &user, case, None, form, values, errors).await
        }
        Err(Refusal::App(e)) => error_page(&tr, &user, e),
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
    /// Asked for (it reads the whole ledger: not on every visit).
    ran: bool,
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
    let (Some(from), Some(to)) = (query_param(raw, "from"), query_param(raw, "to")) else {
        // Not asked yet: the form, with this month so far.
        let today = app.today();
        let first = today.replace_day(1).unwrap_or(today);
        let iso = |d: time::Date| {
            d.format(time::macros::format_description!("[year]-[month]-[day]"))
                .unwrap_or_default()
        };
        return ReconciliationSection {
            from: iso(first),
            to: iso(today),
            ran: false,
            error: None,
            reconciled: false,
            period: String::new(),
            accounts: Vec::new(),
            currencies: Vec::new(),
            unbalanced: 0,
            awaiting_approval: 0,
        };
    };
    let asked = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    match app
        .fund_reconciliation(p, asked(&from).as_deref(), asked(&to).as_deref())
        .await
    {
        Ok(r) => ReconciliationSection {
            period: format!("{} – {}", tr.day(&r.from), tr.day(&r.to)),
            from: r.from.clone(),
            to: r.to.clone(),
            ran: true,
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
            ran: true,
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
    let posts = safepath_app::justice::posts_to_fund(p.actor.role);
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
        user: Some(bar(&tr, &user)),
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
                    booked_on: tr.day(&l.booked_on),
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
    Path((id, action)): Path<(String, String)>,
    Posted { user, fields: _f }: Posted,
) -> Response {
    let tr = tr_for(&user);
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

#[cfg(test)]
mod tests {
    use super::parse_amount;

    #[test]
    fn amounts_as_people_type_them() {
        assert_eq!(parse_amount("1500", 2), Some(150_000));
        assert_eq!(parse_amount("1500.5", 2), Some(150_050));
        assert_eq!(parse_amount("1,500.50", 2), Some(150_050));
        assert_eq!(parse_amount("1.500,50", 2), Some(150_050));
        assert_eq!(parse_amount("1,500", 2), Some(150_000));
        assert_eq!(parse_amount("1.234.567", 2), Some(123_456_700));
        assert_eq!(parse_amount("12,5", 2), Some(1_250));
        assert_eq!(parse_amount(" 2 000 ", 0), Some(2_000));
        assert_eq!(parse_amount("0", 2), Some(0));
        for bad in [
            "",
            "abc",
            "-5",
            "1.2.3",
            "12,34,5",
            "1.5e3",
            "1,2345",
            ".",
            "9999999999999999999",
        ] {
            assert_eq!(parse_amount(bad, 2), None, "{bad}");
        }
        assert_eq!(parse_amount("1.5", 0), None);
    }
}
