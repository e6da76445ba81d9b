//! The return gate, and repatriation kept apart from forced removal.
//!
//! Every step towards a return (starting a handover, a travel-ready notice,
//! moving the case to `repatriation_in_progress`) first passes
//! [`return_gate`]. It refuses, each with its own code (the web layer answers
//! 403 for the consent, 409 for the others):
//!
//! 1. no `cross_border_handover` consent in force naming the receiving
//!    partner — a return is a voluntary, informed decision;
//! 2. an application for international protection pending, or
//! 3. a reflection period running — no return while either lasts;
//! 4. no repatriation security assessment;
//! 5. a need for international protection found by it — non-refoulement: the
//!    person is referred to the asylum procedure instead;
//! 6. grave concerns found by it (the return would not be safe);
//! 7. a child without a best-interests determination, or
//! 8. without a family assessment.
//!
//! The gate's success is a [`ReturnClearance`], the only way to build a
//! [`Repatriation`]. A removal by other authorities is a [`ForcedRemoval`]: a
//! different type, recorded as an event, and never counted as a repatriation
//! ([`ReturnCounts`]).

use serde::{Deserialize, Serialize};
use time::Date;

use super::agreements::{Agreement, ResponsibleParty};
use super::assessment::{SecurityAssessment, SecurityOutcome};
use super::ids::AgreementId;
use crate::DomainError;
use crate::casework::ids::ConsentId;
use crate::casework::{optional_text, required_text};

solutions_vocabulary! {
    /// Why a step towards a return is refused. `as_str` is the stable code.
    ReturnRefusal, "return_refusal", "not a known return refusal" {
        /// No `cross_border_handover` consent in force for the receiving partner.
        ConsentMissing => "return_consent_missing",
        /// An application for international protection is pending.
        AsylumApplicationPending => "asylum_application_pending",
        /// The reflection period is running.
        ReflectionPeriodRunning => "reflection_period_running",
        /// No repatriation security assessment is recorded.
        SecurityAssessmentMissing => "security_assessment_required",
        /// The security assessment finds a (possible) need for international
        /// protection: refer to asylum (non-refoulement).
        InternationalProtectionNeed => "international_protection_need",
        /// The security assessment finds grave concerns.
        ReturnUnsafe => "return_unsafe",
        /// A child, without a best-interests determination.
        BestInterestsDeterminationMissing => "best_interests_determination_required",
        /// A child, without a family assessment.
        FamilyAssessmentMissing => "family_assessment_required",
    }
}

impl ReturnRefusal {
    /// Whether the web layer answers 403 (a missing permission: the person's
    /// consent) rather than 409 (the case's state forbids it now).
    pub fn is_forbidden(self) -> bool {
        self == ReturnRefusal::ConsentMissing
    }

    pub fn message(self) -> &'static str {
        use ReturnRefusal::*;
        match self {
            ConsentMissing => {
                "a return needs the person's cross_border_handover consent naming the receiving partner"
            }
            AsylumApplicationPending => {
                "no return while an application for international protection is pending"
            }
            ReflectionPeriodRunning => "no return while the reflection period is running",
            SecurityAssessmentMissing => {
                "a return needs a repatriation security assessment: a return is never a deportation"
            }
            InternationalProtectionNeed => {
                "the security assessment finds a need for international protection: refer to the asylum procedure (non-refoulement)"
            }
            ReturnUnsafe => "the security assessment finds that a return would not be safe",
            BestInterestsDeterminationMissing => {
                "a child's return needs a best-interests determination"
            }
            FamilyAssessmentMissing => "a child's return needs a family assessment",
        }
    }
}

impl From<ReturnRefusal> for DomainError {
    fn from(r: ReturnRefusal) -> Self {
        DomainError::new(r.as_str(), r.message())
    }
}

/// The facts the gate weighs. The app fills them from the consent ledger, the
/// rights-and-justice records and the assessments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnFacts<'a> {
    /// A `cross_border_handover` consent in force names the receiving partner.
    pub consent: Option<ConsentId>,
    pub asylum_application_pending: bool,
    pub reflection_period_running: bool,
    /// The latest repatriation security assessment.
    pub security_assessment: Option<&'a SecurityAssessment>,
    /// A child, or treated as one (age uncertain, reasons to believe so).
    pub person_is_child: bool,
    pub best_interests_determination_recorded: bool,
    pub family_assessment_recorded: bool,
}

/// Proof that the gate was passed: only [`return_gate`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnClearance {
    consent: ConsentId,
    conditions: bool,
}

impl ReturnClearance {
    /// The consent the return rests on.
    pub fn consent(&self) -> ConsentId {
        self.consent
    }
    /// Whether the security assessment set conditions the origin must answer.
    pub fn has_conditions(&self) -> bool {
        self.conditions
    }
}

/// Every reason that refuses a return now, in the gate's order (for a page
/// that lists what is missing). Empty when a return may proceed.
pub fn return_refusals(f: &ReturnFacts<'_>) -> Vec<ReturnRefusal> {
    use ReturnRefusal::*;
    let mut out = Vec::new();
    if f.consent.is_none() {
        out.push(ConsentMissing);
    }
    if f.asylum_application_pending {
        out.push(AsylumApplicationPending);
    }
    if f.reflection_period_running {
        out.push(ReflectionPeriodRunning);
    }
    match f.security_assessment.map(SecurityAssessment::outcome) {
        None => out.push(SecurityAssessmentMissing),
        Some(SecurityOutcome::ReferToAsylum) => out.push(InternationalProtectionNeed),
        Some(SecurityOutcome::ReturnUnsafe(_)) => out.push(ReturnUnsafe),
        Some(SecurityOutcome::ReturnPossible | SecurityOutcome::ReturnWithConditions(_)) => {}
    }
    if f.person_is_child {
        if !f.best_interests_determination_recorded {
            out.push(BestInterestsDeterminationMissing);
        }
        if !f.family_assessment_recorded {
            out.push(FamilyAssessmentMissing);
        }
    }
    out
}

/// The gate: the first refusal in order, or the clearance.
pub fn return_gate(f: &ReturnFacts<'_>) -> Result<ReturnClearance, ReturnRefusal> {
    if let Some(first) = return_refusals(f).first() {
        return Err(*first);
    }
    let (Some(consent), Some(security)) = (f.consent, f.security_assessment) else {
        // Unreachable by return_refusals' construction; refuse rather than panic.
        return Err(ReturnRefusal::SecurityAssessmentMissing);
    };
    Ok(ReturnClearance {
        consent,
        conditions: matches!(security.outcome(), SecurityOutcome::ReturnWithConditions(_)),
    })
}

solutions_vocabulary! {
    /// Who escorts the journey.
    Escort, "escort", "not a known escort" {
        /// The person travels alone (an adult's choice, after the journey's risk assessment).
        Unescorted => "unescorted",
        /// Staff of the destination's organisation.
        DestinationStaff => "destination_staff",
        /// Staff of the receiving organisation.
        ReceivingStaff => "receiving_staff",
        /// An international organisation's escort.
        InternationalOrganisation => "international_organisation",
    }
}

/// Who pays one item of the return's costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostLine {
    pub item: String,
    pub payer: ResponsibleParty,
}

/// The return plan (documents, travel, escort, costs and who pays).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnPlan {
    /// Travel documents, by kind (no numbers here: those are sealed identity data).
    pub documents: Vec<String>,
    /// Left out of the JSON when unknown: inside the internally tagged
    /// [`ReturnEvent`] a `null` would not read back.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::casework::iso_date::option"
    )]
    pub travel_date: Option<Date>,
    pub route: Option<String>,
    pub escort: Escort,
    pub costs: Vec<CostLine>,
    /// The agreement the plan rests on, if any.
    pub agreement: Option<AgreementId>,
}

impl ReturnPlan {
    /// A plan pre-filled from an agreement: its escort and who pays travel.
    pub fn prefill(agreement: &Agreement) -> Self {
        let r = &agreement.responsibilities;
        Self {
            documents: Vec::new(),
            travel_date: None,
            route: None,
            escort: match r.escort {
                ResponsibleParty::Destination => Escort::DestinationStaff,
                ResponsibleParty::Origin => Escort::ReceivingStaff,
                ResponsibleParty::InternationalOrganisation => Escort::InternationalOrganisation,
                ResponsibleParty::Shared | ResponsibleParty::Fund => Escort::DestinationStaff,
            },
            costs: vec![CostLine {
                item: "travel".into(),
                payer: r.travel_costs,
            }],
            agreement: Some(agreement.id),
        }
    }

    pub fn check(mut self) -> Result<Self, DomainError> {
        for d in &mut self.documents {
            *d = required_text("documents", "missing_field", d)?;
        }
        self.route = optional_text("route", self.route.as_deref())?;
        for c in &mut self.costs {
            c.item = required_text("costs.item", "missing_field", &c.item)?;
        }
        Ok(self)
    }
}

/// The person's voluntary, informed decision to return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoluntaryDecision {
    #[serde(with = "crate::casework::iso_date")]
    pub decided_on: Date,
    /// BCP 47 language the decision was explained in.
    pub language: String,
    /// An interpreter was present.
    pub interpreter: bool,
}

/// A repatriation: voluntary, gated, planned. Built only from a clearance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repatriation {
    consent: ConsentId,
    decision: VoluntaryDecision,
    plan: ReturnPlan,
}

impl Repatriation {
    pub fn record(
        clearance: ReturnClearance,
        decision: VoluntaryDecision,
        plan: ReturnPlan,
        today: Date,
    ) -> Result<Self, DomainError> {
        if decision.decided_on > today {
            return Err(DomainError::invalid("decided_on", "is after today"));
        }
        let lang = decision.language.trim();
        if lang.is_empty()
            || lang.len() > 35
            || !lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(DomainError::invalid(
                "language",
                "is not a BCP 47 language tag",
            ));
        }
        Ok(Self {
            consent: clearance.consent,
            decision: VoluntaryDecision {
                language: lang.to_owned(),
                ..decision
            },
            plan: plan.check()?,
        })
    }
    pub fn consent(&self) -> ConsentId {
        self.consent
    }
    pub fn decision(&self) -> &VoluntaryDecision {
        &self.decision
    }
    pub fn plan(&self) -> &ReturnPlan {
        &self.plan
    }
}

/// A removal by other authorities (immigration, police): an event on the
/// case, never a repatriation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForcedRemoval {
    #[serde(with = "crate::casework::iso_date")]
    pub removed_on: Date,
    /// The authority that removed the person (e.g. "immigration").
    pub authority: String,
}

impl ForcedRemoval {
    pub fn record(removed_on: Date, authority: &str, today: Date) -> Result<Self, DomainError> {
        if removed_on > today {
            return Err(DomainError::invalid("removed_on", "is after today"));
        }
        Ok(Self {
            removed_on,
            authority: required_text("authority", "missing_field", authority)?,
        })
    }
}

/// A return as the case's events record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReturnEvent {
    Repatriation(Repatriation),
    ForcedRemoval(ForcedRemoval),
}

impl ReturnEvent {
    /// The kind's name, as the plain column of a return's record says it.
    pub fn kind_str(&self) -> &'static str {
        match self {
            Self::Repatriation(_) => REPATRIATION,
            Self::ForcedRemoval(_) => FORCED_REMOVAL,
        }
    }
}

/// [`ReturnEvent::kind_str`] of a repatriation.
pub const REPATRIATION: &str = "repatriation";
/// [`ReturnEvent::kind_str`] of a forced removal.
pub const FORCED_REMOVAL: &str = "forced_removal";

/// Repatriations and forced removals, counted apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnCounts {
    pub repatriations: u64,
    pub forced_removals: u64,
}

impl ReturnCounts {
    pub fn of<'a>(events: impl IntoIterator<Item = &'a ReturnEvent>) -> Self {
        let mut c = Self::default();
        for e in events {
            match e {
                ReturnEvent::Repatriation(_) => c.repatriations += 1,
                ReturnEvent::ForcedRemoval(_) => c.forced_removals += 1,
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solutions::assessment::{
        FamilySituation, ProtectionNeed, ReceivingCapacity, RiskLevel,
    };
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 04);

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

    fn consent() -> ConsentId {
        ConsentId(uuid::Uuid::from_u128(7))
    }

    fn facts(s: &SecurityAssessment) -> ReturnFacts<'_> {
        ReturnFacts {
            consent: Some(consent()),
            asylum_application_pending: false,
            reflection_period_running: false,
            security_assessment: Some(s),
            person_is_child: false,
            best_interests_determination_recorded: false,
            family_assessment_recorded: false,
        }
    }

    #[test]
    fn an_adult_with_consent_and_a_safe_assessment_is_cleared() {
        let s = safe();
        let c = return_gate(&facts(&s)).unwrap();
        assert_eq!(c.consent(), consent());
        assert!(!c.has_conditions());
        let mut s = safe();
        s.debt_threat = RiskLevel::Medium;
        assert!(return_gate(&facts(&s)).unwrap().has_conditions());
    }

    #[test]
    fn each_refusal_is_distinct_and_alone_refuses() {
        let s = safe();
        let mut need = safe();
        need.protection_need = ProtectionNeed::Possible;
        let mut unsafe_ = safe();
        unsafe_.trafficker_threat = RiskLevel::High;
        let cases: Vec<(ReturnFacts<'_>, ReturnRefusal)> = vec![
            (
                ReturnFacts {
                    consent: None,
                    ..facts(&s)
                },
                ReturnRefusal::ConsentMissing,
            ),
            (
                ReturnFacts {
                    asylum_application_pending: true,
                    ..facts(&s)
                },
                ReturnRefusal::AsylumApplicationPending,
            ),
            (
                ReturnFacts {
                    reflection_period_running: true,
                    ..facts(&s)
                },
                ReturnRefusal::ReflectionPeriodRunning,
            ),
            (
                ReturnFacts {
                    security_assessment: None,
                    ..facts(&s)
                },
                ReturnRefusal::SecurityAssessmentMissing,
            ),
            (facts(&need), ReturnRefusal::InternationalProtectionNeed),
            (facts(&unsafe_), ReturnRefusal::ReturnUnsafe),
            (
                ReturnFacts {
                    person_is_child: true,
                    family_assessment_recorded: true,
                    ..facts(&s)
                },
                ReturnRefusal::BestInterestsDeterminationMissing,
            ),
            (
                ReturnFacts {
                    person_is_child: true,
                    best_interests_determination_recorded: true,
                    ..facts(&s)
                },
                ReturnRefusal::FamilyAssessmentMissing,
            ),
        ];
        assert_eq!(cases.len(), ReturnRefusal::ALL.len());
        for (f, expected) in cases {
            assert_eq!(return_gate(&f).unwrap_err(), expected);
            assert_eq!(return_refusals(&f), vec![expected]);
            let e: DomainError = expected.into();
            assert_eq!(e.code, expected.as_str());
            assert_eq!(
                expected.is_forbidden(),
                expected == ReturnRefusal::ConsentMissing
            );
        }
        // A child with both records passes.
        let child = ReturnFacts {
            person_is_child: true,
            best_interests_determination_recorded: true,
            family_assessment_recorded: true,
            ..facts(&s)
        };
        assert!(return_gate(&child).is_ok());
    }

    #[test]
    fn refusals_come_in_a_fixed_order_and_are_all_listed() {
        let mut need = safe();
        need.protection_need = ProtectionNeed::Established;
        let f = ReturnFacts {
            consent: None,
            asylum_application_pending: true,
            reflection_period_running: true,
            security_assessment: Some(&need),
            person_is_child: true,
            best_interests_determination_recorded: false,
            family_assessment_recorded: false,
        };
        assert_eq!(
            return_refusals(&f),
            vec![
                ReturnRefusal::ConsentMissing,
                ReturnRefusal::AsylumApplicationPending,
                ReturnRefusal::ReflectionPeriodRunning,
                ReturnRefusal::InternationalProtectionNeed,
                ReturnRefusal::BestInterestsDeterminationMissing,
                ReturnRefusal::FamilyAssessmentMissing,
            ]
        );
        assert_eq!(return_gate(&f).unwrap_err(), ReturnRefusal::ConsentMissing);
    }

    fn decision() -> VoluntaryDecision {
        VoluntaryDecision {
            decided_on: TODAY,
            language: "km".into(),
            interpreter: true,
        }
    }

    fn plan() -> ReturnPlan {
        ReturnPlan {
            documents: vec!["emergency travel document".into()],
            travel_date: None,
            route: Some("by road through the border crossing".into()),
            escort: Escort::ReceivingStaff,
            costs: vec![],
            agreement: None,
        }
    }

    #[test]
    fn a_repatriation_needs_a_clearance_and_a_removal_is_counted_apart() {
        let s = safe();
        let clearance = return_gate(&facts(&s)).unwrap();
        let r = Repatriation::record(clearance.clone(), decision(), plan(), TODAY).unwrap();
        assert_eq!(r.consent(), consent());
        let mut bad = decision();
        bad.language = "khmer language".into();
        assert_eq!(
            Repatriation::record(clearance.clone(), bad, plan(), TODAY)
                .unwrap_err()
                .code,
            "invalid_field"
        );
        let mut future = decision();
        future.decided_on = date!(2026 - 12 - 05);
        assert!(Repatriation::record(clearance, future, plan(), TODAY).is_err());

        let removal = ForcedRemoval::record(date!(2026 - 11 - 30), "immigration", TODAY).unwrap();
        assert_eq!(
            ForcedRemoval::record(TODAY, " ", TODAY).unwrap_err().code,
            "missing_field"
        );
        let events = vec![
            ReturnEvent::Repatriation(r),
            ReturnEvent::ForcedRemoval(removal.clone()),
            ReturnEvent::ForcedRemoval(removal),
        ];
        assert_eq!(
            ReturnCounts::of(&events),
            ReturnCounts {
                repatriations: 1,
                forced_removals: 2
            }
        );
        // The JSON form names the kind, so stored events are never confused.
        let json = serde_json::to_value(&events[1]).unwrap();
        assert_eq!(json["kind"], "forced_removal");
    }

    /// The bug: a plan without a travel date was stored as `null`, which an
    /// internally tagged event could not read back (serde hands the date's
    /// deserializer a unit, not a none). Every stored event reads back.
    #[test]
    fn a_stored_event_reads_back_with_or_without_a_travel_date() {
        let s = safe();
        for travel_date in [None, Some(date!(2026 - 12 - 20))] {
            let clearance = return_gate(&facts(&s)).unwrap();
            let plan = ReturnPlan {
                travel_date,
                ..plan()
            };
            let event = ReturnEvent::Repatriation(
                Repatriation::record(clearance, decision(), plan, TODAY).unwrap(),
            );
            let json = serde_json::to_string(&event).unwrap();
            let back: ReturnEvent = serde_json::from_str(&json).unwrap();
            assert_eq!(back, event);
        }
    }
}
