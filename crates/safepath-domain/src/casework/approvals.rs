//! Supervisory approvals of the needs assessment, the care plan and closure.
//!
//! ```text
//! (none) ──request──→ requested ──approve──→ approved   (final)
//!                        │  ↑
//!                 return │  │ request (again, after changes)
//!                        ↓  │
//!                      returned
//! ```
//!
//! The case manager of the case requests; a coordinator of the owning
//! organisation decides — and never on their own request, so that every
//! approval is a second pair of eyes (a coordinator who manages a case
//! themselves needs a colleague). Returning needs a comment, because the case
//! manager has to know what to change. An approved approval is final: a later
//! revision of the care plan is a new approval.

use serde::{Deserialize, Serialize};
use time::Date;

use super::ids::ApprovalId;
use super::{optional_text, required_text};
use crate::DomainError;
use crate::access::{Actor, Link, Relation};
use crate::ids::{CaseId, UserId};
use crate::org::Role;

/// Refusal codes of this module (stable).
pub mod codes {
    /// Only the case manager of the case requests.
    pub const REQUEST_NOT_ALLOWED: &str = "approval_request_not_allowed";
    /// Only a coordinator of the owning organisation decides.
    pub const DECISION_NOT_ALLOWED: &str = "approval_decision_not_allowed";
    /// A coordinator may not decide on their own request.
    pub const OWN_REQUEST: &str = "approval_own_request";
    /// The approval is already requested and awaits a decision.
    pub const ALREADY_REQUESTED: &str = "approval_already_requested";
    /// There is nothing to decide: the approval was returned.
    pub const NOT_REQUESTED: &str = "approval_not_requested";
    /// The approval was approved; it is final.
    pub const ALREADY_DECIDED: &str = "approval_already_decided";
    /// Returning needs a comment.
    pub const COMMENT_REQUIRED: &str = "comment_required";
}

vocabulary! {
    /// What is submitted for approval.
    ApprovalSubject, "approval.subject", "not a known approval subject" {
        NeedsAssessment => "needs_assessment",
        CarePlan => "care_plan",
        Closure => "closure",
    }
}

vocabulary! {
    /// Where an approval stands.
    ApprovalState, "approval.state", "not a known approval state" {
        Requested => "requested",
        Approved => "approved",
        Returned => "returned",
    }
}

/// What a user does to an approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ApprovalAction {
    /// Submit again after it was returned.
    Request,
    Approve {
        comment: Option<String>,
    },
    Return {
        comment: String,
    },
}

impl ApprovalAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            ApprovalAction::Request => "request",
            ApprovalAction::Approve { .. } => "approve",
            ApprovalAction::Return { .. } => "return",
        }
    }
}

/// One approval and where it stands. Each accepted action yields the next
/// version; the app layer keeps the versions as the approval's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub id: ApprovalId,
    pub case: CaseId,
    pub subject: ApprovalSubject,
    pub state: ApprovalState,
    /// Who requested it last.
    pub requested_by: UserId,
    #[serde(with = "crate::casework::iso_date")]
    pub requested_on: Date,
    /// How many times it was requested (1 for the first request).
    pub round: u16,
    pub decided_by: Option<UserId>,
    #[serde(default, with = "crate::casework::iso_date::option")]
    pub decided_on: Option<Date>,
    /// The coordinator's comment (always present when returned).
    pub comment: Option<String>,
}

/// Whether the actor may request approvals on this case: its case manager.
pub fn may_request(actor: &Actor, relation: Relation) -> bool {
    relation.link == Link::CaseManager
        && matches!(actor.role, Role::CaseManager | Role::Coordinator)
}

/// Whether the actor may decide approvals on this case: a coordinator of the
/// owning organisation (the own-request rule is checked separately).
pub fn may_decide(actor: &Actor, relation: Relation) -> bool {
    actor.role == Role::Coordinator && relation.same_org
}

fn refuse_request(actor: &Actor) -> DomainError {
    DomainError::new(
        codes::REQUEST_NOT_ALLOWED,
        format!(
            "only the case manager of the case requests an approval (role: {})",
            actor.role.as_str()
        ),
    )
}

/// The first request.
pub fn request(
    id: ApprovalId,
    case: CaseId,
    subject: ApprovalSubject,
    actor: &Actor,
    relation: Relation,
    today: Date,
) -> Result<Approval, DomainError> {
    if !may_request(actor, relation) {
        return Err(refuse_request(actor));
    }
    Ok(Approval {
        id,
        case,
        subject,
        state: ApprovalState::Requested,
        requested_by: actor.id,
        requested_on: today,
        round: 1,
        decided_by: None,
        decided_on: None,
        comment: None,
    })
}

impl Approval {
    /// Applies an action and returns the next version. Checks run in this
    /// order: the state allows the action, the actor may take it, the
    /// comment is there.
    pub fn apply(
        &self,
        action: &ApprovalAction,
        actor: &Actor,
        relation: Relation,
        today: Date,
    ) -> Result<Approval, DomainError> {
        match (self.state, action) {
            (ApprovalState::Approved, _) => Err(DomainError::new(
                codes::ALREADY_DECIDED,
                format!(
                    "the {} approval was approved and is final",
                    self.subject.as_str()
                ),
            )),
            (ApprovalState::Requested, ApprovalAction::Request) => Err(DomainError::new(
                codes::ALREADY_REQUESTED,
                format!(
                    "the {} approval is already requested and awaits a decision",
                    self.subject.as_str()
                ),
            )),
            (
                ApprovalState::Returned,
                ApprovalAction::Approve { .. } | ApprovalAction::Return { .. },
            ) => Err(DomainError::new(
                codes::NOT_REQUESTED,
                format!(
                    "the {} approval was returned; it must be requested again before a decision",
                    self.subject.as_str()
                ),
            )),
            (ApprovalState::Returned, ApprovalAction::Request) => {
                if !may_request(actor, relation) {
                    return Err(refuse_request(actor));
                }
                Ok(Approval {
                    state: ApprovalState::Requested,
                    requested_by: actor.id,
                    requested_on: today,
                    round: self.round.saturating_add(1),
                    decided_by: None,
                    decided_on: None,
                    comment: None,
                    ..self.clone()
                })
            }
            (ApprovalState::Requested, ApprovalAction::Approve { comment }) => {
                self.check_decider(actor, relation)?;
                let comment = optional_text("comment", comment.as_deref())?;
                Ok(self.decided(ApprovalState::Approved, actor, today, comment))
            }
            (ApprovalState::Requested, ApprovalAction::Return { comment }) => {
                self.check_decider(actor, relation)?;
                let comment = required_text("comment", codes::COMMENT_REQUIRED, comment)?;
                Ok(self.decided(ApprovalState::Returned, actor, today, Some(comment)))
            }
        }
    }

    fn check_decider(&self, actor: &Actor, relation: Relation) -> Result<(), DomainError> {
        if !may_decide(actor, relation) {
            return Err(DomainError::new(
                codes::DECISION_NOT_ALLOWED,
                format!(
                    "only a coordinator of the case's organisation decides on an approval (role: {})",
                    actor.role.as_str()
                ),
            ));
        }
        if actor.id == self.requested_by {
            return Err(DomainError::new(
                codes::OWN_REQUEST,
                "a coordinator does not decide on their own request; another coordinator must",
            ));
        }
        Ok(())
    }

    fn decided(
        &self,
        state: ApprovalState,
        actor: &Actor,
        today: Date,
        comment: Option<String>,
    ) -> Approval {
        Approval {
            state,
            decided_by: Some(actor.id),
            decided_on: Some(today),
            comment,
            ..self.clone()
        }
    }

    pub fn is_approved(&self) -> bool {
        self.state == ApprovalState::Approved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_round_trip() {
        for s in ApprovalSubject::ALL {
            assert_eq!(ApprovalSubject::parse(s.as_str()).unwrap(), *s);
        }
        for s in ApprovalState::ALL {
            assert_eq!(ApprovalState::parse(s.as_str()).unwrap(), *s);
        }
        assert!(ApprovalState::parse("pending").is_err());
    }
}
