//! What a person in protection is entitled to — and the rule that **assistance
//! never depends on co-operation** (CoE Convention art. 12(6); PRODUCT.md).
//!
//! Whether the person co-operates with the authorities is part of the facts
//! (it is recorded on each proceeding), so that a test can show it changes
//! nothing: the entitlements below are computed from everything else.

use serde::{Deserialize, Serialize};
use time::Date;

use super::permits::{self, ExpiryAlert, ExpiryAlertSettings, Permit, ReturnBlock};
use super::proceedings::Cooperation;

/// The facts about a person's situation the entitlements are computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Situation {
    /// Identified, or presumed, as a victim (assistance starts at presumption).
    pub presumed_or_identified: bool,
    /// Still in protection (the case is open).
    pub in_protection: bool,
    pub permits: Vec<Permit>,
    /// Co-operation in each proceeding. Recorded, deliberately unused.
    pub cooperation: Vec<Cooperation>,
}

/// What the person is entitled to on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entitlements {
    pub assistance: bool,
    pub shelter: bool,
    pub legal_aid: bool,
    pub interpretation: bool,
    pub compensation_claims: bool,
    /// Alerts on the person's permits (their expiry is watched for everyone).
    pub permit_alerts: Vec<ExpiryAlert>,
    /// Whether a return may not be planned, and why.
    pub return_block: Option<ReturnBlock>,
    /// The case may move on along its lifecycle (no transition waits on
    /// testimony).
    pub transitions_open: bool,
}

pub fn entitlements(s: &Situation, today: Date, alerts: &ExpiryAlertSettings) -> Entitlements {
    let eligible = s.presumed_or_identified && s.in_protection;
    Entitlements {
        assistance: eligible,
        shelter: eligible,
        legal_aid: eligible,
        interpretation: eligible,
        compensation_claims: s.presumed_or_identified,
        permit_alerts: s
            .permits
            .iter()
            .filter_map(|p| permits::expiry_alert(p, today, alerts))
            .collect(),
        return_block: permits::return_block(&s.permits, today),
        transitions_open: s.in_protection,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::justice::permits::{
        ApplicationState, NewPermit, PermitConditions, PermitKind, check_permit,
    };
    use time::macros::date;

    #[test]
    fn a_person_who_refuses_to_testify_keeps_every_entitlement() {
        let today = date!(2026 - 06 - 20);
        let permit = |kind, app, exp| {
            check_permit(NewPermit {
                kind,
                application: app,
                authority: None,
                number: None,
                issued_on: date!(2026 - 01 - 01),
                expires_on: exp,
                conditions: PermitConditions::default(),
                renews: None,
            })
            .unwrap()
        };
        for presumed in [true, false] {
            for in_protection in [true, false] {
                let base = Situation {
                    presumed_or_identified: presumed,
                    in_protection,
                    permits: vec![
                        permit(
                            PermitKind::ReflectionPeriod,
                            ApplicationState::Granted,
                            Some(date!(2026 - 06 - 30)),
                        ),
                        permit(
                            PermitKind::AsylumApplication,
                            ApplicationState::Applied,
                            None,
                        ),
                    ],
                    cooperation: vec![Cooperation::Cooperating],
                };
                let cooperating = entitlements(&base, today, &ExpiryAlertSettings::default());
                for refusal in [
                    vec![Cooperation::Declined],
                    vec![Cooperation::Declined, Cooperation::Declined],
                    vec![Cooperation::NotAsked],
                    vec![],
                ] {
                    let refusing = Situation {
                        cooperation: refusal,
                        ..base.clone()
                    };
                    assert_eq!(
                        entitlements(&refusing, today, &ExpiryAlertSettings::default()),
                        cooperating
                    );
                }
                if presumed && in_protection {
                    assert!(cooperating.assistance && cooperating.shelter && cooperating.legal_aid);
                    assert_eq!(cooperating.permit_alerts.len(), 1);
                    assert_eq!(
                        cooperating.return_block,
                        Some(ReturnBlock::ReflectionPeriod)
                    );
                }
            }
        }
    }
}
