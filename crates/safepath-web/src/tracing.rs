//! Family tracing requests: the JSON API and the pages (which work with
//! JavaScript off). The requester's pages show nothing about matches; the
//! sought person's side sees matches on the cases it works on.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_app::AppError;
use safepath_app::tracing_requests::*;
use serde_json::json;

use crate::AppState;
use crate::api::{ApiJson, Items};
use crate::auth::{ApiUser, WebUser};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::Tr;
use crate::person_form::{
    FieldError, TRACING_FIELDS, birth_json, birth_words, field_error, partial_date,
    partial_date_words,
};
use crate::ui::Posted;
use crate::ui::{Fields, UserBar, bar, error_page, render, tr_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tracing-requests", get(api_list).post(api_create))
        .route("/api/v1/tracing-requests/{id}", get(api_get))
        .route("/api/v1/tracing-requests/{id}/contacts", post(api_contact))
        .route("/api/v1/tracing-matches", get(api_matches))
        .route("/api/v1/tracing-matches/{id}", get(api_match))
        .route("/api/v1/tracing-matches/{id}/answer", post(api_answer))
        .route("/tracing", get(tracing_page))
        .route("/tracing/new", get(new_page).post(new_submit))
        .route("/tracing/requests/{id}", get(request_page))
        .route("/tracing/requests/{id}/contacts", post(contact_submit))
        .route("/tracing/matches/{id}/answer", post(answer_submit))
}

#[utoipa::path(post, path = "/api/v1/tracing-requests", tag = "tracing", security(("bearer" = [])), request_body = NewTracingRequest,
    responses((status = 201, description = "Recorded and matched; the answer says nothing about matches", body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn api_create(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<NewTracingRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(app.create_tracing_request(&user, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/tracing-requests", tag = "tracing", security(("bearer" = [])),
    responses((status = 200, description = "The requests your organisation recorded", body = Items<TracingRequestSummary>), (status = 403, body = ErrorBody)))]
pub async fn api_list(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Items<TracingRequestSummary>>, ApiError> {
    Ok(Json(Items {
        items: app.list_tracing_requests(&user).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/tracing-requests/{id}", tag = "tracing", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "The requester's view: the same whether unmatched, unanswered or declined; `found` with a contact route once the person agreed", body = TracingRequestView), (status = 404, body = ErrorBody)))]
pub async fn api_get(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<TracingRequestView>, ApiError> {
    Ok(Json(app.get_tracing_request(&user, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/tracing-requests/{id}/contacts", tag = "tracing", security(("bearer" = [])), params(("id" = String, Path)), request_body = NewContact,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "The person has not agreed to contact", body = ErrorBody)))]
pub async fn api_contact(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewContact>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(app.log_tracing_contact(&user, &id, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/tracing-matches", tag = "tracing", security(("bearer" = [])),
    responses((status = 200, description = "Matches on the cases you work on (the sought person's side)", body = Items<TracingMatchView>), (status = 403, body = ErrorBody)))]
pub async fn api_matches(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Items<TracingMatchView>>, ApiError> {
    Ok(Json(Items {
        items: app.tracing_matches_for_me(&user).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/tracing-matches/{id}", tag = "tracing", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = TracingMatchView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_match(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<TracingMatchView>, ApiError> {
    Ok(Json(app.get_tracing_match(&user, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/tracing-matches/{id}/answer", tag = "tracing", security(("bearer" = [])), params(("id" = String, Path)), request_body = MatchAnswer,
    responses((status = 200, body = TracingMatchView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn api_answer(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<MatchAnswer>,
) -> Result<Json<TracingMatchView>, ApiError> {
    Ok(Json(app.answer_tracing_match(&user, &id, req).await?))
}

// ---------- pages ----------

#[derive(Template)]
#[template(path = "tracing.html")]
struct TracingPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    requests: Vec<TracingRequestSummary>,
    matches: Vec<TracingMatchView>,
}

impl TracingPage {
    /// The sought person's birth date in words.
    fn birth(&self, s: &SoughtPerson) -> Option<String> {
        s.birth_date.as_ref().map(|b| birth_words(&self.tr, b))
    }
}

#[derive(Template)]
#[template(path = "tracing_request.html")]
struct RequestPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    r: TracingRequestView,
    sex_label: String,
    relationship_label: String,
    home_place: String,
    last_place: String,
    /// The birth date and the day last seen in words; countries and
    /// languages by name.
    birth: Option<String>,
    last_seen: Option<String>,
    nationalities: String,
    languages: String,
    methods: &'static [&'static str],
}

/// Values of the new-request form, kept when it is refused.
#[derive(Default)]
pub struct FormValues {
    name_value: String,
    name_script: String,
    name_translit: String,
    other_name: String,
    other_script: String,
    sex: String,
    birth_kind: String,
    birth_value: String,
    birth_on: String,
    nationality: String,
    languages: String,
    home_country: String,
    home_area: String,
    home_locality: String,
    place_country: String,
    place_area: String,
    place_locality: String,
    last_seen_on: String,
    requester_name: String,
    relationship: String,
    phone: String,
    email: String,
    address: String,
}

#[derive(Template)]
#[template(path = "tracing_form.html")]
struct FormPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    error: Option<FieldError>,
    f: FormValues,
    relationships: &'static [&'static str],
    scripts: &'static [(&'static str, &'static str)],
}

impl FormPage {
    /// The words of the refusal when it concerns `field`.
    fn err(&self, field: &str) -> Option<&str> {
        self.error.as_ref().and_then(|e| e.on(field))
    }
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect()
}

impl FormValues {
    pub(crate) fn from_fields(f: &Fields) -> Self {
        let g = |k: &str| f.get(k).to_owned();
        Self {
            name_value: g("name_value"),
            name_script: g("name_script"),
            name_translit: g("name_translit"),
            other_name: g("other_name"),
            other_script: g("other_script"),
            sex: g("sex"),
            birth_kind: g("birth_kind"),
            birth_value: g("birth_value"),
            birth_on: g("birth_on"),
            nationality: g("nationality"),
            languages: g("languages"),
            home_country: g("home_country"),
            home_area: g("home_area"),
            home_locality: g("home_locality"),
            place_country: g("place_country"),
            place_area: g("place_area"),
            place_locality: g("place_locality"),
            last_seen_on: g("last_seen_on"),
            requester_name: g("requester_name"),
            relationship: g("relationship"),
            phone: g("phone"),
            email: g("email"),
            address: g("address"),
        }
    }

    pub(crate) fn to_request(&self) -> Result<NewTracingRequest, AppError> {
        let birth = birth_json(&self.birth_kind, &self.birth_value, &self.birth_on)?;
        let script = |s: &str| {
            if s.is_empty() {
                "Latn".to_owned()
            } else {
                s.to_owned()
            }
        };
        let mut names = vec![
            json!({"value": self.name_value, "script": script(&self.name_script), "transliterations": list(&self.name_translit)}),
        ];
        if !self.other_name.trim().is_empty() {
            names.push(json!({"value": self.other_name, "script": script(&self.other_script)}));
        }
        let opt = |s: &str| {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_owned())
        };
        let mut sought = json!({
            "names": names,
            "sex": if self.sex.is_empty() { "unknown" } else { self.sex.as_str() },
            "nationalities": list(&self.nationality.to_ascii_uppercase()),
            "languages": list(&self.languages),
            "home_place": {"country": opt(&self.home_country.to_ascii_uppercase()), "area": opt(&self.home_area), "locality": opt(&self.home_locality)},
            "last_known_place": {"country": opt(&self.place_country.to_ascii_uppercase()), "area": opt(&self.place_area), "locality": opt(&self.place_locality)},
        });
        if let Some(birth) = birth {
            sought["birth_date"] = birth;
        }
        if let Some(d) = opt(&self.last_seen_on) {
            sought["last_seen_on"] = json!(partial_date(&d));
        }
        let doc = json!({
            "sought": sought,
            "requester": {
                "name": self.requester_name,
                "relationship": self.relationship,
                "contact": {"phone": opt(&self.phone), "email": opt(&self.email), "address": opt(&self.address)},
            }
        });
        serde_json::from_value(strip_nulls(doc)).map_err(|e| {
            AppError::bad_request("invalid_field", crate::error::redact_values(&e.to_string()))
        })
    }
}

impl FormValues {
    /// The API names both names of the sought person `names[]`: a refusal
    /// of a name goes beside the other name when the first one is sound.
    fn placed(&self, mut error: FieldError) -> FieldError {
        if error.field == "name_value"
            && !self.other_name.trim().is_empty()
            && safepath_domain::person::clean_name("", &self.name_value).is_ok()
        {
            error.field = "other_name";
        }
        error
    }
}

fn strip_nulls(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.into_iter().map(strip_nulls).collect())
        }
        other => other,
    }
}

fn form_page(
    tr: Tr,
    user: &WebUser,
    csrf: String,
    f: FormValues,
    error: Option<FieldError>,
) -> Response {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render(
        status,
        &FormPage {
            title: tr.t("tracing-new-title"),
            user: Some(bar(&tr, user)),
            csrf,
            error,
            f,
            relationships: RELATIONSHIPS,
            scripts: crate::person_form::SCRIPTS,
            tr,
        },
    )
}

async fn tracing_page(State(app): State<AppState>, user: WebUser) -> Response {
    let tr = tr_for(&user);
    let requests = match app.list_tracing_requests(user.principal()).await {
        Ok(r) => r,
        Err(e) => return error_page(&tr, &user, e),
    };
    let matches = match app.tracing_matches_for_me(user.principal()).await {
        Ok(m) => m,
        Err(e) => return error_page(&tr, &user, e),
    };
    render(
        StatusCode::OK,
        &TracingPage {
            title: tr.t("tracing-title"),
            user: Some(bar(&tr, &user)),
            csrf: user.session.csrf_token.clone(),
            requests,
            matches,
            tr,
        },
    )
}

async fn new_page(user: WebUser) -> Response {
    let tr = tr_for(&user);
    form_page(
        tr,
        &user,
        user.session.csrf_token.clone(),
        FormValues {
            birth_kind: "none".into(),
            sex: "unknown".into(),
            relationship: "parent".into(),
            ..Default::default()
        },
        None,
    )
}

async fn new_submit(State(app): State<AppState>, Posted { user, fields: f }: Posted) -> Response {
    let tr = tr_for(&user);
    let values = FormValues::from_fields(&f);
    let created = match values.to_request() {
        Ok(req) => app.create_tracing_request(user.principal(), req).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(c) => Redirect::to(&format!("/tracing/requests/{}", c.id)).into_response(),
        Err(e) if e.kind == safepath_app::ErrorKind::BadRequest => {
            let error = values.placed(field_error(&tr, &e, TRACING_FIELDS));
            form_page(
                tr,
                &user,
                user.session.csrf_token.clone(),
                values,
                Some(error),
            )
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn request_page(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let tr = tr_for(&user);
    match app.get_tracing_request(user.principal(), &id).await {
        Ok(r) => render(
            StatusCode::OK,
            &RequestPage {
                title: format!("{} {}", tr.t("tracing-request"), r.reference),
                user: Some(bar(&tr, &user)),
                csrf: user.session.csrf_token.clone(),
                sex_label: tr.t(format!("sex-{}", r.sought.sex_code())),
                relationship_label: tr.t(format!("relationship-{}", r.requester.relationship)),
                home_place: crate::ui::place_line(&tr, &r.sought.home_place),
                last_place: crate::ui::place_line(&tr, &r.sought.last_known_place),
                birth: r.sought.birth_date.as_ref().map(|b| birth_words(&tr, b)),
                last_seen: r
                    .sought
                    .last_seen_on
                    .as_deref()
                    .map(|d| partial_date_words(&tr, d)),
                nationalities: names_of(&r.sought.nationalities, |c| {
                    crate::ui::country_name(&tr, c)
                }),
                languages: names_of(&r.sought.languages, |l| crate::ui::language_name(&tr, l)),
                r,
                methods: CONTACT_METHODS,
                tr,
            },
        ),
        Err(e) => error_page(&tr, &user, e),
    }
}

/// Codes by name, one after another.
fn names_of(codes: &[String], name: impl Fn(&str) -> String) -> String {
    codes.iter().map(|c| name(c)).collect::<Vec<_>>().join(", ")
}

async fn contact_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let contact = NewContact {
        method: f.get("method").to_owned(),
        note: Some(f.get("note").to_owned()).filter(|n| !n.trim().is_empty()),
    };
    match app
        .log_tracing_contact(user.principal(), &id, contact)
        .await
    {
        Ok(_) => Redirect::to(&format!("/tracing/requests/{id}")).into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn answer_submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let answer = MatchAnswer {
        answer: f.get("answer").to_owned(),
        explained_in_language: Some(f.get("explained_in_language").to_owned())
            .filter(|s| !s.trim().is_empty()),
        interpreter: f.get("interpreter") == "on",
    };
    match app
        .answer_tracing_match(user.principal(), &id, answer)
        .await
    {
        Ok(_) => Redirect::to("/tracing").into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}
