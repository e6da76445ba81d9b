//! Case management and the referral network, as pure rules.
//!
//! Each submodule is one piece of the issue "Case management and the referral
//! network": the case lifecycle ([`lifecycle`]), supervisory approvals
//! ([`approvals`]), the consent ledger ([`consent`]), referrals between
//! organisations ([`referral`]), needs assessment, care plan and periodic review
//! ([`needs`]), and shelter stays ([`shelter`]).
//!
//! Nothing here stores, sends or reads a clock: dates and timestamps are passed
//! in, and every function returns either the new record or a [`DomainError`]
//! whose `code` is stable (the web layer maps it to an HTTP status) and whose
//! message names the rule, never the person.

/// Defines a closed vocabulary: the enum with serde/OpenAPI names, `ALL`,
/// `as_str` and `parse` (the round trip tested for every vocabulary), in the
/// style of [`crate::case::CaseStatus`].
macro_rules! vocabulary {
    (
        $(#[$doc:meta])*
        $name:ident, $field:literal, $what:literal {
            $( $(#[$vdoc:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vdoc])* $variant ),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }
            pub fn parse(s: &str) -> Result<Self, $crate::DomainError> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| $crate::DomainError::invalid($field, $what))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
// Rights and justice (`crate::justice`) uses the same vocabulary form.
pub(crate) use vocabulary;

pub mod approvals;
pub mod consent;
pub mod directory; // --- services, shelters and stays ---
pub mod documents;
pub mod ids;
pub mod lifecycle;
pub mod needs;
pub mod referral;
pub mod shelter;

use crate::DomainError;

/// Longest free text accepted for a reason, comment or outcome. Long enough
/// for a paragraph; short enough that nobody pastes a whole case file into a
/// field meant for one sentence.
pub const MAX_REASON_CHARS: usize = 2_000;

/// Checks a required free-text field (a reason, a comment, an outcome) and
/// returns it trimmed. `code` is the refusal code when the text is missing, so
/// each rule can say precisely what was expected. The message names the field
/// and never repeats the text, which may hold personal data.
pub(crate) fn required_text(
    field: &'static str,
    code: &'static str,
    text: &str,
) -> Result<String, DomainError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(DomainError::new(code, format!("{field}: is required")));
    }
    if t.chars().count() > MAX_REASON_CHARS {
        return Err(DomainError::invalid(
            field,
            "is longer than 2000 characters",
        ));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(DomainError::invalid(field, "contains control characters"));
    }
    Ok(t.to_owned())
}

/// A required free-text field for the app layer's own records (a handover
/// note, a review's notes): trimmed, present, at most 2000 characters, no
/// control characters.
pub fn checked_text(field: &'static str, text: &str) -> Result<String, DomainError> {
    required_text(field, "missing_field", text)
}

/// Like [`required_text`] for an optional field: `None` or blank gives `None`.
pub(crate) fn optional_text(
    field: &'static str,
    text: Option<&str>,
) -> Result<Option<String>, DomainError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => required_text(field, "missing_field", t).map(Some),
    }
}

// Dates as `YYYY-MM-DD` in JSON (the form `crate::person::parse_iso_date`
// reads), rather than the `[year, ordinal]` pair `time` writes by default,
// so stored records and API bodies stay readable.
time::serde::format_description!(pub(crate) iso_date, Date, "[year]-[month]-[day]");
