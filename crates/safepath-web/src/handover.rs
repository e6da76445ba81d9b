//! The cross-border handover's inbox: `POST /api/v1/handover/inbox` takes a
//! message sealed by a registered partner deployment (signed with its
//! Ed25519 key, HPKE-encrypted to ours; see docs/handover.md). No session or
//! token: the envelope's signature is the authentication. Anything else —
//! garbage, JSON that is not sealed, a replay, a message from an
//! unregistered deployment — is answered 4xx with a JSON error and changes
//! nothing.

use axum::extract::{Request, State};
use axum::routing::post;
use axum::{Json, Router};
use safepath_app::handover::HandoverReceipt;

use crate::AppState;
use crate::api::body_bytes;
use crate::error::{ApiError, ErrorBody};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/handover/inbox", post(api_inbox))
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
