//! The registry of agreements between countries (issue 12), in the API:
//! `GET /api/v1/agreements[?destination=TH&origin=MM]` for every staff role
//! (public instruments, no personal data; with a route, only the agreements
//! covering it, each with the return plan it pre-fills) and
//! `POST /api/v1/agreements` for coordinators and administrators.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use safepath_app::agreements::{AgreementView, NewAgreement};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::{ApiJson, Items};
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/agreements", get(api_agreements).post(api_record))
}

/// One return, to see the agreements that cover it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Route {
    /// ISO 3166-1 alpha-2 code of the country the person returns from.
    pub destination: Option<String>,
    /// ISO 3166-1 alpha-2 code of the country of origin.
    pub origin: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/agreements", tag = "handover", security(("bearer" = [])), params(Route),
    responses(
        (status = 200, description = "The registry, oldest first; with `destination` and `origin` (both or neither), the agreements covering that return, each with `return_plan`: the escort and who pays travel it pre-fills", body = Items<AgreementView>),
        (status = 400, description = "`invalid_field`: a code that is not ISO 3166-1 alpha-2, or only one of the two", body = ErrorBody)))]
pub async fn api_agreements(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<Route>,
) -> Result<Json<Items<AgreementView>>, ApiError> {
    let items = app
        .agreements(&user, q.destination.as_deref(), q.origin.as_deref())
        .await?;
    Ok(Json(Items { items }))
}

#[utoipa::path(post, path = "/api/v1/agreements", tag = "handover", security(("bearer" = [])), request_body = NewAgreement,
    responses(
        (status = 201, description = "Recorded", body = AgreementView),
        (status = 400, description = "`invalid_field`, `missing_field`, `agreement_parties_invalid` (a bilateral agreement has two parties, a regional one three or more), `agreement_contact_point_invalid` (a contact point of a country that is not a party)", body = ErrorBody),
        (status = 403, description = "Not a coordinator or an administrator", body = ErrorBody),
        (status = 409, description = "`agreement_exists`: the same title is recorded", body = ErrorBody)))]
pub async fn api_record(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<NewAgreement>,
) -> Result<(StatusCode, Json<AgreementView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(app.record_agreement(&user, req).await?),
    ))
}
