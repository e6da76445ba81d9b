//! The de-duplication run and its review queue: the JSON API and the
//! `/dedupe` page (which works with JavaScript off; it refreshes itself while
//! a run is running). Other organisations' cases appear only as "a possible
//! duplicate exists there, ask their focal point".

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_app::dedupe_run::*;
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiJson;
use crate::auth::{ApiUser, WebUser};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::{FluentArg, Tr};
use crate::ui::Posted;
use crate::ui::{UserBar, bar, error_page, render, tr_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/dedupe/runs", post(api_start))
        .route("/api/v1/dedupe/runs/latest", get(api_latest))
        .route("/api/v1/dedupe/pairs", get(api_pairs))
        .route("/api/v1/dedupe/pairs/{id}/merge", post(api_merge))
        .route("/api/v1/dedupe/pairs/{id}/not-same", post(api_not_same))
        .route("/api/v1/dedupe/merges/{id}/unmerge", post(api_unmerge))
        .route("/dedupe", get(dedupe_page))
        .route("/dedupe/run", post(run_submit))
        .route("/dedupe/pairs/{id}/merge", post(merge_submit))
        .route("/dedupe/pairs/{id}/not-same", post(not_same_submit))
        .route("/dedupe/merges/{id}/unmerge", post(unmerge_submit))
}

#[utoipa::path(post, path = "/api/v1/dedupe/runs", tag = "de-duplication", security(("bearer" = [])),
    responses((status = 202, description = "Started in the background; follow it at /api/v1/dedupe/runs/latest", body = DedupeRunStarted), (status = 403, body = ErrorBody),
        (status = 409, description = "`dedupe_running`: a run is already running", body = ErrorBody)))]
pub async fn api_start(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<(StatusCode, Json<DedupeRunStarted>), ApiError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(app.start_dedupe_run(&user).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/dedupe/runs/latest", tag = "de-duplication", security(("bearer" = [])),
    responses((status = 200, description = "The latest run's progress (`null` before the first run)", body = Option<DedupeRunView>), (status = 403, body = ErrorBody)))]
pub async fn api_latest(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Option<DedupeRunView>>, ApiError> {
    Ok(Json(app.latest_dedupe_run(&user).await?))
}

#[utoipa::path(get, path = "/api/v1/dedupe/pairs", tag = "de-duplication", security(("bearer" = [])),
    responses((status = 200, description = "The review queue as you may see it: pairs of cases you may both see; cases elsewhere only as an organisation and its focal point; administrators get counts only", body = DedupeQueue), (status = 403, body = ErrorBody)))]
pub async fn api_pairs(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<DedupeQueue>, ApiError> {
    Ok(Json(app.dedupe_queue(&user).await?))
}

#[utoipa::path(post, path = "/api/v1/dedupe/pairs/{id}/merge", tag = "de-duplication", security(("bearer" = [])), params(("id" = String, Path)), request_body = MergeRequest,
    responses((status = 200, description = "Merged: the other case is marked merged into the primary; both stay", body = DedupePairView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn api_merge(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<MergeRequest>,
) -> Result<Json<DedupePairView>, ApiError> {
    Ok(Json(app.merge_dedupe_pair(&user, &id, req).await?))
}

#[utoipa::path(post, path = "/api/v1/dedupe/pairs/{id}/not-same", tag = "de-duplication", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "Recorded; the pair is never proposed again", body = DedupePairView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn api_not_same(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<DedupePairView>, ApiError> {
    Ok(Json(app.dedupe_not_same(&user, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/dedupe/merges/{id}/unmerge", tag = "de-duplication", security(("bearer" = [])), params(("id" = String, Path, description = "The merge's id (`merge_id`, the pair's id)")),
    responses((status = 200, description = "Both cases are separate again; the pair is pending again", body = DedupePairView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn api_unmerge(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<DedupePairView>, ApiError> {
    Ok(Json(app.unmerge(&user, &id).await?))
}

// ---------- pages ----------

#[derive(Template)]
#[template(path = "dedupe.html")]
struct DedupePage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    q: DedupeQueue,
    running: bool,
    percent: i64,
}

impl DedupePage {
    fn percent_of(&self, p: &f64) -> String {
        format!("{:.0}", p * 100.0)
    }
    fn weight(&self, w: &f64) -> String {
        format!("{w:+.1}")
    }
    fn level(&self, level: &str) -> String {
        let key = format!("dedupe-level-{level}");
        if self.tr.has(&key) {
            self.tr.t(key)
        } else {
            level.to_owned()
        }
    }
    /// One side's value of a compared field, in words (issue 10: the two
    /// records side by side, not only the weights); "—" when not recorded.
    fn compared(&self, side: &safepath_app::dedupe_run::DedupeCaseSide, field: &str) -> String {
        let words = self.compared_words(side, field);
        if words.is_empty() {
            "—".to_owned()
        } else {
            words
        }
    }
    /// One side's value of a compared field in words, empty when not recorded.
    fn compared_words(
        &self,
        side: &safepath_app::dedupe_run::DedupeCaseSide,
        field: &str,
    ) -> String {
        use safepath_domain::person::{BirthDate, Sex};
        let c = &side.compared;
        let tr = &self.tr;
        match field {
            "full_name" => c.name.clone(),
            "family_name" => c.family_name.clone(),
            "place" => c.place.clone(),
            "birth" => match &c.birth_date {
                Some(BirthDate::Exact { date }) => tr.day(date),
                Some(BirthDate::YearMonth { year, month }) => {
                    format!("{} {year}", tr.t(format!("month-{month}")))
                }
                Some(BirthDate::Year { year }) => year.to_string(),
                Some(BirthDate::EstimatedAge { age, on }) => tr.t_args(
                    "dedupe-estimated-age",
                    &[
                        ("age", FluentArg::Number(i64::from(*age))),
                        ("on", FluentArg::Text(tr.day(on))),
                    ],
                ),
                None => String::new(),
            },
            "sex" => match c.sex {
                Some(Sex::Female) => tr.t("sex-female"),
                Some(Sex::Male) => tr.t("sex-male"),
                Some(Sex::Intersex) => tr.t("sex-intersex"),
                Some(Sex::Unknown) | None => String::new(),
            },
            "nationality" => c
                .nationalities
                .iter()
                .map(|n| crate::ui::country_name(tr, n))
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        }
    }
    /// Whether either side recorded the field: a field neither recorded
    /// (a family name, a place) is left out of the comparison table.
    fn recorded(
        &self,
        a: &safepath_app::dedupe_run::DedupeCaseSide,
        b: &safepath_app::dedupe_run::DedupeCaseSide,
        field: &str,
    ) -> bool {
        !self.compared_words(a, field).is_empty() || !self.compared_words(b, field).is_empty()
    }
    fn field(&self, field: &str) -> String {
        let key = format!("dedupe-field-{field}");
        if self.tr.has(&key) {
            self.tr.t(key)
        } else {
            field.to_owned()
        }
    }
}

/// The comparison table's rows in the order a record reads: the name, then
/// what else identifies the person (the engine lists its fields by column name).
const READING_ORDER: &[&str] = &[
    "full_name",
    "family_name",
    "sex",
    "birth",
    "nationality",
    "place",
];

async fn dedupe_page(State(app): State<AppState>, user: WebUser) -> Response {
    let tr = tr_for(&user);
    let mut q = match app.dedupe_queue(user.principal()).await {
        Ok(q) => q,
        Err(e) => return error_page(&tr, &user, e),
    };
    for p in &mut q.pending {
        p.explanation.sort_by_key(|f| {
            READING_ORDER
                .iter()
                .position(|x| *x == f.field)
                .unwrap_or(READING_ORDER.len())
        });
    }
    let running = q.latest_run.as_ref().is_some_and(|r| r.state == "running");
    let percent = q
        .latest_run
        .as_ref()
        .map(|r| {
            if r.total > 0 {
                r.processed * 100 / r.total
            } else {
                100
            }
        })
        .unwrap_or(0);
    render(
        StatusCode::OK,
        &DedupePage {
            title: tr.t("dedupe-title"),
            user: Some(bar(&tr, &user)),
            csrf: user.session.csrf_token.clone(),
            q,
            running,
            percent,
            tr,
        },
    )
}

async fn run_submit(State(app): State<AppState>, Posted { user, fields: _f }: Posted) -> Response {
    let tr = tr_for(&user);
    match app.start_dedupe_run(user.principal()).await {
        Ok(_) => Redirect::to("/dedupe").into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn merge_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let Ok(primary) = Uuid::parse_str(f.get("primary_case_id")) else {
        return error_page(
            &tr,
            &user,
            safepath_app::AppError::bad_request(
                "invalid_field",
                "primary_case_id: choose which case to keep as the main record",
            ),
        );
    };
    match app
        .merge_dedupe_pair(
            user.principal(),
            &id,
            MergeRequest {
                primary_case_id: primary,
            },
        )
        .await
    {
        Ok(_) => Redirect::to("/dedupe").into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn not_same_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: _f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    match app.dedupe_not_same(user.principal(), &id).await {
        Ok(_) => Redirect::to("/dedupe").into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn unmerge_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: _f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    match app.unmerge(user.principal(), &id).await {
        Ok(_) => Redirect::to("/dedupe").into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}
