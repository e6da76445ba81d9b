//! The error type of the screening layer: a stable code and a clear message.

use serde::Serialize;

/// A user error: the input cannot be evaluated. `code` is stable (clients match on it);
/// `message` names the offending key or value. Messages never contain personal data: they
/// quote keys, ids and answers, never free text of the screening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ScreeningError {
    /// Stable machine-readable code, e.g. `unknown_indicator`.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
}

impl ScreeningError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> ScreeningError {
        ScreeningError {
            code,
            message: message.into(),
        }
    }
}

/// Every error code this crate can return, for documentation and tests.
pub const ERROR_CODES: &[&str] = &[
    "invalid_utf8",
    "malformed_json",
    "duplicate_key",
    "not_an_object",
    "missing_field",
    "unknown_field",
    "invalid_type",
    "invalid_form",
    "invalid_rule",
    "invalid_age",
    "unknown_indicator",
    "invalid_answer",
    "unknown_jurisdiction",
    "invalid_locale",
    "unknown_question",
    "internal",
];

/// Quotes a user-supplied key or value for an error message, cut to a readable length.
pub(crate) fn quote(s: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = s.chars().take(MAX).flat_map(char::escape_default).collect();
    if s.chars().count() > MAX {
        out.push('…');
    }
    format!("`{out}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_and_truncates() {
        assert_eq!(quote("DR1"), "`DR1`");
        assert_eq!(quote("a\nb"), "`a\\nb`");
        let long = "x".repeat(100);
        assert_eq!(quote(&long), format!("`{}…`", "x".repeat(40)));
        let e = ScreeningError::new("invalid_rule", "bad");
        assert_eq!(e.to_string(), "invalid_rule: bad");
        assert_eq!(serde_json::to_value(&e).unwrap()["code"], "invalid_rule");
    }
}
