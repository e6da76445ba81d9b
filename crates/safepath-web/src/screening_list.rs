//! The responder's own screenings (`/screenings`, `GET /api/v1/screenings`):
//! newest first, each in words — when, the work or situation, adult or
//! child, the result, whether it was referred — and a link to its result
//! page. Coordinators see their organisation's. Routes are declared with the
//! screening's own in `identification.rs` (same paths, other methods).

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use safepath_app::screening_list::{SCREENING_LIST_LIMIT, ScreeningList};
use safepath_screening::{Locale, Outcome, outcome_label};

use crate::AppState;
use crate::auth::{ApiUser, WebUser};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::{FluentArg, Tr};
use crate::ui::{UserBar, bar, error_page, render, tr_for};

#[utoipa::path(get, path = "/api/v1/screenings", tag = "screening", security(("bearer" = [])),
    responses((status = 200, body = ScreeningList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_list(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<ScreeningList>, ApiError> {
    Ok(Json(app.list_screenings(&user).await?))
}

/// One row of the page, in words.
struct Row {
    id: String,
    when: String,
    situation: String,
    age_group: String,
    outcome: String,
    outcome_code: String,
    referred: bool,
    case_id: Option<String>,
    mine: bool,
}

#[derive(Template)]
#[template(path = "screenings.html")]
struct ListPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    organisation: bool,
    rows: Vec<Row>,
    cut: Option<String>,
}

/// The result's name in the interface language (the code if unknown).
pub(crate) fn outcome_words(code: &str, tr: &Tr) -> String {
    let locale = Locale::parse(tr.code()).unwrap_or(Locale::En);
    Outcome::BY_SEVERITY
        .iter()
        .find(|o| o.as_str() == code)
        .map(|o| outcome_label(*o, locale).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

pub async fn list_page(State(app): State<AppState>, user: WebUser) -> Response {
    let tr = tr_for(&user);
    let list = match app.list_screenings(user.principal()).await {
        Ok(list) => list,
        Err(e) => return error_page(&tr, &user, e),
    };
    let rows = list
        .items
        .into_iter()
        .map(|s| Row {
            when: tr.when(&s.created_at),
            situation: tr.label_or("form-", &s.form),
            age_group: tr.t(if s.population == "child" {
                "screenings-child"
            } else {
                "screenings-adult"
            }),
            outcome: outcome_words(&s.outcome, &tr),
            outcome_code: s.outcome,
            referred: s.referred,
            case_id: s.case_id.map(|c| c.to_string()),
            mine: s.mine,
            id: s.id,
        })
        .collect();
    let cut = list.cut.then(|| {
        tr.t_args(
            "screenings-cut",
            &[("count", FluentArg::Number(i64::from(SCREENING_LIST_LIMIT)))],
        )
    });
    let organisation = list.scope == "organisation";
    render(
        StatusCode::OK,
        &ListPage {
            title: tr.t(if organisation {
                "screenings-title-org"
            } else {
                "screenings-title"
            }),
            user: Some(bar(&tr, &user)),
            csrf: user.session.csrf_token.clone(),
            organisation,
            rows,
            cut,
            tr,
        },
    )
}
