//! The cases' pages: the list (filters, sorting, search by name as a POST
//! answered by a redirect), a case, creating and editing one, its audit
//! trail, and breaking the glass. They work with JavaScript off.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use safepath_app::identification::is_negative;
use safepath_app::views::{AuditEntryView, CasePatch, CaseView, NewCase};
use safepath_app::{AppError, ErrorKind};
use safepath_domain::access::{self, Action, Decision};
use safepath_domain::case::{CaseStatus, ExploitationForm};
use safepath_domain::casework::lifecycle;
use safepath_domain::org::Role;
use safepath_domain::person::{BirthDate, Person};
use serde_json::json;
use uuid::Uuid;

use crate::AppState;
use crate::auth::WebUser;
use crate::error::{redact_values, status_of};
use crate::i18n::{FluentArg, Tr};
use crate::person_form::{CASE_FIELDS, FieldError, birth_json, birth_words, field_error};
use crate::ui::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(cases_page).post(cases_search))
        .route("/cases/search/{token}", get(search_results_page))
        .route("/cases/new", get(new_case_page).post(new_case_submit))
        .route("/cases/new/check", post(new_case_check))
        .route("/cases/{id}", get(case_page))
        .route(
            "/cases/{id}/edit",
            get(edit_case_page).post(edit_case_submit),
        )
        .route("/cases/{id}/audit", get(case_audit_page))
        .route(
            "/cases/{id}/break-glass",
            get(break_glass_page).post(break_glass_submit),
        )
        .route(
            "/break-glass",
            get(break_glass_by_reference_page).post(break_glass_by_reference_submit),
        )
}

// ---------- cases ----------

pub struct CaseRowView {
    id: Uuid,
    reference: String,
    name: String,
    status: String,
    updated: String,
    /// The next deadline in words, and whether it has passed.
    deadline: Option<(String, bool)>,
    // --- de-duplication run ---
    merged_into: Option<String>,
}

/// A column heading that sorts: its words, the link, and whether the list
/// is sorted by it now.
pub struct SortLink {
    label: String,
    href: String,
    on: bool,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    q: String,
    /// The saved search's token (results page), for its pager.
    search: Option<String>,
    items: Vec<CaseRowView>,
    total: i64,
    page: i64,
    has_next: bool,
    /// (code, label, chosen) for the filter's choices.
    statuses: Vec<(String, String, bool)>,
    forms: Vec<(String, String, bool)>,
    managers: Vec<(String, String, bool)>,
    mine: bool,
    overdue: bool,
    /// The filters and order as a query string, for the pager's links.
    filter_query: String,
    filtered: bool,
    sorts: Vec<SortLink>,
    /// The order's name when not the default (kept when filters change).
    sort_name: Option<String>,
}

/// Searches by name kept on the server for the session that made them, so
/// that a name never reaches a URL: `POST /cases` answers with a redirect
/// to `/cases/search/{token}`, which Back and Reload show again. Kept for
/// 30 minutes in this process's memory (a restart forgets them: the page
/// then asks to search again).
mod saved_searches {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    use std::time::{Duration, Instant};

    const KEEP: Duration = Duration::from_secs(30 * 60);
    const MAX: usize = 10_000;

    struct Saved {
        session: String,
        q: String,
        at: Instant,
    }

    fn all() -> &'static Mutex<HashMap<String, Saved>> {
        static SAVED: OnceLock<Mutex<HashMap<String, Saved>>> = OnceLock::new();
        SAVED.get_or_init(Default::default)
    }

    /// Keeps `q` for `session`; returns the random token that names it.
    pub fn save(session: &str, q: String) -> String {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let mut saved = all().lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        saved.retain(|_, s| now.duration_since(s.at) < KEEP);
        if saved.len() >= MAX {
            let oldest = saved
                .iter()
                .min_by_key(|(_, s)| s.at)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                saved.remove(&k);
            }
        }
        saved.insert(
            token.clone(),
            Saved {
                session: session.to_owned(),
                q,
                at: now,
            },
        );
        token
    }

    /// The search named `token`, if this session made it and it is fresh.
    pub fn get(session: &str, token: &str) -> Option<String> {
        let saved = all().lock().unwrap_or_else(|e| e.into_inner());
        saved
            .get(token)
            .filter(|s| s.session == session && s.at.elapsed() < KEEP)
            .map(|s| s.q.clone())
    }
}

async fn cases_page(
    State(app): State<AppState>,
    user: WebUser,
    RawQuery(raw): RawQuery,
) -> Response {
    let tr = tr_for(&user);
    let parsed = crate::api::list_params(raw.as_deref())
        .and_then(|(_, page, _)| Ok((page, crate::api::list_filter(raw.as_deref())?)));
    match parsed {
        // Names are never put in URLs: a search is a POST; GET lists and
        // filters by codes only.
        Ok((page, narrow)) => list_view(&app, tr, &user, None, None, page, narrow).await,
        Err(e) => error_page(&tr, &user, e.0),
    }
}

/// A search by name or reference: kept on the server, answered by a
/// redirect to its results page (so Back and Reload work, and the name is
/// in no URL).
async fn cases_search(
    State(_app): State<AppState>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let _tr = tr_for(&user);
    let q = f.get("q").trim().to_owned();
    if q.is_empty() {
        return Redirect::to("/cases").into_response();
    }
    let token = saved_searches::save(&user.session.csrf_token, q);
    Redirect::to(&format!("/cases/search/{token}")).into_response()
}

/// The results of a saved search (`?page=` pages through them).
async fn search_results_page(
    State(app): State<AppState>,
    user: WebUser,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let tr = tr_for(&user);
    let Some(q) = saved_searches::get(&user.session.csrf_token, &token) else {
        return message(
            &tr,
            Some(&user),
            StatusCode::NOT_FOUND,
            "cases-search-gone-title",
            tr.t("cases-search-gone"),
        );
    };
    let page = match crate::api::list_params(raw.as_deref()) {
        Ok((_, page, _)) => page,
        Err(e) => return error_page(&tr, &user, e.0),
    };
    list_view(
        &app,
        tr,
        &user,
        Some(q),
        Some(token),
        page,
        Default::default(),
    )
    .await
}

/// The filters and order as a query string (codes and ids only, never a
/// name), optionally with another order.
fn list_query(
    narrow: &safepath_app::cases::CaseListFilter,
    sort: safepath_app::cases::CaseSort,
) -> String {
    let mut parts = Vec::new();
    if let Some(s) = narrow.status {
        parts.push(format!("status={}", s.as_str()));
    }
    if narrow.mine {
        parts.push("mine=1".to_owned());
    }
    if let Some(m) = narrow.manager {
        parts.push(format!("manager={m}"));
    }
    if let Some(f) = narrow.form {
        parts.push(format!("form={}", f.as_str()));
    }
    if narrow.overdue {
        parts.push("overdue=1".to_owned());
    }
    if sort != safepath_app::cases::CaseSort::Changed
        && let Some((name, _)) = safepath_app::cases::CASE_SORTS
            .iter()
            .find(|(_, v)| *v == sort)
    {
        parts.push(format!("sort={name}"));
    }
    parts.join("&")
}

async fn list_view(
    app: &AppState,
    tr: Tr,
    user: &WebUser,
    q: Option<String>,
    search: Option<String>,
    page: i64,
    narrow: safepath_app::cases::CaseListFilter,
) -> Response {
    match access::capabilities(user.principal().actor.role).lands_on {
        // --- statistics --- analysts land on the dashboards.
        access::Landing::Statistics => return Redirect::to("/stats").into_response(),
        // Administrators work with accounts, not cases.
        access::Landing::Accounts => return Redirect::to("/admin/users").into_response(),
        access::Landing::Cases => {}
    }
    let per_page = 25;
    let filter_query = list_query(&narrow, narrow.sort);
    let statuses = safepath_domain::case::CaseStatus::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_owned(),
                tr.t(s.as_str()),
                narrow.status == Some(*s),
            )
        })
        .collect();
    let forms = safepath_domain::case::ExploitationForm::ALL
        .iter()
        .map(|f| {
            (
                f.as_str().to_owned(),
                tr.t(f.as_str()),
                narrow.form == Some(*f),
            )
        })
        .collect();
    let p = user.principal();
    let managers = app
        .org_staff(p, p.org().0)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(id, name)| (id.to_string(), name, narrow.manager == Some(id)))
        .collect();
    // Sorting keeps the filters; by name it is not offered (names are sealed).
    let sorts = [
        ("reference", safepath_app::cases::CaseSort::Reference),
        ("status", safepath_app::cases::CaseSort::Status),
        ("updated", safepath_app::cases::CaseSort::Changed),
        (
            "cases-next-deadline",
            safepath_app::cases::CaseSort::Deadline,
        ),
    ]
    .into_iter()
    .map(|(label, sort)| {
        let query = list_query(&narrow, sort);
        SortLink {
            label: tr.t(label),
            href: if query.is_empty() {
                "/cases".to_owned()
            } else {
                format!("/cases?{query}")
            },
            on: narrow.sort == sort,
        }
    })
    .collect();
    let today = crate::referrals::today_iso(app);
    match app
        .list_cases_filtered(
            user.principal(),
            q.as_deref(),
            &narrow,
            page.max(1),
            per_page,
        )
        .await
    {
        Ok(list) => render(
            StatusCode::OK,
            &CasesPage {
                statuses,
                forms,
                managers,
                mine: narrow.mine,
                overdue: narrow.overdue,
                filtered: !filter_query.is_empty(),
                filter_query,
                sorts,
                sort_name: safepath_app::cases::CASE_SORTS
                    .iter()
                    .find(|(_, v)| {
                        *v == narrow.sort && *v != safepath_app::cases::CaseSort::Changed
                    })
                    .map(|(n, _)| (*n).to_owned()),
                title: tr.t("cases-title"),
                user: Some(bar(&tr, user)),
                csrf: user.session.csrf_token.clone(),
                q: q.unwrap_or_default(),
                search,
                has_next: list.page * list.per_page < list.total,
                total: list.total,
                page: list.page,
                items: list
                    .items
                    .into_iter()
                    .map(|c| CaseRowView {
                        id: c.id,
                        reference: c.reference,
                        name: c.display_name,
                        status: tr.t(c.status.as_str()),
                        updated: tr.day(&c.updated_at),
                        deadline: c
                            .next_deadline
                            .map(|d| (tr.day(&d), d.as_str() < today.as_str())),
                        merged_into: c.merged_into,
                    })
                    .collect(),
                tr,
            },
        ),
        Err(e) => error_page(&tr, user, e),
    }
}

/// A decision as the case page shows it, with translated labels.
pub struct DecisionLine {
    d: safepath_app::identification::DecisionView,
    stage_label: String,
    outcome_label: Option<String>,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    c: CaseView,
    status: String,
    sex: String,
    gender: String,
    birth: String,
    contact: String,
    origin: String,
    forms: String,
    notes: String,
    can_edit: bool,
    can_audit: bool,
    break_glass: bool,
    flags: Vec<(String, String)>,
    decisions: Vec<DecisionLine>,
    can_decide: bool,
    can_reconsider: bool,
    /// Until when the negative decision may be reconsidered, or that the
    /// period has passed (then the grounds must say why it is late).
    reconsider_note: Option<String>,
    open_stage: Option<String>,
    /// Through a referral: the needs in the categories shared.
    shared_needs: Vec<safepath_app::casework::NeedView>,
    /// The *Rights and justice* page would open (not through a referral
    /// that does not share `legal`).
    can_see_justice: bool,
    /// The *Documents* page would open (the owner's staff, or a receiving
    /// organisation with at least one category shared).
    can_see_documents: bool,
    /// The *Shelter stays* page would open (whoever reads the case, and a
    /// receiving organisation with `accommodation` shared).
    can_see_stays: bool,
    /// The screening the case was referred from: (id, when, result in words).
    screening: Option<(String, String, String)>,
}

fn enum_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

async fn case_page_view(
    app: &AppState,
    tr: Tr,
    user: &WebUser,
    c: CaseView,
    break_glass: bool,
) -> Response {
    let (flags, decisions) = if break_glass {
        (Vec::new(), Vec::new())
    } else {
        (
            app.case_flags(user.principal(), c.id)
                .await
                .unwrap_or_default(),
            app.case_decisions(user.principal(), c.id)
                .await
                .unwrap_or_default(),
        )
    };
    let shared_needs = if c.shared_categories.is_some() {
        app.casework(user.principal(), c.id)
            .await
            .map(|w| w.needs)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let can_see_justice = !break_glass && app.may_see_justice(user.principal(), c.id).await;
    let can_see_documents = !break_glass && app.may_see_documents(user.principal(), c.id).await;
    let can_see_stays = !break_glass && app.may_see_stays(user.principal(), c.id).await;
    // The owning organisation's view names the screening it came from.
    let screening = if break_glass || c.shared_categories.is_some() {
        None
    } else {
        app.case_screening(user.principal(), c.id)
            .await
            .ok()
            .flatten()
            .map(|s| {
                (
                    s.id,
                    tr.when(&s.screened_at),
                    crate::screening_list::outcome_words(&s.outcome, &tr),
                )
            })
    };
    let open_stage = decisions.iter().find(|d| d.open).map(|d| d.stage.clone());
    let negative = decisions
        .iter()
        .any(|d| d.outcome.as_deref().is_some_and(is_negative));
    let today = safepath_app::clock::iso_day(app.today());
    let reconsider_note = decisions
        .iter()
        .rev()
        .find_map(|d| d.reconsideration_until.as_deref())
        .map(|until| {
            let key = if until < today.as_str() {
                "reconsider-late"
            } else {
                "reconsider-until"
            };
            tr.t_args(key, &[("date", FluentArg::Text(tr.day(until)))])
        });
    let p = &c.person;
    let dash = tr.t("none-given");
    let or_dash = |s: String| if s.trim().is_empty() { dash.clone() } else { s };
    let birth = p
        .birth_date
        .as_ref()
        .map_or_else(|| dash.clone(), |b| birth_words(&tr, b));
    let contact = [&p.contact.phone, &p.contact.email, &p.contact.address]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" · ");
    let origin = crate::ui::place_line(&tr, &p.place_of_origin);
    // What this user may do here, as the policy says (no role tests here).
    let may = app
        .case_permissions(user.principal(), c.id)
        .await
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &CasePage {
            title: c.reference.clone(),
            user: Some(bar(&tr, user)),
            csrf: user.session.csrf_token.clone(),
            status: tr.t(c.status.as_str()),
            sex: tr.t(format!("sex-{}", enum_name(&p.sex))),
            gender: tr.t(format!("gender-{}", enum_name(&p.gender_identity))),
            birth,
            contact: or_dash(contact),
            origin: or_dash(origin),
            forms: or_dash(
                c.exploitation_forms
                    .iter()
                    .map(|f| tr.t(f.as_str()))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            notes: or_dash(c.notes.clone().unwrap_or_default()),
            can_decide: may.decide && open_stage.is_some(),
            can_reconsider: may.edit && open_stage.is_none() && negative,
            reconsider_note,
            open_stage,
            shared_needs,
            can_see_justice,
            can_see_documents,
            can_see_stays,
            screening,
            flags: flags
                .iter()
                .map(|f| (f.clone(), tr.t(format!("flag-{f}"))))
                .collect(),
            decisions: decisions
                .into_iter()
                .map(|d| DecisionLine {
                    stage_label: tr.t(&d.stage),
                    outcome_label: d.outcome.as_ref().map(|o| tr.t(format!("outcome-{o}"))),
                    d,
                })
                .collect(),
            can_edit: may.edit,
            can_audit: may.read_audit,
            break_glass,
            c,
            tr,
        },
    )
}

fn page_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::case_not_found())
}

async fn case_page(State(app): State<AppState>, user: WebUser, Path(id): Path<String>) -> Response {
    let tr = tr_for(&user);
    let result = match page_id(&id) {
        Ok(id) => app.get_case(user.principal(), id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => case_page_view(&app, tr, &user, c, false).await,
        Err(e)
            if e.kind == ErrorKind::NotFound
                && access::capabilities(user.principal().actor.role).breaks_glass =>
        {
            // Administrators may break the glass; offer it (the case may not exist either).
            render(
                StatusCode::NOT_FOUND,
                &MessagePage {
                    title: tr.t("not-found-title"),
                    user: Some(bar(&tr, &user)),
                    csrf: user.session.csrf_token.clone(),
                    message: tr.t("not-found"),
                    break_glass_form: Some(format!("/cases/{id}/break-glass")),
                    reference_field: false,
                    reference: String::new(),
                    reason: String::new(),
                    reference_error: None,
                    reason_error: None,
                    tr,
                },
            )
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

/// The break-the-glass form, with what was typed and each error beside its
/// field (a short reason said where it belongs, the reason kept).
fn break_glass_form(
    tr: Tr,
    user: &WebUser,
    status: StatusCode,
    action: String,
    reference_field: bool,
    f: Option<&Fields>,
    error: Option<&AppError>,
) -> Response {
    // In the interface language when the catalogue has the code's words.
    let field_error = |codes: &[&str]| {
        error.filter(|e| codes.contains(&e.code)).map(|e| {
            let key = format!("break-glass-error-{}", e.code);
            if tr.has(&key) {
                tr.t(key)
            } else {
                e.message.clone()
            }
        })
    };
    render(
        status,
        &MessagePage {
            title: tr.t("break-glass"),
            user: Some(bar(&tr, user)),
            csrf: user.session.csrf_token.clone(),
            message: tr.t("break-glass-intro"),
            break_glass_form: Some(action),
            reference_field,
            reference: f.map(|f| f.get("reference").to_owned()).unwrap_or_default(),
            reason: f.map(|f| f.get("reason").to_owned()).unwrap_or_default(),
            reference_error: field_error(&["reference_required", "reference_unknown"]),
            reason_error: field_error(&["reason_required"]),
            tr,
        },
    )
}

/// Whether a refusal belongs beside a field of the form (else its own page).
fn beside_a_field(e: &AppError) -> bool {
    matches!(
        e.code,
        "reason_required" | "reference_required" | "reference_unknown"
    )
}

async fn break_glass_page(
    State(_app): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let tr = tr_for(&user);
    if access::decide_global(user.principal().actor.role, Action::BreakGlassRead) != Decision::Allow
    {
        return error_page(&tr, &user, AppError::case_not_found());
    }
    let action = format!(
        "/cases/{}/break-glass",
        id.chars()
            .filter(|c| c.is_ascii_hexdigit() || *c == '-')
            .collect::<String>()
    );
    break_glass_form(tr, &user, StatusCode::OK, action, false, None, None)
}

async fn break_glass_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let result = match page_id(&id) {
        Ok(id) => app.break_glass(user.principal(), id, f.get("reason")).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => case_page_view(&app, tr, &user, c, true).await,
        Err(e) if beside_a_field(&e) => {
            let action = format!(
                "/cases/{}/break-glass",
                id.chars()
                    .filter(|c| c.is_ascii_hexdigit() || *c == '-')
                    .collect::<String>()
            );
            break_glass_form(
                tr,
                &user,
                StatusCode::BAD_REQUEST,
                action,
                false,
                Some(&f),
                Some(&e),
            )
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

/// Break-the-glass by the case's reference (`/break-glass`, administrators).
async fn break_glass_by_reference_page(user: WebUser) -> Response {
    let tr = tr_for(&user);
    if access::decide_global(user.principal().actor.role, Action::BreakGlassRead) != Decision::Allow
    {
        return error_page(
            &tr,
            &user,
            AppError::forbidden(tr.t("break-glass-admins-only")),
        );
    }
    break_glass_form(
        tr,
        &user,
        StatusCode::OK,
        "/break-glass".into(),
        true,
        None,
        None,
    )
}

async fn break_glass_by_reference_submit(
    State(app): State<AppState>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    match app
        .break_glass_by_reference(user.principal(), f.get("reference"), f.get("reason"))
        .await
    {
        Ok(c) => case_page_view(&app, tr, &user, c, true).await,
        Err(e) if beside_a_field(&e) => break_glass_form(
            tr,
            &user,
            StatusCode::BAD_REQUEST,
            "/break-glass".into(),
            true,
            Some(&f),
            Some(&e),
        ),
        Err(e) => error_page(&tr, &user, e),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    id: Uuid,
    reference: String,
    /// Each entry with what happened, in words.
    entries: Vec<(AuditEntryView, String)>,
}

async fn case_audit_page(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let tr = tr_for(&user);
    let id = match page_id(&id) {
        Ok(id) => id,
        Err(e) => return error_page(&tr, &user, e),
    };
    let title = match app.case_audit_title(user.principal(), id).await {
        Ok(t) => t,
        Err(e) => return error_page(&tr, &user, e),
    };
    match app.case_audit(user.principal(), id).await {
        Ok(entries) => render(
            StatusCode::OK,
            &AuditPage {
                title: tr.t("audit-trail"),
                user: Some(bar(&tr, &user)),
                csrf: user.session.csrf_token.clone(),
                id,
                reference: title,
                entries: entries
                    .into_iter()
                    .map(|e| {
                        let key = format!("audit-action-{}", e.action.replace('.', "-"));
                        let what = if tr.has(&key) {
                            tr.t(&key)
                        } else {
                            e.action.replace(['.', '_'], " ")
                        };
                        (e, what)
                    })
                    .collect(),
                tr,
            },
        ),
        Err(e) => error_page(&tr, &user, e),
    }
}

// ---------- create and edit ----------

/// The form's fields as text, so a refused form comes back as typed.
#[derive(Default)]
pub struct CaseFormValues {
    version: String,
    name_value: String,
    name_script: String,
    name_translit: String,
    display_name: String,
    sex: String,
    gender_identity: String,
    birth_kind: String,
    birth_value: String,
    birth_on: String,
    nationalities: String,
    languages: String,
    phone: String,
    email: String,
    address: String,
    origin_country: String,
    origin_area: String,
    status: String,
    /// The case's status when the edit form was opened (empty for a new
    /// case): the form offers only the steps a status form may take from it.
    current_status: String,
    forms: Vec<String>,
    notes: String,
}

impl CaseFormValues {
    pub(crate) fn from_fields(f: &Fields) -> Self {
        Self {
            version: f.get("version").into(),
            name_value: f.get("name_value").into(),
            name_script: f.get("name_script").into(),
            name_translit: f.get("name_translit").into(),
            display_name: f.get("display_name").into(),
            sex: f.get("sex").into(),
            gender_identity: f.get("gender_identity").into(),
            birth_kind: f.get("birth_kind").into(),
            birth_value: f.get("birth_value").into(),
            birth_on: f.get("birth_on").into(),
            nationalities: chosen_and_typed(&f.all("nationality"), f.get("nationalities")),
            languages: chosen_and_typed(&f.all("language"), f.get("languages")),
            phone: f.get("phone").into(),
            email: f.get("email").into(),
            address: f.get("address").into(),
            origin_country: f.get("origin_country").into(),
            origin_area: f.get("origin_area").into(),
            status: f.get("status").into(),
            current_status: f.get("current_status").into(),
            forms: f.all("forms"),
            notes: f.get("notes").into(),
        }
    }

    fn from_case(c: &CaseView) -> Self {
        let p = &c.person;
        let first = p.names.first();
        let (birth_kind, birth_value, birth_on) = match &p.birth_date {
            None => ("none", String::new(), String::new()),
            Some(BirthDate::Exact { date }) => ("exact", day_first(date), String::new()),
            Some(BirthDate::YearMonth { year, month }) => {
                ("year_month", format!("{month:02}/{year}"), String::new())
            }
            Some(BirthDate::Year { year }) => ("year", year.to_string(), String::new()),
            Some(BirthDate::EstimatedAge { age, on }) => {
                ("estimated_age", age.to_string(), on.clone())
            }
        };
        Self {
            version: c.version.to_string(),
            name_value: first.map(|n| n.value.clone()).unwrap_or_default(),
            name_script: first
                .map(|n| n.script.clone())
                .unwrap_or_else(|| "Latn".into()),
            name_translit: first
                .map(|n| n.transliterations.join(", "))
                .unwrap_or_default(),
            display_name: p.display_name.clone(),
            sex: enum_name(&p.sex),
            gender_identity: enum_name(&p.gender_identity),
            birth_kind: birth_kind.into(),
            birth_value,
            birth_on,
            nationalities: p.nationalities.join(", "),
            languages: p.languages.join(", "),
            phone: p.contact.phone.clone().unwrap_or_default(),
            email: p.contact.email.clone().unwrap_or_default(),
            address: p.contact.address.clone().unwrap_or_default(),
            origin_country: p.place_of_origin.country.clone().unwrap_or_default(),
            origin_area: p.place_of_origin.area.clone().unwrap_or_default(),
            status: c.status.as_str().into(),
            current_status: c.status.as_str().into(),
            forms: c
                .exploitation_forms
                .iter()
                .map(|f| f.as_str().to_owned())
                .collect(),
            notes: c.notes.clone().unwrap_or_default(),
        }
    }

    /// Builds the person from the form, reusing the API's validation.
    pub(crate) fn person(
        &self,
        keep_other_names: &[serde_json::Value],
    ) -> Result<Person, AppError> {
        let list = |s: &str| {
            s.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let birth = birth_json(&self.birth_kind, &self.birth_value, &self.birth_on)?;
        let mut names = vec![
            json!({"value": self.name_value, "script": if self.name_script.is_empty() { "Latn" } else { &self.name_script }, "transliterations": list(&self.name_translit)}),
        ];
        names.extend(keep_other_names.iter().cloned());
        let mut contact = serde_json::Map::new();
        for (k, v) in [
            ("phone", &self.phone),
            ("email", &self.email),
            ("address", &self.address),
        ] {
            if !v.trim().is_empty() {
                contact.insert(k.into(), json!(v.trim()));
            }
        }
        let mut origin = serde_json::Map::new();
        for (k, v) in [
            ("country", &self.origin_country),
            ("area", &self.origin_area),
        ] {
            if !v.trim().is_empty() {
                origin.insert(k.into(), json!(v.trim()));
            }
        }
        let mut doc = json!({
            "display_name": self.display_name,
            "names": names,
            "sex": if self.sex.is_empty() { "unknown" } else { &self.sex },
            "gender_identity": if self.gender_identity.is_empty() { "not_disclosed" } else { &self.gender_identity },
            "nationalities": list(&self.nationalities),
            "languages": list(&self.languages),
            "contact": contact,
            "place_of_origin": origin,
        });
        if let Some(birth) = birth {
            doc["birth_date"] = birth;
        }
        serde_json::from_value(doc)
            .map_err(|e| AppError::bad_request("invalid_field", redact_values(&e.to_string())))
    }

    pub(crate) fn forms(&self) -> Result<Vec<ExploitationForm>, AppError> {
        self.forms
            .iter()
            .map(|f| ExploitationForm::parse(f).map_err(AppError::from))
            .collect()
    }

    pub(crate) fn status(&self) -> Result<CaseStatus, AppError> {
        Ok(CaseStatus::parse(&self.status)?)
    }
}

/// The codes ticked on the form followed by those typed (comma-separated),
/// each once, as one comma-separated list.
fn chosen_and_typed(chosen: &[String], typed: &str) -> String {
    let mut all: Vec<String> = Vec::new();
    for c in chosen
        .iter()
        .map(|c| c.trim().to_owned())
        .chain(typed.split(',').map(|t| t.trim().to_owned()))
    {
        if !c.is_empty() && !all.iter().any(|a| a.eq_ignore_ascii_case(&c)) {
            all.push(c);
        }
    }
    all.join(", ")
}

/// Choices by name (code, name, ticked) for the codes of `list` that are
/// offered, and the rest of `list` to show typed; sorted by name.
type NamedChoices = (Vec<(&'static str, String, bool)>, String);

fn named_choices(
    list: &str,
    offered: impl Iterator<Item = (&'static str, String)>,
) -> NamedChoices {
    let codes: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let mut choices: Vec<(&'static str, String, bool)> = offered
        .map(|(code, name)| {
            let on = codes.iter().any(|c| c.eq_ignore_ascii_case(code));
            (code, name, on)
        })
        .collect();
    choices.sort_by_key(|(_, name, _)| name.to_lowercase());
    let rest: Vec<&str> = codes
        .into_iter()
        .filter(|c| {
            !choices
                .iter()
                .any(|(code, _, _)| c.eq_ignore_ascii_case(code))
        })
        .collect();
    (choices, rest.join(", "))
}

#[derive(Template)]
#[template(path = "case_form.html")]
struct CaseFormPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    action: String,
    error: Option<FieldError>,
    f: CaseFormValues,
    /// The region's nationalities by name, and the other codes typed.
    nationality: NamedChoices,
    /// Languages by name, and the other codes typed.
    language: NamedChoices,
    scripts: &'static [(&'static str, &'static str)],
    sexes: &'static [(&'static str, &'static str)],
    genders: &'static [(&'static str, &'static str)],
    birth_kinds: &'static [(&'static str, &'static str)],
    statuses: Vec<&'static str>,
    all_forms: Vec<String>,
    /// Search before create: shown after "check for existing records".
    duplicates: Option<safepath_app::duplicates::DuplicateCheck>,
    /// "N more records match: narrow the search", when the check held more.
    more_duplicates: Option<String>,
    is_new: bool,
}

impl CaseFormPage {
    /// The words of the refusal when it concerns `field`.
    fn err(&self, field: &str) -> Option<&str> {
        self.error.as_ref().and_then(|e| e.on(field))
    }
}

const SEXES: &[(&str, &str)] = &[
    ("unknown", "sex-unknown"),
    ("female", "sex-female"),
    ("male", "sex-male"),
    ("intersex", "sex-intersex"),
];
const GENDERS: &[(&str, &str)] = &[
    ("not_disclosed", "gender-not_disclosed"),
    ("woman", "gender-woman"),
    ("man", "gender-man"),
    ("transgender_woman", "gender-transgender_woman"),
    ("transgender_man", "gender-transgender_man"),
    ("non_binary", "gender-non_binary"),
    ("other", "gender-other"),
];
const BIRTH_KINDS: &[(&str, &str)] = &[
    ("none", "birth-none"),
    ("exact", "birth-exact"),
    ("year_month", "birth-year_month"),
    ("year", "birth-year"),
    ("estimated_age", "birth-estimated_age"),
];

/// The statuses the case form offers: a new case's initial statuses for this
/// role, or the current status and the steps a status form may take from it
/// (never a step that only a formal decision takes: identification is
/// recorded on the decisions page).
fn form_statuses(role: Role, current: &str) -> Vec<&'static str> {
    match CaseStatus::parse(current) {
        Ok(now) => std::iter::once(now)
            .chain(lifecycle::form_successors(now))
            .map(|s| s.as_str())
            .collect(),
        Err(_) => lifecycle::initial_statuses(role)
            .iter()
            .map(|s| s.as_str())
            .collect(),
    }
}

fn case_form_page(
    tr: Tr,
    user: &WebUser,
    title_key: &str,
    action: String,
    f: CaseFormValues,
    error: Option<FieldError>,
) -> CaseFormPage {
    let statuses = form_statuses(user.principal().actor.role, &f.current_status);
    let nationality = named_choices(
        &f.nationalities,
        REGION_NATIONALITIES
            .iter()
            .map(|(a3, a2)| (*a3, tr.label_or("country-", a2))),
    );
    let language = named_choices(
        &f.languages,
        crate::ui::LANGUAGES
            .iter()
            .map(|l| (*l, crate::ui::language_name(&tr, l))),
    );
    CaseFormPage {
        nationality,
        language,
        title: tr.t(title_key),
        user: Some(bar(&tr, user)),
        csrf: user.session.csrf_token.clone(),
        is_new: action == "/cases/new",
        action,
        error,
        f,
        scripts: crate::person_form::SCRIPTS,
        sexes: SEXES,
        genders: GENDERS,
        birth_kinds: BIRTH_KINDS,
        statuses,
        all_forms: ExploitationForm::ALL
            .iter()
            .map(|f| f.as_str().to_owned())
            .collect(),
        duplicates: None,
        more_duplicates: None,
        tr,
    }
}

fn case_form(
    tr: Tr,
    user: &WebUser,
    status: StatusCode,
    title_key: &str,
    action: String,
    f: CaseFormValues,
    refusal: Option<&AppError>,
) -> Response {
    let error = refusal.map(|e| field_error(&tr, e, CASE_FIELDS));
    render(
        status,
        &case_form_page(tr, user, title_key, action, f, error),
    )
}

async fn new_case_page(user: WebUser) -> Response {
    let tr = tr_for(&user);
    if access::decide_global(user.principal().actor.role, Action::CreateCase) != Decision::Allow {
        return error_page(
            &tr,
            &user,
            AppError::forbidden("your role may not open cases"),
        );
    }
    let f = CaseFormValues {
        name_script: "Latn".into(),
        status: "referred".into(),
        birth_kind: "none".into(),
        ..Default::default()
    };
    case_form(
        tr,
        &user,
        StatusCode::OK,
        "new-case-title",
        "/cases/new".into(),
        f,
        None,
    )
}

/// Search before create, from the new-case form (no JavaScript needed).
async fn new_case_check(State(app): State<AppState>, Posted { user, fields }: Posted) -> Response {
    let tr = tr_for(&user);
    let f = CaseFormValues::from_fields(&fields);
    let result = match f.person(&[]) {
        Ok(p) => app.possible_duplicates(user.principal(), p).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(check) => {
            let more = (check.more_visible > 0).then(|| {
                tr.t_args(
                    "duplicates-more",
                    &[(
                        "count",
                        FluentArg::Number(i64::try_from(check.more_visible).unwrap_or(i64::MAX)),
                    )],
                )
            });
            let mut page =
                case_form_page(tr, &user, "new-case-title", "/cases/new".into(), f, None);
            page.more_duplicates = more;
            page.duplicates = Some(check);
            render(StatusCode::OK, &page)
        }
        Err(e) if e.kind == ErrorKind::BadRequest => case_form(
            tr,
            &user,
            StatusCode::BAD_REQUEST,
            "new-case-title",
            "/cases/new".into(),
            f,
            Some(&e),
        ),
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn new_case_submit(State(app): State<AppState>, Posted { user, fields }: Posted) -> Response {
    let tr = tr_for(&user);
    let f = CaseFormValues::from_fields(&fields);
    let built = (|| -> Result<NewCase, AppError> {
        Ok(NewCase {
            person: f.person(&[])?,
            exploitation_forms: f.forms()?,
            notes: Some(f.notes.clone()).filter(|n| !n.trim().is_empty()),
            status: Some(f.status()?),
            case_manager_id: None,
        })
    })();
    let result = match built {
        Ok(new) => app.create_case(user.principal(), new).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Redirect::to(&format!("/cases/{}", c.id)).into_response(),
        Err(e) if e.kind == ErrorKind::BadRequest => case_form(
            tr,
            &user,
            StatusCode::BAD_REQUEST,
            "new-case-title",
            "/cases/new".into(),
            f,
            Some(&e),
        ),
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn edit_case_page(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let tr = tr_for(&user);
    let result = match page_id(&id) {
        Ok(id) => app.get_case(user.principal(), id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => {
            let action = format!("/cases/{}/edit", c.id);
            case_form(
                tr,
                &user,
                StatusCode::OK,
                "edit-case-title",
                action,
                CaseFormValues::from_case(&c),
                None,
            )
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn edit_case_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let id = match page_id(&id) {
        Ok(id) => id,
        Err(e) => return error_page(&tr, &user, e),
    };
    let f = CaseFormValues::from_fields(&fields);
    // Names beyond the first are kept as they are.
    let current = match app.get_case(user.principal(), id).await {
        Ok(c) => c,
        Err(e) => return error_page(&tr, &user, e),
    };
    let others: Vec<serde_json::Value> = current
        .person
        .names
        .iter()
        .skip(1)
        .filter_map(|n| serde_json::to_value(n).ok())
        .collect();
    let built = (|| -> Result<CasePatch, AppError> {
        Ok(CasePatch {
            status: Some(f.status()?),
            exploitation_forms: Some(f.forms()?),
            notes: Some(f.notes.clone()),
            person: Some(f.person(&others)?),
            version: f.version.parse().ok(),
            ..Default::default()
        })
    })();
    let result = match built {
        Ok(patch) => app.update_case(user.principal(), id, patch).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Redirect::to(&format!("/cases/{}", c.id)).into_response(),
        Err(e) if matches!(e.kind, ErrorKind::BadRequest | ErrorKind::Conflict) => case_form(
            tr,
            &user,
            status_of(e.kind),
            "edit-case-title",
            format!("/cases/{id}/edit"),
            f,
            Some(&e),
        ),
        Err(e) => error_page(&tr, &user, e),
    }
}

/// `YYYY-MM-DD` as the form shows it, day first; anything else as it is.
fn day_first(iso: &str) -> String {
    match date_parts(iso).as_slice() {
        [y, m, d] if y.len() == 4 => format!("{d}/{m}/{y}"),
        _ => iso.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_birth_date_is_taken_as_people_write_it() {
        for (written, api) in [
            ("30/04/1999", Some("1999-04-30")),
            ("30.04.1999", Some("1999-04-30")),
            ("3-4-1999", Some("1999-04-03")),
            (" 30 04 1999 ", Some("1999-04-30")),
            ("1999-04-30", Some("1999-04-30")),
            ("30/04/99", None),
            ("1999", None),
            ("30/April/1999", None),
        ] {
            assert_eq!(written_day(written).as_deref(), api, "{written}");
        }
        assert_eq!(written_month("04/1999"), Some((1999, 4)));
        assert_eq!(written_month("1999-04"), Some((1999, 4)));
        assert_eq!(written_month("4.1999"), Some((1999, 4)));
        assert_eq!(written_month("13/1999"), None);
        assert_eq!(written_month("1999"), None);
        // The edit form shows a stored day as it was written.
        assert_eq!(day_first("1999-04-30"), "30/04/1999");
        assert_eq!(
            written_day(&day_first("1999-04-30")).as_deref(),
            Some("1999-04-30")
        );
    }
}
