//! What every page is made of: the layout's user bar, rendering, the posted
//! form (its CSRF token checked before any handler runs), error and message
//! pages, the reader's language, the static assets, and the form helpers
//! that several capabilities share (dates as people type them, the region's
//! nationalities). No capability's pages live here.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use safepath_app::{AppError, ErrorKind};
use safepath_domain::access::{self};

use crate::AppState;
use crate::auth::{WebUser, same_secret};
use crate::error::status_of;
use crate::i18n::Tr;

const CSS: &str = include_str!("../static/app.css");
const PRINT_JS: &str = include_str!("../static/print.js");

/// The stylesheet, the print script, and `/` (to the case list).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/cases") }))
        .route(
            "/static/app.css",
            get(|| async { ([(CONTENT_TYPE, "text/css; charset=utf-8")], CSS) }),
        )
        .route(
            "/static/print.js",
            get(|| async { ([(CONTENT_TYPE, "text/javascript; charset=utf-8")], PRINT_JS) }),
        )
}

/// What the layout shows about the signed-in user.
pub struct UserBar {
    pub screens: bool,
    pub decides: bool,
    pub username: String,
    pub role_label: String,
    pub works_cases: bool,
    pub can_create: bool,
    // --- de-duplication run ---
    pub reviews_duplicates: bool,
    // --- statistics ---
    pub reads_stats: bool,
    // --- rights and justice ---
    pub sees_fund: bool,
    // --- cross-border handover ---
    pub sees_handovers: bool,
    /// May break the glass (administrators).
    pub breaks_glass: bool,
    /// Manages accounts and organisations (administrators).
    pub administers: bool,
    /// Reads the organisation's audit trail (coordinators).
    pub reads_org_audit: bool,
    /// Supervises the organisation's work: records its staff's trainings.
    pub supervises: bool,
    /// Records and follows family tracing requests.
    pub traces: bool,
    /// Sends and answers referrals.
    pub refers: bool,
    /// Notifications not read yet.
    pub unread: i64,
}

pub(crate) fn bar(tr: &Tr, user: &WebUser) -> UserBar {
    let p = user.principal();
    // The menu shows what the domain's permission set allows, nothing else.
    let may = access::capabilities(p.actor.role);
    UserBar {
        unread: user.unread,
        screens: may.creates_cases,
        decides: may.works_cases,
        username: p.user.username.clone(),
        role_label: tr.t(format!("role-{}", p.actor.role.as_str())),
        works_cases: may.works_cases,
        can_create: may.creates_cases,
        // --- de-duplication run ---
        reviews_duplicates: may.reviews_duplicates,
        // --- statistics ---
        reads_stats: may.reads_stats,
        // --- rights and justice ---
        sees_fund: may.sees_fund,
        // --- cross-border handover ---
        sees_handovers: crate::handover_steps::sees_handovers(p.actor.role),
        breaks_glass: may.breaks_glass,
        administers: may.administers,
        reads_org_audit: may.reads_org_audit,
        supervises: may.supervises,
        traces: may.traces,
        refers: may.refers,
    }
}

pub(crate) fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "something went wrong").into_response()
        }
    }
}

/// Parsed `application/x-www-form-urlencoded` fields (repeated keys kept).
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Self {
        Self(form_urlencoded::parse(body).into_owned().collect())
    }
    /// The text fields of a multipart form.
    pub(crate) fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }
    pub fn get(&self, k: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
    /// The submitted values to show again beside an error (input kept),
    /// without the CSRF token.
    pub fn kept(&self) -> std::collections::BTreeMap<String, String> {
        self.pairs()
            .filter(|(k, _)| *k != "csrf")
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }
    pub fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage {
    pub(crate) tr: Tr,
    pub(crate) title: String,
    pub(crate) user: Option<UserBar>,
    pub(crate) csrf: String,
    pub(crate) message: String,
    pub(crate) break_glass_form: Option<String>,
    /// The break-the-glass form: ask for the case's reference (not known
    /// from the address), what was typed, and each field's error beside it.
    pub(crate) reference_field: bool,
    pub(crate) reference: String,
    pub(crate) reason: String,
    pub(crate) reference_error: Option<String>,
    pub(crate) reason_error: Option<String>,
}

pub(crate) fn message(
    tr: &Tr,
    user: Option<&WebUser>,
    status: StatusCode,
    title_key: &str,
    message: String,
) -> Response {
    render(
        status,
        &MessagePage {
            title: tr.t(title_key),
            user: user.map(|u| bar(tr, u)),
            csrf: user
                .map(|u| u.session.csrf_token.clone())
                .unwrap_or_default(),
            message,
            break_glass_form: None,
            reference_field: false,
            reference: String::new(),
            reason: String::new(),
            reference_error: None,
            reason_error: None,
            tr: tr.clone(),
        },
    )
}

/// An application error as a page. Not found looks the same whether the
/// case is missing or hidden.
pub(crate) fn error_page(tr: &Tr, user: &WebUser, e: AppError) -> Response {
    let status = status_of(e.kind);
    match e.kind {
        ErrorKind::NotFound => {
            message(tr, Some(user), status, "not-found-title", tr.t("not-found"))
        }
        ErrorKind::Forbidden => message(tr, Some(user), status, "forbidden-title", e.message),
        ErrorKind::Internal | ErrorKind::Config => {
            message(tr, Some(user), status, "error-title", tr.t("error-generic"))
        }
        _ => message(tr, Some(user), status, "error-title", e.message),
    }
}

/// A posted form whose CSRF token was checked, with the signed-in user: a
/// handler that takes it cannot forget the check. A form without the
/// session's token is refused (403, in words) before the handler runs.
pub(crate) struct Posted {
    pub user: WebUser,
    pub fields: Fields,
}

impl axum::extract::FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, app: &AppState) -> Result<Self, Response> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = req.into_parts();
        let user = WebUser::from_request_parts(&mut parts, app).await?;
        let req = axum::extract::Request::from_parts(parts, body);
        let bytes = Bytes::from_request(req, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields = Fields::parse(&bytes);
        if !csrf_ok(&user, &fields) {
            return Err(csrf_refused(&tr_for(&user), &user));
        }
        Ok(Self { user, fields })
    }
}

pub(crate) fn csrf_ok(user: &WebUser, f: &Fields) -> bool {
    same_secret(f.get("csrf"), &user.session.csrf_token)
}

pub(crate) fn csrf_refused(tr: &Tr, user: &WebUser) -> Response {
    message(
        tr,
        Some(user),
        StatusCode::FORBIDDEN,
        "forbidden-title",
        "The form has expired or did not come from this site. Go back, reload and try again."
            .into(),
    )
}

pub(crate) fn tr_for(user: &WebUser) -> Tr {
    Tr::new(&user.principal().user.language)
}

/// Languages offered by name wherever one is picked (a person's, a
/// service's, an interpretation's, a return's; ISO 639 codes, each with a
/// `language-name-…` label).
pub(crate) const LANGUAGES: &[&str] = &[
    "en", "id", "th", "my", "shn", "kar", "km", "lo", "vi", "ms", "tl", "zh", "ne", "bn", "hi",
    "ur", "ar", "ru", "uk", "ro", "es", "fr", "pt", "sw",
];

/// A language's name in the interface language; the code itself only for a
/// language recorded through the API that has no name here.
pub(crate) fn language_name(tr: &Tr, code: &str) -> String {
    let key = format!("language-name-{}", code.trim().to_ascii_lowercase());
    if tr.has(&key) {
        tr.t(key)
    } else {
        code.to_owned()
    }
}

/// A country's name from its alpha-3 code, when the region's list names it.
pub(crate) fn country_name(tr: &Tr, alpha3: &str) -> String {
    REGION_NATIONALITIES
        .iter()
        .find(|(a3, _)| *a3 == alpha3)
        .map(|(_, a2)| tr.label_or("country-", a2))
        .unwrap_or_else(|| alpha3.to_owned())
}

/// A place as a line: town, province, country by name ("" when unknown).
pub(crate) fn place_line(tr: &Tr, p: &safepath_domain::person::Place) -> String {
    [
        p.locality.clone(),
        p.area.clone(),
        p.country.as_deref().map(|c| country_name(tr, c)),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.trim().is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

/// The region's nationalities the case form offers by name (ISO 3166-1
/// alpha-3, as persons record them), with the alpha-2 code their `country-`
/// names are kept under. Others are typed as codes.
pub(crate) const REGION_NATIONALITIES: [(&str, &str); 12] = [
    ("THA", "TH"),
    ("MMR", "MM"),
    ("KHM", "KH"),
    ("LAO", "LA"),
    ("VNM", "VN"),
    ("MYS", "MY"),
    ("IDN", "ID"),
    ("PHL", "PH"),
    ("CHN", "CN"),
    ("SGP", "SG"),
    ("BRN", "BN"),
    ("TLS", "TL"),
];

/// The parts of a written date: digits split by `/`, `.`, `-` or spaces.
pub(crate) fn date_parts(v: &str) -> Vec<&str> {
    v.split(['/', '.', '-', ' '])
        .filter(|p| !p.is_empty())
        .collect()
}

/// A day as people write it in the region — day first (30/04/1999, 30.04.1999,
/// 30-4-1999) — or as the API does (1999-04-30): the API's `YYYY-MM-DD`.
/// Whether the day exists is the domain's check.
pub(crate) fn written_day(v: &str) -> Option<String> {
    let parts = date_parts(v);
    let num = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (y, m, d) = match parts.as_slice() {
        [a, b, c] if a.len() == 4 => (num(a)?, num(b)?, num(c)?),
        [a, b, c] if c.len() == 4 => (num(c)?, num(b)?, num(a)?),
        _ => return None,
    };
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// A month of a year: 04/1999, 4.1999 or 1999-04.
pub(crate) fn written_month(v: &str) -> Option<(i32, u8)> {
    let parts = date_parts(v);
    let (y, m) = match parts.as_slice() {
        [a, b] if a.len() == 4 => (a, b),
        [a, b] if b.len() == 4 => (b, a),
        _ => return None,
    };
    let m: u8 = m.parse().ok().filter(|m| (1..=12).contains(m))?;
    Some((y.parse().ok()?, m))
}
