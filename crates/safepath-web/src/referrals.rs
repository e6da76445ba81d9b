//! The consent ledger and referrals over the JSON API.

use axum::extract::{Path, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_app::AppError;
use safepath_app::referrals::*;
use uuid::Uuid;

use crate::AppState;
use crate::api::{ApiJson, Items, body_bytes, parse_json};
use crate::auth::ApiUser;
use crate::auth::WebUser;
use crate::error::{ApiError, ErrorBody, bad_request};
use crate::i18n::Tr;
use crate::ui::Posted;
use crate::ui::{UserBar, bar, error_page, render, tr_for};
use askama::Template;
use axum::response::{IntoResponse, Redirect, Response};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/cases/{id}/consents",
            get(list_consents).post(record_consent),
        )
        .route("/api/v1/consents/{id}/withdraw", post(withdraw))
        .route(
            "/api/v1/cases/{id}/referrals",
            get(case_referrals).post(send_referral),
        )
        .route("/api/v1/referrals", get(org_referrals))
        .route("/api/v1/referrals/{id}", get(get_referral))
        .route("/api/v1/referrals/{id}/{action}", post(answer))
        .route("/referrals", get(referrals_page))
        .route("/referrals/{id}/{action}", post(answer_page))
}

fn case_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError(AppError::case_not_found()))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/consents", tag = "consent", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewConsent,
    responses((status = 201, body = ConsentView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_consent(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewConsent>,
) -> Result<(StatusCode, Json<ConsentView>), ApiError> {
    let id = case_id(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(app.record_consent(&user, id, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/consents", tag = "consent", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Items<ConsentView>), (status = 404, body = ErrorBody)))]
pub async fn list_consents(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Items<ConsentView>>, ApiError> {
    Ok(Json(Items {
        items: app.consents(&user, case_id(&id)?).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/consents/{id}/withdraw", tag = "consent", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ConsentView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ConsentView>, ApiError> {
    Ok(Json(app.withdraw_consent(&user, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals", tag = "referrals", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewReferralRequest,
    responses((status = 201, body = ReferralView), (status = 400, body = ErrorBody), (status = 403, description = "No consent covers this recipient, purpose and categories (code says which)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn send_referral(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewReferralRequest>,
) -> Result<(StatusCode, Json<ReferralView>), ApiError> {
    let id = case_id(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(app.send_referral(&user, id, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/referrals", tag = "referrals", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Items<ReferralView>), (status = 404, body = ErrorBody)))]
pub async fn case_referrals(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Items<ReferralView>>, ApiError> {
    Ok(Json(Items {
        items: app.case_referrals(&user, case_id(&id)?).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals", security(("bearer" = [])),
    params(("box" = Option<String>, Query, description = "inbox (default: referrals to your organisation) or outbox")),
    responses((status = 200, body = Items<ReferralView>), (status = 400, body = ErrorBody), (status = 403, description = "A role that does not work with referrals", body = ErrorBody)))]
pub async fn org_referrals(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<Items<ReferralView>>, ApiError> {
    let mut inbox = true;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if k == "box" {
            inbox = match v.as_ref() {
                "inbox" => true,
                "outbox" => false,
                _ => return Err(bad_request("invalid_value", "box must be inbox or outbox")),
            };
        }
    }
    Ok(Json(Items {
        items: app.org_referrals(&user, inbox).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "referrals", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ReferralView), (status = 404, body = ErrorBody)))]
pub async fn get_referral(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ReferralView>, ApiError> {
    Ok(Json(app.get_referral(&user, &id).await?))
}

/// `accept`, `decline` (`{"reason"}`), `complete` (`{"outcome"}`) or `revoke` (`{"reason"}`).
#[utoipa::path(post, path = "/api/v1/referrals/{id}/{action}", tag = "referrals", security(("bearer" = [])),
    params(("id" = String, Path), ("action" = String, Path, description = "accept, decline, complete or revoke")),
    request_body(content = ReferralAnswer, description = "Optional for accept"),
    responses((status = 200, body = ReferralView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn answer(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, action)): Path<(String, String)>,
    req: Request,
) -> Result<Json<ReferralView>, ApiError> {
    let bytes = body_bytes(req, &()).await?;
    let body: ReferralAnswer = if bytes.iter().all(u8::is_ascii_whitespace) {
        ReferralAnswer::default()
    } else {
        parse_json(&bytes)?
    };
    Ok(Json(app.answer_referral(&user, &id, &action, body).await?))
}

// ---------- pages: the referral inbox ----------

#[derive(Template)]
#[template(path = "referrals.html")]
struct ReferralsPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    inbox: bool,
    items: Vec<ReferralView>,
    /// Organisation names by id (sender in the inbox, recipient in the outbox).
    org_names: std::collections::BTreeMap<uuid::Uuid, String>,
    /// Today (ISO), for "sent yesterday".
    today: String,
    /// What was just done, in words.
    message: Option<String>,
    /// A refused answer: the referral, the message, the reason as typed.
    error: Option<(String, String, String)>,
}

impl ReferralsPage {
    /// The other side's name: who sent it (inbox) or to whom (outbox).
    fn other_side(&self, r: &ReferralView) -> String {
        let id = if self.inbox {
            r.from_org_id
        } else {
            r.to_org_id
        };
        self.org_names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| self.tr.t("referrals-unknown-org"))
    }
    /// "Woman, 18–24" style line: what the receiver may know of the person.
    fn person(&self, r: &ReferralView) -> Option<String> {
        let sex = r.sex.as_deref()?;
        let band = r.age_band.as_deref().unwrap_or("unknown");
        let band = match band {
            "0-11" => "0_11",
            "12-17" => "12_17",
            "18-24" => "18_24",
            "25-34" => "25_34",
            "35-44" => "35_44",
            "45+" => "45_plus",
            _ => "unknown",
        };
        Some(format!(
            "{}, {}",
            self.tr.t(format!("sex-{sex}")),
            self.tr.t(format!("age-band-{band}"))
        ))
    }
    fn sent(&self, r: &ReferralView) -> String {
        self.tr.ago(&r.sent_at, &self.today)
    }
    /// The error for this referral's reason field, if any.
    fn error_for(&self, r: &ReferralView) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(id, _, _)| *id == r.id)
            .map(|(_, m, _)| m.as_str())
    }
    fn kept_reason(&self, r: &ReferralView) -> &str {
        self.error
            .as_ref()
            .filter(|(id, _, _)| *id == r.id)
            .map_or("", |(_, _, k)| k.as_str())
    }
}

/// Today's date (ISO), from the app's clock.
pub(crate) fn today_iso(app: &AppState) -> String {
    time::OffsetDateTime::from_unix_timestamp(app.now_ms().div_euclid(1000))
        .ok()
        .and_then(|t| {
            t.date()
                .format(time::macros::format_description!("[year]-[month]-[day]"))
                .ok()
        })
        .unwrap_or_default()
}

/// What waits for the organisation (inbox) and what it sent (outbox), with
/// every referral's status: no phone call needed.
async fn referrals_page(
    State(app): State<AppState>,
    user: WebUser,
    RawQuery(raw): RawQuery,
) -> Response {
    let tr = tr_for(&user);
    let raw = raw.unwrap_or_default();
    let inbox = !raw.contains("box=outbox");
    let message = raw
        .split('&')
        .find_map(|p| p.strip_prefix("done="))
        .filter(|d| ["accept", "decline", "complete", "revoke"].contains(d))
        .map(|d| tr.t(format!("referrals-done-{d}")));
    referrals_view(&app, tr, &user, inbox, message, None, StatusCode::OK).await
}

async fn referrals_view(
    app: &AppState,
    tr: Tr,
    user: &WebUser,
    inbox: bool,
    message: Option<String>,
    error: Option<(String, String, String)>,
    status: StatusCode,
) -> Response {
    let org_names = app
        .orgs()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    match app.org_referrals(user.principal(), inbox).await {
        Ok(items) => render(
            status,
            &ReferralsPage {
                title: tr.t("referrals-title"),
                user: Some(bar(&tr, user)),
                csrf: user.session.csrf_token.clone(),
                inbox,
                items,
                org_names,
                today: today_iso(app),
                message,
                error,
                tr,
            },
        ),
        Err(e) => error_page(&tr, user, e),
    }
}

async fn answer_page(
    State(app): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let reason = f.get("reason").trim().to_owned();
    let refused = |message: String| {
        let kept = f.get("reason").to_owned();
        (id.clone(), message, kept)
    };
    // A decline needs a reason: said beside the field, the page otherwise as it was.
    if action == "decline" && reason.is_empty() {
        let error = refused(tr.t("referrals-error-reason"));
        return referrals_view(
            &app,
            tr,
            &user,
            true,
            None,
            Some(error),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let answer = ReferralAnswer {
        reason: Some(reason).filter(|r| !r.is_empty()),
        outcome: Some(f.get("outcome").to_owned()).filter(|o| !o.is_empty()),
    };
    match app
        .answer_referral(user.principal(), &id, &action, answer)
        .await
    {
        Ok(_) => Redirect::to(&format!("/referrals?done={action}")).into_response(),
        Err(e) if action == "decline" && e.kind == safepath_app::ErrorKind::BadRequest => {
            let error = refused(e.message);
            referrals_view(
                &app,
                tr,
                &user,
                true,
                None,
                Some(error),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}
