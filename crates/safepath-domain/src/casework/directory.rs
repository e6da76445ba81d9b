//! The service directory and shelter records: the closed vocabulary of
//! services, the shape rules for a service and a shelter, and who may see a
//! shelter's location (pure rules; the app seals, stores and audits).
//!
//! Services are not personal data. A shelter's **location is confidential**:
//! only [`authorize_location`] mints the [`LocationAccess`] the app needs
//! before it opens the sealed address (docs/decisions.md D-S1).

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use crate::DomainError;
use crate::access::{self, Actor, CaseFacts, Visibility};
use crate::ids::OrgId;
use crate::person::{BirthDate, GenderIdentity, Sex};

vocabulary! {
    /// What an organisation offers (one closed list, translatable).
    ServiceType, "service.type", "not a known service type" {
        Shelter => "shelter",
        HealthCare => "health_care",
        MentalHealthPsychosocial => "mental_health_psychosocial",
        LegalAid => "legal_aid",
        Interpretation => "interpretation",
        Counselling => "counselling",
        Education => "education",
        LivelihoodVocationalTraining => "livelihood_vocational_training",
        FamilyTracing => "family_tracing",
        RepatriationSupport => "repatriation_support",
        Documentation => "documentation",
        FinancialAssistance => "financial_assistance",
    }
}

/// Longest service, shelter or organisation-facing text (names, hours, area).
pub const MAX_SHORT_TEXT: usize = 200;
/// Longest note (e.g. on cost) or shelter location.
pub const MAX_NOTE: usize = 500;
/// Most beds or places a record may claim.
pub const MAX_CAPACITY: i64 = 100_000;

/// Who a service is for. Empty lists mean "anyone".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceEligibility {
    #[serde(default)]
    pub sexes: Vec<Sex>,
    #[serde(default)]
    pub genders: Vec<GenderIdentity>,
    #[serde(default)]
    pub min_age: Option<u8>,
    #[serde(default)]
    pub max_age: Option<u8>,
    /// ISO 3166-1 alpha-3 codes.
    #[serde(default)]
    pub nationalities: Vec<String>,
}

/// A service as the directory shows it (stored as JSON; no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceRecord {
    pub name: String,
    pub service_type: ServiceType,
    /// BCP 47 tags of the languages the service is given in.
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub eligibility: ServiceEligibility,
    /// Places available (none: not limited or not stated).
    #[serde(default)]
    pub capacity: Option<i64>,
    #[serde(default)]
    pub hours: Option<String>,
    pub free_of_charge: bool,
    #[serde(default)]
    pub cost_note: Option<String>,
    /// The area served (a region or "nationwide"), never an address.
    #[serde(default)]
    pub area_served: Option<String>,
}

fn text(field: &'static str, v: &str, max: usize) -> Result<String, DomainError> {
    let t = v.trim();
    if t.is_empty() {
        return Err(DomainError::new(
            "missing_field",
            format!("{field}: is required"),
        ));
    }
    if t.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            if max == MAX_SHORT_TEXT {
                "is longer than 200 characters"
            } else {
                "is longer than 500 characters"
            },
        ));
    }
    if t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(DomainError::invalid(field, "contains control characters"));
    }
    Ok(t.to_owned())
}

fn opt_text(
    field: &'static str,
    v: Option<&str>,
    max: usize,
) -> Result<Option<String>, DomainError> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => text(field, t, max).map(Some),
    }
}

/// A BCP 47 tag, shape only (as for a person's languages).
pub fn check_language(tag: &str) -> Result<String, DomainError> {
    let ok = (2..=12).contains(&tag.len())
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !tag.starts_with('-')
        && !tag.ends_with('-');
    if ok {
        Ok(tag.to_owned())
    } else {
        Err(DomainError::invalid(
            "languages",
            "expected BCP 47 tags such as th, my, km",
        ))
    }
}

fn check_capacity(field: &'static str, n: i64, min: i64) -> Result<i64, DomainError> {
    if (min..=MAX_CAPACITY).contains(&n) {
        Ok(n)
    } else {
        Err(DomainError::invalid(
            field,
            if min == 0 {
                "must be a whole number from 0 to 100000"
            } else {
                "must be a whole number from 1 to 100000"
            },
        ))
    }
}

impl ServiceRecord {
    /// Checks and normalises (trims, upper-cases country codes, sorts lists).
    pub fn validated(mut self) -> Result<Self, DomainError> {
        self.name = text("name", &self.name, MAX_SHORT_TEXT)?;
        self.hours = opt_text("hours", self.hours.as_deref(), MAX_SHORT_TEXT)?;
        self.cost_note = opt_text("cost_note", self.cost_note.as_deref(), MAX_NOTE)?;
        self.area_served = opt_text("area_served", self.area_served.as_deref(), MAX_SHORT_TEXT)?;
        if let Some(c) = self.capacity {
            check_capacity("capacity", c, 0)?;
        }
        if self.languages.len() > 50 {
            return Err(DomainError::invalid("languages", "at most 50 languages"));
        }
        self.languages = self
            .languages
            .iter()
            .map(|l| check_language(l.trim()))
            .collect::<Result<_, _>>()?;
        self.languages.sort();
        self.languages.dedup();
        let e = &mut self.eligibility;
        for a in [e.min_age, e.max_age].into_iter().flatten() {
            if a > 130 {
                return Err(DomainError::invalid(
                    "eligibility.min_age/max_age",
                    "must be between 0 and 130",
                ));
            }
        }
        if let (Some(lo), Some(hi)) = (e.min_age, e.max_age)
            && lo > hi
        {
            return Err(DomainError::invalid(
                "eligibility.min_age",
                "must not be greater than max_age",
            ));
        }
        e.nationalities = e
            .nationalities
            .iter()
            .map(|c| {
                crate::org::check_country(c).map_err(|_| {
                    DomainError::invalid(
                        "eligibility.nationalities",
                        "expected ISO 3166-1 alpha-3 codes such as MMR",
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        e.nationalities.sort();
        e.nationalities.dedup();
        e.sexes.sort_by_key(|s| *s as u8);
        e.sexes.dedup();
        e.genders.sort_by_key(|g| *g as u8);
        e.genders.dedup();
        Ok(self)
    }
}

/// Checks a shelter's name (never its address: the name is shown in lists).
pub fn check_shelter_name(name: &str) -> Result<String, DomainError> {
    text("name", name, MAX_SHORT_TEXT)
}

/// Checks a shelter's location (address and directions). It is sealed at
/// rest; the message never repeats it.
pub fn check_location(location: &str) -> Result<String, DomainError> {
    text("location", location, MAX_NOTE)
}

/// Beds: 1 to 100000.
pub fn check_beds(beds: i64) -> Result<i64, DomainError> {
    check_capacity("beds", beds, 1)
}

/// Whether the person may be a child on `today`, given what is known of their
/// birth date. Where the date is imprecise, the youngest possible age counts
/// (principle 1: when in doubt and there are reasons to believe it, a child).
/// Nothing known gives `false`; the recording user says so when they have
/// reasons to believe it.
pub fn may_be_child(birth: Option<&BirthDate>, today: Date) -> bool {
    birth.is_some_and(|b| b.may_be_child(today))
}

/// On what ground a user sees a shelter's location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LocationGround {
    /// A user of the organisation that runs the shelter whose role works with cases.
    ShelterStaff,
    /// The case manager of a person who stays (or stayed) there, on that case.
    ResidentCaseManager,
}

impl LocationGround {
    pub fn as_str(self) -> &'static str {
        match self {
            LocationGround::ShelterStaff => "shelter_staff",
            LocationGround::ResidentCaseManager => "resident_case_manager",
        }
    }
}

/// Proof that the policy allowed one actor to read one shelter's location.
/// Only [`authorize_location`] creates one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationAccess {
    actor: Actor,
    ground: LocationGround,
    /// The organisation running the shelter it was minted for.
    shelter_org: OrgId,
}

impl LocationAccess {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    pub fn ground(&self) -> LocationGround {
        self.ground
    }
    pub fn shelter_org(&self) -> OrgId {
        self.shelter_org
    }
}

/// Whether a user is on the staff of the organisation running a shelter:
/// same organisation, and a role that works with cases (not analysts, not
/// administrators — D-S1).
pub fn is_shelter_staff(actor: &Actor, shelter_org: OrgId) -> bool {
    actor.org == shelter_org && access::visibility(actor) != Visibility::Nothing
}

/// A person's stay, as far as the location policy needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Residence {
    /// The stay began on or before today (not merely planned).
    pub begun: bool,
}

/// Who may see a shelter's location:
/// * the shelter's staff ([`is_shelter_staff`]), wherever they look;
/// * the case manager of `case`, when `residence` says the person stays or
///   stayed there — the caller passes a case only on that case's own stays
///   view, so the location appears nowhere else for them.
///
/// Everyone else: `None`, and the field is simply absent.
pub fn authorize_location(
    actor: &Actor,
    shelter_org: OrgId,
    case: Option<(&CaseFacts, Residence)>,
) -> Option<LocationAccess> {
    if is_shelter_staff(actor, shelter_org) {
        return Some(LocationAccess {
            actor: *actor,
            ground: LocationGround::ShelterStaff,
            shelter_org,
        });
    }
    match case {
        Some((facts, residence))
            if residence.begun
                && facts.case_manager == Some(actor.id)
                && access::visibility(actor) != Visibility::Nothing =>
        {
            Some(LocationAccess {
                actor: *actor,
                ground: LocationGround::ResidentCaseManager,
                shelter_org,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_types_round_trip() {
        for v in ServiceType::ALL {
            assert_eq!(ServiceType::parse(v.as_str()).unwrap(), *v);
        }
        assert!(ServiceType::parse("spa").is_err());
        // The serde names are the vocabulary's names.
        for v in ServiceType::ALL {
            let json = serde_json::to_string(v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.as_str()));
        }
    }

    fn service() -> ServiceRecord {
        ServiceRecord {
            name: "  Legal clinic ".into(),
            service_type: ServiceType::LegalAid,
            languages: vec!["th".into(), "my".into(), "th".into()],
            eligibility: ServiceEligibility {
                nationalities: vec!["mmr".into()],
                min_age: Some(18),
                ..Default::default()
            },
            capacity: Some(10),
            hours: Some("Mon-Fri 9-17".into()),
            free_of_charge: true,
            cost_note: None,
            area_served: Some("Bangkok".into()),
        }
    }

    #[test]
    fn services_are_validated_and_normalised() {
        let s = service().validated().unwrap();
        assert_eq!(s.name, "Legal clinic");
        assert_eq!(s.languages, vec!["my", "th"]);
        assert_eq!(s.eligibility.nationalities, vec!["MMR"]);
        let bad = |f: fn(&mut ServiceRecord)| {
            let mut s = service();
            f(&mut s);
            s.validated().unwrap_err()
        };
        assert_eq!(bad(|s| s.name = " ".into()).code, "missing_field");
        assert_eq!(bad(|s| s.capacity = Some(-1)).code, "invalid_field");
        assert_eq!(
            bad(|s| s.languages = vec!["not a tag".into()]).code,
            "invalid_field"
        );
        assert_eq!(
            bad(|s| s.eligibility.max_age = Some(5)).code,
            "invalid_field"
        );
        assert_eq!(
            bad(|s| s.eligibility.nationalities = vec!["XX".into()]).code,
            "invalid_field"
        );
        assert_eq!(
            bad(|s| s.hours = Some("x".repeat(201))).code,
            "invalid_field"
        );
        assert_eq!(
            bad(|s| s.cost_note = Some("a\u{0}b".into())).code,
            "invalid_field"
        );
        assert!(check_beds(0).is_err() && check_beds(1).is_ok() && check_beds(100_001).is_err());
        let e = check_location("\u{7}Secret street 1").unwrap_err();
        assert!(
            !e.message.contains("Secret"),
            "the message never repeats the location"
        );
    }

    #[test]
    fn children_are_presumed_when_the_youngest_possible_age_is_under_18() {
        let today = time::macros::date!(2026 - 06 - 15);
        let exact = |d: &str| BirthDate::Exact { date: d.into() };
        assert!(may_be_child(Some(&exact("2008-06-16")), today));
        assert!(!may_be_child(Some(&exact("2008-06-15")), today));
        assert!(may_be_child(Some(&BirthDate::Year { year: 2008 }), today));
        assert!(!may_be_child(Some(&BirthDate::Year { year: 2007 }), today));
        assert!(may_be_child(
            Some(&BirthDate::YearMonth {
                year: 2008,
                month: 7
            }),
            today
        ));
        assert!(may_be_child(
            Some(&BirthDate::EstimatedAge {
                age: 16,
                on: "2025-06-15".into()
            }),
            today
        ));
        assert!(!may_be_child(
            Some(&BirthDate::EstimatedAge {
                age: 17,
                on: "2025-06-14".into()
            }),
            today
        ));
        assert!(!may_be_child(None, today));
    }

    #[test]
    fn only_shelter_staff_and_the_residents_case_manager_see_a_location() {
        use crate::ids::{CaseId, UserId};
        use crate::org::Role;
        let shelter_org = OrgId(uuid::Uuid::from_u128(1));
        let other_org = OrgId(uuid::Uuid::from_u128(2));
        let cm = UserId(uuid::Uuid::from_u128(10));
        let facts = CaseFacts {
            id: CaseId(uuid::Uuid::from_u128(20)),
            org: other_org,
            case_manager: Some(cm),
            associated: vec![],
        };
        let begun = Residence { begun: true };
        for role in Role::ALL {
            let staff = Actor {
                id: UserId(uuid::Uuid::from_u128(11)),
                org: shelter_org,
                role,
            };
            let expected = !matches!(role, Role::Analyst | Role::Administrator);
            assert_eq!(
                authorize_location(&staff, shelter_org, None).is_some(),
                expected,
                "{role:?}"
            );
            let outsider = Actor {
                id: UserId(uuid::Uuid::from_u128(12)),
                org: other_org,
                role,
            };
            assert!(authorize_location(&outsider, shelter_org, Some((&facts, begun))).is_none());
        }
        let manager = Actor {
            id: cm,
            org: other_org,
            role: Role::CaseManager,
        };
        assert!(
            authorize_location(&manager, shelter_org, None).is_none(),
            "not outside the case"
        );
        assert_eq!(
            authorize_location(&manager, shelter_org, Some((&facts, begun)))
                .unwrap()
                .ground(),
            LocationGround::ResidentCaseManager
        );
        assert!(
            authorize_location(
                &manager,
                shelter_org,
                Some((&facts, Residence { begun: false }))
            )
            .is_none(),
            "not before the stay begins"
        );
        let coordinator = Actor {
            id: UserId(uuid::Uuid::from_u128(13)),
            org: other_org,
            role: Role::Coordinator,
        };
        assert!(authorize_location(&coordinator, shelter_org, Some((&facts, begun))).is_none());
    }
}
