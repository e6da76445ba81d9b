//! The case lifecycle: an explicit state machine over [`CaseStatus`].
//!
//! ```text
//! referred → presumed_victim → in_protection ─┬→ identified → solution_planning ─┬→ reintegration_in_progress ─┬→ follow_up → closed
//!                                             │                   ↑              └→ repatriation_in_progress ─┘               │
//!                                             │                   └──── (re-plan) ───────────┘                                │
//!                                             └→ not_identified ─→ closed                                                     │
//!                                                  └→ in_protection (reconsideration)                                         │
//! closed → referred | follow_up (re-opening) ←────────────────────────────────────────────────────────────────────────────────┘
//! every open stage → closed (with an approved closure and a reason)
//! ```
//!
//! Why these edges and no others:
//!
//! * Identification has two stages (PRODUCT.md, capability 1): reasonable
//!   grounds make a *presumed* victim, protection and the reflection period
//!   start, and only then does the competent authority decide `identified` or
//!   `not_identified`. No edge skips a stage, so the timeline always shows who
//!   decided what.
//! * A negative identification decision can be contested: a request for
//!   reconsideration puts the person back `in_protection` (they are entitled
//!   to protection while it is pending).
//! * A durable solution is either reintegration or repatriation. Both are
//!   voluntary, so the person may change their mind: either can go back to
//!   `solution_planning` (with a reason). Repatriation additionally requires a
//!   recorded security assessment — repatriation is never a deportation — and,
//!   for a child, a best-interests determination.
//! * A person may refuse any service at any time (principle 1), so a case can
//!   be closed from every open stage, but only with a coordinator's approved
//!   closure and a reason.
//! * A closed case can be re-opened, with a reason: to `referred` when the
//!   person comes back with a new situation (e.g. re-trafficking), to
//!   `follow_up` when an old matter resurfaces (e.g. compensation paid after a
//!   verdict).
//!
//! Who: the case manager of the case and the coordinators of the owning
//! organisation make transitions. First responders only create cases, in
//! `referred` ([`check_initial_status`]). Everyone else is refused.

use serde::{Deserialize, Serialize};
use time::Date;

use super::required_text;
use crate::DomainError;
use crate::access::{Link, Relation};
use crate::case::CaseStatus;
use crate::org::Role;

/// Refusal codes of this module (stable: clients and the web layer rely on them).
pub mod codes {
    /// `from` and `to` are the same status.
    pub const STATUS_UNCHANGED: &str = "status_unchanged";
    /// The lifecycle has no such edge.
    pub const TRANSITION_NOT_ALLOWED: &str = "transition_not_allowed";
    /// The actor's role (or relation to the case) may not make this change.
    pub const ROLE_NOT_ALLOWED: &str = "role_not_allowed";
    /// Closing, re-opening, a negative identification decision, a
    /// reconsideration or a re-plan needs a reason.
    pub const REASON_REQUIRED: &str = "reason_required";
    /// Closing needs an approved closure.
    pub const CLOSURE_APPROVAL_REQUIRED: &str = "closure_approval_required";
    /// Repatriation needs a recorded security assessment.
    pub const SECURITY_ASSESSMENT_REQUIRED: &str = "security_assessment_required";
    /// The latest structured security assessment finds a need for
    /// international protection (non-refoulement).
    pub const INTERNATIONAL_PROTECTION_NEEDED: &str = "international_protection_needed";
    /// The latest structured security assessment finds grave concerns.
    pub const RETURN_UNSAFE: &str = "return_unsafe";
    /// Reintegration (local integration or resettlement) needs a recorded
    /// reintegration assessment choosing it.
    pub const REINTEGRATION_ASSESSMENT_REQUIRED: &str = "reintegration_assessment_required";
    /// The latest reintegration assessment chose a return: the case goes to
    /// `repatriation_in_progress` through the person's decision instead.
    pub const SOLUTION_IS_RETURN: &str = "solution_is_return";
    /// The latest reintegration assessment chose local integration or
    /// resettlement: a return needs a new assessment in which the person
    /// chooses it.
    pub const SOLUTION_NOT_RETURN: &str = "solution_not_return";
    /// Repatriating a child needs a best-interests determination.
    pub const BEST_INTERESTS_DETERMINATION_REQUIRED: &str = "best_interests_determination_required";
    /// A new case may not start in this status (or this role may not create).
    pub const INITIAL_STATUS_NOT_ALLOWED: &str = "initial_status_not_allowed";
    /// `presumed_victim` follows only from a recorded reasonable-grounds decision.
    pub const REASONABLE_GROUNDS_DECISION_REQUIRED: &str = "reasonable_grounds_decision_required";
    /// `identified` / `not_identified` follow only from a conclusive decision
    /// recorded by someone with that authority.
    pub const CONCLUSIVE_DECISION_REQUIRED: &str = "conclusive_decision_required";
}

/// The formal decision that an edge of the lifecycle stands for. These edges
/// have legal meaning (PRODUCT.md, capability 1): they are walked only when
/// the decision itself is recorded, never from a status form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormalDecision {
    /// Reasonable grounds to believe the person is a victim: `presumed_victim`.
    ReasonableGrounds,
    /// The competent authority's conclusive decision: `identified` or
    /// `not_identified`.
    Conclusive,
}

/// Which formal decision the edge `from → to` needs, if any.
pub fn decision_needed(from: CaseStatus, to: CaseStatus) -> Option<FormalDecision> {
    use CaseStatus::*;
    match (from, to) {
        (Referred, PresumedVictim) => Some(FormalDecision::ReasonableGrounds),
        (InProtection, Identified) | (InProtection, NotIdentified) => {
            Some(FormalDecision::Conclusive)
        }
        _ => None,
    }
}

/// The statuses a status form may offer from `from`: the lifecycle's edges
/// less those that only a recorded decision walks.
pub fn form_successors(from: CaseStatus) -> Vec<CaseStatus> {
    CaseStatus::ALL
        .iter()
        .copied()
        .filter(|to| edge(from, *to).is_some() && decision_needed(from, *to).is_none())
        .collect()
}

vocabulary! {
    /// What a transition means, for the case timeline and the statistics.
    TransitionKind, "transition.kind", "not a known kind of transition" {
        /// One step along the usual path.
        Forward => "forward",
        /// A negative identification decision.
        NegativeDecision => "negative_decision",
        /// not_identified → in_protection after a request for reconsideration.
        Reconsideration => "reconsideration",
        /// Back from a solution in progress to solution planning.
        Replan => "replan",
        /// Any open stage → closed.
        Closure => "closure",
        /// closed → referred or follow_up.
        Reopening => "reopening",
    }
}

/// The facts a transition rule needs. The app layer fills it from the case,
/// the session and the records (approvals, assessments); the rule itself
/// never looks anything up.
///
/// Whether the person cooperates with the prosecution is deliberately not
/// among these facts: assistance is never conditional on it (principle 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionContext {
    /// The acting user's role.
    pub actor: Role,
    /// How the actor stands to the case (see [`crate::access::Relation`]).
    pub relation: Relation,
    /// Why; required for some transitions (see [`requires_reason`]).
    pub reason: Option<String>,
    /// A closure approval exists in state `approved` (see [`super::approvals`]).
    pub closure_approved: bool,
    /// A repatriation security assessment is recorded for the person (a
    /// free-text one, or the structured one below).
    pub security_assessment_recorded: bool,
    /// The latest structured repatriation security assessment, if any: its
    /// outcome can stop the return (non-refoulement, grave concerns).
    pub security_assessment: Option<crate::solutions::assessment::SecurityAssessment>,
    /// The person is a child, or is treated as one because their age is
    /// uncertain and there are reasons to believe they are a child.
    pub person_is_child: bool,
    /// A best-interests determination is recorded (needed to repatriate a child).
    pub best_interests_determination_recorded: bool,
    /// The formal decision being recorded together with this change, if the
    /// change comes from recording one (never from a status form).
    pub decision: Option<FormalDecision>,
    /// Why the person's legal status forbids planning a return now, if it
    /// does (a running reflection period, a pending asylum application; see
    /// [`crate::justice::permits::return_block`]).
    pub return_block: Option<crate::justice::permits::ReturnBlock>,
    /// The durable solution the latest reintegration assessment chose, if
    /// one is recorded: reintegration follows only from one choosing local
    /// integration or resettlement; a return is refused while the latest
    /// chose otherwise.
    pub solution_chosen: Option<crate::solutions::assessment::DurableSolution>,
}

/// One accepted status change, as the case timeline records it. The reason
/// may contain personal data: the app layer stores it encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub from: CaseStatus,
    pub to: CaseStatus,
    pub kind: TransitionKind,
    pub actor: Role,
    pub reason: Option<String>,
}

/// The kind of the edge `from → to`, or `None` when the lifecycle has no such
/// edge. This is the whole graph; everything else in this module is about who
/// may walk an edge and with which facts.
pub fn edge(from: CaseStatus, to: CaseStatus) -> Option<TransitionKind> {
    use CaseStatus::*;
    use TransitionKind::*;
    match (from, to) {
        (Referred, PresumedVictim)
        | (PresumedVictim, InProtection)
        | (InProtection, Identified)
        | (Identified, SolutionPlanning)
        | (SolutionPlanning, ReintegrationInProgress)
        | (SolutionPlanning, RepatriationInProgress)
        | (ReintegrationInProgress, FollowUp)
        | (RepatriationInProgress, FollowUp) => Some(Forward),
        (InProtection, NotIdentified) => Some(NegativeDecision),
        (NotIdentified, InProtection) => Some(Reconsideration),
        (ReintegrationInProgress, SolutionPlanning)
        | (RepatriationInProgress, SolutionPlanning) => Some(Replan),
        (Closed, Referred) | (Closed, FollowUp) => Some(Reopening),
        (Closed, _) => None,
        (_, Closed) => Some(Closure),
        _ => None,
    }
}

/// Whether walking an edge of this kind needs a reason. Every departure from
/// the usual path does: the timeline must explain it to the next reader.
pub fn requires_reason(kind: TransitionKind) -> bool {
    !matches!(kind, TransitionKind::Forward)
}

/// Whether the actor may change the status of this case: its case manager
/// (whatever their role title) or a coordinator of the owning organisation.
pub fn may_transition(actor: Role, relation: Relation) -> bool {
    let manages = relation.link == Link::CaseManager
        && relation.same_org
        && matches!(actor, Role::CaseManager | Role::Coordinator);
    let supervises = actor == Role::Coordinator && relation.same_org;
    manages || supervises
}

/// Checks one status change and returns the record for the timeline.
///
/// Checks run in a fixed order, so the refusal code is predictable: same
/// status, unknown edge, formal decision, role, reason, closure approval, security
/// assessment, best-interests determination.
pub fn transition(
    from: CaseStatus,
    to: CaseStatus,
    ctx: &TransitionContext,
) -> Result<Transition, DomainError> {
    if from == to {
        return Err(DomainError::new(
            codes::STATUS_UNCHANGED,
            format!("the case is already {}", to.as_str()),
        ));
    }
    let Some(kind) = edge(from, to) else {
        return Err(DomainError::new(
            codes::TRANSITION_NOT_ALLOWED,
            format!("a case cannot go from {} to {}", from.as_str(), to.as_str()),
        ));
    };
    if let Some(needed) = decision_needed(from, to)
        && ctx.decision != Some(needed)
    {
        return Err(match needed {
            FormalDecision::ReasonableGrounds => DomainError::new(
                codes::REASONABLE_GROUNDS_DECISION_REQUIRED,
                "a person becomes a presumed victim only through a recorded reasonable-grounds decision",
            ),
            FormalDecision::Conclusive => DomainError::new(
                codes::CONCLUSIVE_DECISION_REQUIRED,
                "identified and not identified follow only from a conclusive decision recorded by the competent authority",
            ),
        });
    }
    if !may_transition(ctx.actor, ctx.relation) {
        return Err(DomainError::new(
            codes::ROLE_NOT_ALLOWED,
            format!(
                "only the case manager of the case or a coordinator of its organisation may change its status (role: {})",
                ctx.actor.as_str()
            ),
        ));
    }
    let reason = match ctx.reason.as_deref() {
        Some(r) if !r.trim().is_empty() => {
            Some(required_text("reason", codes::REASON_REQUIRED, r)?)
        }
        _ if requires_reason(kind) => {
            return Err(DomainError::new(
                codes::REASON_REQUIRED,
                format!(
                    "reason: is required to go from {} to {}",
                    from.as_str(),
                    to.as_str()
                ),
            ));
        }
        _ => None,
    };
    if kind == TransitionKind::Closure && !ctx.closure_approved {
        return Err(DomainError::new(
            codes::CLOSURE_APPROVAL_REQUIRED,
            "closing a case needs a coordinator's approved closure",
        ));
    }
    use crate::solutions::assessment::DurableSolution;
    if to == CaseStatus::ReintegrationInProgress {
        match ctx.solution_chosen {
            None => {
                return Err(DomainError::new(
                    codes::REINTEGRATION_ASSESSMENT_REQUIRED,
                    "reintegration needs a recorded reintegration assessment, assessed with the person, choosing local integration or resettlement",
                ));
            }
            Some(DurableSolution::Return) => {
                return Err(DomainError::new(
                    codes::SOLUTION_IS_RETURN,
                    "the reintegration assessment chose a return: record the person's decision to return instead",
                ));
            }
            Some(_) => {}
        }
    }
    if to == CaseStatus::RepatriationInProgress {
        if let Some(s @ (DurableSolution::LocalIntegration | DurableSolution::Resettlement)) =
            ctx.solution_chosen
        {
            return Err(DomainError::new(
                codes::SOLUTION_NOT_RETURN,
                format!(
                    "the latest reintegration assessment chose {}: a return needs a new assessment in which the person chooses it",
                    s.as_str().replace('_', " ")
                ),
            ));
        }
        use crate::justice::{codes as justice_codes, permits::ReturnBlock};
        match ctx.return_block {
            Some(ReturnBlock::ReflectionPeriod) => {
                return Err(DomainError::new(
                    justice_codes::RETURN_BLOCKED_REFLECTION,
                    "no return may be planned while the recovery and reflection period runs",
                ));
            }
            Some(ReturnBlock::ProtectionPending) => {
                return Err(DomainError::new(
                    justice_codes::RETURN_BLOCKED_PROTECTION,
                    "no return may be planned while an application for international protection is pending",
                ));
            }
            None => {}
        }
        if !ctx.security_assessment_recorded && ctx.security_assessment.is_none() {
            return Err(DomainError::new(
                codes::SECURITY_ASSESSMENT_REQUIRED,
                "repatriation needs a recorded security assessment: a return is never a deportation",
            ));
        }
        use crate::solutions::assessment::SecurityOutcome;
        match ctx.security_assessment.as_ref().map(|a| a.outcome()) {
            Some(SecurityOutcome::ReferToAsylum) => {
                return Err(DomainError::new(
                    codes::INTERNATIONAL_PROTECTION_NEEDED,
                    "the security assessment finds a need for international protection: refer to the asylum procedure (non-refoulement)",
                ));
            }
            Some(SecurityOutcome::ReturnUnsafe(_)) => {
                return Err(DomainError::new(
                    codes::RETURN_UNSAFE,
                    "the security assessment finds that a return would not be safe",
                ));
            }
            _ => {}
        }
        if ctx.person_is_child && !ctx.best_interests_determination_recorded {
            return Err(DomainError::new(
                codes::BEST_INTERESTS_DETERMINATION_REQUIRED,
                "repatriating a child needs a recorded best-interests determination",
            ));
        }
    }
    Ok(Transition {
        from,
        to,
        kind,
        actor: ctx.actor,
        reason,
    })
}

/// The person's arrival in the country of origin, confirmed by the receiving
/// organisation through the cross-border handover, moves a case in
/// `repatriation_in_progress` on to `follow_up`, where the follow-up after
/// return runs. The partner is the actor. A case in any other status is left
/// alone (the arrival stays on the handover).
pub fn on_arrival(from: CaseStatus) -> Option<Transition> {
    (from == CaseStatus::RepatriationInProgress).then_some(Transition {
        from,
        to: CaseStatus::FollowUp,
        kind: TransitionKind::Forward,
        actor: Role::Partner,
        reason: None,
    })
}

/// The statuses a new case may start in, for this role.
///
/// First responders refer: their cases start `referred`. Case managers and
/// coordinators may also open a case directly as `presumed_victim`, when the
/// reasonable-grounds decision was already taken before the case reached
/// SafePath (for example by the referring authority). No one opens a case
/// further down the path: protection, identification and solutions happen,
/// and are recorded, inside SafePath. Other roles do not create cases (as in
/// [`crate::access::decide_global`]).
pub fn initial_statuses(actor: Role) -> &'static [CaseStatus] {
    match actor {
        Role::FirstResponder => &[CaseStatus::Referred],
        Role::CaseManager | Role::Coordinator => {
            &[CaseStatus::Referred, CaseStatus::PresumedVictim]
        }
        Role::Administrator | Role::ServiceProvider | Role::Analyst | Role::Partner => &[],
    }
}

/// Refuses a new case in a status its creator may not choose.
pub fn check_initial_status(actor: Role, status: CaseStatus) -> Result<(), DomainError> {
    if initial_statuses(actor).contains(&status) {
        Ok(())
    } else {
        Err(DomainError::new(
            codes::INITIAL_STATUS_NOT_ALLOWED,
            format!(
                "a {} cannot open a case as {}",
                actor.as_str(),
                status.as_str()
            ),
        ))
    }
}

/// The reflection period every jurisdiction must grant at least (Council of
/// Europe Convention on Action against Trafficking in Human Beings, art. 13).
pub const MIN_REFLECTION_DAYS: u16 = 30;
/// The default: the legal minimum. Many NGOs configure 90.
pub const DEFAULT_REFLECTION_DAYS: u16 = 30;

/// The last day of the recovery and reflection period that started on
/// `started_on` (the day the case entered `in_protection`). A configured
/// length below the convention's minimum is raised to it: a jurisdiction
/// may grant more, never less.
pub fn reflection_period_ends(started_on: Date, days: u16) -> Date {
    let days = days.max(MIN_REFLECTION_DAYS);
    started_on
        .checked_add(time::Duration::days(i64::from(days) - 1))
        .unwrap_or(Date::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in TransitionKind::ALL {
            assert_eq!(TransitionKind::parse(k.as_str()).unwrap(), *k);
        }
        assert!(TransitionKind::parse("jump").is_err());
    }

    #[test]
    fn reflection_period_is_never_shorter_than_the_minimum() {
        let d = time::macros::date!(2026 - 01 - 01);
        assert_eq!(
            reflection_period_ends(d, 30),
            time::macros::date!(2026 - 01 - 30)
        );
        assert_eq!(
            reflection_period_ends(d, 5),
            time::macros::date!(2026 - 01 - 30)
        );
        assert_eq!(
            reflection_period_ends(d, 90),
            time::macros::date!(2026 - 03 - 31)
        );
    }
}
