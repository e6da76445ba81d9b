//! Returns (issue 12): the person's decision to return and the return plan,
//! a removal by other authorities recorded apart — the API, the forms on the
//! case's return page and the words they are shown in.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_app::AppError;
use safepath_app::returns::{NewForcedRemoval, NewRepatriation, ReturnCost, ReturnView};
use safepath_domain::solutions::agreements::ResponsibleParty;
use safepath_domain::solutions::repatriation::Escort;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::i18n::{FluentArg, Tr};
use crate::ui::Posted;
use crate::ui::{error_page, tr_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases/{id}/repatriation", post(api_repatriation))
        .route(
            "/api/v1/cases/{id}/forced-removals",
            post(api_forced_removal),
        )
        .route("/api/v1/cases/{id}/returns", get(api_returns))
        .route("/cases/{id}/return/decision", post(decision_submit))
        .route("/cases/{id}/return/removal", post(removal_submit))
        .route("/cases/{id}/returns/{rid}/letter", get(letter_page))
}

fn case_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError(AppError::case_not_found()))
}

/// A case's return events, and how many of each kind (counted apart).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnList {
    pub items: Vec<ReturnView>,
    pub repatriations: u64,
    /// Removals by other authorities: never counted as repatriations.
    pub forced_removals: u64,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/repatriation", tag = "handover", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewRepatriation,
    responses(
        (status = 201, description = "The person's decision and the return plan, recorded (sealed); a case in solution planning is now `repatriation_in_progress`", body = ReturnView),
        (status = 400, description = "A bad body, `unknown_partner`, `unknown_agreement`, a missing escort, a date in the future or travel before the decision", body = ErrorBody),
        (status = 403, description = "`consent_required`: no effective `cross_border_handover` consent names the partner's organisation", body = ErrorBody),
        (status = 404, description = "No such case, or one you may not edit", body = ErrorBody),
        (status = 409, description = "`return_not_planned_now` (the case is not in solution planning), or the return gate: `security_assessment_required`, `international_protection_needed`, `return_unsafe`, `return_blocked_reflection_period`, `return_blocked_protection_pending`, `best_interests_determination_required`, `family_assessment_required`", body = ErrorBody)))]
pub async fn api_repatriation(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewRepatriation>,
) -> Result<(StatusCode, Json<ReturnView>), ApiError> {
    let id = case_id(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(app.record_repatriation(&user, id, req).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/forced-removals", tag = "handover", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewForcedRemoval,
    responses(
        (status = 201, description = "The removal, recorded as an event (never a repatriation)", body = ReturnView),
        (status = 400, description = "A bad body, a date in the future, no authority", body = ErrorBody),
        (status = 404, description = "No such case, or one you may not edit", body = ErrorBody)))]
pub async fn api_forced_removal(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewForcedRemoval>,
) -> Result<(StatusCode, Json<ReturnView>), ApiError> {
    let id = case_id(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(app.record_forced_removal(&user, id, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/returns", tag = "handover", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The case's return events, oldest first, with repatriations and forced removals counted apart", body = ReturnList), (status = 404, body = ErrorBody)))]
pub async fn api_returns(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ReturnList>, ApiError> {
    let id = case_id(&id)?;
    let (items, counts) = app.case_returns(&user, id).await?;
    Ok(Json(ReturnList {
        items,
        repatriations: counts.repatriations,
        forced_removals: counts.forced_removals,
    }))
}

/// A recorded return as the page shows it: its heading and its facts.
pub(crate) struct ReturnLine {
    pub kind: String,
    pub heading: String,
    pub facts: Vec<(String, String)>,
    /// The record's id: a repatriation has a letter for the person.
    pub id: String,
}

/// The choices of the decision form, in words.
pub(crate) struct DecisionChoices {
    pub languages: Vec<(&'static str, String)>,
    pub escorts: Vec<(&'static str, String)>,
    pub payers: Vec<(&'static str, String)>,
}

pub(crate) fn choices(tr: &Tr) -> DecisionChoices {
    DecisionChoices {
        languages: crate::ui::LANGUAGES
            .iter()
            .map(|c| (*c, crate::ui::language_name(tr, c)))
            .collect(),
        escorts: Escort::ALL
            .iter()
            .map(|e| (e.as_str(), tr.t(format!("escort-{}", e.as_str()))))
            .collect(),
        payers: ResponsibleParty::ALL
            .iter()
            .map(|p| (p.as_str(), tr.t(format!("party-{}", p.as_str()))))
            .collect(),
    }
}

fn cost_words(tr: &Tr, c: &ReturnCost) -> String {
    tr.t_args(
        "agreements-plan-cost",
        &[
            ("item", FluentArg::Text(tr.label_or("cost-", &c.item))),
            (
                "payer",
                FluentArg::Text(tr.t(format!("party-{}", c.payer.as_str()))),
            ),
        ],
    )
}

/// Each recorded return, newest first, in words.
pub(crate) fn lines(tr: &Tr, views: &[ReturnView]) -> Vec<ReturnLine> {
    views
        .iter()
        .rev()
        .map(|v| {
            let mut facts = Vec::new();
            let mut add = |k: &str, v: String| facts.push((tr.t(k), v));
            if v.kind == "repatriation" {
                if let Some(p) = &v.partner {
                    add("return-decision-partner", p.clone());
                }
                if let Some(d) = &v.decided_on {
                    add("return-decision-decided_on", tr.day(d));
                }
                if let Some(l) = &v.language {
                    let interpreter = if v.interpreter == Some(true) {
                        tr.t("return-decision-with-interpreter")
                    } else {
                        tr.t("return-decision-without-interpreter")
                    };
                    add(
                        "return-decision-language",
                        format!("{} · {interpreter}", crate::ui::language_name(tr, l)),
                    );
                }
                if let Some(p) = &v.plan {
                    if let Some(a) = &p.agreement {
                        add("return-decision-agreement", a.clone());
                    }
                    add(
                        "return-decision-escort",
                        tr.t(format!("escort-{}", p.escort.as_str())),
                    );
                    for c in &p.costs {
                        add("return-decision-costs", cost_words(tr, c));
                    }
                    if let Some(d) = &p.travel_date {
                        add("return-decision-travel_date", tr.day(d));
                    }
                    if let Some(r) = &p.route {
                        add("return-decision-route", r.clone());
                    }
                    if !p.documents.is_empty() {
                        add("return-decision-documents", p.documents.join(", "));
                    }
                }
                add(
                    "return-decision-reach",
                    v.reach_after_return
                        .clone()
                        .unwrap_or_else(|| tr.t("return-decision-reach-none")),
                );
            } else {
                if let Some(d) = &v.removed_on {
                    add("return-removal-removed_on", tr.day(d));
                }
                if let Some(a) = &v.authority {
                    add("return-removal-authority", a.clone());
                }
            }
            ReturnLine {
                kind: v.kind.clone(),
                heading: tr.t(format!("return-event-{}", v.kind)),
                facts,
                id: v.id.clone(),
            }
        })
        .collect()
}

/// Which field an error is about (the API's messages start with it).
fn field_of(e: &AppError, fields: &[&'static str]) -> &'static str {
    match e.code {
        "unknown_partner" => "partner",
        "unknown_agreement" => "agreement",
        _ => fields
            .iter()
            .copied()
            .find(|f| e.message.starts_with(f))
            .unwrap_or("form"),
    }
}

fn words(tr: &Tr, e: &AppError) -> String {
    let key = format!("return-error-{}", e.code);
    if tr.has(&key) {
        tr.t(key)
    } else {
        e.message.clone()
    }
}

/// Errors a form shows beside its fields (the others are an error page).
fn shown_in_form(e: &AppError) -> bool {
    matches!(
        e.kind,
        safepath_app::ErrorKind::BadRequest
            | safepath_app::ErrorKind::Conflict
            | safepath_app::ErrorKind::Forbidden
    ) && e.code != "forbidden"
}

async fn decision_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let Ok(case) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::case_not_found());
    };
    let values = f.kept();
    let mut errors = BTreeMap::new();
    if f.get("partner").is_empty() {
        errors.insert("partner".to_owned(), tr.t("return-error-partner"));
    }
    if f.get("language").is_empty() {
        errors.insert("language".to_owned(), tr.t("return-error-language"));
    }
    let agreement = match f.get("agreement") {
        "" => None,
        a => match Uuid::parse_str(a) {
            Ok(a) => Some(a),
            Err(_) => {
                errors.insert(
                    "agreement".to_owned(),
                    tr.t("return-error-unknown_agreement"),
                );
                None
            }
        },
    };
    let escort = match f.get("escort") {
        "" => None,
        e => match Escort::parse(e) {
            Ok(e) => Some(e),
            Err(_) => {
                errors.insert("escort".to_owned(), tr.t("return-error-escort"));
                None
            }
        },
    };
    if escort.is_none() && agreement.is_none() && !errors.contains_key("escort") {
        errors.insert("escort".to_owned(), tr.t("return-error-escort"));
    }
    let costs = match f.get("payer") {
        "" => Vec::new(),
        p => match ResponsibleParty::parse(p) {
            Ok(payer) => vec![ReturnCost {
                item: "travel".into(),
                payer,
            }],
            Err(_) => {
                errors.insert("payer".to_owned(), tr.t("return-error-payer"));
                Vec::new()
            }
        },
    };
    if !errors.is_empty() {
        return crate::handover::render_return(&app, &user, case, None, "decision", values, errors)
            .await;
    }
    let opt = |k: &str| Some(f.get(k).trim().to_owned()).filter(|v| !v.is_empty());
    let req = NewRepatriation {
        partner: f.get("partner").to_owned(),
        decided_on: opt("decided_on"),
        language: f.get("language").to_owned(),
        interpreter: f.get("interpreter") == "yes",
        agreement,
        documents: f
            .get("documents")
            .lines()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect(),
        travel_date: opt("travel_date"),
        route: opt("route"),
        escort,
        costs,
        reach_after_return: opt("reach_after_return"),
    };
    match app.record_repatriation(user.principal(), case, req).await {
        Ok(_) => Redirect::to(&format!("/cases/{case}/return?done=decision")).into_response(),
        Err(e) if shown_in_form(&e) => {
            let field = field_of(
                &e,
                &[
                    "decided_on",
                    "language",
                    "travel_date",
                    "route",
                    "documents",
                    "escort",
                    "costs",
                    "reach_after_return",
                ],
            );
            errors.insert(field.to_owned(), words(&tr, &e));
            crate::handover::render_return(&app, &user, case, None, "decision", values, errors)
                .await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn removal_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let Ok(case) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::case_not_found());
    };
    let values = f.kept();
    let mut errors = BTreeMap::new();
    if f.get("removed_on").is_empty() {
        errors.insert("removed_on".to_owned(), tr.t("return-error-removed_on"));
    }
    if f.get("authority").trim().is_empty() {
        errors.insert("authority".to_owned(), tr.t("return-error-authority"));
    }
    if !errors.is_empty() {
        return crate::handover::render_return(&app, &user, case, None, "removal", values, errors)
            .await;
    }
    let req = NewForcedRemoval {
        removed_on: f.get("removed_on").to_owned(),
        authority: f.get("authority").to_owned(),
    };
    match app.record_forced_removal(user.principal(), case, req).await {
        Ok(_) => Redirect::to(&format!("/cases/{case}/return?done=removal")).into_response(),
        Err(e) if shown_in_form(&e) => {
            let field = field_of(&e, &["removed_on", "authority"]);
            errors.insert(field.to_owned(), words(&tr, &e));
            crate::handover::render_return(&app, &user, case, None, "removal", values, errors).await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

#[derive(askama::Template)]
#[template(path = "return_letter.html")]
struct ReturnLetter {
    tr: crate::i18n::Tr,
    org_name: String,
    decided_on: String,
    addressee: String,
    reference: String,
    body: String,
    /// The plan in words (what, how).
    plan: Vec<(String, String)>,
    reach: Option<String>,
}

/// The person's letter of their decision to return home: in the language
/// the decision was explained in (the reader's when the interface has no
/// words in it), worded as the voluntary decision it is — never a removal —
/// with the plan, and that they may change their mind before they travel.
async fn letter_page(
    State(app): State<AppState>,
    user: crate::auth::WebUser,
    Path((id, rid)): Path<(String, String)>,
) -> Response {
    let tr = crate::ui::tr_for(&user);
    let Ok(case) = Uuid::parse_str(&id) else {
        return crate::ui::error_page(&tr, &user, AppError::case_not_found());
    };
    let p = user.principal();
    let (c, returns) = match (app.get_case(p, case).await, app.case_returns(p, case).await) {
        (Ok(c), Ok((r, _))) => (c, r),
        (Err(e), _) | (_, Err(e)) => return crate::ui::error_page(&tr, &user, e),
    };
    let Some(v) = returns
        .into_iter()
        .find(|r| r.id == rid && r.kind == "repatriation")
    else {
        return crate::ui::error_page(&tr, &user, AppError::not_found("no such return decision"));
    };
    // In the person's language where the interface has words for it.
    let language = v.language.clone().unwrap_or_default();
    let tr = if crate::i18n::LANGUAGES
        .iter()
        .any(|(code, _)| *code == language)
    {
        crate::i18n::Tr::new(&language)
    } else {
        tr
    };
    let org_name = crate::identification::org_name(&app, c.org_id).await;
    let body = tr.t_args(
        "return-letter-body",
        &[
            (
                "language",
                FluentArg::Text(crate::ui::language_name(&tr, &language)),
            ),
            (
                "interpreter",
                FluentArg::Text(tr.t(if v.interpreter == Some(true) {
                    "return-letter-with-interpreter"
                } else {
                    "return-letter-without-interpreter"
                })),
            ),
            (
                "partner",
                FluentArg::Text(v.partner.clone().unwrap_or_default()),
            ),
        ],
    );
    // The plan, in the letter's language (the same words as the page's).
    let (partner_key, reach_key) = (
        tr.t("return-decision-partner"),
        tr.t("return-decision-reach"),
    );
    let plan = lines(&tr, std::slice::from_ref(&v))
        .into_iter()
        .flat_map(|l| l.facts)
        .filter(|(k, _)| *k != partner_key && *k != reach_key)
        .collect();
    crate::ui::render(
        StatusCode::OK,
        &ReturnLetter {
            org_name,
            decided_on: v.decided_on.clone().unwrap_or_default(),
            addressee: c.person.display_name.clone(),
            reference: c.reference.clone(),
            body,
            plan,
            reach: v.reach_after_return.clone(),
            tr,
        },
    )
}
