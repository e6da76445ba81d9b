//! The registry of agreements between countries (bilateral memoranda such as
//! Thailand's with its neighbours, regional ones such as COMMIT), used to
//! pre-fill return plans: who pays travel, who escorts, who receives, who
//! provides reintegration services, and the contact points.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;

use super::ids::AgreementId;
use crate::DomainError;
use crate::casework::required_text;

/// Refusal codes (stable).
pub mod codes {
    pub const PARTIES_INVALID: &str = "agreement_parties_invalid";
    pub const CONTACT_POINT_INVALID: &str = "agreement_contact_point_invalid";
}

solutions_vocabulary! {
    /// The kind of agreement.
    AgreementKind, "agreement.kind", "not a known kind of agreement" {
        /// Two countries.
        Bilateral => "bilateral",
        /// Three or more countries of a region.
        Regional => "regional",
    }
}

solutions_vocabulary! {
    /// Who carries a responsibility under an agreement, relative to one return.
    ResponsibleParty, "agreement.party", "not a known responsible party" {
        /// The destination country (where the person was identified).
        Destination => "destination",
        /// The country of origin.
        Origin => "origin",
        /// Both, as the agreement splits it.
        Shared => "shared",
        /// An international organisation under the agreement.
        InternationalOrganisation => "international_organisation",
        /// The victims' fund, where the plan says so.
        Fund => "fund",
    }
}

/// Who does what under the agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Responsibilities {
    pub travel_costs: ResponsibleParty,
    pub escort: ResponsibleParty,
    pub reception: ResponsibleParty,
    pub reintegration_services: ResponsibleParty,
}

/// A designated contact point of one party (an office, not a person's
/// private details).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPoint {
    /// ISO 3166-1 alpha-2 code of the party.
    pub country: String,
    /// The office or agency.
    pub office: String,
}

/// One agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub id: AgreementId,
    pub title: String,
    pub kind: AgreementKind,
    /// ISO 3166-1 alpha-2 codes, distinct, sorted.
    pub parties: Vec<String>,
    #[serde(with = "crate::casework::iso_date")]
    pub signed_on: Date,
    pub responsibilities: Responsibilities,
    pub contact_points: Vec<ContactPoint>,
}

fn country(field: &str, s: &str) -> Result<String, DomainError> {
    let c = s.trim().to_ascii_uppercase();
    if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err(DomainError::invalid(
            field,
            "is not an ISO 3166-1 alpha-2 country code",
        ))
    }
}

impl Agreement {
    /// Checks an agreement: a bilateral one has exactly two distinct parties,
    /// a regional one at least three; every contact point belongs to a party.
    pub fn check(mut self, today: Date) -> Result<Self, DomainError> {
        self.title = required_text("title", "missing_field", &self.title)?;
        if self.signed_on > today {
            return Err(DomainError::invalid("signed_on", "is after today"));
        }
        let parties = self
            .parties
            .iter()
            .map(|p| country("parties", p))
            .collect::<Result<BTreeSet<_>, _>>()?;
        if parties.len() != self.parties.len() {
            return Err(DomainError::new(
                codes::PARTIES_INVALID,
                "parties: a country is named twice",
            ));
        }
        let ok = match self.kind {
            AgreementKind::Bilateral => parties.len() == 2,
            AgreementKind::Regional => parties.len() >= 3,
        };
        if !ok {
            return Err(DomainError::new(
                codes::PARTIES_INVALID,
                "parties: a bilateral agreement has two parties, a regional one three or more",
            ));
        }
        for cp in &mut self.contact_points {
            cp.country = country("contact_points.country", &cp.country)?;
            if !parties.contains(&cp.country) {
                return Err(DomainError::new(
                    codes::CONTACT_POINT_INVALID,
                    "contact_points: a contact point belongs to a country that is not a party",
                ));
            }
            cp.office = required_text("contact_points.office", "missing_field", &cp.office)?;
        }
        self.parties = parties.into_iter().collect();
        Ok(self)
    }

    /// Whether the agreement covers a return from `destination` to `origin`.
    pub fn covers(&self, destination: &str, origin: &str) -> bool {
        let has = |c: &str| self.parties.iter().any(|p| p.eq_ignore_ascii_case(c));
        !destination.eq_ignore_ascii_case(origin) && has(destination) && has(origin)
    }
}

/// The agreements that cover a return, bilateral ones first (the more
/// specific arrangement), then the newest.
pub fn applicable<'a>(all: &'a [Agreement], destination: &str, origin: &str) -> Vec<&'a Agreement> {
    let mut out: Vec<&Agreement> = all
        .iter()
        .filter(|a| a.covers(destination, origin))
        .collect();
    out.sort_by(|a, b| a.kind.cmp(&b.kind).then(b.signed_on.cmp(&a.signed_on)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solutions::repatriation::{Escort, ReturnPlan};
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 04);

    pub(crate) fn bilateral() -> Agreement {
        Agreement {
            id: AgreementId(uuid::Uuid::from_u128(1)),
            title: "Memorandum of understanding on cooperation against trafficking".into(),
            kind: AgreementKind::Bilateral,
            parties: vec!["th".into(), "KH".into()],
            signed_on: date!(2003 - 05 - 31),
            responsibilities: Responsibilities {
                travel_costs: ResponsibleParty::Destination,
                escort: ResponsibleParty::Origin,
                reception: ResponsibleParty::Origin,
                reintegration_services: ResponsibleParty::Origin,
            },
            contact_points: vec![ContactPoint {
                country: "kh".into(),
                office: "Ministry of Social Affairs, repatriation desk".into(),
            }],
        }
    }

    #[test]
    fn an_agreement_is_normalised_and_prefills_a_plan() {
        let a = bilateral().check(TODAY).unwrap();
        assert_eq!(a.parties, vec!["KH".to_owned(), "TH".to_owned()]);
        assert!(a.covers("th", "KH"));
        assert!(!a.covers("TH", "TH"));
        assert!(!a.covers("TH", "VN"));
        let plan = ReturnPlan::prefill(&a);
        assert_eq!(plan.escort, Escort::ReceivingStaff);
        assert_eq!(plan.costs[0].payer, ResponsibleParty::Destination);
        assert_eq!(plan.agreement, Some(a.id));
    }

    #[test]
    fn bad_agreements_are_refused() {
        let mut a = bilateral();
        a.parties.push("VN".into());
        assert_eq!(a.check(TODAY).unwrap_err().code, codes::PARTIES_INVALID);
        let mut a = bilateral();
        a.parties = vec!["TH".into(), "th".into()];
        assert_eq!(a.check(TODAY).unwrap_err().code, codes::PARTIES_INVALID);
        let mut a = bilateral();
        a.parties[0] = "Thailand".into();
        assert_eq!(a.check(TODAY).unwrap_err().code, "invalid_field");
        let mut a = bilateral();
        a.contact_points[0].country = "VN".into();
        assert_eq!(
            a.check(TODAY).unwrap_err().code,
            codes::CONTACT_POINT_INVALID
        );
        let mut a = bilateral();
        a.kind = AgreementKind::Regional;
        assert_eq!(a.check(TODAY).unwrap_err().code, codes::PARTIES_INVALID);
    }

    #[test]
    fn bilateral_agreements_come_before_regional_ones() {
        let b = bilateral().check(TODAY).unwrap();
        let mut r = bilateral();
        r.id = AgreementId(uuid::Uuid::from_u128(2));
        r.kind = AgreementKind::Regional;
        r.parties = ["KH", "CN", "LA", "MM", "TH", "VN"]
            .map(String::from)
            .to_vec();
        r.signed_on = date!(2004 - 10 - 29);
        let r = r.check(TODAY).unwrap();
        let all = vec![r.clone(), b.clone()];
        let found: Vec<_> = applicable(&all, "TH", "KH")
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(found, vec![b.id, r.id]);
        assert_eq!(applicable(&all, "TH", "ID").len(), 0);
    }
}
