//! Non-punishment: charges or penalties against the person for offences they
//! were compelled to commit (CoE Convention art. 26; Palermo Protocol
//! commentary), whether they arose from the trafficking situation, the request
//! to apply the principle and its outcome.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::DomainError;
use crate::casework::vocabulary;

vocabulary! {
    ChargeKind, "charge", "not a known kind of charge" {
        ImmigrationOffence => "immigration_offence",
        /// Forced criminality (e.g. drug cultivation, theft, fraud).
        ForcedCriminality => "forced_criminality",
        ProstitutionRelated => "prostitution_related",
        DocumentOffence => "document_offence",
        Other => "other",
    }
}

vocabulary! {
    /// Where the request to apply the non-punishment principle stands.
    NonPunishmentState, "state", "not a known state" {
        NotRequested => "not_requested",
        Requested => "requested",
        /// Charges dropped or penalty not applied.
        Applied => "applied",
        Refused => "refused",
    }
}

/// One charge or penalty and the non-punishment request about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonPunishment {
    pub charge: ChargeKind,
    /// Whether it arose from the trafficking situation (None: not yet known).
    pub arose_from_trafficking: Option<bool>,
    pub state: NonPunishmentState,
    #[serde(default, with = "crate::casework::iso_date::option")]
    pub requested_on: Option<Date>,
    /// The outcome in words (sealed).
    pub outcome: Option<String>,
    /// Started from the identification's non-punishment flag.
    #[serde(default)]
    pub from_identification_flag: bool,
}

/// Checks a record: a request (and any outcome of one) needs its date.
pub fn check_non_punishment(mut r: NonPunishment) -> Result<NonPunishment, DomainError> {
    if r.state != NonPunishmentState::NotRequested && r.requested_on.is_none() {
        return Err(DomainError::new(
            "missing_field",
            "requested_on: say when the non-punishment principle was invoked",
        ));
    }
    r.outcome = super::optional_text("outcome", r.outcome.as_deref())?;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_needs_its_date() {
        let r = NonPunishment {
            charge: ChargeKind::ImmigrationOffence,
            arose_from_trafficking: Some(true),
            state: NonPunishmentState::Requested,
            requested_on: None,
            outcome: None,
            from_identification_flag: true,
        };
        assert!(check_non_punishment(r.clone()).is_err());
        let ok = NonPunishment {
            requested_on: Some(time::macros::date!(2026 - 01 - 10)),
            ..r
        };
        assert!(check_non_punishment(ok).is_ok());
    }
}
