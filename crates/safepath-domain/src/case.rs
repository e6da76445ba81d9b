//! Cases: status, forms of exploitation and the human-friendly reference.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::DomainError;

/// Where a case stands. The names follow the national-referral-mechanism stages
/// in PRODUCT.md; the transition rules belong to the case-management lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Referred,
    PresumedVictim,
    InProtection,
    Identified,
    NotIdentified,
    SolutionPlanning,
    ReintegrationInProgress,
    RepatriationInProgress,
    FollowUp,
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 10] = [
        CaseStatus::Referred,
        CaseStatus::PresumedVictim,
        CaseStatus::InProtection,
        CaseStatus::Identified,
        CaseStatus::NotIdentified,
        CaseStatus::SolutionPlanning,
        CaseStatus::ReintegrationInProgress,
        CaseStatus::RepatriationInProgress,
        CaseStatus::FollowUp,
        CaseStatus::Closed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Referred => "referred",
            CaseStatus::PresumedVictim => "presumed_victim",
            CaseStatus::InProtection => "in_protection",
            CaseStatus::Identified => "identified",
            CaseStatus::NotIdentified => "not_identified",
            CaseStatus::SolutionPlanning => "solution_planning",
            CaseStatus::ReintegrationInProgress => "reintegration_in_progress",
            CaseStatus::RepatriationInProgress => "repatriation_in_progress",
            CaseStatus::FollowUp => "follow_up",
            CaseStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| DomainError::invalid("status", "not a known case status"))
    }
}

/// Forms of exploitation, aligned with the IOM Human Trafficking Case Data
/// Standard (HTCDS v2.0) type-of-exploitation categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExploitationForm {
    ForcedLabour,
    SexualExploitation,
    DomesticServitude,
    ForcedMarriage,
    ForcedCriminality,
    ForcedBegging,
    ForcedMilitary,
    SlaveryAndSimilarPractices,
    OrganRemoval,
    Other,
}

impl ExploitationForm {
    pub const ALL: [ExploitationForm; 10] = [
        ExploitationForm::ForcedLabour,
        ExploitationForm::SexualExploitation,
        ExploitationForm::DomesticServitude,
        ExploitationForm::ForcedMarriage,
        ExploitationForm::ForcedCriminality,
        ExploitationForm::ForcedBegging,
        ExploitationForm::ForcedMilitary,
        ExploitationForm::SlaveryAndSimilarPractices,
        ExploitationForm::OrganRemoval,
        ExploitationForm::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ExploitationForm::ForcedLabour => "forced_labour",
            ExploitationForm::SexualExploitation => "sexual_exploitation",
            ExploitationForm::DomesticServitude => "domestic_servitude",
            ExploitationForm::ForcedMarriage => "forced_marriage",
            ExploitationForm::ForcedCriminality => "forced_criminality",
            ExploitationForm::ForcedBegging => "forced_begging",
            ExploitationForm::ForcedMilitary => "forced_military",
            ExploitationForm::SlaveryAndSimilarPractices => "slavery_and_similar_practices",
            ExploitationForm::OrganRemoval => "organ_removal",
            ExploitationForm::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                DomainError::invalid("exploitation_forms", "not a known form of exploitation")
            })
    }
}

/// Alphabet for references: Crockford base 32 without I, L, O, U, so a reference
/// read aloud over a bad phone line is not misheard.
const REFERENCE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A human-friendly case reference such as `SP-2026-7K3M-Q2XD`. It carries no
/// personal data: only the year the case was opened and random characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseReference(String);

impl CaseReference {
    /// Builds a reference from the year and eight random bytes supplied by the caller.
    pub fn generate(year: i32, random: [u8; 8]) -> Self {
        let chars: String = random
            .iter()
            .map(|b| REFERENCE_ALPHABET[usize::from(*b) % 32] as char)
            .collect();
        Self(format!("SP-{year}-{}-{}", &chars[..4], &chars[4..]))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }
    /// Whether a search string looks like (a piece of) a reference.
    pub fn looks_like_reference(q: &str) -> bool {
        let q = q.trim();
        q.len() >= 4 && q.to_ascii_uppercase().starts_with("SP-")
    }
}

/// Case notes are free text and always encrypted; this only bounds their size.
pub fn check_notes(notes: &str) -> Result<(), DomainError> {
    if notes.chars().count() > 20_000 {
        return Err(DomainError::invalid(
            "notes",
            "longer than 20000 characters",
        ));
    }
    // NUL and other control characters break exports and terminals; line
    // breaks and tabs are text.
    if notes
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(DomainError::invalid("notes", "contains control characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_has_no_personal_data_and_a_stable_shape() {
        let r = CaseReference::generate(2026, [0, 1, 2, 31, 32, 200, 255, 7]);
        assert_eq!(r.as_str(), "SP-2026-012Z-08Z7");
        assert!(CaseReference::looks_like_reference("sp-2026"));
    }

    #[test]
    fn vocabularies_round_trip() {
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()).unwrap(), s);
        }
        for f in ExploitationForm::ALL {
            assert_eq!(ExploitationForm::parse(f.as_str()).unwrap(), f);
        }
        assert!(CaseStatus::parse("lost").is_err());
    }
}
