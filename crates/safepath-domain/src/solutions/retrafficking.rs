//! Re-trafficking after return, as pure rules (issue 12): a person who
//! returned home through a recorded repatriation and appears again in this
//! deployment's records may have been trafficked again.
//!
//! * Only a repatriation counts as a return home ([`is_return_home`]); a
//!   removal by the authorities went through no receiving agency and has no
//!   handover to alert.
//! * A pair of the de-duplication run alerts only in the "likely" band and
//!   only when exactly one of its cases records the return ([`pairing`]):
//!   both returned is one return recorded twice, not a new sighting.
//! * Each pair of cases is told once, and a case is never a sighting of
//!   itself ([`untold`]).
//! * The origin is alerted through a handover only from the destination's
//!   side, while the protocol still accepts a security alert
//!   ([`may_alert_origin`]).
//!
//! The application finds the returned cases, the pairs and the handovers,
//! and writes the notices and marks; nothing here looks anything up.

use std::collections::HashSet;

use crate::ids::CaseId;
use crate::solutions::handover::{self, HandoverState, MessageKind, Side};
use crate::solutions::repatriation::REPATRIATION;

/// Where the returned person was found again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundBy {
    /// A pair of the de-duplication run (`subject_id`: the pair).
    DedupeRun,
    /// A case referred from a new screening (`subject_id`: the screening).
    Screening,
}

impl FoundBy {
    /// The kind of record the notice points at.
    pub fn subject_type(self) -> &'static str {
        match self {
            Self::DedupeRun => "dedupe_pair",
            Self::Screening => "screening",
        }
    }

    /// What found the person, as the mark and the audit entry say it.
    pub fn source(self) -> &'static str {
        match self {
            Self::DedupeRun => "dedupe_run",
            Self::Screening => "screening",
        }
    }

    /// The note the origin reads (free text of the protocol; nothing of
    /// the person).
    pub fn note(self) -> &'static str {
        match self {
            Self::DedupeRun => {
                "Automatic alert: the person who returned may be in the destination's records again (found by its de-duplication run). The person may have been trafficked again; the case manager will be in touch."
            }
            Self::Screening => {
                "Automatic alert: the person who returned may have been screened again as a possible victim at the destination. The person may have been trafficked again; the case manager will be in touch."
            }
        }
    }
}

/// One sighting: the returned case, the case it was found in, and what found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub returned: CaseId,
    pub again: CaseId,
    pub found_by: FoundBy,
    /// The dedupe pair's id or the screening's id.
    pub subject_id: String,
    /// The run's id or the screening's id (notice message; ids only).
    pub source_id: String,
}

/// Whether a finished return of this kind (its record's plain subject)
/// brought the person home through a receiving agency.
pub fn is_return_home(subject: Option<&str>) -> bool {
    subject == Some(REPATRIATION)
}

/// The band of the matching engine strong enough to alert on its own.
pub const ALERT_BAND: &str = "likely";

/// For a pair of the de-duplication run in `band`: (the returned person's
/// case, the case they appear in again), when the band alerts and exactly
/// one of the two cases is in `returned`.
pub fn pairing(
    band: &str,
    a: CaseId,
    b: CaseId,
    returned: &HashSet<CaseId>,
) -> Option<(CaseId, CaseId)> {
    if band != ALERT_BAND {
        return None;
    }
    match (returned.contains(&a), returned.contains(&b)) {
        (true, false) => Some((a, b)),
        (false, true) => Some((b, a)),
        _ => None,
    }
}

/// The sightings not told before, in order: never a case against itself,
/// each pair of cases once (`told` holds the pairs told before, and learns
/// the new ones).
pub fn untold<'a>(
    sightings: &'a [Sighting],
    told: &mut HashSet<(CaseId, CaseId)>,
) -> Vec<&'a Sighting> {
    sightings
        .iter()
        .filter(|s| s.returned != s.again && told.insert((s.returned, s.again)))
        .collect()
}

/// Whether a handover held on `side` in `state` carries an automatic
/// security alert to the origin: the destination's side, not finished, and
/// the protocol accepts the alert next.
pub fn may_alert_origin(side: Side, state: HandoverState) -> bool {
    side == Side::Destination
        && !state.is_finished()
        && handover::next_state(state, MessageKind::SecurityAlert).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn case(n: u128) -> CaseId {
        CaseId(Uuid::from_u128(n))
    }

    fn sighting(returned: u128, again: u128) -> Sighting {
        Sighting {
            returned: case(returned),
            again: case(again),
            found_by: FoundBy::DedupeRun,
            subject_id: "pair".into(),
            source_id: "run".into(),
        }
    }

    #[test]
    fn only_a_repatriation_is_a_return_home() {
        assert!(is_return_home(Some("repatriation")));
        assert!(!is_return_home(Some("forced_removal")));
        assert!(!is_return_home(None));
    }

    #[test]
    fn a_likely_pair_with_exactly_one_returned_case_is_a_sighting() {
        let returned: HashSet<CaseId> = [case(1), case(2)].into_iter().collect();
        assert_eq!(
            pairing("likely", case(3), case(1), &returned),
            Some((case(1), case(3)))
        );
        assert_eq!(
            pairing("likely", case(1), case(3), &returned),
            Some((case(1), case(3)))
        );
        // Both returned: one return recorded twice. Neither: nothing.
        assert_eq!(pairing("likely", case(1), case(2), &returned), None);
        assert_eq!(pairing("likely", case(3), case(4), &returned), None);
        // A possible pair waits for review, as any other.
        assert_eq!(pairing("possible", case(3), case(1), &returned), None);
    }

    #[test]
    fn each_pair_is_told_once_and_never_a_case_against_itself() {
        let mut told: HashSet<(CaseId, CaseId)> = [(case(1), case(9))].into_iter().collect();
        let s = [
            sighting(1, 9), // told before
            sighting(1, 1), // itself
            sighting(1, 3),
            sighting(1, 3), // twice in one run
            sighting(2, 3),
        ];
        let new: Vec<(CaseId, CaseId)> = untold(&s, &mut told)
            .iter()
            .map(|s| (s.returned, s.again))
            .collect();
        assert_eq!(new, [(case(1), case(3)), (case(2), case(3))]);
        assert!(told.contains(&(case(2), case(3))));
        assert!(
            untold(&s, &mut told).is_empty(),
            "a second run tells nothing"
        );
    }

    #[test]
    fn the_origin_is_alerted_from_the_destination_while_the_protocol_allows() {
        for state in HandoverState::ALL {
            let expected = !state.is_finished()
                && handover::next_state(*state, MessageKind::SecurityAlert).is_some();
            assert_eq!(
                may_alert_origin(Side::Destination, *state),
                expected,
                "{state:?}"
            );
            assert!(!may_alert_origin(Side::Origin, *state), "{state:?}");
        }
    }
}
