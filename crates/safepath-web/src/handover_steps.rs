//! The handover's pages after the request (issue 12): `/handovers` (the
//! handovers one's side holds: for the origin's staff, those received from
//! partner deployments), `/handovers/{id}` (the state in words, the
//! timeline, the follow-up schedule and a small form for each next step),
//! and the forms' target `POST /handovers/{id}/messages`. The return page
//! of a case (`/cases/{id}/return`) shows the same forms for each of its
//! handovers (`StepForms`, templates/handover_steps.html).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use safepath_app::handover_protocol::{HandoverView, NewHandoverMessage};
use safepath_app::{AppError, ErrorKind};
use safepath_domain::casework::consent::DataCategory;
use safepath_domain::org::Role;
use safepath_domain::solutions::handover::{CorroborationDecision, PlanProgress, Wellbeing};
use serde::Deserialize;

use crate::AppState;
use crate::auth::WebUser;
use crate::i18n::Tr;
use crate::ui::Posted;
use crate::ui::{Fields, UserBar, bar, error_page, render, tr_for};

/// Whether the menu offers `/handovers` (the domain's rule).
pub(crate) fn sees_handovers(role: Role) -> bool {
    safepath_domain::solutions::handover::works_on_returns(role)
}

/// The forms of the next steps of one handover.
pub(crate) struct StepForms {
    pub id: String,
    /// The case whose return page the forms sit on ("" on the handover page).
    pub back: String,
    /// Each next step: kind, title, button words.
    pub kinds: Vec<(String, String, String)>,
    /// The kind of the form submitted (kept on error).
    pub open: String,
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, String>,
    pub decisions: Vec<(&'static str, String)>,
    pub wellbeing: Vec<(&'static str, String)>,
    pub progress: Vec<(&'static str, String)>,
    /// The categories the consent names (value, words).
    pub categories: Vec<(String, String)>,
    /// Scheduled months without a report (value, words).
    pub months: Vec<(String, String)>,
    pub csrf: String,
}

impl StepForms {
    pub(crate) fn value(&self, kind: &str, k: &str) -> String {
        if self.open == kind {
            self.values.get(k).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
    pub(crate) fn error(&self, kind: &str, k: &str) -> Option<String> {
        (self.open == kind)
            .then(|| self.errors.get(k).cloned())
            .flatten()
    }
    pub(crate) fn selected(&self, kind: &str, k: &str, v: &str) -> bool {
        self.open == kind && self.values.get(k).map(String::as_str) == Some(v)
    }
}

/// The forms for `v`'s next steps (`None` when the user may not act or
/// nothing can be sent).
pub(crate) fn step_forms(
    tr: &Tr,
    v: &HandoverView,
    csrf: &str,
    back: &str,
    open: &str,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
) -> Option<StepForms> {
    if !v.may_act || v.next_steps.is_empty() {
        return None;
    }
    let words = |prefix: &str, all: &[&'static str]| {
        all.iter()
            .map(|k| (*k, tr.t(format!("{prefix}{k}"))))
            .collect::<Vec<_>>()
    };
    Some(StepForms {
        id: v.id.clone(),
        back: back.to_owned(),
        kinds: v
            .next_steps
            .iter()
            .map(|k| {
                (
                    k.clone(),
                    tr.t(format!("handover-kind-{k}")),
                    tr.t(format!("handover-send-{k}")),
                )
            })
            .collect(),
        open: open.to_owned(),
        values,
        errors,
        decisions: words(
            "handover-decision-",
            &CorroborationDecision::ALL
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>(),
        ),
        wellbeing: words(
            "handover-wellbeing-",
            &Wellbeing::ALL
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>(),
        ),
        progress: words(
            "handover-progress-",
            &PlanProgress::ALL
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>(),
        ),
        categories: v
            .categories
            .iter()
            .map(|c| (c.clone(), tr.t(format!("category-{c}"))))
            .collect(),
        months: v
            .follow_ups
            .iter()
            .filter(|f| f.reported_on.is_none())
            .map(|f| {
                (
                    f.due_month.to_string(),
                    format!(
                        "{} {} ({})",
                        f.due_month,
                        tr.t("handover-months-after"),
                        tr.day(&f.due_on)
                    ),
                )
            })
            .collect(),
        csrf: csrf.to_owned(),
    })
}

/// A step of the timeline in words.
pub(crate) struct StepLine {
    pub kind: String,
    pub what: String,
    pub sent: bool,
    pub by: String,
    pub at: String,
    pub details: Vec<(String, String)>,
    pub erased: bool,
}

fn yes_no(tr: &Tr, v: &str) -> String {
    tr.t(if v == "true" {
        "handover-yes"
    } else {
        "handover-no"
    })
}

/// One detail of a message in words; `None` for what is not shown.
fn detail_words(tr: &Tr, k: &str, v: &str) -> Option<(String, String)> {
    // A step's detail has its own wording where the form's label asks or
    // explains ("Date of the report (today if left empty)").
    let label = |key: &str| {
        let detail = format!("handover-detail-{key}");
        tr.t(if tr.has(&detail) {
            detail
        } else {
            format!("handover-field-{key}")
        })
    };
    let value = match k {
        "decision" => tr.t(format!("handover-decision-{v}")),
        "wellbeing" => tr.t(format!("handover-wellbeing-{v}")),
        "plan_progress" => tr.t(format!("handover-progress-{v}")),
        "reached" | "child_best_interests" | "re_trafficking_alert" | "person_is_child" => {
            yes_no(tr, v)
        }
        "travel_on" | "arrived_on" | "made_on" | "reported_on" => tr.day(v),
        "categories" => v
            .split(", ")
            .map(|c| tr.t(format!("category-{c}")))
            .collect::<Vec<_>>()
            .join(", "),
        "due_month" => format!("{v} {}", tr.t("handover-months-after")),
        "contact" | "alternate" | "note" | "reason" => v.to_owned(),
        s if s.starts_with("summary_") => {
            let c = &s["summary_".len()..];
            return Some((
                format!("{} ({})", label("summary"), tr.t(format!("category-{c}"))),
                v.to_owned(),
            ));
        }
        _ => return None,
    };
    Some((label(k), value))
}

pub(crate) fn step_lines(tr: &Tr, v: &HandoverView) -> Vec<StepLine> {
    v.steps
        .iter()
        .map(|s| StepLine {
            kind: s.kind.clone(),
            what: tr.t(format!("handover-kind-{}", s.kind)),
            sent: s.direction == "sent",
            by: s.by.clone(),
            at: tr.when(&s.at),
            details: s
                .details
                .iter()
                .filter_map(|(k, x)| detail_words(tr, k, x))
                .collect(),
            erased: s.erased,
        })
        .collect()
}

// ------------------------------------------------------------ /handovers

#[derive(Template)]
#[template(path = "handovers.html")]
struct ListPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    items: Vec<ListLine>,
}

struct ListLine {
    id: String,
    partner: String,
    side: String,
    state_key: String,
    state: String,
    changed: String,
}

pub(crate) async fn list_page(State(app): State<AppState>, user: WebUser) -> Response {
    let tr = tr_for(&user);
    let items = match app.handovers_held(user.principal()).await {
        Ok(i) => i,
        Err(e) => return error_page(&tr, &user, e),
    };
    let items = items
        .into_iter()
        .map(|h| ListLine {
            partner: h.partner,
            side: tr.t(format!("handover-side-{}", h.side)),
            state: tr.t(format!("handover-state-{}", h.state)),
            state_key: h.state,
            changed: tr.when(&h.updated_at),
            id: h.id,
        })
        .collect();
    render(
        StatusCode::OK,
        &ListPage {
            title: tr.t("handovers-title"),
            user: Some(bar(&tr, &user)),
            csrf: user.session.csrf_token.clone(),
            items,
            tr,
        },
    )
}

// ------------------------------------------------------------ /handovers/{id}

#[derive(Template)]
#[template(path = "handover_detail.html")]
struct DetailPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    message: Option<String>,
    case_id: Option<String>,
    partner: String,
    side: String,
    state_key: String,
    state: String,
    started: String,
    contacts: Option<(String, String)>,
    facts: Vec<(String, String)>,
    follow_ups: Vec<FollowUpLine>,
    steps: Vec<StepLine>,
    forms: Option<StepForms>,
    has_errors: bool,
}

struct FollowUpLine {
    due: String,
    months: String,
    reported: Option<String>,
    /// Whether the report reached the person, in words.
    reached: Option<String>,
    wellbeing: Option<String>,
    progress: Option<String>,
    overdue: bool,
}

#[derive(Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

async fn render_detail(
    app: &AppState,
    user: &WebUser,
    id: &str,
    message: Option<String>,
    open: &str,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
) -> Response {
    let tr = tr_for(user);
    let v = match app.handover_view(user.principal(), id).await {
        Ok(v) => v,
        Err(e) => return error_page(&tr, user, e),
    };
    let has_errors = !errors.is_empty();
    let forms = step_forms(&tr, &v, &user.session.csrf_token, "", open, values, errors);
    let mut facts = Vec::new();
    if let Some(d) = &v.corroboration {
        facts.push((
            tr.t("handover-field-decision"),
            tr.t(format!("handover-decision-{d}")),
        ));
    }
    for (k, d) in [
        ("travel_on", &v.travel_on),
        ("arrived_on", &v.arrived_on),
        ("made_on", &v.plan_made_on),
    ] {
        if let Some(d) = d {
            facts.push((tr.t(format!("handover-field-{k}")), tr.day(d)));
        }
    }
    if v.plan_made_on.is_none()
        && let Some(due) = &v.plan_due_on
    {
        let words = if v.plan_overdue {
            format!("{} ({})", tr.day(due), tr.t("handover-overdue"))
        } else {
            tr.day(due)
        };
        facts.push((tr.t("handover-plan-due"), words));
    }
    if !v.categories.is_empty() {
        facts.push((
            tr.t("handover-field-categories"),
            v.categories
                .iter()
                .map(|c| tr.t(format!("category-{c}")))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    let follow_ups = v
        .follow_ups
        .iter()
        .map(|f| FollowUpLine {
            due: tr.day(&f.due_on),
            months: format!("{} {}", f.due_month, tr.t("handover-months-after")),
            reported: f.reported_on.as_deref().map(|d| tr.day(d)),
            reached: f.reached.map(|r| {
                tr.t(if r {
                    "handover-person-reached"
                } else {
                    "handover-person-not-reached"
                })
            }),
            wellbeing: f
                .wellbeing
                .as_deref()
                .map(|w| tr.t(format!("handover-wellbeing-{w}"))),
            progress: f
                .plan_progress
                .as_deref()
                .map(|p| tr.t(format!("handover-progress-{p}"))),
            overdue: f.overdue,
        })
        .collect();
    let status = if has_errors {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(
        status,
        &DetailPage {
            title: tr.t("handover-title"),
            user: Some(bar(&tr, user)),
            csrf: user.session.csrf_token.clone(),
            message,
            case_id: v.case_id.clone(),
            partner: v.partner.clone(),
            side: tr.t(format!("handover-side-{}", v.side)),
            state: tr.t(format!("handover-state-{}", v.state)),
            state_key: v.state.clone(),
            started: tr.when(&v.created_at),
            contacts: v
                .contacts
                .as_ref()
                .map(|c| (c.contact.clone(), c.alternate.clone())),
            facts,
            follow_ups,
            steps: step_lines(&tr, &v),
            forms,
            has_errors,
            tr,
        },
    )
}

pub(crate) async fn detail_page(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Response {
    let tr = tr_for(&user);
    let message = q
        .done
        .filter(|k| tr.has(&format!("handover-kind-{k}")))
        .map(|k| {
            format!(
                "{} {}",
                tr.t("handover-done"),
                tr.t(format!("handover-kind-{k}"))
            )
        });
    render_detail(
        &app,
        &user,
        &id,
        message,
        "",
        BTreeMap::new(),
        BTreeMap::new(),
    )
    .await
}

/// The form's fields as the API's body.
fn message_from(f: &Fields) -> Result<NewHandoverMessage, (String, String)> {
    let opt = |k: &str| Some(f.get(k).trim().to_owned()).filter(|v| !v.is_empty());
    let yes_no = |k: &str| match f.get(k) {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let mut categories = std::collections::BTreeSet::new();
    let mut summaries = BTreeMap::new();
    for c in DataCategory::ALL {
        if f.get(&format!("category_{}", c.as_str())) == "yes" {
            categories.insert(*c);
        }
        if let Some(s) = opt(&format!("summary_{}", c.as_str())) {
            summaries.insert(*c, s);
        }
    }
    let due_month = match opt("due_month") {
        None => None,
        Some(m) => Some(
            m.parse::<u8>()
                .map_err(|_| ("due_month".to_owned(), String::new()))?,
        ),
    };
    Ok(NewHandoverMessage {
        kind: f.get("kind").to_owned(),
        contact: opt("contact"),
        alternate: opt("alternate"),
        categories: Some(categories),
        summaries: Some(summaries),
        decision: opt("decision"),
        child_best_interests: Some(f.get("child_best_interests") == "yes"),
        reason: opt("reason"),
        travel_on: opt("travel_on"),
        arrived_on: opt("arrived_on"),
        made_on: opt("made_on"),
        due_month,
        reported_on: opt("reported_on"),
        reached: yes_no("reached"),
        wellbeing: opt("wellbeing"),
        plan_progress: opt("plan_progress"),
        re_trafficking_alert: Some(f.get("re_trafficking_alert") == "yes"),
        note: opt("note"),
    })
}

/// The field an error is about (the API's messages start with it) and
/// its words.
fn field_error(tr: &Tr, e: &AppError) -> (String, String) {
    const FIELDS: [&str; 15] = [
        "contact",
        "alternate",
        "categories",
        "summaries",
        "decision",
        "reason",
        "travel_on",
        "arrived_on",
        "made_on",
        "due_month",
        "reported_on",
        "reached",
        "wellbeing",
        "plan_progress",
        "note",
    ];
    let field = match e.code {
        "handover_contact_and_alternate_required" if !e.message.starts_with("contact") => {
            "alternate"
        }
        "consent_required" | "handover_categories_not_consented" => "categories",
        "handover_follow_up_already_reported" | "handover_follow_up_month_unknown" => "due_month",
        "handover_child_best_interests_required" => "decision",
        _ => FIELDS
            .into_iter()
            .find(|f| e.message.starts_with(&format!("{f}:")))
            .unwrap_or("form"),
    };
    let key = format!("handover-error-{}", e.code);
    let words = if tr.has(&key) {
        tr.t(key)
    } else {
        tr.t("handover-error-other")
    };
    (field.to_owned(), words)
}

pub(crate) async fn send_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let kind = f.get("kind").to_owned();
    let values = f.kept();
    let refuse = |field: String, words: String| {
        let mut errors = BTreeMap::new();
        errors.insert(field, words);
        errors
    };
    let input = match message_from(&f) {
        Ok(i) => i,
        Err((field, _)) => {
            let errors = refuse(field, tr.t("handover-error-invalid_field"));
            return render_detail(&app, &user, &id, None, &kind, values, errors).await;
        }
    };
    match app
        .send_handover_message(user.principal(), &id, input)
        .await
    {
        Ok(_) => {
            let back = f.get("back");
            let to = if uuid::Uuid::parse_str(back).is_ok() {
                format!("/cases/{back}/return?done=step")
            } else {
                format!("/handovers/{id}?done={kind}")
            };
            Redirect::to(&to).into_response()
        }
        Err(e)
            if matches!(
                e.kind,
                ErrorKind::BadRequest | ErrorKind::Conflict | ErrorKind::Forbidden
            ) =>
        {
            let (field, words) = field_error(&tr, &e);
            render_detail(&app, &user, &id, None, &kind, values, refuse(field, words)).await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}
