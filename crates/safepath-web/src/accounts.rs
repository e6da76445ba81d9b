//! Administration in the browser (issue 10): the deployment's accounts and
//! organisations, for administrators only. `/admin/users` lists every
//! account and adds one; `/admin/users/{id}` changes its role, disables or
//! enables it and sets a new password; `/admin/organisations` lists and adds
//! organisations. The application decides who may (`Action::ManageUsers`,
//! `Action::ManageOrgs`) and guards the last administrator and one's own
//! account; every other role gets 403 and nothing changes.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use safepath_app::admin::{AccountView, Operator};
use safepath_app::{AppError, ErrorKind};
use safepath_domain::ids::{OrgId, UserId};
use safepath_domain::org::{OrgType, Role};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::AppState;
use crate::auth::WebUser;
use crate::i18n::Tr;
use crate::ui::{Fields, Posted, UserBar, bar, country_name, error_page, render, tr_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users_page).post(create_user_submit))
        .route("/admin/users/{id}", get(user_page))
        .route("/admin/users/{id}/role", post(role_submit))
        .route("/admin/users/{id}/access", post(access_submit))
        .route("/admin/users/{id}/password", post(password_submit))
        .route("/admin/users/{id}/two-factor", post(two_factor_submit))
        .route(
            "/admin/organisations",
            get(orgs_page).post(create_org_submit),
        )
}

/// A submitted form, shown again beside its errors: which form, what was
/// typed (passwords never), and each field's error.
#[derive(Default)]
struct FormState {
    open: &'static str,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
}

impl FormState {
    fn failed(open: &'static str, f: &Fields, field: &str, message: String) -> Self {
        let mut values = f.kept();
        values.retain(|k, _| !k.contains("password"));
        Self {
            open,
            values,
            errors: BTreeMap::from([(field.to_owned(), message)]),
        }
    }
    fn value(&self, k: &str) -> &str {
        self.values.get(k).map_or("", String::as_str)
    }
    fn error(&self, form: &str, k: &str) -> Option<&str> {
        (self.open == form)
            .then(|| self.errors.get(k).map(String::as_str))
            .flatten()
    }
    fn is_open(&self, form: &str) -> bool {
        self.open == form
    }
    /// 422 when the page is shown again for a refused form.
    fn status(&self) -> StatusCode {
        if self.errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }
}

/// A refusal in the reader's words: `accounts-error-CODE` for the refusals
/// with a code of their own, else `accounts-error-FIELD`, else the
/// application's message.
fn words(tr: &Tr, e: &AppError, field: &str) -> String {
    [
        format!("accounts-error-{}", e.code),
        format!("accounts-error-{field}"),
    ]
    .into_iter()
    .find(|k| tr.has(k))
    .map(|k| tr.t(k))
    .unwrap_or_else(|| e.message.clone())
}

/// Which field an error of creating an account is about.
fn account_field(e: &AppError) -> &'static str {
    match e.code {
        "conflict" => "username",
        "weak_password" => "password",
        "invalid_org" => "org",
        _ => ["full_name", "username", "password", "role", "org"]
            .into_iter()
            .find(|f| e.message.starts_with(f))
            .unwrap_or("form"),
    }
}

#[derive(Debug, Deserialize)]
struct Done {
    done: Option<String>,
}

/// The message after an action, from the address it redirected to.
fn done_message(tr: &Tr, done: Option<&str>) -> Option<String> {
    match done {
        Some(
            d @ ("created" | "role" | "disabled" | "enabled" | "password" | "two_factor" | "org"),
        ) => Some(tr.t(format!("accounts-done-{d}"))),
        _ => None,
    }
}

/// (value, words) of every role, in the order of the domain.
fn roles(tr: &Tr) -> Vec<(&'static str, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str(), tr.t(format!("role-{}", r.as_str()))))
        .collect()
}

struct AccountRow {
    href: String,
    full_name: String,
    username: String,
    org: String,
    role: String,
    disabled: bool,
    /// Two-step sign-in, in words.
    two_factor: String,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct UsersPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    message: Option<String>,
    rows: Vec<AccountRow>,
    /// (id, name) of every organisation, for the form.
    orgs: Vec<(String, String)>,
    roles: Vec<(&'static str, String)>,
    form: FormState,
}

async fn users_page(State(app): State<AppState>, user: WebUser, Query(q): Query<Done>) -> Response {
    let tr = tr_for(&user);
    let message = done_message(&tr, q.done.as_deref());
    show_users(&app, &user, FormState::default(), message).await
}

async fn show_users(
    app: &AppState,
    user: &WebUser,
    form: FormState,
    message: Option<String>,
) -> Response {
    let tr = tr_for(user);
    let by = Operator::User(user.principal());
    let accounts = match app.accounts(by).await {
        Ok(a) => a,
        Err(e) => return error_page(&tr, user, e),
    };
    let orgs = match app.orgs().await {
        Ok(o) => o,
        Err(e) => return error_page(&tr, user, e),
    };
    let mut orgs: Vec<(String, String)> = orgs
        .into_iter()
        .map(|o| (o.id.to_string(), o.name))
        .collect();
    orgs.sort_by_key(|(_, name)| name.to_lowercase());
    let rows = accounts
        .iter()
        .map(|a| AccountRow {
            href: format!("/admin/users/{}", a.id),
            full_name: a.full_name.clone(),
            username: a.username.clone(),
            org: a.org_name.clone(),
            role: tr.t(format!("role-{}", a.role.as_str())),
            disabled: a.disabled,
            two_factor: tr.t(format!("tfa-state-{}", a.two_factor)),
        })
        .collect();
    render(
        form.status(),
        &UsersPage {
            title: tr.t("accounts-title"),
            user: Some(bar(&tr, user)),
            csrf: user.session.csrf_token.clone(),
            message,
            rows,
            orgs,
            roles: roles(&tr),
            form,
            tr,
        },
    )
}

async fn create_user_submit(
    State(app): State<AppState>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let failed = |field: &str, message: String| FormState::failed("create", &f, field, message);
    if f.get("password") != f.get("repeat_password") {
        let form = failed("repeat_password", tr.t("password-error-repeat"));
        return show_users(&app, &user, form, None).await;
    }
    let Ok(org) = Uuid::parse_str(f.get("org")) else {
        let form = failed("org", tr.t("accounts-error-invalid_org"));
        return show_users(&app, &user, form, None).await;
    };
    match app
        .add_user(
            Operator::User(user.principal()),
            f.get("username"),
            f.get("full_name"),
            OrgId(org),
            f.get("role"),
            f.get("password"),
        )
        .await
    {
        Ok(created) => {
            Redirect::to(&format!("/admin/users/{}?done=created", created.id)).into_response()
        }
        Err(e) if matches!(e.kind, ErrorKind::BadRequest | ErrorKind::Conflict) => {
            let field = account_field(&e);
            let form = failed(field, words(&tr, &e, field));
            show_users(&app, &user, form, None).await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct UserPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    message: Option<String>,
    account: AccountView,
    action_base: String,
    org: String,
    role: String,
    created: String,
    roles: Vec<(&'static str, String)>,
    /// Whether this is the signed-in administrator's own account (its role
    /// and access are changed by another administrator).
    own: bool,
    /// The account's two-step sign-in: off, being set up, on (words), and
    /// whether there is one to reset.
    two_factor: String,
    two_factor_set: bool,
    form: FormState,
}

fn account_id(raw: &str) -> Result<UserId, AppError> {
    Uuid::parse_str(raw)
        .map(UserId)
        .map_err(|_| AppError::not_found("no such account"))
}

async fn user_page(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Response {
    let tr = tr_for(&user);
    let message = done_message(&tr, q.done.as_deref());
    show_user(&app, &user, &id, FormState::default(), message).await
}

async fn show_user(
    app: &AppState,
    user: &WebUser,
    id: &str,
    form: FormState,
    message: Option<String>,
) -> Response {
    let tr = tr_for(user);
    let found = match account_id(id) {
        Ok(id) => match app.account(Operator::User(user.principal()), id).await {
            Ok(a) => app
                .account_two_factor(Operator::User(user.principal()), id)
                .await
                .map(|on| (a, on)),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let (account, two_factor) = match found {
        Ok(a) => a,
        Err(e) => return error_page(&tr, user, e),
    };
    render(
        form.status(),
        &UserPage {
            title: account.full_name.clone(),
            user: Some(bar(&tr, user)),
            csrf: user.session.csrf_token.clone(),
            message,
            action_base: format!("/admin/users/{}", account.id),
            org: account.org_name.clone(),
            role: tr.t(format!("role-{}", account.role.as_str())),
            created: tr.when(&account.created_at),
            roles: roles(&tr),
            own: account.id == user.principal().id().0,
            two_factor: tr.t(match two_factor {
                None => "tfa-state-off",
                Some(false) => "tfa-state-awaiting",
                Some(true) => "tfa-state-on",
            }),
            two_factor_set: two_factor.is_some(),
            account,
            form,
            tr,
        },
    )
}

/// Runs one of the account page's forms (`role`, `access`, `password`,
/// `two_factor`): on success back to the page with its message; a refusal
/// shown beside the form's field, input kept.
async fn account_action(
    app: &AppState,
    user: &WebUser,
    id: &str,
    form: &'static str,
    f: &Fields,
    done: &str,
    result: Result<(), AppError>,
) -> Response {
    let tr = tr_for(user);
    match result {
        Ok(()) => Redirect::to(&format!("/admin/users/{id}?done={done}")).into_response(),
        Err(e) if e.kind == ErrorKind::BadRequest => {
            // Each form's refusals are shown beside its one field, named as
            // the form is.
            let state = FormState::failed(form, f, form, words(&tr, &e, form));
            show_user(app, user, id, state, None).await
        }
        Err(e) => error_page(&tr, user, e),
    }
}

async fn role_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let by = Operator::User(user.principal());
    let result = match account_id(&id) {
        Ok(uid) => app
            .set_account_role(by, uid, f.get("role"))
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    account_action(&app, &user, &id, "role", &f, "role", result).await
}

async fn access_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let by = Operator::User(user.principal());
    let disable = match f.get("access") {
        "disable" => true,
        "enable" => false,
        _ => {
            let tr = tr_for(&user);
            return error_page(
                &tr,
                &user,
                AppError::bad_request("invalid_field", "access: disable or enable"),
            );
        }
    };
    let result = match account_id(&id) {
        Ok(uid) => app.set_account_disabled(by, uid, disable).await.map(|_| ()),
        Err(e) => Err(e),
    };
    let done = if disable { "disabled" } else { "enabled" };
    account_action(&app, &user, &id, "access", &f, done, result).await
}

async fn password_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let by = Operator::User(user.principal());
    if f.get("password") != f.get("repeat_password") {
        let tr = tr_for(&user);
        let state = FormState::failed(
            "password",
            &f,
            "repeat_password",
            tr.t("password-error-repeat"),
        );
        return show_user(&app, &user, &id, state, None).await;
    }
    let result = match account_id(&id) {
        Ok(uid) => app.reset_account_password(by, uid, f.get("password")).await,
        Err(e) => Err(e),
    };
    account_action(&app, &user, &id, "password", &f, "password", result).await
}

async fn two_factor_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let by = Operator::User(user.principal());
    let result = match account_id(&id) {
        Ok(uid) => app.reset_account_two_factor(by, uid).await,
        Err(e) => Err(e),
    };
    account_action(&app, &user, &id, "two_factor", &f, "two_factor", result).await
}

struct OrgRow {
    name: String,
    kind: String,
    country: String,
    accounts: usize,
}

#[derive(Template)]
#[template(path = "organisations.html")]
struct OrgsPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    message: Option<String>,
    rows: Vec<OrgRow>,
    kinds: Vec<(&'static str, String)>,
    /// (alpha-3 code, name) of the region's countries.
    countries: Vec<(String, String)>,
    form: FormState,
}

async fn orgs_page(State(app): State<AppState>, user: WebUser, Query(q): Query<Done>) -> Response {
    let tr = tr_for(&user);
    let message = done_message(&tr, q.done.as_deref());
    show_orgs(&app, &user, FormState::default(), message).await
}

async fn show_orgs(
    app: &AppState,
    user: &WebUser,
    form: FormState,
    message: Option<String>,
) -> Response {
    let tr = tr_for(user);
    // The accounts are read first: only administrators may, and the count
    // per organisation comes from them.
    let accounts = match app.accounts(Operator::User(user.principal())).await {
        Ok(a) => a,
        Err(e) => return error_page(&tr, user, e),
    };
    let orgs = match app.orgs().await {
        Ok(o) => o,
        Err(e) => return error_page(&tr, user, e),
    };
    let mut rows: Vec<OrgRow> = orgs
        .iter()
        .map(|o| OrgRow {
            name: o.name.clone(),
            kind: tr.t(format!("org-type-{}", o.org_type.as_str())),
            country: country_name(&tr, &o.country),
            accounts: accounts.iter().filter(|a| a.org_id == o.id).count(),
        })
        .collect();
    rows.sort_by_key(|r| r.name.to_lowercase());
    let mut countries: Vec<(String, String)> = crate::ui::REGION_NATIONALITIES
        .iter()
        .map(|(a3, a2)| ((*a3).to_owned(), tr.label_or("country-", a2)))
        .collect();
    countries.sort_by(|a, b| a.1.cmp(&b.1));
    render(
        form.status(),
        &OrgsPage {
            title: tr.t("orgs-title"),
            user: Some(bar(&tr, user)),
            csrf: user.session.csrf_token.clone(),
            message,
            rows,
            kinds: OrgType::ALL
                .iter()
                .map(|k| (k.as_str(), tr.t(format!("org-type-{}", k.as_str()))))
                .collect(),
            countries,
            form,
            tr,
        },
    )
}

async fn create_org_submit(
    State(app): State<AppState>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    // A country of the region by name, or another typed as its code.
    let country = match (f.get("country").trim(), f.get("other_country").trim()) {
        ("", other) => other.to_owned(),
        (chosen, _) => chosen.to_owned(),
    };
    match app
        .add_org(
            Operator::User(user.principal()),
            f.get("name"),
            f.get("org_type"),
            &country,
        )
        .await
    {
        Ok(_) => Redirect::to("/admin/organisations?done=org").into_response(),
        Err(e) if matches!(e.kind, ErrorKind::BadRequest | ErrorKind::Conflict) => {
            let field = match e.code {
                "conflict" => "name",
                _ if e.message.starts_with("country") => "country",
                _ if e.message.starts_with("name") => "name",
                _ => "org_type",
            };
            let form = FormState::failed("org", &f, field, org_words(&tr, &e, field));
            show_orgs(&app, &user, form, None).await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

/// A refusal to add an organisation, in the reader's words.
fn org_words(tr: &Tr, e: &AppError, field: &str) -> String {
    let key = if e.code == "conflict" {
        "orgs-error-exists".to_owned()
    } else {
        format!("orgs-error-{field}")
    };
    if tr.has(&key) {
        tr.t(key)
    } else {
        e.message.clone()
    }
}
