//! The service directory, shelters, shelter stays and the possible-detention
//! review: JSON API and pages (which work with JavaScript off).
//!
//! A shelter's location appears only where the app put it: `GET
//! /api/v1/shelters/{id}` and `/shelters/{id}` for the shelter's staff, and a
//! case's stays (API and `/cases/{id}/stays`) for the shelter's staff and the
//! person's case manager. Lists and the directory never carry it.

use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_app::AppError;
use safepath_app::admin::Operator;
use safepath_app::directory::*;
use safepath_domain::casework::directory::{ServiceEligibility, ServiceType};
use safepath_domain::casework::shelter::ShelterType;
use uuid::Uuid;

use crate::AppState;
use crate::api::{ApiJson, Items, body_bytes, parse_json};
use crate::auth::{ApiUser, WebUser};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::Tr;
use crate::ui::Posted;
use crate::ui::{Fields, UserBar, bar, country_name, error_page, render, tr_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/services",
            get(api_services).post(api_create_service),
        )
        .route(
            "/api/v1/services/{id}",
            axum::routing::patch(api_update_service),
        )
        .route("/api/v1/orgs/{id}/services", get(api_org_services))
        .route(
            "/api/v1/shelters",
            get(api_shelters).post(api_create_shelter),
        )
        .route("/api/v1/shelters/{id}", get(api_shelter))
        .route("/api/v1/shelters/{id}/residents", get(api_residents))
        .route(
            "/api/v1/cases/{id}/stays",
            get(api_case_stays).post(api_admit),
        )
        .route("/api/v1/stays/{id}/leave", post(api_leave))
        .route("/api/v1/detention-flags", get(api_detention_flags))
        .route("/directory", get(directory_page))
        .route("/directory/services", post(service_submit))
        .route("/shelters/detention", get(detention_page))
        .route("/shelters/{id}", get(shelter_page))
        .route("/cases/{id}/stays", get(stays_page).post(admit_submit))
        .route("/stays/{id}/leave", post(leave_submit))
}

fn case_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError(AppError::case_not_found()))
}

// ---------- API ----------

#[utoipa::path(get, path = "/api/v1/services", tag = "directory", security(("bearer" = [])),
    responses((status = 200, body = Items<ServiceView>), (status = 401, body = ErrorBody)))]
pub async fn api_services(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Items<ServiceView>>, ApiError> {
    Ok(Json(Items {
        items: app.services(&user, None).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/orgs/{id}/services", tag = "directory", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Items<ServiceView>), (status = 404, body = ErrorBody)))]
pub async fn api_org_services(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Items<ServiceView>>, ApiError> {
    let id =
        Uuid::parse_str(&id).map_err(|_| ApiError(AppError::not_found("no such organisation")))?;
    Ok(Json(Items {
        items: app.services(&user, Some(id)).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/services", tag = "directory", security(("bearer" = [])), request_body = NewService,
    responses((status = 201, body = ServiceView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_create_service(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<NewService>,
) -> Result<(StatusCode, Json<ServiceView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(app.create_service(Operator::User(&user), req).await?),
    ))
}

#[utoipa::path(patch, path = "/api/v1/services/{id}", tag = "directory", security(("bearer" = [])), params(("id" = String, Path)), request_body = ServicePatch,
    responses((status = 200, body = ServiceView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn api_update_service(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ServicePatch>,
) -> Result<Json<ServiceView>, ApiError> {
    Ok(Json(
        app.update_service(Operator::User(&user), &id, req).await?,
    ))
}

/// Every shelter with its type, regime, beds and occupancy; never a location.
#[utoipa::path(get, path = "/api/v1/shelters", tag = "directory", security(("bearer" = [])),
    responses((status = 200, body = Items<ShelterView>), (status = 401, body = ErrorBody)))]
pub async fn api_shelters(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Items<ShelterView>>, ApiError> {
    Ok(Json(Items {
        items: app.shelters(&user).await?,
    }))
}

/// One shelter; `location` is present only for the shelter's own staff (audited).
#[utoipa::path(get, path = "/api/v1/shelters/{id}", tag = "directory", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ShelterView), (status = 404, body = ErrorBody)))]
pub async fn api_shelter(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ShelterView>, ApiError> {
    Ok(Json(app.shelter(&user, &id).await?))
}

/// Who stays in a shelter now, for the shelter's own staff (403 for anyone
/// else): names only where the reader may open the case.
#[utoipa::path(get, path = "/api/v1/shelters/{id}/residents", tag = "directory", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Items<ResidentView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_residents(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Items<ResidentView>>, ApiError> {
    Ok(Json(Items {
        items: app.shelter_residents(&user, &id).await?,
    }))
}

/// Registers a shelter of your organisation (coordinators).
#[utoipa::path(post, path = "/api/v1/shelters", tag = "directory", security(("bearer" = [])), request_body = NewShelter,
    responses((status = 201, body = ShelterView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_create_shelter(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<NewShelter>,
) -> Result<(StatusCode, Json<ShelterView>), ApiError> {
    let org = user.org();
    Ok((
        StatusCode::CREATED,
        Json(app.create_shelter(Operator::User(&user), org, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/stays", tag = "directory", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Items<StayView>), (status = 404, body = ErrorBody)))]
pub async fn api_case_stays(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Items<StayView>>, ApiError> {
    Ok(Json(Items {
        items: app.case_stays(&user, case_id(&id)?).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/stays", tag = "directory", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewStay,
    responses((status = 201, body = StayView), (status = 400, description = "Bad input or not eligible (code says which rule)", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`shelter_full` or `already_staying`", body = ErrorBody)))]
pub async fn api_admit(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewStay>,
) -> Result<(StatusCode, Json<StayView>), ApiError> {
    let id = case_id(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(app.admit_stay(&user, id, req).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/stays/{id}/leave", tag = "directory", security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = LeaveStay, description = "Optional; default: left today"),
    responses((status = 200, body = StayView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn api_leave(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Request,
) -> Result<Json<StayView>, ApiError> {
    let bytes = body_bytes(req, &()).await?;
    let body: LeaveStay = if bytes.iter().all(u8::is_ascii_whitespace) {
        LeaveStay::default()
    } else {
        parse_json(&bytes)?
    };
    Ok(Json(app.leave_stay(&user, &id, body).await?))
}

/// Stays of your organisation's cases that may amount to detention (coordinators).
#[utoipa::path(get, path = "/api/v1/detention-flags", tag = "directory", security(("bearer" = [])),
    responses((status = 200, body = Items<DetentionFlagView>), (status = 403, body = ErrorBody)))]
pub async fn api_detention_flags(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Items<DetentionFlagView>>, ApiError> {
    Ok(Json(Items {
        items: app.possible_detentions(&user).await?,
    }))
}

// ---------- pages ----------

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    orgs: Vec<DirectoryOrg>,
    /// Organisations whose services this user may add to.
    editable_orgs: Vec<(Uuid, String)>,
    service_types: Vec<&'static str>,
    /// Coordinators review possible detention from here.
    reviews_detention: bool,
    /// (code, name) of the languages and of the region's countries the
    /// service form offers, by name.
    languages: Vec<(&'static str, String)>,
    countries: Vec<(&'static str, String)>,
    /// The service form as it was sent, when it was refused.
    form: ServiceForm,
    /// What the last action did.
    message: Option<String>,
}

/// The add-a-service form: what was typed and ticked, and the refusal (the
/// field and its words).
#[derive(Default)]
struct ServiceForm {
    values: std::collections::BTreeMap<String, String>,
    ticked: Vec<String>,
    error: Option<(String, String)>,
}

impl ServiceForm {
    fn value(&self, k: &str) -> &str {
        self.values.get(k).map_or("", String::as_str)
    }
    fn ticked(&self, code: &str) -> bool {
        self.ticked.iter().any(|c| c == code)
    }
    fn error(&self, field: &str) -> Option<&str> {
        match &self.error {
            Some((f, words)) if f == field => Some(words),
            _ => None,
        }
    }
}

/// The form field a refusal of a new service concerns, and its words.
fn service_field_error(tr: &Tr, e: &AppError) -> (String, String) {
    let field = e.message.split(':').next().unwrap_or_default().trim();
    let (field, key) = match field {
        "name" => ("name", "directory-error-name"),
        "hours" | "cost_note" | "area_served" => (field, "directory-error-too-long"),
        "capacity" => ("capacity", "directory-error-capacity"),
        "min_age" | "max_age" | "eligibility.min_age/max_age" | "eligibility.min_age" => {
            ("min_age", "directory-error-ages")
        }
        "languages" => ("languages", "directory-error-languages"),
        "eligibility.nationalities" => ("nationalities", "directory-error-nationalities"),
        _ => ("form", "directory-error-form"),
    };
    (field.to_owned(), tr.t(key))
}

impl DirectoryPage {
    /// Languages by their names in the reader's language.
    fn language_names(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| crate::ui::language_name(&self.tr, c))
            .collect::<Vec<_>>()
            .join(", ")
    }
    /// A country (ISO 3166-1 alpha-3) by its name.
    fn country(&self, code: &str) -> String {
        country_name(&self.tr, code)
    }
    /// Countries (ISO 3166-1 alpha-3) by their names.
    fn country_names(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| country_name(&self.tr, c))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(serde::Deserialize)]
pub struct DirectoryDone {
    done: Option<String>,
}

async fn directory_page(
    State(app): State<AppState>,
    user: WebUser,
    axum::extract::Query(q): axum::extract::Query<DirectoryDone>,
) -> Response {
    let tr = tr_for(&user);
    let message = (q.done.as_deref() == Some("service")).then(|| tr.t("directory-service-added"));
    directory_view(&app, &user, ServiceForm::default(), message).await
}

/// The directory, with the service form as given (kept input and its
/// refusal, 422) or empty.
async fn directory_view(
    app: &AppState,
    user: &WebUser,
    form: ServiceForm,
    message: Option<String>,
) -> Response {
    let tr = tr_for(user);
    let p = user.principal();
    match app.directory(p).await {
        Ok(orgs) => {
            let editable_orgs = orgs
                .iter()
                .filter(|o| {
                    safepath_domain::access::capabilities(p.actor.role)
                        .edits_directory_of(p.org(), safepath_domain::ids::OrgId(o.id))
                })
                .map(|o| (o.id, o.name.clone()))
                .collect();
            let status = if form.error.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            render(
                status,
                &DirectoryPage {
                    reviews_detention: safepath_domain::access::capabilities(p.actor.role)
                        .reviews_detention,
                    title: tr.t("directory-title"),
                    user: Some(bar(&tr, user)),
                    csrf: user.session.csrf_token.clone(),
                    orgs,
                    editable_orgs,
                    service_types: ServiceType::ALL.iter().map(|t| t.as_str()).collect(),
                    languages: crate::ui::LANGUAGES
                        .iter()
                        .map(|c| (*c, crate::ui::language_name(&tr, c)))
                        .collect(),
                    countries: crate::ui::REGION_NATIONALITIES
                        .iter()
                        .map(|(a3, a2)| (*a3, tr.label_or("country-", a2)))
                        .collect(),
                    form,
                    message,
                    tr,
                },
            )
        }
        Err(e) => error_page(&tr, user, e),
    }
}

fn opt(f: &Fields, k: &str) -> Option<String> {
    Some(f.get(k).trim().to_owned()).filter(|v| !v.is_empty())
}

/// The codes ticked under `ticked` (one field per choice) and any typed,
/// comma-separated, under `typed`; each once.
fn list(f: &Fields, ticked: &str, typed: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let typed = f.get(typed).split([',', ' ']).map(str::to_owned);
    for code in f.all(ticked).into_iter().chain(typed) {
        let code = code.trim();
        if !code.is_empty() && !out.iter().any(|c| c.eq_ignore_ascii_case(code)) {
            out.push(code.to_owned());
        }
    }
    out
}

async fn service_submit(
    State(app): State<AppState>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let bad =
        |field: &str| AppError::bad_request("invalid_field", format!("{field}: is not valid"));
    let parsed = (|| -> Result<NewService, AppError> {
        let number = |k: &str| -> Result<Option<i64>, AppError> {
            opt(&f, k)
                .map(|v| v.parse().map_err(|_| bad(k)))
                .transpose()
        };
        let age = |k: &str| -> Result<Option<u8>, AppError> {
            opt(&f, k)
                .map(|v| v.parse().map_err(|_| bad(k)))
                .transpose()
        };
        Ok(NewService {
            org_id: opt(&f, "org_id")
                .map(|v| Uuid::parse_str(&v).map_err(|_| bad("org_id")))
                .transpose()?,
            name: f.get("name").to_owned(),
            service_type: ServiceType::parse(f.get("service_type"))?,
            languages: list(&f, "language", "languages"),
            eligibility: ServiceEligibility {
                min_age: age("min_age")?,
                max_age: age("max_age")?,
                nationalities: list(&f, "nationality", "nationalities"),
                ..Default::default()
            },
            capacity: number("capacity")?,
            hours: opt(&f, "hours"),
            free_of_charge: f.get("free_of_charge") == "yes",
            cost_note: opt(&f, "cost_note"),
            area_served: opt(&f, "area_served"),
        })
    })();
    let result = match parsed {
        Ok(req) => {
            app.create_service(Operator::User(user.principal()), req)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/directory?done=service").into_response(),
        // Not allowed, or an organisation that is gone: not a form's fault.
        Err(e) if e.kind != safepath_app::ErrorKind::BadRequest => error_page(&tr, &user, e),
        Err(e) => {
            let form = ServiceForm {
                values: f.kept(),
                ticked: f
                    .all("language")
                    .into_iter()
                    .chain(f.all("nationality"))
                    .collect(),
                error: Some(service_field_error(&tr, &e)),
            };
            directory_view(&app, &user, form, None).await
        }
    }
}

#[derive(Template)]
#[template(path = "shelter.html")]
struct ShelterPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    s: ShelterView,
    /// The shelter's staff see who stays there.
    residents: Option<Vec<ResidentView>>,
    message: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct ShelterDone {
    done: Option<String>,
}

async fn shelter_page(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ShelterDone>,
) -> Response {
    let tr = tr_for(&user);
    let s = match app.shelter(user.principal(), &id).await {
        Ok(s) => s,
        Err(e) => return error_page(&tr, &user, e),
    };
    let residents = match app.shelter_residents(user.principal(), &id).await {
        Ok(r) => Some(r),
        Err(e) if e.kind == safepath_app::ErrorKind::Forbidden => None,
        Err(e) => return error_page(&tr, &user, e),
    };
    render(
        StatusCode::OK,
        &ShelterPage {
            title: s.name.clone(),
            user: Some(bar(&tr, &user)),
            csrf: user.session.csrf_token.clone(),
            s,
            residents,
            message: (q.done.as_deref() == Some("left")).then(|| tr.t("residents-done-left")),
            tr,
        },
    )
}

#[derive(Template)]
#[template(path = "stays.html")]
struct StaysPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    case_id: Uuid,
    stays: Vec<StayView>,
    shelters: Vec<ShelterView>,
    shelter_types: Vec<&'static str>,
    current: bool,
}

async fn stays_page(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let tr = tr_for(&user);
    let Ok(case) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::case_not_found());
    };
    let stays = match app.case_stays(user.principal(), case).await {
        Ok(s) => s,
        Err(e) => return error_page(&tr, &user, e),
    };
    let shelters = match app.shelters(user.principal()).await {
        Ok(s) => s,
        Err(e) => return error_page(&tr, &user, e),
    };
    render(
        StatusCode::OK,
        &StaysPage {
            title: tr.t("stays-title"),
            user: Some(bar(&tr, &user)),
            csrf: user.session.csrf_token.clone(),
            case_id: case,
            current: stays.iter().any(|s| s.current),
            stays,
            shelters,
            shelter_types: ShelterType::ALL.iter().map(|t| t.as_str()).collect(),
            tr,
        },
    )
}

async fn admit_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let Ok(case) = Uuid::parse_str(&id) else {
        return error_page(&tr, &user, AppError::case_not_found());
    };
    let chosen = match opt(&f, "chosen_shelter_type") {
        None => Ok(None),
        Some(v) => ShelterType::parse(&v).map(Some).map_err(AppError::from),
    };
    let free = match f.get("free_to_leave") {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(AppError::bad_request(
            "missing_field",
            "free_to_leave: say whether the person may leave freely",
        )),
    };
    let result = match (chosen, free) {
        (Ok(chosen), Ok(free_to_leave)) => {
            app.admit_stay(
                user.principal(),
                case,
                NewStay {
                    shelter_id: f.get("shelter_id").to_owned(),
                    admitted_on: opt(&f, "admitted_on"),
                    free_to_leave,
                    chosen_shelter_type: chosen,
                    treat_as_child: f.get("treat_as_child") == "yes",
                },
            )
            .await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/cases/{case}/stays")).into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn leave_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    match app
        .leave_stay(
            user.principal(),
            &id,
            LeaveStay {
                left_on: opt(&f, "left_on"),
            },
        )
        .await
    {
        // From the shelter's list of residents, back to it.
        Ok(s) if f.get("from") == "shelter" => {
            Redirect::to(&format!("/shelters/{}?done=left", s.shelter_id)).into_response()
        }
        Ok(s) => Redirect::to(&format!("/cases/{}/stays", s.case_id)).into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

#[derive(Template)]
#[template(path = "detention.html")]
struct DetentionPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    items: Vec<DetentionFlagView>,
    max_days: u32,
}

async fn detention_page(State(app): State<AppState>, user: WebUser) -> Response {
    let tr = tr_for(&user);
    match app.possible_detentions(user.principal()).await {
        Ok(items) => render(
            StatusCode::OK,
            &DetentionPage {
                title: tr.t("detention-title"),
                user: Some(bar(&tr, &user)),
                csrf: user.session.csrf_token.clone(),
                items,
                max_days: app.max_stay_days(),
                tr,
            },
        ),
        Err(e) => error_page(&tr, &user, e),
    }
}
