//! Legal representation, interpretation and information on rights.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::DomainError;
use crate::casework::vocabulary;

vocabulary! {
    /// Who represents the person.
    RepresentativeKind, "representative", "not a known kind of representative" {
        Lawyer => "lawyer",
        LegalAidOrganisation => "legal_aid_organisation",
    }
}

vocabulary! {
    /// Who pays for the representation.
    LegalAidCost, "cost", "not a known cost basis" {
        /// Free legal aid (state scheme or pro bono).
        Free => "free",
        /// Paid by the victim compensation fund.
        PaidByFund => "paid_by_fund",
        /// Paid by someone else (the person, an NGO).
        PaidByOther => "paid_by_other",
    }
}

/// Legal representation over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalAid {
    pub representative: RepresentativeKind,
    /// The lawyer's or organisation's name (sealed with the record).
    pub name: String,
    /// The directory's legal-aid service, when it is one.
    pub service_id: Option<String>,
    #[serde(with = "crate::casework::iso_date")]
    pub from: Date,
    #[serde(default, with = "crate::casework::iso_date::option")]
    pub to: Option<Date>,
    pub cost: LegalAidCost,
}

pub fn check_legal_aid(mut a: LegalAid) -> Result<LegalAid, DomainError> {
    a.name = crate::casework::checked_text("name", &a.name)?;
    super::check_period("to", a.from, a.to)?;
    Ok(a)
}

vocabulary! {
    /// The occasion an interpreter was (or was not) provided for.
    InterpretationOccasion, "occasion", "not a known occasion" {
        Interview => "interview",
        Hearing => "hearing",
        MedicalVisit => "medical_visit",
        Counselling => "counselling",
    }
}

/// Whether an interpreter was provided at one occasion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interpretation {
    pub occasion: InterpretationOccasion,
    #[serde(with = "crate::casework::iso_date")]
    pub on: Date,
    pub interpreter_provided: bool,
    /// ISO 639 code of the language interpreted.
    pub language: Option<String>,
    /// Who provided the interpreter (an organisation or service).
    pub provided_by: Option<String>,
}

pub fn check_interpretation(mut i: Interpretation) -> Result<Interpretation, DomainError> {
    i.language = super::optional_text("language", i.language.as_deref())?;
    i.provided_by = super::optional_text("provided_by", i.provided_by.as_deref())?;
    if i.interpreter_provided && i.language.is_none() {
        return Err(DomainError::new(
            "missing_field",
            "language: say which language was interpreted",
        ));
    }
    Ok(i)
}

/// Occasions (by index) where the person's languages are none of the staff's
/// and no interpreter was provided: each is flagged on the case.
pub fn interpretation_gaps(
    person_languages: &[String],
    staff_languages: &[String],
    occasions: &[Interpretation],
) -> Vec<usize> {
    let shared = person_languages
        .iter()
        .any(|p| staff_languages.iter().any(|s| s.eq_ignore_ascii_case(p)));
    if shared || person_languages.is_empty() {
        return Vec::new();
    }
    occasions
        .iter()
        .enumerate()
        .filter(|(_, o)| !o.interpreter_provided)
        .map(|(i, _)| i)
        .collect()
}

vocabulary! {
    /// Which information on rights was given.
    RightsTopic, "topic", "not a known topic of information on rights" {
        ReflectionPeriod => "reflection_period",
        Residence => "residence",
        LegalAid => "legal_aid",
        Interpretation => "interpretation",
        Compensation => "compensation",
        NonPunishment => "non_punishment",
        Proceedings => "proceedings",
        ReturnOptions => "return_options",
    }
}

/// Information on rights given to the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RightsInformation {
    pub topics: Vec<RightsTopic>,
    /// ISO 639 code of the language the information was given in.
    pub language: String,
    #[serde(with = "crate::casework::iso_date")]
    pub given_on: Date,
    /// The staff member who gave it.
    pub given_by: crate::ids::UserId,
}

pub fn check_rights_information(
    mut r: RightsInformation,
    today: Date,
) -> Result<RightsInformation, DomainError> {
    if r.topics.is_empty() {
        return Err(DomainError::new(
            "missing_field",
            "topics: say which information was given",
        ));
    }
    r.topics.sort();
    r.topics.dedup();
    r.language = crate::casework::checked_text("language", &r.language)?;
    if r.given_on > today {
        return Err(DomainError::invalid("given_on", "is in the future"));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn occ(provided: bool) -> Interpretation {
        Interpretation {
            occasion: InterpretationOccasion::Interview,
            on: date!(2026 - 02 - 02),
            interpreter_provided: provided,
            language: provided.then(|| "my".to_owned()),
            provided_by: None,
        }
    }

    #[test]
    fn an_occasion_without_interpreter_is_flagged_only_without_a_shared_language() {
        let person = vec!["my".to_owned()];
        let staff = vec!["th".to_owned(), "en".to_owned()];
        let occasions = [occ(true), occ(false), occ(false)];
        assert_eq!(interpretation_gaps(&person, &staff, &occasions), vec![1, 2]);
        let staff_speaks = vec!["MY".to_owned()];
        assert!(interpretation_gaps(&person, &staff_speaks, &occasions).is_empty());
    }

    #[test]
    fn interpreter_needs_a_language_and_legal_aid_a_sane_period() {
        let mut o = occ(true);
        o.language = None;
        assert!(check_interpretation(o).is_err());
        let aid = LegalAid {
            representative: RepresentativeKind::Lawyer,
            name: "Synthetic Legal Clinic".into(),
            service_id: None,
            from: date!(2026 - 03 - 01),
            to: Some(date!(2026 - 02 - 01)),
            cost: LegalAidCost::Free,
        };
        assert_eq!(
            check_legal_aid(aid).unwrap_err().code,
            super::super::codes::ENDS_BEFORE_START
        );
    }
}
