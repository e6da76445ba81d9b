//! Statistics: the JSON API (`/api/v1/stats/persons`, `/api/v1/checklist`,
//! `/api/v1/exports/…`) and the dashboards (`/stats`, `/checklist`), which
//! work with JavaScript off.
//!
//! Charts are SVG written here on the server: horizontal bars with their
//! values, a `<title>`/`<desc>` text alternative and the data table beside
//! them. A chart crate (plotters, charts-rs) would bring font handling and
//! minutes of compile time for what is a few rectangles and labels; every
//! label is escaped by askama (the SVG is built from escaped text).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use safepath_app::AppError;
use safepath_app::stats::{DASH_TABLES, Dashboard, StatsFilter, THRESHOLD, TableAnswer};
use safepath_stats::checklist::Item;
use safepath_stats::htcds;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{ApiUser, WebUser};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::Tr;
use crate::ui::{UserBar, bar, error_page, render, tr_for};
use safepath_app::stats_synthetic::SyntheticRequest;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/stats/persons", get(api_persons))
        .route("/api/v1/checklist", get(api_checklist))
        .route("/api/v1/stats/public", axum::routing::post(api_public))
        .route(
            "/api/v1/stats/synthetic",
            axum::routing::post(api_synthetic),
        )
        .route("/api/v1/exports/htcds.csv", get(api_htcds_csv))
        .route("/api/v1/exports/htcds.json", get(api_htcds_json))
        .route("/api/v1/exports/ctdc.json", get(api_ctdc_json))
        .route("/stats", get(dashboard_page))
        .route("/stats/tables/{file}", get(table_csv))
        .route("/stats/exports/htcds.csv", get(page_htcds_csv))
        .route("/checklist", get(checklist_page))
        .route("/stats/report.pdf", get(crate::stats_report::report_pdf))
}

/// Filters of a table, a dashboard or a download.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// Dimensions, comma-separated: one to three of `nationality`, `sex`,
    /// `age_band`, `form`, `year`, `status`.
    pub by: Option<String>,
    /// First month counted: `YYYY` or `YYYY-MM`.
    pub from: Option<String>,
    /// Last month counted: `YYYY` or `YYYY-MM`.
    pub to: Option<String>,
    /// One organisation (analysts; coordinators always see their own).
    pub org: Option<String>,
    /// An organisation's country (two letters).
    pub region: Option<String>,
    /// Round released counts to this base (2 to 100).
    pub rounding: Option<String>,
}

impl StatsParams {
    pub(crate) fn filter(&self) -> Result<StatsFilter, AppError> {
        let org =
            match self.org.as_deref().filter(|s| !s.is_empty()) {
                None => None,
                Some(s) => Some(Uuid::parse_str(s).map_err(|_| {
                    AppError::bad_request("invalid_org", "org is an organisation id")
                })?),
            };
        let rounding = match self.rounding.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(s.parse::<u64>().map_err(|_| {
                AppError::bad_request("invalid_rounding", "rounding is a whole number")
            })?),
        };
        Ok(StatsFilter {
            from: self.from.clone(),
            to: self.to.clone(),
            org,
            region: self.region.clone(),
            rounding,
        })
    }
    fn query_string(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("from", &self.from),
            ("to", &self.to),
            ("org", &self.org),
            ("region", &self.region),
            ("rounding", &self.rounding),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

/// Persons by the asked dimensions, after disclosure control.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonsStats {
    /// The minimum cell size: no released count is between 1 and threshold - 1.
    pub threshold: u64,
    /// One object per non-empty cell: a key per dimension, `count` (null when
    /// withheld) and `suppressed`.
    #[schema(value_type = Vec<Object>)]
    pub cells: Vec<Map<String, Value>>,
    /// Null when withheld (a total below the threshold, or one that would
    /// reveal a withheld cell of an earlier table).
    pub total: Option<u64>,
}

fn persons_json(a: &TableAnswer) -> PersonsStats {
    let cells = a
        .release
        .cells
        .iter()
        .map(|c| {
            let mut m = Map::new();
            for (d, v) in a.by.iter().zip(&c.key) {
                m.insert(d.as_str().to_string(), Value::from(v.clone()));
            }
            m.insert("count".into(), c.count.map_or(Value::Null, Value::from));
            m.insert("suppressed".into(), Value::from(c.suppressed));
            m
        })
        .collect();
    PersonsStats {
        threshold: a.threshold,
        cells,
        total: a.release.total,
    }
}

#[utoipa::path(get, path = "/api/v1/stats/persons", tag = "statistics", security(("bearer" = [])), params(StatsParams),
    responses((status = 200, body = PersonsStats), (status = 400, description = "`invalid_dimension`, `invalid_period`, `invalid_org`, `invalid_region`, `invalid_rounding`", body = ErrorBody),
        (status = 403, description = "not an analyst, administrator or coordinator; or a coordinator asking for another organisation", body = ErrorBody)))]
pub async fn api_persons(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<StatsParams>,
) -> Result<Json<PersonsStats>, ApiError> {
    let by = p.by.clone().unwrap_or_default();
    let a = app.stats_persons(&user, &by, &p.filter()?).await?;
    Ok(Json(persons_json(&a)))
}

/// What to release publicly with differential privacy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicRequest {
    /// One to three of `sex`, `age_band`, `form`, `status`, `year`.
    pub by: String,
    /// Privacy loss of this release (at most 1.0; the dataset's budget is 5.0).
    pub epsilon: f64,
}

/// A differentially private table: every cell of the public vocabularies,
/// with noise; `epsilon` and `delta` are printed on it (`statement`).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicStats {
    pub epsilon: f64,
    pub delta: f64,
    pub statement: String,
    pub mechanism: String,
    #[schema(value_type = Vec<Object>)]
    pub cells: Vec<Map<String, Value>>,
}

/// Differentially private synthetic records of every person.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyntheticRelease {
    /// `sex`, `age_band`, `nationality`, `form`, `year`, `status`, `region`.
    pub columns: Vec<String>,
    /// One synthetic record per row, values in the columns' order; `""` where
    /// no released combination allowed a value.
    pub rows: Vec<Vec<String>>,
    pub epsilon: f64,
    pub delta: f64,
    /// Longest combination of values whose counts were released (3).
    pub reporting_length: usize,
    pub mechanism: String,
    /// "ε = …, δ = …", to print on the release.
    pub statement: String,
}

#[utoipa::path(post, path = "/api/v1/stats/synthetic", tag = "statistics", security(("bearer" = [])), request_body = SyntheticRequest,
    responses((status = 201, description = "Released and spent from the persons budget", body = SyntheticRelease), (status = 400, body = ErrorBody),
        (status = 403, description = "analysts and administrators only", body = ErrorBody),
        (status = 409, description = "`privacy_budget_exceeded`, or `synthetic_release_empty` (too few persons for any combination to survive the noise): nothing was released or spent", body = ErrorBody)))]
pub async fn api_synthetic(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    crate::api::ApiJson(req): crate::api::ApiJson<SyntheticRequest>,
) -> Result<(StatusCode, Json<SyntheticRelease>), ApiError> {
    let s = app.stats_synthetic(&user, &req).await?;
    Ok((
        StatusCode::CREATED,
        Json(SyntheticRelease {
            columns: s.columns,
            rows: s.rows,
            epsilon: s.epsilon,
            delta: s.delta,
            reporting_length: s.reporting_length,
            mechanism: s.mechanism,
            statement: s.statement,
        }),
    ))
}

#[utoipa::path(post, path = "/api/v1/stats/public", tag = "statistics", security(("bearer" = [])), request_body = PublicRequest,
    responses((status = 200, body = PublicStats), (status = 400, body = ErrorBody), (status = 403, description = "analysts and administrators only", body = ErrorBody),
        (status = 409, description = "`privacy_budget_exceeded`: nothing was released or spent", body = ErrorBody)))]
pub async fn api_public(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    crate::api::ApiJson(req): crate::api::ApiJson<PublicRequest>,
) -> Result<Json<PublicStats>, ApiError> {
    let r = app.stats_public(&user, &req.by, req.epsilon).await?;
    let cells = r
        .cells
        .iter()
        .map(|c| {
            let mut m = Map::new();
            for (d, v) in r.by.iter().zip(&c.key) {
                m.insert(d.as_str().to_string(), Value::from(v.clone()));
            }
            m.insert("count".into(), Value::from(c.count));
            m
        })
        .collect();
    Ok(Json(PublicStats {
        epsilon: r.epsilon,
        delta: r.delta,
        statement: r.statement,
        mechanism: r.mechanism,
        cells,
    }))
}

/// The protection checklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistAnswer {
    /// `id`, `title`, `definition`, `source`, `value` (null: no data or
    /// withheld), `unit`, `trend`, `status` (`green`, `amber`, `red`, `info`,
    /// `no_data`, `withheld`).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Item>,
}

#[utoipa::path(get, path = "/api/v1/checklist", tag = "statistics", security(("bearer" = [])),
    responses((status = 200, body = ChecklistAnswer), (status = 403, body = ErrorBody)))]
pub async fn api_checklist(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<ChecklistAnswer>, ApiError> {
    Ok(Json(ChecklistAnswer {
        items: app.checklist(&user).await?,
    }))
}

fn csv_response(csv: String, filename: &str, kept: Option<usize>) -> Response {
    let mut res = (StatusCode::OK, csv).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(k) = kept
        && let Ok(v) = HeaderValue::from_str(&k.to_string())
    {
        h.insert("x-records-kept", v);
    }
    res
}

async fn htcds_csv(app: &AppState, user: &safepath_app::Principal) -> Result<Response, AppError> {
    let export = app.export_htcds(user).await?;
    let csv = htcds::to_csv(&export).map_err(|_| AppError::internal("htcds csv"))?;
    Ok(csv_response(csv, "safepath-htcds.csv", Some(export.kept)))
}

#[utoipa::path(get, path = "/api/v1/exports/htcds.csv", tag = "statistics", security(("bearer" = [])),
    responses((status = 200, description = "CSV, one row per person kept (k-anonymised, k = 11), HTCDS 2.0 field names; header `x-records-kept`", content_type = "text/csv"),
        (status = 403, body = ErrorBody)))]
pub async fn api_htcds_csv(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Response, ApiError> {
    Ok(htcds_csv(&app, &user).await?)
}

#[utoipa::path(get, path = "/api/v1/exports/htcds.json", tag = "statistics", security(("bearer" = [])),
    responses((status = 200, description = "`{standard, k, persons, kept, records: [{HTCDS field: value}]}`", body = Object), (status = 403, body = ErrorBody)))]
pub async fn api_htcds_json(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Value>, ApiError> {
    let export = app.export_htcds(&user).await?;
    Ok(Json(htcds::to_json(&export)))
}

#[utoipa::path(get, path = "/api/v1/exports/ctdc.json", tag = "statistics", security(("bearer" = [])),
    responses((status = 200, description = "CTDC-style k-anonymised microdata: `{k, generalisation_level, persons, kept, records}`", body = Object), (status = 403, body = ErrorBody)))]
pub async fn api_ctdc_json(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Value>, ApiError> {
    let m = app.export_microdata(&user).await?;
    serde_json::to_value(m)
        .map(Json)
        .map_err(|_| ApiError(AppError::internal("microdata json")))
}

// ---------- pages ----------

/// One bar of a chart.
pub struct Bar {
    pub label: String,
    pub value: Option<u64>,
    /// y of the bar's row.
    pub y: u64,
    /// Width of the bar in the 300-wide plot.
    pub width: u64,
}

/// A chart and its table, ready for the template.
pub struct ChartView {
    pub id: String,
    pub title: String,
    pub columns: Vec<String>,
    /// What the counts count (persons; screenings, stays, returns).
    pub count_label: String,
    pub rows: Vec<(Vec<String>, Option<u64>)>,
    pub total: Option<u64>,
    pub bars: Vec<Bar>,
    pub height: u64,
    /// The text alternative of the chart.
    pub alt: String,
    pub csv_href: String,
}

pub struct DurationView {
    pub title: String,
    pub n: Option<u64>,
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

/// A month as read ("March 2026") from `YYYY-MM`; anything else as is.
pub(crate) fn month_label(tr: &Tr, s: &str) -> String {
    match s.split_once('-') {
        Some((y, m)) if m.parse::<u8>().is_ok_and(|m| (1..=12).contains(&m)) => format!(
            "{} {y}",
            tr.t(format!("month-{}", m.trim_start_matches('0')))
        ),
        _ => s.to_string(),
    }
}

/// A quarter as read ("October – December 2026") from `YYYY-Qn`.
fn quarter_label(tr: &Tr, s: &str) -> Option<String> {
    let (y, q) = s.split_once("-Q")?;
    let q: u8 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
    Some(format!(
        "{} – {} {y}",
        tr.t(format!("month-{}", q * 3 - 2)),
        tr.t(format!("month-{}", q * 3))
    ))
}

fn label(tr: &Tr, dim: &str, v: &str) -> String {
    let key = format!("stats-value-{dim}-{v}");
    if dim == "quarter" {
        quarter_label(tr, v).unwrap_or_else(|| v.to_string())
    } else if dim == "month" {
        month_label(tr, v)
    } else if tr.has(&key) {
        tr.t(key)
    } else if tr.has(v) {
        // The shared vocabulary (forms of exploitation, case statuses…).
        tr.t(v)
    } else {
        v.replace('_', " ")
    }
}

pub(crate) fn chart(tr: &Tr, id: &str, a: &TableAnswer, query: &str) -> ChartView {
    let title = tr.t(format!("stats-table-{id}"));
    let columns: Vec<String> = if id == "stays" {
        vec![tr.t("stats-col-regime"), tr.t("stats-col-stay")]
    } else if id == "screenings" {
        vec![tr.t("stats-col-outcome")]
    } else if id == "returns" {
        vec![tr.t("stats-col-return")]
    } else {
        a.by.iter()
            .map(|d| tr.t(format!("stats-dim-{}", d.as_str())))
            .collect()
    };
    let dims: Vec<&str> = if id == "stays" {
        vec!["regime", "stay"]
    } else if id == "screenings" {
        vec!["outcome"]
    } else if id == "returns" {
        vec!["return"]
    } else {
        a.by.iter().map(|d| d.as_str()).collect()
    };
    let rows: Vec<(Vec<String>, Option<u64>)> = a
        .release
        .cells
        .iter()
        .map(|c| {
            (
                dims.iter()
                    .zip(&c.key)
                    .map(|(d, v)| label(tr, d, v))
                    .collect(),
                c.count,
            )
        })
        .collect();
    let max = rows.iter().filter_map(|r| r.1).max().unwrap_or(1).max(1);
    let bars: Vec<Bar> = rows
        .iter()
        .enumerate()
        .map(|(i, (k, v))| Bar {
            label: k.join(" · "),
            value: *v,
            y: i as u64 * 22,
            width: v.map_or(0, |v| v * 300 / max),
        })
        .collect();
    let withheld = tr.t("stats-withheld");
    let alt = format!(
        "{title}: {}",
        bars.iter()
            .map(|b| format!(
                "{} {}",
                b.label,
                b.value.map_or(withheld.clone(), |v| v.to_string())
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let count_key = format!("stats-col-count-{id}");
    ChartView {
        id: id.to_string(),
        title,
        columns,
        count_label: tr.t(if tr.has(&count_key) {
            count_key.as_str()
        } else {
            "stats-col-count"
        }),
        total: a.release.total,
        height: (bars.len() as u64 * 22).max(22),
        bars,
        rows,
        alt,
        csv_href: if query.is_empty() {
            format!("/stats/tables/{id}.csv")
        } else {
            format!("/stats/tables/{id}.csv?{query}")
        },
    }
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    charts: Vec<ChartView>,
    durations: Vec<DurationView>,
    threshold: u64,
    from: String,
    to: String,
    org: String,
    region: String,
    orgs: Vec<(String, String)>,
    all_orgs: bool,
    /// The filters as a query string, for the PDF report's link.
    query: String,
}

pub(crate) fn duration_views(tr: &Tr, d: &Dashboard) -> Vec<DurationView> {
    [
        ("stats-duration-rg", &d.to_reasonable_grounds),
        ("stats-duration-conclusive", &d.to_conclusive),
        ("stats-duration-stays", &d.stays_length),
    ]
    .into_iter()
    .map(|(k, s)| DurationView {
        title: tr.t(k),
        n: s.n,
        median: s.median_days,
        p90: s.p90_days,
    })
    .collect()
}

/// The dashboard under the page's filters, for the page and the PDF report.
pub(crate) async fn dashboard_for(
    app: &AppState,
    user: &WebUser,
    p: &StatsParams,
) -> Result<(StatsFilter, Dashboard), AppError> {
    let filter = p.filter()?;
    let d = app.stats_dashboard(user.principal(), &filter).await?;
    Ok((filter, d))
}

async fn dashboard_page(
    State(app): State<AppState>,
    user: WebUser,
    Query(p): Query<StatsParams>,
) -> Response {
    let tr = tr_for(&user);
    let (_, d) = match dashboard_for(&app, &user, &p).await {
        Ok(x) => x,
        Err(e) => return error_page(&tr, &user, e),
    };
    let all_orgs = d.org.is_none();
    let orgs = if all_orgs {
        app.store()
            .list_orgs()
            .await
            .map(|v| v.into_iter().map(|o| (o.id.to_string(), o.name)).collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let q = p.query_string();
    render(
        StatusCode::OK,
        &StatsPage {
            title: tr.t("stats-title"),
            user: Some(bar(&tr, &user)),
            csrf: user.session.csrf_token.clone(),
            charts: d
                .tables
                .iter()
                .map(|t| chart(&tr, &t.id, &t.answer, &q))
                .collect(),
            durations: duration_views(&tr, &d),
            threshold: THRESHOLD,
            from: p.from.clone().unwrap_or_default(),
            to: p.to.clone().unwrap_or_default(),
            org: p.org.clone().unwrap_or_default(),
            region: p.region.clone().unwrap_or_default(),
            orgs,
            all_orgs,
            query: q.clone(),
            tr,
        },
    )
}

/// `/stats/tables/{id}.csv`: one dashboard table as CSV (the same released
/// cells as the page: withheld cells are empty).
async fn table_csv(
    State(app): State<AppState>,
    user: WebUser,
    Path(file): Path<String>,
    Query(p): Query<StatsParams>,
) -> Response {
    let tr = tr_for(&user);
    let Some(id) = file.strip_suffix(".csv") else {
        return error_page(&tr, &user, AppError::not_found("no such table"));
    };
    let known = DASH_TABLES.iter().any(|(t, _)| *t == id)
        || safepath_app::stats::OTHER_TABLES.contains(&id);
    if !known {
        return error_page(&tr, &user, AppError::not_found("no such table"));
    }
    let filter = match p.filter() {
        Ok(f) => f,
        Err(e) => return error_page(&tr, &user, e),
    };
    let d = match app.stats_dashboard(user.principal(), &filter).await {
        Ok(d) => d,
        Err(e) => return error_page(&tr, &user, e),
    };
    let Some(t) = d.tables.iter().find(|t| t.id == id) else {
        return error_page(&tr, &user, AppError::not_found("no such table"));
    };
    let view = chart(&tr, id, &t.answer, "");
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = view.columns.clone();
    header.push(view.count_label.clone());
    let mut ok = w.write_record(&header).is_ok();
    for (k, v) in &view.rows {
        let mut rec: Vec<String> = k.iter().map(|s| htcds::neutralise(s)).collect();
        rec.push(v.map(|v| v.to_string()).unwrap_or_default());
        ok &= w.write_record(&rec).is_ok();
    }
    let mut total = vec![tr.t("stats-total")];
    total.resize(view.columns.len(), String::new());
    total.push(view.total.map(|v| v.to_string()).unwrap_or_default());
    ok &= w.write_record(&total).is_ok();
    match (
        ok,
        w.into_inner().ok().and_then(|b| String::from_utf8(b).ok()),
    ) {
        (true, Some(csv)) => csv_response(csv, &format!("safepath-{id}.csv"), None),
        _ => error_page(&tr, &user, AppError::internal("table csv")),
    }
}

async fn page_htcds_csv(State(app): State<AppState>, user: WebUser) -> Response {
    let tr = tr_for(&user);
    match htcds_csv(&app, user.principal()).await {
        Ok(r) => r,
        Err(e) => error_page(&tr, &user, e),
    }
}

pub struct ItemView {
    pub id: String,
    pub title: String,
    pub definition: String,
    pub source: String,
    pub value: String,
    pub status: String,
    pub status_label: String,
    pub trend: String,
}

#[derive(Template)]
#[template(path = "checklist.html")]
struct ChecklistPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    items: Vec<ItemView>,
}

pub(crate) fn item_view(tr: &Tr, i: &Item) -> ItemView {
    let text = |suffix: &str, fallback: &str| {
        let key = format!("checklist-{}-{suffix}", i.id);
        if tr.has(&key) {
            tr.t(key)
        } else {
            fallback.to_string()
        }
    };
    let status = serde_json::to_value(i.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let trend = serde_json::to_value(i.trend)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let value = match (i.value, i.unit.as_str()) {
        (None, _) => "—".to_string(),
        (Some(v), "share") => format!("{:.0}%", v * 100.0),
        (Some(v), "days") => format!("{v:.0} {}", tr.t("stats-days")),
        (Some(v), _) => format!("{v:.0}"),
    };
    ItemView {
        id: i.id.clone(),
        title: text("title", &i.title),
        definition: text("definition", &i.definition),
        source: text("source", &i.source),
        value,
        status_label: tr.t(format!("checklist-status-{status}")),
        status,
        trend: tr.t(format!("checklist-trend-{trend}")),
    }
}

async fn checklist_page(State(app): State<AppState>, user: WebUser) -> Response {
    let tr = tr_for(&user);
    let items = match app.checklist(user.principal()).await {
        Ok(i) => i,
        Err(e) => return error_page(&tr, &user, e),
    };
    render(
        StatusCode::OK,
        &ChecklistPage {
            title: tr.t("checklist-title"),
            user: Some(bar(&tr, &user)),
            csrf: user.session.csrf_token.clone(),
            items: items.iter().map(|i| item_view(&tr, i)).collect(),
            tr,
        },
    )
}

#[cfg(test)]
mod tests {
    use crate::i18n::Tr;
    use safepath_stats::checklist::{ChecklistInputs, compute};

    /// The page's English words of each checklist item are the API's (the
    /// `safepath-stats` definitions): edited in one place, they would drift.
    #[test]
    fn the_pages_checklist_words_are_the_apis_in_english() {
        let tr = Tr::new("en");
        for item in compute(&ChecklistInputs::default(), None, 11) {
            for (part, text) in [
                ("title", &item.title),
                ("definition", &item.definition),
                ("source", &item.source),
            ] {
                assert_eq!(
                    &tr.t(format!("checklist-{}-{part}", item.id)),
                    text,
                    "{} {part}",
                    item.id
                );
            }
        }
    }

    /// Quarters and months of the tables read as months in the reader's
    /// language; anything else is shown as it came.
    #[test]
    fn quarters_and_months_read_as_months() {
        let en = Tr::new("en");
        assert_eq!(
            super::label(&en, "quarter", "2026-Q4"),
            "October – December 2026"
        );
        assert_eq!(
            super::label(&en, "quarter", "2025-Q1"),
            "January – March 2025"
        );
        assert_eq!(super::label(&en, "month", "2026-03"), "March 2026");
        for odd in ["2026-Q5", "2026-Q0", "2026", "Q4"] {
            assert_eq!(super::label(&en, "quarter", odd), odd);
        }
        assert_eq!(super::label(&en, "month", "2026-13"), "2026-13");
        let th = Tr::new("th");
        assert_ne!(
            super::label(&th, "quarter", "2026-Q4"),
            "October – December 2026"
        );
    }
}
