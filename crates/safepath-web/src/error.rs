//! Errors as HTTP answers: JSON `{"code", "message"}` for the API, a page for
//! the browser. Messages never contain personal data.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use safepath_app::{AppError, ErrorKind};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable.
    pub code: String,
    /// Says what is wrong, for a person.
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Config | ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(self.0.kind);
        let mut res = (
            status,
            Json(ErrorBody {
                code: self.0.code.to_owned(),
                message: self.0.message,
            }),
        )
            .into_response();
        if status == StatusCode::TOO_MANY_REQUESTS {
            // Busy or throttled: a client that honours Retry-After comes back
            // later instead of hammering the password check.
            let secs = self.0.retry_after_secs.unwrap_or(5);
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError(AppError::bad_request(code, message))
}

/// serde's messages quote the offending *values*, which may be personal data
/// (a name typed into the wrong field). Keep the structure, drop the values.
pub fn redact_values(message: &str) -> String {
    // `unknown variant `X`, expected …`: X is what was sent.
    if let Some(rest) = message.strip_prefix("unknown variant `")
        && let Some((_, tail)) = rest.split_once('`')
    {
        return redact_values(&format!("unknown value `…`{tail}"));
    }
    let mut out = String::with_capacity(message.len());
    let mut in_quotes = false;
    for c in message.chars() {
        if c == '"' {
            if in_quotes {
                out.push('…');
            }
            in_quotes = !in_quotes;
            out.push(c);
        } else if !in_quotes {
            out.push(c);
        }
    }
    out
}

/// Every answer under `/api/` is JSON, also the ones axum makes before a
/// handler runs (405 method not allowed, 413 body too large, a rejected path
/// or query): a client always gets `{"code", "message"}`.
pub async fn api_errors_as_json(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this endpoint does not answer that method (see /api/v1/openapi.json)",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("body_too_large", "the request body is over the limit"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "send the body as application/json",
        ),
        s if s.is_server_error() => ("internal", "something went wrong on our side"),
        _ => ("bad_request", "the request could not be read"),
    };
    let mut out = (
        status,
        Json(ErrorBody {
            code: code.to_owned(),
            message: message.to_owned(),
        }),
    )
        .into_response();
    if let Some(allow) = res.headers().get(axum::http::header::ALLOW) {
        out.headers_mut()
            .insert(axum::http::header::ALLOW, allow.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_are_redacted_but_fields_kept() {
        assert_eq!(
            super::redact_values(
                "invalid value: string \"Somchai\", expected a date at line 1 column 9"
            ),
            "invalid value: string \"…\", expected a date at line 1 column 9"
        );
        assert_eq!(
            super::redact_values("unknown field `shoe`, expected `names`"),
            "unknown field `shoe`, expected `names`"
        );
        assert_eq!(
            super::redact_values("unknown variant `Aye Aye`, expected `male`"),
            "unknown value `…`, expected `male`"
        );
    }
}
