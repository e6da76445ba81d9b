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
pub const LOGIN_CSRF_COOKIE: &str = "sp_login_csrf";

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
