use thiserror::Error;

/// A rule of the domain was broken by the input. Carries a stable machine code
/// and a message that names the field but never echoes personal data.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct DomainError {
    pub code: &'static str,
    pub message: String,
}

impl DomainError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
    pub fn invalid(field: &str, why: &str) -> Self {
        Self::new("invalid_field", format!("{field}: {why}"))
    }
}
