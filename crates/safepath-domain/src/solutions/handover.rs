//! The cross-border handover protocol, as a state machine shared by both
//! sides: the destination (D), where the person was identified, and the
//! origin (O), whose receiving organisation takes over.
//!
//! ```text
//! requested ─ack(O)→ acknowledged ─assessment(D)→ assessment_sent ─corroboration(O)┬ go/conditions → corroborated
//!                                        ↑                                         └ no-go → no_go
//!                                        └────────────── revised assessment(D) ───────────────────┘
//! corroborated ─travel_ready(D)→ travel_ready ─departed(D)→ in_travel ─arrived(O)→ arrived
//! arrived ─reintegration_plan(O)→ reintegration_plan ─follow_up_report(O)→ follow_up ─closure(O)→ closed
//! (arrived ─follow_up_report(O)→ follow_up: the plan is sent only where consented; it may come later)
//! any open state ─consent_withdrawn(D|O)→ consent_withdrawn   (the other side erases what it received)
//! requested … in_travel ─cancellation(D|O)→ cancelled
//! any open state ─security_alert(D|O)→ the same state (both sides' coordinators are alerted)
//! ```
//!
//! Sources: the sequence of the transnational referral mechanism's return
//! procedure and of return counselling practice (request; receipt with a key
//! contact and an alternate; risk and needs assessment; corroboration by the
//! origin, where a child is not returned unless it is in the child's best
//! interests; travel; arrival; a reintegration plan within one month of
//! arrival (IOM Reintegration Handbook, module 2.3); follow-up reports at
//! agreed intervals, by default 1, 3, 6 and 12 months). See
//! `docs/handover.md` and `../shared/brief/HANDOVER.md`.
//!
//! A message here carries only what the rules need; the app attaches the
//! per-type minimal content (and only the consented categories) in the sealed
//! envelope. Nothing here reads a clock: `today` is passed in.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::DomainError;
use crate::casework::consent::DataCategory;
use crate::casework::ids::ConsentId;
use crate::casework::required_text;
use crate::ids::OrgId;
use crate::org::Role;

/// Refusal codes of the protocol (stable).
pub mod codes {
    /// The handover is closed, cancelled or its consent withdrawn.
    pub const FINISHED: &str = "handover_finished";
    /// A request for a handover that already exists.
    pub const ALREADY_STARTED: &str = "handover_already_started";
    /// This side may not send this message.
    pub const WRONG_SIDE: &str = "handover_wrong_side";
    /// The handover is not at a step where this message fits.
    pub const NOT_EXPECTED: &str = "handover_message_not_expected";
    /// An acknowledgement without a named contact and a different alternate.
    pub const CONTACTS_REQUIRED: &str = "handover_contact_and_alternate_required";
    /// The assessment names a category the consent does not cover.
    pub const CATEGORIES_NOT_CONSENTED: &str = "handover_categories_not_consented";
    /// A request without any category of data.
    pub const CATEGORIES_REQUIRED: &str = "handover_categories_required";
    /// A go for a child without the best interests deciding it.
    pub const CHILD_BEST_INTERESTS_REQUIRED: &str = "handover_child_best_interests_required";
    /// The follow-up schedule is not a rising list of months (1 to 60).
    pub const SCHEDULE_INVALID: &str = "handover_follow_up_schedule_invalid";
    /// A report for a month that is not in the schedule.
    pub const FOLLOW_UP_MONTH_UNKNOWN: &str = "handover_follow_up_month_unknown";
    /// A second report for the same month.
    pub const FOLLOW_UP_ALREADY_REPORTED: &str = "handover_follow_up_already_reported";
    /// A second reintegration plan.
    pub const PLAN_ALREADY_RECEIVED: &str = "handover_plan_already_received";
    /// A date after today or before the arrival.
    pub const DATE_INVALID: &str = "handover_date_invalid";
    /// A closure or cancellation without a reason.
    pub const REASON_REQUIRED: &str = "reason_required";
}

solutions_vocabulary! {
    /// The two sides of a handover.
    Side, "side", "not a known side" {
        /// The destination country's case manager (sends the request).
        Destination => "destination",
        /// The receiving organisation in the country of origin.
        Origin => "origin",
    }
}

solutions_vocabulary! {
    /// The states of one handover (the same on both sides).
    HandoverState, "handover.state", "not a known handover state" {
        Requested => "requested",
        Acknowledged => "acknowledged",
        AssessmentSent => "assessment_sent",
        /// The origin said go (or go with conditions).
        Corroborated => "corroborated",
        /// The origin said no-go: a revised assessment or a cancellation follows.
        NoGo => "no_go",
        TravelReady => "travel_ready",
        InTravel => "in_travel",
        Arrived => "arrived",
        /// The reintegration plan was received.
        PlanReceived => "reintegration_plan",
        /// At least one follow-up report was received.
        FollowingUp => "follow_up",
        Closed => "closed",
        ConsentWithdrawn => "consent_withdrawn",
        Cancelled => "cancelled",
    }
}

impl HandoverState {
    /// No message moves a finished handover.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            HandoverState::Closed | HandoverState::ConsentWithdrawn | HandoverState::Cancelled
        )
    }

    /// The person arrived and the handover is still open: its follow-up
    /// schedule runs.
    pub fn is_following_up(self) -> bool {
        matches!(
            self,
            HandoverState::Arrived | HandoverState::PlanReceived | HandoverState::FollowingUp
        )
    }
}

solutions_vocabulary! {
    /// The kinds of protocol message.
    MessageKind, "handover.message", "not a known handover message" {
        Request => "request",
        Acknowledgement => "acknowledgement",
        RiskAndNeedsAssessment => "risk_and_needs_assessment",
        Corroboration => "corroboration",
        TravelReady => "travel_ready",
        Departed => "departed",
        Arrived => "arrived",
        ReintegrationPlan => "reintegration_plan",
        FollowUpReport => "follow_up_report",
        Closure => "closure",
        ConsentWithdrawn => "consent_withdrawn",
        Cancellation => "cancellation",
        SecurityAlert => "security_alert",
    }
}

impl MessageKind {
    /// Who may send it.
    pub fn senders(self) -> &'static [Side] {
        use MessageKind::*;
        match self {
            Request | RiskAndNeedsAssessment | TravelReady | Departed => &[Side::Destination],
            Acknowledgement | Corroboration | Arrived | ReintegrationPlan | FollowUpReport
            | Closure => &[Side::Origin],
            ConsentWithdrawn | Cancellation | SecurityAlert => &[Side::Destination, Side::Origin],
        }
    }

    /// Whether sending it is a step towards a return, which the app first
    /// passes through [`super::repatriation::return_gate`].
    pub fn is_step_towards_return(self) -> bool {
        use MessageKind::*;
        matches!(
            self,
            Request | RiskAndNeedsAssessment | TravelReady | Departed
        )
    }
}

solutions_vocabulary! {
    /// The origin's answer after corroborating the risks and needs.
    CorroborationDecision, "decision", "not a known corroboration decision" {
        Go => "go",
        NoGo => "no_go",
        /// Go, on conditions the destination must meet.
        Conditions => "conditions",
    }
}

solutions_vocabulary! {
    /// The person's wellbeing as a follow-up report gives it.
    Wellbeing, "wellbeing", "not a known wellbeing" {
        Good => "good",
        Fair => "fair",
        Poor => "poor",
        /// The person was not reached.
        NotKnown => "not_known",
    }
}

solutions_vocabulary! {
    /// The reintegration plan's progress.
    PlanProgress, "plan_progress", "not a known plan progress" {
        OnTrack => "on_track",
        Delayed => "delayed",
        Stalled => "stalled",
        Completed => "completed",
        /// No plan (not consented, or not made yet).
        NoPlan => "no_plan",
    }
}

/// The default follow-up months after arrival.
pub const DEFAULT_FOLLOW_UP_MONTHS: [u8; 4] = [1, 3, 6, 12];

/// The request (D → O).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverRequest {
    /// The `cross_border_handover` consent the handover rests on.
    pub consent: ConsentId,
    /// The categories that consent names (nothing else ever crosses).
    pub categories: BTreeSet<DataCategory>,
    pub person_is_child: bool,
    /// Agreed follow-up months (default [`DEFAULT_FOLLOW_UP_MONTHS`]).
    #[serde(default)]
    pub follow_up_months: Option<Vec<u8>>,
}

/// A follow-up report (O → D).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpReport {
    /// Which scheduled month it answers.
    pub due_month: u8,
    #[serde(with = "crate::casework::iso_date")]
    pub reported_on: Date,
    /// Whether the person was reached.
    pub reached: bool,
    pub wellbeing: Wellbeing,
    pub plan_progress: PlanProgress,
    /// A sign of re-trafficking (screened again, missing, recruited again).
    pub re_trafficking_alert: bool,
}

/// One protocol message, as far as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HandoverMessage {
    Request(HandoverRequest),
    /// Receipt, with a named contact and an alternate (staff, not the person).
    Acknowledgement {
        contact: String,
        alternate: String,
    },
    RiskAndNeedsAssessment {
        categories: BTreeSet<DataCategory>,
    },
    Corroboration {
        decision: CorroborationDecision,
        /// For a child: the origin finds the return in the child's best interests.
        #[serde(default)]
        child_best_interests: bool,
    },
    TravelReady {
        #[serde(with = "crate::casework::iso_date")]
        travel_on: Date,
    },
    Departed,
    Arrived {
        #[serde(with = "crate::casework::iso_date")]
        arrived_on: Date,
    },
    ReintegrationPlan {
        #[serde(with = "crate::casework::iso_date")]
        made_on: Date,
    },
    FollowUpReport(FollowUpReport),
    Closure {
        reason: String,
    },
    ConsentWithdrawn,
    Cancellation {
        reason: String,
    },
    SecurityAlert,
}

impl HandoverMessage {
    pub fn kind(&self) -> MessageKind {
        use HandoverMessage as M;
        match self {
            M::Request(_) => MessageKind::Request,
            M::Acknowledgement { .. } => MessageKind::Acknowledgement,
            M::RiskAndNeedsAssessment { .. } => MessageKind::RiskAndNeedsAssessment,
            M::Corroboration { .. } => MessageKind::Corroboration,
            M::TravelReady { .. } => MessageKind::TravelReady,
            M::Departed => MessageKind::Departed,
            M::Arrived { .. } => MessageKind::Arrived,
            M::ReintegrationPlan { .. } => MessageKind::ReintegrationPlan,
            M::FollowUpReport(_) => MessageKind::FollowUpReport,
            M::Closure { .. } => MessageKind::Closure,
            M::ConsentWithdrawn => MessageKind::ConsentWithdrawn,
            M::Cancellation { .. } => MessageKind::Cancellation,
            M::SecurityAlert => MessageKind::SecurityAlert,
        }
    }
}

/// What the app must do besides recording the new state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Stop every further message and erase what was received (the receiver).
    EraseReceived,
    /// Alert both sides' coordinators (security alert, re-trafficking).
    AlertCoordinators,
    /// The person arrived: the destination's case moves to follow-up.
    CaseToFollowUp,
    /// Closed: the destination applies its retention rules.
    ApplyRetention,
}

/// Contacts named in the acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contacts {
    pub contact: String,
    pub alternate: String,
}

/// One handover as both sides hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    pub state: HandoverState,
    pub consent: ConsentId,
    pub categories: BTreeSet<DataCategory>,
    pub person_is_child: bool,
    pub follow_up_months: Vec<u8>,
    pub contacts: Option<Contacts>,
    pub corroboration: Option<CorroborationDecision>,
    #[serde(default, with = "crate::casework::iso_date::option")]
    pub travel_on: Option<Date>,
    #[serde(default, with = "crate::casework::iso_date::option")]
    pub arrived_on: Option<Date>,
    #[serde(default, with = "crate::casework::iso_date::option")]
    pub plan_made_on: Option<Date>,
    pub reports: Vec<FollowUpReport>,
}

/// An accepted message: the handover after it, and what else to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub handover: Handover,
    pub effects: Vec<Effect>,
}

fn refuse(code: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::new(code, message)
}

fn check_schedule(months: &[u8]) -> Result<Vec<u8>, DomainError> {
    let rising = months.windows(2).all(|w| w[0] < w[1]);
    if months.is_empty() || !rising || months.iter().any(|m| !(1..=60).contains(m)) {
        return Err(refuse(
            codes::SCHEDULE_INVALID,
            "follow_up_months: must be a rising list of months between 1 and 60",
        ));
    }
    Ok(months.to_vec())
}

/// Starts a handover: only a request, only from the destination.
pub fn start(from: Side, msg: &HandoverMessage) -> Result<Step, DomainError> {
    let HandoverMessage::Request(r) = msg else {
        return Err(refuse(
            codes::NOT_EXPECTED,
            format!("a handover starts with a request, not {}", msg.kind()),
        ));
    };
    if from != Side::Destination {
        return Err(refuse(
            codes::WRONG_SIDE,
            "only the destination sends a request",
        ));
    }
    if r.categories.is_empty() {
        return Err(refuse(
            codes::CATEGORIES_REQUIRED,
            "a request names the categories its consent covers",
        ));
    }
    let follow_up_months = check_schedule(
        r.follow_up_months
            .as_deref()
            .unwrap_or(&DEFAULT_FOLLOW_UP_MONTHS),
    )?;
    Ok(Step {
        handover: Handover {
            state: HandoverState::Requested,
            consent: r.consent,
            categories: r.categories.clone(),
            person_is_child: r.person_is_child,
            follow_up_months,
            contacts: None,
            corroboration: None,
            travel_on: None,
            arrived_on: None,
            plan_made_on: None,
            reports: Vec::new(),
        },
        effects: Vec::new(),
    })
}

/// The protocol's graph: the state after `kind` in `state`, when the edge
/// exists (payload rules aside: a corroboration's decision picks between
/// `corroborated` and `no_go`, given here as `corroborated`).
pub fn next_state(state: HandoverState, kind: MessageKind) -> Option<HandoverState> {
    use HandoverState as S;
    use MessageKind as K;
    if state.is_finished() {
        return None;
    }
    match (state, kind) {
        (S::Requested, K::Acknowledgement) => Some(S::Acknowledged),
        (S::Acknowledged | S::NoGo, K::RiskAndNeedsAssessment) => Some(S::AssessmentSent),
        (S::AssessmentSent, K::Corroboration) => Some(S::Corroborated),
        (S::Corroborated | S::TravelReady, K::TravelReady) => Some(S::TravelReady),
        (S::TravelReady, K::Departed) => Some(S::InTravel),
        (S::InTravel, K::Arrived) => Some(S::Arrived),
        (S::Arrived, K::ReintegrationPlan) => Some(S::PlanReceived),
        (S::FollowingUp, K::ReintegrationPlan) => Some(S::FollowingUp),
        (S::Arrived | S::PlanReceived | S::FollowingUp, K::FollowUpReport) => Some(S::FollowingUp),
        (S::Arrived | S::PlanReceived | S::FollowingUp, K::Closure) => Some(S::Closed),
        (
            S::Requested
            | S::Acknowledged
            | S::AssessmentSent
            | S::Corroborated
            | S::NoGo
            | S::TravelReady
            | S::InTravel,
            K::Cancellation,
        ) => Some(S::Cancelled),
        (_, K::ConsentWithdrawn) => Some(S::ConsentWithdrawn),
        (s, K::SecurityAlert) => Some(s),
        _ => None,
    }
}

impl Handover {
    /// Applies one message sent by `from`. Checks, in order: finished,
    /// request, side, graph, then the message's own rules.
    pub fn apply(
        &self,
        from: Side,
        msg: &HandoverMessage,
        today: Date,
    ) -> Result<Step, DomainError> {
        let kind = msg.kind();
        if self.state.is_finished() {
            return Err(refuse(
                codes::FINISHED,
                format!("the handover is {}: no further message", self.state),
            ));
        }
        if kind == MessageKind::Request {
            return Err(refuse(
                codes::ALREADY_STARTED,
                "the handover was already requested",
            ));
        }
        if !kind.senders().contains(&from) {
            return Err(refuse(
                codes::WRONG_SIDE,
                format!("the {from} side does not send {kind}"),
            ));
        }
        let Some(mut next) = next_state(self.state, kind) else {
            return Err(refuse(
                codes::NOT_EXPECTED,
                format!("a handover that is {} does not take {kind}", self.state),
            ));
        };
        let mut h = self.clone();
        let mut effects = Vec::new();
        use HandoverMessage as M;
        match msg {
            M::Request(_) => {}
            M::Acknowledgement { contact, alternate } => {
                let named =
                    |f: &'static str, t: &str| required_text(f, codes::CONTACTS_REQUIRED, t);
                let contact = named("contact", contact)?;
                let alternate = named("alternate", alternate)?;
                if contact.to_lowercase() == alternate.to_lowercase() {
                    return Err(refuse(
                        codes::CONTACTS_REQUIRED,
                        "the alternate must be someone other than the contact",
                    ));
                }
                h.contacts = Some(Contacts { contact, alternate });
            }
            M::RiskAndNeedsAssessment { categories } => {
                if !categories.is_subset(&self.categories) {
                    return Err(refuse(
                        codes::CATEGORIES_NOT_CONSENTED,
                        "the assessment names a category the consent does not cover",
                    ));
                }
            }
            M::Corroboration {
                decision,
                child_best_interests,
            } => {
                if self.person_is_child
                    && *decision != CorroborationDecision::NoGo
                    && !child_best_interests
                {
                    return Err(refuse(
                        codes::CHILD_BEST_INTERESTS_REQUIRED,
                        "a child is returned only when the origin finds it in the child's best interests: otherwise no-go",
                    ));
                }
                if *decision == CorroborationDecision::NoGo {
                    next = HandoverState::NoGo;
                }
                h.corroboration = Some(*decision);
            }
            M::TravelReady { travel_on } => {
                if *travel_on < today {
                    return Err(refuse(codes::DATE_INVALID, "travel_on: is before today"));
                }
                h.travel_on = Some(*travel_on);
            }
            M::Departed => {}
            M::Arrived { arrived_on } => {
                if *arrived_on > today {
                    return Err(refuse(codes::DATE_INVALID, "arrived_on: is after today"));
                }
                h.arrived_on = Some(*arrived_on);
                effects.push(Effect::CaseToFollowUp);
            }
            M::ReintegrationPlan { made_on } => {
                if h.plan_made_on.is_some() {
                    return Err(refuse(
                        codes::PLAN_ALREADY_RECEIVED,
                        "the reintegration plan was already received",
                    ));
                }
                self.check_after_arrival("made_on", *made_on, today)?;
                h.plan_made_on = Some(*made_on);
            }
            M::FollowUpReport(r) => {
                if !self.follow_up_months.contains(&r.due_month) {
                    return Err(refuse(
                        codes::FOLLOW_UP_MONTH_UNKNOWN,
                        "due_month: is not in the agreed follow-up schedule",
                    ));
                }
                if self.reports.iter().any(|x| x.due_month == r.due_month) {
                    return Err(refuse(
                        codes::FOLLOW_UP_ALREADY_REPORTED,
                        "due_month: was already reported",
                    ));
                }
                self.check_after_arrival("reported_on", r.reported_on, today)?;
                if r.re_trafficking_alert {
                    effects.push(Effect::AlertCoordinators);
                }
                h.reports.push(r.clone());
                h.reports.sort_by_key(|x| x.due_month);
            }
            M::Closure { reason } | M::Cancellation { reason } => {
                required_text("reason", codes::REASON_REQUIRED, reason)?;
                if kind == MessageKind::Closure {
                    effects.push(Effect::ApplyRetention);
                }
            }
            M::ConsentWithdrawn => effects.push(Effect::EraseReceived),
            M::SecurityAlert => effects.push(Effect::AlertCoordinators),
        }
        h.state = next;
        Ok(Step {
            handover: h,
            effects,
        })
    }

    fn check_after_arrival(&self, field: &str, d: Date, today: Date) -> Result<(), DomainError> {
        if d > today || self.arrived_on.is_some_and(|a| d < a) {
            return Err(refuse(
                codes::DATE_INVALID,
                format!("{field}: must be between the arrival and today"),
            ));
        }
        Ok(())
    }

    /// When the reintegration plan is due: one month after arrival.
    pub fn plan_due_on(&self) -> Option<Date> {
        self.arrived_on.map(|a| add_months(a, 1))
    }

    /// The plan is overdue: arrived, no plan, and the due day has passed.
    pub fn plan_overdue(&self, today: Date) -> bool {
        !self.state.is_finished()
            && self.plan_made_on.is_none()
            && self.plan_due_on().is_some_and(|due| today > due)
    }

    /// The follow-up schedule with what was reported (empty before arrival).
    pub fn follow_ups(&self, today: Date) -> Vec<FollowUpStatus> {
        let Some(arrived) = self.arrived_on else {
            return Vec::new();
        };
        self.follow_up_months
            .iter()
            .map(|m| {
                let due_on = add_months(arrived, u32::from(*m));
                let report = self.reports.iter().find(|r| r.due_month == *m);
                FollowUpStatus {
                    due_month: *m,
                    due_on,
                    reported_on: report.map(|r| r.reported_on),
                    reached: report.map(|r| r.reached),
                    overdue: report.is_none() && !self.state.is_finished() && today > due_on,
                }
            })
            .collect()
    }

    /// The overdue follow-ups (for My work).
    pub fn overdue_follow_ups(&self, today: Date) -> Vec<FollowUpStatus> {
        self.follow_ups(today)
            .into_iter()
            .filter(|f| f.overdue)
            .collect()
    }

    /// The follow-ups the protection checklist counts ("follow-ups achieved
    /// after return"): each reported one, with whether it reached the
    /// person, and each still owed — overdue, not reached. A finished
    /// handover owes nothing more: what fell due after its closure was no
    /// longer planned (its state keeps no closing day, so an unreported
    /// follow-up of a closed handover is left out rather than guessed).
    /// By due day.
    pub fn follow_ups_counted(&self, today: Date) -> Vec<(Date, bool)> {
        self.follow_ups(today)
            .into_iter()
            .filter_map(|f| match f.reached {
                Some(reached) => Some((f.due_on, reached)),
                None if f.overdue => Some((f.due_on, false)),
                None => None,
            })
            .collect()
    }
}

/// The messages `side` may send next in `state`, in the protocol's order
/// (a security alert, a cancellation and a consent withdrawal last): what a
/// page offers as the next steps.
pub fn next_kinds(side: Side, state: HandoverState) -> Vec<MessageKind> {
    MessageKind::ALL
        .iter()
        .copied()
        .filter(|k| *k != MessageKind::Request && k.senders().contains(&side))
        .filter(|k| next_state(state, *k).is_some())
        .collect()
}

/// Whether a user with `role` in `user_org` may act for the origin side of
/// a handover received from a partner deployment linked to `linked_org`:
/// the case managers, coordinators and partner liaisons of that
/// organisation (a handover received with no local case has no case
/// manager yet).
pub fn origin_may_act(role: Role, user_org: OrgId, linked_org: Option<OrgId>) -> bool {
    linked_org == Some(user_org)
        && matches!(role, Role::CaseManager | Role::Coordinator | Role::Partner)
}

impl Handover {
    /// What is left of a handover after its consent was withdrawn: the
    /// state and the protocol's bookkeeping, nothing received (contacts,
    /// decisions, dates, reports).
    pub fn erased(&self) -> Handover {
        Handover {
            state: self.state,
            consent: self.consent,
            categories: BTreeSet::new(),
            person_is_child: false,
            follow_up_months: self.follow_up_months.clone(),
            contacts: None,
            corroboration: None,
            travel_on: None,
            arrived_on: None,
            plan_made_on: None,
            reports: Vec::new(),
        }
    }
}

/// One scheduled follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpStatus {
    pub due_month: u8,
    #[serde(with = "crate::casework::iso_date")]
    pub due_on: Date,
    #[serde(default, with = "crate::casework::iso_date::option")]
    pub reported_on: Option<Date>,
    pub reached: Option<bool>,
    pub overdue: bool,
}

/// `d` plus `months` calendar months; the day is clamped to the month's
/// length (31 January + 1 month = 28 or 29 February). Saturates at the last
/// representable date.
pub fn add_months(d: Date, months: u32) -> Date {
    let index = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 + i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).unwrap_or(i32::MAX);
    let month = u8::try_from(index.rem_euclid(12) + 1)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .unwrap_or(Month::December);
    let day = d.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MAX)
}

/// Whether a role works on returns and cross-border handovers (case
/// managers, coordinators, a partner organisation's liaison): the pages of
/// handovers and of the agreements between countries are theirs.
pub fn works_on_returns(role: crate::org::Role) -> bool {
    use crate::org::Role;
    matches!(role, Role::CaseManager | Role::Coordinator | Role::Partner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 04);

    fn request(child: bool) -> HandoverMessage {
        HandoverMessage::Request(HandoverRequest {
            consent: ConsentId(uuid::Uuid::from_u128(9)),
            categories: [DataCategory::Identity, DataCategory::Health]
                .into_iter()
                .collect(),
            person_is_child: child,
            follow_up_months: None,
        })
    }

    fn report(month: u8, on: Date) -> HandoverMessage {
        HandoverMessage::FollowUpReport(FollowUpReport {
            due_month: month,
            reported_on: on,
            reached: true,
            wellbeing: Wellbeing::Good,
            plan_progress: PlanProgress::OnTrack,
            re_trafficking_alert: false,
        })
    }

    /// A valid sample of each kind (valid for a handover arrived on
    /// 2026-11-01 with nothing reported yet).
    fn sample(kind: MessageKind) -> HandoverMessage {
        use HandoverMessage as M;
        match kind {
            MessageKind::Request => request(false),
            MessageKind::Acknowledgement => M::Acknowledgement {
                contact: "Return desk officer".into(),
                alternate: "Deputy head of shelter".into(),
            },
            MessageKind::RiskAndNeedsAssessment => M::RiskAndNeedsAssessment {
                categories: [DataCategory::Health].into_iter().collect(),
            },
            MessageKind::Corroboration => M::Corroboration {
                decision: CorroborationDecision::Go,
                child_best_interests: false,
            },
            MessageKind::TravelReady => M::TravelReady { travel_on: TODAY },
            MessageKind::Departed => M::Departed,
            MessageKind::Arrived => M::Arrived { arrived_on: TODAY },
            MessageKind::ReintegrationPlan => M::ReintegrationPlan { made_on: TODAY },
            MessageKind::FollowUpReport => report(1, TODAY),
            MessageKind::Closure => M::Closure {
                reason: "follow-up completed".into(),
            },
            MessageKind::ConsentWithdrawn => M::ConsentWithdrawn,
            MessageKind::Cancellation => M::Cancellation {
                reason: "the person changed their mind".into(),
            },
            MessageKind::SecurityAlert => M::SecurityAlert,
        }
    }

    fn in_state(state: HandoverState) -> Handover {
        let mut h = start(Side::Destination, &request(false)).unwrap().handover;
        h.state = state;
        h.arrived_on = Some(date!(2026 - 11 - 01));
        h
    }

    /// The specification, written out: every accepted (state, message) pair
    /// and the state it leads to. Everything not listed is refused.
    const ACCEPTED: &[(HandoverState, MessageKind, HandoverState)] = {
        use HandoverState as S;
        use MessageKind as K;
        &[
            (S::Requested, K::Acknowledgement, S::Acknowledged),
            (
                S::Acknowledged,
                K::RiskAndNeedsAssessment,
                S::AssessmentSent,
            ),
            (S::NoGo, K::RiskAndNeedsAssessment, S::AssessmentSent),
            (S::AssessmentSent, K::Corroboration, S::Corroborated),
            (S::Corroborated, K::TravelReady, S::TravelReady),
            (S::TravelReady, K::TravelReady, S::TravelReady),
            (S::TravelReady, K::Departed, S::InTravel),
            (S::InTravel, K::Arrived, S::Arrived),
            (S::Arrived, K::ReintegrationPlan, S::PlanReceived),
            (S::FollowingUp, K::ReintegrationPlan, S::FollowingUp),
            (S::Arrived, K::FollowUpReport, S::FollowingUp),
            (S::PlanReceived, K::FollowUpReport, S::FollowingUp),
            (S::FollowingUp, K::FollowUpReport, S::FollowingUp),
            (S::Arrived, K::Closure, S::Closed),
            (S::PlanReceived, K::Closure, S::Closed),
            (S::FollowingUp, K::Closure, S::Closed),
            (S::Requested, K::Cancellation, S::Cancelled),
            (S::Acknowledged, K::Cancellation, S::Cancelled),
            (S::AssessmentSent, K::Cancellation, S::Cancelled),
            (S::Corroborated, K::Cancellation, S::Cancelled),
            (S::NoGo, K::Cancellation, S::Cancelled),
            (S::TravelReady, K::Cancellation, S::Cancelled),
            (S::InTravel, K::Cancellation, S::Cancelled),
            (S::Requested, K::ConsentWithdrawn, S::ConsentWithdrawn),
            (S::Acknowledged, K::ConsentWithdrawn, S::ConsentWithdrawn),
            (S::AssessmentSent, K::ConsentWithdrawn, S::ConsentWithdrawn),
            (S::Corroborated, K::ConsentWithdrawn, S::ConsentWithdrawn),
            (S::NoGo, K::ConsentWithdrawn, S::ConsentWithdrawn),
            (S::TravelReady, K::ConsentWithdrawn, S::ConsentWithdrawn),
            (S::InTravel, K::ConsentWithdrawn, S::ConsentWithdrawn),
            (S::Arrived, K::ConsentWithdrawn, S::ConsentWithdrawn),
            (S::PlanReceived, K::ConsentWithdrawn, S::ConsentWithdrawn),
            (S::FollowingUp, K::ConsentWithdrawn, S::ConsentWithdrawn),
            (S::Requested, K::SecurityAlert, S::Requested),
            (S::Acknowledged, K::SecurityAlert, S::Acknowledged),
            (S::AssessmentSent, K::SecurityAlert, S::AssessmentSent),
            (S::Corroborated, K::SecurityAlert, S::Corroborated),
            (S::NoGo, K::SecurityAlert, S::NoGo),
            (S::TravelReady, K::SecurityAlert, S::TravelReady),
            (S::InTravel, K::SecurityAlert, S::InTravel),
            (S::Arrived, K::SecurityAlert, S::Arrived),
            (S::PlanReceived, K::SecurityAlert, S::PlanReceived),
            (S::FollowingUp, K::SecurityAlert, S::FollowingUp),
        ]
    };

    /// Who sends what, written out.
    const SENDERS: &[(MessageKind, &[Side])] = {
        use MessageKind as K;
        use Side::{Destination as D, Origin as O};
        &[
            (K::Request, &[D]),
            (K::Acknowledgement, &[O]),
            (K::RiskAndNeedsAssessment, &[D]),
            (K::Corroboration, &[O]),
            (K::TravelReady, &[D]),
            (K::Departed, &[D]),
            (K::Arrived, &[O]),
            (K::ReintegrationPlan, &[O]),
            (K::FollowUpReport, &[O]),
            (K::Closure, &[O]),
            (K::ConsentWithdrawn, &[D, O]),
            (K::Cancellation, &[D, O]),
            (K::SecurityAlert, &[D, O]),
        ]
    };

    #[test]
    fn the_next_steps_follow_the_table() {
        use HandoverState as S;
        use MessageKind as K;
        assert_eq!(
            next_kinds(Side::Origin, S::Requested),
            vec![
                K::Acknowledgement,
                K::ConsentWithdrawn,
                K::Cancellation,
                K::SecurityAlert
            ]
        );
        assert_eq!(
            next_kinds(Side::Destination, S::Requested),
            vec![K::ConsentWithdrawn, K::Cancellation, K::SecurityAlert]
        );
        assert_eq!(
            next_kinds(Side::Destination, S::Corroborated),
            vec![
                K::TravelReady,
                K::ConsentWithdrawn,
                K::Cancellation,
                K::SecurityAlert
            ]
        );
        assert_eq!(
            next_kinds(Side::Origin, S::FollowingUp),
            vec![
                K::ReintegrationPlan,
                K::FollowUpReport,
                K::Closure,
                K::ConsentWithdrawn,
                K::SecurityAlert
            ]
        );
        assert!(next_kinds(Side::Origin, S::Closed).is_empty());
        // Every offered kind is accepted by the graph; every other is not.
        for &state in HandoverState::ALL {
            for &side in Side::ALL {
                for &kind in MessageKind::ALL {
                    let offered = next_kinds(side, state).contains(&kind);
                    let fits = kind != K::Request
                        && kind.senders().contains(&side)
                        && next_state(state, kind).is_some();
                    assert_eq!(offered, fits, "{state} {side} {kind}");
                }
            }
        }
    }

    #[test]
    fn only_the_linked_organisations_staff_act_for_the_origin() {
        let c = OrgId(uuid::Uuid::from_u128(3));
        let other = OrgId(uuid::Uuid::from_u128(4));
        for role in [Role::CaseManager, Role::Coordinator, Role::Partner] {
            assert!(origin_may_act(role, c, Some(c)));
            assert!(!origin_may_act(role, other, Some(c)));
            assert!(!origin_may_act(role, c, None));
        }
        for role in [
            Role::Administrator,
            Role::Analyst,
            Role::FirstResponder,
            Role::ServiceProvider,
        ] {
            assert!(!origin_may_act(role, c, Some(c)));
        }
    }

    #[test]
    fn an_erased_handover_keeps_only_its_state() {
        let mut h = in_state(HandoverState::FollowingUp);
        h.contacts = Some(Contacts {
            contact: "Return desk".into(),
            alternate: "Deputy".into(),
        });
        h.reports.push(FollowUpReport {
            due_month: 1,
            reported_on: TODAY,
            reached: true,
            wellbeing: Wellbeing::Good,
            plan_progress: PlanProgress::OnTrack,
            re_trafficking_alert: false,
        });
        let step = h
            .apply(Side::Destination, &HandoverMessage::ConsentWithdrawn, TODAY)
            .unwrap();
        let e = step.handover.erased();
        assert_eq!(e.state, HandoverState::ConsentWithdrawn);
        assert!(e.contacts.is_none() && e.reports.is_empty() && e.arrived_on.is_none());
        assert!(e.categories.is_empty());
        assert!(e.follow_ups(TODAY).is_empty());
    }

    #[test]
    fn every_state_and_message_and_side_behaves_as_specified() {
        assert_eq!(SENDERS.len(), MessageKind::ALL.len());
        let mut accepted = 0;
        for &state in HandoverState::ALL {
            for &kind in MessageKind::ALL {
                for &side in Side::ALL {
                    let h = in_state(state);
                    let got = h.apply(side, &sample(kind), TODAY);
                    let may_send = SENDERS
                        .iter()
                        .find(|(k, _)| *k == kind)
                        .is_some_and(|(_, s)| s.contains(&side));
                    let edge = ACCEPTED
                        .iter()
                        .find(|(s, k, _)| *s == state && *k == kind)
                        .map(|(_, _, n)| *n);
                    assert_eq!(next_state(state, kind), edge, "{state} × {kind}");
                    let ctx = format!("{state} × {kind} from {side}");
                    if state.is_finished() {
                        assert_eq!(got.unwrap_err().code, codes::FINISHED, "{ctx}");
                    } else if kind == MessageKind::Request {
                        assert_eq!(got.unwrap_err().code, codes::ALREADY_STARTED, "{ctx}");
                    } else if !may_send {
                        assert_eq!(got.unwrap_err().code, codes::WRONG_SIDE, "{ctx}");
                    } else if let Some(next) = edge {
                        let step = got.unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                        assert_eq!(step.handover.state, next, "{ctx}");
                        accepted += 1;
                    } else {
                        assert_eq!(got.unwrap_err().code, codes::NOT_EXPECTED, "{ctx}");
                    }
                }
            }
        }
        // Each accepted pair, once per permitted side.
        let expected: usize = ACCEPTED.iter().map(|(_, k, _)| k.senders().len()).sum();
        assert_eq!(accepted, expected);
        // Every state is reachable from the table (besides `requested`, the start).
        for s in HandoverState::ALL {
            assert!(
                *s == HandoverState::Requested || ACCEPTED.iter().any(|(_, _, n)| n == s),
                "{s} unreachable"
            );
        }
    }

    #[test]
    fn a_handover_starts_only_with_a_request_from_the_destination() {
        let step = start(Side::Destination, &request(false)).unwrap();
        assert_eq!(step.handover.state, HandoverState::Requested);
        assert_eq!(step.handover.follow_up_months, DEFAULT_FOLLOW_UP_MONTHS);
        assert_eq!(
            start(Side::Origin, &request(false)).unwrap_err().code,
            codes::WRONG_SIDE
        );
        for k in MessageKind::ALL
            .iter()
            .filter(|k| **k != MessageKind::Request)
        {
            assert_eq!(
                start(Side::Destination, &sample(*k)).unwrap_err().code,
                codes::NOT_EXPECTED
            );
        }
        let mut r = match request(false) {
            HandoverMessage::Request(r) => r,
            _ => unreachable!(),
        };
        r.categories.clear();
        assert_eq!(
            start(Side::Destination, &HandoverMessage::Request(r.clone()))
                .unwrap_err()
                .code,
            codes::CATEGORIES_REQUIRED
        );
        r.categories.insert(DataCategory::Identity);
        for bad in [vec![], vec![3, 1], vec![1, 1], vec![0, 3], vec![1, 61]] {
            r.follow_up_months = Some(bad);
            assert_eq!(
                start(Side::Destination, &HandoverMessage::Request(r.clone()))
                    .unwrap_err()
                    .code,
                codes::SCHEDULE_INVALID
            );
        }
        r.follow_up_months = Some(vec![2, 4]);
        let h = start(Side::Destination, &HandoverMessage::Request(r))
            .unwrap()
            .handover;
        assert_eq!(h.follow_up_months, vec![2, 4]);
    }

    fn walk(h: &Handover, side: Side, msg: HandoverMessage, today: Date) -> Step {
        h.apply(side, &msg, today).unwrap()
    }

    #[test]
    fn a_whole_handover_from_request_to_closure() {
        use HandoverMessage as M;
        let d = Side::Destination;
        let o = Side::Origin;
        let h = start(d, &request(false)).unwrap().handover;
        let h = walk(&h, o, sample(MessageKind::Acknowledgement), TODAY).handover;
        assert!(h.contacts.is_some());
        let h = walk(&h, d, sample(MessageKind::RiskAndNeedsAssessment), TODAY).handover;
        let no_go = walk(
            &h,
            o,
            M::Corroboration {
                decision: CorroborationDecision::NoGo,
                child_best_interests: false,
            },
            TODAY,
        )
        .handover;
        assert_eq!(no_go.state, HandoverState::NoGo);
        let h = walk(
            &no_go,
            d,
            sample(MessageKind::RiskAndNeedsAssessment),
            TODAY,
        )
        .handover;
        let h = walk(
            &h,
            o,
            M::Corroboration {
                decision: CorroborationDecision::Conditions,
                child_best_interests: false,
            },
            TODAY,
        )
        .handover;
        assert_eq!(h.corroboration, Some(CorroborationDecision::Conditions));
        let h = walk(
            &h,
            d,
            M::TravelReady {
                travel_on: date!(2026 - 12 - 10),
            },
            TODAY,
        )
        .handover;
        let day = date!(2026 - 12 - 10);
        let h = walk(&h, d, M::Departed, day).handover;
        let arrived = walk(&h, o, M::Arrived { arrived_on: day }, day);
        assert_eq!(arrived.effects, vec![Effect::CaseToFollowUp]);
        let h = arrived.handover;
        assert_eq!(h.plan_due_on(), Some(date!(2027 - 01 - 10)));
        let h = walk(
            &h,
            o,
            M::ReintegrationPlan {
                made_on: date!(2027 - 01 - 05),
            },
            date!(2027 - 01 - 05),
        )
        .handover;
        assert_eq!(h.state, HandoverState::PlanReceived);
        let mut h = h;
        for (m, on) in [
            (1, date!(2027 - 01 - 11)),
            (3, date!(2027 - 03 - 10)),
            (6, date!(2027 - 06 - 12)),
            (12, date!(2027 - 12 - 09)),
        ] {
            h = walk(&h, o, report(m, on), on).handover;
        }
        assert_eq!(h.state, HandoverState::FollowingUp);
        assert!(h.overdue_follow_ups(date!(2028 - 01 - 01)).is_empty());
        let closed = walk(
            &h,
            o,
            M::Closure {
                reason: "follow-up completed".into(),
            },
            date!(2028 - 01 - 01),
        );
        assert_eq!(closed.handover.state, HandoverState::Closed);
        assert_eq!(closed.effects, vec![Effect::ApplyRetention]);
    }

    #[test]
    fn a_childs_go_needs_the_best_interests() {
        let mut h = start(Side::Destination, &request(true)).unwrap().handover;
        h.state = HandoverState::AssessmentSent;
        for decision in [CorroborationDecision::Go, CorroborationDecision::Conditions] {
            let refused = h.apply(
                Side::Origin,
                &HandoverMessage::Corroboration {
                    decision,
                    child_best_interests: false,
                },
                TODAY,
            );
            assert_eq!(
                refused.unwrap_err().code,
                codes::CHILD_BEST_INTERESTS_REQUIRED
            );
            let ok = h
                .apply(
                    Side::Origin,
                    &HandoverMessage::Corroboration {
                        decision,
                        child_best_interests: true,
                    },
                    TODAY,
                )
                .unwrap();
            assert_eq!(ok.handover.state, HandoverState::Corroborated);
        }
        let no_go = h
            .apply(
                Side::Origin,
                &HandoverMessage::Corroboration {
                    decision: CorroborationDecision::NoGo,
                    child_best_interests: false,
                },
                TODAY,
            )
            .unwrap();
        assert_eq!(no_go.handover.state, HandoverState::NoGo);
    }

    #[test]
    fn message_rules_refuse_bad_content() {
        use HandoverMessage as M;
        let h = in_state(HandoverState::Requested);
        for (contact, alternate) in [("", "Deputy"), ("Officer", " "), ("Officer", "officer")] {
            let e = h
                .apply(
                    Side::Origin,
                    &M::Acknowledgement {
                        contact: contact.into(),
                        alternate: alternate.into(),
                    },
                    TODAY,
                )
                .unwrap_err();
            assert_eq!(e.code, codes::CONTACTS_REQUIRED);
        }
        let h = in_state(HandoverState::Acknowledged);
        let e = h
            .apply(
                Side::Destination,
                &M::RiskAndNeedsAssessment {
                    categories: [DataCategory::Health, DataCategory::CaseHistory]
                        .into_iter()
                        .collect(),
                },
                TODAY,
            )
            .unwrap_err();
        assert_eq!(e.code, codes::CATEGORIES_NOT_CONSENTED);
        let h = in_state(HandoverState::Corroborated);
        let e = h
            .apply(
                Side::Destination,
                &M::TravelReady {
                    travel_on: date!(2026 - 12 - 03),
                },
                TODAY,
            )
            .unwrap_err();
        assert_eq!(e.code, codes::DATE_INVALID);
        let h = in_state(HandoverState::InTravel);
        let e = h
            .apply(
                Side::Origin,
                &M::Arrived {
                    arrived_on: date!(2026 - 12 - 05),
                },
                TODAY,
            )
            .unwrap_err();
        assert_eq!(e.code, codes::DATE_INVALID);
        let h = in_state(HandoverState::Arrived);
        // arrived 2026-11-01: a plan or report dated before is refused.
        let e = h
            .apply(
                Side::Origin,
                &M::ReintegrationPlan {
                    made_on: date!(2026 - 10 - 31),
                },
                TODAY,
            )
            .unwrap_err();
        assert_eq!(e.code, codes::DATE_INVALID);
        assert_eq!(
            h.apply(Side::Origin, &report(2, TODAY), TODAY)
                .unwrap_err()
                .code,
            codes::FOLLOW_UP_MONTH_UNKNOWN
        );
        let h1 = h
            .apply(Side::Origin, &report(1, TODAY), TODAY)
            .unwrap()
            .handover;
        assert_eq!(
            h1.apply(Side::Origin, &report(1, TODAY), TODAY)
                .unwrap_err()
                .code,
            codes::FOLLOW_UP_ALREADY_REPORTED
        );
        let h2 = h1
            .apply(Side::Origin, &sample(MessageKind::ReintegrationPlan), TODAY)
            .unwrap()
            .handover;
        assert_eq!(h2.state, HandoverState::FollowingUp);
        assert_eq!(
            h2.apply(Side::Origin, &sample(MessageKind::ReintegrationPlan), TODAY)
                .unwrap_err()
                .code,
            codes::PLAN_ALREADY_RECEIVED
        );
        let no_reason = M::Closure { reason: " ".into() };
        assert_eq!(
            h2.apply(Side::Origin, &no_reason, TODAY).unwrap_err().code,
            codes::REASON_REQUIRED
        );
        let h = in_state(HandoverState::Requested);
        assert_eq!(
            h.apply(
                Side::Destination,
                &M::Cancellation { reason: "".into() },
                TODAY
            )
            .unwrap_err()
            .code,
            codes::REASON_REQUIRED
        );
        // A refused message changes nothing: `apply` borrows the handover.
        assert_eq!(h, in_state(HandoverState::Requested));
    }

    #[test]
    fn withdrawal_alerts_and_reports_carry_their_effects() {
        let h = in_state(HandoverState::TravelReady);
        for side in Side::ALL {
            let s = h
                .apply(*side, &HandoverMessage::ConsentWithdrawn, TODAY)
                .unwrap();
            assert_eq!(s.effects, vec![Effect::EraseReceived]);
            // Nothing moves it afterwards.
            assert_eq!(
                s.handover
                    .apply(Side::Destination, &HandoverMessage::SecurityAlert, TODAY)
                    .unwrap_err()
                    .code,
                codes::FINISHED
            );
            let a = h
                .apply(*side, &HandoverMessage::SecurityAlert, TODAY)
                .unwrap();
            assert_eq!(a.effects, vec![Effect::AlertCoordinators]);
        }
        let h = in_state(HandoverState::Arrived);
        let mut r = match report(1, TODAY) {
            HandoverMessage::FollowUpReport(r) => r,
            _ => unreachable!(),
        };
        r.re_trafficking_alert = true;
        r.reached = false;
        let s = h
            .apply(Side::Origin, &HandoverMessage::FollowUpReport(r), TODAY)
            .unwrap();
        assert_eq!(s.effects, vec![Effect::AlertCoordinators]);
    }

    #[test]
    fn follow_ups_fall_due_and_become_overdue() {
        let mut h = in_state(HandoverState::Arrived);
        h.arrived_on = Some(date!(2026 - 01 - 31));
        let due: Vec<Date> = h
            .follow_ups(date!(2026 - 01 - 31))
            .iter()
            .map(|f| f.due_on)
            .collect();
        assert_eq!(
            due,
            vec![
                date!(2026 - 02 - 28),
                date!(2026 - 04 - 30),
                date!(2026 - 07 - 31),
                date!(2027 - 01 - 31)
            ]
        );
        // Due day itself is not overdue; the day after is.
        assert!(h.overdue_follow_ups(date!(2026 - 02 - 28)).is_empty());
        assert_eq!(h.overdue_follow_ups(date!(2026 - 03 - 01)).len(), 1);
        assert!(!h.plan_overdue(date!(2026 - 02 - 28)));
        assert!(h.plan_overdue(date!(2026 - 03 - 01)));
        let h = h
            .apply(
                Side::Origin,
                &report(1, date!(2026 - 03 - 02)),
                date!(2026 - 03 - 02),
            )
            .unwrap()
            .handover;
        let later = h.overdue_follow_ups(date!(2026 - 08 - 01));
        assert_eq!(
            later.iter().map(|f| f.due_month).collect::<Vec<_>>(),
            vec![3, 6]
        );
        let done = h.follow_ups(date!(2026 - 08 - 01));
        assert_eq!(done[0].reported_on, Some(date!(2026 - 03 - 02)));
        assert_eq!(done[0].reached, Some(true));
        // A finished handover has nothing overdue; before arrival, no schedule.
        let mut closed = h.clone();
        closed.state = HandoverState::Closed;
        assert!(closed.overdue_follow_ups(date!(2030 - 01 - 01)).is_empty());
        assert!(!closed.plan_overdue(date!(2030 - 01 - 01)));
        let mut before = h.clone();
        before.arrived_on = None;
        assert!(before.follow_ups(TODAY).is_empty());
        // The checklist counts the reported and the overdue, not the open
        // ones not yet due, nor what a finished handover no longer owes.
        let mut counted = h.clone();
        counted.reports[0].reached = false;
        counted.arrived_on = Some(date!(2026 - 01 - 31));
        assert_eq!(
            counted.follow_ups_counted(date!(2026 - 08 - 01)),
            vec![
                (date!(2026 - 02 - 28), false),
                (date!(2026 - 04 - 30), false),
                (date!(2026 - 07 - 31), false)
            ]
        );
        let h = h
            .apply(
                Side::Origin,
                &report(3, date!(2026 - 05 - 02)),
                date!(2026 - 05 - 02),
            )
            .unwrap()
            .handover;
        assert_eq!(
            h.follow_ups_counted(date!(2026 - 05 - 02)),
            vec![(date!(2026 - 02 - 28), true), (date!(2026 - 04 - 30), true)]
        );
        let mut ended = h.clone();
        ended.state = HandoverState::Closed;
        assert_eq!(ended.follow_ups_counted(date!(2030 - 01 - 01)).len(), 2);
        let mut before = h;
        before.arrived_on = None;
        assert!(before.follow_ups_counted(TODAY).is_empty());
        assert_eq!(add_months(date!(2024 - 01 - 31), 1), date!(2024 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 12 - 15), 13), date!(2028 - 01 - 15));
        assert_eq!(add_months(Date::MAX, 12), Date::MAX);
    }

    #[test]
    fn messages_have_a_stable_json_form() {
        let m = sample(MessageKind::Corroboration);
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["type"], "corroboration");
        assert_eq!(v["decision"], "go");
        let back: HandoverMessage = serde_json::from_value(v).unwrap();
        assert_eq!(back, m);
        for k in MessageKind::ALL {
            let v = serde_json::to_value(sample(*k)).unwrap();
            assert_eq!(v["type"], k.as_str());
        }
    }
}
