//! The registry of agreements between countries (issue 12), in the API:
//! `GET /api/v1/agreements[?destination=TH&origin=MM]` for every staff role
//! (public instruments, no personal data; with a route, only the agreements
//! covering it, each with the return plan it pre-fills) and
//! `POST /api/v1/agreements` for coordinators and administrators; and the
//! page `/agreements` for those who work on returns: every agreement in
//! words, narrowed to one return (from, to) with the plan it pre-fills.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use safepath_app::agreements::{
    AgreementView, ContactPointInput, NewAgreement, ResponsibilitiesInput,
};
use safepath_app::{AppError, ErrorKind};
use safepath_domain::solutions::agreements::{AgreementKind, ResponsibleParty};
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::{ApiJson, Items};
use crate::auth::{ApiUser, WebUser};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::{FluentArg, Tr};
use crate::ui::Posted;
use crate::ui::{UserBar, bar, error_page, render, tr_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/agreements", get(api_agreements).post(api_record))
        .route("/agreements", get(page).post(record_submit))
}

/// The region's countries a recorded agreement may name on the form (each
/// has a `country-…` name in every language).
const REGION: [&str; 12] = [
    "TH", "MM", "KH", "LA", "VN", "MY", "ID", "PH", "CN", "SG", "BN", "TL",
];

/// The form to record an agreement: its values kept and its errors by field.
#[derive(Default)]
struct RecordForm {
    values: BTreeMap<String, String>,
    parties: Vec<String>,
    errors: BTreeMap<String, String>,
}

impl RecordForm {
    fn value(&self, k: &str) -> &str {
        self.values.get(k).map_or("", String::as_str)
    }
    fn error(&self, k: &str) -> Option<&str> {
        self.errors.get(k).map(String::as_str)
    }
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

/// One agreement, in words.
struct Card {
    title: String,
    /// "Bilateral agreement between Thailand and Myanmar".
    heading: String,
    signed: String,
    duties: Vec<(String, String)>,
    contacts: Vec<(String, String)>,
    /// With a route: what the return plan starts with.
    plan: Vec<String>,
}

#[derive(Template)]
#[template(path = "agreements.html")]
struct Page {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    /// (code, name) of every party of a recorded agreement.
    countries: Vec<(String, String)>,
    from: String,
    to: String,
    routed: bool,
    cards: Vec<Card>,
    /// Coordinators record agreements here.
    may_record: bool,
    /// (code, name) of the region's countries, for the form.
    region: Vec<(String, String)>,
    /// (value, words) of who may carry a duty.
    parties_words: Vec<(&'static str, String)>,
    form: RecordForm,
    message: Option<String>,
}

/// A country's name in the interface language (the code when unnamed).
fn country(tr: &Tr, code: &str) -> String {
    tr.label_or("country-", code)
}

fn card(tr: &Tr, a: &AgreementView) -> Card {
    let names: Vec<String> = a.parties.iter().map(|c| country(tr, c)).collect();
    let kind = match a.kind {
        AgreementKind::Bilateral => "agreements-kind-bilateral",
        AgreementKind::Regional => "agreements-kind-regional",
    };
    let party = |p: safepath_domain::solutions::agreements::ResponsibleParty| {
        tr.t(format!("party-{}", p.as_str()))
    };
    let r = &a.responsibilities;
    let plan = a
        .return_plan
        .as_ref()
        .map(|p| {
            let mut out = vec![tr.t(format!("escort-{}", p.escort.as_str()))];
            for c in &p.costs {
                out.push(tr.t_args(
                    "agreements-plan-cost",
                    &[
                        ("item", FluentArg::Text(tr.label_or("cost-", &c.item))),
                        ("payer", FluentArg::Text(party(c.payer))),
                    ],
                ));
            }
            out
        })
        .unwrap_or_default();
    Card {
        title: a.title.clone(),
        heading: tr.t_args(kind, &[("parties", FluentArg::Text(names.join(", ")))]),
        signed: tr.day(&a.signed_on),
        duties: vec![
            (tr.t("agreements-travel"), party(r.travel_costs)),
            (tr.t("agreements-escort"), party(r.escort)),
            (tr.t("agreements-reception"), party(r.reception)),
            (
                tr.t("agreements-reintegration"),
                party(r.reintegration_services),
            ),
        ],
        contacts: a
            .contact_points
            .iter()
            .map(|c| (country(tr, &c.country), c.office.clone()))
            .collect(),
        plan,
    }
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    #[serde(flatten)]
    route: Route,
    done: Option<String>,
}

async fn page(State(app): State<AppState>, user: WebUser, Query(q): Query<PageQuery>) -> Response {
    let tr = tr_for(&user);
    let message = (q.done.as_deref() == Some("recorded")).then(|| tr.t("agreements-done"));
    show(&app, &user, q.route, RecordForm::default(), message).await
}

/// The page: the registry (narrowed to one return when asked) and, for
/// coordinators, the form that records an agreement.
async fn show(
    app: &AppState,
    user: &WebUser,
    q: Route,
    form: RecordForm,
    message: Option<String>,
) -> Response {
    let tr = tr_for(user);
    if !crate::handover_steps::sees_handovers(user.principal().actor.role) {
        return error_page(
            &tr,
            user,
            AppError::forbidden(tr.t("agreements-not-for-role")),
        );
    }
    // An empty choice is no choice (the form sends both fields).
    let pick = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (from, to) = (pick(&q.destination), pick(&q.origin));
    let all = match app.agreements(user.principal(), None, None).await {
        Ok(all) => all,
        Err(e) => return error_page(&tr, user, e),
    };
    let mut codes: Vec<String> = all.iter().flat_map(|a| a.parties.clone()).collect();
    codes.sort();
    codes.dedup();
    let mut countries: Vec<(String, String)> =
        codes.iter().map(|c| (c.clone(), country(&tr, c))).collect();
    countries.sort_by(|a, b| a.1.cmp(&b.1));
    let routed = from.is_some() && to.is_some();
    let shown = if routed {
        match app
            .agreements(user.principal(), from.as_deref(), to.as_deref())
            .await
        {
            Ok(v) => v,
            Err(e) => return error_page(&tr, user, e),
        }
    } else {
        all
    };
    let cards = shown.iter().map(|a| card(&tr, a)).collect();
    let mut region: Vec<(String, String)> = REGION
        .iter()
        .map(|c| ((*c).to_owned(), country(&tr, c)))
        .collect();
    region.sort_by(|a, b| a.1.cmp(&b.1));
    let status = if form.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &Page {
            title: tr.t("agreements-title"),
            user: Some(bar(&tr, user)),
            csrf: user.session.csrf_token.clone(),
            countries,
            from: from.unwrap_or_default(),
            to: to.unwrap_or_default(),
            routed,
            cards,
            may_record: safepath_domain::access::capabilities(user.principal().actor.role)
                .records_agreements,
            region,
            parties_words: ResponsibleParty::ALL
                .iter()
                .map(|p| (p.as_str(), tr.t(format!("party-{}", p.as_str()))))
                .collect(),
            form,
            message,
            tr,
        },
    )
}

/// Which field of the form an error is about.
fn field_of(e: &AppError) -> &'static str {
    match e.code {
        "agreement_parties_invalid" => "parties",
        "agreement_contact_point_invalid" => "contact",
        "agreement_exists" => "title",
        _ => ["title", "signed_on", "kind", "parties", "contact"]
            .into_iter()
            .find(|f| e.message.starts_with(f))
            .unwrap_or("form"),
    }
}

async fn record_submit(
    State(app): State<AppState>,
    Posted { user, fields: f }: Posted,
) -> Response {
    let tr = tr_for(&user);
    let mut form = RecordForm {
        values: f.kept(),
        parties: f.all("parties"),
        errors: BTreeMap::new(),
    };
    let kind = match f.get("kind") {
        "bilateral" => Some(AgreementKind::Bilateral),
        "regional" => Some(AgreementKind::Regional),
        _ => None,
    };
    let mut duty = |k: &str| match ResponsibleParty::parse(f.get(k)) {
        Ok(p) => Some(p),
        Err(_) => {
            form.errors
                .insert(k.to_owned(), tr.t("agreements-error-choose"));
            None
        }
    };
    let duties = (
        duty("travel_costs"),
        duty("escort"),
        duty("reception"),
        duty("reintegration_services"),
    );
    if f.get("title").trim().is_empty() {
        form.errors
            .insert("title".into(), tr.t("agreements-error-title"));
    }
    if kind.is_none() {
        form.errors
            .insert("kind".into(), tr.t("agreements-error-choose"));
    }
    if form.parties.len() < 2 {
        form.errors.insert(
            "parties".into(),
            tr.t("agreements-error-agreement_parties_invalid"),
        );
    }
    if f.get("signed_on").is_empty() {
        form.errors
            .insert("signed_on".into(), tr.t("agreements-error-signed_on"));
    }
    let (
        Some(kind),
        (Some(travel_costs), Some(escort), Some(reception), Some(reintegration_services)),
        true,
    ) = (kind, duties, form.errors.is_empty())
    else {
        return show(&app, &user, no_route(), form, None).await;
    };
    let contact_points = match (f.get("contact_country"), f.get("contact_office").trim()) {
        ("", "") => Vec::new(),
        (c, o) => vec![ContactPointInput {
            country: c.to_owned(),
            office: o.to_owned(),
        }],
    };
    let req = NewAgreement {
        title: f.get("title").trim().to_owned(),
        kind,
        parties: form.parties.clone(),
        signed_on: f.get("signed_on").to_owned(),
        responsibilities: ResponsibilitiesInput {
            travel_costs,
            escort,
            reception,
            reintegration_services,
        },
        contact_points,
    };
    match app.record_agreement(user.principal(), req).await {
        Ok(_) => Redirect::to("/agreements?done=recorded").into_response(),
        Err(e) if matches!(e.kind, ErrorKind::BadRequest | ErrorKind::Conflict) => {
            let words = if tr.has(&format!("agreements-error-{}", e.code)) {
                tr.t(format!("agreements-error-{}", e.code))
            } else {
                e.message.clone()
            };
            form.errors.insert(field_of(&e).to_owned(), words);
            show(&app, &user, no_route(), form, None).await
        }
        Err(e) => error_page(&tr, &user, e),
    }
}

fn no_route() -> Route {
    Route {
        destination: None,
        origin: None,
    }
}
