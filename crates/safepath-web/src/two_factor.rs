//! The optional second sign-in factor: the sign-in's second step
//! (`/login/two-factor`), the settings page (`/settings/two-factor`), and the
//! JSON API (`/api/v1/auth/two-factor`, `/api/v1/me/two-factor…`).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_app::accounts::{API_TOKEN_MS, SessionKind, WEB_SESSION_MS};
use safepath_app::two_factor::{Enrolment, TwoFactorState, role_needs_two_factor};
use safepath_app::{AppError, ErrorKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::{ApiJson, TokenResponse};
use crate::auth::{
    ApiUser, PENDING_COOKIE, SESSION_COOKIE, SourceAddr, WebUser, cookie, same_secret, set_cookie,
};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::Tr;
use crate::ui::Posted;
use crate::ui::{Fields, UserBar, bar, error_page, render, tr_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/login/two-factor",
            get(second_step_page).post(second_step_submit),
        )
        .route("/settings/two-factor", get(settings_page))
        .route("/settings/two-factor/start", post(start_submit))
        .route("/settings/two-factor/confirm", post(confirm_submit))
        .route("/settings/two-factor/off", post(off_submit))
        .route("/api/v1/auth/two-factor", post(api_second_step))
        .route(
            "/api/v1/me/two-factor",
            get(api_state).post(api_start).delete(api_off),
        )
        .route("/api/v1/me/two-factor/confirm", post(api_confirm))
}

/// The enrolment address as a QR code, inline SVG (its modules only: no
/// text from the user reaches the markup).
fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build();
            match svg.find("<svg") {
                Some(i) => svg[i..].replacen(
                    "<svg ",
                    "<svg role=\"img\" aria-labelledby=\"qr-label\" class=\"qr\" ",
                    1,
                ),
                None => String::new(),
            }
        }
        Err(_) => String::new(),
    }
}

// ---------- the second sign-in step ----------

#[derive(Template)]
#[template(path = "login_two_factor.html")]
struct SecondStepPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    error: Option<String>,
    code: String,
}

fn second_step(
    tr: Tr,
    status: StatusCode,
    csrf: String,
    error: Option<String>,
    code: String,
) -> Response {
    render(
        status,
        &SecondStepPage {
            title: tr.t("tfa-login-title"),
            user: None,
            csrf,
            error,
            code,
            tr,
        },
    )
}

fn back_to_login() -> Response {
    let mut res = Redirect::to("/login?expired=1").into_response();
    if let Ok(v) = set_cookie(PENDING_COOKIE, "", 0).parse() {
        res.headers_mut().append(SET_COOKIE, v);
    }
    res
}

async fn second_step_page(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = cookie(&headers, PENDING_COOKIE) else {
        return back_to_login();
    };
    match app.pending_sign_in(&token, SessionKind::Web).await {
        Ok(p) => second_step(
            Tr::new(&p.language),
            StatusCode::OK,
            p.csrf_token,
            None,
            String::new(),
        ),
        Err(_) => back_to_login(),
    }
}

async fn second_step_submit(
    State(app): State<AppState>,
    SourceAddr(from): SourceAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let Some(token) = cookie(&headers, PENDING_COOKIE) else {
        return back_to_login();
    };
    let Ok(pending) = app.pending_sign_in(&token, SessionKind::Web).await else {
        return back_to_login();
    };
    let tr = Tr::new(&pending.language);
    if !same_secret(f.get("csrf"), &pending.csrf_token) {
        return back_to_login();
    }
    let code = f.get("code").trim().to_owned();
    match app
        .login_second_factor(&token, &code, SessionKind::Web, from)
        .await
    {
        Ok((session, _)) => {
            let mut res = Redirect::to("/cases").into_response();
            for v in [
                set_cookie(SESSION_COOKIE, &session, WEB_SESSION_MS / 1000),
                set_cookie(PENDING_COOKIE, "", 0),
            ] {
                if let Ok(v) = v.parse() {
                    res.headers_mut().append(SET_COOKIE, v);
                }
            }
            res
        }
        Err(e) if e.kind == ErrorKind::TooManyRequests => {
            let mut res = second_step(
                tr.clone(),
                StatusCode::TOO_MANY_REQUESTS,
                pending.csrf_token,
                Some(tr.t("tfa-error-too_many_attempts")),
                code,
            );
            if let Ok(v) = e.retry_after_secs.unwrap_or(5).to_string().parse() {
                res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
            res
        }
        Err(e) if e.code == "second_factor_expired" => back_to_login(),
        Err(e) if e.kind == ErrorKind::Unauthorized => second_step(
            tr.clone(),
            StatusCode::UNAUTHORIZED,
            pending.csrf_token,
            Some(tr.t("tfa-error-invalid_code")),
            code,
        ),
        Err(_) => second_step(
            tr.clone(),
            StatusCode::INTERNAL_SERVER_ERROR,
            pending.csrf_token,
            Some(tr.t("error-generic")),
            code,
        ),
    }
}

// ---------- settings ----------

#[derive(Template)]
#[template(path = "two_factor.html")]
struct SettingsPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    /// "off", "awaiting" or "on".
    state: &'static str,
    secret: String,
    qr: String,
    codes_left: i64,
    /// Recovery codes, shown once right after they were made.
    recovery: Vec<String>,
    /// The field an error belongs to, and the error in words.
    error: Option<(String, String)>,
    message: Option<String>,
    /// Held to the second factor by `--require-2fa`.
    required: bool,
    /// Sent here by `--require-2fa` before anything else.
    must_enrol: bool,
    code: String,
}

struct PageInput {
    status: StatusCode,
    error: Option<(String, String)>,
    message: Option<String>,
    recovery: Vec<String>,
    code: String,
}

impl PageInput {
    fn ok() -> Self {
        Self {
            status: StatusCode::OK,
            error: None,
            message: None,
            recovery: Vec::new(),
            code: String::new(),
        }
    }
}

async fn settings(app: &AppState, user: &WebUser, input: PageInput) -> Response {
    let tr = tr_for(user);
    let state = match app.two_factor_state(user.principal()).await {
        Ok(s) => s,
        Err(e) => return error_page(&tr, user, e),
    };
    let (state, secret, qr, codes_left) = match state {
        TwoFactorState::Off => ("off", String::new(), String::new(), 0),
        TwoFactorState::Awaiting(Enrolment {
            secret,
            otpauth_url,
        }) => ("awaiting", secret, qr_svg(&otpauth_url), 0),
        TwoFactorState::On {
            recovery_codes_left,
        } => ("on", String::new(), String::new(), recovery_codes_left),
    };
    let required = app.sign_in_settings().require_two_factor
        && role_needs_two_factor(user.principal().actor.role);
    render(
        input.status,
        &SettingsPage {
            title: tr.t("tfa-title"),
            user: Some(bar(&tr, user)),
            csrf: user.session.csrf_token.clone(),
            state,
            secret,
            qr,
            codes_left,
            recovery: input.recovery,
            error: input.error,
            message: input.message,
            required,
            must_enrol: user.session.must_enrol_two_factor,
            code: input.code,
            tr,
        },
    )
}

async fn settings_page(
    State(app): State<AppState>,
    user: WebUser,
    RawQuery(q): RawQuery,
) -> Response {
    let tr = tr_for(&user);
    let done = form_urlencoded::parse(q.as_deref().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "done")
        .map(|(_, v)| v.into_owned());
    let message = match done.as_deref() {
        Some(what @ ("started" | "off" | "cancelled")) => Some(tr.t(format!("tfa-done-{what}"))),
        _ => None,
    };
    settings(
        &app,
        &user,
        PageInput {
            message,
            ..PageInput::ok()
        },
    )
    .await
}

async fn start_submit(State(app): State<AppState>, Posted { user, .. }: Posted) -> Response {
    match app.start_two_factor(user.principal()).await {
        Ok(_) => Redirect::to("/settings/two-factor?done=started").into_response(),
        Err(e) => error_page(&tr_for(&user), &user, e),
    }
}

/// The key of an error's words: `tfa-error-<code>`, else the message.
fn error_words(tr: &Tr, e: &AppError) -> String {
    let key = format!("tfa-error-{}", e.code);
    if tr.has(&key) {
        tr.t(key)
    } else {
        e.message.clone()
    }
}

async fn confirm_submit(
    State(app): State<AppState>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let code = f.get("code").trim().to_owned();
    match app.confirm_two_factor(user.principal(), &code).await {
        Ok(recovery) => {
            // Shown once, on this answer; the page after a reload says how
            // many are left, never the codes.
            let mut user = user;
            user.session.must_enrol_two_factor = false;
            settings(
                &app,
                &user,
                PageInput {
                    message: Some(tr.t("tfa-done-on")),
                    recovery,
                    ..PageInput::ok()
                },
            )
            .await
        }
        Err(e) if matches!(e.kind, ErrorKind::BadRequest | ErrorKind::TooManyRequests) => {
            settings(
                &app,
                &user,
                PageInput {
                    status: StatusCode::BAD_REQUEST,
                    error: Some(("code".into(), error_words(&tr, &e))),
                    code,
                    ..PageInput::ok()
                },
            )
            .await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn off_submit(State(app): State<AppState>, Posted { user, fields: f }: Posted) -> Response {
    let tr = tr_for(&user);
    let awaiting = matches!(
        app.two_factor_state(user.principal()).await,
        Ok(TwoFactorState::Awaiting(_))
    );
    let code = f.get("off_code").trim().to_owned();
    match app
        .turn_off_two_factor(user.principal(), f.get("password"), &code)
        .await
    {
        Ok(()) if awaiting => Redirect::to("/settings/two-factor?done=cancelled").into_response(),
        Ok(()) => Redirect::to("/settings/two-factor?done=off").into_response(),
        Err(e) if matches!(e.kind, ErrorKind::BadRequest | ErrorKind::TooManyRequests) => {
            let field = if e.code == "wrong_password" || e.kind == ErrorKind::TooManyRequests {
                "password"
            } else {
                "off_code"
            };
            settings(
                &app,
                &user,
                PageInput {
                    status: StatusCode::BAD_REQUEST,
                    error: Some((field.into(), error_words(&tr, &e))),
                    code,
                    ..PageInput::ok()
                },
            )
            .await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

// ---------- JSON API ----------

/// The second sign-in step over the API.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorRequest {
    /// From the login answer (202).
    pub second_factor_token: String,
    /// The authenticator app's current code, or an unused recovery code.
    pub code: String,
}

#[utoipa::path(post, path = "/api/v1/auth/two-factor", tag = "auth", request_body = SecondFactorRequest,
    responses((status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, body = ErrorBody),
        (status = 401, description = "`invalid_code` (counts towards the lock), or `second_factor_expired`: sign in again", body = ErrorBody),
        (status = 429, description = "Too many failures for this user or from this address; see Retry-After", body = ErrorBody)))]
pub async fn api_second_step(
    State(app): State<AppState>,
    SourceAddr(from): SourceAddr,
    ApiJson(req): ApiJson<SecondFactorRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let (token, _) = app
        .login_second_factor(&req.second_factor_token, &req.code, SessionKind::Api, from)
        .await?;
    Ok(Json(TokenResponse {
        token,
        expires_in_seconds: API_TOKEN_MS / 1000,
    }))
}

/// Where the caller's second factor stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct TwoFactorView {
    /// `off`, `awaiting_confirmation` or `on`.
    pub state: String,
    /// Unused recovery codes (when on).
    pub recovery_codes_left: i64,
    /// This server requires it for the caller's role (`--require-2fa`).
    pub required: bool,
}

#[utoipa::path(get, path = "/api/v1/me/two-factor", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = TwoFactorView)))]
pub async fn api_state(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<TwoFactorView>, ApiError> {
    let (state, left) = match app.two_factor_state(&user).await? {
        TwoFactorState::Off => ("off", 0),
        TwoFactorState::Awaiting(_) => ("awaiting_confirmation", 0),
        TwoFactorState::On {
            recovery_codes_left,
        } => ("on", recovery_codes_left),
    };
    Ok(Json(TwoFactorView {
        state: state.into(),
        recovery_codes_left: left,
        required: app.sign_in_settings().require_two_factor
            && role_needs_two_factor(user.actor.role),
    }))
}

#[utoipa::path(post, path = "/api/v1/me/two-factor", tag = "auth", security(("bearer" = [])),
    responses((status = 201, description = "Enrolment started: add the secret to an authenticator app, then confirm with a code", body = Enrolment),
        (status = 409, description = "`two_factor_on`: turn it off first", body = ErrorBody)))]
pub async fn api_start(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<(StatusCode, Json<Enrolment>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(app.start_two_factor(&user).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmTwoFactor {
    /// The code the authenticator app shows now.
    pub code: String,
}

/// Recovery codes: each signs in once instead of a code. Shown only here.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/me/two-factor/confirm", tag = "auth", security(("bearer" = [])), request_body = ConfirmTwoFactor,
    responses((status = 200, description = "On; the recovery codes are shown this once", body = RecoveryCodes),
        (status = 400, description = "`invalid_code`, or `two_factor_not_started`", body = ErrorBody),
        (status = 409, description = "`two_factor_on`", body = ErrorBody)))]
pub async fn api_confirm(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<ConfirmTwoFactor>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    Ok(Json(RecoveryCodes {
        recovery_codes: app.confirm_two_factor(&user, &req.code).await?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TurnOffTwoFactor {
    pub password: String,
    /// A current code, or an unused recovery code.
    pub code: String,
}

#[utoipa::path(delete, path = "/api/v1/me/two-factor", tag = "auth", security(("bearer" = [])), request_body = TurnOffTwoFactor,
    responses((status = 204, description = "Off (or the enrolment awaiting confirmation was cancelled)"),
        (status = 400, description = "`wrong_password`, `invalid_code`, or `two_factor_required` (this server requires it for the role)", body = ErrorBody),
        (status = 429, description = "Too many wrong attempts", body = ErrorBody)))]
pub async fn api_off(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<TurnOffTwoFactor>,
) -> Result<StatusCode, ApiError> {
    app.turn_off_two_factor(&user, &req.password, &req.code)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
