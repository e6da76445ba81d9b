//! Legal status: permits, the applications behind them, alerts before expiry,
//! and the rule that protects a person from return while their status is open.

use serde::{Deserialize, Serialize};
use time::Date;

use super::codes;
use crate::DomainError;
use crate::casework::vocabulary;

vocabulary! {
    /// What a permit (or application) is.
    PermitKind, "kind", "not a known permit kind" {
        /// The recovery and reflection period (CoE Convention art. 13).
        ReflectionPeriod => "reflection_period",
        /// A temporary stay for victims of trafficking.
        TemporaryStay => "temporary_stay",
        WorkPermit => "work_permit",
        ResidencePermit => "residence_permit",
        HumanitarianStatus => "humanitarian_status",
        /// An application for international protection (asylum).
        AsylumApplication => "asylum_application",
    }
}

vocabulary! {
    /// Where the application behind a permit stands.
    ApplicationState, "application", "not a known application state" {
        Applied => "applied",
        Granted => "granted",
        Refused => "refused",
        Appealed => "appealed",
    }
}

impl ApplicationState {
    /// Applied or under appeal: no decision that ends it yet.
    pub fn is_pending(self) -> bool {
        matches!(self, ApplicationState::Applied | ApplicationState::Appealed)
    }
}

/// What a permit allows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermitConditions {
    #[serde(default)]
    pub work_allowed: bool,
    #[serde(default)]
    pub free_movement: bool,
    /// The area the person may stay in, when restricted.
    #[serde(default)]
    pub area: Option<String>,
}

/// A permit as entered, before the rules check it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPermit {
    pub kind: PermitKind,
    pub application: ApplicationState,
    pub authority: Option<String>,
    /// The permit's number (sealed with the record).
    pub number: Option<String>,
    /// When issued — or, for an application not yet decided, when applied.
    pub issued_on: Date,
    pub expires_on: Option<Date>,
    pub conditions: PermitConditions,
    /// The permit this one renews.
    pub renews: Option<String>,
}

/// A checked permit (the record kept, sealed, per case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permit {
    pub kind: PermitKind,
    pub application: ApplicationState,
    pub authority: Option<String>,
    pub number: Option<String>,
    #[serde(with = "crate::casework::iso_date")]
    pub issued_on: Date,
    #[serde(default, with = "crate::casework::iso_date::option")]
    pub expires_on: Option<Date>,
    pub conditions: PermitConditions,
    pub renews: Option<String>,
}

/// Checks a permit: an expiry before the issue date is refused
/// ([`codes::PERMIT_EXPIRES_BEFORE_ISSUED`]); free texts are trimmed and bounded.
pub fn check_permit(p: NewPermit) -> Result<Permit, DomainError> {
    if let Some(exp) = p.expires_on
        && exp < p.issued_on
    {
        return Err(DomainError::new(
            codes::PERMIT_EXPIRES_BEFORE_ISSUED,
            "expires_on: the permit expires before it is issued",
        ));
    }
    let area = super::optional_text("conditions.area", p.conditions.area.as_deref())?;
    Ok(Permit {
        kind: p.kind,
        application: p.application,
        authority: super::optional_text("authority", p.authority.as_deref())?,
        number: super::optional_text("number", p.number.as_deref())?,
        issued_on: p.issued_on,
        expires_on: p.expires_on,
        conditions: PermitConditions {
            area,
            ..p.conditions
        },
        renews: p.renews,
    })
}

impl Permit {
    /// Granted and running on `day` (issued, not yet expired; a permit that
    /// "expires on" a day still holds on that day).
    pub fn in_force(&self, day: Date) -> bool {
        self.application == ApplicationState::Granted
            && self.issued_on <= day
            && self.expires_on.is_none_or(|e| day <= e)
    }
}

/// Days before expiry at which the case manager is alerted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryAlertSettings {
    /// Descending or not; each is a threshold in days.
    pub days: Vec<u32>,
}

impl Default for ExpiryAlertSettings {
    fn default() -> Self {
        Self {
            days: vec![30, 14, 7],
        }
    }
}

/// An alert about a permit's expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "alert", rename_all = "snake_case")]
pub enum ExpiryAlert {
    /// Expires within `threshold` days (the smallest threshold reached);
    /// `days_left` is 0 on the last day.
    Expiring { days_left: i64, threshold: u32 },
    /// Expired `days_ago` days ago (flagged to the coordinator when the
    /// person is still in protection).
    Expired { days_ago: i64 },
}

impl ExpiryAlert {
    /// The step of the alert, one notification each: `expiring_30`,
    /// `expiring_14`, `expiring_7` (by the configured thresholds), `expired`.
    pub fn step(self) -> String {
        match self {
            ExpiryAlert::Expiring { threshold, .. } => format!("expiring_{threshold}"),
            ExpiryAlert::Expired { .. } => "expired".to_owned(),
        }
    }
}

impl ExpiryAlertSettings {
    /// Thresholds as configured: at least one, each 1 to 366 days.
    pub fn new(mut days: Vec<u32>) -> Result<Self, DomainError> {
        days.sort_unstable_by(|a, b| b.cmp(a));
        days.dedup();
        if days.is_empty() || days.iter().any(|d| !(1..=366).contains(d)) {
            return Err(DomainError::new(
                codes::INVALID_SETTING,
                "permit alert days: one or more numbers of days from 1 to 366",
            ));
        }
        Ok(Self { days })
    }
    /// The furthest threshold: permits expiring later need no alert yet.
    pub fn horizon_days(&self) -> i64 {
        self.days.iter().copied().max().map_or(0, i64::from)
    }
}

/// The alert due on `today` for a granted permit with an expiry date, if any.
/// Applications not granted have nothing to expire.
pub fn expiry_alert(
    permit: &Permit,
    today: Date,
    settings: &ExpiryAlertSettings,
) -> Option<ExpiryAlert> {
    if permit.application != ApplicationState::Granted {
        return None;
    }
    alert_for_expiry(permit.expires_on?, today, settings)
}

/// The alert due on `today` for a granted permit that expires on `exp` (the
/// scheduler works from the stored expiry date without unsealing the permit).
pub fn alert_for_expiry(
    exp: Date,
    today: Date,
    settings: &ExpiryAlertSettings,
) -> Option<ExpiryAlert> {
    let days_left = (exp - today).whole_days();
    if days_left < 0 {
        return Some(ExpiryAlert::Expired {
            days_ago: -days_left,
        });
    }
    settings
        .days
        .iter()
        .copied()
        .filter(|&t| days_left <= i64::from(t))
        .min()
        .map(|threshold| ExpiryAlert::Expiring {
            days_left,
            threshold,
        })
}

/// Why no return may be planned now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnBlock {
    /// A recovery and reflection period is running.
    ReflectionPeriod,
    /// An application for international protection is pending (applied or
    /// under appeal).
    ProtectionPending,
}

/// Whether the person's status forbids planning a return on `today`.
/// The return and reintegration work calls this before planning a return.
pub fn return_block(permits: &[Permit], today: Date) -> Option<ReturnBlock> {
    if permits
        .iter()
        .any(|p| p.kind == PermitKind::ReflectionPeriod && p.in_force(today))
    {
        return Some(ReturnBlock::ReflectionPeriod);
    }
    if permits
        .iter()
        .any(|p| p.kind == PermitKind::AsylumApplication && p.application.is_pending())
    {
        return Some(ReturnBlock::ProtectionPending);
    }
    None
}

/// [`return_block`] as a refusal: `Ok(())` when a return may be planned.
pub fn may_plan_return(permits: &[Permit], today: Date) -> Result<(), DomainError> {
    match return_block(permits, today) {
        None => Ok(()),
        Some(ReturnBlock::ReflectionPeriod) => Err(DomainError::new(
            codes::RETURN_BLOCKED_REFLECTION,
            "no return may be planned during a running recovery and reflection period",
        )),
        Some(ReturnBlock::ProtectionPending) => Err(DomainError::new(
            codes::RETURN_BLOCKED_PROTECTION,
            "no return may be planned while an application for international protection is pending",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn alert_settings_are_checked_and_each_step_is_named() {
        let s = ExpiryAlertSettings::new(vec![7, 30, 14, 30]).unwrap();
        assert_eq!(s.days, vec![30, 14, 7]);
        assert_eq!(s.horizon_days(), 30);
        for bad in [vec![], vec![0], vec![30, 400]] {
            assert_eq!(
                ExpiryAlertSettings::new(bad).unwrap_err().code,
                codes::INVALID_SETTING
            );
        }
        let today = date!(2026 - 06 - 01);
        let step = |exp| alert_for_expiry(exp, today, &s).map(ExpiryAlert::step);
        assert_eq!(step(date!(2026 - 07 - 15)), None);
        assert_eq!(step(date!(2026 - 07 - 01)).as_deref(), Some("expiring_30"));
        assert_eq!(step(date!(2026 - 06 - 15)).as_deref(), Some("expiring_14"));
        assert_eq!(step(date!(2026 - 06 - 01)).as_deref(), Some("expiring_7"));
        assert_eq!(step(date!(2026 - 05 - 31)).as_deref(), Some("expired"));
    }

    fn permit(kind: PermitKind, app: ApplicationState, from: Date, to: Option<Date>) -> Permit {
        check_permit(NewPermit {
            kind,
            application: app,
            authority: None,
            number: Some(" TS-1 ".into()),
            issued_on: from,
            expires_on: to,
            conditions: PermitConditions::default(),
            renews: None,
        })
        .unwrap()
    }

    #[test]
    fn expiry_before_issue_is_refused_and_same_day_is_valid() {
        let mut p = NewPermit {
            kind: PermitKind::TemporaryStay,
            application: ApplicationState::Granted,
            authority: None,
            number: None,
            issued_on: date!(2026 - 03 - 01),
            expires_on: Some(date!(2026 - 02 - 28)),
            conditions: PermitConditions::default(),
            renews: None,
        };
        assert_eq!(
            check_permit(p.clone()).unwrap_err().code,
            codes::PERMIT_EXPIRES_BEFORE_ISSUED
        );
        p.expires_on = Some(date!(2026 - 03 - 01));
        assert!(check_permit(p).is_ok());
    }

    #[test]
    fn alerts_at_the_smallest_threshold_reached() {
        let p = permit(
            PermitKind::TemporaryStay,
            ApplicationState::Granted,
            date!(2026 - 01 - 01),
            Some(date!(2026 - 06 - 30)),
        );
        let s = ExpiryAlertSettings::default();
        assert_eq!(expiry_alert(&p, date!(2026 - 05 - 30), &s), None);
        assert_eq!(
            expiry_alert(&p, date!(2026 - 05 - 31), &s),
            Some(ExpiryAlert::Expiring {
                days_left: 30,
                threshold: 30
            })
        );
        assert_eq!(
            expiry_alert(&p, date!(2026 - 06 - 20), &s),
            Some(ExpiryAlert::Expiring {
                days_left: 10,
                threshold: 14
            })
        );
        assert_eq!(
            expiry_alert(&p, date!(2026 - 06 - 30), &s),
            Some(ExpiryAlert::Expiring {
                days_left: 0,
                threshold: 7
            })
        );
        assert_eq!(
            expiry_alert(&p, date!(2026 - 07 - 03), &s),
            Some(ExpiryAlert::Expired { days_ago: 3 })
        );
        // Configurable: a single 60-day alert.
        let s60 = ExpiryAlertSettings { days: vec![60] };
        assert!(matches!(
            expiry_alert(&p, date!(2026 - 05 - 01), &s60),
            Some(ExpiryAlert::Expiring { threshold: 60, .. })
        ));
        // An application that was not granted has nothing to expire.
        let refused = permit(
            PermitKind::WorkPermit,
            ApplicationState::Refused,
            date!(2026 - 01 - 01),
            Some(date!(2026 - 06 - 30)),
        );
        assert_eq!(expiry_alert(&refused, date!(2026 - 06 - 29), &s), None);
    }

    #[test]
    fn no_return_during_reflection_or_pending_protection() {
        let today = date!(2026 - 04 - 10);
        let reflection = permit(
            PermitKind::ReflectionPeriod,
            ApplicationState::Granted,
            date!(2026 - 03 - 01),
            Some(date!(2026 - 05 - 30)),
        );
        assert_eq!(
            return_block(std::slice::from_ref(&reflection), today),
            Some(ReturnBlock::ReflectionPeriod)
        );
        assert_eq!(
            may_plan_return(std::slice::from_ref(&reflection), today)
                .unwrap_err()
                .code,
            codes::RETURN_BLOCKED_REFLECTION
        );
        // After the period ends, the block lifts; on its last day it holds.
        assert!(may_plan_return(std::slice::from_ref(&reflection), date!(2026 - 05 - 30)).is_err());
        assert!(may_plan_return(std::slice::from_ref(&reflection), date!(2026 - 05 - 31)).is_ok());
        for (state, blocked) in [
            (ApplicationState::Applied, true),
            (ApplicationState::Appealed, true),
            (ApplicationState::Granted, false),
            (ApplicationState::Refused, false),
        ] {
            let asylum = permit(
                PermitKind::AsylumApplication,
                state,
                date!(2026 - 01 - 05),
                None,
            );
            assert_eq!(
                may_plan_return(&[asylum], today).is_err(),
                blocked,
                "{state}"
            );
        }
        assert!(may_plan_return(&[], today).is_ok());
    }

    #[test]
    fn vocabularies_round_trip() {
        for k in PermitKind::ALL {
            assert_eq!(PermitKind::parse(k.as_str()).unwrap(), *k);
        }
        for s in ApplicationState::ALL {
            assert_eq!(ApplicationState::parse(s.as_str()).unwrap(), *s);
        }
        assert!(PermitKind::parse("visa").is_err());
    }
}
