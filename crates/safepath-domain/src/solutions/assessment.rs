//! The two assessments before a durable solution is chosen.
//!
//! * The **reintegration assessment** goes through the checklist's provisions
//!   (acceptance by family and community; employment and livelihood; the
//!   option to stay, to leave for a third country or to return; the option to
//!   bring family; long-term residence; information on the services where the
//!   person will live), each assessed *with* the person: their own view is
//!   recorded beside the worker's finding. It chooses the durable solution —
//!   local integration, return or resettlement — and a return is chosen only
//!   when the person wants it (a return is voluntary).
//! * The **repatriation security assessment** comes before any return: the
//!   risk of re-trafficking, threats from traffickers and from debts, the
//!   family's situation and role, the receiving state's capacity, and whether
//!   the person may need international protection. Its [`SecurityOutcome`]
//!   feeds the return gate ([`super::repatriation::return_gate`]): a possible
//!   need for international protection refers the person to the asylum
//!   procedure instead (non-refoulement), never to a return.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::DomainError;
use crate::casework::needs::{NeedDomain, Priority};
use crate::casework::{optional_text, required_text};

/// Refusal codes of the assessments (stable).
pub mod codes {
    /// A provision of the checklist was not assessed.
    pub const PROVISION_MISSING: &str = "provision_missing";
    /// A provision was assessed twice.
    pub const PROVISION_DUPLICATE: &str = "provision_duplicate";
    /// A provision was assessed without the person's own view.
    pub const PERSON_VIEW_REQUIRED: &str = "person_view_required";
    /// Return chosen although the person did not choose it.
    pub const RETURN_NOT_VOLUNTARY: &str = "return_not_voluntary";
    /// A solution other than the person's preference needs a reason.
    pub const REASON_REQUIRED: &str = "reason_required";
    /// An assessment dated after today.
    pub const ASSESSED_IN_FUTURE: &str = "assessed_in_future";
}

solutions_vocabulary! {
    /// The provisions of the checklist's reintegration assessment.
    ReintegrationProvision, "provision", "not a known reintegration provision" {
        /// Acceptance by family and community.
        FamilyCommunityAcceptance => "family_community_acceptance",
        /// Employment and livelihood.
        EmploymentLivelihood => "employment_livelihood",
        /// The option to stay, to leave for a third country, or to return.
        OptionToStayLeaveOrReturn => "option_to_stay_leave_or_return",
        /// The option to bring family.
        OptionToBringFamily => "option_to_bring_family",
        /// Long-term residence.
        LongTermResidence => "long_term_residence",
        /// Information on the services available where the person will live.
        ServicesInformation => "services_information",
    }
}

solutions_vocabulary! {
    /// The worker's finding on one provision.
    ProvisionFinding, "finding", "not a known finding" {
        Favourable => "favourable",
        Uncertain => "uncertain",
        Unfavourable => "unfavourable",
        NotApplicable => "not_applicable",
    }
}

solutions_vocabulary! {
    /// The durable solutions (UNHCR's three, as the checklist uses them).
    DurableSolution, "solution", "not a known durable solution" {
        /// Staying in the destination country.
        LocalIntegration => "local_integration",
        /// Returning to the country of origin.
        Return => "return",
        /// Moving on to a third country.
        Resettlement => "resettlement",
    }
}

/// One provision, assessed with the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionAssessment {
    pub provision: ReintegrationProvision,
    pub finding: ProvisionFinding,
    /// The person's own view, in their words (sealed at rest by the app).
    pub person_view: String,
    /// The worker's notes, if any.
    #[serde(default)]
    pub notes: Option<String>,
}

/// A reintegration assessment as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReintegrationInput {
    pub provisions: Vec<ProvisionAssessment>,
    /// What the person wants.
    pub preferred_by_person: DurableSolution,
    /// What the assessment chooses (feeds the care plan).
    pub chosen: DurableSolution,
    /// Why, when the chosen solution is not the person's preference.
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(with = "crate::casework::iso_date")]
    pub assessed_on: Date,
}

/// A checked reintegration assessment: every provision exactly once, in the
/// checklist's order, each with the person's view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReintegrationAssessment {
    pub provisions: Vec<ProvisionAssessment>,
    pub preferred_by_person: DurableSolution,
    pub chosen: DurableSolution,
    pub reason: Option<String>,
    #[serde(with = "crate::casework::iso_date")]
    pub assessed_on: Date,
}

impl ReintegrationAssessment {
    /// Checks an assessment. Order of checks: date, duplicates, missing
    /// provisions (the first in the checklist's order), the person's views,
    /// voluntariness of a return, the reason for overriding the preference.
    pub fn check(input: ReintegrationInput, today: Date) -> Result<Self, DomainError> {
        if input.assessed_on > today {
            return Err(DomainError::new(
                codes::ASSESSED_IN_FUTURE,
                "assessed_on: is after today",
            ));
        }
        let mut seen = BTreeSet::new();
        for p in &input.provisions {
            if !seen.insert(p.provision) {
                return Err(DomainError::new(
                    codes::PROVISION_DUPLICATE,
                    format!("provision {} is assessed twice", p.provision),
                ));
            }
        }
        if let Some(missing) = ReintegrationProvision::ALL
            .iter()
            .find(|p| !seen.contains(p))
        {
            return Err(DomainError::new(
                codes::PROVISION_MISSING,
                format!("provision {missing} is not assessed"),
            ));
        }
        let mut provisions = Vec::with_capacity(input.provisions.len());
        for p in input.provisions {
            let person_view =
                required_text("person_view", codes::PERSON_VIEW_REQUIRED, &p.person_view).map_err(
                    |e| {
                        if e.code == codes::PERSON_VIEW_REQUIRED {
                            DomainError::new(
                                codes::PERSON_VIEW_REQUIRED,
                                format!(
                                    "provision {}: the person's own view is required",
                                    p.provision
                                ),
                            )
                        } else {
                            e
                        }
                    },
                )?;
            provisions.push(ProvisionAssessment {
                provision: p.provision,
                finding: p.finding,
                person_view,
                notes: optional_text("notes", p.notes.as_deref())?,
            });
        }
        provisions.sort_by_key(|p| p.provision);
        if input.chosen == DurableSolution::Return
            && input.preferred_by_person != DurableSolution::Return
        {
            return Err(DomainError::new(
                codes::RETURN_NOT_VOLUNTARY,
                "a return is chosen only when the person wants it: repatriation is voluntary",
            ));
        }
        let reason = optional_text("reason", input.reason.as_deref())?;
        if input.chosen != input.preferred_by_person && reason.is_none() {
            return Err(DomainError::new(
                codes::REASON_REQUIRED,
                "reason: is required when the solution is not the one the person prefers",
            ));
        }
        Ok(Self {
            provisions,
            preferred_by_person: input.preferred_by_person,
            chosen: input.chosen,
            reason,
            assessed_on: input.assessed_on,
        })
    }

    /// What the assessment feeds into the care plan: a need for each
    /// provision found uncertain or unfavourable, in the needs domain that
    /// provision concerns — acceptance by family and community and bringing
    /// family in family contact, employment and livelihood in livelihood,
    /// staying, leaving or returning and long-term residence in documents and
    /// legal status — high priority when unfavourable, medium when uncertain,
    /// with the person's own view. Provisions of one domain make one need
    /// (the higher priority, their views joined). Information on services is
    /// given by the plan itself, so it opens no need. In the domains' order.
    pub fn care_plan_needs(&self) -> Vec<(NeedDomain, Priority, String)> {
        use std::collections::BTreeMap;
        let mut by_domain: BTreeMap<NeedDomain, (Priority, Vec<&str>)> = BTreeMap::new();
        for p in &self.provisions {
            let priority = match p.finding {
                ProvisionFinding::Unfavourable => Priority::High,
                ProvisionFinding::Uncertain => Priority::Medium,
                ProvisionFinding::Favourable | ProvisionFinding::NotApplicable => continue,
            };
            let domain = match p.provision {
                ReintegrationProvision::FamilyCommunityAcceptance
                | ReintegrationProvision::OptionToBringFamily => NeedDomain::FamilyContact,
                ReintegrationProvision::EmploymentLivelihood => NeedDomain::Livelihood,
                ReintegrationProvision::OptionToStayLeaveOrReturn
                | ReintegrationProvision::LongTermResidence => NeedDomain::DocumentsAndLegalStatus,
                ReintegrationProvision::ServicesInformation => continue,
            };
            let entry = by_domain.entry(domain).or_insert((priority, Vec::new()));
            // Priority orders urgent first: the smaller is the higher.
            entry.0 = entry.0.min(priority);
            entry.1.push(&p.person_view);
        }
        by_domain
            .into_iter()
            .map(|(d, (priority, views))| (d, priority, views.join(" / ")))
            .collect()
    }
}

solutions_vocabulary! {
    /// A graded risk.
    RiskLevel, "risk", "not a known risk level" {
        Low => "low",
        Medium => "medium",
        High => "high",
    }
}

solutions_vocabulary! {
    /// The family's situation and role.
    FamilySituation, "family_situation", "not a known family situation" {
        /// The family is safe and willing to receive the person.
        Supportive => "supportive",
        /// Not known yet (the origin's family assessment will tell).
        Unknown => "unknown",
        /// The family cannot or will not receive the person safely.
        Unsafe => "unsafe",
        /// A family member took part in the trafficking.
        Complicit => "complicit",
    }
}

solutions_vocabulary! {
    /// The receiving state's capacity to receive and protect the person.
    ReceivingCapacity, "receiving_capacity", "not a known capacity" {
        Adequate => "adequate",
        Limited => "limited",
        Inadequate => "inadequate",
    }
}

solutions_vocabulary! {
    /// Whether the person may need international protection.
    ProtectionNeed, "protection_need", "not a known protection need" {
        /// No indication.
        None => "none",
        /// Indications: the asylum procedure, not the case worker, decides.
        Possible => "possible",
        /// Established (e.g. recognised refugee).
        Established => "established",
    }
}

/// The repatriation security assessment as entered and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityAssessment {
    pub re_trafficking_risk: RiskLevel,
    pub trafficker_threat: RiskLevel,
    pub debt_threat: RiskLevel,
    pub family_situation: FamilySituation,
    pub receiving_capacity: ReceivingCapacity,
    pub protection_need: ProtectionNeed,
    /// Free notes (sealed at rest by the app).
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(with = "crate::casework::iso_date")]
    pub assessed_on: Date,
}

/// A concern the security assessment raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityConcern {
    ReTraffickingRisk,
    TraffickerThreat,
    DebtThreat,
    Family,
    ReceivingCapacity,
}

/// What the security assessment means for a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "concerns", rename_all = "snake_case")]
pub enum SecurityOutcome {
    /// No concern found.
    ReturnPossible,
    /// Medium risks, an unknown family situation or limited capacity: a
    /// return only with conditions the origin's corroboration must answer.
    ReturnWithConditions(Vec<SecurityConcern>),
    /// A high risk, a complicit or unsafe family or an inadequate capacity:
    /// no return now.
    ReturnUnsafe(Vec<SecurityConcern>),
    /// A possible or established need for international protection: refer to
    /// the asylum procedure (non-refoulement). Nothing else is weighed.
    ReferToAsylum,
}

impl SecurityAssessment {
    pub fn check(mut self, today: Date) -> Result<Self, DomainError> {
        if self.assessed_on > today {
            return Err(DomainError::new(
                codes::ASSESSED_IN_FUTURE,
                "assessed_on: is after today",
            ));
        }
        self.notes = optional_text("notes", self.notes.as_deref())?;
        Ok(self)
    }

    /// The outcome. The need for international protection comes first and
    /// alone; then any grave concern makes the return unsafe; then any
    /// moderate concern makes it conditional.
    pub fn outcome(&self) -> SecurityOutcome {
        if self.protection_need != ProtectionNeed::None {
            return SecurityOutcome::ReferToAsylum;
        }
        let risks = [
            (SecurityConcern::ReTraffickingRisk, self.re_trafficking_risk),
            (SecurityConcern::TraffickerThreat, self.trafficker_threat),
            (SecurityConcern::DebtThreat, self.debt_threat),
        ];
        let mut grave = Vec::new();
        let mut moderate = Vec::new();
        for (concern, level) in risks {
            match level {
                RiskLevel::High => grave.push(concern),
                RiskLevel::Medium => moderate.push(concern),
                RiskLevel::Low => {}
            }
        }
        match self.family_situation {
            FamilySituation::Unsafe | FamilySituation::Complicit => {
                grave.push(SecurityConcern::Family)
            }
            FamilySituation::Unknown => moderate.push(SecurityConcern::Family),
            FamilySituation::Supportive => {}
        }
        match self.receiving_capacity {
            ReceivingCapacity::Inadequate => grave.push(SecurityConcern::ReceivingCapacity),
            ReceivingCapacity::Limited => moderate.push(SecurityConcern::ReceivingCapacity),
            ReceivingCapacity::Adequate => {}
        }
        if !grave.is_empty() {
            SecurityOutcome::ReturnUnsafe(grave)
        } else if !moderate.is_empty() {
            SecurityOutcome::ReturnWithConditions(moderate)
        } else {
            SecurityOutcome::ReturnPossible
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 04);

    fn provision(p: ReintegrationProvision) -> ProvisionAssessment {
        ProvisionAssessment {
            provision: p,
            finding: ProvisionFinding::Favourable,
            person_view: "I would like to go home to my mother".into(),
            notes: None,
        }
    }

    fn input() -> ReintegrationInput {
        ReintegrationInput {
            provisions: ReintegrationProvision::ALL
                .iter()
                .rev()
                .map(|p| provision(*p))
                .collect(),
            preferred_by_person: DurableSolution::Return,
            chosen: DurableSolution::Return,
            reason: None,
            assessed_on: TODAY,
        }
    }

    #[test]
    fn uncertain_and_unfavourable_provisions_open_needs_in_their_domains() {
        let mut i = input();
        let find = |i: &mut ReintegrationInput,
                    p: ReintegrationProvision,
                    f: ProvisionFinding,
                    view: &str| {
            let x = i.provisions.iter_mut().find(|x| x.provision == p).unwrap();
            x.finding = f;
            x.person_view = view.into();
        };
        use ProvisionFinding::{Uncertain, Unfavourable};
        use ReintegrationProvision as P;
        find(
            &mut i,
            P::FamilyCommunityAcceptance,
            Uncertain,
            "My uncle may not want me",
        );
        find(
            &mut i,
            P::OptionToBringFamily,
            Unfavourable,
            "My son stays here",
        );
        find(&mut i, P::EmploymentLivelihood, Uncertain, "I need work");
        find(
            &mut i,
            P::ServicesInformation,
            Unfavourable,
            "I do not know",
        );
        let a = ReintegrationAssessment::check(i, TODAY).unwrap();
        assert_eq!(
            a.care_plan_needs(),
            vec![
                (
                    NeedDomain::Livelihood,
                    Priority::Medium,
                    "I need work".to_owned()
                ),
                (
                    NeedDomain::FamilyContact,
                    Priority::High,
                    "My uncle may not want me / My son stays here".to_owned()
                ),
            ]
        );
        let all_good = ReintegrationAssessment::check(input(), TODAY).unwrap();
        assert!(all_good.care_plan_needs().is_empty());
    }

    #[test]
    fn a_complete_assessment_is_kept_in_checklist_order() {
        let a = ReintegrationAssessment::check(input(), TODAY).unwrap();
        let order: Vec<_> = a.provisions.iter().map(|p| p.provision).collect();
        assert_eq!(order, ReintegrationProvision::ALL);
        assert_eq!(a.chosen, DurableSolution::Return);
    }

    #[test]
    fn every_provision_is_needed_once_with_the_persons_view() {
        for p in ReintegrationProvision::ALL {
            let mut i = input();
            i.provisions.retain(|x| x.provision != *p);
            let e = ReintegrationAssessment::check(i, TODAY).unwrap_err();
            assert_eq!(e.code, codes::PROVISION_MISSING);
            assert!(e.message.contains(p.as_str()));
        }
        let mut i = input();
        i.provisions
            .push(provision(ReintegrationProvision::LongTermResidence));
        assert_eq!(
            ReintegrationAssessment::check(i, TODAY).unwrap_err().code,
            codes::PROVISION_DUPLICATE
        );
        let mut i = input();
        i.provisions[2].person_view = "  ".into();
        let e = ReintegrationAssessment::check(i, TODAY).unwrap_err();
        assert_eq!(e.code, codes::PERSON_VIEW_REQUIRED);
        // The message names the provision, never repeats what was said.
        assert!(!e.message.contains("mother"));
    }

    #[test]
    fn a_return_is_only_chosen_when_the_person_wants_it() {
        let mut i = input();
        i.preferred_by_person = DurableSolution::LocalIntegration;
        i.reason = Some("family expects the person".into());
        assert_eq!(
            ReintegrationAssessment::check(i, TODAY).unwrap_err().code,
            codes::RETURN_NOT_VOLUNTARY
        );
        // Another solution than the preferred one needs a reason.
        let mut i = input();
        i.preferred_by_person = DurableSolution::Resettlement;
        i.chosen = DurableSolution::LocalIntegration;
        assert_eq!(
            ReintegrationAssessment::check(i.clone(), TODAY)
                .unwrap_err()
                .code,
            codes::REASON_REQUIRED
        );
        i.reason = Some("no resettlement place this year".into());
        assert_eq!(
            ReintegrationAssessment::check(i, TODAY).unwrap().chosen,
            DurableSolution::LocalIntegration
        );
        let mut i = input();
        i.assessed_on = date!(2026 - 12 - 05);
        assert_eq!(
            ReintegrationAssessment::check(i, TODAY).unwrap_err().code,
            codes::ASSESSED_IN_FUTURE
        );
    }

    fn safe() -> SecurityAssessment {
        SecurityAssessment {
            re_trafficking_risk: RiskLevel::Low,
            trafficker_threat: RiskLevel::Low,
            debt_threat: RiskLevel::Low,
            family_situation: FamilySituation::Supportive,
            receiving_capacity: ReceivingCapacity::Adequate,
            protection_need: ProtectionNeed::None,
            notes: None,
            assessed_on: TODAY,
        }
    }

    #[test]
    fn a_need_for_international_protection_outweighs_everything() {
        for need in [ProtectionNeed::Possible, ProtectionNeed::Established] {
            let mut s = safe();
            s.protection_need = need;
            assert_eq!(s.outcome(), SecurityOutcome::ReferToAsylum);
            s.trafficker_threat = RiskLevel::High;
            assert_eq!(s.outcome(), SecurityOutcome::ReferToAsylum);
        }
    }

    #[test]
    fn grave_concerns_make_a_return_unsafe_and_moderate_ones_conditional() {
        assert_eq!(safe().outcome(), SecurityOutcome::ReturnPossible);
        let mut s = safe();
        s.debt_threat = RiskLevel::Medium;
        s.family_situation = FamilySituation::Unknown;
        assert_eq!(
            s.outcome(),
            SecurityOutcome::ReturnWithConditions(vec![
                SecurityConcern::DebtThreat,
                SecurityConcern::Family
            ])
        );
        s.family_situation = FamilySituation::Complicit;
        assert_eq!(
            s.outcome(),
            SecurityOutcome::ReturnUnsafe(vec![SecurityConcern::Family])
        );
        let mut s = safe();
        s.re_trafficking_risk = RiskLevel::High;
        s.receiving_capacity = ReceivingCapacity::Inadequate;
        assert_eq!(
            s.outcome(),
            SecurityOutcome::ReturnUnsafe(vec![
                SecurityConcern::ReTraffickingRisk,
                SecurityConcern::ReceivingCapacity
            ])
        );
        let mut s = safe();
        s.assessed_on = date!(2027 - 01 - 01);
        assert_eq!(s.check(TODAY).unwrap_err().code, codes::ASSESSED_IN_FUTURE);
    }
}
