//! Public releases of statistics in the browser (issue 13): the persons
//! dataset's privacy budget as spent so far, and a release of differentially
//! private synthetic records (`/stats/releases`, analysts and administrators;
//! everyone else gets the answer the API gives them). The released file is
//! handed over in the answer itself — nothing of it is kept here, and a
//! second download spends nothing.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use base64::Engine;
use safepath_app::AppError;
use safepath_app::stats_synthetic::{BudgetView, COLUMNS, SyntheticRequest};

use crate::AppState;
use crate::auth::WebUser;
use crate::i18n::{FluentArg, Tr};
use crate::ui::Posted;
use crate::ui::{UserBar, bar, error_page, render, tr_for};

pub fn routes() -> Router<AppState> {
    Router::new().route("/stats/releases", get(page).post(release))
}

/// A release just made: what it is, in words, and its file.
struct Released {
    text: String,
    statement: String,
    file_name: String,
    /// `data:text/csv;base64,…`: the file, in this answer only.
    href: String,
}

#[derive(Template)]
#[template(path = "stats_releases.html")]
struct ReleasesPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    spent: String,
    left: String,
    releases: usize,
    max_epsilon: String,
    epsilon: String,
    error: Option<String>,
    released: Option<Released>,
}

/// ε as people read it: at most two decimals, no trailing zeros.
fn eps(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn show(
    tr: Tr,
    user: &WebUser,
    b: BudgetView,
    status: StatusCode,
    epsilon: String,
    error: Option<String>,
    released: Option<Released>,
) -> Response {
    render(
        status,
        &ReleasesPage {
            title: tr.t("releases-title"),
            user: Some(bar(&tr, user)),
            csrf: user.session.csrf_token.clone(),
            spent: eps(b.spent_epsilon),
            left: eps((b.total_epsilon - b.spent_epsilon).max(0.0)),
            releases: b.releases,
            max_epsilon: eps(b.max_synthetic_epsilon),
            epsilon,
            error,
            released,
            tr,
        },
    )
}

async fn page(State(app): State<AppState>, user: WebUser) -> Response {
    let tr = tr_for(&user);
    match app.privacy_budget(user.principal()).await {
        Ok(b) => show(tr, &user, b, StatusCode::OK, "1".into(), None, None),
        Err(e) => error_page(&tr, &user, e),
    }
}

/// The page again with the error beside ε and what was typed kept;
/// nothing was released or spent.
async fn refused(app: &AppState, user: &WebUser, typed: String, words: String) -> Response {
    let tr = tr_for(user);
    match app.privacy_budget(user.principal()).await {
        Ok(b) => show(
            tr,
            user,
            b,
            StatusCode::UNPROCESSABLE_ENTITY,
            typed,
            Some(words),
            None,
        ),
        Err(e) => error_page(&tr, user, e),
    }
}

async fn release(State(app): State<AppState>, Posted { user, fields: f }: Posted) -> Response {
    let tr = tr_for(&user);
    let typed = f.get("epsilon").trim().to_owned();
    let Ok(epsilon) = typed.replace(',', ".").parse::<f64>() else {
        return refused(&app, &user, typed, tr.t("releases-error-epsilon")).await;
    };
    match app
        .stats_synthetic(user.principal(), &SyntheticRequest { epsilon })
        .await
    {
        Ok(s) => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let mut ok = w.write_record(COLUMNS).is_ok();
            for r in &s.rows {
                ok &= w.write_record(r).is_ok();
            }
            let bytes = match (ok, w.into_inner()) {
                (true, Ok(b)) => b,
                _ => return error_page(&tr, &user, AppError::internal("synthetic csv")),
            };
            let released = Released {
                text: tr.t_args(
                    "releases-done",
                    &[
                        (
                            "records",
                            FluentArg::Number(i64::try_from(s.rows.len()).unwrap_or(i64::MAX)),
                        ),
                        ("epsilon", FluentArg::Text(eps(s.epsilon))),
                    ],
                ),
                statement: s.statement.clone(),
                file_name: format!("safepath-synthetic-persons-epsilon-{}.csv", eps(s.epsilon)),
                href: format!(
                    "data:text/csv;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(&bytes)
                ),
            };
            match app.privacy_budget(user.principal()).await {
                Ok(b) => show(tr, &user, b, StatusCode::OK, typed, None, Some(released)),
                Err(e) => error_page(&tr, &user, e),
            }
        }
        Err(e) if e.code == "synthetic_release_empty" => {
            refused(&app, &user, typed, tr.t("releases-error-empty")).await
        }
        Err(e) if e.code == "privacy_budget_exceeded" => {
            refused(&app, &user, typed, tr.t("releases-error-budget")).await
        }
        Err(e) if e.kind == safepath_app::ErrorKind::BadRequest => {
            refused(&app, &user, typed, tr.t("releases-error-epsilon")).await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}
