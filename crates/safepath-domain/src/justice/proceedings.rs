//! Proceedings: the person's part in them, their events, protection measures,
//! the witness-protection eligibility assessment and victim-fatigue warnings.

use serde::{Deserialize, Serialize};
use time::Date;

use super::codes;
use crate::DomainError;
use crate::casework::vocabulary;

vocabulary! {
    ProceedingKind, "kind", "not a known kind of proceeding" {
        /// Trafficking and related offences.
        Criminal => "criminal",
        Labour => "labour",
        /// Civil, e.g. for compensation.
        Civil => "civil",
        Administrative => "administrative",
        Immigration => "immigration",
    }
}

vocabulary! {
    /// The person's role in a proceeding.
    PersonRole, "role", "not a known role in proceedings" {
        Witness => "witness",
        InjuredParty => "injured_party",
        CivilParty => "civil_party",
        Plaintiff => "plaintiff",
        Defendant => "defendant",
    }
}

vocabulary! {
    ProceedingState, "state", "not a known state of proceedings" {
        Investigation => "investigation",
        PreTrial => "pre_trial",
        Trial => "trial",
        Appeal => "appeal",
        Closed => "closed",
    }
}

vocabulary! {
    /// Whether the person co-operates with the authorities. Recorded, and
    /// **never** a condition of any assistance ([`super::entitlements`]).
    Cooperation, "cooperation", "not a known co-operation state" {
        NotAsked => "not_asked",
        Cooperating => "cooperating",
        /// Declined to give a statement or to testify.
        Declined => "declined",
    }
}

/// One proceeding (the record kept, sealed, per case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proceeding {
    pub kind: ProceedingKind,
    /// Court or authority.
    pub authority: String,
    /// The file number (sealed with the record).
    pub file_number: Option<String>,
    pub role: PersonRole,
    pub state: ProceedingState,
    #[serde(with = "crate::casework::iso_date")]
    pub opened_on: Date,
    /// Co-operating agencies (names).
    #[serde(default)]
    pub agencies: Vec<String>,
    pub cooperation: Cooperation,
}

pub fn check_proceeding(mut p: Proceeding) -> Result<Proceeding, DomainError> {
    p.authority = crate::casework::checked_text("authority", &p.authority)?;
    p.file_number = super::optional_text("file_number", p.file_number.as_deref())?;
    let mut agencies = Vec::new();
    for a in &p.agencies {
        if let Some(a) = super::optional_text("agencies", Some(a))? {
            agencies.push(a);
        }
    }
    p.agencies = agencies;
    Ok(p)
}

vocabulary! {
    EventKind, "kind", "not a known kind of event" {
        Statement => "statement",
        /// Early or pre-trial deposition, recorded so that it need not be repeated.
        EarlyDeposition => "early_deposition",
        Hearing => "hearing",
        Verdict => "verdict",
        Sentence => "sentence",
        Appeal => "appeal",
    }
}

impl EventKind {
    /// Events at which the person appears (and may be exhausted by).
    pub fn is_appearance(self) -> bool {
        matches!(
            self,
            EventKind::Statement | EventKind::EarlyDeposition | EventKind::Hearing
        )
    }
}

vocabulary! {
    /// How the person attends a hearing or deposition.
    Attendance, "attendance", "not a known way of attending" {
        InPerson => "in_person",
        VideoLink => "video_link",
        /// By video link from abroad (e.g. after return).
        VideoLinkFromAbroad => "video_link_from_abroad",
    }
}

/// An event of a proceeding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProceedingEvent {
    pub kind: EventKind,
    #[serde(with = "crate::casework::iso_date")]
    pub on: Date,
    pub place: Option<String>,
    pub attendance: Option<Attendance>,
    /// Recorded on video, so the person need not repeat it.
    #[serde(default)]
    pub recorded_on_video: bool,
    /// Accompanied by a support person.
    #[serde(default)]
    pub support_person: bool,
    /// The language interpreted, when an interpreter was there.
    pub interpreter_language: Option<String>,
    /// Outcome (a verdict, a sentence), free text (sealed).
    pub outcome: Option<String>,
}

pub fn check_event(mut e: ProceedingEvent) -> Result<ProceedingEvent, DomainError> {
    if e.kind.is_appearance() && e.attendance.is_none() {
        return Err(DomainError::new(
            codes::ATTENDANCE_REQUIRED,
            "attendance: say how the person attends (in person or by video link)",
        ));
    }
    e.place = super::optional_text("place", e.place.as_deref())?;
    e.interpreter_language =
        super::optional_text("interpreter_language", e.interpreter_language.as_deref())?;
    e.outcome = super::optional_text("outcome", e.outcome.as_deref())?;
    Ok(e)
}

vocabulary! {
    MeasureKind, "kind", "not a known protection measure" {
        WitnessProtection => "witness_protection",
        Anonymity => "anonymity",
        Screens => "screens",
        SeparateWaitingRoom => "separate_waiting_room",
        VideoTestimony => "video_testimony",
    }
}

vocabulary! {
    MeasureState, "state", "not a known state of a measure" {
        Requested => "requested",
        Granted => "granted",
        Refused => "refused",
    }
}

vocabulary! {
    ThreatLevel, "threat", "not a known threat level" {
        None => "none",
        Low => "low",
        Medium => "medium",
        High => "high",
    }
}

vocabulary! {
    /// How the person's testimony relates to the proceedings.
    TestimonyRelevance, "relevance", "not a known relevance" {
        /// Essential to the prosecution.
        Essential => "essential",
        Significant => "significant",
        Minor => "minor",
    }
}

vocabulary! {
    /// The outcome of the eligibility assessment (the authority decides).
    Eligibility, "eligibility", "not a known eligibility" {
        Eligible => "eligible",
        /// Refer to the programme for its own assessment.
        Refer => "refer",
        NotEligible => "not_eligible",
    }
}

/// The witness-protection eligibility assessment: threat and relation to
/// the proceedings, and the decision (by the programme's authority).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WitnessProtectionAssessment {
    pub threat: ThreatLevel,
    pub relevance: TestimonyRelevance,
    /// What the rule suggests ([`eligibility`]).
    pub suggested: Eligibility,
    /// The programme's decision, once known.
    pub decision: Option<MeasureState>,
}

/// The suggestion the assessment makes: a serious threat to a witness whose
/// testimony matters is eligible; a real threat otherwise is referred for the
/// programme's own assessment; no threat is not eligible.
pub fn eligibility(threat: ThreatLevel, relevance: TestimonyRelevance) -> Eligibility {
    use TestimonyRelevance as R;
    use ThreatLevel as T;
    match (threat, relevance) {
        (T::None, _) => Eligibility::NotEligible,
        (T::High, R::Essential | R::Significant) | (T::Medium, R::Essential) => {
            Eligibility::Eligible
        }
        _ => Eligibility::Refer,
    }
}

/// A protection measure requested in a proceeding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtectionMeasure {
    pub kind: MeasureKind,
    pub state: MeasureState,
    #[serde(with = "crate::casework::iso_date")]
    pub requested_on: Date,
    /// For witness protection: the eligibility assessment.
    pub assessment: Option<WitnessProtectionAssessment>,
}

/// Builds a measure; witness protection carries its assessment, with the
/// suggestion computed here (never typed in).
pub fn new_measure(
    kind: MeasureKind,
    state: MeasureState,
    requested_on: Date,
    threat_and_relevance: Option<(ThreatLevel, TestimonyRelevance)>,
) -> Result<ProtectionMeasure, DomainError> {
    let assessment = match (kind, threat_and_relevance) {
        (MeasureKind::WitnessProtection, Some((threat, relevance))) => {
            Some(WitnessProtectionAssessment {
                threat,
                relevance,
                suggested: eligibility(threat, relevance),
                decision: (state != MeasureState::Requested).then_some(state),
            })
        }
        (MeasureKind::WitnessProtection, None) => {
            return Err(DomainError::new(
                "missing_field",
                "threat: witness protection needs the threat and the testimony's relevance",
            ));
        }
        _ => None,
    };
    Ok(ProtectionMeasure {
        kind,
        state,
        requested_on,
        assessment,
    })
}

/// Thresholds of the victim-fatigue warnings (configurable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FatigueSettings {
    /// Longest acceptable gap between two appearances, in days.
    pub max_gap_days: i64,
    /// Most appearances before a warning.
    pub max_appearances: usize,
    /// Longest acceptable duration of the proceedings, in days.
    pub max_duration_days: i64,
}

impl Default for FatigueSettings {
    fn default() -> Self {
        Self {
            max_gap_days: 120,
            max_appearances: 4,
            max_duration_days: 730,
        }
    }
}

impl FatigueSettings {
    /// Thresholds as configured: each at least 1.
    pub fn new(
        max_gap_days: i64,
        max_appearances: usize,
        max_duration_days: i64,
    ) -> Result<Self, DomainError> {
        if max_gap_days < 1 || max_appearances < 1 || max_duration_days < 1 {
            return Err(DomainError::new(
                codes::INVALID_SETTING,
                "fatigue thresholds: each must be at least 1",
            ));
        }
        Ok(Self {
            max_gap_days,
            max_appearances,
            max_duration_days,
        })
    }
}

/// A warning that the proceedings may be exhausting the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum FatigueWarning {
    /// A gap of `days` between appearances (or since the last one).
    LongGap { days: i64 },
    /// The person has appeared `count` times.
    ManyAppearances { count: usize },
    /// The proceedings have run for `days`.
    LongProceedings { days: i64 },
}

/// Victim-fatigue warnings for one proceeding on `today`. Appearances are
/// statements, depositions and hearings up to `today` (and the next one
/// scheduled, for the gap); a closed proceeding warns of nothing.
pub fn fatigue_warnings(
    proceeding: &Proceeding,
    events: &[ProceedingEvent],
    today: Date,
    s: &FatigueSettings,
) -> Vec<FatigueWarning> {
    let appearances: Vec<Date> = events
        .iter()
        .filter(|e| e.kind.is_appearance())
        .map(|e| e.on)
        .collect();
    fatigue_warnings_from(
        proceeding.state,
        proceeding.opened_on,
        appearances,
        today,
        s,
    )
}

/// The same warnings from the bare facts: the proceeding's state and opening
/// day and the days of its appearances (what the coordinator's overview reads
/// from the stored columns, without unsealing a record).
pub fn fatigue_warnings_from(
    state: ProceedingState,
    opened_on: Date,
    mut days: Vec<Date>,
    today: Date,
    s: &FatigueSettings,
) -> Vec<FatigueWarning> {
    if state == ProceedingState::Closed {
        return Vec::new();
    }
    let mut out = Vec::new();
    days.sort();
    let past = days.iter().filter(|d| **d <= today).count();
    // Gaps between consecutive appearances, and from the last past one to the
    // next scheduled one or, when none is scheduled, to today.
    let mut points: Vec<Date> = days.iter().copied().filter(|d| *d <= today).collect();
    match days.iter().find(|d| **d > today) {
        Some(next) => points.push(*next),
        None if !points.is_empty() => points.push(today),
        None => {}
    }
    let longest = points
        .windows(2)
        .map(|w| (w[1] - w[0]).whole_days())
        .max()
        .unwrap_or(0);
    if longest > s.max_gap_days {
        out.push(FatigueWarning::LongGap { days: longest });
    }
    if past > s.max_appearances {
        out.push(FatigueWarning::ManyAppearances { count: past });
    }
    let duration = (today - opened_on).whole_days();
    if duration > s.max_duration_days {
        out.push(FatigueWarning::LongProceedings { days: duration });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn fatigue_from_bare_facts_and_settings_checked() {
        let s = FatigueSettings::new(30, 2, 365).unwrap();
        let today = date!(2026 - 06 - 01);
        let days = vec![
            date!(2025 - 01 - 10),
            date!(2025 - 01 - 20),
            date!(2025 - 06 - 20),
        ];
        let w = fatigue_warnings_from(
            ProceedingState::Trial,
            date!(2025 - 01 - 01),
            days.clone(),
            today,
            &s,
        );
        assert!(w.contains(&FatigueWarning::ManyAppearances { count: 3 }));
        assert!(
            w.iter()
                .any(|x| matches!(x, FatigueWarning::LongGap { .. }))
        );
        assert!(w.contains(&FatigueWarning::LongProceedings { days: 516 }));
        assert!(
            fatigue_warnings_from(
                ProceedingState::Closed,
                date!(2025 - 01 - 01),
                days,
                today,
                &s
            )
            .is_empty()
        );
        assert!(FatigueSettings::new(0, 4, 730).is_err());
        assert!(FatigueSettings::new(120, 0, 730).is_err());
    }

    fn proceeding(opened: Date) -> Proceeding {
        Proceeding {
            kind: ProceedingKind::Criminal,
            authority: "Synthetic Criminal Court".into(),
            file_number: None,
            role: PersonRole::Witness,
            state: ProceedingState::Trial,
            opened_on: opened,
            agencies: vec![],
            cooperation: Cooperation::Cooperating,
        }
    }

    fn hearing(on: Date) -> ProceedingEvent {
        ProceedingEvent {
            kind: EventKind::Hearing,
            on,
            place: None,
            attendance: Some(Attendance::InPerson),
            recorded_on_video: false,
            support_person: true,
            interpreter_language: None,
            outcome: None,
        }
    }

    #[test]
    fn a_hearing_needs_attendance_a_verdict_does_not() {
        let mut h = hearing(date!(2026 - 01 - 01));
        h.attendance = None;
        assert_eq!(check_event(h).unwrap_err().code, codes::ATTENDANCE_REQUIRED);
        let mut v = hearing(date!(2026 - 01 - 01));
        v.kind = EventKind::Verdict;
        v.attendance = None;
        assert!(check_event(v).is_ok());
    }

    #[test]
    fn fatigue_warnings_follow_their_thresholds() {
        let s = FatigueSettings {
            max_gap_days: 60,
            max_appearances: 2,
            max_duration_days: 365,
        };
        let p = proceeding(date!(2025 - 01 - 01));
        let events = [
            hearing(date!(2025 - 02 - 01)),
            hearing(date!(2025 - 03 - 01)),
            hearing(date!(2025 - 06 - 01)),
        ];
        let w = fatigue_warnings(&p, &events, date!(2025 - 06 - 15), &s);
        assert!(w.contains(&FatigueWarning::LongGap { days: 92 }));
        assert!(w.contains(&FatigueWarning::ManyAppearances { count: 3 }));
        assert!(
            !w.iter()
                .any(|w| matches!(w, FatigueWarning::LongProceedings { .. }))
        );
        let later = fatigue_warnings(&p, &events, date!(2026 - 01 - 05), &s);
        assert!(later.contains(&FatigueWarning::LongProceedings { days: 369 }));
        // The gap since the last appearance counts while nothing is scheduled.
        assert!(later.contains(&FatigueWarning::LongGap { days: 218 }));
        // Loose thresholds: no warning.
        let loose = FatigueSettings {
            max_gap_days: 400,
            max_appearances: 10,
            max_duration_days: 1000,
        };
        assert!(fatigue_warnings(&p, &events, date!(2025 - 06 - 15), &loose).is_empty());
        // A closed proceeding warns of nothing.
        let mut closed = p.clone();
        closed.state = ProceedingState::Closed;
        assert!(fatigue_warnings(&closed, &events, date!(2026 - 06 - 15), &s).is_empty());
    }

    #[test]
    fn witness_protection_eligibility() {
        use TestimonyRelevance as R;
        use ThreatLevel as T;
        assert_eq!(eligibility(T::High, R::Essential), Eligibility::Eligible);
        assert_eq!(eligibility(T::Medium, R::Essential), Eligibility::Eligible);
        assert_eq!(eligibility(T::Medium, R::Minor), Eligibility::Refer);
        assert_eq!(eligibility(T::None, R::Essential), Eligibility::NotEligible);
        let m = new_measure(
            MeasureKind::WitnessProtection,
            MeasureState::Requested,
            date!(2026 - 01 - 01),
            Some((T::High, R::Significant)),
        )
        .unwrap();
        assert_eq!(m.assessment.unwrap().suggested, Eligibility::Eligible);
        assert!(
            new_measure(
                MeasureKind::WitnessProtection,
                MeasureState::Requested,
                date!(2026 - 01 - 01),
                None
            )
            .is_err()
        );
    }
}
