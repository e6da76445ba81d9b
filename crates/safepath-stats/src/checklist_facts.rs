//! From what the records say to the checklist's inputs for one year: the
//! counting rules of the protection checklist (which stays count as open,
//! which decisions were on time, whose health was assessed in time, which
//! returns were assessed, which follow-ups reached the person).
//!
//! The application gathers [`Facts`] from plain columns (kinds, states,
//! dates; nothing sealed) and the handovers' counted follow-ups; it turns
//! moments into years and days (this crate has no clock), and
//! [`inputs`] applies the rules. Ids are opaque numbers, used only to
//! count a case once.

use std::collections::{BTreeMap, HashSet};

use crate::checklist::{ChecklistInputs, Places, Share};

/// One day in milliseconds.
const DAY_MS: i64 = 86_400_000;

/// Seven days, the checklist's limit for a presumed victim's first health
/// assessment.
pub const HEALTH_ASSESSMENT_WITHIN_MS: i64 = 7 * DAY_MS;

/// A stay in a shelter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StayFact {
    /// The year and day (days since 1970-01-01) of admission.
    pub admitted_year: i32,
    pub admitted_day: i64,
    /// The day of leaving; `None`: still there (counted up to today).
    pub left_day: Option<i64>,
    /// Free to leave in an open shelter; any other stay is a possible
    /// detention.
    pub open: bool,
}

/// A conclusive decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionFact {
    pub year: i32,
    /// The day it was taken.
    pub day: i64,
    /// The day it was due; `None` (no time limit recorded) is not on time.
    pub due_day: Option<i64>,
}

/// A presumed victim (a first positive reasonable-grounds decision).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresumedFact {
    /// The year of the decision.
    pub year: i32,
    /// When it was taken (ms).
    pub decided_ms: i64,
    /// When the needs assessment first recorded a physical-health need (ms).
    pub health_ms: Option<i64>,
}

/// A return home, voluntary or a removal by the authorities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnFact {
    pub year: i32,
    /// A repatriation through a receiving agency (a handover).
    pub repatriation: bool,
    /// A security assessment was recorded (a repatriation always has one).
    pub assessed: bool,
}

/// The rights-and-justice records, by year (cases as opaque numbers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JusticeFacts {
    /// Persons identified, by the year of the conclusive decision.
    pub identified: Vec<(i32, u128)>,
    /// Cases with a legal aid record.
    pub with_legal_aid: HashSet<u128>,
    /// Interpretation occasions: (year, an interpreter was provided).
    pub interpretation: Vec<(i32, bool)>,
    /// Permits granted, by year.
    pub permits_granted: Vec<i32>,
    /// Claims awarded: (year, paid in full).
    pub awards: Vec<(i32, bool)>,
}

/// Everything the checklist counts, in scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub orgs: u64,
    pub orgs_with_focal_point: u64,
    /// Beds by shelter target group, as the directory records them.
    pub shelter_beds: Vec<(String, u64)>,
    pub stays: Vec<StayFact>,
    pub conclusive: Vec<DecisionFact>,
    pub presumed: Vec<PresumedFact>,
    pub returns: Vec<ReturnFact>,
    /// Follow-ups after return that fell due: (due year, reached the person).
    pub follow_ups: Vec<(i32, bool)>,
    pub justice: JusticeFacts,
    /// First responders trained on identification, distinct per year. Empty:
    /// no training recorded at all ("no data yet", not zero).
    pub trained: BTreeMap<i32, u64>,
}

/// One attendance at a staff training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttendanceFact {
    /// The year the training was held.
    pub year: i32,
    /// The staff member (an opaque number: counted once a year).
    pub staff: u128,
    /// The training was on identifying victims.
    pub identification: bool,
    /// The staff member is a first responder.
    pub first_responder: bool,
}

/// First responders trained on identification, distinct per year (for
/// [`Facts::trained`]).
pub fn trained_first_responders(attendances: &[AttendanceFact]) -> BTreeMap<i32, u64> {
    let mut by_year: BTreeMap<i32, HashSet<u128>> = BTreeMap::new();
    for a in attendances
        .iter()
        .filter(|a| a.identification && a.first_responder)
    {
        by_year.entry(a.year).or_default().insert(a.staff);
    }
    by_year
        .into_iter()
        .map(|(y, staff)| (y, staff.len() as u64))
        .collect()
}

/// A share of the items of `year` that satisfy `ok`.
fn share_of<T>(items: &[T], year: impl Fn(&T) -> i32, y: i32, ok: impl Fn(&T) -> bool) -> Share {
    let mut s = Share::default();
    for it in items.iter().filter(|it| year(it) == y) {
        s.of += 1;
        s.part += u64::from(ok(it));
    }
    s
}

/// The checklist's inputs for `year`; `today` (days since 1970-01-01) ends
/// the stays still running.
pub fn inputs(f: &Facts, year: i32, today: i64) -> ChecklistInputs {
    let stays: Vec<&StayFact> = f.stays.iter().filter(|s| s.admitted_year == year).collect();
    let j = &f.justice;
    let identified: HashSet<u128> = j
        .identified
        .iter()
        .filter(|(y, _)| *y == year)
        .map(|(_, c)| *c)
        .collect();
    let awarded = j.awards.iter().filter(|(y, _)| *y == year).count() as u64;
    ChecklistInputs {
        focal_points: Share {
            part: f.orgs_with_focal_point,
            of: f.orgs,
        },
        shelter_places: f
            .shelter_beds
            .iter()
            .map(|(group, beds)| Places {
                group: if group == "survivors_of_sexual_exploitation" {
                    "sexual_exploitation".to_owned()
                } else {
                    group.clone()
                },
                beds: *beds,
            })
            .collect(),
        open_stays: Share {
            part: stays.iter().filter(|s| s.open).count() as u64,
            of: stays.len() as u64,
        },
        stay_days: stays
            .iter()
            .map(|s| s.left_day.unwrap_or(today) - s.admitted_day)
            .collect(),
        possible_detentions: stays.iter().filter(|s| !s.open).count() as u64,
        // Assessed by 7 days after the decision, or before it.
        health_within_7_days: Some(share_of(
            &f.presumed,
            |p| p.year,
            year,
            |p| {
                p.health_ms
                    .is_some_and(|h| h <= p.decided_ms + HEALTH_ASSESSMENT_WITHIN_MS)
            },
        )),
        // Staff, not victims: a count, no threshold.
        trained_responders: (!f.trained.is_empty())
            .then(|| f.trained.get(&year).copied().unwrap_or(0)),
        decisions_on_time: share_of(
            &f.conclusive,
            |d| d.year,
            year,
            |d| d.due_day.is_some_and(|due| d.day <= due),
        ),
        // Every return, voluntary or a removal by the authorities: a removal
        // counts against both shares unless assessed.
        returns_with_security_assessment: Some(share_of(
            &f.returns,
            |r| r.year,
            year,
            |r| r.assessed,
        )),
        returns_with_receiving_agency: Some(share_of(
            &f.returns,
            |r| r.year,
            year,
            |r| r.repatriation,
        )),
        follow_ups_after_return: Some(share_of(&f.follow_ups, |u| u.0, year, |u| u.1)),
        legal_aid: Some(Share {
            part: identified
                .iter()
                .filter(|c| j.with_legal_aid.contains(c))
                .count() as u64,
            of: identified.len() as u64,
        }),
        interpretation: Some(share_of(&j.interpretation, |i| i.0, year, |i| i.1)),
        permits_granted: Some(j.permits_granted.iter().filter(|y| **y == year).count() as u64),
        compensation_awarded: Some(awarded),
        compensation_paid: Some(share_of(&j.awards, |a| a.0, year, |a| a.1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = DAY_MS;

    #[test]
    fn health_counts_by_seven_days_after_the_decision_and_before_it() {
        let at = 20_000 * D;
        let p = |health_ms| PresumedFact {
            year: 2024,
            decided_ms: at,
            health_ms,
        };
        let f = Facts {
            presumed: vec![
                p(Some(at + 7 * D)),     // the seventh day counts
                p(Some(at + 7 * D + 1)), // a moment later does not
                p(Some(at - 3 * D)),     // assessed before the decision
                p(None),                 // never
                PresumedFact {
                    year: 2023,
                    ..p(Some(at))
                }, // another year
            ],
            ..Facts::default()
        };
        assert_eq!(
            inputs(&f, 2024, 0).health_within_7_days,
            Some(Share { part: 2, of: 4 })
        );
    }

    #[test]
    fn stays_open_detentions_and_lengths_count_in_the_year_of_admission() {
        let stay = |year, day, left_day, open| StayFact {
            admitted_year: year,
            admitted_day: day,
            left_day,
            open,
        };
        let f = Facts {
            stays: vec![
                stay(2024, 100, Some(130), true),
                stay(2024, 200, None, false),
                stay(2023, 10, Some(20), true),
            ],
            ..Facts::default()
        };
        let i = inputs(&f, 2024, 250);
        assert_eq!(i.open_stays, Share { part: 1, of: 2 });
        assert_eq!(i.possible_detentions, 1);
        // A stay still running counts up to today.
        assert_eq!(i.stay_days, vec![30, 50]);
    }

    #[test]
    fn decisions_are_on_time_on_or_before_the_due_day_and_never_without_one() {
        let d = |day, due_day| DecisionFact {
            year: 2024,
            day,
            due_day,
        };
        let f = Facts {
            conclusive: vec![d(10, Some(10)), d(11, Some(10)), d(5, None)],
            ..Facts::default()
        };
        assert_eq!(
            inputs(&f, 2024, 0).decisions_on_time,
            Share { part: 1, of: 3 }
        );
    }

    #[test]
    fn returns_follow_ups_and_justice_by_year() {
        let r = |year, repatriation, assessed| ReturnFact {
            year,
            repatriation,
            assessed,
        };
        let f = Facts {
            returns: vec![
                r(2024, true, true),
                r(2024, false, false),
                r(2024, false, true),
                r(2023, true, true),
            ],
            follow_ups: vec![(2024, true), (2024, false), (2025, true)],
            justice: JusticeFacts {
                identified: vec![(2024, 1), (2024, 2), (2024, 2), (2023, 3)],
                with_legal_aid: [1, 3].into_iter().collect(),
                interpretation: vec![(2024, true), (2024, false)],
                permits_granted: vec![2024, 2023],
                awards: vec![(2024, true), (2024, false), (2024, false)],
            },
            ..Facts::default()
        };
        let i = inputs(&f, 2024, 0);
        assert_eq!(
            i.returns_with_security_assessment,
            Some(Share { part: 2, of: 3 })
        );
        assert_eq!(
            i.returns_with_receiving_agency,
            Some(Share { part: 1, of: 3 })
        );
        assert_eq!(i.follow_ups_after_return, Some(Share { part: 1, of: 2 }));
        // A case identified twice counts once.
        assert_eq!(i.legal_aid, Some(Share { part: 1, of: 2 }));
        assert_eq!(i.interpretation, Some(Share { part: 1, of: 2 }));
        assert_eq!(i.permits_granted, Some(1));
        assert_eq!(i.compensation_awarded, Some(3));
        assert_eq!(i.compensation_paid, Some(Share { part: 1, of: 3 }));
    }

    #[test]
    fn first_responders_trained_on_identification_count_once_a_year() {
        let a = |year, staff, identification, first_responder| AttendanceFact {
            year,
            staff,
            identification,
            first_responder,
        };
        let trained = trained_first_responders(&[
            a(2024, 1, true, true),
            a(2024, 1, true, true),  // twice in a year: once
            a(2024, 2, false, true), // another topic
            a(2024, 3, true, false), // not a first responder
            a(2025, 1, true, true),
        ]);
        assert_eq!(trained, [(2024, 1), (2025, 1)].into_iter().collect());
    }

    #[test]
    fn no_training_recorded_is_no_data_and_a_year_without_one_is_zero() {
        assert_eq!(inputs(&Facts::default(), 2024, 0).trained_responders, None);
        let f = Facts {
            trained: [(2023, 4)].into_iter().collect(),
            ..Facts::default()
        };
        assert_eq!(inputs(&f, 2023, 0).trained_responders, Some(4));
        assert_eq!(inputs(&f, 2024, 0).trained_responders, Some(0));
    }

    #[test]
    fn shelter_places_use_the_checklists_group_names() {
        let f = Facts {
            shelter_beds: vec![
                ("survivors_of_sexual_exploitation".into(), 6),
                ("women".into(), 12),
            ],
            ..Facts::default()
        };
        let groups: Vec<(String, u64)> = inputs(&f, 2024, 0)
            .shelter_places
            .into_iter()
            .map(|p| (p.group, p.beds))
            .collect();
        assert_eq!(
            groups,
            [
                ("sexual_exploitation".to_owned(), 6),
                ("women".to_owned(), 12)
            ]
        );
    }
}
