//! Referrals between organisations of the service network.
//!
//! ```text
//! pending ─accept──→ accepted ─complete (outcome)─→ completed
//!    │                  │
//!    ├─decline (reason)─┼──────────────────────────→ declined
//!    │                  │
//!    ├─revoke (reason)──┴──────────────────────────→ revoked
//!    │                  │
//!    └─consent withdrawn┴──────────────────────────→ consent_withdrawn
//! ```
//!
//! The sending organisation (its case manager or a coordinator) creates and
//! may revoke; the receiving organisation's focal point accepts, declines and
//! reports the outcome. A referral carries only the categories of data a
//! covering consent allows: it cannot be built without a
//! [`CoveringConsent`] for that recipient, and it ends as soon as the consent
//! no longer covers it ([`on_consent_withdrawn`]).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use super::consent::{
    self, Consent, ConsentPurpose, ConsentRefusal, CoveringConsent, DataCategory,
};
use super::ids::{ConsentId, ReferralId};
use super::required_text;
use crate::DomainError;
use crate::access::Actor;
use crate::ids::{CaseId, OrgId};
use crate::org::Role;

/// Refusal codes of this module (stable).
pub mod codes {
    /// The referral's state does not allow this action.
    pub const ACTION_NOT_ALLOWED: &str = "referral_action_not_allowed";
    /// The action belongs to the other side (or to neither).
    pub const WRONG_SIDE: &str = "referral_wrong_side";
    /// Declining or revoking needs a reason.
    pub const REASON_REQUIRED: &str = "reason_required";
    /// Completing needs an outcome.
    pub const OUTCOME_REQUIRED: &str = "outcome_required";
    /// An organisation does not refer to itself.
    pub const TO_OWN_ORG: &str = "referral_to_own_org";
    /// The covering consent was checked for another recipient or fewer
    /// categories than the referral carries.
    pub const CONSENT_MISMATCH: &str = "referral_consent_mismatch";
    /// Only case managers and coordinators send referrals.
    pub const ROLE_NOT_ALLOWED: &str = "role_not_allowed";
}

vocabulary! {
    /// How fast the receiving organisation must answer.
    Urgency, "referral.urgency", "expected routine, urgent or emergency" {
        Routine => "routine",
        Urgent => "urgent",
        Emergency => "emergency",
    }
}

impl Urgency {
    /// The response deadline, in hours after sending.
    ///
    /// Emergency: 2 hours — a person without a safe place for the night, or in
    /// medical danger, cannot wait for the next working day. Urgent: 24 hours.
    /// Routine: 72 hours, three days, which spans a weekend without leaving a
    /// person waiting a whole week.
    pub fn response_hours(self) -> u16 {
        match self {
            Urgency::Emergency => 2,
            Urgency::Urgent => 24,
            Urgency::Routine => 72,
        }
    }
}

vocabulary! {
    /// Where a referral stands.
    ReferralState, "referral.state", "not a known referral state" {
        Pending => "pending",
        Accepted => "accepted",
        Declined => "declined",
        Completed => "completed",
        /// Revoked by the sender.
        Revoked => "revoked",
        /// Ended because the consent no longer covers it.
        ConsentWithdrawn => "consent_withdrawn",
    }
}

impl ReferralState {
    /// Whether nothing more can happen to the referral.
    pub fn is_final(self) -> bool {
        !matches!(self, ReferralState::Pending | ReferralState::Accepted)
    }
}

/// Which side of a referral a user is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A case manager or coordinator of the sending organisation.
    Sender,
    /// The focal point of the receiving organisation.
    Receiver,
    /// Anyone else.
    Neither,
}

impl Side {
    pub const ALL: [Side; 3] = [Side::Sender, Side::Receiver, Side::Neither];

    /// The side of `actor`. `is_receiver_focal_point` comes from the
    /// directory (the focal points of the receiving organisation).
    pub fn of(actor: &Actor, referral: &Referral, is_receiver_focal_point: bool) -> Side {
        if actor.org == referral.from_org
            && matches!(actor.role, Role::CaseManager | Role::Coordinator)
        {
            Side::Sender
        } else if actor.org == referral.to_org && is_receiver_focal_point {
            Side::Receiver
        } else {
            Side::Neither
        }
    }
}

/// What a side does to a referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ReferralAction {
    Accept,
    Decline { reason: String },
    Complete { outcome: String },
    Revoke { reason: String },
}

impl ReferralAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReferralAction::Accept => "accept",
            ReferralAction::Decline { .. } => "decline",
            ReferralAction::Complete { .. } => "complete",
            ReferralAction::Revoke { .. } => "revoke",
        }
    }

    fn past_participle(&self) -> &'static str {
        match self {
            ReferralAction::Accept => "accepted",
            ReferralAction::Decline { .. } => "declined",
            ReferralAction::Complete { .. } => "completed",
            ReferralAction::Revoke { .. } => "revoked",
        }
    }

    /// The side allowed to take the action.
    pub fn side(&self) -> Side {
        match self {
            ReferralAction::Revoke { .. } => Side::Sender,
            ReferralAction::Accept
            | ReferralAction::Decline { .. }
            | ReferralAction::Complete { .. } => Side::Receiver,
        }
    }

    /// The states from which the action may be taken.
    pub fn from_states(&self) -> &'static [ReferralState] {
        match self {
            ReferralAction::Accept | ReferralAction::Decline { .. } => &[ReferralState::Pending],
            ReferralAction::Complete { .. } => &[ReferralState::Accepted],
            ReferralAction::Revoke { .. } => &[ReferralState::Pending, ReferralState::Accepted],
        }
    }
}

/// A referral. `reason` holds the decline or revocation reason, `outcome`
/// the result reported on completion; both may contain personal data and are
/// stored encrypted by the app layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub id: ReferralId,
    pub case: CaseId,
    pub from_org: OrgId,
    pub to_org: OrgId,
    /// The kind of service asked for (a directory service type, free text here).
    pub service: String,
    pub urgency: Urgency,
    /// The categories of data the referral carries (all covered by consent
    /// when it was sent).
    pub categories: BTreeSet<DataCategory>,
    /// The consent entries relied on when it was sent.
    pub consents: Vec<ConsentId>,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    pub state: ReferralState,
    pub reason: Option<String>,
    pub outcome: Option<String>,
}

/// What the sender fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReferral {
    pub id: ReferralId,
    pub case: CaseId,
    pub to_org: OrgId,
    pub service: String,
    pub urgency: Urgency,
    pub categories: BTreeSet<DataCategory>,
}

/// Whether a new referral to `to_org` carrying `categories` is covered by
/// the ledger today. The refusal becomes HTTP 403 with its code.
pub fn check_new_referral(
    ledger: &[Consent],
    to_org: OrgId,
    categories: &BTreeSet<DataCategory>,
    today: Date,
) -> Result<CoveringConsent, ConsentRefusal> {
    consent::covers(
        ledger,
        ConsentPurpose::ServiceReferral,
        Some(to_org),
        categories,
        today,
    )
}

/// Builds a pending referral, sent by `sender` at `sent_at`. It demands the
/// [`CoveringConsent`] from [`check_new_referral`] for the same recipient and
/// at least the same categories, so a referral cannot carry more than the
/// person agreed to.
pub fn send(
    new: NewReferral,
    sender: &Actor,
    covering: &CoveringConsent,
    sent_at: OffsetDateTime,
) -> Result<Referral, DomainError> {
    if !matches!(sender.role, Role::CaseManager | Role::Coordinator) {
        return Err(DomainError::new(
            codes::ROLE_NOT_ALLOWED,
            format!(
                "only case managers and coordinators send referrals (role: {})",
                sender.role.as_str()
            ),
        ));
    }
    if new.to_org == sender.org {
        return Err(DomainError::new(
            codes::TO_OWN_ORG,
            "a referral goes to another organisation; within one organisation, assign a task",
        ));
    }
    if covering.purpose() != ConsentPurpose::ServiceReferral
        || covering.recipient() != Some(new.to_org)
        || !new.categories.is_subset(covering.categories())
    {
        return Err(DomainError::new(
            codes::CONSENT_MISMATCH,
            "the consent check was made for another recipient or purpose, or for fewer categories",
        ));
    }
    let service = required_text("referral.service", "missing_field", &new.service)?;
    Ok(Referral {
        id: new.id,
        case: new.case,
        from_org: sender.org,
        to_org: new.to_org,
        service,
        urgency: new.urgency,
        categories: new.categories,
        consents: covering.consents().to_vec(),
        sent_at,
        state: ReferralState::Pending,
        reason: None,
        outcome: None,
    })
}

impl Referral {
    /// When the receiving organisation must have answered.
    pub fn response_deadline(&self) -> OffsetDateTime {
        self.sent_at
            .checked_add(Duration::hours(i64::from(self.urgency.response_hours())))
            .unwrap_or(self.sent_at)
    }

    /// Whether the referral is still pending after its deadline.
    pub fn response_overdue(&self, now: OffsetDateTime) -> bool {
        self.state == ReferralState::Pending && now > self.response_deadline()
    }

    /// Applies an action taken by `side` and returns the next version.
    /// Checks run in this order: the state allows the action, the side may
    /// take it, the reason or outcome is there.
    pub fn apply(&self, action: &ReferralAction, side: Side) -> Result<Referral, DomainError> {
        if !action.from_states().contains(&self.state) {
            return Err(DomainError::new(
                codes::ACTION_NOT_ALLOWED,
                format!(
                    "a {} referral cannot be {}",
                    self.state.as_str(),
                    action.past_participle()
                ),
            ));
        }
        if side != action.side() {
            let who = match action.side() {
                Side::Sender => "the sending organisation",
                Side::Receiver | Side::Neither => "the receiving organisation's focal point",
            };
            return Err(DomainError::new(
                codes::WRONG_SIDE,
                format!("only {who} may {} a referral", action.as_str()),
            ));
        }
        let mut next = self.clone();
        match action {
            ReferralAction::Accept => next.state = ReferralState::Accepted,
            ReferralAction::Decline { reason } => {
                next.reason = Some(required_text("reason", codes::REASON_REQUIRED, reason)?);
                next.state = ReferralState::Declined;
            }
            ReferralAction::Revoke { reason } => {
                next.reason = Some(required_text("reason", codes::REASON_REQUIRED, reason)?);
                next.state = ReferralState::Revoked;
            }
            ReferralAction::Complete { outcome } => {
                next.outcome = Some(required_text("outcome", codes::OUTCOME_REQUIRED, outcome)?);
                next.state = ReferralState::Completed;
            }
        }
        Ok(next)
    }
}

/// After a consent was withdrawn (or has expired): if the ledger no longer
/// covers the referral's categories for its recipient on `today`, a pending
/// or accepted referral ends (`consent_withdrawn`) and the receiving
/// organisation loses access. Returns the ended version, or `None` when
/// nothing changes (still covered, or already final).
pub fn on_consent_withdrawn(
    referral: &Referral,
    ledger: &[Consent],
    today: Date,
) -> Option<Referral> {
    if referral.state.is_final() {
        return None;
    }
    match check_new_referral(ledger, referral.to_org, &referral.categories, today) {
        Ok(_) => None,
        Err(refusal) => Some(Referral {
            state: ReferralState::ConsentWithdrawn,
            reason: Some(refusal.message()),
            ..referral.clone()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_round_trip() {
        for u in Urgency::ALL {
            assert_eq!(Urgency::parse(u.as_str()).unwrap(), *u);
        }
        for s in ReferralState::ALL {
            assert_eq!(ReferralState::parse(s.as_str()).unwrap(), *s);
        }
        assert!(Urgency::parse("whenever").is_err());
    }

    #[test]
    fn deadlines_shrink_with_urgency() {
        assert!(Urgency::Emergency.response_hours() < Urgency::Urgent.response_hours());
        assert!(Urgency::Urgent.response_hours() < Urgency::Routine.response_hours());
    }
}
