//! The individual needs assessment, the care plan and the periodic case
//! review.
//!
//! The assessment is individual, gender- and age-sensitive (PRODUCT.md,
//! capability 2): each [`Need`] belongs to one [`NeedDomain`], has a priority,
//! a status and the person's own view in their words — the person may decline
//! any service, which is recorded as [`NeedStatus::Declined`], not as a failure.
//! [`prompts_for`] gives the questions that matter for particular profiles, as
//! data, so they can be translated and reviewed without touching code.
//!
//! The care plan links goals to needs and tasks to goals; [`overdue`] lists
//! late tasks. Cases are reviewed periodically, by default every 3 months
//! ([`next_review_due`], [`review_queue`]).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use super::ids::{GoalId, NeedId, TaskId};
use super::required_text;
use crate::DomainError;
use crate::case::CaseStatus;
use crate::ids::{CaseId, UserId};

/// Refusal codes of this module (stable).
pub mod codes {
    /// A sub-area used with a domain it does not belong to.
    pub const SUB_AREA_MISMATCH: &str = "need_sub_area_mismatch";
    /// A goal refers to a need that is not in the assessment.
    pub const UNKNOWN_NEED: &str = "unknown_need";
    /// A task refers to a goal that is not in the care plan.
    pub const UNKNOWN_GOAL: &str = "unknown_goal";
    /// A goal linked to no need.
    pub const GOAL_WITHOUT_NEED: &str = "goal_without_need";
}

vocabulary! {
    /// The domains of the needs assessment.
    NeedDomain, "need.domain", "not a known needs-assessment domain" {
        SafetyAndRisk => "safety_and_risk",
        PhysicalHealth => "physical_health",
        MentalHealthPsychosocial => "mental_health_psychosocial",
        LegalAssistance => "legal_assistance",
        Interpretation => "interpretation",
        Accommodation => "accommodation",
        DocumentsAndLegalStatus => "documents_and_legal_status",
        /// For children, and for victims' children.
        Education => "education",
        Livelihood => "livelihood",
        FamilyContact => "family_contact",
    }
}

vocabulary! {
    /// Finer areas within a domain, where the checklist or services need them.
    SubArea, "need.sub_area", "not a known needs-assessment sub-area" {
        /// Physical health: the first health assessment (the protection
        /// checklist measures the share done within 7 days).
        InitialHealthAssessment => "initial_health_assessment",
        VocationalTraining => "vocational_training",
        Employment => "employment",
        FinancialSubsidy => "financial_subsidy",
        Microfinance => "microfinance",
    }
}

impl SubArea {
    /// The domain the sub-area belongs to.
    pub fn domain(self) -> NeedDomain {
        match self {
            SubArea::InitialHealthAssessment => NeedDomain::PhysicalHealth,
            SubArea::VocationalTraining
            | SubArea::Employment
            | SubArea::FinancialSubsidy
            | SubArea::Microfinance => NeedDomain::Livelihood,
        }
    }
}

vocabulary! {
    Priority, "need.priority", "expected urgent, high, medium or low" {
        Urgent => "urgent",
        High => "high",
        Medium => "medium",
        Low => "low",
    }
}

vocabulary! {
    NeedStatus, "need.status", "not a known need status" {
        /// Found, nothing arranged yet.
        Open => "open",
        /// A service or task is under way.
        InProgress => "in_progress",
        Met => "met",
        /// The person does not want this service (their right, principle 1).
        Declined => "declined",
    }
}

vocabulary! {
    /// Whose need it is: the person's, or their child's (education and
    /// health needs of victims' children are part of the person's plan).
    Beneficiary, "need.beneficiary", "expected person or dependent_child" {
        Person => "person",
        DependentChild => "dependent_child",
    }
}

impl NeedDomain {
    /// The consent ledger's data category a need of this domain belongs to:
    /// a referral that shares the category shares these needs.
    pub fn data_category(self) -> super::consent::DataCategory {
        use super::consent::DataCategory as C;
        match self {
            NeedDomain::PhysicalHealth | NeedDomain::MentalHealthPsychosocial => C::Health,
            NeedDomain::LegalAssistance | NeedDomain::DocumentsAndLegalStatus => C::Legal,
            NeedDomain::Accommodation => C::Accommodation,
            NeedDomain::FamilyContact => C::Family,
            NeedDomain::SafetyAndRisk
            | NeedDomain::Interpretation
            | NeedDomain::Education
            | NeedDomain::Livelihood => C::CaseHistory,
        }
    }
}

/// One need found by the assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Need {
    pub id: NeedId,
    pub domain: NeedDomain,
    pub sub_area: Option<SubArea>,
    pub beneficiary: Beneficiary,
    pub priority: Priority,
    pub status: NeedStatus,
    /// The person's own view of the need, in their words (as interpreted);
    /// empty when they chose not to say. Stored encrypted.
    pub persons_view: String,
}

impl Need {
    pub fn validate(&self) -> Result<(), DomainError> {
        if let Some(s) = self.sub_area
            && s.domain() != self.domain
        {
            return Err(DomainError::new(
                codes::SUB_AREA_MISMATCH,
                format!(
                    "{} is part of {}, not {}",
                    s.as_str(),
                    s.domain().as_str(),
                    self.domain.as_str()
                ),
            ));
        }
        if self.persons_view.chars().count() > super::MAX_REASON_CHARS {
            return Err(DomainError::invalid(
                "need.persons_view",
                "is longer than 2000 characters",
            ));
        }
        Ok(())
    }
}

vocabulary! {
    /// Profiles that call for specific questions on top of the general ones.
    Profile, "profile", "not a known assessment profile" {
        Child => "child",
        ManInForcedLabour => "man_in_forced_labour",
        TransgenderPerson => "transgender_person",
        SurvivorOfSexualExploitation => "survivor_of_sexual_exploitation",
    }
}

/// The profiles that call for extra assessment questions, from what is
/// recorded: a person who may be a child (the presumption of minority for
/// uncertain ages), a man in forced labour, a transgender person, a survivor
/// of sexual exploitation (from the case's forms of exploitation).
pub fn profiles_of(
    person: &crate::person::Person,
    forms: &[crate::case::ExploitationForm],
    today: Date,
) -> Vec<Profile> {
    use crate::case::ExploitationForm as F;
    use crate::person::GenderIdentity as G;
    let mut out = Vec::new();
    if person
        .birth_date
        .as_ref()
        .is_some_and(|b| b.may_be_child(today))
    {
        out.push(Profile::Child);
    }
    let man = matches!(person.gender_identity, G::Man | G::TransgenderMan);
    if man && forms.contains(&F::ForcedLabour) {
        out.push(Profile::ManInForcedLabour);
    }
    if matches!(
        person.gender_identity,
        G::TransgenderWoman | G::TransgenderMan
    ) {
        out.push(Profile::TransgenderPerson);
    }
    if forms.contains(&F::SexualExploitation) {
        out.push(Profile::SurvivorOfSexualExploitation);
    }
    out
}

/// One question of the assessment, in plain English. `key` is stable and is
/// what translations attach to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Prompt {
    pub key: &'static str,
    pub domain: NeedDomain,
    pub text: &'static str,
}

const fn p(key: &'static str, domain: NeedDomain, text: &'static str) -> Prompt {
    Prompt { key, domain, text }
}

use NeedDomain as D;

/// One question per domain, asked of everyone.
const GENERAL: &[Prompt] = &[
    p(
        "general.safety",
        D::SafetyAndRisk,
        "Do you feel safe where you are now? Is there anyone you are afraid of?",
    ),
    p(
        "general.physical_health",
        D::PhysicalHealth,
        "Are you in pain, injured or unwell? Would you like to see a doctor or nurse?",
    ),
    p(
        "general.mental_health",
        D::MentalHealthPsychosocial,
        "How are you sleeping and feeling? Would you like to talk to someone about what happened?",
    ),
    p(
        "general.legal",
        D::LegalAssistance,
        "Would you like free advice from a lawyer about your rights?",
    ),
    p(
        "general.interpretation",
        D::Interpretation,
        "Which language do you want to speak? Would you like an interpreter?",
    ),
    p(
        "general.accommodation",
        D::Accommodation,
        "Do you have a safe place to stay tonight?",
    ),
    p(
        "general.documents",
        D::DocumentsAndLegalStatus,
        "Do you have your passport or identity card? Does anyone else keep your documents?",
    ),
    p(
        "general.education",
        D::Education,
        "Do you have children with you or at home? Do they go to school?",
    ),
    p(
        "general.livelihood",
        D::Livelihood,
        "What work or training would you like to do in the future?",
    ),
    p(
        "general.family_contact",
        D::FamilyContact,
        "Is there someone in your family you want us to contact? Is there anyone we must not contact?",
    ),
];

const CHILD: &[Prompt] = &[
    p(
        "child.trusted_adult",
        D::SafetyAndRisk,
        "Is there an adult you trust? Is there an adult you are afraid of?",
    ),
    p(
        "child.guardian",
        D::FamilyContact,
        "Who looked after you before? Would you like them to know where you are?",
    ),
    p(
        "child.school",
        D::Education,
        "Did you go to school before? Would you like to go to school or learn a trade?",
    ),
    p(
        "child.health",
        D::PhysicalHealth,
        "Do you feel ill or hurt anywhere? A doctor who works with young people can see you.",
    ),
    p(
        "child.feelings",
        D::MentalHealthPsychosocial,
        "Do you have bad dreams or feel scared often? It is normal and we can help.",
    ),
    p(
        "child.age_documents",
        D::DocumentsAndLegalStatus,
        "Do you know how old you are? Do you have a birth certificate or school paper?",
    ),
];

const MAN_FORCED_LABOUR: &[Prompt] = &[
    p(
        "forced_labour.wages",
        D::LegalAssistance,
        "Were you paid what you were promised? Do you want help to claim unpaid wages?",
    ),
    p(
        "forced_labour.debt",
        D::SafetyAndRisk,
        "Do you owe money to an employer, agent or recruiter? Has anyone threatened you or your family about it?",
    ),
    p(
        "forced_labour.injury",
        D::PhysicalHealth,
        "Were you hurt at work or made to work when you were sick?",
    ),
    p(
        "forced_labour.shame",
        D::MentalHealthPsychosocial,
        "Many men in your situation feel shame or worry about their family. Would you like to talk to someone?",
    ),
    p(
        "forced_labour.remittances",
        D::Livelihood,
        "Does your family depend on money you send home? What would help you support them now?",
    ),
    p(
        "forced_labour.accommodation",
        D::Accommodation,
        "Would you like a place to stay that is only for men?",
    ),
];

const TRANSGENDER: &[Prompt] = &[
    p(
        "transgender.name_pronouns",
        D::SafetyAndRisk,
        "Which name and pronouns should we use for you? Who may know them?",
    ),
    p(
        "transgender.accommodation",
        D::Accommodation,
        "Where would you feel safest to stay: a shelter for transgender people, or another shelter you choose?",
    ),
    p(
        "transgender.health",
        D::PhysicalHealth,
        "Do you take hormones or need other health care to continue?",
    ),
    p(
        "transgender.documents",
        D::DocumentsAndLegalStatus,
        "Do your documents show a name or gender that is not yours? Has this caused you problems?",
    ),
    p(
        "transgender.support",
        D::MentalHealthPsychosocial,
        "Would you like to meet a support group or a counsellor who works with transgender people?",
    ),
];

const SEXUAL_EXPLOITATION: &[Prompt] = &[
    p(
        "sexual_exploitation.health",
        D::PhysicalHealth,
        "Would you like a confidential health check, including sexual and reproductive health?",
    ),
    p(
        "sexual_exploitation.staff",
        D::MentalHealthPsychosocial,
        "Would you prefer to talk to a woman or a man? Would you like counselling?",
    ),
    p(
        "sexual_exploitation.safety",
        D::SafetyAndRisk,
        "Could the people who exploited you find you or contact you, for example online?",
    ),
    p(
        "sexual_exploitation.images",
        D::LegalAssistance,
        "Are there photos or videos of you that you want removed? A lawyer can help.",
    ),
    p(
        "sexual_exploitation.children",
        D::Education,
        "Do you have children who need care or school while you get support?",
    ),
];

/// The general questions, one per domain, for everyone.
pub fn general_prompts() -> Vec<Prompt> {
    GENERAL.to_vec()
}

/// The questions specific to one profile (in addition to the general ones).
pub fn prompts_for(profile: Profile) -> Vec<Prompt> {
    match profile {
        Profile::Child => CHILD,
        Profile::ManInForcedLabour => MAN_FORCED_LABOUR,
        Profile::TransgenderPerson => TRANSGENDER,
        Profile::SurvivorOfSexualExploitation => SEXUAL_EXPLOITATION,
    }
    .to_vec()
}

/// The whole question list for a person who fits several profiles (a
/// transgender survivor of sexual exploitation, a child in forced labour…):
/// the general questions, then each profile's, in the order given, without
/// repeats.
pub fn assessment_prompts(profiles: &[Profile]) -> Vec<Prompt> {
    let mut seen = BTreeSet::new();
    let mut out = general_prompts();
    for profile in profiles {
        if seen.insert(*profile) {
            out.extend(prompts_for(*profile));
        }
    }
    out
}

/// A care-plan goal, addressing one or more needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    pub id: GoalId,
    pub needs: Vec<NeedId>,
    pub description: String,
}

/// A care-plan task, serving one goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: TaskId,
    pub goal: GoalId,
    pub description: String,
    pub assigned_to: Option<UserId>,
    #[serde(with = "crate::casework::iso_date")]
    pub due_on: Date,
    /// The day it was done.
    #[serde(default, with = "crate::casework::iso_date::option")]
    pub done_on: Option<Date>,
    /// No longer needed (e.g. the person declined the service).
    pub cancelled: bool,
}

impl Task {
    /// Open tasks past their due day. A task due today is not overdue yet.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.done_on.is_none() && !self.cancelled && self.due_on < today
    }
}

/// The overdue tasks, most overdue first (ties by task id, so the order is
/// stable).
pub fn overdue(tasks: &[Task], today: Date) -> Vec<&Task> {
    let mut out: Vec<&Task> = tasks.iter().filter(|t| t.is_overdue(today)).collect();
    out.sort_by_key(|t| (t.due_on, t.id));
    out
}

/// Checks the links of a care plan: each need valid, each goal addresses at
/// least one need of the assessment, each task serves a goal of the plan,
/// and descriptions are present.
pub fn check_care_plan(needs: &[Need], goals: &[Goal], tasks: &[Task]) -> Result<(), DomainError> {
    for n in needs {
        n.validate()?;
    }
    let need_ids: BTreeSet<NeedId> = needs.iter().map(|n| n.id).collect();
    for g in goals {
        required_text("goal.description", "missing_field", &g.description)?;
        if g.needs.is_empty() {
            return Err(DomainError::new(
                codes::GOAL_WITHOUT_NEED,
                "a care-plan goal must address at least one assessed need",
            ));
        }
        if g.needs.iter().any(|n| !need_ids.contains(n)) {
            return Err(DomainError::new(
                codes::UNKNOWN_NEED,
                "a care-plan goal refers to a need that is not in the assessment",
            ));
        }
    }
    let goal_ids: BTreeSet<GoalId> = goals.iter().map(|g| g.id).collect();
    for t in tasks {
        required_text("task.description", "missing_field", &t.description)?;
        if !goal_ids.contains(&t.goal) {
            return Err(DomainError::new(
                codes::UNKNOWN_GOAL,
                "a task refers to a goal that is not in the care plan",
            ));
        }
    }
    Ok(())
}

/// Interagency case review every 3 months by default (PRODUCT.md).
pub const DEFAULT_REVIEW_MONTHS: u8 = 3;

/// Adds calendar months, keeping the day of the month where it exists and
/// otherwise taking the month's last day (31 January + 1 month = 28 or 29
/// February). Saturates at the last representable date.
fn add_months(d: Date, months: u32) -> Date {
    let total = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 + i64::from(months);
    let Ok(year) = i32::try_from(total.div_euclid(12)) else {
        return Date::MAX;
    };
    let month_index = u8::try_from(total.rem_euclid(12) + 1).unwrap_or(12);
    let Ok(month) = Month::try_from(month_index) else {
        return Date::MAX;
    };
    let day = d.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MAX)
}

/// The day the next periodic review is due, `every_months` after the last.
/// An interval of 0 would make every case permanently due and is read as 1.
pub fn next_review_due(last_review: Date, every_months: u8) -> Date {
    add_months(last_review, u32::from(every_months.max(1)))
}

/// What the review queue needs to know about a case (no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewFacts {
    pub case: CaseId,
    pub status: CaseStatus,
    #[serde(with = "crate::casework::iso_date")]
    pub opened_on: Date,
    #[serde(default, with = "crate::casework::iso_date::option")]
    pub last_review: Option<Date>,
    /// The review interval configured for the case (default 3).
    pub every_months: u8,
}

/// One case due for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDue {
    pub case: CaseId,
    #[serde(with = "crate::casework::iso_date")]
    pub due_on: Date,
    /// 0 when due today.
    pub days_overdue: i64,
}

/// The cases due for review on `today`, most overdue first (ties by case
/// id). Closed cases are not reviewed; a case never reviewed is due one
/// interval after it was opened.
pub fn review_queue(cases: &[ReviewFacts], today: Date) -> Vec<ReviewDue> {
    let mut out: Vec<ReviewDue> = cases
        .iter()
        .filter(|c| c.status != CaseStatus::Closed)
        .filter_map(|c| {
            let due_on = next_review_due(c.last_review.unwrap_or(c.opened_on), c.every_months);
            (due_on <= today).then(|| ReviewDue {
                case: c.case,
                due_on,
                days_overdue: (today - due_on).whole_days(),
            })
        })
        .collect();
    out.sort_by_key(|r| (r.due_on, r.case));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn vocabularies_round_trip() {
        for v in NeedDomain::ALL {
            assert_eq!(NeedDomain::parse(v.as_str()).unwrap(), *v);
        }
        for v in SubArea::ALL {
            assert_eq!(SubArea::parse(v.as_str()).unwrap(), *v);
        }
        for v in Priority::ALL {
            assert_eq!(Priority::parse(v.as_str()).unwrap(), *v);
        }
        for v in NeedStatus::ALL {
            assert_eq!(NeedStatus::parse(v.as_str()).unwrap(), *v);
        }
        for v in Profile::ALL {
            assert_eq!(Profile::parse(v.as_str()).unwrap(), *v);
        }
        for v in Beneficiary::ALL {
            assert_eq!(Beneficiary::parse(v.as_str()).unwrap(), *v);
        }
    }

    #[test]
    fn profiles_follow_what_is_recorded() {
        use crate::case::ExploitationForm as F;
        let person = |json: serde_json::Value| -> crate::person::Person {
            serde_json::from_value(json).unwrap()
        };
        let today = date!(2026 - 11 - 29);
        let man = person(
            serde_json::json!({"names": [], "gender_identity": "man", "birth_date": {"kind": "year", "year": 1990}}),
        );
        assert_eq!(
            profiles_of(&man, &[F::ForcedLabour], today),
            vec![Profile::ManInForcedLabour]
        );
        assert!(profiles_of(&man, &[F::ForcedBegging], today).is_empty());
        let girl = person(
            serde_json::json!({"names": [], "gender_identity": "transgender_woman", "birth_date": {"kind": "estimated_age", "age": 16, "on": "2026-01-10"}}),
        );
        assert_eq!(
            profiles_of(&girl, &[F::SexualExploitation], today),
            vec![
                Profile::Child,
                Profile::TransgenderPerson,
                Profile::SurvivorOfSexualExploitation
            ]
        );
    }

    #[test]
    fn months_clamp_to_the_end_of_the_month() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2028 - 01 - 31), 1), date!(2028 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 11 - 30), 3), date!(2027 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 12 - 15), 12), date!(2027 - 12 - 15));
        assert_eq!(add_months(Date::MAX, 3), Date::MAX);
    }
}
