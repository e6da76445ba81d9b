//! Documents attached to a case, over HTTP: the page *Documents*
//! (`/cases/{id}/documents`: the list, a form to add one, and removal with a
//! confirmation), the download (`/cases/{id}/documents/{doc}`), and the API
//! (`/api/v1/cases/{id}/documents`, `/api/v1/cases/{id}/documents/{doc}`).
//!
//! A file is only ever sent as a download: `Content-Disposition:
//! attachment`, `Content-Type: application/octet-stream`, `nosniff` and a
//! sandboxing Content-Security-Policy, so that no browser renders or runs
//! it. Every decision on access is the app's (`App::documents` and its gate).

use askama::Template;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_app::documents::{AddedDocument, DocumentFile, DocumentList, NewDocument};
use safepath_app::{AppError, ErrorKind};
use safepath_domain::casework::documents::{DocumentKind, UploadRefusal};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{ApiUser, WebUser};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::{FluentArg, Tr};
use crate::ui::{Fields, Posted, UserBar, bar, csrf_ok, csrf_refused, error_page, render, tr_for};

/// What a multipart body may hold besides the file: the form's few fields.
const FIELDS_LIMIT: usize = 64 * 1024;

pub fn routes(max_bytes: u64) -> Router<AppState> {
    // The upload's own limit: the largest file plus the form around it. A
    // body beyond it is cut off while it streams in.
    let limit = usize::try_from(max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(FIELDS_LIMIT);
    Router::new()
        .route(
            "/cases/{id}/documents",
            get(page).post(page_add).layer(DefaultBodyLimit::max(limit)),
        )
        .route("/cases/{id}/documents/{doc}", get(download))
        .route("/cases/{id}/documents/{doc}/remove", post(page_remove))
        .route(
            "/api/v1/cases/{id}/documents",
            get(api_list)
                .post(api_add)
                .layer(DefaultBodyLimit::max(limit)),
        )
        .route(
            "/api/v1/cases/{id}/documents/{doc}",
            get(api_download).delete(api_remove),
        )
}

// ------------------------------------------------------------ the upload

/// A multipart form as it arrived: its text fields and its one file.
#[derive(Default)]
struct Upload {
    fields: Vec<(String, String)>,
    file_name: String,
    content: Vec<u8>,
}

/// Why a multipart body could not be read.
enum UploadError {
    /// Beyond the body limit.
    TooLarge,
    /// Not a multipart form, or a broken one.
    Malformed,
}

impl From<MultipartError> for UploadError {
    fn from(e: MultipartError) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            UploadError::TooLarge
        } else {
            UploadError::Malformed
        }
    }
}

/// Reads the form's text fields and its file (the field named `file`).
/// `stop_after` is checked after each text field: the page stops reading
/// when the CSRF token it has seen is wrong, before the file streams in.
/// On an error, the text fields read before it come back with it (so that
/// a page can keep the input when the file was too large).
async fn read_upload(
    form: Multipart,
    stop_after: impl Fn(&[(String, String)]) -> bool,
) -> Result<Upload, (UploadError, Vec<(String, String)>)> {
    let mut up = Upload::default();
    match read_fields(form, &mut up, stop_after).await {
        Ok(()) => Ok(up),
        Err(e) => Err((e, up.fields)),
    }
}

async fn read_fields(
    mut form: Multipart,
    up: &mut Upload,
    stop_after: impl Fn(&[(String, String)]) -> bool,
) -> Result<(), UploadError> {
    let mut text_bytes = 0usize;
    while let Some(field) = form.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            up.file_name = field.file_name().unwrap_or_default().to_owned();
            up.content = field.bytes().await?.to_vec();
        } else {
            let value = field.text().await?;
            text_bytes += name.len() + value.len();
            if text_bytes > FIELDS_LIMIT {
                return Err(UploadError::Malformed);
            }
            up.fields.push((name, value));
            if stop_after(&up.fields) {
                break;
            }
        }
    }
    Ok(())
}

fn new_document(up: Upload) -> NewDocument {
    let get = |k: &str| {
        up.fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    NewDocument {
        kind: get("kind"),
        category: get("category"),
        description: get("description"),
        file_name: up.file_name,
        content: up.content,
    }
}

// ------------------------------------------------------------------ API

/// A document to add, as `multipart/form-data`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// `identity_document`, `medical`, `court`, `letter`, `permit` or `other`.
    kind: String,
    /// A data category; empty or absent: the kind's (identity, health,
    /// legal or case history).
    category: Option<String>,
    /// A few words about it (optional, sealed).
    description: Option<String>,
    /// The file: PDF, JPEG, PNG, WebP, TIFF, HEIC, DOCX or ODT, recognised
    /// by its content; at most 20 MiB unless the operator set another limit.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/documents", tag = "cases", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    responses((status = 200, body = DocumentList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_list(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> Result<Json<DocumentList>, ApiError> {
    Ok(Json(app.documents(&user, id).await?))
}

/// Adds a document. The owning organisation's staff who may change the case
/// add in any data category; a receiving organisation's staff who work with
/// referrals add in the categories its accepted referrals share (400
/// `category_not_shared` otherwise), and the case manager is notified.
#[utoipa::path(post, path = "/api/v1/cases/{id}/documents", tag = "cases", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = AddedDocument), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn api_add(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<AddedDocument>), ApiError> {
    let malformed = || {
        AppError::bad_request(
            "invalid_body",
            "send the document as multipart/form-data with the fields kind and file",
        )
    };
    let form = form.map_err(|_| malformed())?;
    let up = read_upload(form, |_| false)
        .await
        .map_err(|(e, _)| match e {
            UploadError::TooLarge => too_large(&app),
            UploadError::Malformed => malformed(),
        })?;
    let added = app.add_document(&user, id, new_document(up)).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// A body cut off at the limit: the domain's own refusal of a file too large.
fn too_large(app: &AppState) -> AppError {
    safepath_domain::DomainError::from(UploadRefusal::TooLarge(app.document_max_bytes())).into()
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/documents/{doc}", tag = "cases", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("doc" = String, Path, description = "The document")),
    responses((status = 200, description = "The file, as a download", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_download(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, doc)): Path<(Uuid, String)>,
) -> Result<Response, ApiError> {
    Ok(as_download(app.document_file(&user, id, &doc).await?))
}

/// Removes a document. A receiving organisation removes only what its own
/// staff added (403 for the owner's papers it may read; 404 for one it may
/// not open).
#[utoipa::path(delete, path = "/api/v1/cases/{id}/documents/{doc}", tag = "cases", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("doc" = String, Path, description = "The document")),
    responses((status = 204, description = "Removed; the removal is in the audit trail"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_remove(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, doc)): Path<(Uuid, String)>,
) -> Result<StatusCode, ApiError> {
    app.remove_document(&user, id, &doc).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The file as a download that no browser renders: attachment, a generic
/// type, `nosniff` (set for every answer) and a sandbox.
fn as_download(file: DocumentFile) -> Response {
    let disposition = content_disposition(&file.file_name);
    let mut res = (StatusCode::OK, file.content.to_vec()).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    res
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): an ASCII
/// fallback and the name as it was, percent-encoded.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// For the fuzz target (`web_forms`): any bytes as a file and as its name.
/// A kept name never holds a path, a quote or a control character, and its
/// download header is always a valid header.
#[cfg(feature = "fuzzing")]
pub(crate) fn check_upload_rules(data: &[u8]) {
    use safepath_domain::casework::documents::{check_file, safe_file_name};
    let _ = check_file(data, 4096);
    let Ok(pdf) = check_file(b"%PDF-1.4\n", 4096) else {
        panic!("a PDF is refused");
    };
    let name = safe_file_name(&String::from_utf8_lossy(data), pdf);
    assert!(name.ends_with(".pdf"), "{name:?}");
    assert!(
        !name
            .chars()
            .any(|c| c.is_control() || matches!(c, '/' | '\\' | '"')),
        "{name:?}"
    );
    assert!(
        HeaderValue::from_str(&content_disposition(&name)).is_ok(),
        "{name:?}"
    );
}

// ----------------------------------------------------------------- pages

/// One document as the page lists it, in words.
struct Row {
    id: String,
    name: String,
    kind: String,
    category: String,
    size: String,
    description: Option<String>,
    added_by: String,
    /// The organisation that added it, when not the case's own.
    added_by_org: Option<String>,
    added_at: String,
    added_when: String,
    may_remove: bool,
}

#[derive(Template)]
#[template(path = "documents.html")]
struct DocumentsPage {
    tr: Tr,
    title: String,
    user: Option<UserBar>,
    csrf: String,
    case_id: String,
    rows: Vec<Row>,
    may_change: bool,
    via_referral: bool,
    kinds: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    /// The form's values, kept after a refusal.
    chosen_kind: String,
    chosen_category: String,
    kept_description: String,
    /// A refused field and the words for it.
    error: Option<(String, String)>,
    /// What was just done, in words.
    message: Option<String>,
    hint: String,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// A size as people read it ("2.4 MB", "830 kB").
fn size_words(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b >= 1_000_000.0 {
        format!("{:.1} MB", b / 1_000_000.0)
    } else if b >= 1_000.0 {
        format!("{:.0} kB", b / 1_000.0)
    } else {
        format!("{bytes} B")
    }
}

async fn page(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<Uuid>,
    Query(q): Query<Done>,
) -> Response {
    let tr = tr_for(&user);
    let message = match q.done.as_deref() {
        Some(d @ ("added" | "removed")) => Some(tr.t(format!("documents-done-{d}"))),
        _ => None,
    };
    show(
        &app,
        &tr,
        &user,
        id,
        StatusCode::OK,
        BTreeMap::new(),
        None,
        message,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn show(
    app: &AppState,
    tr: &Tr,
    user: &WebUser,
    id: Uuid,
    status: StatusCode,
    kept: BTreeMap<String, String>,
    error: Option<(String, String)>,
    message: Option<String>,
) -> Response {
    let list = match app.documents(user.principal(), id).await {
        Ok(l) => l,
        Err(e) => return error_page(tr, user, e),
    };
    let title = match app.get_case(user.principal(), id).await {
        Ok(c) => tr.t_args(
            "documents-title",
            &[("reference", FluentArg::Text(c.reference))],
        ),
        Err(e) => return error_page(tr, user, e),
    };
    let rows = list
        .items
        .into_iter()
        .map(|d| Row {
            name: d.file_name,
            kind: tr.t(format!("document-kind-{}", d.kind.as_str())),
            category: tr.t(format!("category-{}", d.category.as_str())),
            size: size_words(d.size_bytes),
            description: d.description,
            added_by: d.added_by,
            added_by_org: d.added_by_organisation,
            may_remove: d.may_remove,
            added_when: tr.when(&d.added_at),
            added_at: d.added_at,
            id: d.id,
        })
        .collect();
    let hint = tr.t_args(
        "documents-file-hint",
        &[
            (
                "max",
                FluentArg::Text(list.max_bytes.div_ceil(1024 * 1024).to_string()),
            ),
            (
                "types",
                FluentArg::Text(
                    list.accepted
                        .iter()
                        .map(|e| e.to_uppercase())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ),
        ],
    );
    render(
        status,
        &DocumentsPage {
            title,
            user: Some(bar(tr, user)),
            csrf: user.session.csrf_token.clone(),
            case_id: id.to_string(),
            rows,
            may_change: list.may_change,
            via_referral: list.via_referral,
            kinds: DocumentKind::ALL
                .iter()
                .map(|k| {
                    (
                        k.as_str().to_owned(),
                        tr.t(format!("document-kind-{}", k.as_str())),
                    )
                })
                .collect(),
            categories: list
                .categories
                .iter()
                .map(|c| {
                    (
                        c.as_str().to_owned(),
                        tr.t(format!("category-{}", c.as_str())),
                    )
                })
                .collect(),
            chosen_kind: kept.get("kind").cloned().unwrap_or_default(),
            chosen_category: kept.get("category").cloned().unwrap_or_default(),
            kept_description: kept.get("description").cloned().unwrap_or_default(),
            error,
            message,
            hint,
            tr: tr.clone(),
        },
    )
}

/// The field a refusal concerns and the words for it.
fn field_error(tr: &Tr, app: &AppState, e: &AppError) -> Option<(String, String)> {
    let field = match e.code {
        "file_too_large" | "file_type_not_accepted" => "file",
        _ => e.message.split(':').next().unwrap_or_default(),
    };
    let key = match (field, e.code) {
        ("file", "file_too_large") => {
            return Some((
                "file".into(),
                tr.t_args(
                    "documents-error-too-large",
                    &[(
                        "max",
                        FluentArg::Text(app.document_max_bytes().div_ceil(1024 * 1024).to_string()),
                    )],
                ),
            ));
        }
        ("file", "file_type_not_accepted") => "documents-error-type",
        ("file", _) => "documents-error-file",
        ("kind", _) => "documents-error-kind",
        ("category", "category_not_shared") => "documents-error-category-not-shared",
        ("category", _) => "documents-error-category",
        ("description", _) => "documents-error-description",
        _ => return None,
    };
    Some((field.to_owned(), tr.t(key)))
}

async fn page_add(
    State(app): State<AppState>,
    user: WebUser,
    Path(id): Path<Uuid>,
    req: Request,
) -> Response {
    let tr = tr_for(&user);
    // Only a multipart form carrying the session's token is taken; anything
    // else is refused as a form from elsewhere. Reading stops at a wrong
    // token, before the file streams in (the form sends the token first).
    let Ok(form) = Multipart::from_request(req, &app).await else {
        return csrf_refused(&tr, &user);
    };
    let wrong_token = |f: &[(String, String)]| {
        f.iter().any(|(k, _)| k == "csrf") && !csrf_ok(&user, &Fields::from_pairs(f.to_vec()))
    };
    let (up, too_big) = match read_upload(form, wrong_token).await {
        Ok(up) => (up, false),
        Err((UploadError::TooLarge, fields)) => (
            Upload {
                fields,
                ..Upload::default()
            },
            true,
        ),
        Err((UploadError::Malformed, _)) => return csrf_refused(&tr, &user),
    };
    let fields = Fields::from_pairs(up.fields.clone());
    if !csrf_ok(&user, &fields) {
        return csrf_refused(&tr, &user);
    }
    let result = if too_big {
        Err(too_large(&app))
    } else {
        app.add_document(user.principal(), id, new_document(up))
            .await
    };
    match result {
        Ok(_) => Redirect::to(&format!("/cases/{id}/documents?done=added")).into_response(),
        Err(e) => match field_error(&tr, &app, &e) {
            Some(error) if e.kind == ErrorKind::BadRequest => {
                let status = if too_big {
                    StatusCode::PAYLOAD_TOO_LARGE
                } else {
                    StatusCode::BAD_REQUEST
                };
                show(
                    &app,
                    &tr,
                    &user,
                    id,
                    status,
                    fields.kept(),
                    Some(error),
                    None,
                )
                .await
            }
            _ => error_page(&tr, &user, e),
        },
    }
}

async fn page_remove(
    State(app): State<AppState>,
    Path((id, doc)): Path<(Uuid, String)>,
    Posted { user, fields: _ }: Posted,
) -> Response {
    let tr = tr_for(&user);
    match app.remove_document(user.principal(), id, &doc).await {
        Ok(()) => Redirect::to(&format!("/cases/{id}/documents?done=removed")).into_response(),
        Err(e) => error_page(&tr, &user, e),
    }
}

async fn download(
    State(app): State<AppState>,
    user: WebUser,
    Path((id, doc)): Path<(Uuid, String)>,
) -> Response {
    match app.document_file(user.principal(), id, &doc).await {
        Ok(file) => as_download(file),
        Err(e) => error_page(&tr_for(&user), &user, e),
    }
}
