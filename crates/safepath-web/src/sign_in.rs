//! Signing in and out, the interface language, and one's own password.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use safepath_app::ErrorKind;
use safepath_app::accounts::{SECOND_FACTOR_MS, SessionKind, SignIn, WEB_SESSION_MS};

use crate::AppState;
use crate::auth::{
    LOGIN_CSRF_COOKIE, PENDING_COOKIE, SESSION_COOKIE, SourceAddr, WebUser, cookie, set_cookie,
};
use crate::i18n::Tr;
use crate::ui::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/settings/language", post(set_language))
        .route(
            "/settings/password",
            get(password_form).post(password_submit),
        )
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    error: Option<String>,
    message: Option<String>,
}

fn login_form(app: &AppState, tr: Tr, status: StatusCode, error: Option<String>) -> Response {
    login_form_with(app, tr, status, error, None)
}

fn login_form_with(
    app: &AppState,
    tr: Tr,
    status: StatusCode,
    error: Option<String>,
    message: Option<String>,
) -> Response {
    let Ok((csrf, signed)) = app.login_form_cookie() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, tr.t("error-generic")).into_response();
    };
    let mut res = render(
        status,
        &LoginPage {
            title: tr.t("login-title"),
            user: None,
            csrf,
            error,
            message,
            tr,
        },
    );
    if let Ok(v) = set_cookie(LOGIN_CSRF_COOKIE, &signed, 3600).parse() {
        res.headers_mut().append(SET_COOKIE, v);
    }
    res
}

fn lang_param(raw: Option<&str>) -> Tr {
    let lang = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    Tr::new(&lang)
}

async fn login_page(State(app): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let tr = lang_param(q.as_deref());
    let flag = |name: &str| {
        form_urlencoded::parse(q.as_deref().unwrap_or_default().as_bytes())
            .any(|(k, v)| k == name && v == "1")
    };
    let message = if flag("changed") {
        Some(tr.t("login-password-changed"))
    } else if flag("expired") {
        Some(tr.t("tfa-login-expired"))
    } else {
        None
    };
    login_form_with(&app, tr, StatusCode::OK, None, message)
}

async fn login_submit(
    State(app): State<AppState>,
    SourceAddr(from): SourceAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let tr = Tr::new(f.get("lang"));
    let signed = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if !app.login_form_cookie_ok(&signed, f.get("csrf")) {
        return login_form(
            &app,
            tr.clone(),
            StatusCode::FORBIDDEN,
            Some(tr.t("login-form-expired")),
        );
    }
    let clear_form_cookie = |res: &mut Response| {
        if let Ok(v) = set_cookie(LOGIN_CSRF_COOKIE, "", 0).parse() {
            res.headers_mut().append(SET_COOKIE, v);
        }
    };
    match app
        .login(f.get("username"), f.get("password"), SessionKind::Web, from)
        .await
    {
        Ok(SignIn::Done(token, _)) => {
            let mut res = Redirect::to("/cases").into_response();
            if let Ok(v) = set_cookie(SESSION_COOKIE, &token, WEB_SESSION_MS / 1000).parse() {
                res.headers_mut().append(SET_COOKIE, v);
            }
            clear_form_cookie(&mut res);
            res
        }
        Ok(SignIn::SecondFactor { token, .. }) => {
            let mut res = Redirect::to("/login/two-factor").into_response();
            if let Ok(v) = set_cookie(PENDING_COOKIE, &token, SECOND_FACTOR_MS / 1000).parse() {
                res.headers_mut().append(SET_COOKIE, v);
            }
            clear_form_cookie(&mut res);
            res
        }
        Err(e) if e.kind == ErrorKind::TooManyRequests => {
            let key = if e.code == "too_many_attempts_from_address" {
                "too-many-address"
            } else {
                "too-many"
            };
            let mut res = login_form(
                &app,
                tr.clone(),
                StatusCode::TOO_MANY_REQUESTS,
                Some(tr.t(key)),
            );
            if let Ok(v) = e.retry_after_secs.unwrap_or(5).to_string().parse() {
                res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
            res
        }
        Err(e) if e.kind == ErrorKind::Unauthorized => login_form(
            &app,
            tr.clone(),
            StatusCode::UNAUTHORIZED,
            Some(tr.t("invalid-login")),
        ),
        Err(_) => login_form(
            &app,
            tr.clone(),
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(tr.t("error-generic")),
        ),
    }
}

async fn logout(State(app): State<AppState>, Posted { user, .. }: Posted) -> Response {
    if let Err(e) = app.logout(&user.token).await {
        return error_page(&tr_for(&user), &user, e);
    }
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", 0).parse() {
        res.headers_mut().append(SET_COOKIE, v);
    }
    res
}

async fn set_language(
    State(app): State<AppState>,
    headers: HeaderMap,
    Posted { user, fields: f }: Posted,
) -> Response {
    if let Err(e) = app.set_language(user.principal(), f.get("language")).await {
        return error_page(&tr_for(&user), &user, e);
    }
    // Back to the same page when it is ours (Referer is not sent: no-referrer), else the list.
    let _ = headers;
    Redirect::to("/cases").into_response()
}

// ---------- own password ----------

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    /// The field the error belongs to, and the error in words.
    error: Option<(String, String)>,
}

fn password_page(
    tr: Tr,
    user: &WebUser,
    status: StatusCode,
    error: Option<(String, String)>,
) -> Response {
    render(
        status,
        &PasswordPage {
            title: tr.t("password-title"),
            user: Some(bar(&tr, user)),
            csrf: user.session.csrf_token.clone(),
            error,
            tr,
        },
    )
}

async fn password_form(user: WebUser) -> Response {
    password_page(tr_for(&user), &user, StatusCode::OK, None)
}

async fn password_submit(
    State(app): State<AppState>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    // Passwords are never sent back into the form.
    if f.get("new_password") != f.get("repeat_password") {
        let e = ("repeat_password".to_owned(), tr.t("password-error-repeat"));
        return password_page(tr, &user, StatusCode::BAD_REQUEST, Some(e));
    }
    match app
        .change_own_password(
            user.principal(),
            f.get("current_password"),
            f.get("new_password"),
        )
        .await
    {
        Ok(()) => Redirect::to("/login?changed=1").into_response(),
        Err(e) if matches!(e.kind, ErrorKind::BadRequest | ErrorKind::TooManyRequests) => {
            let field = if e.code == "wrong_password" || e.kind == ErrorKind::TooManyRequests {
                "current_password"
            } else {
                "new_password"
            };
            let key = format!("password-error-{}", e.code);
            let text = if tr.has(&key) { tr.t(key) } else { e.message };
            password_page(
                tr,
                &user,
                StatusCode::BAD_REQUEST,
                Some((field.to_owned(), text)),
            )
        }
        Err(e) => error_page(&tr, &user, e),
    }
}
