//! Staff trainings over HTTP: the page *Trainings* (`/trainings`, the
//! organisation's coordinators) and `GET|POST /api/v1/trainings`. Every
//! decision on access is the app's (`App::trainings`, `record_training`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use safepath_app::trainings::{NewTrainingRequest, TrainingView, Trainings};
use safepath_app::{AppError, ErrorKind};
use safepath_domain::training::TrainingTopic;
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiJson;
use crate::auth::{ApiUser, WebUser};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::Tr;
use crate::ui::{Fields, Posted, UserBar, bar, error_page, render, tr_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/trainings", get(page).post(submit))
        .route("/api/v1/trainings", get(api_list).post(api_record))
}

#[utoipa::path(get, path = "/api/v1/trainings", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = Trainings), (status = 403, body = ErrorBody)))]
pub async fn api_list(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Trainings>, ApiError> {
    Ok(Json(app.trainings(&user).await?))
}

#[utoipa::path(post, path = "/api/v1/trainings", tag = "organisations", security(("bearer" = [])),
    request_body = NewTrainingRequest,
    responses((status = 201, body = TrainingView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_record(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<NewTrainingRequest>,
) -> Result<(StatusCode, Json<TrainingView>), ApiError> {
    let t = app.record_training(&user, req).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

struct Row {
    topic: String,
    held_on: String,
    held_on_words: String,
    attendees: String,
    note: Option<String>,
    recorded_by: String,
}

#[derive(Template)]
#[template(path = "trainings.html")]
struct TrainingsPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    rows: Vec<Row>,
    topics: Vec<(String, String)>,
    /// (id, name, role in words, ticked).
    staff: Vec<(Uuid, String, String, bool)>,
    today: String,
    kept_held_on: String,
    kept_topic: String,
    kept_note: String,
    error: Option<(String, String)>,
    message: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn page(State(app): State<AppState>, user: WebUser, Query(q): Query<Done>) -> Response {
    let tr = tr_for(&user);
    let message = (q.done.as_deref() == Some("recorded")).then(|| tr.t("trainings-done"));
    show(&app, &tr, &user, StatusCode::OK, None, message).await
}

async fn show(
    app: &AppState,
    tr: &Tr,
    user: &WebUser,
    status: StatusCode,
    refused: Option<(&AppError, &Fields)>,
    message: Option<String>,
) -> Response {
    let list = match app.trainings(user.principal()).await {
        Ok(l) => l,
        Err(e) => return error_page(tr, user, e),
    };
    let role = |r: &safepath_domain::org::Role| tr.t(format!("role-{}", r.as_str()));
    let rows = list
        .items
        .iter()
        .map(|t| Row {
            topic: tr.t(format!("training-topic-{}", t.topic.as_str())),
            held_on_words: tr.day(&t.held_on),
            held_on: t.held_on.clone(),
            attendees: t
                .attendees
                .iter()
                .map(|a| a.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
            note: t.note.clone(),
            recorded_by: t.recorded_by.clone(),
        })
        .collect();
    let kept = |k: &str| {
        refused
            .map(|(_, f)| f.get(k).to_owned())
            .unwrap_or_default()
    };
    let ticked: Vec<String> = refused
        .map(|(_, f)| f.all("attendee_ids"))
        .unwrap_or_default();
    let error = refused.and_then(|(e, _)| field_error(tr, e));
    render(
        status,
        &TrainingsPage {
            title: tr.t("trainings-title"),
            user: Some(bar(tr, user)),
            csrf: user.session.csrf_token.clone(),
            rows,
            topics: TrainingTopic::ALL
                .iter()
                .map(|t| {
                    (
                        t.as_str().to_owned(),
                        tr.t(format!("training-topic-{}", t.as_str())),
                    )
                })
                .collect(),
            staff: list
                .staff
                .iter()
                .map(|s| {
                    (
                        s.id,
                        s.name.clone(),
                        role(&s.role),
                        ticked.contains(&s.id.to_string()),
                    )
                })
                .collect(),
            today: app.today_iso(),
            kept_held_on: kept("held_on"),
            kept_topic: kept("topic"),
            kept_note: kept("note"),
            error,
            message,
            tr: tr.clone(),
        },
    )
}

/// The field a refusal concerns, and its words.
fn field_error(tr: &Tr, e: &AppError) -> Option<(String, String)> {
    let field = e.message.split(':').next().unwrap_or_default().trim();
    let key = match field {
        "held_on" | "topic" | "attendees" | "note" => format!("trainings-error-{field}"),
        _ => return None,
    };
    Some((field.to_owned(), tr.t(key)))
}

async fn submit(State(app): State<AppState>, Posted { user, fields: f }: Posted) -> Response {
    let tr = tr_for(&user);
    let topic = TrainingTopic::parse(f.get("topic")).map_err(AppError::from);
    let attendees: Result<Vec<Uuid>, AppError> = f
        .all("attendee_ids")
        .iter()
        .map(|v| {
            Uuid::parse_str(v).map_err(|_| {
                AppError::bad_request(
                    "invalid_field",
                    "attendees: only members of your organisation's staff",
                )
            })
        })
        .collect();
    let result = match (topic, attendees) {
        (Ok(topic), Ok(attendee_ids)) => {
            app.record_training(
                user.principal(),
                NewTrainingRequest {
                    held_on: f.get("held_on").to_owned(),
                    topic,
                    attendee_ids,
                    note: Some(f.get("note").to_owned()),
                },
            )
            .await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/trainings?done=recorded").into_response(),
        Err(e) if e.kind == ErrorKind::BadRequest && field_error(&tr, &e).is_some() => {
            show(
                &app,
                &tr,
                &user,
                StatusCode::BAD_REQUEST,
                Some((&e, &f)),
                None,
            )
            .await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}
