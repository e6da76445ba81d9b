//! Vocabulary of the screening: dimensions, strengths, answers, forms, outcomes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One of the six dimensions of the ILO & European Commission operational indicators, in the
/// stable order used everywhere in SafePath: DR, CR, RV, EX, CD, VD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Dimension {
    /// Deceptive recruitment.
    DR,
    /// Coercive recruitment.
    CR,
    /// Recruitment by abuse of vulnerability.
    RV,
    /// Exploitative conditions of work.
    EX,
    /// Coercion at destination.
    CD,
    /// Abuse of vulnerability at destination.
    VD,
}

impl Dimension {
    /// All six, in the stable order.
    pub const ALL: [Dimension; 6] = [
        Dimension::DR,
        Dimension::CR,
        Dimension::RV,
        Dimension::EX,
        Dimension::CD,
        Dimension::VD,
    ];

    /// The two-letter code, e.g. `"DR"`.
    pub fn code(self) -> &'static str {
        match self {
            Dimension::DR => "DR",
            Dimension::CR => "CR",
            Dimension::RV => "RV",
            Dimension::EX => "EX",
            Dimension::CD => "CD",
            Dimension::VD => "VD",
        }
    }

    /// Parses a two-letter code.
    pub fn from_code(code: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.code() == code)
    }

    /// Position in [`Dimension::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Strength of an indicator in a given list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// S in the ILO & EC tables.
    Strong,
    /// M in the ILO & EC tables.
    Medium,
    /// W in the ILO & EC tables.
    Weak,
}

impl Strength {
    /// Stable name: `strong`, `medium`, `weak`.
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Strong => "strong",
            Strength::Medium => "medium",
            Strength::Weak => "weak",
        }
    }
}

/// An answer to an indicator question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// The indicator is present.
    Yes,
    /// The indicator is absent (also what an id left out of the input means).
    No,
    /// Not known or not asked.
    Unknown,
}

impl Answer {
    /// Stable name: `yes`, `no`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::Unknown => "unknown",
        }
    }

    /// Parses `yes`, `no` or `unknown` (exactly, lower case).
    pub fn parse(s: &str) -> Option<Answer> {
        match s {
            "yes" => Some(Answer::Yes),
            "no" => Some(Answer::No),
            "unknown" => Some(Answer::Unknown),
            _ => None,
        }
    }

    /// Combines two answers that evidence the same indicator: `yes` wins over `unknown`,
    /// which wins over `no`.
    pub fn combine(self, other: Answer) -> Answer {
        match (self, other) {
            (Answer::Yes, _) | (_, Answer::Yes) => Answer::Yes,
            (Answer::Unknown, _) | (_, Answer::Unknown) => Answer::Unknown,
            _ => Answer::No,
        }
    }
}

/// The form of exploitation being screened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// Labour exploitation (the generic questions only).
    Labour,
    /// Sexual exploitation: the sexual-exploitation lists are not yet verified, so the labour
    /// lists are used and the explanation says so.
    Sexual,
    /// Domestic servitude.
    DomesticServitude,
    /// Forced begging.
    ForcedBegging,
    /// Forced criminality: always raises the non-punishment flag.
    ForcedCriminality,
    /// Forced marriage.
    ForcedMarriage,
    /// Removal of organs.
    OrganRemoval,
    /// Forced labour at sea (fishing).
    Fishing,
}

impl Form {
    /// Every form, in a stable order.
    pub const ALL: [Form; 8] = [
        Form::Labour,
        Form::Sexual,
        Form::DomesticServitude,
        Form::ForcedBegging,
        Form::ForcedCriminality,
        Form::ForcedMarriage,
        Form::OrganRemoval,
        Form::Fishing,
    ];

    /// Stable name as in the JSON contract.
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Labour => "labour",
            Form::Sexual => "sexual",
            Form::DomesticServitude => "domestic_servitude",
            Form::ForcedBegging => "forced_begging",
            Form::ForcedCriminality => "forced_criminality",
            Form::ForcedMarriage => "forced_marriage",
            Form::OrganRemoval => "organ_removal",
            Form::Fishing => "fishing",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<Form> {
        Form::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// The adult combination rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// (DR or CR or RV) and EX and (CD or VD).
    Broad,
    /// (DR or CR) and EX and CD.
    Strict,
}

impl Rule {
    /// Stable name: `broad` or `strict`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Broad => "broad",
            Rule::Strict => "strict",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<Rule> {
        match s {
            "broad" => Some(Rule::Broad),
            "strict" => Some(Rule::Strict),
            _ => None,
        }
    }
}

/// Which list applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Population {
    /// 18 or over, and no reason to believe a child.
    Adult,
    /// Under 18, presumed a child, or (per jurisdiction) an adult who cannot protect themselves
    /// because of a disability.
    Child,
}

impl Population {
    /// Stable name: `adult` or `child`.
    pub fn as_str(self) -> &'static str {
        match self {
            Population::Adult => "adult",
            Population::Child => "child",
        }
    }
}

/// The clause that made a dimension positive (first that matches, in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clause {
    /// At least two strong indicators.
    TwoStrong,
    /// At least one strong and one medium or weak indicator.
    StrongAndMediumOrWeak,
    /// At least three medium indicators.
    ThreeMedium,
    /// At least two medium and one weak indicator.
    TwoMediumAndWeak,
}

impl Clause {
    /// Stable name, e.g. `"two_strong"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Clause::TwoStrong => "two_strong",
            Clause::StrongAndMediumOrWeak => "strong_and_medium_or_weak",
            Clause::ThreeMedium => "three_medium",
            Clause::TwoMediumAndWeak => "two_medium_and_weak",
        }
    }

    /// The clause satisfied by `strong`, `medium` and `weak` present indicators, if any.
    pub fn satisfied_by(strong: usize, medium: usize, weak: usize) -> Option<Clause> {
        if strong >= 2 {
            Some(Clause::TwoStrong)
        } else if strong >= 1 && medium + weak >= 1 {
            Some(Clause::StrongAndMediumOrWeak)
        } else if medium >= 3 {
            Some(Clause::ThreeMedium)
        } else if medium >= 2 && weak >= 1 {
            Some(Clause::TwoMediumAndWeak)
        } else {
            None
        }
    }
}

/// The screening outcome (first matching rule wins, in this order of evaluation:
/// presumed trafficking, presumed forced labour, labour rights violation, possible victim,
/// smuggled migrant, not indicated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Reasonable grounds to presume a victim of trafficking.
    PresumedTrafficking,
    /// Reasonable grounds to presume a victim of forced labour (no trafficking element).
    PresumedForcedLabour,
    /// Exploitative work without coercion; the person is free to leave (adults only).
    LabourRightsViolation,
    /// Indicators found: refer for a full interview.
    PossibleVictimRefer,
    /// Consented, fee-paid irregular crossing; the relationship ended on arrival (adults only).
    SmuggledMigrant,
    /// None of the above.
    NotIndicated,
}

impl Outcome {
    /// Every outcome, by decreasing severity.
    pub const BY_SEVERITY: [Outcome; 6] = [
        Outcome::PresumedTrafficking,
        Outcome::PresumedForcedLabour,
        Outcome::PossibleVictimRefer,
        Outcome::LabourRightsViolation,
        Outcome::SmuggledMigrant,
        Outcome::NotIndicated,
    ];

    /// Stable name as in the JSON contract.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::PresumedTrafficking => "presumed_trafficking",
            Outcome::PresumedForcedLabour => "presumed_forced_labour",
            Outcome::LabourRightsViolation => "labour_rights_violation",
            Outcome::PossibleVictimRefer => "possible_victim_refer",
            Outcome::SmuggledMigrant => "smuggled_migrant",
            Outcome::NotIndicated => "not_indicated",
        }
    }

    /// Severity, 5 (presumed trafficking) down to 0 (not indicated). Answering one more
    /// indicator `yes` never lowers it.
    pub fn severity(self) -> u8 {
        match self {
            Outcome::PresumedTrafficking => 5,
            Outcome::PresumedForcedLabour => 4,
            Outcome::PossibleVictimRefer => 3,
            Outcome::LabourRightsViolation => 2,
            Outcome::SmuggledMigrant => 1,
            Outcome::NotIndicated => 0,
        }
    }

    /// True for the two presumed outcomes (reasonable grounds; protection starts now).
    pub fn is_presumed(self) -> bool {
        matches!(
            self,
            Outcome::PresumedTrafficking | Outcome::PresumedForcedLabour
        )
    }

    /// The HTCDS trafficking status to record for this screening outcome.
    ///
    /// A screening is never a determination, so it never yields
    /// [`TraffickingStatus::Actual`]: that comes only from the conclusive decision of the
    /// competent authority, recorded later in the case.
    ///
    /// - `presumed_trafficking`, `presumed_forced_labour` and `possible_victim_refer` →
    ///   `possible`: the person has been found to have indicators and is treated as a possible
    ///   (or presumed) victim until the decision.
    /// - `labour_rights_violation`, `smuggled_migrant` and `not_indicated` → `not_a_victim`,
    ///   meaning "not a victim on this screening": a later screening may change it.
    pub fn trafficking_status(self) -> TraffickingStatus {
        match self {
            Outcome::PresumedTrafficking
            | Outcome::PresumedForcedLabour
            | Outcome::PossibleVictimRefer => TraffickingStatus::Possible,
            Outcome::LabourRightsViolation | Outcome::SmuggledMigrant | Outcome::NotIndicated => {
                TraffickingStatus::NotAVictim
            }
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// IOM HTCDS v2.0 trafficking status of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraffickingStatus {
    /// Indicators found; not yet decided.
    Possible,
    /// Decided by the competent authority (never produced by a screening).
    Actual,
    /// Not a victim (on this screening).
    NotAVictim,
}

/// Stage of the person's journey, used to group questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// How the person was recruited.
    Recruitment,
    /// The journey.
    Travel,
    /// Work and living at the destination.
    Destination,
}

impl Stage {
    /// The three stages in journey order.
    pub const ALL: [Stage; 3] = [Stage::Recruitment, Stage::Travel, Stage::Destination];

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Recruitment => "recruitment",
            Stage::Travel => "travel",
            Stage::Destination => "destination",
        }
    }
}

/// Language of questions and explanations.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Locale {
    /// English (default).
    #[default]
    En,
    /// Indonesian (Bahasa Indonesia).
    Id,
    /// Thai (machine-assisted, not yet reviewed by a native speaker).
    Th,
    /// Vietnamese (machine-assisted, not yet reviewed by a native speaker).
    Vi,
    /// Khmer (machine-assisted, not yet reviewed by a native speaker).
    Km,
    /// Burmese (machine-assisted, not yet reviewed by a native speaker).
    My,
}

impl Locale {
    /// Every supported locale.
    pub const ALL: [Locale; 6] = [
        Locale::En,
        Locale::Id,
        Locale::Th,
        Locale::Vi,
        Locale::Km,
        Locale::My,
    ];

    /// BCP 47 tag: `en`, `id`, `th`, `vi`, `km`, `my`.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Id => "id",
            Locale::Th => "th",
            Locale::Vi => "vi",
            Locale::Km => "km",
            Locale::My => "my",
        }
    }

    /// Parses a tag.
    pub fn parse(s: &str) -> Option<Locale> {
        Locale::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// An indicator id of the catalogue, such as `CD1`. Ordered naturally: by dimension (DR, CR,
/// RV, EX, CD, VD), then by number (DR2 before DR10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IndicatorId {
    dimension: Dimension,
    number: u8,
}

impl IndicatorId {
    /// The id if `s` names an indicator of the catalogue, else `None`.
    pub fn new(s: &str) -> Option<IndicatorId> {
        let id = IndicatorId::syntactic(s)?;
        crate::catalogue::catalogue().indicator(id).map(|_| id)
    }

    /// Parses `XXn` without checking the catalogue (used while loading it).
    pub(crate) fn syntactic(s: &str) -> Option<IndicatorId> {
        let code = s.get(..2)?;
        let digits = s.get(2..)?;
        if digits.is_empty()
            || digits.starts_with('0')
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let dimension = Dimension::from_code(code)?;
        let number = digits.parse().ok()?;
        Some(IndicatorId { dimension, number })
    }

    /// The dimension the indicator belongs to.
    pub fn dimension(self) -> Dimension {
        self.dimension
    }

    /// The number within its dimension (1-based).
    pub fn number(self) -> u8 {
        self.number
    }
}

impl fmt::Display for IndicatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.dimension.code(), self.number)
    }
}

impl Serialize for IndicatorId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IndicatorId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        IndicatorId::new(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("`{s}` is not an indicator id of the catalogue"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicator_ids_parse_strictly_and_sort_naturally() {
        for bad in [
            "", "DR", "DR0", "DR01", "dr1", "DR1 ", "XX1", "DR11", "DR999", "ÉR1", "VD8",
        ] {
            assert_eq!(IndicatorId::new(bad), None, "{bad}");
        }
        let mut ids: Vec<IndicatorId> = ["VD1", "DR10", "CD2", "DR2", "CR1", "EX9", "RV16"]
            .iter()
            .map(|s| IndicatorId::new(s).unwrap())
            .collect();
        ids.sort();
        let shown: Vec<String> = ids.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["DR2", "DR10", "CR1", "RV16", "EX9", "CD2", "VD1"]);
        let json = serde_json::to_string(&ids[0]).unwrap();
        assert_eq!(json, "\"DR2\"");
        assert_eq!(serde_json::from_str::<IndicatorId>(&json).unwrap(), ids[0]);
        assert!(serde_json::from_str::<IndicatorId>("\"DR11\"").is_err());
    }

    #[test]
    fn answers_combine_yes_over_unknown_over_no() {
        use Answer::*;
        assert_eq!(No.combine(Yes), Yes);
        assert_eq!(Unknown.combine(Yes), Yes);
        assert_eq!(No.combine(Unknown), Unknown);
        assert_eq!(No.combine(No), No);
        for a in [Yes, No, Unknown] {
            assert_eq!(Answer::parse(a.as_str()), Some(a));
        }
        assert_eq!(Answer::parse("Yes"), None);
    }

    #[test]
    fn severity_follows_the_documented_order() {
        let severities: Vec<u8> = Outcome::BY_SEVERITY.iter().map(|o| o.severity()).collect();
        assert_eq!(severities, [5, 4, 3, 2, 1, 0]);
        assert!(
            Outcome::BY_SEVERITY
                .iter()
                .all(|o| o.trafficking_status() != TraffickingStatus::Actual)
        );
    }

    #[test]
    fn names_round_trip() {
        for f in Form::ALL {
            assert_eq!(Form::parse(f.as_str()), Some(f));
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
        for r in [Rule::Broad, Rule::Strict] {
            assert_eq!(Rule::parse(r.as_str()), Some(r));
        }
        for d in Dimension::ALL {
            assert_eq!(Dimension::from_code(d.code()), Some(d));
            assert_eq!(Dimension::ALL[d.index()], d);
        }
        for c in [
            Clause::TwoStrong,
            Clause::StrongAndMediumOrWeak,
            Clause::ThreeMedium,
            Clause::TwoMediumAndWeak,
        ] {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
    }
}
