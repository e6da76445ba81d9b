//! One error type for the use cases. User errors carry a stable code and a
//! message that never contains personal data; internal errors are logged and
//! shown as a generic message.

use safepath_domain::DomainError;
use safepath_store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    TooManyRequests,
    Config,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub message: String,
    /// For `TooManyRequests`: when to try again, in seconds (`Retry-After`).
    pub retry_after_secs: Option<i64>,
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AppError {}

impl AppError {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }
    /// Says when to try again (sent as `Retry-After`).
    pub fn retry_after(mut self, secs: i64) -> Self {
        self.retry_after_secs = Some(secs.max(1));
        self
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, code, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, "forbidden", message)
    }
    /// The one answer for "does not exist" and "you may not know it exists".
    pub fn case_not_found() -> Self {
        Self::new(ErrorKind::NotFound, "not_found", "no such case")
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, "not_found", message)
    }
    pub fn unauthorized() -> Self {
        Self::new(ErrorKind::Unauthorized, "unauthorized", "sign in first")
    }
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, "configuration", message)
    }
    pub fn internal(detail: &str) -> Self {
        tracing::error!(detail, "internal error");
        Self::new(
            ErrorKind::Internal,
            "internal",
            "something went wrong; nothing was changed",
        )
    }
    pub fn store(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => Self::new(
                ErrorKind::Conflict,
                "conflict",
                format!("{what} already exists"),
            ),
            StoreError::VersionMismatch => Self::new(
                ErrorKind::Conflict,
                "version_conflict",
                "the case was changed by someone else; reload and try again",
            ),
            StoreError::UnknownScheme(_) => Self::config(e.to_string()),
            StoreError::Unsupported(what) => Self::new(ErrorKind::BadRequest, "unsupported", what),
            // The same words as the use case's own check (admin.rs), which
            // the store repeats inside the transaction against a race.
            StoreError::LastAdministrator => Self::new(
                ErrorKind::BadRequest,
                "last_administrator",
                "this is the only administrator who can sign in",
            ),
            other => {
                tracing::error!(error = %other, "storage error");
                Self::new(
                    ErrorKind::Internal,
                    "internal",
                    "something went wrong; nothing was changed",
                )
            }
        }
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        Self::new(ErrorKind::BadRequest, e.code, e.message)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        Self::store(e)
    }
}
