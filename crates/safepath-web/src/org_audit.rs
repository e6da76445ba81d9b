//! The organisation's audit trail for its coordinators (`/audit`): who did
//! what, when, on which case, in words; narrowed by member, kind of work and
//! dates (codes and ids only in the address, never a name); older entries a
//! page at a time. The application decides who may (coordinators).

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use safepath_app::org_audit::{GROUPS, OrgAuditFilter};
use safepath_app::{AppError, ErrorKind};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::WebUser;
use crate::i18n::Tr;
use crate::ui::{UserBar, bar, error_page, render, tr_for};

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(page))
}

#[derive(Debug, Default, Deserialize)]
struct Params {
    user: Option<String>,
    group: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
}

/// An empty choice is no choice (the form sends every field).
fn chosen(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

struct Row {
    when: String,
    at: String,
    who: String,
    what: String,
    case: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "org_audit.html")]
struct Page {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    rows: Vec<Row>,
    /// (id, name) of the organisation's members.
    members: Vec<(String, String)>,
    /// (code, words) of the kinds of work.
    groups: Vec<(String, String)>,
    chosen_user: String,
    chosen_group: String,
    from: String,
    to: String,
    /// The address of the next, older page.
    older: Option<String>,
    /// Whether any filter is set (offers "show everything").
    filtered: bool,
    /// A refused filter: (field, words).
    error: Option<(String, String)>,
}

/// What an entry records, in words: the action's own phrase when the
/// catalogue has one, else its kind of work and whether it was a look or a
/// change.
fn what(tr: &Tr, action: &str, group: &str, viewing: bool) -> String {
    let own = format!("audit-action-{}", action.replace('.', "-"));
    if tr.has(&own) {
        return tr.t(own);
    }
    tr.t(format!(
        "org-audit-{group}-{}",
        if viewing { "viewed" } else { "changed" }
    ))
}

/// The address of a page of the trail with these filters.
fn address(p: &Params, before: Option<i64>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("user", &p.user),
        ("group", &p.group),
        ("from", &p.from),
        ("to", &p.to),
    ] {
        if let Some(v) = chosen(v) {
            s.append_pair(k, &v);
        }
    }
    if let Some(b) = before {
        s.append_pair("before", &b.to_string());
    }
    format!("/audit?{}", s.finish())
}

async fn page(State(app): State<AppState>, user: WebUser, Query(p): Query<Params>) -> Response {
    let tr = tr_for(&user);
    let mut error = None;
    let member = match chosen(&p.user).map(|u| Uuid::parse_str(&u)) {
        Some(Ok(u)) => Some(u),
        Some(Err(_)) => {
            error = Some(("user".to_owned(), tr.t("org-audit-error-user")));
            None
        }
        None => None,
    };
    let filter = OrgAuditFilter {
        user: member,
        group: chosen(&p.group),
        from: chosen(&p.from),
        to: chosen(&p.to),
        before: chosen(&p.before).and_then(|b| b.parse().ok()),
    };
    let trail = match app.org_audit(user.principal(), &filter).await {
        Ok(t) => Some(t),
        Err(e) if e.kind == ErrorKind::BadRequest && error.is_none() => {
            let field = ["user", "group", "from", "to"]
                .into_iter()
                .find(|f| e.message.starts_with(f))
                .unwrap_or("from");
            error = Some((field.to_owned(), tr.t(format!("org-audit-error-{field}"))));
            // Show the trail without the refused filter: the form keeps it.
            app.org_audit(user.principal(), &OrgAuditFilter::default())
                .await
                .ok()
        }
        Err(e) => return error_page(&tr, &user, e),
    };
    let Some(trail) = trail else {
        return error_page(
            &tr,
            &user,
            AppError::internal("the audit trail could not be read"),
        );
    };
    let rows = trail
        .entries
        .iter()
        .map(|e| Row {
            when: tr.when(&e.at),
            at: e.at.clone(),
            who: e.actor_name.clone(),
            what: what(&tr, &e.action, &e.group, e.viewing),
            case: e
                .case_id
                .zip(e.case_reference.clone())
                .map(|(id, r)| (format!("/cases/{id}"), r)),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(
        status,
        &Page {
            title: tr.t("org-audit-title"),
            user: Some(bar(&tr, &user)),
            csrf: user.session.csrf_token.clone(),
            rows,
            members: trail
                .members
                .iter()
                .map(|(id, n)| (id.to_string(), n.clone()))
                .collect(),
            groups: GROUPS
                .iter()
                .map(|(g, _)| ((*g).to_owned(), tr.t(format!("org-audit-group-{g}"))))
                .collect(),
            chosen_user: chosen(&p.user).unwrap_or_default(),
            chosen_group: chosen(&p.group).unwrap_or_default(),
            from: chosen(&p.from).unwrap_or_default(),
            to: chosen(&p.to).unwrap_or_default(),
            older: trail.older.map(|b| address(&p, Some(b))),
            filtered: [&p.user, &p.group, &p.from, &p.to]
                .iter()
                .any(|v| chosen(v).is_some()),
            error,
            tr,
        },
    )
}
