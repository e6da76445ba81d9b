//! Shelters and shelter stays: voluntariness, duration, and who may be placed
//! where.
//!
//! A shelter is open accommodation the person may leave (PRODUCT.md, terms):
//! a stay the person may not leave freely, in a closed shelter, or one that
//! has lasted longer than the configured limit is flagged as *possible
//! detention* for a coordinator to look at ([`detention_flags`]). The flags
//! are questions, not verdicts.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::DomainError;
use crate::person::GenderIdentity;

/// Refusal codes of [`check_eligibility`] (stable).
pub mod codes {
    /// A child (or a person treated as one) goes only to a children's shelter.
    pub const CHILD_ONLY_IN_CHILDREN_SHELTER: &str = "child_only_in_children_shelter";
    /// An adult does not go to a children's shelter.
    pub const ADULT_NOT_IN_CHILDREN_SHELTER: &str = "adult_not_in_children_shelter";
    /// The shelter is for another gender, and the person did not choose it.
    pub const SHELTER_GENDER_MISMATCH: &str = "shelter_gender_mismatch";
    /// The shelter is for survivors of sexual exploitation.
    pub const NOT_A_SURVIVOR_OF_SEXUAL_EXPLOITATION: &str = "not_a_survivor_of_sexual_exploitation";
}

vocabulary! {
    /// Who a shelter is for.
    ShelterType, "shelter.type", "not a known shelter type" {
        Women => "women",
        Children => "children",
        Men => "men",
        Transgender => "transgender",
        SurvivorsOfSexualExploitation => "survivors_of_sexual_exploitation",
    }
}

vocabulary! {
    /// Whether residents may come and go.
    ShelterRegime, "shelter.regime", "expected open or closed" {
        Open => "open",
        /// Residents may not leave freely. Some jurisdictions run closed
        /// shelters (often for children); every stay in one is flagged.
        Closed => "closed",
    }
}

/// One stay of a person in a shelter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stay {
    pub shelter_type: ShelterType,
    pub regime: ShelterRegime,
    #[serde(with = "crate::casework::iso_date")]
    pub admitted_on: Date,
    #[serde(default, with = "crate::casework::iso_date::option")]
    pub left_on: Option<Date>,
    /// Whether the person may leave whenever they wish (recorded by staff and
    /// confirmed with the person).
    pub free_to_leave: bool,
}

impl Stay {
    /// Length in days up to `left_on`, or up to `today` while it lasts (0
    /// for a stay recorded as starting later).
    pub fn days(&self, today: Date) -> i64 {
        let end = self.left_on.unwrap_or(today);
        (end - self.admitted_on).whole_days().max(0)
    }
}

/// The default limit after which a stay is flagged, in days.
///
/// 180 days, about six months: twice the longest reflection period in common
/// use (90 days) and two periodic reviews. By then a durable solution should
/// be under way and the person living somewhere of their own choosing; a
/// longer stay often means someone waiting without a way out — documents,
/// permits, a place to go — which is how a shelter drifts into detention.
/// Jurisdictions configure their own limit. The flag asks for a review; it
/// never ends a stay.
pub const DEFAULT_MAX_STAY_DAYS: u32 = 180;

vocabulary! {
    /// Why a stay may amount to detention.
    DetentionFlag, "detention_flag", "not a known detention flag" {
        /// Recorded as not free to leave.
        NotFreeToLeave => "not_free_to_leave",
        /// A closed shelter.
        ClosedShelter => "closed_shelter",
        /// Longer than the configured limit.
        StayExceedsLimit => "stay_exceeds_limit",
    }
}

/// The reasons to suspect the stay is (or was) detention rather than
/// shelter; empty when there are none. Ended stays are assessed over their
/// whole length, so the statistics can count them too.
pub fn detention_flags(stay: &Stay, today: Date, max_days: u32) -> Vec<DetentionFlag> {
    let mut flags = Vec::new();
    if !stay.free_to_leave {
        flags.push(DetentionFlag::NotFreeToLeave);
    }
    if stay.regime == ShelterRegime::Closed {
        flags.push(DetentionFlag::ClosedShelter);
    }
    if stay.days(today) > i64::from(max_days) {
        flags.push(DetentionFlag::StayExceedsLimit);
    }
    flags
}

/// The facts about a person that shelter eligibility needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShelterCandidate {
    /// A child, or treated as one because their age is uncertain and there
    /// are reasons to believe they are a child (principle 1).
    pub is_child: bool,
    /// As the person states it (self-identification; never inferred).
    pub gender: GenderIdentity,
    pub survivor_of_sexual_exploitation: bool,
    /// The shelter type the person chose, if they expressed a choice.
    pub chosen: Option<ShelterType>,
}

/// On what ground a person is eligible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eligibility {
    /// The shelter is for people like them.
    ByRight,
    /// Their own choice makes them eligible (gender-diverse persons, or
    /// persons who did not disclose their gender, choosing a women's or
    /// men's shelter).
    ByChoice,
}

/// Whether a gender identity is transgender or otherwise gender-diverse.
fn gender_diverse(g: GenderIdentity) -> bool {
    matches!(
        g,
        GenderIdentity::TransgenderWoman
            | GenderIdentity::TransgenderMan
            | GenderIdentity::NonBinary
            | GenderIdentity::Other
    )
}

/// Whether the person may be placed in a shelter of this type.
///
/// The rule:
/// * A child goes only to a children's shelter; an adult never does.
/// * Women's shelters: women and transgender women by right. Transgender
///   men, non-binary persons, persons of another gender and persons who did
///   not disclose theirs, if they chose it. Men: never.
/// * Men's shelters: the mirror image.
/// * Transgender shelters: transgender, non-binary and other gender-diverse
///   persons, by right; they exist for their safety, so no one else.
/// * Shelters for survivors of sexual exploitation: survivors, of any gender.
///
/// So a transgender person is always eligible for a transgender shelter and
/// for the women's or men's shelter they choose; [`must_offer`] says what
/// must be offered to them.
pub fn check_eligibility(
    person: &ShelterCandidate,
    shelter: ShelterType,
) -> Result<Eligibility, DomainError> {
    use GenderIdentity as G;
    if person.is_child {
        return if shelter == ShelterType::Children {
            Ok(Eligibility::ByRight)
        } else {
            Err(DomainError::new(
                codes::CHILD_ONLY_IN_CHILDREN_SHELTER,
                format!(
                    "a child is placed only in a children's shelter, not a {} shelter",
                    shelter.as_str()
                ),
            ))
        };
    }
    let mismatch = || {
        Err(DomainError::new(
            codes::SHELTER_GENDER_MISMATCH,
            format!(
                "a {} shelter is not for this person unless they choose it",
                shelter.as_str()
            ),
        ))
    };
    let by_choice = |wanted: ShelterType| {
        if person.chosen == Some(wanted) {
            Ok(Eligibility::ByChoice)
        } else {
            mismatch()
        }
    };
    match shelter {
        ShelterType::Children => Err(DomainError::new(
            codes::ADULT_NOT_IN_CHILDREN_SHELTER,
            "an adult is not placed in a children's shelter",
        )),
        ShelterType::Women => match person.gender {
            G::Woman | G::TransgenderWoman => Ok(Eligibility::ByRight),
            G::TransgenderMan | G::NonBinary | G::Other | G::NotDisclosed => {
                by_choice(ShelterType::Women)
            }
            G::Man => mismatch(),
        },
        ShelterType::Men => match person.gender {
            G::Man | G::TransgenderMan => Ok(Eligibility::ByRight),
            G::TransgenderWoman | G::NonBinary | G::Other | G::NotDisclosed => {
                by_choice(ShelterType::Men)
            }
            G::Woman => mismatch(),
        },
        ShelterType::Transgender => {
            if gender_diverse(person.gender) {
                Ok(Eligibility::ByRight)
            } else {
                mismatch()
            }
        }
        ShelterType::SurvivorsOfSexualExploitation => {
            if person.survivor_of_sexual_exploitation {
                Ok(Eligibility::ByRight)
            } else {
                Err(DomainError::new(
                    codes::NOT_A_SURVIVOR_OF_SEXUAL_EXPLOITATION,
                    "this shelter is for survivors of sexual exploitation",
                ))
            }
        }
    }
}

/// The shelter types that must be offered to the person, first to last:
/// a child, a children's shelter; a transgender or gender-diverse adult, a
/// transgender shelter and the shelter they chose (if eligible and
/// different). For others nothing is mandatory: any eligible shelter with
/// room may be offered.
pub fn must_offer(person: &ShelterCandidate) -> Vec<ShelterType> {
    if person.is_child {
        return vec![ShelterType::Children];
    }
    if !gender_diverse(person.gender) {
        return Vec::new();
    }
    let mut out = vec![ShelterType::Transgender];
    if let Some(c) = person.chosen
        && c != ShelterType::Transgender
        && check_eligibility(person, c).is_ok()
    {
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_round_trip() {
        for v in ShelterType::ALL {
            assert_eq!(ShelterType::parse(v.as_str()).unwrap(), *v);
        }
        for v in ShelterRegime::ALL {
            assert_eq!(ShelterRegime::parse(v.as_str()).unwrap(), *v);
        }
        for v in DetentionFlag::ALL {
            assert_eq!(DetentionFlag::parse(v.as_str()).unwrap(), *v);
        }
    }
}
