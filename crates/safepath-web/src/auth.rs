//! Who is asking: bearer tokens for the API, session cookies for pages, and
//! CSRF checks for every state-changing form.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use safepath_app::accounts::{Session, SessionKind};
use safepath_app::{AppError, Principal};

use crate::AppState;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "sp_session";
/// The sign-in form's CSRF cookie. `__Host-`: the browser takes it only
/// with `Secure`, `Path=/` and no `Domain`, so a neighbouring subdomain
/// cannot plant one; its value is signed by the server (see
/// `App::login_form_cookie`), so a pair made up by an attacker is refused.
pub const LOGIN_CSRF_COOKIE: &str = "__Host-sp_login_csrf";
/// The half-signed-in state between the password and the second factor.
pub const PENDING_COOKIE: &str = "__Host-sp_second_factor";

/// Where a request comes from: the connection's address, or, when the
/// operator says the reverse proxy is trusted (`--trusted-proxy`), the last
/// hop of `X-Forwarded-For` (the one that proxy added; earlier hops are
/// whatever the client sent). `None` when the server was started without
/// connection info (then only the per-username throttle applies).
pub struct SourceAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for SourceAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        if app.sign_in_settings().trusted_proxy
            && let Some(ip) = last_forwarded_hop(&parts.headers)
        {
            return Ok(SourceAddr(Some(ip)));
        }
        Ok(SourceAddr(peer))
    }
}

/// The last address of all `X-Forwarded-For` headers (with or without a
/// port; IPv6 in brackets or bare).
pub fn last_forwarded_hop(headers: &HeaderMap) -> Option<std::net::IpAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|v| !v.is_empty())?;
    last.parse::<std::net::IpAddr>()
        .ok()
        .or_else(|| last.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            last.strip_prefix('[')
                .and_then(|v| v.strip_suffix(']'))
                .and_then(|v| v.parse().ok())
        })
}

/// Paths a user held back by `--require-2fa` may still use: the enrolment
/// itself, signing out, the language.
fn enrolment_path(path: &str) -> bool {
    path == "/settings/two-factor"
        || path.starts_with("/settings/two-factor/")
        || path == "/logout"
        || path == "/settings/language"
        || path == "/api/v1/me"
        || path == "/api/v1/me/two-factor"
        || path.starts_with("/api/v1/me/two-factor/")
        || path == "/api/v1/auth/logout"
}

/// The API caller, from `Authorization: Bearer <token>`.
pub struct ApiUser(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError(AppError::unauthorized()))?;
        let session = app.authenticate(token, SessionKind::Api).await?;
        if session.must_enrol_two_factor && !enrolment_path(parts.uri.path()) {
            // --require-2fa: the token works for the enrolment only.
            return Err(ApiError(AppError::new(
                safepath_app::ErrorKind::Forbidden,
                "two_factor_enrolment_required",
                "this server requires two-step sign-in for your role: set it up with POST /api/v1/me/two-factor and confirm it first",
            )));
        }
        Ok(ApiUser(session.principal))
    }
}

/// The token of an `Authorization` value whose scheme is `Bearer`, in any
/// case (RFC 9110 §11.1: the scheme is case-insensitive).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Reads one cookie from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` value: `Secure`, `HttpOnly`, `SameSite=Strict`, whole site.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64) -> String {
    cookie::Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .secure(true)
        .same_site(cookie::SameSite::Strict)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
        .to_string()
}

/// The signed-in browser user. Without a valid session, pages redirect to
/// the sign-in page.
pub struct WebUser {
    pub session: Session,
    pub token: String,
    /// Notifications not read yet (the menu shows the count).
    pub unread: i64,
}

impl WebUser {
    pub fn principal(&self) -> &Principal {
        &self.session.principal
    }
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(Redirect::to("/login").into_response());
        };
        match app.authenticate(&token, SessionKind::Web).await {
            Ok(session) if session.must_enrol_two_factor && !enrolment_path(parts.uri.path()) => {
                Err(Redirect::to("/settings/two-factor").into_response())
            }
            Ok(session) => {
                let unread = app
                    .unread_notifications(&session.principal)
                    .await
                    .unwrap_or(0);
                Ok(WebUser {
                    session,
                    token,
                    unread,
                })
            }
            Err(_) => Err(Redirect::to("/login").into_response()),
        }
    }
}

pub use safepath_app::same_secret;
