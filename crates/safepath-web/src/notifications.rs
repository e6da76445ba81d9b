//! Notifications: new ones first, each a sentence in the reader's language
//! with a link to what it is about; marking read one or all.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use safepath_app::views::NotificationView;

use crate::AppState;
use crate::auth::WebUser;
use crate::i18n::Tr;
use crate::ui::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(notifications_page))
        .route("/notifications/read", post(notifications_read_submit))
        .route("/notifications/{id}/read", post(notification_read_submit))
}

/// A notification as the page shows it: in words, with where it leads.
pub struct NoticeLine {
    pub id: String,
    pub text: String,
    pub at: String,
    pub when: String,
    /// (path, link text) of what it is about.
    pub link: Option<(String, String)>,
    pub read: bool,
}

/// What a notification says in the reader's language, from its kind and
/// parameters (codes turned into labels). A notification written before
/// the parameters were kept says what happened without them.
pub(crate) fn notice_text(tr: &Tr, n: &NotificationView) -> String {
    use crate::i18n::FluentArg;
    let key = format!("notice-{}", n.kind.replace('_', "-"));
    let plain = format!("{key}-plain");
    if n.params.is_empty() && tr.has(&plain) {
        return tr.t(plain);
    }
    if n.params.is_empty() {
        return tr.t("notice-other");
    }
    let mut args: Vec<(&'static str, FluentArg)> = [
        "reference",
        "org",
        "service",
        "urgency",
        "state",
        "side",
        "subject",
        "stage",
        "due",
        "day",
        "event",
        "expired",
        "user",
        "source",
        "alert",
    ]
    .into_iter()
    .filter_map(|name| {
        let v = n.params.get(name)?.as_str()?;
        let shown = match name {
            "service" => tr.label_or("service-type-", v),
            "urgency" => tr.t(format!("urgency-{v}")).to_lowercase(),
            "state" if n.kind == "approval_decided" => tr.label_or("approval-", v),
            "state" => tr.label_or("referral-state-", v),
            "subject" => tr.label_or("subject-", v).to_lowercase(),
            "stage" => tr.label_or("", v).to_lowercase(),
            "event" => tr.label_or("event-kind-", v).to_lowercase(),
            "due" | "day" => tr.day(v),
            _ => v.to_owned(),
        };
        Some((name, FluentArg::Text(shown)))
    })
    .collect();
    // The selectors' default branches when a notification does not set them
    // (Fluent refuses a message whose variable is missing).
    for (name, default) in [("source", "other"), ("side", "receiver"), ("expired", "no")] {
        if !args.iter().any(|(n, _)| *n == name) {
            args.push((name, FluentArg::Text(default.to_owned())));
        }
    }
    let text = tr.t_args(&key, &args);
    if text == key {
        // No such message, or a parameter it needs is missing.
        tr.t("notice-other")
    } else {
        text
    }
}

/// Where a notification leads, and the link's words.
pub(crate) fn notice_link(tr: &Tr, n: &NotificationView) -> Option<(String, String)> {
    let case = n.case_id;
    let to = |path: String, words: &str| Some((path, tr.t(words)));
    match (n.subject_type.as_deref(), n.subject_id.as_deref(), case) {
        (Some("referral"), _, Some(c)) => to(
            format!("/cases/{c}/sharing#case-referrals"),
            "notice-open-referrals",
        ),
        (Some("referral"), _, None) => to("/referrals".into(), "notice-open-inbox"),
        (Some("approval"), _, Some(c)) => to(
            format!("/cases/{c}/work#approvals"),
            "notice-open-approvals",
        ),
        (Some("task"), _, Some(c)) => to(format!("/cases/{c}/work#care-plan"), "notice-open-tasks"),
        (Some("decision"), _, Some(c)) => {
            to(format!("/cases/{c}/decisions"), "notice-open-decisions")
        }
        (Some("case_audit"), _, Some(c)) => to(format!("/cases/{c}/audit"), "notice-open-audit"),
        (Some("two_factor"), _, _) => to("/settings/two-factor".into(), "notice-open-two-factor"),
        (Some("documents"), _, Some(c)) => {
            to(format!("/cases/{c}/documents"), "notice-open-documents")
        }
        (Some("tracing_request"), Some(id), _) => to(
            format!("/tracing/requests/{id}"),
            "notice-open-tracing-request",
        ),
        (Some("tracing_match"), _, _) => to("/tracing".into(), "notice-open-tracing"),
        (Some("handover"), Some(id), _) => to(format!("/handovers/{id}"), "notice-open-handover"),
        (_, _, Some(c)) if matches!(n.kind.as_str(), "permit_expiry" | "hearing_upcoming") => {
            to(format!("/cases/{c}/justice"), "notice-open-justice")
        }
        (_, _, Some(c)) => to(format!("/cases/{c}"), "notice-open-case"),
        (None, _, None) if n.kind == "referral" || n.kind == "consent_withdrawn" => {
            to("/referrals".into(), "notice-open-inbox")
        }
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    unread: Vec<NoticeLine>,
    read: Vec<NoticeLine>,
    message: Option<String>,
}

async fn notifications_page(
    State(app): State<AppState>,
    user: WebUser,
    RawQuery(raw): RawQuery,
) -> Response {
    let tr = tr_for(&user);
    let message = match raw.as_deref() {
        Some("done=read") => Some(tr.t("notifications-marked-read")),
        Some("done=one") => Some(tr.t("notifications-marked-one")),
        _ => None,
    };
    let today = crate::referrals::today_iso(&app);
    match app.notifications(user.principal()).await {
        Ok(items) => {
            let (unread, read): (Vec<_>, Vec<_>) = items
                .iter()
                .map(|n| NoticeLine {
                    id: n.id.clone(),
                    text: notice_text(&tr, n),
                    when: tr.ago(&n.at, &today),
                    at: n.at.clone(),
                    link: notice_link(&tr, n),
                    read: n.read,
                })
                .partition(|n| !n.read);
            render(
                StatusCode::OK,
                &NotificationsPage {
                    title: tr.t("nav-notifications"),
                    user: Some(bar(&tr, &user)),
                    csrf: user.session.csrf_token.clone(),
                    unread,
                    read,
                    message,
                    tr,
                },
            )
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn notifications_read_submit(
    State(app): State<AppState>,
    Posted { user, fields: _f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    match app.mark_notifications_read(user.principal()).await {
        Ok(_) => Redirect::to("/notifications?done=read").into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

/// Marks one of the user's own notifications read; anyone else's is "not
/// found".
async fn notification_read_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: _f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    match app.mark_notification_read(user.principal(), &id).await {
        Ok(()) => Redirect::to("/notifications?done=one").into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}
