//! Identification on the web: the first responder's screening (server-side
//! flow for phones, JavaScript optional), referral into a case, and the
//! decision-maker's pages and API.

use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_app::identification::*;
use safepath_app::views::{CaseView, OrgView};
use safepath_app::{AppError, ErrorKind};
use safepath_screening::{Answer, Form, Locale, Population, StageQuestions};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::AppState;
use crate::api::{ApiJson, Items};
use crate::auth::{ApiUser, WebUser};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::{FluentArg, Tr};
use crate::ui::Posted;
use crate::ui::{Fields, UserBar, bar, error_page, render, tr_for};

const SCREENING_JS: &str = include_str!("../static/screening.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/static/screening.js",
            get(|| async {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/javascript; charset=utf-8",
                    )],
                    SCREENING_JS,
                )
            }),
        )
        .route("/screenings/new", get(start_page).post(questions_page))
        .route(
            "/screenings",
            get(crate::screening_list::list_page).post(submit_screening),
        )
        .route("/screenings/{id}", get(result_page))
        .route("/screenings/{id}/refer", post(refer_page))
        .route("/cases/{id}/decisions", post(decide_page))
        .route("/cases/{id}/reconsideration", post(reconsider_page))
        .route("/decisions", get(decisions_page))
        .route("/cases/{id}/decisions/{decision}/letter", get(letter_page))
        .route(
            "/api/v1/screenings",
            get(crate::screening_list::api_list).post(api_screen),
        )
        .route("/api/v1/screenings/{id}", get(api_get_screening))
        .route("/api/v1/screenings/{id}/refer", post(api_refer))
        .route(
            "/api/v1/cases/{id}/decisions",
            get(api_case_decisions).post(api_decide),
        )
        .route("/api/v1/cases/{id}/reconsideration", post(api_reconsider))
        .route("/api/v1/cases/{id}/flags", get(api_flags))
        .route("/api/v1/decisions", get(api_open_decisions))
}

/// The screening's messages in the interface language (English when the
/// screening has none in it).
fn locale(tr: &Tr) -> Locale {
    Locale::parse(tr.code()).unwrap_or(Locale::En)
}

fn uuid_or_404(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::case_not_found())
}

// ---------- API ----------

#[utoipa::path(post, path = "/api/v1/screenings", tag = "screening", security(("bearer" = [])), request_body = ScreeningSubmission,
    responses((status = 201, body = ScreeningView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn api_screen(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(sub): ApiJson<ScreeningSubmission>,
) -> Result<(StatusCode, Json<ScreeningView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.screen(&user, sub).await?)))
}

#[utoipa::path(get, path = "/api/v1/screenings/{id}", tag = "screening", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ScreeningView), (status = 404, body = ErrorBody)))]
pub async fn api_get_screening(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ScreeningView>, ApiError> {
    Ok(Json(app.get_screening(&user, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/screenings/{id}/refer", tag = "screening", security(("bearer" = [])), params(("id" = String, Path)), request_body = ReferralRequest,
    responses((status = 201, body = CaseView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn api_refer(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReferralRequest>,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(app.refer_screening(&user, &id, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/decisions", tag = "identification", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Items<DecisionView>), (status = 404, body = ErrorBody)))]
pub async fn api_case_decisions(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Items<DecisionView>>, ApiError> {
    Ok(Json(Items {
        items: app.case_decisions(&user, uuid_or_404(&id)?).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/decisions", tag = "identification", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = DecisionInput,
    responses((status = 201, body = DecisionView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn api_decide(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<(StatusCode, Json<DecisionView>), ApiError> {
    let id = uuid_or_404(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(app.record_decision(&user, id, input).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/reconsideration", tag = "identification", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ReconsiderationInput,
    responses((status = 201, body = DecisionView), (status = 400, body = ErrorBody), (status = 403, description = "Not a role that may do this on the case", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn api_reconsider(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReconsiderationInput>,
) -> Result<(StatusCode, Json<DecisionView>), ApiError> {
    let id = uuid_or_404(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(app.request_reconsideration(&user, id, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/flags", tag = "identification", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Items<String>), (status = 404, body = ErrorBody)))]
pub async fn api_flags(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Items<String>>, ApiError> {
    Ok(Json(Items {
        items: app.case_flags(&user, uuid_or_404(&id)?).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/decisions", tag = "identification", security(("bearer" = [])),
    params(("overdue" = Option<bool>, Query, description = "Only decisions past their due date")),
    responses((status = 200, body = Items<OpenDecisionView>), (status = 400, body = ErrorBody)))]
pub async fn api_open_decisions(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<Items<OpenDecisionView>>, ApiError> {
    let mut overdue = false;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if k == "overdue" {
            overdue = match v.as_ref() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(crate::error::bad_request(
                        "invalid_value",
                        "overdue must be true or false",
                    ));
                }
            };
        }
    }
    Ok(Json(Items {
        items: app.open_decisions(&user, overdue).await?,
    }))
}

// ---------- pages: the first responder's screening ----------

#[derive(Template)]
#[template(path = "screening_start.html")]
struct StartPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    error: Option<String>,
    forms: Vec<(String, String)>,
}

fn form_options(tr: &Tr) -> Vec<(String, String)> {
    [
        "labour",
        "fishing",
        "domestic_servitude",
        "sexual",
        "forced_begging",
        "forced_criminality",
        "forced_marriage",
        "organ_removal",
    ]
    .iter()
    .map(|f| (f.to_string(), tr.t(format!("form-{f}"))))
    .collect()
}

async fn start_page(user: WebUser) -> Response {
    let tr = tr_for(&user);
    render(
        StatusCode::OK,
        &StartPage {
            title: tr.t("screening-title"),
            user: Some(bar(&tr, &user)),
            csrf: user.session.csrf_token.clone(),
            error: None,
            forms: form_options(&tr),
            tr,
        },
    )
}

/// The context of step 1, carried through step 2 in hidden fields.
pub(crate) struct Context {
    consent: bool,
    language: String,
    interpreter: bool,
    place_kind: String,
    place_note: String,
    form: String,
    age: String,
    likely_child: bool,
}

impl Context {
    pub(crate) fn from(f: &Fields) -> Self {
        Self {
            consent: f.get("consent") == "yes",
            language: f.get("language").trim().to_owned(),
            interpreter: f.get("interpreter") == "yes",
            place_kind: f.get("place_kind").to_owned(),
            place_note: f.get("place_note").trim().to_owned(),
            form: f.get("form").to_owned(),
            age: f.get("age_years").trim().to_owned(),
            likely_child: f.get("likely_child") == "yes",
        }
    }

    pub(crate) fn check(&self, tr: &Tr) -> Result<(Form, Option<u32>), String> {
        if !self.consent {
            return Err(tr.t("screening-consent-required"));
        }
        if self.language.is_empty() {
            return Err(tr.t("screening-language-required"));
        }
        if !matches!(
            self.place_kind.as_str(),
            "point_of_entry" | "vessel" | "worksite" | "other"
        ) {
            return Err(tr.t("screening-place-required"));
        }
        let form = Form::parse(&self.form).ok_or_else(|| tr.t("screening-form-required"))?;
        let age = if self.age.is_empty() {
            None
        } else {
            match self.age.parse::<u32>() {
                Ok(a) if a <= 130 => Some(a),
                _ => return Err(tr.t("screening-age-invalid")),
            }
        };
        Ok((form, age))
    }
}

#[derive(Template)]
#[template(path = "screening_questions.html")]
struct QuestionsPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    ctx: Vec<(&'static str, String)>,
    stages: Vec<StageQuestions>,
    child: bool,
    form_label: String,
    /// "Step {n} of {m}" in the reader's language, for the stepper
    /// (static/screening.js fills in the numbers).
    step_of: String,
}

async fn questions_page(Posted { user, fields: f }: Posted) -> Response {
    let tr = tr_for(&user);
    let c = Context::from(&f);
    let (form, age) = match c.check(&tr) {
        Ok(v) => v,
        Err(e) => {
            return render(
                StatusCode::BAD_REQUEST,
                &StartPage {
                    title: tr.t("screening-title"),
                    user: Some(bar(&tr, &user)),
                    csrf: user.session.csrf_token.clone(),
                    error: Some(e),
                    forms: form_options(&tr),
                    tr,
                },
            );
        }
    };
    let child = c.likely_child || age.is_some_and(|a| a < 18);
    let population = if child {
        Population::Child
    } else {
        Population::Adult
    };
    let stages = safepath_screening::questions(form, population, locale(&tr));
    let yes = |b: bool| if b { "yes".to_owned() } else { String::new() };
    render(
        StatusCode::OK,
        &QuestionsPage {
            title: tr.t("screening-title"),
            user: Some(bar(&tr, &user)),
            csrf: user.session.csrf_token.clone(),
            ctx: vec![
                ("consent", yes(c.consent)),
                ("language", c.language.clone()),
                ("interpreter", yes(c.interpreter)),
                ("place_kind", c.place_kind.clone()),
                ("place_note", c.place_note.clone()),
                ("form", c.form.clone()),
                ("age_years", c.age.clone()),
                ("likely_child", yes(c.likely_child)),
            ],
            form_label: tr.t(format!("form-{}", c.form)),
            stages,
            child,
            step_of: tr.t_args(
                "screening-step-of",
                &[
                    ("n", FluentArg::Text("{n}".into())),
                    ("m", FluentArg::Text("{m}".into())),
                ],
            ),
            tr,
        },
    )
}

async fn submit_screening(
    State(app): State<AppState>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let c = Context::from(&f);
    let (form, age) = match c.check(&tr) {
        Ok(v) => v,
        Err(e) => return error_page(&tr, &user, AppError::bad_request("invalid_screening", e)),
    };
    // Answers are named `a_<question id>`. Not asked is not "no": every
    // question of the sheet left unanswered is sent as `unknown`, so that the
    // rules' double evaluation finds the decisive unknowns (the JSON contract
    // of SCREENING.md keeps "absent means no" for documents that say so).
    let mut answers = BTreeMap::new();
    for (k, v) in f.pairs() {
        if let Some(q) = k.strip_prefix("a_") {
            match Answer::parse(v) {
                Some(a) => {
                    answers.insert(q.to_owned(), a);
                }
                None => {
                    return error_page(
                        &tr,
                        &user,
                        AppError::bad_request("invalid_answer", "answers are yes, no or unknown"),
                    );
                }
            }
        }
    }
    let population = if c.likely_child || age.is_some_and(|a| a < 18) {
        Population::Child
    } else {
        Population::Adult
    };
    for stage in safepath_screening::questions(form, population, locale(&tr)) {
        for q in stage.questions {
            answers.entry(q.id).or_insert(Answer::Unknown);
        }
    }
    let indicators = match safepath_screening::indicator_answers(form, &answers) {
        Ok(m) => m
            .into_iter()
            .map(|(id, a)| (id.to_string(), json!(a.as_str())))
            .collect::<serde_json::Map<_, _>>(),
        Err(e) => return error_page(&tr, &user, AppError::bad_request(e.code, e.message)),
    };
    let document = json!({
        "age_years": age,
        "likely_child": c.likely_child,
        "form": form.as_str(),
        "act_established": f.get("act_established") == "yes",
        "indicators": indicators,
        "smuggling": {
            "irregular_crossing_for_fee": f.get("smuggling_fee") == "yes",
            "consented_to_movement": f.get("smuggling_consented") == "yes",
            "relationship_ended_on_arrival": f.get("smuggling_ended") == "yes",
        },
        "free_to_leave": f.get("free_to_leave") == "yes",
        "locale": locale(&tr).as_str(),
    });
    let place_kind = match c.place_kind.as_str() {
        "point_of_entry" => PlaceKind::PointOfEntry,
        "vessel" => PlaceKind::Vessel,
        "worksite" => PlaceKind::Worksite,
        _ => PlaceKind::Other,
    };
    let sub = ScreeningSubmission {
        consent_given: c.consent,
        language: c.language,
        interpreter: c.interpreter,
        place_kind,
        place_note: c.place_note,
        document,
    };
    match app.screen(user.principal(), sub).await {
        Ok(s) => Redirect::to(&format!("/screenings/{}", s.id)).into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

#[derive(Template)]
#[template(path = "screening_result.html")]
struct ResultPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    s: ScreeningView,
    outcome_label: String,
    explanation: Vec<String>,
    next: String,
    orgs: Vec<OrgView>,
    own_org: Uuid,
}

async fn result_page(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let tr = tr_for(&user);
    let s = match app.get_screening(user.principal(), &id).await {
        Ok(s) => s,
        Err(e) => return error_page(&tr, &user, e),
    };
    let orgs = app.orgs().await.unwrap_or_default();
    let explanation = s
        .evaluation
        .get("explanation")
        .and_then(|e| e.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let outcome_label = s
        .evaluation
        .get("outcome_label")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| s.outcome.clone());
    let next = tr.t(format!("next-{}", s.outcome));
    render(
        StatusCode::OK,
        &ResultPage {
            title: tr.t("screening-result"),
            user: Some(bar(&tr, &user)),
            csrf: user.session.csrf_token.clone(),
            own_org: user.principal().org().0,
            outcome_label,
            explanation,
            next,
            orgs,
            s,
            tr,
        },
    )
}

async fn refer_page(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let Ok(to_org_id) = Uuid::parse_str(f.get("to_org_id")) else {
        return error_page(
            &tr,
            &user,
            AppError::bad_request("invalid_org", tr.t("screening-choose-agency")),
        );
    };
    let name = f.get("name").trim();
    let person = if name.is_empty() {
        None
    } else {
        let p = json!({"names": [{"value": name, "script": "Latn"}], "sex": if f.get("sex").is_empty() { "unknown" } else { f.get("sex") }});
        match serde_json::from_value(p) {
            Ok(p) => Some(p),
            Err(_) => {
                return error_page(
                    &tr,
                    &user,
                    AppError::bad_request(
                        "invalid_field",
                        "sex: female, male, intersex or unknown",
                    ),
                );
            }
        }
    };
    match app
        .refer_screening(user.principal(), &id, ReferralRequest { to_org_id, person })
        .await
    {
        // Referred to another agency: back to the screening, which now shows
        // where it went (the case itself belongs to that agency).
        Ok(c) if c.shared_categories.is_some() => {
            Redirect::to(&format!("/screenings/{id}")).into_response()
        }
        Ok(c) => Redirect::to(&format!("/cases/{}", c.id)).into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

// ---------- pages: decisions ----------

async fn decide_page(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let input = DecisionInput {
        stage: f.get("stage").into(),
        outcome: f.get("outcome").into(),
        reasons: f.get("reasons").into(),
        letter_addressee: f.get("letter_addressee").into(),
    };
    let result = match uuid_or_404(&id) {
        Ok(case) => app
            .record_decision(user.principal(), case, input)
            .await
            .map(|_| case),
        Err(e) => Err(e),
    };
    match result {
        Ok(case) => Redirect::to(&format!("/cases/{case}")).into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn reconsider_page(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let result = match uuid_or_404(&id) {
        Ok(case) => app
            .request_reconsideration(
                user.principal(),
                case,
                ReconsiderationInput {
                    reason: f.get("reason").into(),
                },
            )
            .await
            .map(|_| case),
        Err(e) => Err(e),
    };
    match result {
        Ok(case) => Redirect::to(&format!("/cases/{case}")).into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

#[derive(Template)]
#[template(path = "decisions.html")]
struct DecisionsPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    items: Vec<OpenDecisionView>,
    overdue: usize,
}

async fn decisions_page(State(app): State<AppState>, user: WebUser) -> Response {
    let tr = tr_for(&user);
    if !safepath_domain::access::capabilities(user.principal().actor.role).works_cases {
        return error_page(&tr, &user, AppError::forbidden(tr.t("analyst-no-cases")));
    }
    match app.open_decisions(user.principal(), false).await {
        Ok(items) => {
            let overdue = items.iter().filter(|d| d.overdue).count();
            render(
                StatusCode::OK,
                &DecisionsPage {
                    title: tr.t("decisions-title"),
                    user: Some(bar(&tr, &user)),
                    csrf: user.session.csrf_token.clone(),
                    items,
                    overdue,
                    tr,
                },
            )
        }
        Err(e) if e.kind == ErrorKind::Forbidden => error_page(&tr, &user, e),
        Err(e) => error_page(&tr, &user, e),
    }
}

#[derive(Template)]
#[template(path = "letter.html")]
struct LetterPage {
    tr: Tr,
    /// The letter in another language: (address, the language's own name).
    other_languages: Vec<(String, String)>,
    /// Who decided: full name and role, in the letter's language.
    signatory: Option<(String, String)>,
    org_name: String,
    decided_on: String,
    addressee: String,
    stage: String,
    reference: String,
    outcome: String,
    reflection_ends: Option<String>,
    reasons: String,
    /// What the person may do next: for a negative decision, ask for it to
    /// be reconsidered (until when, where the jurisdiction sets a period).
    rights: String,
}

/// The name of the organisation a letter comes from (empty when unknown).
pub(crate) async fn org_name(app: &AppState, org: uuid::Uuid) -> String {
    app.orgs()
        .await
        .unwrap_or_default()
        .into_iter()
        .find(|o| o.id == org)
        .map(|o| o.name)
        .unwrap_or_default()
}

/// A printable decision letter, addressed to the person, or for a child to
/// the guardian or legal representative chosen when the decision was made.
#[derive(Debug, Deserialize)]
struct LetterQuery {
    /// The letter's language (one of the interface's; else the person's).
    lang: Option<String>,
}

/// The language a letter is written in: the one asked for, else the first
/// of the person's languages SafePath writes, else the reader's.
fn letter_language(asked: Option<&str>, person: &[String], reader: &str) -> String {
    let known = |code: &str| crate::i18n::LANGUAGES.iter().any(|(c, _)| *c == code);
    asked
        .filter(|c| known(c))
        .map(str::to_owned)
        .or_else(|| person.iter().find(|c| known(c)).cloned())
        .unwrap_or_else(|| reader.to_owned())
}

/// The letter's paragraph on what the person may do next.
fn letter_rights(tr: &Tr, d: &DecisionView) -> String {
    let negative = d.outcome.as_deref().is_some_and(is_negative);
    match (&d.reconsideration_until, negative) {
        (Some(until), true) => tr.t_args(
            "letter-reconsider-until",
            &[("date", FluentArg::Text(tr.day(until)))],
        ),
        (None, true) => tr.t("letter-rights"),
        (_, false) => tr.t("letter-explain"),
    }
}

async fn letter_page(
    State(app): State<AppState>,
    user: WebUser,
    Path((id, decision)): Path<(String, String)>,
    Query(q): Query<LetterQuery>,
) -> Response {
    let tr = tr_for(&user);
    let case = match uuid_or_404(&id) {
        Ok(case) => case,
        Err(e) => return error_page(&tr, &user, e),
    };
    let (c, decisions) = match (
        app.get_case(user.principal(), case).await,
        app.case_decisions(user.principal(), case).await,
    ) {
        (Ok(c), Ok(d)) => (c, d),
        (Err(e), _) | (_, Err(e)) => return error_page(&tr, &user, e),
    };
    let Some(d) = decisions.into_iter().find(|d| d.id == decision && !d.open) else {
        return error_page(&tr, &user, AppError::not_found("no such decision"));
    };
    let org_name = org_name(&app, c.org_id).await;
    // Written in the person's language; the reader may switch.
    let reader = tr.code().to_owned();
    let lang = letter_language(q.lang.as_deref(), &c.person.languages, &reader);
    let tr = Tr::new(&lang);
    let mut offered: Vec<&str> = c
        .person
        .languages
        .iter()
        .map(String::as_str)
        .chain([reader.as_str()])
        .filter(|code| *code != lang)
        .collect();
    offered.dedup();
    let other_languages = crate::i18n::LANGUAGES
        .iter()
        .filter(|(code, _)| offered.contains(code))
        .map(|(code, own)| {
            (
                format!("/cases/{case}/decisions/{decision}/letter?lang={code}"),
                (*own).to_owned(),
            )
        })
        .collect();
    let signatory = match d.decided_by {
        Some(staff) => app
            .signatory(user.principal(), case, staff)
            .await
            .ok()
            .flatten()
            .map(|(name, role)| (name, tr.t(format!("role-{}", role.as_str())))),
        None => None,
    };
    let addressee = match d.letter_addressee.as_deref() {
        Some("guardian") => tr.t("addressee-guardian"),
        Some("legal_representative") => tr.t("addressee-legal_representative"),
        _ => c.person.display_name.clone(),
    };
    render(
        StatusCode::OK,
        &LetterPage {
            other_languages,
            signatory,
            org_name,
            decided_on: d
                .decided_at
                .clone()
                .unwrap_or_default()
                .chars()
                .take(10)
                .collect(),
            addressee,
            stage: tr.t(&d.stage),
            reference: c.reference.clone(),
            outcome: d
                .outcome
                .as_ref()
                .map(|o| tr.t(format!("outcome-{o}")))
                .unwrap_or_default(),
            reflection_ends: d.reflection_ends_on.as_deref().map(|r| tr.day(r)),
            reasons: d.reasons.clone().unwrap_or_default(),
            rights: letter_rights(&tr, &d),
            tr,
        },
    )
}
