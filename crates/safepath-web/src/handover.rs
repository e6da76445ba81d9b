//! The cross-border handover's inbox: `POST /api/v1/handover/inbox` takes a
//! message sealed by a registered partner deployment (signed with its
//! Ed25519 key, HPKE-encrypted to ours; see docs/handover.md). No session or
//! token: the envelope's signature is the authentication. Anything else —
//! garbage, JSON that is not sealed, a replay, a message from an
//! unregistered deployment — is answered 4xx with a JSON error and changes
//! nothing.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_app::AppError;
use safepath_app::handover::HandoverReceipt;
use safepath_app::handover_cases::{
    HandoverStarted, HandoverSummary, NewHandover, NewSecurityAssessment, SecurityAssessmentView,
};
use uuid::Uuid;

use crate::AppState;
use crate::api::{ApiJson, Items, body_bytes};
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/handover/inbox", post(api_inbox))
        .route(
            "/api/v1/cases/{id}/handovers",
            get(case_handovers).post(start_handover),
        )
        .route(
            "/api/v1/cases/{id}/security-assessments",
            get(security_assessments).post(record_security_assessment),
        )
}

fn case_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError(AppError::case_not_found()))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/handovers", tag = "handover", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewHandover,
    responses(
        (status = 201, description = "The handover, `requested`, its request sealed to the partner in the outbox", body = HandoverStarted),
        (status = 400, description = "A bad body, or `unknown_partner`", body = ErrorBody),
        (status = 403, description = "`consent_required`: no effective `cross_border_handover` consent names the partner's organisation and covers every category", body = ErrorBody),
        (status = 404, description = "No such case, or one you may not edit", body = ErrorBody),
        (status = 409, description = "`security_assessment_required`, `international_protection_needed`, `return_blocked_reflection_period`, `return_blocked_protection_pending`, `return_unsafe`, `best_interests_determination_required`, `family_assessment_required`", body = ErrorBody)))]
pub async fn start_handover(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewHandover>,
) -> Result<(StatusCode, Json<HandoverStarted>), ApiError> {
    let id = case_id(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(app.start_handover(&user, id, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/handovers", tag = "handover", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The case's handovers: states, partners, dates — nothing of the person", body = Items<HandoverSummary>), (status = 404, body = ErrorBody)))]
pub async fn case_handovers(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Items<HandoverSummary>>, ApiError> {
    let id = case_id(&id)?;
    Ok(Json(Items {
        items: app.case_handovers(&user, id).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/security-assessments", tag = "handover", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewSecurityAssessment,
    responses((status = 201, description = "Recorded (sealed), with its outcome", body = SecurityAssessmentView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_security_assessment(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewSecurityAssessment>,
) -> Result<(StatusCode, Json<SecurityAssessmentView>), ApiError> {
    let id = case_id(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(app.record_security_assessment(&user, id, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/security-assessments", tag = "handover", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Items<SecurityAssessmentView>), (status = 404, body = ErrorBody)))]
pub async fn security_assessments(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Items<SecurityAssessmentView>>, ApiError> {
    let id = case_id(&id)?;
    Ok(Json(Items {
        items: app.security_assessments(&user, id).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/handover/inbox", tag = "handover",
    request_body(content = String, content_type = "application/json", description = "A sealed envelope `{\"v\", \"suite\", \"sender\", \"recipient\", \"enc\", \"ciphertext\"}`"),
    responses(
        (status = 200, description = "Accepted (or received before: `duplicate`)", body = HandoverReceipt),
        (status = 400, description = "Not a sealed message, wrong recipient, undecryptable, expired, or not a protocol message", body = ErrorBody),
        (status = 403, description = "`handover_unknown_sender`, `handover_bad_signature`, `handover_not_partner`", body = ErrorBody),
        (status = 409, description = "`handover_message_replayed`, `handover_message_out_of_order`, or refused by the protocol", body = ErrorBody)))]
pub async fn api_inbox(
    State(app): State<AppState>,
    req: Request,
) -> Result<Json<HandoverReceipt>, ApiError> {
    let bytes = body_bytes(req, &()).await?;
    let me = app.handover_identity()?;
    Ok(Json(app.receive_handover_message(&me, &bytes).await?))
}
