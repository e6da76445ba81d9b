//! `/stats/report.pdf`: the statistics and the protection checklist as a PDF
//! for a national task force, in the reader's language, typeset on the
//! server by `safepath-report` (Typst).
//!
//! The numbers are the page's: the same application calls
//! (`stats_dashboard`, `checklist`), so the same scope, disclosure control,
//! release audit and audit entries; the same views (`stats::chart`,
//! `stats::item_view`) turn them into words. Only the layout differs from
//! printing the page.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use safepath_app::stats::{Dashboard, THRESHOLD};
use safepath_app::{AppError, ErrorKind};
use safepath_report::{Checklist, ChecklistItem, Report, ReportError, Row, Table, Tone};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::AppState;
use crate::auth::WebUser;
use crate::i18n::{FluentArg, Tr};
use crate::stats::{
    ChartView, ItemView, StatsParams, chart, dashboard_for, duration_views, item_view, month_label,
};
use crate::ui::{error_page, tr_for};

fn tone(status: &str) -> Tone {
    match status {
        "green" => Tone::Good,
        "amber" => Tone::Warn,
        "red" => Tone::Bad,
        _ => Tone::None,
    }
}

fn table_of(tr: &Tr, c: &ChartView) -> Table {
    let max = c.rows.iter().filter_map(|(_, v)| *v).max().unwrap_or(0);
    Table {
        heading: c.title.clone(),
        columns: c.columns.clone(),
        count_label: c.count_label.clone(),
        rows: c
            .rows
            .iter()
            .map(|(cells, v)| Row {
                cells: cells.clone(),
                count: v.map_or_else(|| tr.t("stats-withheld"), |n| n.to_string()),
                share: match (v, max) {
                    (Some(n), m) if m > 0 => *n as f64 / m as f64,
                    _ => 0.0,
                },
            })
            .collect(),
        total_label: tr.t("stats-total"),
        total: Some(
            c.total
                .map_or_else(|| tr.t("stats-withheld"), |n| n.to_string()),
        ),
    }
}

fn durations_table(tr: &Tr, d: &Dashboard) -> Table {
    let views = duration_views(tr, d);
    let max = views.iter().filter_map(|v| v.n).max().unwrap_or(0);
    let days = |x: Option<f64>| x.map_or_else(|| "—".to_string(), |v| format!("{v:.0}"));
    Table {
        heading: tr.t("stats-durations"),
        columns: vec![String::new(), tr.t("stats-median"), tr.t("stats-p90")],
        count_label: tr.t("stats-n"),
        rows: views
            .iter()
            .map(|v| Row {
                cells: vec![v.title.clone(), days(v.median), days(v.p90)],
                count: v
                    .n
                    .map_or_else(|| tr.t("stats-withheld"), |n| n.to_string()),
                share: match (v.n, max) {
                    (Some(n), m) if m > 0 => n as f64 / m as f64,
                    _ => 0.0,
                },
            })
            .collect(),
        total_label: String::new(),
        total: None,
    }
}

fn checklist_item(i: &ItemView) -> ChecklistItem {
    ChecklistItem {
        title: i.title.clone(),
        definition: i.definition.clone(),
        value: i.value.clone(),
        status: i.status_label.clone(),
        tone: tone(&i.status),
        trend: i.trend.clone(),
    }
}

/// The report as the reader will see it.
fn report(
    tr: &Tr,
    p: &StatsParams,
    org_name: Option<String>,
    made_by: &str,
    d: &Dashboard,
    items: &[ItemView],
) -> Report {
    let now = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default();
    let from = p.from.as_deref().filter(|s| !s.is_empty());
    let to = p.to.as_deref().filter(|s| !s.is_empty());
    let period = match (from, to) {
        (None, None) => tr.t("stats-report-period-all"),
        (f, t) => tr.t_args(
            "stats-report-period",
            &[
                (
                    "from",
                    FluentArg::Text(f.map_or("…".to_string(), |s| month_label(tr, s))),
                ),
                (
                    "to",
                    FluentArg::Text(t.map_or("…".to_string(), |s| month_label(tr, s))),
                ),
            ],
        ),
    };
    let mut subtitle = vec![period, org_name.unwrap_or_else(|| tr.t("stats-all-orgs"))];
    if let Some(region) = p.region.as_deref().filter(|s| !s.is_empty()) {
        // The country by name where the catalogue has it ("ID" → Indonesia).
        let country = tr.label_or("country-", &region.to_uppercase());
        subtitle.push(format!("{}: {country}", tr.t("stats-region")));
    }
    subtitle.push(tr.t_args(
        "stats-report-made",
        &[
            ("user", FluentArg::Text(made_by.to_string())),
            ("when", FluentArg::Text(tr.when(&now))),
        ],
    ));
    let mut tables = vec![durations_table(tr, d)];
    tables.extend(
        d.tables
            .iter()
            .map(|t| table_of(tr, &chart(tr, &t.id, &t.answer, ""))),
    );
    Report {
        lang: tr.code().to_string(),
        title: tr.t("stats-report-title"),
        subtitle,
        note: tr.t_args(
            "stats-report-note",
            &[("threshold", FluentArg::Text(THRESHOLD.to_string()))],
        ),
        footer: tr.t("stats-report-footer"),
        checklist: Checklist {
            heading: tr.t("checklist-title"),
            columns: vec![
                tr.t("checklist-item"),
                tr.t("checklist-value"),
                tr.t("checklist-status"),
                tr.t("checklist-trend"),
            ],
            items: items.iter().map(checklist_item).collect(),
        },
        tables,
    }
}

/// `GET /stats/report.pdf` (the statistics page's filters): who may read the
/// statistics gets the PDF as a download; everyone else what the page gives.
pub(crate) async fn report_pdf(
    State(app): State<AppState>,
    user: WebUser,
    Query(p): Query<StatsParams>,
) -> Response {
    let tr = tr_for(&user);
    let (filter, d) = match dashboard_for(&app, &user, &p).await {
        Ok(x) => x,
        Err(e) => return error_page(&tr, &user, e),
    };
    let items = match app.checklist(user.principal()).await {
        Ok(i) => i,
        Err(e) => return error_page(&tr, &user, e),
    };
    // The coordinator's own organisation, or the one an analyst filtered on.
    let org = d.org.or(filter.org.map(safepath_domain::ids::OrgId));
    let org_name = match org {
        Some(id) => app.store().org(id).await.ok().flatten().map(|o| o.name),
        None => None,
    };
    let views: Vec<ItemView> = items.iter().map(|i| item_view(&tr, i)).collect();
    let r = report(
        &tr,
        &p,
        org_name,
        &user.principal().user.full_name,
        &d,
        &views,
    );
    // Typesetting takes CPU (a few hundred milliseconds): off the workers.
    let rendered = tokio::task::spawn_blocking(move || safepath_report::render_pdf(&r)).await;
    match rendered {
        Ok(Ok(pdf)) => pdf_response(pdf),
        Ok(Err(ReportError::MissingFonts { chars })) => {
            // The operator's to mend; the reader is told what to ask for.
            // The count only: the letters could spell a name on the report.
            let letters = chars.chars().count();
            tracing::warn!(
                letters,
                "report refused: no installed font has some of its letters; install fonts-noto-core"
            );
            error_page(
                &tr,
                &user,
                AppError::new(
                    ErrorKind::Conflict,
                    "report_fonts_missing",
                    tr.t("stats-report-no-fonts"),
                ),
            )
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "report typesetting failed");
            error_page(&tr, &user, AppError::internal("report"))
        }
        Err(_) => error_page(&tr, &user, AppError::internal("report task")),
    }
}

fn pdf_response(pdf: Vec<u8>) -> Response {
    let mut res = (StatusCode::OK, pdf).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"safepath-report.pdf\""),
    );
    res
}
