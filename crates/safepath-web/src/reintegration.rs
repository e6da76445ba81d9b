//! The reintegration assessment (issue 12) in the API and on the case's
//! return page: `GET`/`POST /api/v1/cases/{id}/reintegration-assessments`,
//! the recorded assessments in words and the form (each provision with what
//! the worker finds and the person's own view; errors beside the fields,
//! input kept).

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use safepath_app::AppError;
use safepath_app::reintegration::{
    NewProvision, NewReintegrationAssessment, ReintegrationAssessmentView,
};
use safepath_domain::solutions::assessment::{
    DurableSolution, ProvisionFinding, ReintegrationProvision,
};
use uuid::Uuid;

use crate::AppState;
use crate::api::{ApiJson, Items};
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::handover::case_id;
use crate::i18n::Tr;
use crate::ui::{Posted, error_page, tr_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/cases/{id}/reintegration-assessments",
            get(api_list).post(api_record),
        )
        .route("/cases/{id}/return/reintegration", post(submit))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/reintegration-assessments", tag = "handover", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewReintegrationAssessment,
    responses(
        (status = 201, description = "Recorded (sealed); the lifecycle follows the solution it chooses", body = ReintegrationAssessmentView),
        (status = 400, description = "A bad body, or `provision_missing`, `provision_duplicate`, `person_view_required`, `return_not_voluntary`, `reason_required`, `assessed_in_future`", body = ErrorBody),
        (status = 404, description = "No such case, or one you may not edit", body = ErrorBody)))]
pub async fn api_record(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewReintegrationAssessment>,
) -> Result<(StatusCode, Json<ReintegrationAssessmentView>), ApiError> {
    let id = case_id(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(app.record_reintegration_assessment(&user, id, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/reintegration-assessments", tag = "handover", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The case's reintegration assessments, oldest first (an audited read)", body = Items<ReintegrationAssessmentView>), (status = 404, body = ErrorBody)))]
pub async fn api_list(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Items<ReintegrationAssessmentView>>, ApiError> {
    let id = case_id(&id)?;
    Ok(Json(Items {
        items: app.reintegration_assessments(&user, id).await?,
    }))
}

/// One recorded assessment, in words.
pub struct Line {
    pub chosen_key: String,
    pub heading: String,
    /// (provision, finding, the person's view, notes)
    pub provisions: Vec<(String, String, String, Option<String>)>,
    pub reason: Option<String>,
}

/// The recorded assessments, newest first, in words.
pub(crate) fn lines(tr: &Tr, views: &[ReintegrationAssessmentView]) -> Vec<Line> {
    views
        .iter()
        .rev()
        .map(|v| Line {
            chosen_key: v.chosen.clone(),
            heading: tr.t_args(
                "reint-heading",
                &[
                    (
                        "chosen",
                        crate::i18n::FluentArg::Text(tr.t(format!("reint-solution-{}", v.chosen))),
                    ),
                    (
                        "wants",
                        crate::i18n::FluentArg::Text(
                            tr.t(format!("reint-solution-{}", v.preferred_by_person)),
                        ),
                    ),
                    ("day", crate::i18n::FluentArg::Text(tr.day(&v.assessed_on))),
                ],
            ),
            provisions: v
                .provisions
                .iter()
                .map(|p| {
                    (
                        tr.t(format!("reint-provision-{}", p.provision)),
                        tr.t(format!("reint-finding-{}", p.finding)),
                        p.person_view.clone(),
                        p.notes.clone(),
                    )
                })
                .collect(),
            reason: v.reason.clone(),
        })
        .collect()
}

/// The form's choices: the provisions (field, label) and the words of each
/// finding and solution.
pub struct Choices {
    pub provisions: Vec<(&'static str, String)>,
    /// The two choices of a solution: field, label.
    pub selects: Vec<(&'static str, String)>,
    pub findings: Vec<(&'static str, String)>,
    pub solutions: Vec<(&'static str, String)>,
}

pub(crate) fn choices(tr: &Tr) -> Choices {
    Choices {
        provisions: ReintegrationProvision::ALL
            .iter()
            .map(|p| (p.as_str(), tr.t(format!("reint-provision-{}", p.as_str()))))
            .collect(),
        selects: vec![
            ("preferred_by_person", tr.t("reint-preferred")),
            ("chosen", tr.t("reint-chosen")),
        ],
        findings: ProvisionFinding::ALL
            .iter()
            .map(|f| (f.as_str(), tr.t(format!("reint-finding-{}", f.as_str()))))
            .collect(),
        solutions: DurableSolution::ALL
            .iter()
            .map(|s| (s.as_str(), tr.t(format!("reint-solution-{}", s.as_str()))))
            .collect(),
    }
}

/// Which field a refusal of the domain is about, and its words.
fn refusal_field(tr: &Tr, e: &AppError) -> (String, String) {
    let field = match e.code {
        "return_not_voluntary" => "chosen".to_owned(),
        "reason_required" => "reason".to_owned(),
        "assessed_in_future" | "invalid_field" => "assessed_on".to_owned(),
        // "provision X: the person's own view is required"
        "person_view_required" => ReintegrationProvision::ALL
            .iter()
            .find(|p| e.message.contains(p.as_str()))
            .map_or_else(|| "form".to_owned(), |p| format!("view_{}", p.as_str())),
        _ => "form".to_owned(),
    };
    let key = format!("reint-error-{}", e.code);
    let words = if tr.has(&key) {
        tr.t(key)
    } else {
        e.message.clone()
    };
    (field, words)
}

async fn submit(
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
    let mut provisions = Vec::new();
    for p in ReintegrationProvision::ALL {
        let p = p.as_str();
        let finding = f.get(&format!("finding_{p}"));
        let view = f.get(&format!("view_{p}")).trim();
        if finding.is_empty() {
            errors.insert(format!("finding_{p}"), tr.t("reint-error-choose"));
        }
        if view.is_empty() {
            errors.insert(
                format!("view_{p}"),
                tr.t("reint-error-person_view_required"),
            );
        }
        provisions.push(NewProvision {
            provision: p.to_owned(),
            finding: finding.to_owned(),
            person_view: view.to_owned(),
            notes: Some(f.get(&format!("notes_{p}")).trim().to_owned()).filter(|n| !n.is_empty()),
        });
    }
    for field in ["preferred_by_person", "chosen"] {
        if f.get(field).is_empty() {
            errors.insert(field.to_owned(), tr.t("reint-error-choose"));
        }
    }
    if !errors.is_empty() {
        return crate::handover::render_return(
            &app,
            &user,
            case,
            None,
            "reintegration",
            values,
            errors,
        )
        .await;
    }
    let opt = |k: &str| Some(f.get(k).trim().to_owned()).filter(|v| !v.is_empty());
    let input = NewReintegrationAssessment {
        provisions,
        preferred_by_person: f.get("preferred_by_person").to_owned(),
        chosen: f.get("chosen").to_owned(),
        reason: opt("reason"),
        assessed_on: opt("assessed_on"),
    };
    match app
        .record_reintegration_assessment(user.principal(), case, input)
        .await
    {
        Ok(_) => Redirect::to(&format!("/cases/{case}/return?done=reintegration")).into_response(),
        Err(e) if e.kind == safepath_app::ErrorKind::BadRequest => {
            let (field, words) = refusal_field(&tr, &e);
            errors.insert(field, words);
            crate::handover::render_return(&app, &user, case, None, "reintegration", values, errors)
                .await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}
